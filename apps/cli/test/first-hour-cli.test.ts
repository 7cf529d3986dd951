import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '@distillery/api';
import { createTeam } from '@distillery/db';
import { createTestDatabase, type TestDatabase } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'distillery.mjs');
const QUICKSTART = join(ROOT, 'examples', 'quickstart.yaml');
const REDIS_URL = 'redis://127.0.0.1:6379';

let database: TestDatabase;
let queue: RunQueue;
let redisProbe: RedisProbe;
let app: FastifyInstance;
let url: string;
let apiKey: string;
let teamName: string;
const configPath = join(mkdtempSync(join(tmpdir(), 'distillery-first-hour-')), 'config.json');

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A process of ours, with what it printed so far and a promise of how it ended. */
function start(command: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(command, args, {
    env: { ...process.env, DISTILLERY_CONFIG: configPath, DISTILLERY_WATCH_INTERVAL_MS: '200', ...env },
  });
  const seen = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => {
    seen.stdout += d;
  });
  child.stderr.on('data', (d) => {
    seen.stderr += d;
  });
  const ended = new Promise<Outcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, ...seen }));
  });
  return { child, seen, ended };
}

/** The team's API through the environment, as a script would (no saved login needed). */
const asTeam = () => ({ DISTILLERY_URL: url, DISTILLERY_API_KEY: apiKey });

function distillery(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const run = start(process.execPath, [BIN, ...args], env);
  run.child.stdin.end();
  return run.ended;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stop(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  return once(child, 'close');
}

beforeAll(async () => {
  database = await createTestDatabase();
  queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `first-hour-${randomUUID().slice(0, 8)}` });
  redisProbe = new RedisProbe(REDIS_URL);
  app = await buildApp({ db: database.store, queue, redisProbe, logger: false });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  teamName = `first-hour-${randomUUID().slice(0, 8)}`;
  apiKey = (await createTeam(database.store, teamName)).apiKey;
});
afterAll(async () => {
  await app?.close();
  await queue?.queue.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  await redisProbe?.close();
  await database?.drop();
});

describe('distillery --version', () => {
  it("prints the repository's version and exits 0", async () => {
    const r = await distillery(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('0.1.0\n');
  });
});

describe('distillery team list', () => {
  it('lists every team with its active keys and sweeps, never a key', async () => {
    const r = await distillery(['team', 'list'], { DATABASE_URL: database.url });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^team +id +created \(UTC\) +active keys +sweeps$/);
    expect(lines.find((l) => l.startsWith(teamName))).toMatch(
      /^first-hour-[0-9a-f]{8} +[0-9a-f-]{36} +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +1 +\d+$/,
    );
    expect(r.stdout).not.toContain(apiKey);
  });

  it('does not crash when piped into `head -1` (the reader closes the pipe early)', async () => {
    // Enough teams that the listing (~200 KB) overflows the pipe's buffer after `head` has gone.
    const other = await createTestDatabase();
    try {
      const teams = Array.from({ length: 3000 }, (_, i) => ({ name: `pipe-team-${String(i).padStart(5, '0')}` }));
      await other.db.team.createMany({ data: teams });
      const r = await new Promise<Outcome>((resolve) => {
        const run = start('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" team list | head -1`], {
          DATABASE_URL: other.url,
        });
        run.ended.then(resolve);
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^team +id +created \(UTC\) +active keys +sweeps\n$/);
    } finally {
      await other.drop();
    }
  });
});

describe('distillery login on a terminal', () => {
  it('reads the API key without echoing it', async () => {
    // `script` gives the command a pseudo-terminal; everything the terminal would show comes back on stdout.
    const login = `"${process.execPath}" "${BIN}" login --url ${url}`;
    const run = start('script', ['-qec', login, '/dev/null']);
    await until('the prompt', () => (run.seen.stdout.includes('API key') ? true : undefined));
    run.child.stdin.write(`${apiKey}\r`);
    const r = await run.ended;
    run.child.stdin.end();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(`logged in to ${url} as team '${teamName}'`);
    expect(r.stdout).not.toContain(apiKey);
    expect(r.stdout).not.toContain(apiKey.slice(0, 8));
  });
});

describe('distillery sweep submit --watch', () => {
  it('prints the sweep id alone on the last line, after the results', async () => {
    const watching = distillery(['sweep', 'submit', QUICKSTART, '--watch', '--rerun'], asTeam());
    const sweep = await until('the submitted sweep', () =>
      database.db.sweep
        .findFirst({ where: { state: 'running' }, orderBy: { createdAt: 'desc' } })
        .then((s) => s ?? undefined),
    );
    await database.db.run.updateMany({ where: { sweepId: sweep.id }, data: { state: 'cancelled' } });
    await database.db.sweep.update({ where: { id: sweep.id }, data: { state: 'cancelled', finishedAt: new Date() } });
    const r = await watching;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('sweep cancelled');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(sweep.id);
  });
});

describe('Ctrl-C on distillery sweep watch', () => {
  it('says the sweep keeps running, and how to watch it again or cancel it', async () => {
    const submitted = await distillery(['sweep', 'submit', QUICKSTART, '--rerun'], asTeam());
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = submitted.stdout.trimEnd().split('\n').at(-1) as string;
    const run = start(process.execPath, [BIN, 'sweep', 'watch', id], asTeam());
    await until('the first frame', () => (run.seen.stdout.includes('teacher') ? true : undefined));
    run.child.kill('SIGINT');
    const r = await run.ended;
    expect(r.code).toBe(130);
    expect(r.stderr.replaceAll(id, 'ID')).toMatchInlineSnapshot(`
      "
      stopped watching; sweep ID keeps running.
        watch again: distillery sweep watch ID
        cancel it:   distillery sweep cancel ID
      "
    `);
    expect((await database.db.sweep.findUniqueOrThrow({ where: { id } })).state).toBe('running');
  });
});

describe('distillery serve', () => {
  it('prints the dashboard URL as a plain line and logs API requests but not static files', async () => {
    const serve = start(process.execPath, [BIN, 'serve', '--port', '0'], {
      DATABASE_URL: database.url,
      REDIS_URL,
    });
    try {
      const dashboard = await until(
        'the dashboard line',
        () => serve.seen.stdout.match(/^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m)?.[1],
      );
      for (const path of ['', 'dashboard/app.js', 'dashboard/style.css', 'healthz']) {
        expect((await fetch(`${dashboard}${path}`)).status).toBe(200);
      }
      const logged = () =>
        serve.seen.stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => (JSON.parse(l) as { req?: { url: string } }).req?.url)
          .filter((u) => u !== undefined);
      await until('the /healthz log line', () => (logged().includes('/healthz') ? true : undefined));
      expect(logged()).toEqual(['/healthz']);
    } finally {
      await stop(serve.child);
    }
  });
});
