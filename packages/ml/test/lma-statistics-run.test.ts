import type { LmaStatistics, TrainedTeacherRunConfig } from '@distillery/spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelArtifact } from '../src/artifact/model-artifact.ts';
import type { ModelArtifact } from '../src/artifact/packed-artifact.ts';
import { loadDataset } from '../src/data/load-dataset.ts';
import { selectRunData } from '../src/data/run-data.ts';
import { executeRun } from '../src/index.ts';
import { recalibrateLma } from '../src/train/recalibrate-lma.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const dataset = { name: 'mnist', limit: { train: 1200, test: 300 } } as const;
const config = (statistics: LmaStatistics): TrainedTeacherRunConfig => ({
  kind: 'teacher',
  dataset,
  model: { family: 'mlp', hidden: [12, 8], activation: { name: 'lma', segments: 8, statistics }, batchNorm: true },
  train: { epochs: 1, batchSize: 64, optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } },
  seed: 4,
  distill: null,
  quantize: null,
});

/** Every stored tensor of an artifact by name. */
async function tensorsOf(artifact: ModelArtifact): Promise<Map<string, number[]>> {
  const model = await loadModelArtifact(artifact);
  const out = new Map(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
  model.dispose();
  return out;
}

/** What one more recalibration pass over the run's training rows gives the artifact's model. */
async function recalibratedAgain(artifact: ModelArtifact) {
  const model = await loadModelArtifact(artifact);
  const data = selectRunData(loadDataset(dataset), dataset);
  const stats = await recalibrateLma(model, data.train, data.dataset, 'flat');
  model.dispose();
  return stats;
}

describe("executeRun with LMA statistics 'recalibrate'", () => {
  let runs: Record<LmaStatistics, Awaited<ReturnType<typeof executeRun>>>;
  beforeAll(async () => {
    runs = {
      'moving-average': await executeRun({ config: config('moving-average') }),
      'bias-corrected': await executeRun({ config: config('bias-corrected') }),
      recalibrate: await executeRun({ config: config('recalibrate') }),
    };
  }, 120_000);

  it('trains exactly as the other modes do: only the stored μ/σ (and the step count) differ', async () => {
    const base = await tensorsOf(runs['moving-average'].artifact);
    for (const mode of ['bias-corrected', 'recalibrate'] as const) {
      const other = await tensorsOf(runs[mode].artifact);
      for (const [name, values] of base) {
        if (/lma_\d\/running_/.test(name)) continue;
        expect(other.get(name), `${mode} ${name}`).toEqual(values);
      }
    }
    expect((await tensorsOf(runs['bias-corrected'].artifact)).get('lma_1/steps')).toEqual([Math.ceil(1200 / 64)]);
  });

  it('stores the exact statistics of its final weights on its training rows, set at the end of training', async () => {
    const stored = await tensorsOf(runs.recalibrate.artifact);
    const again = await recalibratedAgain(runs.recalibrate.artifact);
    expect(again.map((s) => s.layer)).toEqual(['lma_1', 'lma_2']);
    for (const s of again) {
      expect(stored.get(`${s.layer}/running_mean`)?.[0]).toBeCloseTo(s.mean, 5);
      expect(stored.get(`${s.layer}/running_std`)?.[0]).toBeCloseTo(s.std, 5);
    }
    // …which is not where the moving average of the same training ended (19 steps keep 0.99^19 ≈ 83% of the start).
    const moving = await tensorsOf(runs['moving-average'].artifact);
    expect(moving.get('lma_2/running_std')?.[0]).not.toBeCloseTo(stored.get('lma_2/running_std')?.[0] as number, 2);
  });

  it('recalibrates a PTQ variant on its quantized weights', async () => {
    const ptq = await executeRun({
      config: {
        ...config('recalibrate'),
        kind: 'quantize-ptq',
        train: null,
        quantize: { method: 'ptq', bits: 4, bucketSize: 256, keepFloat: 'none' },
      },
      parent: runs.recalibrate.artifact,
    });
    const stored = await tensorsOf(ptq.artifact);
    const again = await recalibratedAgain(ptq.artifact);
    for (const s of again) {
      expect(stored.get(`${s.layer}/running_mean`)?.[0]).toBeCloseTo(s.mean, 5);
      expect(stored.get(`${s.layer}/running_std`)?.[0]).toBeCloseTo(s.std, 5);
    }
    const parent = await tensorsOf(runs.recalibrate.artifact);
    expect(stored.get('lma_1/running_mean')).not.toEqual(parent.get('lma_1/running_mean'));
  });
});
