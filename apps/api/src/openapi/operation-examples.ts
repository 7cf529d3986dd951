import {
  comparisonVerdict,
  DEFAULT_PACK_MAX,
  describeSample,
  estimateRunTime,
  estimateSweepTime,
  expandSweep,
  type PredictedSize,
  packKey,
  pairedComparison,
  planIdentities,
  planPacks,
  quantizationName,
  quantizeWarnings,
  type SizeBreakdown,
  SweepSpec,
  THROUGHPUT_CALIBRATION,
} from '@distillery/spec';
import type { z } from 'zod';
import { ApiKeyList, CreateApiKeyBody, CreatedApiKey, Identity } from '../schemas/api-key.ts';
import { RunCancelResult, SweepCancelResult } from '../schemas/cancel-result.ts';
import { Comparison } from '../schemas/comparison.ts';
import { ErrorBody } from '../schemas/error-body.ts';
import { Frontier } from '../schemas/frontier.ts';
import { Liveness, Readiness } from '../schemas/health.ts';
import { MetricsExport } from '../schemas/metrics-export.ts';
import { RunDetail } from '../schemas/run-detail.ts';
import { RunReferenceList } from '../schemas/run-lookup.ts';
import { RunList } from '../schemas/run-summary.ts';
import { SubmittedSweep } from '../schemas/submitted-sweep.ts';
import { SweepDetail } from '../schemas/sweep-detail.ts';
import { SweepPlan } from '../schemas/sweep-plan.ts';
import { SweepResults } from '../schemas/sweep-results.ts';
import { SweepList } from '../schemas/sweep-summary.ts';
import { ConfigurationResultList, TeamResultRowList } from '../schemas/team-results.ts';
import { configDimensions } from '../services/config-dimensions.ts';

/** An example and the schema it must satisfy (a test parses every one). */
export interface Example {
  schema?: z.ZodType;
  value: unknown;
}

function example<S extends z.ZodType>(schema: S, value: z.input<S>): Example {
  return { schema, value };
}

/** One operation's examples: its request body (JSON) and answers by status. */
export interface OperationExamples {
  body?: Example;
  responses: Record<number, Example>;
}

// One made-up but consistent world: a team, a sweep (the quickstart: a teacher, ReLU and LMA-8 students, 8-bit PTQ
// of each), its runs and results. Sizes, labels and hashes come from packages/spec, so they are the real ones.
const TEAM = '0d4c2b8e-8f7a-4a51-9a0e-7c1f2e3d4b5a';
const KEY = '5b0c3f5e-1f7a-4c1e-9b7e-2f0d6f3c9a11';
const SWEEP = 'b01e0286-c553-4b5d-9329-92601513ad5a';
/** The real digest of the quickstart's split (mnist, limit 6000/1000, validation 0.1). */
const SPLIT_DIGEST = '439be6b4c50d2e730f104446ca703dc289a977630e87ea385dfcdbc2c3e42dff';
const RUN_IDS = [
  '7f9c24e1-3c1a-4d55-9e0b-0f5a7d1c2b01',
  '7f9c24e1-3c1a-4d55-9e0b-0f5a7d1c2b02',
  '7f9c24e1-3c1a-4d55-9e0b-0f5a7d1c2b03',
  '7f9c24e1-3c1a-4d55-9e0b-0f5a7d1c2b04',
  '7f9c24e1-3c1a-4d55-9e0b-0f5a7d1c2b05',
];
const AT = '2026-11-27T18:00:00.000Z';
const DONE = '2026-11-27T18:01:04.000Z';

