import type { BatchPosition } from '@distillery/ml';
import { describe, expect, it } from 'vitest';
import { BatchProgressReporter } from '../src/batch-progress-reporter.ts';

const at = (batch: number, batches = 10): BatchPosition => ({ epoch: 1, epochs: 2, batch, batches });

/** A write the test finishes by hand, so what is in flight is known. */
function manualWrites() {
  const written: BatchPosition[] = [];
  const pending: (() => void)[] = [];
  const write = (p: BatchPosition) =>
    new Promise<void>((resolve) => {
      written.push(p);
      pending.push(resolve);
    });
  const finish = async () => {
    for (const resolve of pending.splice(0)) resolve();
    await new Promise((r) => setImmediate(r));
  };
  return { written, write, finish };
}

describe('BatchProgressReporter', () => {
  it('writes the first report, then none until the interval has passed', async () => {
    const w = manualWrites();
    const reporter = new BatchProgressReporter(w.write, 60_000, () => {});
    reporter.report(at(1));
    await w.finish();
    reporter.report(at(2));
    reporter.report(at(3));
    await w.finish();
    expect(w.written).toEqual([at(1)]);
  });

  it('drops reports while a write is in flight, and takes the next one after it', async () => {
    const w = manualWrites();
    const reporter = new BatchProgressReporter(w.write, 0, () => {});
    reporter.report(at(1));
    reporter.report(at(2));
    await w.finish();
    reporter.report(at(3));
    await w.finish();
    expect(w.written).toEqual([at(1), at(3)]);
  });

  it("never reports an epoch's last batch (the epoch's record follows)", async () => {
    const w = manualWrites();
    const reporter = new BatchProgressReporter(w.write, 0, () => {});
    reporter.report(at(10));
    await w.finish();
    expect(w.written).toEqual([]);
  });

  it('hands a failed write to onError and keeps reporting', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const reporter = new BatchProgressReporter(
      async () => {
        calls++;
        if (calls === 1) throw new Error('database away');
      },
      0,
      (e) => errors.push(e),
    );
    reporter.report(at(1));
    await reporter.settle();
    reporter.report(at(2));
    await reporter.settle();
    expect(calls).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['database away']);
  });

  it('settles once the write in flight has finished', async () => {
    const w = manualWrites();
    const reporter = new BatchProgressReporter(w.write, 0, () => {});
    reporter.report(at(1));
    let settled = false;
    const settling = reporter.settle().then(() => {
      settled = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    await w.finish();
    await settling;
    expect(settled).toBe(true);
  });
});
