import type { BatchPosition } from '@distillery/ml';

/** How often a training run reports its progress within an epoch, at most, in ms. */
export const DEFAULT_BATCH_PROGRESS_INTERVAL_MS = 1000;

/**
 * Throttles a run's progress within its epochs to one write per interval, at most one in flight: training calls
 * `report` after every batch and never waits for the database (a write in flight or a recent one drops the
 * report; the next batch reports again). The last batch of an epoch is not reported: the epoch's own record
 * follows at once. Write failures are logged, never thrown: progress is a convenience, the epoch record is the
 * truth.
 */
export class BatchProgressReporter {
  private lastAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly write: (position: BatchPosition) => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  report(position: BatchPosition): void {
    if (this.inFlight !== null || position.batch >= position.batches) return;
    const now = performance.now();
    if (now - this.lastAt < this.intervalMs) return;
    this.lastAt = now;
    this.inFlight = this.write(position)
      .then(
        () => {},
        (error) => this.onError(error),
      )
      .finally(() => {
        this.inFlight = null;
      });
  }

  /** Resolves when no write is in flight (before an epoch is recorded, so it lands after the progress). */
  async settle(): Promise<void> {
    await this.inFlight;
  }
}