export const QUICKSTART_SPEC: z.input<typeof SweepSpec> = {
  name: 'quickstart',
  tags: ['demo'],
  dataset: { name: 'mnist', limit: { train: 6000, test: 1000 }, validation: 0.1 },
  teacher: {
    model: { family: 'mlp', hidden: [128], activation: 'relu' },
    train: { epochs: 2, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
  },
  students: {
    model: { family: 'mlp', hidden: [16], activation: 'relu', batchNorm: true },
    train: { epochs: 2, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
    distill: { temperature: 2, alpha: 0.7 },
    grid: { 'model.activation': ['relu', { name: 'lma', segments: 8 }] },
  },
  quantize: [{ method: 'ptq', bits: 8 }],
  seeds: [1],
};

const PLANNED = expandSweep(SweepSpec.parse(QUICKSTART_SPEC));
const IDENTITIES = planIdentities(PLANNED);
/** The quickstart's runs' times as a fresh store estimates them: from the shipped calibration. */
const PLANNED_TIMES = new Map(
  PLANNED.map((p) => [p.key, estimateRunTime(p.config, { measured: [], calibration: THROUGHPUT_CALIBRATION })]),
);
const ACCURACY = [0.9712, 0.9127, 0.9105, 0.9248, 0.9231];
const idOf = (key: string) => RUN_IDS[PLANNED.findIndex((p) => p.key === key)] as string;
const runs = PLANNED.map((p, i) => ({ ...p, id: RUN_IDS[i] as string, accuracy: ACCURACY[i] as number }));
const [teacher, relu, reluPtq, lma, lmaPtq] = runs as [
  (typeof runs)[0],
  (typeof runs)[0],
  (typeof runs)[0],
  (typeof runs)[0],
  (typeof runs)[0],
];

/** The measured breakdown of a result equals its prediction (packages/ml checks it after packing). */
// A result's measured size has no `estimated`: that flag is the plan's.
const measured = ({ parameters, bits, estimated: _, ...sizeBreakdown }: PredictedSize) => ({
  parameters,
  bits,
  bytes: sizeBreakdown.bytes,
  sizeBreakdown: sizeBreakdown as SizeBreakdown,
});

const summary = {
  id: SWEEP,
  name: 'quickstart',
  tags: ['demo'],
  state: 'succeeded' as const,
  specHash: 'c1b5e0c9c0a3c1f4d8f4b3f6a2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3',
  runCount: 5,
  createdAt: AT,
  updatedAt: DONE,
  finishedAt: DONE,
};

const sweepDetail = {
  ...summary,
  counts: { waiting: 0, queued: 0, running: 0, succeeded: 5, failed: 0, cancelled: 0 },
  totals: { runs: 5, finished: 5, results: 5, predictedBytes: runs.reduce((s, r) => s + r.size.bytes, 0), progress: 1 },
};

const runSummaries = runs.map((r) => ({
  id: r.id,
  key: r.key,
  kind: r.kind,
  label: r.label,
  parentId: r.parentKey === null ? null : idOf(r.parentKey),
  state: 'succeeded' as const,
  attempt: 1,
  progress: 1,
  predicted: r.size,
  result: { accuracy: r.accuracy, loss: 1 - r.accuracy, ...measured(r.size) },
  error: null,
  skippedReason: null,
  reusedFrom: null,
}));

/** A run viewed by id is its own sweep's: RunDetail has no `reusedFrom`. */
const withoutReuse = ({ reusedFrom: _, ...run }: (typeof runSummaries)[number]) => run;

const epochs = [1, 2].map((epoch) => ({
  epoch,
  trainLoss: epoch === 1 ? 0.412 : 0.251,
  trainAccuracy: epoch === 1 ? 0.874 : 0.915,
  valLoss: epoch === 1 ? 0.318 : 0.276,
  valAccuracy: epoch === 1 ? 0.905 : 0.918,
  learningRate: 0.001,
  seconds: 3.1,
  recordedAt: epoch === 1 ? '2026-11-27T18:00:31.000Z' : '2026-11-27T18:00:34.000Z',
}));

/** A trained run's learning curve as export rows (PTQ variants do not train: they have none). */
const metricRows = (r: typeof lma) =>
  epochs.map((e) => ({ runId: r.id, key: r.key, kind: r.kind, label: r.label, group: r.group, ...e }));

const configuration = (r: typeof lma, description: string) => ({
  group: r.group,
  label: r.label.replace(/ · seed \d+/, ''),
  kind: r.kind,
  dataset: 'mnist' as const,
  family: 'mlp',
  activation: r.key.startsWith('s1') ? 'lma-8' : 'relu',
  method: r.config.quantize === null ? ('none' as const) : ('ptq' as const),
  bits: r.size.bits,
  teacherId: teacher.id,
  description,
  dimensions: configDimensions(r.config, teacher.id, null),
  n: 1,
  seeds: [1],
  runIds: [r.id],
  sweepIds: [SWEEP],
  accuracy: describeSample([r.accuracy]),
  loss: describeSample([1 - r.accuracy]),
  // One seed: no pair of replicates to agree (three seeds would give 3 pairs).
  agreement: { value: null, pairs: 0 },
  parameters: r.size.parameters,
  bytes: r.size.bytes,
  latestAt: DONE,
});
const lmaConfiguration = configuration(lma, 'student mlp 16 lma-8 · T=2 α=0.7 · mnist');
const lmaPtqConfiguration = configuration(lmaPtq, 'quantize-ptq mlp 16 lma-8 · T=2 α=0.7 · ptq 8-bit · mnist');

const side = (r: typeof lma) => ({
  group: r.group,
  label: r.label.replace(/ · seed \d+/, ''),
  quantization: r.config.quantize === null ? 'float' : quantizationName(r.config.quantize),
  n: 1,
  seeds: [1],
  runIds: [r.id],
  accuracy: describeSample([r.accuracy]),
  parameters: r.size.parameters,
  bytes: r.size.bytes,
});
// The quickstart has one seed: every pair and stratum has n = 1, too few for a test; the example says so.
const seedTest = (a: typeof lma, b: typeof lma) => pairedComparison([{ a: b.accuracy, b: a.accuracy }]);
const pair = (a: typeof lma, b: typeof lma, context: string, stratum: string) => ({
  context,
  stratum,
  kind: a.kind,
  dataset: 'mnist',
  teacherId: teacher.id,
  a: side(a),
  b: side(b),
  difference: b.accuracy - a.accuracy,
  seedPairs: [
    { seed: 1, aRunId: a.id, bRunId: b.id, a: a.accuracy, b: b.accuracy, difference: b.accuracy - a.accuracy },
  ],
  test: seedTest(a, b),
  verdict: comparisonVerdict(seedTest(a, b), { a: 'lma-8', b: 'relu' }),
});
const stratum = (a: typeof lma, b: typeof lma, label: string) => ({
  label,
  configurations: 1,
  test: seedTest(a, b),
  verdict: comparisonVerdict(seedTest(a, b), { a: 'lma-8', b: 'relu' }),
});

const SSE_EXAMPLE =
  `id: 12\nevent: epoch\ndata: {"seq":12,"runId":"${lma.id}","type":"epoch","at":"2026-11-27T18:00:52.000Z",` +
  '"data":{"attempt":1,"epoch":1,"epochs":2,"trainLoss":0.41,"trainAccuracy":0.87,"valLoss":0.32,' +
  '"valAccuracy":0.9,"learningRate":0.001,"seconds":3.1}}\n\n' +
  `id: 13\nevent: state\ndata: {"seq":13,"runId":"${lma.id}","type":"state","at":"2026-11-27T18:00:56.000Z",` +
  '"data":{"state":"succeeded","attempt":1}}\n\n' +
  'event: end\ndata: {"state":"succeeded"}\n\n';

const keyInfo = {
  id: KEY,
  name: 'alice',
  prefix: 'dst_Xk3v9QpL',
  role: 'member' as const,
  state: 'active' as const,
  createdAt: AT,
  lastUsedAt: DONE,
  expiresAt: '2027-02-25T18:00:00.000Z',
  revokedAt: null,
};

/**
 * Examples of every operation, keyed `METHOD /path` as the OpenAPI document spells paths. plugins/swagger.ts
 * puts them into the document; test/openapi.test.ts checks that every operation has one and that each satisfies
 * its schema.
 */
export const OPERATION_EXAMPLES: Record<string, OperationExamples> = {
  'GET /healthz': { responses: { 200: example(Liveness, { status: 'ok' }) } },
  'GET /readyz': {
    responses: {
      200: example(Readiness, { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } }),
      503: example(Readiness, { status: 'unavailable', checks: { postgres: 'ok', redis: 'failed' } }),
    },
  },
  'GET /metrics': {
    responses: {
      200: {
        value:
          '# HELP distillery_runs Runs by state, all teams (PostgreSQL, the source of truth).\n# TYPE distillery_runs gauge\n' +
          'distillery_runs{state="running"} 4\ndistillery_runs{state="queued"} 12\n' +
          'distillery_training_samples_per_second 5400\n',
      },
    },
  },
  'POST /v1/sweeps': {
    body: example(SweepSpec, QUICKSTART_SPEC),
    responses: {
      200: example(SweepPlan, {
        name: 'quickstart',
        specHash: summary.specHash,
        runCount: PLANNED.length,
        reusedRunCount: 0,
        reusedTeacherRunId: null,
        runs: PLANNED.map((p) => ({
          key: p.key,
          kind: p.kind,
          parentKey: p.parentKey,
          parentRunId: p.parentRunId,
          label: p.label,
          group: p.group,
          configHash: p.hash,
          identity: IDENTITIES.get(p.key) as string,
          reusedFrom: null,
          config: p.config,
          predicted: p.size,
          estimatedTime: PLANNED_TIMES.get(p.key) ?? null,
          // The quickstart's students store their kernels (no Structured Multi-Hashing pool).
          smh: null,
          crembo: null,
        })),
        estimatedTime: estimateSweepTime(
          PLANNED.map((p) => ({
            key: p.key,
            parentKey: p.parentKey,
            estimate: PLANNED_TIMES.get(p.key) ?? null,
            reused: false,
          })),
        ),
        packMax: DEFAULT_PACK_MAX,
        packs: planPacks(PLANNED),
        warnings: quantizeWarnings(PLANNED),
      }),
      201: example(SubmittedSweep, {
        ...sweepDetail,
        state: 'running',
        finishedAt: null,
        counts: { ...sweepDetail.counts, succeeded: 0, queued: 1, waiting: 4 },
        totals: { ...sweepDetail.totals, finished: 0, results: 0, progress: 0 },
        warnings: [],
      }),
      400: example(ErrorBody, {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'the request body is invalid',
          issues: [{ path: 'students.model.activation', message: "unknown activation 'gelu'" }],
        },
      }),
    },
  },
  'GET /v1/sweeps': { responses: { 200: example(SweepList, { items: [summary], nextCursor: null }) } },
  'GET /v1/sweeps/{id}': { responses: { 200: example(SweepDetail, sweepDetail), 304: { value: null } } },
  'GET /v1/sweeps/{id}/runs': { responses: { 200: example(RunList, { items: runSummaries }) } },
  'GET /v1/sweeps/{id}/results': {
    responses: {
      200: example(SweepResults, {
        rows: [lma, lmaPtq].map((r) => ({
          runId: r.id,
          key: r.key,
          kind: r.kind,
          label: r.label,
          seed: 1,
          bits: r.size.bits,
          accuracy: r.accuracy,
          loss: 1 - r.accuracy,
          parameters: r.size.parameters,
          bytes: r.size.bytes,
          sizeBreakdown: measured(r.size).sizeBreakdown,
          backend: 'wasm',
          group: r.group,
          splitDigest: SPLIT_DIGEST,
          dimensions: configDimensions(r.config, teacher.id),
        })),
        groups: [lma, lmaPtq].map((r) => ({
          group: r.group,
          kind: r.kind,
          label: r.label.replace(/ · seed \d+/, ''),
          n: 1,
          seeds: [1],
          runIds: [r.id],
          accuracy: describeSample([r.accuracy]),
          loss: describeSample([1 - r.accuracy]),
          // One seed: no pair to agree.
          agreement: { value: null, pairs: 0 },
          parameters: r.size.parameters,
          bytes: r.size.bytes,
          bits: r.size.bits,
        })),
      }),
    },
  },
  'POST /v1/sweeps/{id}/cancel': {
    responses: {
      200: example(SweepCancelResult, { id: SWEEP, state: 'cancelled', cancelledRunIds: [lma.id, lmaPtq.id] }),
    },
  },
  'GET /v1/sweeps/{id}/events': { responses: { 200: { value: SSE_EXAMPLE }, 204: { value: null } } },
  'GET /v1/runs': {
    responses: {
      // ?idPrefix=7f9c24e1-3c1a-4d55-9e0b-0f5a7d1c2b0 names all five runs; the example asks for the newest two.
      200: example(RunReferenceList, {
        total: 5,
        items: [lmaPtq, lma].map((r) => ({
          id: r.id,
          sweepId: SWEEP,
          key: r.key,
          label: r.label,
          kind: r.kind,
          state: 'succeeded' as const,
          createdAt: AT,
        })),
      }),
    },
  },
  'GET /v1/runs/{id}': {
    responses: {
      200: example(RunDetail, {
        ...withoutReuse(runSummaries[3] as (typeof runSummaries)[number]),
        sweepId: SWEEP,
        groupHash: lma.group,
        configHash: lma.hash,
        identity: IDENTITIES.get(lma.key) as string,
        config: lma.config,
        error: null,
        skippedReason: null,
        packKey: packKey(lma.config),
        packedBy: null,
        createdAt: AT,
        queuedAt: '2026-11-27T18:00:25.000Z',
        startedAt: '2026-11-27T18:00:26.000Z',
        finishedAt: '2026-11-27T18:00:35.000Z',
        heartbeatAt: '2026-11-27T18:00:34.000Z',
        metrics: epochs,
        latestMetrics: epochs[1] as (typeof epochs)[number],
        result: {
          accuracy: lma.accuracy,
          loss: 1 - lma.accuracy,
          ...measured(lma.size),
          backend: 'wasm',
          trainPath: 'fused-mlp',
          seconds: 9.2,
          splitDigest: SPLIT_DIGEST,
          recordedAt: '2026-11-27T18:00:35.000Z',
        },
      }),
    },
  },
  'POST /v1/runs/{id}/cancel': {
    responses: {
      200: example(RunCancelResult, { id: lma.id, state: 'cancelled', cancelledRunIds: [lma.id, lmaPtq.id] }),
    },
  },
  'GET /v1/runs/{id}/artifacts/{name}': {
    responses: {
      200: {
        value:
          '{"format":"layers-model","modelTopology":{"class_name":"Sequential",…},' +
          '"weightsManifest":[{"paths":["model.weights.bin"],"weights":[…]}],"userDefinedMetadata":{…}}',
      },
    },
  },
  'GET /v1/runs/{id}/metrics': { responses: { 200: example(MetricsExport, { rows: metricRows(lma) }) } },
  'GET /v1/sweeps/{id}/metrics': {
    responses: { 200: example(MetricsExport, { rows: [teacher, relu, lma].flatMap(metricRows) }) },
  },
  'GET /v1/runs/{id}/events': { responses: { 200: { value: SSE_EXAMPLE }, 204: { value: null } } },
  'GET /v1/results': {
    responses: {
      200: example(ConfigurationResultList, {
        total: 5,
        limit: 100,
        offset: 0,
        items: [lmaConfiguration, lmaPtqConfiguration],
      }),
    },
  },
  'GET /v1/results/runs': {
    responses: {
      200: example(TeamResultRowList, {
        total: 5,
        limit: 100,
        offset: 0,
        items: [
          {
            runId: lma.id,
            sweepId: SWEEP,
            key: lma.key,
            label: lma.label,
            seed: 1,
            accuracy: lma.accuracy,
            loss: 1 - lma.accuracy,
            parameters: lma.size.parameters,
            bytes: lma.size.bytes,
            backend: 'wasm',
            group: lma.group,
            kind: 'student',
            dataset: 'mnist',
            family: 'mlp',
            activation: 'lma-8',
            method: 'none',
            bits: 32,
            teacherId: teacher.id,
            description: lmaConfiguration.description,
            dimensions: configDimensions(lma.config, teacher.id),
            createdAt: DONE,
          },
        ],
      }),
    },
  },
  'GET /v1/frontier': {
    responses: {
      200: example(Frontier, {
        datasets: [
          {
            dataset: 'mnist',
            configurations: 5,
            points: [lmaPtqConfiguration, lmaConfiguration].map((c) => ({
              ...c,
              runs: [
                { runId: c.runIds[0] as string, sweepId: SWEEP, seed: 1, accuracy: c.accuracy.mean, bytes: c.bytes },
              ],
            })),
          },
        ],
      }),
    },
  },
  'GET /v1/compare': {
    responses: {
      200: example(Comparison, {
        dimension: 'activation',
        path: 'model.activation',
        a: 'relu',
        b: 'lma-8',
        pairing:
          'Runs pair when they have the same seed and their configurations differ only in activation (same data ' +
          'set, model, training, distillation and teacher, and quantization), each run used once: one pair per ' +
          '(configuration, seed). Differences are B − A in accuracy. Each quantization is a separate stratum with ' +
          'its own paired t-test (95% CI, two-sided p), because float and quantized variants of one student share ' +
          'their training and are not independent pairs.',
        strata: [stratum(reluPtq, lmaPtq, 'ptq 8-bit'), stratum(relu, lma, 'float')],
        pairs: [
          pair(reluPtq, lmaPtq, 'quantize-ptq mlp 16 · T=2 α=0.7 · ptq 8-bit · mnist', 'ptq 8-bit'),
          pair(relu, lma, 'student mlp 16 · T=2 α=0.7 · mnist', 'float'),
        ],
        unpaired: { a: 1, b: 0 },
        values: [
          { value: 'lma-8', configurations: 2 },
          { value: 'relu', configurations: 3 },
        ],
      }),
    },
  },
  'GET /v1/keys': { responses: { 200: example(ApiKeyList, { items: [keyInfo] }) } },
  'POST /v1/keys': {
    body: example(CreateApiKeyBody, { name: 'alice', role: 'member', expiresInDays: 90 }),
    responses: {
      201: example(CreatedApiKey, {
        ...keyInfo,
        lastUsedAt: null,
        apiKey: 'dst_Xk3v9QpLr0mN8bYqT2wZs5uV7cE1dH4gJ6kL9aP3fR0',
      }),
    },
  },
  'DELETE /v1/keys/{id}': { responses: { 204: { value: null } } },
  'GET /v1/me': {
    responses: {
      200: example(Identity, { teamId: TEAM, teamName: 'vision-lab', key: { id: KEY, name: 'alice', role: 'member' } }),
    },
  },
  'GET /': { responses: { 200: { value: '<!doctype html>\n<html lang="en">…</html>' }, 304: { value: null } } },
  'GET /dashboard/{*}': {
    responses: { 200: { value: "import { get } from './api.js';\n…" }, 304: { value: null } },
  },
};

