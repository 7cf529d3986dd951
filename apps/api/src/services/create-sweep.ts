import { randomUUID } from 'node:crypto';
import {
  dispatchRuns,
  insertReusedRuns,
  insertRuns,
  insertSweep,
  type NewReusedRun,
  type NewRun,
  recordSweepCreated,
  type Store,
} from '@distillery/db';
import type { RunDispatcher } from '@distillery/queue';
import { canonicalHash, type PlannedRun, packKey, type SweepSpec } from '@distillery/spec';
import type { FastifyBaseLogger } from 'fastify';
import { withTimeout } from '../lib/with-timeout.ts';
import { checkQueuedRunQuota, type QueuedRunQuotaOptions } from './check-queued-run-quota.ts';
import { resolveSweepRuns } from './resolve-sweep-runs.ts';

export interface CreateSweepDeps {
  db: Store;
  queue: RunDispatcher;
  log: FastifyBaseLogger;
}

export interface CreateSweepInput {
  teamId: string;
  /** The document as submitted (parsed JSON or YAML), stored verbatim. */
  submitted: unknown;
  /** The same document validated. */
  spec: SweepSpec;
  /**
   * Whose runs the sweep's priority ranks against: its team's (`team`), or every team's (`global`, for a sweep
   * an admin key submits). @defaultValue 'team'
   */
  priorityScope?: 'team' | 'global';
  /** The spec's expansion (expandSweep, with what the API read of an imported teacher's files). */
  planned: PlannedRun[];
  /**
   * Train every run again even where the team has an identical one (`?rerun=true`); the spec's own `rerun`
   * does the same. @defaultValue false
   */
  rerun?: boolean;
  /**
   * Runs the team may have waiting to start, charged with the runs this sweep creates (not those it reuses);
   * false: no quota. @defaultValue false
   */
  queuedRunQuota?: QueuedRunQuotaOptions | false;
}

/**
 * How long the answer waits for Redis. The runs are already committed as `queued` by then: PostgreSQL is the
 * source of truth and every worker re-enqueues the queued runs when it starts (apps/worker RunWorker.start),
 * so a Redis outage delays runs but loses none.
 */
const ENQUEUE_TIMEOUT_MS = 5000;

/**
 * Stores a sweep and all its runs in one transaction, then puts the runs that can start right away on the
 * queue. A planned run whose identity (configuration, seed, teacher) the team already has trained or on its
 * way is not trained again: the existing run becomes one of the sweep's runs (`reused_runs`), unless the
 * submission asks to `rerun`. Initial states of new runs: no parent → `queued`; a new parent → `waiting`; an
 * existing parent (reused, or `teacher: { runId }`) → `queued` if it already succeeded, else `waiting`. Each
 * run's first event is recorded with it; a sweep that reuses only finished runs is finished at once. The
 * queued-run quota is checked there too, charging only the new runs. Returns the new sweep's id.
 */
export async function createSweep(deps: CreateSweepDeps, input: CreateSweepInput): Promise<string> {
  const { db, queue, log } = deps;
  const { teamId, spec } = input;
  const sweepId = randomUUID();

  // A transient abort (a deadlock with a worker's transition) tries the whole submission again: it wrote nothing.
  const queued = await db.transaction(async (tx) => {
    const rerun = input.rerun === true || spec.rerun === true;
    const resolved = await resolveSweepRuns(tx, teamId, spec, input.planned, { rerun });
    const { planned, identities, namedTeacher, reused } = resolved;
    if (input.queuedRunQuota !== undefined && input.queuedRunQuota !== false) {
      const charge = { newRuns: planned.length - reused.size, reusedRuns: reused.size };
      await checkQueuedRunQuota(tx, teamId, charge, input.queuedRunQuota);
    }
    // Ids are chosen here so that children can name their parents in the same multi-row insert.
    const idByKey = new Map(planned.filter((r) => !reused.has(r.key)).map((r) => [r.key, randomUUID()]));
    const now = new Date();
    await insertSweep(tx, {
      id: sweepId,
      teamId,
      name: spec.name,
      tags: spec.tags ?? [],
      submitted: input.submitted,
      canonical: spec,
      specHash: canonicalHash(spec),
      priority: spec.priority ?? 0,
      priorityScope: input.priorityScope ?? 'team',
    });
    const rows: NewRun[] = [];
    const links: NewReusedRun[] = [];
    planned.forEach((r, position) => {
      const existing = reused.get(r.key);
      if (existing !== undefined) {
        links.push({ sweepId, key: r.key, runId: existing.id, position });
        return;
      }
      let parentId: string | null = null;
      let state: NewRun['state'] = 'queued';
      const parent = r.parentKey === null ? undefined : reused.get(r.parentKey);
      if (parent !== undefined) {
        parentId = parent.id;
        state = parent.state === 'succeeded' ? 'queued' : 'waiting';
      } else if (r.parentKey !== null) {
        parentId = idByKey.get(r.parentKey) ?? null;
        state = 'waiting';
      } else if (r.parentRunId !== null && namedTeacher !== null) {
        parentId = namedTeacher.id;
        state = namedTeacher.dependentState;
      }
      rows.push({
        id: idByKey.get(r.key) as string,
        sweepId,
        teamId,
        key: r.key,
        kind: r.kind,
        parentId,
        label: r.label,
        groupHash: r.group,
        configHash: r.hash,
        identity: identities.get(r.key) as string,
        config: r.config,
        state,
        predictedParameters: r.size.parameters,
        predictedBytes: r.size.bytes,
        bits: r.size.bits,
        queuedAt: state === 'queued' ? now : null,
        position,
        packKey: packKey(r.config),
      });
    });
    await insertRuns(tx, rows);
    await insertReusedRuns(tx, links);
    await recordSweepCreated(tx, sweepId);
    return dispatchRuns(
      tx,
      rows.filter((r) => r.state === 'queued').map((r) => r.id),
    );
  });

  try {
    await withTimeout(queue.enqueue(queued), ENQUEUE_TIMEOUT_MS, 'the run queue');
  } catch (err) {
    log.error({ err, sweepId, runs: queued.length }, 'sweep stored but its queued runs could not be enqueued');
  }
  return sweepId;
}
