import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  check,
  DEFAULT_DATABASE_URL,
  DEFAULT_PORT,
  DEFAULT_REDIS_URL,
  distilleryArgs,
  servePort,
} from '../../infra/docker/healthcheck.mjs';
import { DEFAULT_DATABASE_URL as DB_DEFAULT } from '../../packages/db/src/database-url.ts';
import { ROOT, readRepoFile } from './support/paths.ts';

/** infra/docker/healthcheck.mjs: the images' HEALTHCHECK and the compose health checks. */

function fakeProc(processes: Record<string, string[]>): string {
  const root = mkdtempSync(join(tmpdir(), 'distillery-proc-'));
  mkdirSync(join(root, 'self'));
  for (const [pid, argv] of Object.entries(processes)) {
    mkdirSync(join(root, pid));
    writeFileSync(join(root, pid, 'cmdline'), `${argv.join('\0')}\0`);
  }
  return root;
}

const listening = (server: Server | ReturnType<typeof createTcpServer>) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

describe('container health check', () => {
  const procs: string[] = [];
  let ready = true;
  const http = createHttpServer((req, res) => {
    res.statusCode = req.url === '/readyz' && ready ? 200 : 503;
    res.end();
  });
  const tcp = createTcpServer((socket) => socket.end());
  let httpPort = 0;
  let tcpPort = 0;
  beforeAll(async () => {
    httpPort = await listening(http);
    tcpPort = await listening(tcp);
  });
  afterAll(() => {
    http.close();
    tcp.close();
    for (const p of procs) rmSync(p, { recursive: true, force: true });
  });
  const proc = (processes: Record<string, string[]>) => {
    const root = fakeProc(processes);
    procs.push(root);
    return root;
  };

  it('finds the running distillery command among the container’s processes', () => {
    const root = proc({
      '1': ['/sbin/docker-init', '--', 'node', 'bin/distillery.mjs', 'serve', '--port', '9000'],
      '7': ['node', 'bin/distillery.mjs', 'serve', '--port', '9000'],
    });
    expect(distilleryArgs(root)).toEqual(['serve', '--port', '9000']);
    expect(distilleryArgs(proc({ '1': ['sleep', '5'] }))).toBeUndefined();
    expect(distilleryArgs(join(tmpdir(), 'no-such-proc'))).toBeUndefined();
  });

  it('reads the serve port from --port, -p, --port=, then PORT, then the default', () => {
    expect(servePort(['serve', '--port', '9000'], {})).toBe(9000);
    expect(servePort(['serve', '-p', '9001'], {})).toBe(9001);
    expect(servePort(['serve', '--port=9002'], {})).toBe(9002);
    expect(servePort(['serve'], { PORT: '9003' })).toBe(9003);
    expect(servePort(['serve'], {})).toBe(DEFAULT_PORT);
  });

  it('keeps the same defaults as the application', () => {
    expect(DEFAULT_DATABASE_URL).toBe(DB_DEFAULT);
    expect(readRepoFile('apps/cli/src/config.ts')).toContain(`DEFAULT_REDIS_URL = '${DEFAULT_REDIS_URL}'`);
    expect(readRepoFile('apps/cli/src/commands/serve-command.ts')).toContain(`DEFAULT_PORT = ${DEFAULT_PORT}`);
  });

  it('calls the API healthy while /readyz answers 200, and unhealthy when it answers 503', async () => {
    const root = proc({ '7': ['node', 'bin/distillery.mjs', 'serve', '--port', String(httpPort)] });
    await expect(check(undefined, {}, root)).resolves.toBeUndefined();
    await expect(check('api', {}, root)).resolves.toBeUndefined();
    ready = false;
    try {
      await expect(check(undefined, {}, root)).rejects.toThrow(/answered 503/);
    } finally {
      ready = true;
    }
  });

  it('calls a worker healthy while PostgreSQL and Redis accept connections, and names the one that does not', async () => {
    const root = proc({ '7': ['node', 'bin/distillery.mjs', 'worker'] });
    const up = `127.0.0.1:${tcpPort}`;
    const spare = createTcpServer();
    const closed = await listening(spare);
    await new Promise((resolve) => spare.close(resolve)); // a port nothing listens on now
    const env = { DATABASE_URL: `postgresql://u:p@${up}/d`, REDIS_URL: `redis://:p@${up}` };
    await expect(check(undefined, env, root)).resolves.toBeUndefined();
    await expect(check('worker', { ...env, REDIS_URL: `redis://127.0.0.1:${closed}` }, root)).rejects.toThrow(
      `127.0.0.1:${closed}`,
    );
  });

  it('calls a one-shot such as migrate healthy while it runs, and exits 0 or 1 as a process', () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['infra/docker/healthcheck.mjs', ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
        timeout: 10_000,
      });
    expect(run(['migrate']).status).toBe(0);
    const down = run(['worker'], { DATABASE_URL: 'postgresql://127.0.0.1:1/d', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/^unhealthy: /);
  });
});
