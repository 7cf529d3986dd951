import type { ExecutorEvent } from './executor-event.ts';

/** An executor event as one sentence for people (a terminal, a log line's `msg`); it may carry user input. */
export function describeExecutorEvent(e: ExecutorEvent): string {
  switch (e.type) {
    case 'ready':
      return (
        `worker ${e.workerId} ready (backend ${e.backend}, threads ${e.threads}, packs of up to ` +
        `${e.packMax}, checkpoints ${e.checkpoints ? 'on' : 'off'}, reconciler ${e.reconciler ? 'on' : 'off'})`
      );
    case 'recovered':
      return [
        e.orphaned > 0 ? `${e.orphaned} run(s) left running by a stopped process: retried` : '',
        e.queued > 0 ? `${e.queued} queued run(s) from earlier picked up` : '',
      ]
        .filter((part) => part !== '')
        .join('; ');
    case 'run-started':
      return (
        `run ${e.runId} (${e.kind} ${e.label}) started, attempt ${e.attempt}` +
        (e.resumedAfterEpoch !== null ? `, resuming after epoch ${e.resumedAfterEpoch} of ${e.epochs}` : '')
      );
    case 'pack-started':
      return `pack of ${e.runIds.length} runs training together: ${e.runIds.map((id, i) => `${e.labels[i]} (${id})`).join(', ')}`;
    case 'pack-finished':
      return `pack of run ${e.leaderRunId} finished: ${e.outcomes.map((o) => `${o.runId} ${o.outcome}`).join(', ')}`;
    case 'run-taken-over':
      return `run ${e.runId} taken over from a worker that stopped (attempt ${e.attempt})`;
    case 'checkpoint-refused':
      return `run ${e.runId}: checkpoint refused (${e.reason}); starting again from epoch 0`;
    case 'run-succeeded':
      return `run ${e.runId} succeeded: accuracy ${e.accuracy.toFixed(4)}, ${e.bytes} bytes`;
    case 'result-discarded':
      return `run ${e.runId} finished but was ${e.reason} meanwhile: result discarded`;
    case 'run-stopped':
      return e.reason === 'cancelled'
        ? `run ${e.runId} stopped: cancelled`
        : `run ${e.runId} stopped: another worker holds it now`;
    case 'cancel-requested':
      return `run ${e.runId}: cancelled, stopping`;
    case 'run-released':
      return `run ${e.runId} released on shutdown (${e.outcome})`;
    case 'run-retried':
      return `run ${e.runId} attempt ${e.attempt} failed, retrying as attempt ${e.nextAttempt}: ${e.message}`;
    case 'run-failed':
      return e.permanent
        ? `run ${e.runId} failed: ${e.message}`
        : `run ${e.runId} failed after its last attempt: ${e.message}`;
    case 'heartbeat-failed':
      return `run ${e.runId}: heartbeat failed: ${e.message}`;
    case 'progress-not-recorded':
      return `run ${e.runId}: progress not recorded (${e.message})`;
    case 'checkpoint-cleanup-failed':
      return `run ${e.runId}: could not delete its checkpoint (the reconciler will): ${e.message}`;
    case 'job-error':
      return `run ${e.runId}: ${e.message}`;
    case 'executor-error':
      return `worker error: ${e.message}`;
    case 'reconciler-ready':
      return `reconciler ready (first pass: ${JSON.stringify(e.report)})`;
    case 'worker-lost':
      return e.outcome === 'retried'
        ? `reconciler: run ${e.runId} lost its worker ${e.workerId}; queued as attempt ${e.nextAttempt}`
        : `reconciler: run ${e.runId} lost its worker ${e.workerId} and used up its attempts: failed`;
    case 'runs-requeued':
      return `reconciler: ${e.count} queued run(s) were missing from the queue; enqueued`;
    case 'reconcile-failed':
      return `reconciler: pass failed: ${e.message}`;
  }
}
