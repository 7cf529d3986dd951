import type * as tf from '@tensorflow/tfjs';
import type { F32Buffer, Kernels } from './kernels.ts';

/**
 * The image layers of a CNN student as the fused step runs them (NHWC, per example h × w × c):
 * - conv2d: stride 1, dilation 1, 'same' padding (tfjs puts the odd pixel of an even kernel's padding at the
 *   bottom / right), bias, no activation; `kernel` and `bias` are offsets (in float32 values) in the flat
 *   parameter buffer, as the dense op's are;
 * - max-pool: 2×2, stride 2, 'valid' (odd rows and columns dropped); h, w, c are its input's.
 * Flatten needs no op: NHWC rows are already the flat features the next dense layer reads.
 */
export type ImageOp =
  | {
      kind: 'conv2d';
      h: number;
      w: number;
      cin: number;
      cout: number;
      kh: number;
      kw: number;
      top: number;
      left: number;
      kernel: number;
      bias: number;
    }
  | { kind: 'max-pool'; h: number; w: number; c: number };

/** The per-example output size of an image op, in values. */
export function imageOpOutputSize(op: ImageOp): number {
  return op.kind === 'conv2d' ? op.h * op.w * op.cout : (op.h >> 1) * (op.w >> 1) * op.c;
}

/** How a model's layer maps to an image op, or why it does not (the layer's input shape is h × w × c). */
export function planImageLayer(
  layer: tf.layers.Layer,
  shape: [number, number, number],
  offsetOf: (w: tf.LayerVariable) => number,
): { op: ImageOp; shape: [number, number, number] } | { unsupported: string } {
  const [h, w, c] = shape;
  const className = layer.getClassName();
  const config = layer.getConfig() as Record<string, unknown>;
  const pair = (v: unknown) => (Array.isArray(v) ? (v as number[]) : [v as number, v as number]);
  if (className === 'Conv2D') {
    const [kh, kw] = pair(config.kernelSize) as [number, number];
    const strides = pair(config.strides);
    const dilations = pair(config.dilationRate ?? 1);
    if (
      config.padding !== 'same' ||
      strides.some((s) => s !== 1) ||
      dilations.some((d) => d !== 1) ||
      config.dataFormat !== 'channelsLast' ||
      config.activation !== 'linear' ||
      config.useBias !== true
    ) {
      return {
        unsupported: `conv layer ${layer.name}: padding ${config.padding}, strides ${strides}, dilation ${dilations}, ${config.dataFormat}, activation ${config.activation}, bias ${config.useBias}`,
      };
    }
    const kernel = layer.weights.find((v) => v.originalName.endsWith('/kernel'));
    const bias = layer.weights.find((v) => v.originalName.endsWith('/bias'));
    if (!kernel || !bias || kernel.shape[2] !== c) return { unsupported: `conv layer ${layer.name}: weights` };
    const cout = kernel.shape[3] as number;
    return {
      op: {
        kind: 'conv2d',
        h,
        w,
        cin: c,
        cout,
        kh,
        kw,
        top: Math.floor((kh - 1) / 2),
        left: Math.floor((kw - 1) / 2),
        kernel: offsetOf(kernel),
        bias: offsetOf(bias),
      },
      shape: [h, w, cout],
    };
  }
  if (className === 'MaxPooling2D') {
    const pool = pair(config.poolSize);
    const strides = pair(config.strides ?? config.poolSize);
    if (
      pool.some((p) => p !== 2) ||
      strides.some((s) => s !== 2) ||
      config.padding !== 'valid' ||
      config.dataFormat !== 'channelsLast' ||
      h < 2 ||
      w < 2
    ) {
      return { unsupported: `pool layer ${layer.name}: size ${pool}, strides ${strides}, padding ${config.padding}` };
    }
    return { op: { kind: 'max-pool', h, w, c }, shape: [h >> 1, w >> 1, c] };
  }
  return { unsupported: `layer ${layer.name} (${className})` };
}

/**
 * The buffers image ops keep between forward and backward, for batches of up to `maxRows` examples: each
 * convolution's zero-padded input (its filter gradient reads it), each pool's window winners, and scratch for
 * the padded output gradient and the rotated filter that the input gradients share.
 */
export class ImageOpBuffers {
  private readonly padded = new Map<ImageOp, F32Buffer>();
  private readonly winners = new Map<ImageOp, F32Buffer>();
  private readonly paddedGrad: F32Buffer;
  private readonly flipped: F32Buffer;

  constructor(
    private readonly k: Kernels,
    ops: readonly ImageOp[],
    maxRows: number,
  ) {
    let gradSize = 1;
    let filterSize = 1;
    for (const op of ops) {
      if (op.kind === 'conv2d') {
        const area = (op.h + op.kh - 1) * (op.w + op.kw - 1);
        this.padded.set(op, k.allocF32(maxRows * area * op.cin));
        gradSize = Math.max(gradSize, maxRows * area * op.cout);
        filterSize = Math.max(filterSize, op.kh * op.kw * op.cin * op.cout);
      } else {
        this.winners.set(op, k.allocF32(maxRows * imageOpOutputSize(op)));
      }
    }
    this.paddedGrad = k.allocF32(gradSize);
    this.flipped = k.allocF32(filterSize);
  }

  /** y = op(x) for `rows` examples; `params` is the flat parameter buffer's address. */
  forward(op: ImageOp, x: number, y: number, rows: number, params: number): void {
    const k = this.k.exports;
    if (op.kind === 'conv2d') {
      const xp = (this.padded.get(op) as F32Buffer).ptr;
      k.conv2dPad(x, xp, rows, op.h, op.w, op.cin, op.kh, op.kw, op.top, op.left);
      k.conv2dForward(
        xp,
        params + op.kernel * 4,
        params + op.bias * 4,
        y,
        rows,
        op.h,
        op.w,
        op.cin,
        op.cout,
        op.kh,
        op.kw,
      );
    } else {
      k.maxPool2x2(x, y, (this.winners.get(op) as F32Buffer).ptr, rows, op.h, op.w, op.c);
    }
  }

  /**
   * From dy, the op's parameter gradients into `grads` (a flat buffer's address, overwritten) and, when dx is
   * not 0, the gradient of its input into dx.
   */
  backward(op: ImageOp, dy: number, dx: number, rows: number, params: number, grads: number): void {
    const k = this.k.exports;
    if (op.kind === 'max-pool') {
      if (dx !== 0) k.maxPool2x2Grad(dy, (this.winners.get(op) as F32Buffer).ptr, dx, rows, op.h, op.w, op.c);
      return;
    }
    const xp = (this.padded.get(op) as F32Buffer).ptr;
    const { h, w, cin, cout, kh, kw } = op;
    k.conv2dFilterGrad(xp, dy, grads + op.kernel * 4, grads + op.bias * 4, rows, h, w, cin, cout, kh, kw);
    if (dx === 0) return;
    k.conv2dPad(dy, this.paddedGrad.ptr, rows, h, w, cout, kh, kw, kh - 1 - op.top, kw - 1 - op.left);
    k.conv2dFlipFilter(params + op.kernel * 4, this.flipped.ptr, kh, kw, cin, cout);
    k.conv2dForward(this.paddedGrad.ptr, this.flipped.ptr, 0, dx, rows, h, w, cout, cin, kh, kw);
  }

  dispose(): void {
    for (const b of [...this.padded.values(), ...this.winners.values(), this.paddedGrad, this.flipped]) b.free();
  }
}
