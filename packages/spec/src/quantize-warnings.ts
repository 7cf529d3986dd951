import { z } from 'zod';
import { datasetShape } from './dataset-spec.ts';
import type { PlannedRun } from './expand-sweep.ts';
import { DEFAULT_KEEP_FLOAT, keepFloatLabel } from './keep-float.ts';
import { quantizedPercent } from './model-size.ts';
import { modelTensors } from './model-tensors.ts';
import { pqKeptFloat } from './pq-layout.ts';

/**
 * A quantize variant that would shrink its student by less than this fraction gets a warning: its keepFloat rule
 * leaves most values in float, so its "n-bit" size is barely the float size (the legacy `first-last` on an MLP).
 */
export const MIN_QUANTIZE_SHRINK = 0.1;

export const SWEEP_WARNING_CODES = ['QUANTIZE_SHRINKS_LITTLE', 'PQ_KERNELS_KEPT_FLOAT'] as const;

/** Something a sweep will do that its author probably did not mean; it is still accepted. */
export const SweepWarning = z
  .strictObject({
    code: z.enum(SWEEP_WARNING_CODES).describe('Stable: what kind of warning it is.'),
    message: z.string().describe('One sentence naming the variant and the sizes.'),
    runKeys: z.array(z.string()).describe("The planned runs it concerns (the variant's runs, one per seed)."),
    label: z
      .string()
      .describe("The variant's label without the seed, e.g. `mlp 16 relu · ptq 8-bit keepFloat=first-last`."),
    floatBytes: z.int().describe('Predicted bytes of the float student.'),
    quantizedBytes: z.int().describe('Predicted bytes of the quantized variant.'),
    quantizedFraction: z.number().describe("Fraction of the variant's values that are quantized."),
  })
  .meta({ id: 'SweepWarning' });
export type SweepWarning = z.infer<typeof SweepWarning>;

/**
 * A warning per quantize variant (per grid point; seeds share one) whose predicted size is more than
 * 1 − {@link MIN_QUANTIZE_SHRINK} of its float student's, and per pq variant that leaves kernels float because its
 * block size does not divide their rows. Planned runs of the expansion, any order.
 */
export function quantizeWarnings(planned: readonly PlannedRun[]): SweepWarning[] {
  const byKey = new Map(planned.map((r) => [r.key, r]));
  const warnings = new Map<string, SweepWarning>();
  for (const run of planned) {
    const q = run.config.quantize;
    if (q?.method !== 'pq' || !run.config.model || run.config.model.family === 'imported') continue;
    const kept = pqKeptFloat(modelTensors(run.config.model, datasetShape(run.config.dataset)), q);
    if (kept.length === 0) continue;
    const variant = `${run.key.replace(/\.seed\d+/, '')} pq`;
    const existing = warnings.get(variant);
    if (existing) {
      existing.runKeys.push(run.key);
      continue;
    }
    const label = run.label.replace(/ · seed \d+/, '');
    const student = byKey.get(run.key.replace(/\.q\d+$/, ''));
    warnings.set(variant, {
      code: 'PQ_KERNELS_KEPT_FLOAT',
      message:
        `${label}: blockSize ${q.blockSize} does not divide the rows of ${kept.join(', ')} (all dimensions but the ` +
        'last), so they stay float32; choose a blockSize that divides them to product-quantize them too',
      runKeys: [run.key],
      label,
      floatBytes: student?.size.bytes ?? run.size.floatBytes,
      quantizedBytes: run.size.bytes,
      quantizedFraction: run.size.quantizedFraction,
    });
  }
  for (const run of planned) {
    const q = run.config.quantize;
    if (!q) continue;
    // `s3.seed1.q0` is the variant of student `s3.seed1`; a QAT variant's parent is the teacher, not the student.
    const studentKey = run.key.replace(/\.q\d+$/, '');
    const student = byKey.get(studentKey);
    if (!student || student.key === run.key) continue;
    const floatBytes = student.size.bytes;
    const quantizedBytes = run.size.bytes;
    if (quantizedBytes < (1 - MIN_QUANTIZE_SHRINK) * floatBytes) continue;
    const variant = `${run.key.replace(/\.seed\d+/, '')}`;
    const existing = warnings.get(variant);
    if (existing) {
      existing.runKeys.push(run.key);
      continue;
    }
    const label = run.label.replace(/ · seed \d+/, '');
    const shrink = 1 - quantizedBytes / floatBytes;
    const why =
      q.keepFloat === DEFAULT_KEEP_FLOAT
        ? q.method === 'pq'
          ? `its codebooks (${q.centroids} centroids × ${q.blockSize} float16 values per kernel) outweigh what ` +
            `${Math.log2(q.centroids)}-bit assignments save`
          : `its bucket headers (bucketSize ${q.bucketSize}) outweigh what ${q.bits}-bit codes save`
        : `keepFloat ${keepFloatLabel(q.keepFloat)} quantizes only ${quantizedPercent(run.size.quantizedFraction)} ` +
          `of the values; the default ${DEFAULT_KEEP_FLOAT} quantizes every kernel`;
    warnings.set(variant, {
      code: 'QUANTIZE_SHRINKS_LITTLE',
      message:
        `${label}: ${quantizedBytes} bytes quantized vs ${floatBytes} bytes float, ` +
        (shrink >= 0
          ? `${(shrink * 100).toFixed(1)}% smaller (under ${MIN_QUANTIZE_SHRINK * 100}%): ${why}`
          : `${(-shrink * 100).toFixed(1)}% larger: ${why}`),
      runKeys: [run.key],
      label,
      floatBytes,
      quantizedBytes,
      quantizedFraction: run.size.quantizedFraction,
    });
  }
  return [...warnings.values()];
}
