import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/ARCHITECTURE.md names files, functions, types and SQL objects in backticks so a newcomer can grep for
 * them. This keeps those names true of the tree: a renamed or deleted one fails here instead of leaving the map
 * pointing at nothing.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'generated') return [];
    return statSync(path).isDirectory() ? files(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}

const SOURCES = ['apps', 'packages']
  .flatMap((top) => readdirSync(join(ROOT, top)).map((w) => join(ROOT, top, w, 'src')))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => files(dir, '.ts'))
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');
const MIGRATIONS = files(join(ROOT, 'prisma', 'migrations'), '.sql')
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

/** Every `code span` of a markdown text. */
function codeSpans(markdown: string): string[] {
  return [...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);
}

/** Repository paths among the spans: those starting at a top-level folder of the tree. */
const isRepoPath = (span: string) => /^(apps|packages|prisma|test|docs|bench|scripts)\/[\w./-]*$/.test(span);
/** Code identifiers among the spans: camelCase, PascalCase or UPPER_CASE names (`ExecutorEvents.on` → its first part). */
const identifierOf = (span: string) =>
  /^([a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]?\w*|[A-Z][A-Z0-9]*_[A-Z0-9_]+)(\.\w+)?$/.exec(span)?.[1];
/** SQL objects the migrations create (functions and triggers: lower_snake_case with an underscore). */
const SQL_OBJECTS = /^(result_facts_refresh|results_refresh_fact|runs_fill_identity)$/;

const declared = (name: string) =>
  new RegExp(
    `\\b(?:function|class|const|let|type|interface|enum)\\s+${name}\\b|^\\s+(?:async\\s+)?${name}\\s*[<(]`,
    'm',
  ).test(SOURCES);

describe('docs/ARCHITECTURE.md', () => {
  it('reads code spans, identifiers and paths out of markdown', () => {
    expect(codeSpans('the `claimRun` call in `packages/db/src/runs/claim-run.ts`')).toEqual([
      'claimRun',
      'packages/db/src/runs/claim-run.ts',
    ]);
    expect(identifierOf('ExecutorEvents.on')).toBe('ExecutorEvents');
    expect(identifierOf('DEFAULT_MAX_ATTEMPTS')).toBe('DEFAULT_MAX_ATTEMPTS');
    expect(identifierOf('queued')).toBeUndefined();
    expect(isRepoPath('apps/api/src/services/create-sweep.ts')).toBe(true);
    expect(isRepoPath('GET /v1/results')).toBe(false);
    expect(declared('noSuchFunctionAnywhereInTheTree')).toBe(false);
    expect(declared('recordTransition')).toBe(true);
  });

  it('names only paths that exist', () => {
    const paths = codeSpans(DOC).filter(isRepoPath);
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('names only functions, types and constants the sources declare', () => {
    const names = [...new Set(codeSpans(DOC).flatMap((s) => identifierOf(s) ?? []))];
    expect(names.length).toBeGreaterThan(30);
    // PrismaClient is generated from prisma/schema.prisma (packages/db/src/generated, not scanned).
    expect(names.filter((n) => n !== 'PrismaClient' && !declared(n))).toEqual([]);
  });

  it('names only SQL functions and triggers the migrations create', () => {
    const objects = codeSpans(DOC).filter((s) => SQL_OBJECTS.test(s));
    expect(objects.length).toBe(3);
    for (const o of objects)
      expect(MIGRATIONS, o).toMatch(new RegExp(`CREATE (OR REPLACE )?(FUNCTION|TRIGGER) "${o}"`));
  });
});
