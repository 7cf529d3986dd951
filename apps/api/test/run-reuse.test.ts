import {
  cancelSweep,
  claimRun,
  completeRun,
  connectPostgres,
  createTeam,
  exportResults,
  importResults,
  parseDatabaseUrl,
  pgConnection,
} from '@distillery/db';
import { createTestDatabase } from '@distillery/db/testing';
import type { RunConfig } from '@distillery/spec';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Frontier } from '../src/schemas/frontier.ts';
import type { RunList } from '../src/schemas/run-summary.ts';
import type { SweepDetail } from '../src/schemas/sweep-detail.ts';
import type { SweepPlan } from '../src/schemas/sweep-plan.ts';
import type { SweepResults } from '../src/schemas/sweep-results.ts';
import { quickstart, STAND_IN_RESULT, submitSweep, useTestApi } from './helper.ts';
import { syntheticAccuracy } from './support-results.ts';

const api = useTestApi();

/** One connection of its own to the database at `url` (a session the test drives statement by statement). */
const session = (url: string) => connectPostgres(parseDatabaseUrl(url), { connectTimeoutMs: 10_000 });

const get = async <T>(url: string): Promise<T> => {
  const res = await api.request({ method: 'GET', url });
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
};

/**
 * What a worker does, without training: claims the team's queued runs one at a time (lowest position first)
 * through the real transitions and completes each with a made-up result, until nothing is queued. `only`
 * limits it to runs whose key passes. Returns the ids trained, in order.
 */
async function trainQueued(only: (key: string) => boolean = () => true): Promise<string[]> {
  const trained: string[] = [];
  for (;;) {
    const queued = await api.db.run.findMany({
      where: { teamId: api.team.teamId, state: 'queued' },
      orderBy: [{ createdAt: 'asc' }, { position: 'asc' }],
    });
    const next = queued.find((r) => only(r.key));
    if (next === undefined) return trained;
    const claimed = await claimRun(api.store, next.id, next.attempt, 'test-worker');
    if (claimed === null) throw new Error(`could not claim ${next.key}`);
    const accuracy = syntheticAccuracy({ kind: next.kind, config: next.config as unknown as RunConfig });
    const result = { accuracy, loss: 1 - accuracy, parameters: 1, bytes: next.predictedBytes, bits: next.bits };
    await completeRun(api.store, next.id, claimed.run.attempt, { ...STAND_IN_RESULT, ...result }, []);
    trained.push(next.id);
  }
}

/** The team's configurations, each as `kind label bits n=…`, sorted (a configuration counted twice shows). */
async function teamCounts(): Promise<string[]> {
  const { items } = await get<{ items: { label: string; kind: string; bits: number; n: number }[] }>(
    '/v1/results?limit=100',
  );
  return items.map((c) => `${c.kind} ${c.label} ${c.bits} n=${c.n}`).sort();
}

/** Per data set: the configurations considered and each frontier point's n. */
async function frontierCounts(): Promise<unknown[]> {
  const { datasets } = await get<Frontier>('/v1/frontier?format=json');
  return datasets.map((d) => [d.dataset, d.configurations, d.points.map((p) => p.n)]);
}

