import { RunQueue } from '@distillery/queue';
import { DEFAULT_ARTIFACT_DIR, FileCheckpointStore } from '@distillery/worker/file-checkpoint-store';
import { jsonLineLog, logExecutorEvents } from '@distillery/worker/log';
import { Reconciler, retryBackoff } from '@distillery/worker/reconciler';
import { loadConfig, requireServer } from '../config.ts';
import { checkRedis, connectDatabase } from '../services.ts';
import { onShutdown } from '../shutdown.ts';
import { loadWorkflowConfig } from '../workflow-config.ts';

/**
 * Runs only the reconciler (workers run one each already; this is for deployments that want a dedicated one,
 * e.g. with workers started `--no-reconcile`). Never loads TensorFlow.js.
 */
export async function reconcileCommand(): Promise<void> {
  const config = loadConfig();
  requireServer(config, 'reconcile');
  const workflow = loadWorkflowConfig();
  const db = await connectDatabase(config);
  await checkRedis(config);
  const queue = new RunQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix });
  // JSON lines, as the worker's: messages carry run ids and error texts.
  const onEvent = logExecutorEvents(jsonLineLog({ component: 'reconciler' }));
  const reconciler = new Reconciler({
    db,
    queue,
    checkpoints: new FileCheckpointStore(workflow.artifactDir ?? DEFAULT_ARTIFACT_DIR),
    backoff: retryBackoff({ baseMs: workflow.retryBackoffMs ?? 5000 }),
    ...(workflow.reconcileIntervalMs !== undefined ? { intervalMs: workflow.reconcileIntervalMs } : {}),
    ...(workflow.staleAfterMs !== undefined ? { staleAfterMs: workflow.staleAfterMs } : {}),
    ...(workflow.maxAttempts !== undefined ? { maxAttempts: workflow.maxAttempts } : {}),
    onEvent,
  });
  onEvent({ type: 'reconciler-ready', report: await reconciler.start() });
  onShutdown(async () => {
    await reconciler.close();
    await queue.close();
    await db.close();
  });
}
