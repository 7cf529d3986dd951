import { MAX_PACK_MAX } from '@distillery/spec';
import { DEFAULT_ARTIFACT_DIR, FileCheckpointStore, MAX_THREADS, RunWorker } from '@distillery/worker';
import { loadConfig, requireServer } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { loadDataRoots } from '../data-roots-config.ts';
import { type ExecutionFlags, integerFlag } from '../execution-flags.ts';
import { DEFAULT_WORKER_NICE, lowerProcessPriority, MAX_NICE } from '../process-priority.ts';
import { checkRedis, connectDatabase } from '../services.ts';
import { onShutdown } from '../shutdown.ts';
import { loadWorkflowConfig } from '../workflow-config.ts';

export interface WorkerFlags extends ExecutionFlags {
  /** The former name of `threads`, still accepted. */
  concurrency?: string;
  backend?: string;
  /** commander's `--no-reconcile`: false when given. */
  reconcile?: boolean;
  /** --nice: the scheduling priority the process trains at. @defaultValue DISTILLERY_WORKER_NICE, else 10 */
  nice?: string;
}

const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/**
 * `--threads n`, or its former name `--concurrency n` (both mean runs trained at once, one per training thread:
 * since training moved off the main thread there is nothing else for a job to wait for); undefined when neither
 * is given (DISTILLERY_THREADS, else one per core).
 */
export function threadsFlag(flags: WorkerFlags): number | undefined {
  const given = [
    ['--threads', flags.threads],
    ['--concurrency', flags.concurrency],
  ].filter((f): f is [string, string] => f[1] !== undefined);
  const values = given.map(([name, raw]) => integerFlag(name, raw, 1, MAX_THREADS));
  if (values.length === 2 && values[0] !== values[1]) {
    throw new ConfigError(`--threads ${values[0]} and --concurrency ${values[1]} disagree: give one (--threads)`);
  }
  return values[0];
}

/**
 * The nice value (0–19) the worker runs at: `--nice`, else DISTILLERY_WORKER_NICE, else
 * {@link DEFAULT_WORKER_NICE}; a bad value is a ConfigError naming the flag or the variable.
 */
export function niceSetting(flags: WorkerFlags, env: NodeJS.ProcessEnv = process.env): number {
  if (flags.nice !== undefined) return integerFlag('--nice', flags.nice, 0, MAX_NICE);
  const raw = env.DISTILLERY_WORKER_NICE;
  if (raw === undefined || raw === '') return DEFAULT_WORKER_NICE;
  return integerFlag('DISTILLERY_WORKER_NICE', raw, 0, MAX_NICE);
}

/**
 * Runs a worker process until SIGINT/SIGTERM, training `--threads` runs at once. On SIGTERM every run stops at
 * its next checkpoint (or at once, bounded by DISTILLERY_SHUTDOWN_TIMEOUT_MS), is released to the queue, and the
 * process exits.
 */
export async function workerCommand(flags: WorkerFlags): Promise<void> {
  const config = loadConfig();
  requireServer(config, 'worker');
  const threads = threadsFlag(flags);
  const nice = niceSetting(flags);
  const backend = flags.backend as (typeof BACKENDS)[number] | undefined;
  if (backend !== undefined && !BACKENDS.includes(backend)) {
    throw new ConfigError(`--backend must be one of ${BACKENDS.join(', ')}, got '${flags.backend}'`);
  }
  const { artifactDir, ...workflow } = loadWorkflowConfig();
  if (flags.packMax !== undefined) workflow.packMax = integerFlag('--pack-max', flags.packMax, 1, MAX_PACK_MAX);
  if (threads !== undefined) workflow.threads = threads;
  const dataRoots = loadDataRoots({ mode: 'server', artifactDir: artifactDir ?? DEFAULT_ARTIFACT_DIR });
  const db = await connectDatabase(config);
  await checkRedis(config);
  let worker: RunWorker;
  try {
    worker = new RunWorker({
      db,
      redisUrl: config.redisUrl,
      prefix: config.queuePrefix,
      ...(backend ? { backend } : {}),
      ...workflow,
      checkpoints: new FileCheckpointStore(artifactDir ?? DEFAULT_ARTIFACT_DIR),
      dataRoots,
      reconcile: flags.reconcile !== false,
    });
  } catch (e) {
    await db.close();
    throw new ConfigError(`${(e as Error).message} (check the DISTILLERY_* variables)`, { cause: e });
  }
  // Before the training threads start, so that they inherit it.
  lowerProcessPriority(nice);
  await worker.start();
  onShutdown(async () => {
    await worker.close();
    await db.close();
  });
}