describe('submitting the same spec twice', () => {
  const spec = quickstart({ name: 'twice', seeds: [1, 2] });
  let first: string;
  let second: string;
  let trainedFirst: string[];
  let trainedSecond: string[];
  let before: string[];
  let frontierBefore: unknown[];
  let plan: SweepPlan;

  beforeAll(async () => {
    first = await submitSweep(api, spec);
    trainedFirst = await trainQueued();
    before = await teamCounts();
    frontierBefore = await frontierCounts();
    const res = await api.request({ method: 'POST', url: '/v1/sweeps?dryRun=true', payload: spec });
    plan = res.json();
    second = await submitSweep(api, spec);
    trainedSecond = await trainQueued();
  });

  it('trains every run of the first and nothing of the second', async () => {
    expect(trainedFirst).toHaveLength(9);
    expect(trainedSecond).toEqual([]);
    expect(await api.db.run.count({ where: { sweepId: second } })).toBe(0);
  });

  it('shows in the dry run which runs a submission would reuse', () => {
    expect(plan).toMatchObject({ runCount: 9, reusedRunCount: 9 });
    expect(plan.runs.every((r) => r.reusedFrom?.sweepId === first && r.reusedFrom.key === r.key)).toBe(true);
  });

  it('lists every run of the second sweep as reused from the first, with its result', async () => {
    const { items } = await get<RunList>(`/v1/sweeps/${second}/runs`);
    const original = await get<RunList>(`/v1/sweeps/${first}/runs`);
    expect(items.map((r) => [r.key, r.id, r.state])).toEqual(original.items.map((r) => [r.key, r.id, r.state]));
    expect(items.every((r) => r.reusedFrom?.sweepId === first && r.reusedFrom.runId === r.id)).toBe(true);
    expect(items.every((r) => r.result !== null)).toBe(true);
  });

  it("finishes the second sweep at once, with the first one's results", async () => {
    const sweep = await get<SweepDetail>(`/v1/sweeps/${second}`);
    expect(sweep).toMatchObject({ state: 'succeeded', runCount: 9, totals: { runs: 9, finished: 9, results: 9 } });
    const results = await get<SweepResults>(`/v1/sweeps/${second}/results`);
    const original = await get<SweepResults>(`/v1/sweeps/${first}/results`);
    expect(results).toEqual(original);
    expect(results.groups.find((g) => g.kind === 'student')?.n).toBe(2);
  });

  it('leaves every n unchanged in the team results and the frontier', async () => {
    // The teacher once, the four students and variants with their two seeds.
    expect(before).toHaveLength(5);
    expect(before.filter((c) => c.endsWith('n=2'))).toHaveLength(4);
    expect(await teamCounts()).toEqual(before);
    expect(await frontierCounts()).toEqual(frontierBefore);
  });

  it('counts the second sweep in its listing with all its runs', async () => {
    const { items } = await get<{ items: { id: string; runCount: number }[] }>('/v1/sweeps');
    expect(items.find((s) => s.id === second)?.runCount).toBe(9);
  });

  describe('with rerun', () => {
    let viaSpec: string[];
    let viaQuery: string[];
    let afterRerun: string[];
    let pairsBefore: number;
    const compare = async () =>
      (await get<{ pairs: unknown[] }>('/v1/compare?dimension=activation&a=relu&b=lma-8')).pairs.length;

    beforeAll(async () => {
      pairsBefore = await compare();
      const a = await submitSweep(api, { ...spec, rerun: true });
      viaSpec = await trainQueued();
      afterRerun = await teamCounts();
      const res = await api.request({ method: 'POST', url: '/v1/sweeps?rerun=true', payload: spec });
      expect(res.statusCode, res.body).toBe(201);
      viaQuery = await trainQueued();
      expect(await api.db.run.count({ where: { sweepId: a } })).toBe(9);
    });

    it('trains every run again (rerun: true in the spec, or ?rerun=true)', () => {
      expect(viaSpec).toHaveLength(9);
      expect(viaQuery).toHaveLength(9);
    });

    it('still counts each replicate once, with its latest result', async () => {
      expect(afterRerun).toEqual(before);
      expect(await teamCounts()).toEqual(before);
      expect(await frontierCounts()).toEqual(frontierBefore);
      const { items } = await get<{ items: { runIds: string[] }[] }>('/v1/results?limit=100');
      const latest = new Set(viaQuery);
      expect(items.flatMap((c) => c.runIds).every((id) => latest.has(id))).toBe(true);
    });

    it('compares as many pairs as before, however often a replicate was trained', async () => {
      expect(pairsBefore).toBeGreaterThan(0);
      expect(await compare()).toBe(pairsBefore);
    });
  });
});

