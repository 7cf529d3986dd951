import type { Dataset, DatasetSplit } from './dataset.ts';

/**
 * `d` with its pixels and labels in SharedArrayBuffers: posted to a worker thread, such a set is shared, not
 * copied, so a process's training threads read the one copy its main thread loaded. A set already shared is
 * returned as it is. The arrays are never written after loading, so sharing needs no synchronisation.
 */
export function shareDataset(d: Dataset): Dataset {
  if (isSharedDataset(d)) return d;
  return { ...d, train: shareSplit(d.train), test: shareSplit(d.test) };
}

/** Whether every array of `d` lives in a SharedArrayBuffer. */
export function isSharedDataset(d: Dataset): boolean {
  return [d.train.images, d.train.labels, d.test.images, d.test.labels].every(
    (a) => a.buffer instanceof SharedArrayBuffer,
  );
}

function shareSplit(s: DatasetSplit): DatasetSplit {
  return { ...s, images: shared(s.images), labels: shared(s.labels) };
}

function shared<T extends Uint8Array | Int32Array | Float32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Kind = a.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Kind(new SharedArrayBuffer(a.byteLength));
  copy.set(a as never);
  return copy;
}
