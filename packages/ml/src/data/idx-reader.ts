import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '../errors.ts';

/** IDX element types (the third magic byte), as in LeCun's MNIST page. */
const IDX_TYPES = {
  8: { name: 'ubyte', bytes: 1 },
  9: { name: 'byte', bytes: 1 },
  11: { name: 'short', bytes: 2 },
  12: { name: 'int', bytes: 4 },
  13: { name: 'float', bytes: 4 },
  14: { name: 'double', bytes: 8 },
} as const;

export interface IdxArray {
  /** Dimensions, outermost first, e.g. [60000, 28, 28]. */
  dims: number[];
  type: (typeof IDX_TYPES)[keyof typeof IDX_TYPES]['name'];
  /** Values in row-major order; integer types other than ubyte and all float types come back as Float64Array. */
  data: Uint8Array | Float64Array;
}

/**
 * Reads an IDX file (optionally gzipped: `.gz` or the gzip magic). Errors are DatasetErrors naming the file and
 * what is wrong with it (missing, bad magic, size that disagrees with the header).
 */
export function readIdxFile(file: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetError('DATASET_FILE', `cannot read IDX file ${file}: ${code ?? (e as Error).message}`, {
      cause: e,
    });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DatasetError('DATASET_FORMAT', `IDX file ${file} looks gzipped but does not decompress`, { cause: e });
    }
  }
  return parseIdx(bytes, file);
}

/** Parses IDX bytes; `file` only names the source in error messages. */
export function parseIdx(bytes: Uint8Array, file = '<buffer>'): IdxArray {
  const fail = (problem: string) => new DatasetError('DATASET_FORMAT', `IDX file ${file}: ${problem}`);
  if (bytes.length < 4) throw fail(`only ${bytes.length} bytes, shorter than the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw fail(`bad magic number (first two bytes must be 0, got ${bytes[0]} ${bytes[1]})`);
  }
  const typeCode = bytes[2] as number;
  const type = IDX_TYPES[typeCode as keyof typeof IDX_TYPES];
  if (!type) throw fail(`unknown element type 0x${typeCode.toString(16).padStart(2, '0')}`);
  const rank = bytes[3] as number;
  if (rank === 0) throw fail('zero dimensions');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw fail(`truncated header: ${rank} dimensions need ${headerBytes} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    throw fail(
      `header says ${dims.join('×')} ${type.name} values (${expected} bytes in all) but the file has ${bytes.length} bytes`,
    );
  }
  if (type.name === 'ubyte') {
    return { dims, type: type.name, data: bytes.subarray(headerBytes, expected) };
  }
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = headerBytes + i * type.bytes;
    switch (type.name) {
      case 'byte':
        data[i] = view.getInt8(at);
        break;
      case 'short':
        data[i] = view.getInt16(at, false);
        break;
      case 'int':
        data[i] = view.getInt32(at, false);
        break;
      case 'float':
        data[i] = view.getFloat32(at, false);
        break;
      case 'double':
        data[i] = view.getFloat64(at, false);
        break;
    }
  }
  return { dims, type: type.name, data };
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