describe('a rerun over some of the seeds', () => {
  const spec = quickstart({ name: 'partial rerun', seeds: [1, 2, 3] });
  let teachers: string[];
  let own: Set<string>;
  let configurations: {
    kind: string;
    activation: string;
    bits: number;
    n: number;
    seeds: number[];
    runIds: string[];
  }[];

  beforeAll(async () => {
    const first = await submitSweep(api, spec);
    await trainQueued();
    const second = await submitSweep(api, { ...spec, seeds: [2], rerun: true });
    await trainQueued();
    teachers = (await api.db.run.findMany({ where: { sweepId: { in: [first, second] }, kind: 'teacher' } })).map(
      (r) => r.id,
    );
    const { items } = await get<{ items: typeof configurations }>('/v1/results?limit=100');
    own = new Set((await api.db.run.findMany({ where: { sweepId: { in: [first, second] } } })).map((r) => r.id));
    // Teachers of every seed are one configuration (the team's other sweeps' teachers too): students only.
    configurations = items.filter((c) => c.kind !== 'teacher' && c.runIds.some((id) => own.has(id)));
  });

  it('trains the teacher again, as a second run of the same teacher configuration', () => {
    expect(teachers).toHaveLength(2);
  });

  it('keeps each student configuration one, counting every seed once whichever teacher run trained it', () => {
    expect(configurations.map((c) => `${c.kind} ${c.activation} ${c.bits} n=${c.n} seeds=${c.seeds}`).sort()).toEqual([
      'quantize-ptq lma-8 8 n=3 seeds=1,2,3',
      'quantize-ptq relu 8 n=3 seeds=1,2,3',
      'student lma-8 32 n=3 seeds=1,2,3',
      'student relu 32 n=3 seeds=1,2,3',
    ]);
  });

  it('pairs every seed once when comparing its students', async () => {
    const { pairs } = await get<{ pairs: { a: { runIds: string[] }; seedPairs: { seed: number }[] }[] }>(
      '/v1/compare?dimension=activation&a=relu&b=lma-8',
    );
    const ours = pairs.filter((p) => p.a.runIds.some((id) => own.has(id)));
    // Float students and their 8-bit variants: one pair each, over the three seeds.
    expect(ours.map((p) => p.seedPairs.map((x) => x.seed))).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it('filters by teacher as the whole configuration, given either teacher run', async () => {
    for (const teacher of teachers) {
      const { total } = await get<{ total: number }>(`/v1/results?teacher=${teacher}`);
      expect(total).toBe(4);
    }
  });
});

describe('a sweep that reuses every run of an earlier one under another tag', () => {
  it("answers the team's results filtered by its tag or by itself as the earlier sweep's", async () => {
    const spec = quickstart({ name: 'tagged', tags: ['tag-first'] });
    const first = await submitSweep(api, spec);
    await trainQueued();
    const second = await submitSweep(api, { ...spec, tags: ['tag-second'] });
    expect(await api.db.run.count({ where: { sweepId: second } })).toBe(0);
    const results = (query: string) => get<{ total: number; items: { runIds: string[] }[] }>(`/v1/results?${query}`);
    const byTag = await results('tag=tag-first');
    expect(byTag.total).toBe(5);
    expect(await results('tag=tag-second')).toEqual(byTag);
    expect(await results(`sweep=${second}`)).toEqual(await results(`sweep=${first}`));
  });
});

describe('two identical submissions at the same moment', () => {
  it('store one set of runs: the later sweep reuses all of them', async () => {
    const spec = quickstart({ name: 'racing' });
    const [a, b] = await Promise.all([submitSweep(api, spec), submitSweep(api, spec)]);
    const own = await api.db.run.count({ where: { sweepId: { in: [a, b] } } });
    const reused = await api.db.reusedRun.count({ where: { sweepId: { in: [a, b] } } });
    expect([own, reused]).toEqual([5, 5]);
  });
});

describe('a sweep that reuses runs still on their way', () => {
  const spec = quickstart({ name: 'in flight' });
  let first: string;
  let second: string;
  let student: { id: string; attempt: number };
  let newVariants: { id: string; key: string; parentId: string | null; state: string }[];

  beforeAll(async () => {
    first = await submitSweep(api, spec);
    await trainQueued((key) => key === 'teacher');
    const s0 = await api.db.run.findFirstOrThrow({ where: { sweepId: first, key: 's0.seed1' } });
    const claimed = await claimRun(api.store, s0.id, s0.attempt, 'busy-worker');
    student = { id: s0.id, attempt: claimed?.run.attempt as number };
    // The same sweep with a 4-bit PTQ variant added: everything but the new variants is reused.
    second = await submitSweep(api, {
      ...spec,
      quantize: [
        { method: 'ptq', bits: 8 },
        { method: 'ptq', bits: 4 },
      ],
    });
    newVariants = await api.db.run.findMany({ where: { sweepId: second }, orderBy: { position: 'asc' } });
  });

  it('trains only the new PTQ variants, each waiting for its reused student', async () => {
    // One student is running, the other queued: neither has succeeded yet.
    expect(newVariants.map((r) => [r.key, r.state])).toEqual([
      ['s0.seed1.q1', 'waiting'],
      ['s1.seed1.q1', 'waiting'],
    ]);
    const s1 = await api.db.run.findFirstOrThrow({ where: { sweepId: first, key: 's1.seed1' } });
    expect(newVariants.map((r) => r.parentId)).toEqual([student.id, s1.id]);
    const { items } = await get<RunList>(`/v1/sweeps/${second}/runs`);
    expect(items.filter((r) => r.reusedFrom !== null).map((r) => r.key)).toEqual([
      'teacher',
      's0.seed1',
      's0.seed1.q0',
      's1.seed1',
      's1.seed1.q0',
    ]);
  });

  it('stays running while a reused run is unfinished', async () => {
    await trainQueued((key) => key !== 's0.seed1.q1');
    const sweep = await get<SweepDetail>(`/v1/sweeps/${second}`);
    expect(sweep.state).toBe('running');
    expect(sweep.counts).toMatchObject({ running: 1, waiting: 2 });
  });

  it('runs the new variant after its reused student, then finishes with every result', async () => {
    const accuracy = 0.8;
    const result = { ...STAND_IN_RESULT, accuracy, loss: 0.2 };
    const done = await completeRun(api.store, student.id, student.attempt, result, []);
    expect(done.released.map((r) => r.runId).sort()).toEqual(
      [
        newVariants[0]?.id,
        (await api.db.run.findFirstOrThrow({ where: { sweepId: first, key: 's0.seed1.q0' } })).id,
      ].sort(),
    );
    const trained = await trainQueued();
    expect(trained).toContain(newVariants[0]?.id);
    const sweep = await get<SweepDetail>(`/v1/sweeps/${second}`);
    expect(sweep).toMatchObject({ state: 'succeeded', totals: { runs: 7, results: 7 } });
    const results = await get<SweepResults>(`/v1/sweeps/${second}/results`);
    expect(results.rows.find((r) => r.key === 's0.seed1')).toMatchObject({ runId: student.id, accuracy });
    expect((await get<SweepDetail>(`/v1/sweeps/${first}`)).state).toBe('succeeded');
  });

  it("records the reused runs' transitions in the later sweep's event history", async () => {
    const events = await api.db.runEvent.findMany({
      where: { sweepId: second, runId: student.id },
      orderBy: { seq: 'asc' },
    });
    expect(events.map((e) => (e.data as { state?: string }).state)).toEqual(['running', 'succeeded']);
  });
});

describe('cancelling while runs are shared', () => {
  it('lets a reusing sweep finish at once, and the runs carry on in their own sweep', async () => {
    const spec = quickstart({ name: 'cancel reuser' });
    const first = await submitSweep(api, spec);
    const second = await submitSweep(api, spec);
    const res = await api.request({ method: 'POST', url: `/v1/sweeps/${second}/cancel` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().cancelledRunIds).toEqual([]);
    expect((await get<SweepDetail>(`/v1/sweeps/${second}`)).state).toBe('cancelled');
    expect((await get<SweepDetail>(`/v1/sweeps/${first}`)).counts).toMatchObject({ queued: 1, waiting: 4 });
  });

  it('keeps the runs another sweep reuses, and what they wait for, when their own sweep is cancelled', async () => {
    const spec = quickstart({ name: 'cancel owner' });
    const first = await submitSweep(api, spec);
    // The later sweep (ReLU students only) reuses the teacher, the ReLU student and its variant.
    const second = await submitSweep(api, {
      ...spec,
      students: { ...(spec.students as object), grid: { 'model.activation': ['relu'] } },
    });
    const outcome = await cancelSweep(api.store, api.team.teamId, first, 'test');
    const runs = await api.db.run.findMany({ where: { sweepId: first }, orderBy: { position: 'asc' } });
    expect(runs.map((r) => [r.key, r.state])).toEqual([
      ['teacher', 'queued'],
      ['s0.seed1', 'waiting'],
      ['s0.seed1.q0', 'waiting'],
      ['s1.seed1', 'cancelled'],
      ['s1.seed1.q0', 'cancelled'],
    ]);
    expect(outcome.cancelled).toHaveLength(2);
    await trainQueued();
    expect((await get<SweepDetail>(`/v1/sweeps/${second}`)).state).toBe('succeeded');
    expect((await get<SweepDetail>(`/v1/sweeps/${first}`)).state).toBe('cancelled');
  });
});

describe("moving the team's results to another database (export, then import)", () => {
  it('carries the sweeps that reuse runs, their histories, and one fact per replicate', async () => {
    const target = await createTestDatabase({ prefix: 'distillery_reuse_import' });
    const source = await session(api.databaseUrl);
    const client = await session(target.url);
    try {
      const lines: string[] = [];
      const exported = await exportResults(pgConnection(source), (line) => void lines.push(line), {
        teamId: api.team.teamId,
      });
      expect(exported.reused_runs).toBeGreaterThan(0);
      const { teamId } = await createTeam(target.store, 'moved');
      const report = await importResults(
        pgConnection(client),
        (async function* () {
          yield* lines;
        })(),
        { teamId },
      );
      expect(report.inserted).toEqual(exported);
      const facts = (await client.query('SELECT count(*)::int AS n FROM result_facts')).rows[0]?.n;
      const own = await api.db.resultFact.count({ where: { teamId: api.team.teamId } });
      expect(facts).toBe(own);
    } finally {
      await source.end();
      await client.end();
      await target.drop();
    }
  });
});

describe('cancelling a sweep while a submission makes runs wait for one of its runs', () => {
  it('cancels those waiting runs too, instead of leaving them waiting for ever', async () => {
    const first = await submitSweep(api, quickstart({ name: 'cancel race' }));
    const other = await submitSweep(api, quickstart({ name: 'other sweep' }));
    const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId: first, kind: 'teacher' } });
    const submission = await session(api.databaseUrl);
    const child = '00000000-0000-4000-8000-00000000f001';
    try {
      // A submission's transaction: the teacher locked FOR SHARE, a new run made to wait for it, not committed.
      await submission.query('BEGIN');
      await submission.query('SELECT id FROM runs WHERE id = $1 FOR SHARE', [teacher.id]);
      await submission.query(
        `INSERT INTO runs (id, sweep_id, team_id, key, kind, parent_id, label, group_hash, config_hash, config, state,
                           predicted_parameters, predicted_bytes, bits, updated_at)
         VALUES ($1, $2, $3, 'late', 'student', $4, 'late', 'g', 'late-hash', '{}', 'waiting', 1, 1, 32, now())`,
        [child, other, api.team.teamId, teacher.id],
      );
      const cancelling = cancelSweep(api.store, api.team.teamId, first, 'test');
      // The cancellation's statement starts (and blocks on the teacher's row) before the submission commits.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await submission.query('COMMIT');
      const outcome = await cancelling;
      expect(outcome.cancelled.map((r) => r.id)).toContain(child);
    } finally {
      await submission.end();
    }
    expect(await api.db.run.findUniqueOrThrow({ where: { id: child } })).toMatchObject({ state: 'cancelled' });
  });
});
