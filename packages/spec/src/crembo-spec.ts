import { z } from 'zod';

/**
 * CREMBO (Robust Model Compression Using Deep Hypotheses, Armon et al., AAAI 2021) as a distillation method: the
 * teacher's class probabilities p_ic on the training rows are beliefs; at a depth threshold d a row's allowed
 * labels are {c : p_ic ≥ d}; a student trained with a multi-label loss against them is consistent at d when its
 * prediction on every training row with an allowed label is one of them. A binary search over a quantile grid of
 * d finds the deepest consistent student (MEMO), a walk up the rest of the grid retrains at each threshold, and
 * the student with the best validation accuracy is kept.
 */
export const CREMBO_LOSSES = ['bce', 'soft'] as const;
export const CremboLoss = z
  .enum(CREMBO_LOSSES)
  .describe(
    'bce: binary cross-entropy of the logits against the allowed-label indicator 1[p ≥ d]; soft: against p·1[p ≥ d].',
  );
export type CremboLoss = z.infer<typeof CremboLoss>;

/** Thresholds of the quantile grid unless a sweep says otherwise. */
export const DEFAULT_CREMBO_THRESHOLDS = 12;
export const MIN_CREMBO_THRESHOLDS = 2;
export const MAX_CREMBO_THRESHOLDS = 64;

export const CremboDistillSpec = z.strictObject({
  method: z.literal('crembo').describe('crembo: allowed labels per depth threshold, the deepest robust student.'),
  thresholds: z
    .int()
    .min(MIN_CREMBO_THRESHOLDS)
    .max(MAX_CREMBO_THRESHOLDS)
    .optional()
    .describe(
      `Depth thresholds d on a quantile grid of the teacher's distinct beliefs (each one a training of the student at most). Default: ${DEFAULT_CREMBO_THRESHOLDS}`,
    ),
  loss: CremboLoss.optional().describe('Default: bce'),
});
export type CremboDistillSpec = z.infer<typeof CremboDistillSpec>;

/** A CREMBO distillation as a run stores it: its defaults written out, so both spellings have one hash. */
export type ResolvedCremboDistill = Required<CremboDistillSpec>;

export function resolveCrembo(spec: CremboDistillSpec): ResolvedCremboDistill {
  return { method: 'crembo', thresholds: spec.thresholds ?? DEFAULT_CREMBO_THRESHOLDS, loss: spec.loss ?? 'bce' };
}

/**
 * Trainings a CREMBO run may need with `thresholds` grid points: one per threshold at most — the binary search
 * and the walk above its answer visit each threshold once (a training is deterministic, so none is repeated).
 * Epochs are counted over this many trainings.
 */
export function cremboMaxTrainings(thresholds: number): number {
  return thresholds;
}
