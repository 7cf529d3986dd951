/**
 * Team-wide results queries on 100,000 results: `/v1/results`, `/v1/results/runs`, `/v1/frontier`, `/v1/compare`,
 * JSON and CSV, through the real app (`inject`) against PostgreSQL. Another team holds 50,000 more results, so the
 * team filter has work to do. Each query runs 3 times to warm up, then `ROUNDS` times; median and p95 are printed
 * in milliseconds. `BENCH_WITHOUT_INDEXES=1` measures again without the result_facts indexes (slow: every
 * configuration's replicates are then a sequential scan).
 *
 * Run: `npx tsx bench/results-queries.ts [rounds]` (PostgreSQL and Redis on their default local ports).
 * `BENCH_KEEP=1` keeps the seeded database (its URL is printed); `BENCH_DATABASE_URL=<that URL>` measures it again
 * without seeding (for trying a query change); `BENCH_ONLY=<text>` measures only the queries containing it.
 * Recorded results: bench/results/results-queries.md.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { buildApp } from '@distillery/api';
import { createApiKey, createTeam, PgPoolStore } from '@distillery/db';
import { createTestDatabase, type PrismaClient, prismaOf } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';
import { canonicalHash, type ModelSpec, type Quantization, type RunConfig, runBits } from '@distillery/spec';

const ROUNDS = Number(process.argv[2] ?? 15);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const ACTIVATIONS: ModelSpec['activation'][] = [
  'relu',
  'prelu',
  'swish',
  { name: 'aplu', segments: 8 },
  { name: 'lma', segments: 8 },
];
const WIDTHS = [8, 16, 24, 32, 48, 64, 96, 128];
const PTQ: Quantization[] = [
  { method: 'ptq', bits: 4, bucketSize: 256, keepFloat: 'first-last' },
  { method: 'ptq', bits: 8, bucketSize: 256, keepFloat: 'first-last' },
];
const SEEDS = [1, 2, 3];

interface RunRow {
  id: string;
  sweep_id: string;
  team_id: string;
  key: string;
  kind: string;
  parent_id: string | null;
  label: string;
  group_hash: string;
  config_hash: string;
  config: RunConfig;
  bits: number;
  bytes: number;
  accuracy: number;
}

/** One sweep: a teacher and 5 activations × 8 widths × 3 seeds students, each with 4- and 8-bit PTQ (361 runs). */
/**
 * One synthetic sweep's runs. `teacherSeed` makes every sweep a distinct experiment: the team's facts hold one
 * row per run identity (configuration chained with its teacher's), so sweeps repeating one configuration would
 * collapse into one sweep's worth of facts.
 */
function sweepRuns(
  teamId: string,
  sweepId: string,
  dataset: 'mnist' | 'fashion-mnist',
  lr: number,
  teacherSeed: number,
): RunRow[] {
  const train = { epochs: 5, batchSize: 64, optimizer: { name: 'adam' as const, lr } };
  const rows: RunRow[] = [];
  const add = (key: string, kind: string, parent: string | null, config: RunConfig, accuracy: number) => {
    const { seed: _seed, ...group } = config;
    const bits = runBits(config);
    const width = config.model?.family === 'mlp' ? (config.model.hidden[0] ?? 8) : 8;
    const bytes = Math.round(((784 * width + width * 10) * bits) / 8);
    rows.push({
      id: randomUUID(),
      sweep_id: sweepId,
      team_id: teamId,
      key,
      kind,
      parent_id: parent,
      label: key,
      group_hash: canonicalHash(group),
      config_hash: canonicalHash(config),
      config,
      bits,
      bytes,
      accuracy,
    });
    return rows.at(-1)?.id as string;
  };
  const teacherId = add(
    'teacher',
    'teacher',
    null,
    {
      kind: 'teacher',
      dataset: { name: dataset },
      model: { family: 'mlp', hidden: [512, 512], activation: 'relu' },
      train,
      seed: teacherSeed,
      distill: null,
      quantize: null,
    },
    0.98,
  );
  ACTIVATIONS.forEach((activation, a) => {
    WIDTHS.forEach((width, w) => {
      for (const seed of SEEDS) {
        const base = 0.8 + w * 0.02 + (a === 4 ? 0.015 : 0) + (seed - 2) * 0.003 + Math.random() * 0.002;
        const config: RunConfig = {
          kind: 'student',
          dataset: { name: dataset },
          model: { family: 'mlp', hidden: [width], activation },
          train,
          seed,
          distill: { temperature: 2, alpha: 0.7 },
          quantize: null,
        };
        const key = `s${a}.${w}.seed${seed}`;
        const studentId = add(key, 'student', teacherId, config, base);
        PTQ.forEach((q, i) => {
          const drop = runBits({ quantize: q }) === 4 ? 0.05 : 0.01;
          add(
            `${key}.q${i}`,
            'quantize-ptq',
            studentId,
            { ...config, kind: 'quantize-ptq', train: null, quantize: q },
            base - drop,
          );
        });
      }
    });
  });
  return rows;
}

