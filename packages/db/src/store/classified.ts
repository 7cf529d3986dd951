import { classifyDatabaseError } from '../transient/classify-database-error.ts';

/** `work`'s result, or its failure in the store's vocabulary (see classifyDatabaseError). */
export async function classified<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw classifyDatabaseError(error);
  }
}
