import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Dependencies point one way: apps import packages, never the reverse (no package imports an app, statically or
 * lazily); `spec` imports no other package; `ml` knows no database, queue or HTTP; the API process never loads
 * TensorFlow.js. Lazy `import('x')` expressions count as imports: a lazy edge still loads the module when taken.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const PACKAGES = ['packages/spec', 'packages/db', 'packages/queue', 'packages/ml'];
const APPS = ['apps/api', 'apps/worker', 'apps/cli'];
const WORKSPACES = [
  'packages/spec',
  'packages/db',
  'packages/queue',
  'packages/ml',
  'apps/api',
  'apps/worker',
  'apps/cli',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'generated' || name === 'node_modules') return [];
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Entry points that load only part of a workspace package, and the file each starts at: an import of one is
 * followed file by file (`partialImports`), not as the whole package.
 */
const PARTIAL_ENTRIES: Record<string, string> = {
  '@distillery/ml/artifact': join(ROOT, 'packages/ml/src/artifact/index.ts'),
  '@distillery/db/database-url': join(ROOT, 'packages/db/src/database-url.ts'),
  '@distillery/queue/options': join(ROOT, 'packages/queue/src/run-queue-options.ts'),
};

const packageOf = (spec: string) =>
  spec in PARTIAL_ENTRIES
    ? spec
    : spec.startsWith('@')
      ? spec.split('/').slice(0, 2).join('/')
      : (spec.split('/')[0] as string);

/**
 * Every module specifier a source text names: `import … from 'x'`, `export … from 'x'`, side-effect `import 'x'`
 * and lazy `import('x')` (also in type positions such as `import('x').T`: stricter than loading, never looser).
 */
function importSpecifiers(source: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/gm,
    /^\s*import\s*(['"])([^'"]+)\1/gm,
    /\bimport\s*\(\s*(['"`])([^'"`$]+)\1\s*\)/g,
  ];
  return patterns.flatMap((re) => [...source.matchAll(re)].map((m) => m[2] as string));
}

/** Lazy imports whose specifier is not a literal, so no scan can follow them: the files allowed to have one. */
const VARIABLE_IMPORTS: Record<string, string> = {
  // Optional native tfjs backends, absent at type-check time.
  'packages/ml/src/backend/init-backend.ts': 'await import(pkg)',
};
const variableImports = (source: string) =>
  [...source.matchAll(/\bimport\(\s*([A-Za-z_$][\w$.]*)\s*\)/g)].map((m) => `await import(${m[1]})`);

/** Packages a workspace's sources import, statically or lazily (relative specifiers excluded). */
function workspaceImports(workspace: string): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(join(ROOT, workspace, 'src'))) {
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) found.add(packageOf(spec));
    }
  }
  return found;
}

/** Relative imports of a workspace's sources that resolve outside that workspace (`../../apps/api/src/…`). */
function escapingImports(workspace: string): string[] {
  const home = join(ROOT, workspace);
  return sourceFiles(join(home, 'src')).flatMap((file) =>
    importSpecifiers(readFileSync(file, 'utf8'))
      .filter((spec) => spec.startsWith('.') && !join(dirname(file), spec).startsWith(`${home}/`))
      .map((spec) => `${relative(ROOT, file)}: ${spec}`),
  );
}

/** Packages that one file loads, through every relative import (side-effect and lazy ones too), recursively. */
function partialImports(file: string, seen = new Set<string>(), found = new Set<string>()): Set<string> {
  if (seen.has(file)) return found;
  seen.add(file);
  for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
    if (spec.startsWith('.')) partialImports(join(dirname(file), spec), seen, found);
    else found.add(packageOf(spec));
  }
  return found;
}

/**
 * What loading a file loads before any of its code runs: static imports and re-exports, recursively, without
 * type-only ones (erased) and lazy ones (taken only on the path that needs them). A partial entry point is followed
 * into its file.
 */
