import { z } from 'zod';

export const PRUNE_METHODS = ['surp', 'magnitude'] as const;
export const PruneMethod = z.enum(PRUNE_METHODS);
export type PruneMethod = z.infer<typeof PruneMethod>;

export const DEFAULT_RETRAIN_EPOCHS = 5;
export const DEFAULT_PRUNE_ROUNDS = 3;
/** SuRP's α: the first threshold is α times the mean normalized magnitude (the authors' configs use 10). */
export const DEFAULT_SURP_ALPHA = 10;

const Sparsity = z.number().gt(0).lt(1);
const RetrainEpochs = z.int().min(0).max(1000);
const Rounds = z.int().min(1).max(50);

/**
 * A pruning variant of every student: weight matrices (dense and conv kernels) pruned to `sparsity` in `rounds`
 * steps, the density shrinking geometrically (round t keeps (1 − sparsity)^(t/rounds) of them), each round's
 * support inside the previous one, and `retrainEpochs` epochs of retraining under the student's KD loss after
 * each round with the pruned weights held at exactly 0.
 * - magnitude: global pruning of the smallest layer-normalized magnitudes |w| / ‖W‖₂.
 * - surp: successive-refinement pruning (Isik, Weissman, No, AISTATS 2022): the weights are re-encoded from zero
 *   by SuRP's refinement loop until the target sparsity, and stored as SuRP's own coded stream.
 */
export const PruneSpec = z.strictObject({
  method: PruneMethod.describe(
    'magnitude: the smallest layer-normalized weights; surp: successive-refinement pruning.',
  ),
  sparsity: Sparsity.describe("Fraction of the weight matrices' values that are 0 at the end, in (0, 1)."),
  retrainEpochs: RetrainEpochs.optional().describe('Epochs of retraining after each round. Default: 5'),
  rounds: Rounds.optional().describe('Pruning rounds. Default: 3'),
  alpha: z.number().gt(1).max(1000).optional().describe('SuRP only: the threshold factor α. Default: 10'),
});
export type PruneSpec = z.infer<typeof PruneSpec>;

const resolved = {
  sparsity: Sparsity.describe("Fraction of the weight matrices' values that are 0 at the end."),
  retrainEpochs: RetrainEpochs.describe('Epochs of retraining after each round.'),
  rounds: Rounds.describe('Pruning rounds.'),
};
const MagnitudePruning = z.strictObject({
  method: z.literal('magnitude').describe('magnitude: the smallest layer-normalized weights are pruned.'),
  ...resolved,
});
const SurpPruning = z.strictObject({
  method: z.literal('surp').describe('surp: successive-refinement pruning, stored as its coded stream.'),
  ...resolved,
  alpha: z.number().gt(1).describe('The threshold factor α.'),
});
/** A pruning with every default resolved (as stored in a run's config). */
export const Pruning = z.discriminatedUnion('method', [MagnitudePruning, SurpPruning]);
export type Pruning = z.infer<typeof Pruning>;

export function resolvePruning(p: PruneSpec): Pruning {
  const common = {
    sparsity: p.sparsity,
    retrainEpochs: p.retrainEpochs ?? DEFAULT_RETRAIN_EPOCHS,
    rounds: p.rounds ?? DEFAULT_PRUNE_ROUNDS,
  };
  return p.method === 'surp'
    ? { method: 'surp', ...common, alpha: p.alpha ?? DEFAULT_SURP_ALPHA }
    : { method: 'magnitude', ...common };
}

/** The sparsity targets of the rounds: 1 − (1 − sparsity)^(t/rounds) for t = 1…rounds (the last is `sparsity`). */
export function pruneTargets(p: Pick<Pruning, 'sparsity' | 'rounds'>): number[] {
  return Array.from({ length: p.rounds }, (_, i) =>
    i === p.rounds - 1 ? p.sparsity : 1 - (1 - p.sparsity) ** ((i + 1) / p.rounds),
  );
}

/** Values of `n` that magnitude pruning to `sparsity` sets to 0 (rounded to the nearest count). */
export function prunedCount(n: number, sparsity: number): number {
  return Math.min(n, Math.round(n * sparsity));
}

/** `magnitude 95%`, `surp 99% α=5`, with rounds and retraining when not the defaults. */
export function pruneLabel(p: Pruning): string {
  const pct = `${Math.round(p.sparsity * 1000) / 10}%`;
  const extras = [
    p.rounds !== DEFAULT_PRUNE_ROUNDS ? `${p.rounds} rounds` : '',
    p.retrainEpochs !== DEFAULT_RETRAIN_EPOCHS ? `retrain ${p.retrainEpochs}` : '',
    p.method === 'surp' && p.alpha !== DEFAULT_SURP_ALPHA ? `α=${p.alpha}` : '',
  ].filter((s) => s !== '');
  return [`${p.method} ${pct}`, ...extras].join(' ');
}
