import { DatasetError } from '../errors.ts';
import { type DataFileOptions, openDataFile } from './data-file.ts';

/**
 * The largest `.npy` array accepted (header and values), in a file or inside an `.npz`: 1 GiB, like an IDX file.
 * A header announcing more is refused before the values are read.
 */
export const NPY_MAX_BYTES = 2 ** 30;
/** numpy writes headers of a few hundred bytes; anything this long is not an array header. */
const NPY_MAX_HEADER_BYTES = 65_536;
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The element types read (numpy's `descr` without its byte-order mark), by item size. */
export const NPY_ITEM_BYTES = {
  u1: 1,
  i1: 1,
  b1: 1,
  u2: 2,
  i2: 2,
  u4: 4,
  i4: 4,
  u8: 8,
  i8: 8,
  f4: 4,
  f8: 8,
} as const;
export type NpyType = keyof typeof NPY_ITEM_BYTES;

export interface NpyHeader {
  type: NpyType;
  /** Dimensions, outermost first (C order). */
  shape: number[];
  /** Bytes before the values. */
  headerBytes: number;
  /** Header and values: the exact size the array must have. */
  totalBytes: number;
}

export interface NpyArray {
  type: NpyType;
  shape: number[];
  /** Values in C order: `u1` as bytes, every other type as float64 (64-bit integers beyond 2^53 lose precision). */
  data: Uint8Array | Float64Array;
}

/**
 * The header of an `.npy` array (format versions 1–3, numpy's NEP 1): magic, version, header length, then a
 * Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }`. Little-endian
 * (or byte-sized) C-order arrays of the NPY_ITEM_BYTES only. `name` (escaped) names the array in errors.
 */
export function parseNpyHeader(bytes: Uint8Array, name: string): NpyHeader {
  const fail = (problem: string) => new DatasetError('DATASET_FORMAT', `.npy array ${name}: ${problem}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw fail('not an .npy array (no \\x93NUMPY magic)');
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at: number;
  let length: number;
  if (major === 1) [at, length] = [10, view.getUint16(8, true)];
  else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw fail('truncated header');
    [at, length] = [12, view.getUint32(8, true)];
  } else throw fail('unknown .npy format version (1, 2 or 3 are read)');
  if (length > NPY_MAX_HEADER_BYTES) throw fail(`its header is longer than ${NPY_MAX_HEADER_BYTES} bytes`);
  if (bytes.length < at + length) throw fail('truncated header');
  const text = new TextDecoder('latin1').decode(bytes.subarray(at, at + length));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(text);
  const order = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shapeText = /'shape'\s*:\s*\(([\d\s,]*)\)/.exec(text);
  if (!descr || !order || !shapeText) throw fail("its header is not numpy's {'descr', 'fortran_order', 'shape'} dict");
  const [, endian, code] = descr as unknown as [string, string, string];
  if (!(code in NPY_ITEM_BYTES)) {
    throw fail(`element type '${code.slice(0, 8)}' is not read (allowed: ${Object.keys(NPY_ITEM_BYTES).join(', ')})`);
  }
  const type = code as NpyType;
  const itemBytes = NPY_ITEM_BYTES[type];
  if (endian === '>' && itemBytes > 1) throw fail('big-endian arrays are not read (save it little-endian)');
  if (order[1] === 'True') throw fail('Fortran-order arrays are not read (save it in C order)');
  const shape = (shapeText[1] as string)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d))) throw fail('its shape is not a tuple of integers');
  const count = shape.reduce((a, b) => a * b, 1);
  return { type, shape, headerBytes: at + length, totalBytes: at + length + count * itemBytes };
}

/** An `.npy` array from its bytes (a whole file, or a member of an `.npz`). */
export function parseNpy(bytes: Uint8Array, name: string, maxBytes = NPY_MAX_BYTES): NpyArray {
  const header = parseNpyHeader(bytes, name);
  checkSize(header, bytes.length, name, maxBytes);
  return decodeValues(header, bytes);
}

export interface ReadNpyOptions extends DataFileOptions {
  /** Largest array accepted, in bytes. @defaultValue NPY_MAX_BYTES */
  maxBytes?: number;
}

/** Reads an `.npy` file inside the data roots: its header first (checked), then exactly the values it announces. */
export function readNpyFile(file: string, options: ReadNpyOptions): NpyArray {
  const maxBytes = options.maxBytes ?? NPY_MAX_BYTES;
  const data = openDataFile(file, options);
  try {
    const prefix = data.read(0, Math.min(data.size, 12 + NPY_MAX_HEADER_BYTES));
    const header = parseNpyHeader(prefix, data.display);
    checkSize(header, data.size, data.display, maxBytes);
    return decodeValues(header, data.read(0, data.size));
  } finally {
    data.close();
  }
}

function checkSize(header: NpyHeader, size: number, name: string, maxBytes: number): void {
  const fail = (problem: string) => new DatasetError('DATASET_FORMAT', `.npy array ${name}: ${problem}`);
  if (header.totalBytes > maxBytes) throw fail(`its header announces more than the ${maxBytes}-byte limit`);
  if (size !== header.totalBytes) throw fail('its size disagrees with its header (truncated or padded)');
}

function decodeValues(header: NpyHeader, bytes: Uint8Array): NpyArray {
  const { type, shape, headerBytes } = header;
  const count = shape.reduce((a, b) => a * b, 1);
  if (type === 'u1' || type === 'b1') {
    return { type, shape, data: Uint8Array.from(bytes.subarray(headerBytes, headerBytes + count)) };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + headerBytes, count * NPY_ITEM_BYTES[type]);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 'i1':
        data[i] = view.getInt8(i);
        break;
      case 'u2':
        data[i] = view.getUint16(2 * i, true);
        break;
      case 'i2':
        data[i] = view.getInt16(2 * i, true);
        break;
      case 'u4':
        data[i] = view.getUint32(4 * i, true);
        break;
      case 'i4':
        data[i] = view.getInt32(4 * i, true);
        break;
      case 'u8':
        data[i] = Number(view.getBigUint64(8 * i, true));
        break;
      case 'i8':
        data[i] = Number(view.getBigInt64(8 * i, true));
        break;
      case 'f4':
        data[i] = view.getFloat32(4 * i, true);
        break;
      case 'f8':
        data[i] = view.getFloat64(8 * i, true);
        break;
    }
  }
  return { type, shape, data };
}
