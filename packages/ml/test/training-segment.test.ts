import type { EpochMetrics } from '@distillery/spec';
import { describe, expect, it } from 'vitest';
import type { TrainingState } from '../src/train/checkpoint.ts';
import type { BatchPosition } from '../src/train/train-model.ts';
import { segmentCallbacks } from '../src/train/training-segment.ts';

const metrics = (epoch: number, epochs: number) => ({ epoch, epochs, loss: 1 }) as unknown as EpochMetrics;

describe('segmentCallbacks', () => {
  it("numbers a segment's epochs and batches within the whole run", async () => {
    const epochs: [number, number][] = [];
    const batches: BatchPosition[] = [];
    const inner = segmentCallbacks(
      { onEpoch: (m) => void epochs.push([m.epoch, m.epochs]), onBatch: (p) => void batches.push(p) },
      { offset: 6, total: 9, within: 0 },
    );
    await inner.onEpoch?.(metrics(1, 3));
    await inner.onEpoch?.(metrics(3, 3));
    inner.onBatch?.({ epoch: 2, epochs: 3, batch: 4, batches: 10 });
    expect(epochs).toEqual([
      [7, 9],
      [9, 9],
    ]);
    expect(batches).toEqual([{ epoch: 8, epochs: 9, batch: 4, batches: 10 }]);
  });

  it('resumes the segment at its own epoch, and not at all when the checkpoint ends before it', () => {
    const resume = { epoch: 8, weights: [] } as unknown as TrainingState;
    expect(segmentCallbacks({ resume }, { offset: 6, total: 9, within: 2 }).resume?.epoch).toBe(2);
    expect(segmentCallbacks({ resume }, { offset: 6, total: 9, within: 0 })).not.toHaveProperty('resume');
  });

  it('leaves out the callbacks the run does not listen with', () => {
    expect(segmentCallbacks({}, { offset: 0, total: 3, within: 0 })).toEqual({});
  });
});
