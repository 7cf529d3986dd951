#!/usr/bin/env node
// Container health check for every role of the Distillery images (HEALTHCHECK in infra/docker/Dockerfile and
// Dockerfile.gpu, `healthcheck:` in docker-compose.yml). Exit status 0 means healthy.
//
//   node infra/docker/healthcheck.mjs [api|worker|migrate]
//
// Without an argument the role is read from the running `distillery <command>` process (/proc/*/cmdline), so one
// HEALTHCHECK serves every role of the one image.
//   api     GET /readyz on the serve port answers 200 (the API reaches PostgreSQL and Redis).
//   worker  PostgreSQL and Redis accept TCP connections at DATABASE_URL / REDIS_URL. A worker has no HTTP port;
//           this tells `docker compose ps` which workers cannot reach their services. It is not a liveness check
//           (Kubernetes does not use it: a Redis outage must not restart every worker).
//   other   healthy while running (`migrate` is a one-shot: its exit status is what counts).
// Plain Node, no dependencies: it runs outside tsx, in the image's working directory.
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';

const TIMEOUT_MS = 3000;
/** Mirrors DEFAULT_DATABASE_URL (packages/db) and DEFAULT_REDIS_URL (apps/cli); a test keeps them equal. */
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/distillery';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Mirrors DEFAULT_PORT of `distillery serve` (apps/cli). */
export const DEFAULT_PORT = 8080;

/** The arguments after `bin/distillery.mjs` of the first process running it, or undefined. */
export function distilleryArgs(procRoot = '/proc') {
  let pids;
  try {
    pids = readdirSync(procRoot);
  } catch {
    return undefined; // no /proc (not Linux)
  }
  for (const pid of pids) {
    if (!/^\d+$/.test(pid)) continue;
    let argv;
    try {
      argv = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue; // the process ended, or is not ours to read
    }
    const at = argv.findIndex((a) => a.endsWith('bin/distillery.mjs') || a === 'distillery');
    if (at >= 0) return argv.slice(at + 1);
  }
  return undefined;
}

/** The port `distillery serve` listens on, from its flags, else PORT, else the default. */
export function servePort(args, env) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if ((a === '--port' || a === '-p') && args[i + 1] !== undefined) return Number(args[i + 1]);
    if (a.startsWith('--port=')) return Number(a.slice('--port='.length));
  }
  return env.PORT ? Number(env.PORT) : DEFAULT_PORT;
}

async function httpOk(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}

function tcpOpen(url, defaultPort) {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '') || 'localhost';
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port || defaultPort), timeout: TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`${host}:${port || defaultPort} did not answer in ${TIMEOUT_MS} ms`));
    });
    socket.once('error', (e) => reject(new Error(`${host}:${port || defaultPort}: ${e.message}`)));
  });
}

/** Runs the check for `role` (or the detected one); resolves when healthy, rejects with the reason otherwise. */
export async function check(role, env = process.env, procRoot = '/proc') {
  const args = distilleryArgs(procRoot) ?? [];
  const command = role ?? args[0];
  if (command === 'api' || command === 'serve') {
    await httpOk(`http://127.0.0.1:${servePort(args[0] === 'serve' ? args : [], env)}/readyz`);
  } else if (command === 'worker') {
    await Promise.all([
      tcpOpen(env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL, 5432),
      tcpOpen(env.REDIS_URL || DEFAULT_REDIS_URL, 6379),
    ]);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  check(process.argv[2]).then(
    () => process.exit(0),
    (e) => {
      console.error(`unhealthy: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
