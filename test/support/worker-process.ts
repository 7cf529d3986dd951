import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ExecutorEvent } from '@distillery/worker/events';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * A real `distillery worker` process: its output kept for failure messages, and the events its JSON log lines
 * carry (`event`) for assertions.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  log = '';
  /** Every event the worker logged, in order. */
  readonly events: ExecutorEvent[] = [];
  readonly exited: Promise<number | null>;
  private readonly waiters: { until: (e: ExecutorEvent) => boolean; resolve: () => void }[] = [];
  private partial = '';

  constructor(
    env: Record<string, string>,
    readonly name: string,
  ) {
    this.child = spawn(process.execPath, [join(ROOT, 'bin', 'distillery.mjs'), 'worker'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (d: Buffer) => {
      this.log += d;
    };
    this.child.stdout?.on('data', (d: Buffer) => {
      collect(d);
      const lines = (this.partial + d).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    });
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Resolves once the worker logged an event `until` accepts; rejects if the process exits first. */
  waitFor(until: (e: ExecutorEvent) => boolean, what: string): Promise<void> {
    if (this.events.some(until)) return Promise.resolve();
    return Promise.race([
      new Promise<void>((resolve) => this.waiters.push({ until, resolve })),
      this.exited.then((code) => {
        throw new Error(`${this.name} exited (${code}) before logging ${what}:\n${this.log}`);
      }),
    ]);
  }

  ready(): Promise<void> {
    return this.waitFor((e) => e.type === 'ready', 'ready');
  }

  /** One stdout line: a JSON log line with an event is recorded; other lines are only output. */
  private take(line: string): void {
    let event: ExecutorEvent | undefined;
    try {
      event = (JSON.parse(line) as { event?: ExecutorEvent }).event;
    } catch {
      return;
    }
    if (event === undefined) return;
    this.events.push(event);
    for (const w of [...this.waiters]) {
      if (w.until(event)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  /** Ends the process if still running (SIGKILL: the test is over). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Environment of test workers: quick heartbeats and reconciliation so lost runs are found in about a second. */
export function testWorkerEnv(env: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  artifactDir: string;
}): Record<string, string> {
  return {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    DISTILLERY_QUEUE_PREFIX: env.prefix,
    DISTILLERY_ARTIFACT_DIR: env.artifactDir,
    DISTILLERY_HEARTBEAT_INTERVAL_MS: '200',
    DISTILLERY_STALE_AFTER_MS: '3000',
    DISTILLERY_RECONCILE_INTERVAL_MS: '300',
    DISTILLERY_RETRY_BACKOFF_MS: '0',
    DISTILLERY_SHUTDOWN_TIMEOUT_MS: '20000',
  };
}

/** Polls `check` until it returns a value other than undefined; fails with `describe()` after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  describe: () => string,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
