import { z } from 'zod';

/**
 * How robust a configuration is to its seed: the mean, over every pair of its replicates, of the fraction of test
 * examples on which the two predict the same class: 1 when every replicate predicts alike; two replicates of
 * accuracy a agree on at least 2a − 1 of the examples, however their errors fall. `pairs` is n(n − 1)/2 for n replicates
 * with stored predictions of one test set (pairs of different test sets are not compared); the value is null
 * without a pair (a single replicate, or results stored before predictions were).
 */
export const ReplicateAgreement = z.object({
  value: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe('Mean pairwise fraction of test examples two replicates predict alike; null without a pair.'),
  pairs: z.int().min(0).describe('Replicate pairs the mean is over: n(n − 1)/2 for n replicates with predictions.'),
});
export type ReplicateAgreement = z.infer<typeof ReplicateAgreement>;

/**
 * The agreement of replicates given each one's predicted class per test example (null: not stored). Pairs whose
 * prediction lists differ in length (another test set) or are empty are skipped.
 */
export function replicateAgreement(predictions: readonly (Uint8Array | null | undefined)[]): ReplicateAgreement {
  const stored = predictions.filter((p): p is Uint8Array => p instanceof Uint8Array && p.length > 0);
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < stored.length; a++) {
    for (let b = a + 1; b < stored.length; b++) {
      const x = stored[a] as Uint8Array;
      const y = stored[b] as Uint8Array;
      if (x.length !== y.length) continue;
      let same = 0;
      for (let i = 0; i < x.length; i++) if (x[i] === y[i]) same++;
      sum += same / x.length;
      pairs++;
    }
  }
  return { value: pairs > 0 ? sum / pairs : null, pairs };
}

/**
 * Predicted classes as stored with a result: one byte per test example. Null for a data set of more than 256
 * classes, whose class numbers do not fit a byte.
 */
export function encodeTestPredictions(classes: ArrayLike<number>, classCount: number): Uint8Array | null {
  if (classCount > 256) return null;
  return Uint8Array.from(classes);
}
