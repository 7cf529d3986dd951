import type { Prisma, PrismaClient } from '../database-client.ts';
import { isTransientDatabaseError } from './is-transient-error.ts';

export interface TransactionRetryOptions {
  /** Tries in all, the first included. @defaultValue 4 */
  tries?: number;
  /** Pause before the second try, doubled after each (with jitter), in ms. @defaultValue 20 */
  backoffMs?: number;
}

/**
 * Runs `fn` in an interactive transaction and runs it again when PostgreSQL aborted it for a reason that
 * another try may not meet (deadlock between concurrent transitions, serialization failure, dropped
 * connection). Run-life-cycle transitions are conditional on (state, attempt), so a repeated try is safe.
 */
export async function withTransaction<T>(
  db: PrismaClient,
  fn: (tx: Prisma.TransactionClient) => Promise<T>,
  options: TransactionRetryOptions = {},
): Promise<T> {
  const tries = options.tries ?? 4;
  let pause = options.backoffMs ?? 20;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(fn, { maxWait: 10_000, timeout: 30_000 });
    } catch (error) {
      if (attempt >= tries || !isTransientDatabaseError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
      pause *= 2;
    }
  }
}
