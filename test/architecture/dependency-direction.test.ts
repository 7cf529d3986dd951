import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md: dependencies point one way (apps → packages); `spec` imports no other package; `ml` knows no
 * database, queue or HTTP; the API process never loads TensorFlow.js.
 */
const ROOT = join(import.meta.dirname, '..', '..');
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
};

const packageOf = (spec: string) =>
  spec in PARTIAL_ENTRIES
    ? spec
    : spec.startsWith('@')
      ? spec.split('/').slice(0, 2).join('/')
      : (spec.split('/')[0] as string);

/** Packages a workspace's sources import statically (`import … from 'x'`; lazy `import('x')` excluded). */
function staticImports(workspace: string): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(join(ROOT, workspace, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'([^'.][^']*)'/gm)) {
      found.add(packageOf(m[1] as string));
    }
  }
  return found;
}

/** Packages that one file loads, through every relative import (side-effect imports too), recursively. */
function partialImports(file: string, seen = new Set<string>(), found = new Set<string>()): Set<string> {
  if (seen.has(file)) return found;
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)(?:[^'"]*from)?\s*'([^']+)'/gm)) {
    const spec = m[1] as string;
    if (spec.startsWith('.')) partialImports(join(dirname(file), spec), seen, found);
    else found.add(packageOf(spec));
  }
  return found;
}

const name = (w: string) => `@distillery/${w.split('/')[1]}`;
const workspaceOf = new Map(WORKSPACES.map((w) => [name(w), w]));
/** The workspace package an import names (`@distillery/ml/artifact` → `@distillery/ml`). */
const workspacePackage = (spec: string) => spec.split('/').slice(0, 2).join('/');

function closure(workspace: string, seen = new Set<string>()): Set<string> {
  for (const dep of staticImports(workspace)) follow(dep, seen);
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

describe('dependency direction', () => {
  it.each(WORKSPACES)('%s declares every workspace package it imports', (w) => {
    const declared = Object.keys(JSON.parse(readFileSync(join(ROOT, w, 'package.json'), 'utf8')).dependencies ?? {});
    const used = [...staticImports(w)]
      .map(workspacePackage)
      .filter((d) => d.startsWith('@distillery/') && d !== name(w));
    expect(used.filter((d) => !declared.includes(d))).toEqual([]);
  });

  it('keeps the spec package free of other workspace packages', () => {
    expect([...staticImports('packages/spec')].filter((d) => d.startsWith('@distillery/'))).toEqual([]);
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

  it('never loads TensorFlow.js in the API', () => {
    const deps = [...closure('apps/api')];
    expect(deps.filter((d) => d === '@distillery/ml' || d.startsWith('@tensorflow/'))).toEqual([]);
  });
});
