import { randomUUID } from 'node:crypto';
import { dispatchRuns, type Prisma, type PrismaClient, recordSweepCreated } from '@distillery/db';
import type { RunDispatcher } from '@distillery/queue';
import { canonicalHash, expandSweep, type SweepSpec, TEACHER_KEY, type TeacherArtifactFacts } from '@distillery/spec';
import type { FastifyBaseLogger } from 'fastify';
import { withTimeout } from '../lib/with-timeout.ts';
import { findReusableTeacher } from './find-reusable-teacher.ts';
import { insertRuns, type NewRun } from './insert-runs.ts';
import { type ResolvedTeacher, resolveTeacherRun } from './resolve-teacher-run.ts';
import { reuseTeacher } from './reuse-teacher.ts';

export interface CreateSweepDeps {
  db: PrismaClient;
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
  /** What the API read of an imported teacher's files (`checkTeacherArtifact`). @defaultValue null */
  teacherArtifact?: TeacherArtifactFacts | null;
}

/**
 * How long the answer waits for Redis. The runs are already committed as `queued` by then: PostgreSQL is the
 * source of truth and every worker re-enqueues the queued runs when it starts (apps/worker RunWorker.start),
 * so a Redis outage delays runs but loses none.
 */
const ENQUEUE_TIMEOUT_MS = 5000;

/**
 * Prisma's interactive transactions time out after 5 s by default. A sweep at the 5,000-run ceiling commits in
 * well under a second, but a reused teacher's row lock may have to wait for a worker's transaction.
 */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 60_000 } as const;

/**
 * Stores a sweep and all its runs in one transaction, then puts the runs that can start right away on the
 * queue. Initial states: no parent → `queued`; a parent in the sweep → `waiting`; a reused teacher →
 * `queued` if it already succeeded, else `waiting`. The teacher is reused when the spec names one
 * (`teacher.runId`) or when the team already has a teacher with the same configuration hash, trained or on its
 * way (issue 4, item 2): the sweep then has no teacher run of its own. Each run's first event is recorded
 * with it. Returns the new sweep's id.
 */
export async function createSweep(deps: CreateSweepDeps, input: CreateSweepInput): Promise<string> {
  const { db, queue, log } = deps;
  const { teamId, spec } = input;
  const expanded = expandSweep(spec, { teacherArtifact: input.teacherArtifact ?? null });
  const sweepId = randomUUID();

  const queued = await db.$transaction(async (tx) => {
    let teacher: ResolvedTeacher | null;
    let planned = expanded;
    if ('runId' in spec.teacher) {
      teacher = await resolveTeacherRun(tx, teamId, spec.teacher.runId, spec.dataset);
    } else {
      teacher = await findReusableTeacher(tx, teamId, expanded.find((r) => r.key === TEACHER_KEY)?.hash as string);
      if (teacher !== null) planned = reuseTeacher(expanded, teacher.id);
    }
    // Ids are chosen here so that children can name their parents in the same multi-row insert.
    const idByKey = new Map(planned.map((r) => [r.key, randomUUID()]));
    const now = new Date();
    await tx.sweep.create({
      data: {
        id: sweepId,
        teamId,
        name: spec.name,
        tags: spec.tags ?? [],
        state: 'running',
        spec: input.submitted as Prisma.InputJsonValue,
        canonical: spec as unknown as Prisma.InputJsonValue,
        specHash: canonicalHash(spec),
        priority: spec.priority ?? 0,
        priorityScope: input.priorityScope ?? 'team',
      },
    });
    const rows = planned.map((r, position): NewRun => {
      let parentId: string | null = null;
      let state: NewRun['state'] = 'queued';
      if (r.parentKey !== null) {
        parentId = idByKey.get(r.parentKey) ?? null;
        state = 'waiting';
      } else if (r.parentRunId !== null && teacher !== null) {
        parentId = teacher.id;
        state = teacher.dependentState;
      }
      return {
        id: idByKey.get(r.key) as string,
        sweepId,
        teamId,
        key: r.key,
        kind: r.kind,
        parentId,
        label: r.label,
        groupHash: r.group,
        configHash: r.hash,
        config: r.config,
        state,
        predictedParameters: r.size.parameters,
        predictedBytes: r.size.bytes,
        bits: r.size.bits,
        queuedAt: state === 'queued' ? now : null,
        position,
      };
    });
    await insertRuns(tx, rows);
    await recordSweepCreated(tx, sweepId);
    return dispatchRuns(
      tx,
      rows.filter((r) => r.state === 'queued').map((r) => r.id),
    );
  }, TRANSACTION_OPTIONS);

  try {
    await withTimeout(queue.enqueue(queued), ENQUEUE_TIMEOUT_MS, 'the run queue');
  } catch (err) {
    log.error({ err, sweepId, runs: queued.length }, 'sweep stored but its queued runs could not be enqueued');
  }
  return sweepId;
}
