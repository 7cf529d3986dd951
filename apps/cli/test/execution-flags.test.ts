import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDataDir } from '@distillery/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'distillery.mjs');

const SWEEP = `
name: tiny-threads
dataset: { name: synthetic, shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } }
teacher:
  model: { family: mlp, hidden: [16], activation: relu }
  train: { epochs: 1, batchSize: 32, optimizer: { name: adam, lr: 0.01 } }
students:
  model: { family: mlp, hidden: [4], activation: relu }
  train: { epochs: 1, batchSize: 32, optimizer: { name: adam, lr: 0.01 } }
  distill: { temperature: 2, alpha: 0.5 }
seeds: [1, 2]
`;

/** A fresh machine's environment (no servers, no login), with the embedded store in `dataDir`. */
function env(dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, DISTILLERY_DATA_DIR: dataDir, ...extra };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'DISTILLERY_URL', 'DISTILLERY_API_KEY', 'DISTILLERY_THREADS']) {
    if (!(name in extra)) delete e[name];
  }
  delete e.DISTILLERY_PACK_MAX;
  e.DISTILLERY_CONFIG = join(tmpdir(), 'distillery-no-login', 'config.json');
  return e;
}

/** Spawns the CLI and resolves once `pattern` shows on its stdout (then it is stopped by the caller). */
async function startUntil(child: ChildProcess, pattern: RegExp): Promise<string> {
  let output = '';
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      const line = output.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before ${pattern}:\n${output}`)));
  });
}

describe('--threads and --pack-max on run, serve and demo', () => {
  let cwd: string;
  let dataDir: string;
  let child: ChildProcess | undefined;
  const distillery = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: env(dataDir, extra), encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'distillery-threads-'));
    // A migrated store: initdb in WebAssembly takes tens of seconds, and is covered by the store's own tests.
    dataDir = await createTestDataDir();
    writeFileSync(join(cwd, 'sweep.yaml'), SWEEP);
  });
  afterEach(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    child = undefined;
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it("lists both flags with worker's help text on run, serve and demo", () => {
    const flagLines = (help: string) =>
      help
        .replace(/\n {2,}(?!-)/g, ' ')
        .split('\n')
        .filter((l) => /^\s+(-t, --threads|--pack-max)/.test(l))
        .map((l) => l.replace(/\s+/g, ' ').trim());
    const worker = flagLines(distillery(['worker', '--help']).stdout);
    expect(worker).toHaveLength(2);
    for (const command of ['run', 'demo']) expect(flagLines(distillery([command, '--help']).stdout)).toEqual(worker);
    // serve says the flags size its embedded executor only (on a server deployment it executes nothing).
    expect(flagLines(distillery(['serve', '--help']).stdout)).toEqual(
      worker.map((l) => `${l}; the embedded executor only`),
    );
  });

  it('refuses a bad value naming the flag, the value and the rule, before opening anything', () => {
    for (const [command, args] of [
      ['run', ['run', 'sweep.yaml', '--threads', '0']],
      ['run --dry-run', ['run', 'sweep.yaml', '--dry-run', '--threads', 'two']],
      ['serve', ['serve', '--threads', '257']],
      ['demo', ['demo', 'sweep.yaml', '--threads', '1.5']],
    ] as const) {
      const r = distillery([...args]);
      expect(r.code, command).toBe(1);
      expect(r.stderr, command).toBe(`distillery: --threads must be an integer 1–256, got '${args.at(-1)}'\n`);
    }
    for (const args of [
      ['run', 'sweep.yaml', '--pack-max', '65'],
      ['serve', '--pack-max', '0'],
      ['demo', 'sweep.yaml', '--pack-max', 'all'],
    ]) {
      const r = distillery(args);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr, args[0]).toBe(`distillery: --pack-max must be an integer 1–64, got '${args.at(-1)}'\n`);
    }
  }, 180_000);

  it('plans the dry run for the flags, over DISTILLERY_THREADS and DISTILLERY_PACK_MAX', () => {
    const flagged = distillery(['run', 'sweep.yaml', '--dry-run', '--threads', '3', '--pack-max', '1'], {
      DISTILLERY_THREADS: '2',
      DISTILLERY_PACK_MAX: '8',
    });
    expect(flagged.code, flagged.stderr).toBe(0);
    expect(flagged.stdout).toMatch(/^estimated time: .*, ≈[\d.]+ s with 3 training threads, /m);
    // With DISTILLERY_PACK_MAX=8 the two students would train as one pack.
    expect(flagged.stdout).not.toMatch(/pack/);
  }, 180_000);

  it('sizes the executor of run with them', () => {
    const r = distillery(['run', 'sweep.yaml', '--threads', '1', '--pack-max', '1'], { DISTILLERY_THREADS: '2' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^executor {2}\S+ \(tfjs backend: \w+, 1 training thread, every run alone\)$/m);
    expect(r.stdout).toMatch(/sweep succeeded in /);
  }, 180_000);

  it('sizes the embedded executor of serve with them', async () => {
    child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--threads', '2', '--pack-max', '3'], {
      cwd,
      env: env(dataDir),
    });
    const line = await startUntil(child, /runs execute in this process/);
    expect(line).toMatch(/: runs execute in this process \(tfjs backend: \w+, 2 training threads, packs of up to 3\)$/);
  }, 180_000);

  it('sizes the executor of demo with them', async () => {
    child = spawn(process.execPath, [BIN, 'demo', 'sweep.yaml', '--threads', '1', '--pack-max', '2'], {
      cwd,
      env: env(dataDir),
    });
    const line = await startUntil(child, /^api {7}/);
    expect(line).toMatch(/ executor \S+ \(tfjs backend: \w+, 1 training thread, packs of up to 2\)$/);
  }, 180_000);
});