async function insert(db: PrismaClient, teamId: string, results: number): Promise<void> {
  let stored = 0;
  let sweepIndex = 0;
  while (stored < results) {
    const sweepId = randomUUID();
    const dataset = sweepIndex % 2 === 0 ? 'mnist' : 'fashion-mnist';
    await db.$executeRaw`INSERT INTO sweeps (id, team_id, name, tags, state, spec, canonical, spec_hash, updated_at)
      VALUES (${sweepId}::uuid, ${teamId}::uuid, ${`bench-${sweepIndex}`}, ARRAY[${`tag-${sweepIndex % 5}`}],
        'succeeded', '{}'::jsonb, '{}'::jsonb, ${randomUUID()}, now())`;
    const lr = 0.001 * (1 + (sweepIndex % 7));
    const rows = sweepRuns(teamId, sweepId, dataset, lr, sweepIndex).slice(0, results - stored);
    const json = JSON.stringify(rows);
    await db.$executeRaw`INSERT INTO runs (id, sweep_id, team_id, key, kind, parent_id, label, group_hash, config_hash,
        config, state, progress, predicted_parameters, predicted_bytes, bits, updated_at)
      SELECT id, sweep_id, team_id, key, kind, parent_id, label, group_hash, config_hash, config, 'succeeded', 1, 0,
        bytes, bits, now()
      FROM jsonb_to_recordset(${json}::jsonb) AS x(id uuid, sweep_id uuid, team_id uuid, key text, kind text,
        parent_id uuid, label text, group_hash text, config_hash text, config jsonb, bytes int, bits int)`;
    await db.$executeRaw`INSERT INTO results (run_id, accuracy, loss, parameters, bytes, bits, backend, seconds)
      SELECT id, accuracy, 1 - accuracy, 0, bytes, bits, 'wasm', 1
      FROM jsonb_to_recordset(${json}::jsonb) AS x(id uuid, accuracy float8, bytes int, bits int)`;
    stored += rows.length;
    sweepIndex++;
  }
}

const QUERIES = [
  '/v1/results',
  '/v1/results?activation=lma,relu&bits=4&maxBytes=20000&sort=bytes',
  '/v1/results?tag=tag-3&dataset=mnist',
  '/v1/results/runs',
  '/v1/results/runs?sort=-created&kind=student',
  '/v1/frontier',
  '/v1/compare?a=relu&b=lma-8',
  '/v1/compare?dimension=bits&a=4&b=8',
  '/v1/results?format=csv',
  '/v1/results/runs?format=csv',
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

const reuse = process.env.BENCH_DATABASE_URL;
const database = reuse
  ? (() => {
      const store = new PgPoolStore(reuse);
      return { url: reuse, store, db: prismaOf(store), drop: () => store.close() };
    })()
  : await createTestDatabase({ prefix: 'distillery_bench' });
const queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `bench-${randomUUID().slice(0, 8)}` });
const redisProbe = new RedisProbe(REDIS_URL);
const app = await buildApp({ db: database.store, queue, redisProbe, logger: false });
const keep = process.env.BENCH_KEEP === '1' || reuse !== undefined;
try {
  let started = Date.now();
  let team: { teamId: string; apiKey: string };
  if (reuse) {
    const found = await database.db.team.findUniqueOrThrow({ where: { name: 'bench' } });
    team = { teamId: found.id, apiKey: (await createApiKey(database.store, found.id)).apiKey };
  } else {
    team = await createTeam(database.store, 'bench');
    const other = await createTeam(database.store, 'bench-other');
    await insert(database.db, team.teamId, 100_000);
    await insert(database.db, other.teamId, 50_000);
    await database.db.$executeRawUnsafe('ANALYZE');
    console.log(`inserted 150,000 runs with results in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  if (keep) console.log(`database kept: BENCH_DATABASE_URL=${database.url}`);

  const measure = async (url: string) => {
    const times: number[] = [];
    let size = 0;
    let items = '';
    for (let i = 0; i < 3 + ROUNDS; i++) {
      started = performance.now();
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${team.apiKey}` } });
      const ms = performance.now() - started;
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      if (i >= 3) times.push(ms);
      size = res.body.length;
      if (url.includes('csv')) items = `${res.body.split('\r\n').length - 2} lines`;
      else {
        const body = res.json();
        items =
          'total' in body
            ? `${body.total} total`
            : 'datasets' in body
              ? `${body.datasets.map((d: { points: unknown[] }) => d.points.length).join('+')} points`
              : `${body.pairs.length} pairs`;
      }
    }
    times.sort((a, b) => a - b);
    return { url, median: percentile(times, 0.5), p95: percentile(times, 0.95), size, items };
  };

  const lines: string[] = [];
  const run = async (title: string) => {
    lines.push(`\n${title}\n`, '| query | answer | bytes | median ms | p95 ms |', '|---|---|---|---|---|');
    for (const url of QUERIES.filter((q) => q.includes(process.env.BENCH_ONLY ?? ''))) {
      const m = await measure(url);
      lines.push(
        `| \`${m.url}\` | ${m.items} | ${m.size.toLocaleString('en')} | ${m.median.toFixed(0)} | ${m.p95.toFixed(0)} |`,
      );
      console.log(lines.at(-1));
    }
  };
  await run('As migrated (result_facts with its (team_id, dataset) and (team_id, group_hash, teacher_key) indexes):');
  if (!keep && process.env.BENCH_WITHOUT_INDEXES === '1') {
    await database.db.$executeRawUnsafe('DROP INDEX result_facts_team_id_dataset_idx');
    await database.db.$executeRawUnsafe('DROP INDEX result_facts_team_id_group_hash_teacher_key_idx');
    await database.db.$executeRawUnsafe('ANALYZE');
    await run('Without the result_facts indexes:');
  }
  console.log(
    `\n${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · node ${process.version} · ${ROUNDS} rounds` +
      ` · load average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  console.log(lines.join('\n'));
} finally {
  await app.close();
  await queue.close();
  await redisProbe.close();
  if (keep) await database.store.close();
  else await database.drop();
}