function startUpImports(file: string, seen = new Set<string>(), found = new Set<string>()): Set<string> {
  if (seen.has(file)) return found;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  const statements = [
    ...source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/gm),
    ...source.matchAll(/^\s*import\s*(['"])([^'"]+)\1/gm),
  ];
  for (const spec of statements.map((m) => m[2] as string)) {
    if (spec.startsWith('.')) startUpImports(join(dirname(file), spec), seen, found);
    else if (PARTIAL_ENTRIES[spec]) startUpImports(PARTIAL_ENTRIES[spec], seen, found.add(spec));
    else found.add(packageOf(spec));
  }
  return found;
}

const name = (w: string) => `@distillery/${w.split('/')[1]}`;
const workspaceOf = new Map(WORKSPACES.map((w) => [name(w), w]));
/** The workspace package an import names (`@distillery/ml/artifact` → `@distillery/ml`). */
const workspacePackage = (spec: string) => spec.split('/').slice(0, 2).join('/');

function closure(workspace: string, seen = new Set<string>()): Set<string> {
  for (const dep of workspaceImports(workspace)) follow(dep, seen);
  return seen;
}

function follow(dep: string, seen: Set<string>): void {
  if (seen.has(dep)) return;
  seen.add(dep);
  const entry = PARTIAL_ENTRIES[dep];
  if (entry) {
    for (const d of partialImports(entry)) follow(d, seen);
    return;
  }
  const w = workspaceOf.get(dep);
  if (w) closure(w, seen);
}

describe('the import scanner', () => {
  it('finds static, re-exported, side-effect, multi-line and lazy imports', () => {
    const source = [
      "import { a } from '@distillery/spec';",
      "import type { B } from 'fastify';",
      "export * from './local.ts';",
      "import 'reflect-metadata';",
      'import {',
      '  c,',
      '  d,',
      "} from '@tensorflow/tfjs';",
      'async function f() {',
      "  const { buildApp } = await import('@distillery/api');",
      '  const w = await import("@distillery/worker");',
      '  return import(`@distillery/cli`);',
      '}',
      "type R = import('pg').Pool;",
    ].join('\n');
    expect(importSpecifiers(source).sort()).toEqual(
      [
        '@distillery/spec',
        'fastify',
        './local.ts',
        'reflect-metadata',
        '@tensorflow/tfjs',
        '@distillery/api',
        '@distillery/worker',
        '@distillery/cli',
        'pg',
      ].sort(),
    );
  });

  it('reads no import out of ordinary code and strings', () => {
    const source = [
      "const from = 'x';",
      "export const label = 'imported from the store';",
      'const important = reimport(thing);',
      "const note = 'an import (lazy or not) of a module';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual([]);
  });

  it('sees a lazy import whose specifier is not a literal', () => {
    expect(variableImports('for (const pkg of list) await import(pkg);')).toEqual(['await import(pkg)']);
    expect(variableImports("await import('@distillery/api')")).toEqual([]);
  });
});

describe('dependency direction', () => {
  it.each(WORKSPACES)('%s declares every workspace package it imports', (w) => {
    const declared = Object.keys(JSON.parse(readFileSync(join(ROOT, w, 'package.json'), 'utf8')).dependencies ?? {});
    const used = [...workspaceImports(w)]
      .map(workspacePackage)
      .filter((d) => d.startsWith('@distillery/') && d !== name(w));
    expect(used.filter((d) => !declared.includes(d))).toEqual([]);
  });

  it.each(PACKAGES)('%s imports no app, statically or lazily', (p) => {
    const apps = APPS.map(name);
    expect([...closure(p)].filter((d) => apps.includes(workspacePackage(d)))).toEqual([]);
    const declared = Object.keys(JSON.parse(readFileSync(join(ROOT, p, 'package.json'), 'utf8')).dependencies ?? {});
    expect(declared.filter((d) => apps.includes(d))).toEqual([]);
  });

  it.each(WORKSPACES)('%s reaches no other workspace through a relative path', (w) => {
    expect(escapingImports(w)).toEqual([]);
  });

  it('names every lazy import by a literal, except where a variable is the point', () => {
    const found = WORKSPACES.flatMap((w) =>
      sourceFiles(join(ROOT, w, 'src')).flatMap((file) =>
        variableImports(readFileSync(file, 'utf8')).map((call) => `${relative(ROOT, file)}: ${call}`),
      ),
    );
    expect(found).toEqual(Object.entries(VARIABLE_IMPORTS).map(([file, call]) => `${file}: ${call}`));
  });

  it('keeps the spec package free of other workspace packages', () => {
    expect([...workspaceImports('packages/spec')].filter((d) => d.startsWith('@distillery/'))).toEqual([]);
  });

  it('keeps the ML package free of database, queue and HTTP', () => {
    const deps = closure('packages/ml');
    for (const banned of ['@distillery/db', '@distillery/queue', '@distillery/api', 'fastify', 'bullmq', 'pg']) {
      expect(deps.has(banned), banned).toBe(false);
    }
  });

  it('loads no TensorFlow.js through the partial entry points', () => {
    for (const [entry, file] of Object.entries(PARTIAL_ENTRIES)) {
      expect(
        [...partialImports(file)].filter((d) => d.startsWith('@tensorflow/')),
        entry,
      ).toEqual([]);
    }
  });

  it('starts the client commands without the database, the queue or the HTTP server', () => {
    // They talk to an API over HTTP; loading Prisma, pg and BullMQ first tripled their start-up time. The embedded
    // store's in-process client is a lazy import, taken only when there is neither a login nor a `serve`.
    const cli = join(ROOT, 'apps/cli/src');
    const commands = ['login', 'sweep-submit', 'sweep-watch', 'sweep-list', 'sweep-cancel', 'results', 'frontier']
      .concat(['compare', 'model-download', 'key'])
      .map((c) => join(cli, 'commands', `${c}-command${c === 'key' ? 's' : ''}.ts`));
    const banned = [
      '@distillery/db',
      '@distillery/queue',
      '@distillery/api',
      '@distillery/ml',
      '@prisma/client',
    ].concat(['pg', 'bullmq', 'ioredis', 'fastify', '@electric-sql/pglite']);
    for (const file of [join(cli, 'main.ts'), ...commands]) {
      expect(
        [...startUpImports(file)].filter((d) => banned.includes(d)),
        relative(ROOT, file),
      ).toEqual([]);
    }
  });

  it('never loads TensorFlow.js in the API', () => {
    const deps = [...closure('apps/api')];
    expect(deps.filter((d) => d === '@distillery/ml' || d.startsWith('@tensorflow/'))).toEqual([]);
  });
});
