import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';
import { storeResults, syntheticAccuracy } from './support-results.ts';

/**
 * Every results export carries the run's configuration by sweep-spec path, so a notebook groups by
 * `model.activation` and `quantize.bits` without parsing labels.
 */
let api: TestApi;
let sweepId: string;
let teacherId: string;

beforeAll(async () => {
  api = await buildTestApi();
  sweepId = await submitSweep(api, quickstart({ name: 'dimensions', seeds: [1, 2] }));
  await storeResults(api, sweepId, syntheticAccuracy);
  teacherId = (await api.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } })).id;
});
afterAll(async () => {
  await api?.close();
});

/** RFC 4180 lines to objects by header (fields here hold no line breaks). */
function parseCsv(body: string): Record<string, string>[] {
  const [header, ...lines] = body.trimEnd().split('\r\n').map(splitCsvLine);
  return lines.map((cells) => Object.fromEntries((header as string[]).map((h, i) => [h, cells[i] as string])));
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/** The 8-bit PTQ variant of the quickstart's LMA-8 student, seed 2, as its CSV columns say it. */
const lmaPtqSeed2 = () => ({
  'dataset.name': 'mnist',
  'model.family': 'mlp',
  'model.hidden': '16',
  'model.channels': '',
  'model.activation': 'lma-8',
  // A Structured Multi-Hashing fraction is an SMH model's alone.
  'model.smh.fraction': '',
  'distill.temperature': '2',
  'distill.alpha': '0.7',
  // KD, the default method: CREMBO's grid size and loss are a CREMBO run's alone.
  'distill.method': 'kd',
  'distill.thresholds': '',
  'distill.loss': '',
  'train.optimizer.name': 'adam',
  'train.optimizer.lr': '0.001',
  'train.epochs': '2',
  'train.batchSize': '64',
  'quantize.method': 'ptq',
  'quantize.bits': '8',
  'quantize.bucketSize': '256',
  'quantize.keepFloat': 'all-but-kernels',
  // A Quant-Noise rate is a QAT run's alone.
  'quantize.noise': '',
  // A pq run's block size and codebook size.
  'quantize.blockSize': '',
  'quantize.centroids': '',
  // Pruning is a pruned run's alone.
  'prune.method': '',
  'prune.sparsity': '',
  'prune.retrainEpochs': '',
  'prune.rounds': '',
  'prune.alpha': '',
  // Trained on the training split: no synthetic data's generator or sample count.
  'data.source': 'real',
  'data.method': '',
  'data.samples': '',
  teacher: teacherId,
  seed: '2',
});

describe('configuration dimensions in results exports', () => {
  it("puts a sweep's runs' dimensions in CSV columns named by spec path, beside label and group", async () => {
    const res = await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/results?format=csv` });
    const rows = parseCsv(res.body);
    const ptq = rows.find((r) => r.key === 's1.seed2.q0');
    expect(ptq).toMatchObject({ kind: 'quantize-ptq', ...lmaPtqSeed2() });
    expect(ptq?.group).toMatch(/^[0-9a-f]{64}$/);
    const teacher = rows.find((r) => r.key === 'teacher');
    expect(teacher).toMatchObject({
      'model.hidden': '128',
      'model.activation': 'relu',
      'distill.temperature': '',
      'quantize.bits': '',
      teacher: '',
    });
  });

  it('gives the same dimensions as an object in JSON, with numbers and layer lists typed', async () => {
    const { rows } = (await api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}/results` })).json();
    const ptq = rows.find((r: { key: string }) => r.key === 's1.seed2.q0');
    expect(ptq.dimensions).toEqual({
      ...lmaPtqSeed2(),
      'model.hidden': [16],
      'model.channels': null,
      'model.smh.fraction': null,
      'distill.temperature': 2,
      'distill.alpha': 0.7,
      'distill.thresholds': null,
      'distill.loss': null,
      'train.optimizer.lr': 0.001,
      'train.epochs': 2,
      'train.batchSize': 64,
      'quantize.bits': 8,
      'quantize.bucketSize': 256,
      'quantize.noise': null,
      'quantize.blockSize': null,
      'quantize.centroids': null,
      'prune.method': null,
      'prune.sparsity': null,
      'prune.retrainEpochs': null,
      'prune.rounds': null,
      'prune.alpha': null,
      'data.method': null,
      'data.samples': null,
      seed: 2,
    });
  });

  it("puts them in the team's run rows too", async () => {
    const res = await api.request({ method: 'GET', url: `/v1/results/runs?format=csv&sweep=${sweepId}` });
    const ptq = parseCsv(res.body).find((r) => r.key === 's1.seed2.q0');
    expect(ptq).toMatchObject(lmaPtqSeed2());
    const json = (await api.request({ method: 'GET', url: `/v1/results/runs?sweep=${sweepId}` })).json();
    expect(json.items.find((r: { key: string }) => r.key === 's1.seed2.q0').dimensions.teacher).toBe(teacherId);
  });

  it('puts them in configurations with seed left empty: the replicates are the seeds column', async () => {
    const res = await api.request({ method: 'GET', url: `/v1/results?format=csv&sweep=${sweepId}` });
    const configuration = parseCsv(res.body).find(
      (r) => r['model.activation'] === 'lma-8' && r['quantize.bits'] === '8',
    );
    expect(configuration).toMatchObject({ ...lmaPtqSeed2(), seed: '', seeds: '1;2', n: '2' });
  });
});
