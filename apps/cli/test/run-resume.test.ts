import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDataDir } from '@distillery/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'distillery.mjs');

// A teacher long enough (several seconds on the fused wasm step, which trains 40 epochs of these 2,000 rows in
// under a second) to interrupt while it trains.
const SWEEP = `
name: interrupted
dataset: { name: synthetic, shape: [4, 4, 1], classes: 3, limit: { train: 2000, test: 100 } }
teacher:
  model: { family: mlp, hidden: [32], activation: relu }
  train: { epochs: 400, batchSize: 16, optimizer: { name: adam, lr: 0.01 } }
students:
  model: { family: mlp, hidden: [4], activation: relu }
  train: { epochs: 1, batchSize: 32, optimizer: { name: adam, lr: 0.01 } }
  distill: { temperature: 2, alpha: 0.5 }
quantize:
  - { method: ptq, bits: 8 }
seeds: [1]
`;

/** The environment of a fresh machine: the embedded store in the working directory. */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'DISTILLERY_DATA_DIR']) delete env[name];
  return env;
}

function distillery(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: bareEnv(), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The store's sweeps and runs, read through `distillery export` (rows as PostgreSQL stores them). */
function storedRows(cwd: string): { sweeps: { id: string }[]; runs: { sweep_id: string; key: string }[] } {
  const file = join(cwd, `export-${Date.now()}.jsonl`);
  const r = distillery(cwd, ['export', file]);
  if (r.code !== 0) throw new Error(`export failed: ${r.stderr}`);
  const rows = readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => JSON.parse(line) as { table: string; row: Record<string, string> });
  return {
    sweeps: rows.filter((l) => l.table === 'sweeps').map((l) => l.row as { id: string }),
    runs: rows.filter((l) => l.table === 'runs').map((l) => l.row as { sweep_id: string; key: string }),
  };
}

describe('distillery run, interrupted with Ctrl-C, then run again', () => {
  let cwd: string;
  let interrupted: { code: number | null; stdout: string };
  let resumed: ReturnType<typeof distillery>;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'distillery-resume-'));
    await rename(await createTestDataDir(), join(cwd, '.distillery'));
    writeFileSync(join(cwd, 'sweep.yaml'), SWEEP);
    const child = spawn(process.execPath, [BIN, 'run', 'sweep.yaml'], { cwd, env: bareEnv() });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stdout += d;
    });
    // Interrupt while the teacher trains: after its first epoch is on record, long before its last.
    while (!/teacher +teacher mlp 32 relu +running/.test(stdout)) {
      if (child.exitCode !== null) throw new Error(`run exited before the teacher started: ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    interrupted = { code: code as number | null, stdout };
    resumed = distillery(cwd, ['run', 'sweep.yaml']);
  });
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  it('stops on SIGINT with exit code 130, saying the sweep resumes later', () => {
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toMatch(/interrupted: stopping \(the sweep resumes/);
  });

  it('resumes the same sweep the second time, says so, and finishes it', () => {
    const id = /sweep +'interrupted' ([0-9a-f-]{36}): 3 runs from sweep.yaml/.exec(interrupted.stdout)?.[1];
    expect(id).toBeDefined();
    expect(resumed.stderr).not.toMatch(/Error|at .*\.ts:\d+/);
    expect(resumed.stdout).toContain(`sweep     'interrupted' ${id}: resuming this unfinished sweep of sweep.yaml`);
    expect(resumed.stdout).toMatch(/sweep succeeded in [\d.]+ s/);
    expect(resumed.code).toBe(0);
  });

  it('leaves one sweep in the store, with each run once', () => {
    const { sweeps, runs } = storedRows(cwd);
    expect(sweeps).toHaveLength(1);
    expect(runs.map((r) => r.key).sort()).toEqual(['s0.seed1', 's0.seed1.q0', 'teacher']);
  });

  describe('and once more after it finished', () => {
    let again: ReturnType<typeof distillery>;
    let rerun: ReturnType<typeof distillery>;
    beforeAll(() => {
      again = distillery(cwd, ['run', 'sweep.yaml']);
      rerun = distillery(cwd, ['run', 'sweep.yaml', '--rerun']);
    });

    it('trains nothing: a new sweep reuses every run, and says so', () => {
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/3 runs from sweep.yaml \(3 reused from earlier sweeps, not trained again\)/);
      expect(again.stdout).toMatch(/reused from sweep [0-9a-f-]{36} \(run [0-9a-f-]{36}\)/);
    });

    it('trains every run again with --rerun', () => {
      expect(rerun.code).toBe(0);
      expect(rerun.stdout).toMatch(/'interrupted' [0-9a-f-]{36}: 3 runs from sweep.yaml\n/);
      const { sweeps, runs } = storedRows(cwd);
      expect(sweeps).toHaveLength(3);
      expect(runs).toHaveLength(6);
    });
  });
});
