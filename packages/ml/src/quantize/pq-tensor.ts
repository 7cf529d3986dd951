import { type PqTensorLayout, pqAssignmentBytes, pqTensorBytes } from '@distillery/spec';
import { fromHalfBits } from './half.ts';
import { decodePq } from './pq-blocks.ts';

/** A product-quantized kernel as stored: its codebook (float16 bits) and one centroid index per block. */
export interface PqTensor {
  layout: PqTensorLayout;
  /** centroids × blockSize float16 bit patterns. */
  codebook: Uint16Array;
  /** One centroid index per block, in block order (see PqTensorLayout). */
  assignments: Uint32Array;
}

/** The kernel's values (row-major, as tfjs stores it) that a PQ tensor stands for. */
export function dequantizePq(t: PqTensor): Float32Array {
  return decodePq(Float32Array.from(t.codebook, fromHalfBits), t.assignments, t.layout);
}

/**
 * The packed form, exactly `pqTensorBytes(layout)` bytes: the assignments as one little-endian bit stream of
 * `bits` per block (least significant bit first, the last byte zero-padded), then the codebook as float16
 * little-endian, centroid by centroid.
 */
export function packPq(t: PqTensor): Uint8Array {
  const { layout } = t;
  const out = new Uint8Array(pqTensorBytes(layout));
  let bitPos = 0;
  for (let i = 0; i < layout.blocks; i++) {
    const code = t.assignments[i] as number;
    for (let b = 0; b < layout.bits; b++, bitPos++) {
      if ((code >>> b) & 1) out[bitPos >>> 3] = (out[bitPos >>> 3] as number) | (1 << (bitPos & 7));
    }
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const at = pqAssignmentBytes(layout);
  t.codebook.forEach((h, i) => {
    view.setUint16(at + 2 * i, h, true);
  });
  return out;
}

/** Inverse of packPq. */
export function unpackPq(bytes: Uint8Array, layout: PqTensorLayout): PqTensor {
  const expected = pqTensorBytes(layout);
  if (bytes.length !== expected) {
    throw new Error(
      `a PQ tensor of ${layout.blocks} blocks and ${layout.centroids} centroids of ${layout.blockSize} needs ${expected} bytes, got ${bytes.length}`,
    );
  }
  const assignments = new Uint32Array(layout.blocks);
  let bitPos = 0;
  for (let i = 0; i < layout.blocks; i++) {
    let code = 0;
    for (let b = 0; b < layout.bits; b++, bitPos++)
      code |= (((bytes[bitPos >>> 3] as number) >>> (bitPos & 7)) & 1) << b;
    if (code >= layout.centroids) throw new Error(`block ${i} names centroid ${code} of ${layout.centroids}`);
    assignments[i] = code;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = pqAssignmentBytes(layout);
  const codebook = Uint16Array.from({ length: layout.centroids * layout.blockSize }, (_, i) =>
    view.getUint16(at + 2 * i, true),
  );
  return { layout, codebook, assignments };
}
