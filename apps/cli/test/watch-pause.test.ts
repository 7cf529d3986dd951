import { describe, expect, it } from 'vitest';
import { WATCH_READ_SHARE, watchPause } from '../src/client/watch-pause.ts';

describe('a sweep watcher’s pause between reads', () => {
  it('is the interval after a quick read', () => {
    expect(watchPause(1000, 20)).toBe(1000);
  });

  it('grows with a slow read, so reading takes at most its share of the time', () => {
    const pause = watchPause(1000, 400);
    expect(pause).toBeCloseTo(3600, 6);
    expect(400 / (400 + pause)).toBeCloseTo(WATCH_READ_SHARE, 6);
  });
});
