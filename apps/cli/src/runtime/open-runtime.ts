import { join } from 'node:path';
import { RunEventListener, redactDatabaseUrl } from '@distillery/db';
import { RedisProbe, RunQueue } from '@distillery/queue';
import type { ExecutorEvents } from '@distillery/worker/events';
import type { DistilleryConfig } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { loadDataRoots } from '../data-roots-config.ts';
import type { ExecutionSettings } from '../execution-flags.ts';
import { checkRedis, connectDatabase, migrate } from '../services.ts';
import { loadWorkflowConfig, type WorkflowConfig } from '../workflow-config.ts';
import type { ExecutorSize, Runtime, RuntimeLog } from './runtime.ts';
import { LOCAL_TEAM, newTeamApiKey, storedApiKey } from './team-api-key.ts';

export interface OpenRuntimeOptions {
  /** Bring the database up to date first (the embedded store always is). @defaultValue false */
  migrate?: boolean;
  /** Steps worth telling (creating the store, migrations applied). @defaultValue ignore */
  log?: RuntimeLog;
  /**
   * The executor's size from the command line (`--threads`, `--pack-max`), over DISTILLERY_THREADS and
   * DISTILLERY_PACK_MAX. @defaultValue the variables, else the executor's defaults
   */
  execution?: ExecutionSettings;
}

/**
 * Opens the deployment the configuration names: the embedded store (PGlite under DISTILLERY_DATA_DIR) with the
 * in-process executor, or PostgreSQL + Redis with a BullMQ worker. TensorFlow.js and PGlite load only when
 * needed (`serve` on a server loads neither).
 */
export async function openRuntime(config: DistilleryConfig, options: OpenRuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? (() => {});
  const execution = options.execution ?? {};
  if (config.mode === 'embedded') return openEmbedded(config, log, execution);
  if (config.mode !== 'server') throw new ConfigError('REDIS_URL is not set');
  return openServer(config, options.migrate ?? false, log, execution);
}

/** The workflow variables, with the command line's executor settings in place of theirs. */
function workflowSettings(execution: ExecutionSettings): WorkflowConfig {
  return { ...loadWorkflowConfig(), ...execution };
}

async function openEmbedded(config: DistilleryConfig, log: RuntimeLog, execution: ExecutionSettings): Promise<Runtime> {
  const workflow = workflowSettings(execution);
  const { EmbeddedStore } = await import('@distillery/db/embedded');
  const store = await EmbeddedStore.open({ dataDir: config.dataDir, log });
  const { FileCheckpointStore, InProcessExecutor } = await import('@distillery/worker');
  const artifactDir = workflow.artifactDir ?? join(store.dataDir, 'artifacts');
  const dataRoots = loadDataRoots({ mode: 'embedded', artifactDir });
  const executor = new InProcessExecutor({
    db: store,
    checkpoints: new FileCheckpointStore(artifactDir),
    dataRoots,
    datasetCacheBytes: workflow.datasetCacheBytes,
    threads: workflow.threads,
    maxAttempts: workflow.maxAttempts,
    retryBackoffMs: workflow.retryBackoffMs,
    heartbeatIntervalMs: workflow.heartbeatIntervalMs,
    reconcileIntervalMs: workflow.reconcileIntervalMs,
    staleAfterMs: workflow.staleAfterMs,
    packMax: workflow.packMax,
  });
  return {
    mode: 'embedded',
    where: `embedded store ${store.dataDir}`,
    db: store,
    queue: executor.queue,
    probe: executor.queue,
    events: store.events,
    dataRoots,
    async startExecution(listener) {
      const ready = readyEvent(executor.events);
      executor.events.onEvery(listener);
      await executor.start();
      return { backend: executor.backend ?? '?', workerId: executor.workerId, ...(await ready) };
    },
    apiKey: (team) =>
      team === LOCAL_TEAM ? storedApiKey(store, store.dataDir) : newTeamApiKey(store, team, 'embedded store'),
    async close() {
      await executor.close();
      await store.close();
    },
  };
}

async function openServer(
  config: DistilleryConfig,
  migrateFirst: boolean,
  log: RuntimeLog,
  execution: ExecutionSettings,
): Promise<Runtime> {
  if (migrateFirst) {
    const applied = await migrate(config);
    if (applied.length > 0) log(`applied ${applied.join(', ')}`);
  }
  const { DEFAULT_ARTIFACT_DIR } = await import('@distillery/worker');
  const dataRoots = loadDataRoots({
    mode: 'server',
    artifactDir: loadWorkflowConfig().artifactDir ?? DEFAULT_ARTIFACT_DIR,
  });
  const db = await connectDatabase(config);
  try {
    await checkRedis(config);
  } catch (e) {
    await db.close();
    throw e;
  }
  const queue = new RunQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix });
  const probe = new RedisProbe(config.redisUrl);
  // One LISTEN connection wakes the SSE streams when run events commit (they poll as well).
  const events = new RunEventListener(config.databaseUrl);
  await events.start();
  let worker: { close(): Promise<void> } | undefined;
  return {
    mode: 'server',
    where: `PostgreSQL ${redactDatabaseUrl(config.databaseUrl)} with Redis`,
    db,
    queue,
    probe,
    events,
    dataRoots,
    async startExecution(listener) {
      const workflow = workflowSettings(execution);
      const { FileCheckpointStore, RunWorker } = await import('@distillery/worker');
      const { artifactDir, ...settings } = workflow;
      const runWorker = new RunWorker({
        db,
        redisUrl: config.redisUrl,
        prefix: config.queuePrefix,
        ...settings,
        checkpoints: new FileCheckpointStore(artifactDir ?? DEFAULT_ARTIFACT_DIR),
        dataRoots,
      });
      worker = runWorker;
      const ready = readyEvent(runWorker.events);
      await runWorker.start(listener);
      return { backend: runWorker.backend ?? '?', workerId: runWorker.workerId, ...(await ready) };
    },
    apiKey: (team) => newTeamApiKey(db, team, 'distillery run'),
    async close() {
      await worker?.close();
      await Promise.all([queue.close(), probe.close(), events.close()]);
      await db.close();
    },
  };
}

/** The executor's size as its `ready` event tells it (emitted within its start). */
function readyEvent(events: ExecutorEvents): Promise<ExecutorSize> {
  return new Promise((resolve) => {
    const off = events.on('ready', (e) => {
      off();
      resolve({ threads: e.threads, packMax: e.packMax });
    });
  });
}
