import { countRecentTrainingSamples, type Store } from '@distillery/db';

/** The window training throughput is measured over. */
export const THROUGHPUT_WINDOW_SECONDS = 60;

/** Training samples per second over the last minute, all workers together (see countRecentTrainingSamples). */
export async function trainingThroughput(db: Store): Promise<number> {
  return (await countRecentTrainingSamples(db, THROUGHPUT_WINDOW_SECONDS)) / THROUGHPUT_WINDOW_SECONDS;
}
