import { constants, gunzipSync } from 'node:zlib';
import { DatasetError } from '../errors.ts';
import { type DataFileOptions, openDataFile } from './data-file.ts';

/** IDX element types (the third magic byte), as in LeCun's MNIST page. */
const IDX_TYPES = {
  8: { name: 'ubyte', bytes: 1 },
  9: { name: 'byte', bytes: 1 },
  11: { name: 'short', bytes: 2 },
  12: { name: 'int', bytes: 4 },
  13: { name: 'float', bytes: 4 },
  14: { name: 'double', bytes: 8 },
} as const;

/**
 * The largest IDX file accepted (header and values, after decompression): 1 GiB, over 20 times MNIST's
 * training images. A header announcing more is refused before anything is read or decompressed.
 */
export const IDX_MAX_BYTES = 2 ** 30;
/** Enough compressed bytes to hold any gzip member header and the IDX header behind it. */
const GZIP_PREFIX_BYTES = 4096;

export interface IdxHeader {
  /** Dimensions, outermost first, e.g. [60000, 28, 28]. */
  dims: number[];
  type: (typeof IDX_TYPES)[keyof typeof IDX_TYPES]['name'];
  /** Header and values: the exact size the file (decompressed) must have. */
  totalBytes: number;
  headerBytes: number;
}

export interface IdxArray {
  /** Dimensions, outermost first, e.g. [60000, 28, 28]. */
  dims: number[];
  type: IdxHeader['type'];
  /** Values in row-major order; integer types other than ubyte and all float types come back as Float64Array. */
  data: Uint8Array | Float64Array;
}

export interface ReadIdxOptions extends DataFileOptions {
  /** Largest file accepted, after decompression, in bytes. @defaultValue IDX_MAX_BYTES */
  maxBytes?: number;
  /** Refuses a header (throws) before the values are read or decompressed. @defaultValue accept any */
  checkHeader?: (header: IdxHeader) => void;
}

/**
 * Reads an IDX file (optionally gzipped: the gzip magic) inside the data roots. The header is read first and
 * checked (`checkHeader`, `maxBytes`); a gzipped file is then decompressed with its output capped at the size
 * its header announces, so a small file that inflates without end is refused after that many bytes. Errors
 * are DatasetErrors naming the file (escaped) and the rule it breaks, never its bytes or its length.
 */
export function readIdxFile(file: string, options: ReadIdxOptions): IdxArray {
  const maxBytes = options.maxBytes ?? IDX_MAX_BYTES;
  const data = openDataFile(file, options);
  const fail = (problem: string) => new DatasetError('DATASET_FORMAT', `IDX file ${data.display}: ${problem}`);
  try {
    const prefix = data.read(0, Math.min(data.size, GZIP_PREFIX_BYTES));
    const gzipped = prefix.length >= 2 && prefix[0] === 0x1f && prefix[1] === 0x8b;
    const headBytes = gzipped ? inflatePrefix(prefix, fail) : prefix;
    const header = parseIdxHeader(headBytes, fail, gzipped && data.size > prefix.length);
    options.checkHeader?.(header);
    if (header.totalBytes > maxBytes) throw fail(`its header announces more than the ${maxBytes}-byte limit`);
    if (!gzipped) {
      if (data.size !== header.totalBytes) throw fail('its size disagrees with its header (truncated or padded)');
      return parseIdx(data.read(0, data.size), data.display);
    }
    if (data.size > maxBytes) throw fail(`compressed, it is larger than the ${maxBytes}-byte limit`);
    let bytes: Uint8Array;
    try {
      bytes = gunzipSync(data.read(0, data.size), { maxOutputLength: header.totalBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw fail('it decompresses to more than its header announces (refused)');
      }
      throw fail('it looks gzipped but does not decompress');
    }
    return parseIdx(bytes, data.display);
  } finally {
    data.close();
  }
}

/** The start of a gzip stream, decompressed as far as it goes (bounded: ≤ ~1,000 output bytes per input byte). */
function inflatePrefix(prefix: Uint8Array, fail: (problem: string) => DatasetError): Uint8Array {
  try {
    return gunzipSync(prefix, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    throw fail('it looks gzipped but does not decompress');
  }
}

function parseIdxHeader(bytes: Uint8Array, fail: (problem: string) => DatasetError, more = false): IdxHeader {
  if (bytes.length < 4) throw fail(more ? 'no IDX header in its first kilobytes' : 'shorter than an IDX header');
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw fail('not an IDX file (its magic number does not start with two 0 bytes)');
  const typeCode = bytes[2] as number;
  const type = IDX_TYPES[typeCode as keyof typeof IDX_TYPES];
  if (!type) throw fail('unknown IDX element type (the third byte must be 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)');
  const rank = bytes[3] as number;
  if (rank === 0) throw fail('its header declares zero dimensions');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw fail(more ? 'no IDX header in its first kilobytes' : 'truncated header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  return { dims, type: type.name, headerBytes, totalBytes: headerBytes + count * type.bytes };
}

/** Parses IDX bytes; `file` only names the source in error messages. */
export function parseIdx(bytes: Uint8Array, file = '<buffer>'): IdxArray {
  const fail = (problem: string) => new DatasetError('DATASET_FORMAT', `IDX file ${file}: ${problem}`);
  const { dims, type, headerBytes, totalBytes } = parseIdxHeader(bytes, fail);
  if (bytes.length !== totalBytes) throw fail('its size disagrees with its header (truncated or padded)');
  if (type === 'ubyte') return { dims, type, data: bytes.subarray(headerBytes, totalBytes) };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dims.reduce((a, b) => a * b, 1);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 'byte':
        data[i] = view.getInt8(headerBytes + i);
        break;
      case 'short':
        data[i] = view.getInt16(headerBytes + 2 * i, false);
        break;
      case 'int':
        data[i] = view.getInt32(headerBytes + 4 * i, false);
        break;
      case 'float':
        data[i] = view.getFloat32(headerBytes + 4 * i, false);
        break;
      case 'double':
        data[i] = view.getFloat64(headerBytes + 8 * i, false);
        break;
    }
  }
  return { dims, type, data };
}

/** Encodes an IDX ubyte file (used to write small test fixtures). */
export function encodeIdxUbyte(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  out.set(data, 4 + 4 * dims.length);
  return out;
}
