import { readTestPredictions, type Store } from '@distillery/db';
import { type ReplicateAgreement, replicateAgreement } from '@distillery/spec';

/**
 * Each configuration's replicate agreement (see replicateAgreement), from its replicates' stored test predictions,
 * read in one statement for all of them: a page or a frontier, never the whole team.
 */
export async function replicateAgreements(
  db: Store,
  teamId: string,
  configurations: readonly { runIds: readonly string[] }[],
): Promise<ReplicateAgreement[]> {
  const predictions = await readTestPredictions(
    db,
    teamId,
    configurations.flatMap((c) => c.runIds),
  );
  return configurations.map((c) => replicateAgreement(c.runIds.map((id) => predictions.get(id))));
}
