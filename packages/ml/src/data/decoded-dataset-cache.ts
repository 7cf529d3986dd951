import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, DatasetSplit } from './dataset.ts';

/** Bumped whenever the file layout below or the decoding it caches changes: older files are then ignored. */
const FORMAT = 1;

interface Header {
  format: number;
  key: string;
  name: string;
  shape: Dataset['shape'];
  classes: number;
  train: number;
  test: number;
  provenance: Record<string, unknown>;
  /** sha256 of everything after the header: a damaged file is decoded again, never trained on. */
  payloadDigest: string;
}

/**
 * What identifies a decoded data set: the decoder's name and format and each source file's path, size and
 * modification time, so that a changed source is decoded again.
 */
export function decodedDatasetKey(decoder: string, files: readonly string[]): string {
  const hash = createHash('sha256').update(`${decoder}\n${FORMAT}\n`);
  for (const file of files) {
    const s = statSync(file);
    hash.update(`${file}\n${s.size}\n${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

function readDecoded(file: string, key: string): Dataset | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  if (bytes.length < 4) return null;
  const headerLength = bytes.readUInt32LE(0);
  if (4 + headerLength > bytes.length) return null;
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as Header;
  } catch {
    return null;
  }
  if (header.format !== FORMAT || header.key !== key) return null;
  const payload = bytes.subarray(4 + headerLength);
  if (createHash('sha256').update(payload).digest('hex') !== header.payloadDigest) return null;
  const features = header.shape[0] * header.shape[1] * header.shape[2];
  let at = 4 + headerLength;
  const take = (n: number): Uint8Array | null => {
    if (at + n > bytes.length) return null;
    // A copy: the split must not keep the whole file's buffer alive, nor share it.
    const out = new Uint8Array(bytes.subarray(at, at + n));
    at += n;
    return out;
  };
  const split = (count: number): DatasetSplit | null => {
    const images = take(count * features);
    const labels = take(count);
    return images && labels ? { images, labels, count } : null;
  };
  const train = split(header.train);
  const test = split(header.test);
  if (!train || !test || at !== bytes.length) return null;
  return {
    name: header.name,
    shape: header.shape,
    classes: header.classes,
    train,
    test,
    provenance: header.provenance,
  };
}

function writeDecoded(file: string, key: string, d: Dataset): void {
  const parts = [d.train.images, d.train.labels, d.test.images, d.test.labels].map(
    (p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength),
  );
  const digest = createHash('sha256');
  for (const p of parts) digest.update(p);
  const header: Header = {
    format: FORMAT,
    key,
    name: d.name,
    shape: d.shape,
    classes: d.classes,
    train: d.train.count,
    test: d.test.count,
    provenance: d.provenance,
    payloadDigest: digest.digest('hex'),
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(head.length, 0);
  // Written aside, then renamed: a reader never sees half a file, and concurrent writers each rename a whole one.
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  writeFileSync(partial, Buffer.concat([length, head, ...parts]));
  renameSync(partial, file);
}

/**
 * `decode()`'s data set, kept decoded in `cacheDir` under `key` (see {@link decodedDatasetKey}) so that the
 * next process reads bytes instead of decoding again. Only data sets of pixels (Uint8Array images and labels)
 * are kept. The cache is best effort: a missing, stale, truncated or unreadable file is decoded again, and a
 * folder that cannot be written (a read-only install) only costs the decoding.
 */
export function loadDecodedDataset(cacheDir: string, key: string, decode: () => Dataset): Dataset {
  const file = join(cacheDir, `${key}.bin`);
  const cached = readDecoded(file, key);
  if (cached) return cached;
  const d = decode();
  const pixels = (s: DatasetSplit) => s.images instanceof Uint8Array && s.labels instanceof Uint8Array;
  if (pixels(d.train) && pixels(d.test)) {
    try {
      mkdirSync(cacheDir, { recursive: true });
      writeDecoded(file, key, d);
    } catch {
      // Best effort (see above).
    }
  }
  return d;
}