/** The error answer shown for each status an operation documents (the message varies; the code does not). */
export const ERROR_EXAMPLES: Record<number, Example> = {
  400: example(ErrorBody, {
    error: {
      code: 'VALIDATION_FAILED',
      message: 'the query string is invalid',
      issues: [{ path: 'bits', message: "'9' is not a bit width (2, 3, 4, 5, 6, 7, 8, 16, 32)" }],
    },
  }),
  401: example(ErrorBody, { error: { code: 'UNAUTHORIZED', message: 'the API key is unknown, revoked or expired' } }),
  403: example(ErrorBody, {
    error: {
      code: 'FORBIDDEN',
      message: "an API key with role 'viewer' may not POST /v1/sweeps/: it needs role 'member' or higher",
    },
  }),
  404: example(ErrorBody, { error: { code: 'NOT_FOUND', message: `sweep '${SWEEP}' not found` } }),
  413: example(ErrorBody, {
    error: { code: 'BODY_TOO_LARGE', message: 'the request body is larger than the limit of 1048576 bytes (1 MiB)' },
  }),
  415: example(ErrorBody, {
    error: {
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: "unsupported content type 'text/plain'; send one of application/json, application/yaml",
    },
  }),
  429: example(ErrorBody, {
    error: { code: 'RATE_LIMITED', message: 'rate limit of 1200 requests per 1 minute reached; retry in 12 s' },
  }),
  500: example(ErrorBody, { error: { code: 'INTERNAL_ERROR', message: 'internal server error' } }),
  503: example(ErrorBody, {
    error: { code: 'DATABASE_UNAVAILABLE', message: 'the results database is unavailable; retry in 5 s' },
  }),
};
