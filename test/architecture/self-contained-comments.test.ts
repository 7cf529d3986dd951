import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Comments say the fact they rely on instead of pointing at a document the reader does not have: no citation of
 * design notes kept outside the repository (the LMA, environment, design, compression and style notes), of a
 * numbered issue, or of a shared folder beside the checkout. bench/results holds dated records and is left as
 * written.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['apps', 'packages', 'test', 'bench', 'scripts', 'bin', 'prisma', 'prisma.config.ts'];
const EXTENSIONS = ['.ts', '.mjs', '.js', '.py', '.prisma', '.sql', '.md'];
const SKIPPED = new Set(['node_modules', 'generated', 'dist']);
const RECORDS = join(ROOT, 'bench', 'results');
const SELF = relative(ROOT, import.meta.filename);

const OUTSIDE_CITATION = new RegExp(
  [
    String.raw`\b(?:LMA|ENVIRONMENT|DESIGN|COMPRESSION|STYLE)\.md\b`,
    String.raw`\b[Ii]ssue\s+#?\d`,
    'shared/docs',
    String.raw`\.\./shared/`,
  ].join('|'),
);

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return EXTENSIONS.some((e) => path.endsWith(e)) ? [path] : [];
  if (path === RECORDS) return [];
  return readdirSync(path).flatMap((name) => (SKIPPED.has(name) ? [] : files(join(path, name))));
}

/** `file:line: text` for every line of `text` that cites something outside the repository. */
function citations(file: string, text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, i) => (OUTSIDE_CITATION.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}

describe('comments that stand alone', () => {
  it('recognises citations of outside notes, issues and shared folders, and nothing else', () => {
    const text = [
      '// The paper setting (LMA.md): T = 2.',
      ' * Scheduling (issue 4, item 7).',
      '// Issue 6: a sweep run in this process.',
      '// see ../shared/docs/DESIGN.md',
      '// The paper setting: T = 2, α = 0.7.',
      '// An issue at index 4 is reported by path.',
      '// packages/ml/README.md explains the layers.',
    ].join('\n');
    expect(citations('f.ts', text).map((c) => c.split(':')[1])).toEqual(['1', '2', '3', '4']);
  });

  it('finds none in the sources, tests, benchmarks, scripts and schema', () => {
    const scanned = SCANNED.flatMap((top) => files(join(ROOT, top)))
      .map((file) => relative(ROOT, file))
      .filter((file) => file !== SELF);
    expect(scanned.length).toBeGreaterThan(500);
    expect(scanned).toContain('packages/db/src/results/team-facts-sql.ts');
    expect(scanned).toContain('prisma/schema.prisma');
    const found = scanned.flatMap((file) => citations(file, readFileSync(join(ROOT, file), 'utf8')));
    expect(found).toEqual([]);
  });
});
