import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * A redis-server of the test's own on a free port, without persistence, so a test may FLUSHALL it without
 * touching the Redis other suites share.
 */
export interface PrivateRedis {
  url: string;
  /** A client on it (closed by stop()). */
  client: Redis;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const server: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => 50 });
  client.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if (client.status === 'wait') await client.connect();
      await client.ping();
      break;
    } catch (e) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`redis-server on ${port}: ${e}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    client,
    stop: async () => {
      client.disconnect();
      server.kill('SIGKILL');
      await exited;
    },
  };
}
