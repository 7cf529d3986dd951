import type { RunConfig } from '@distillery/spec';
import { activationLabel, runBits } from '@distillery/spec';
import type { TestApi } from './helper.ts';

/**
 * Stores a result for every run of a sweep for which `accuracyOf` gives one, and marks those runs succeeded —
 * as a worker would, without training. Sizes are the predicted ones.
 */
export async function storeResults(
  api: Pick<TestApi, 'db'>,
  sweepId: string,
  accuracyOf: (run: { key: string; kind: string; config: RunConfig }) => number | undefined,
): Promise<number> {
  const runs = await api.db.run.findMany({ where: { sweepId } });
  const done = runs.flatMap((r) => {
    const accuracy = accuracyOf({ key: r.key, kind: r.kind, config: r.config as unknown as RunConfig });
    return accuracy === undefined ? [] : [{ run: r, accuracy }];
  });
  await api.db.run.updateMany({
    where: { id: { in: done.map((d) => d.run.id) } },
    data: { state: 'succeeded', progress: 1, finishedAt: new Date() },
  });
  await api.db.result.createMany({
    data: done.map(({ run, accuracy }) => ({
      runId: run.id,
      accuracy,
      loss: 1 - accuracy,
      parameters: run.predictedParameters,
      bytes: run.predictedBytes,
      bits: run.bits,
      backend: 'wasm',
      seconds: 1,
    })),
  });
  return done.length;
}

/**
 * A made-up but structured accuracy: wider students are better, LMA beats ReLU by 2 points, 4-bit PTQ costs 5
 * points and 8-bit 1, and seeds scatter by ±1 point.
 */
export function syntheticAccuracy({ kind, config }: { kind: string; config: RunConfig }): number {
  if (kind === 'teacher') return 0.97;
  const width = config.model?.family === 'mlp' ? (config.model.hidden[0] ?? 0) : 0;
  let accuracy = width >= 16 ? 0.85 : 0.8;
  if (
    config.model !== null &&
    config.model.family !== 'imported' &&
    activationLabel(config.model.activation).startsWith('lma')
  )
    accuracy += 0.02;
  if (config.quantize && runBits(config) === 4) accuracy -= 0.05;
  if (config.quantize && runBits(config) === 8) accuracy -= 0.01;
  return accuracy + (config.seed - 2) * 0.01;
}
