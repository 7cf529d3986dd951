import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDataDir } from '@distillery/db/testing';
import { RUN_OVERHEAD_CALIBRATION } from '@distillery/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'distillery.mjs');

/** A fresh machine's environment, with the embedded store in `dataDir`. */
function distillery(cwd: string, args: string[], dataDir: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, DISTILLERY_DATA_DIR: dataDir, ...extraEnv };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('distillery init, then distillery run --dry-run on the embedded store', () => {
  let cwd: string;
  let dataDir: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'distillery-init-'));
    // A migrated store: initdb in WebAssembly takes tens of seconds, and is covered by the store's own tests.
    dataDir = await createTestDataDir();
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes a commented starter sweep and says how to check and run it', () => {
    const r = distillery(cwd, ['init'], dataDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "wrote sweep.yaml: a commented starter sweep
      check it:  distillery run sweep.yaml --dry-run
      run it:    distillery run sweep.yaml
      "
    `);
    const text = readFileSync(join(cwd, 'sweep.yaml'), 'utf8');
    expect(text.split('\n').filter((l) => l.trimStart().startsWith('#')).length).toBeGreaterThan(10);
  });

  it('does not overwrite an existing file without --force', () => {
    const r = distillery(cwd, ['init', 'sweep.yaml'], dataDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatchInlineSnapshot(`
      "distillery: sweep.yaml exists; choose another name or pass --force to replace it
      "
    `);
    expect(distillery(cwd, ['init', 'sweep.yaml', '--force'], dataDir).code).toBe(0);
  });

  it('prints the starter sweep’s plan on run --dry-run, and stores and trains nothing', () => {
    const r = distillery(cwd, ['run', 'sweep.yaml', '--dry-run'], dataDir, { DISTILLERY_THREADS: '2' });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run\s+kind\s+configuration\s+waits for\s+params\s+bits\s+size/);
    expect(lines.find((l) => l.startsWith('s1.seed2 '))).toMatch(/student +activation=lma-8 · seed 2 +teacher /);
    // Under the estimate, its per-run work from the calibration, where the calibration has measured it.
    const end = RUN_OVERHEAD_CALIBRATION ? lines.length - 1 : lines.length;
    expect(lines[end - 2]).toBe('9 runs, 650.3 KB of weights in all (dry run: nothing was submitted)');
    // A fresh store has measured nothing: every run's time comes from the shipped calibration.
    expect(lines.find((l) => l.startsWith('s1.seed2 '))).toMatch(/≈[\d.]+ (s|min) calibration +trains$/);
    expect(lines[end - 1]).toMatch(
      /^estimated time: ≈[\d.]+ (s|min) on one executor, ≈[\d.]+ (s|min) with 2 training threads, ≈[\d.]+ (s|min) along the critical path \(runs: 9 from calibration; estimates, not measurements\)$/,
    );
    // The one-executor time in its two terms: the runs' rates, and the work around each run (5 alone, 2 packs).
    if (RUN_OVERHEAD_CALIBRATION) {
      expect(lines.at(-1)).toMatch(
        /^ {2}≈[\d.]+ (s|min) training \+ ≈[\d.]+ (s|min) per-run work \([\d.]+ s per run alone × 5, [\d.]+ s per pack × 2; from calibration\)$/,
      );
    }
    // Each activation's two seeds train together: the packs workers form with the default pack max.
    expect(lines.filter((l) => /^(pack of|\d+ runs train in)/.test(l))).toEqual([
      '4 runs train in 2 pack(s) of up to 8 (each keeps its own result):',
      'pack of 2 (waits for teacher): s0.seed1, s0.seed2',
      'pack of 2 (waits for teacher): s1.seed1, s1.seed2',
    ]);
    expect(r.stdout).not.toMatch(/^executor |succeeded/m);
    // The store holds no sweep: a dry run again shows every run still to train.
    const exported = join(cwd, 'export.jsonl');
    expect(distillery(cwd, ['export', exported], dataDir).code).toBe(0);
    const tables = readFileSync(exported, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => (JSON.parse(l) as { table: string }).table);
    expect(tables.filter((t) => t === 'sweeps' || t === 'runs')).toEqual([]);
  });

  it('checks the sweep against the operator’s run limits, as serve does', () => {
    const r = distillery(cwd, ['run', 'sweep.yaml', '--dry-run'], dataDir, { DISTILLERY_MAX_CLASSES: '5' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the API answered 400/);
    expect(r.stderr).toMatch(/classes.*10.*5|classes.*5.*10/);
  });

  it('names the field and the nearest allowed one when the file is wrong', () => {
    const text = readFileSync(join(cwd, 'sweep.yaml'), 'utf8').replace('seeds: [1, 2]', 'seed: [1, 2]');
    writeFileSync(join(cwd, 'typo.yaml'), text);
    const r = distillery(cwd, ['run', 'typo.yaml', '--dry-run'], dataDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatchInlineSnapshot(`
      "distillery: the API answered 400: the request body is invalid
        seed: unknown field 'seed' — did you mean 'seeds'? (allowed: name, tags, dataset, teacher, students, quantize, prune, seeds, budget, priority, rerun)
      "
    `);
  });
});

describe('distillery run --dry-run after a run on the same store', () => {
  let cwd: string;
  let dataDir: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'distillery-estimate-'));
    dataDir = await createTestDataDir();
    // Two small runs on generated data: a teacher and one student, trained for real.
    writeFileSync(
      join(cwd, 'tiny.yaml'),
      [
        'name: tiny-timed',
        'dataset: { name: synthetic, limit: { train: 512, test: 128 } }',
        'teacher:',
        '  model: { family: mlp, hidden: [8], activation: relu }',
        '  train: { epochs: 1, batchSize: 64, optimizer: { name: adam, lr: 0.01 } }',
        'students:',
        '  model: { family: mlp, hidden: [4], activation: relu }',
        '  train: { epochs: 1, batchSize: 64, optimizer: { name: adam, lr: 0.01 } }',
        '  distill: { temperature: 2, alpha: 0.7 }',
        'seeds: [1]',
        '',
      ].join('\n'),
    );
    const run = distillery(cwd, ['run', 'tiny.yaml'], dataDir);
    expect(run.code, run.stderr).toBe(0);
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('estimates the runs again from the throughput and the per-run work they measured there', () => {
    const r = distillery(cwd, ['run', 'tiny.yaml', '--dry-run', '--rerun'], dataDir);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.find((l) => l.startsWith('teacher '))).toMatch(/≈[\d.]+ s measured +trains$/);
    expect(lines.find((l) => l.startsWith('s0.seed1 '))).toMatch(/≈[\d.]+ s measured +trains$/);
    expect(lines.at(-2)).toMatch(/\(runs: 2 measured here; estimates, not measurements\)$/);
    // The work around the two runs, from what their executions took beyond their rates, as a term of its own.
    expect(lines.at(-1)).toMatch(
      /^ {2}≈[\d.]+ s training \+ ≈[\d.]+ s per-run work \([\d.]+ s per run alone × 2; measured here\)$/,
    );
  });
});
