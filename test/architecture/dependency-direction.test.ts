import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

/** Packages a workspace's sources import statically (`import … from 'x'`; lazy `import('x')` excluded). */
function staticImports(workspace: string): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(join(ROOT, workspace, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'([^'.][^']*)'/gm)) {
      const spec = m[1] as string;
      found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
    }
  }
  return found;
}

const name = (w: string) => `@distillery/${w.split('/')[1]}`;
const workspaceOf = new Map(WORKSPACES.map((w) => [name(w), w]));

function closure(workspace: string, seen = new Set<string>()): Set<string> {
  for (const dep of staticImports(workspace)) {
    if (seen.has(dep)) continue;
    seen.add(dep);
    const w = workspaceOf.get(dep);
    if (w) closure(w, seen);
  }
  return seen;
}

describe('dependency direction', () => {
  it.each(WORKSPACES)('%s declares every workspace package it imports', (w) => {
    const declared = Object.keys(JSON.parse(readFileSync(join(ROOT, w, 'package.json'), 'utf8')).dependencies ?? {});
    const used = [...staticImports(w)].filter((d) => d.startsWith('@distillery/') && d !== name(w));
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

  it('never loads TensorFlow.js in the API', () => {
    const deps = [...closure('apps/api')];
    expect(deps.filter((d) => d === '@distillery/ml' || d.startsWith('@tensorflow/'))).toEqual([]);
  });
});
