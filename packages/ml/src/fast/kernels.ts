import { readFileSync } from 'node:fs';

/**
 * The SIMD kernels of packages/ml/assembly (compiled to kernels.wasm next to this file by
 * `npm run build:kernels`), instantiated once per process. Buffers live in the module's own linear memory:
 * `alloc` returns a byte address, kernels take addresses and sizes. Allocating may grow the memory, which
 * detaches every earlier typed-array view, so views are taken through `f32` after the allocations they follow
 * (`F32Buffer.view()` does that).
 */
/** The parts of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface KernelExports {
  readonly memory: WasmMemory;
  /** A 16-byte aligned block of `bytes` bytes (not zeroed). */
  alloc(bytes: number): number;
  free(ptr: number): void;
  /** C[m×n] (+)= A·B with A(r, c) = a[r·ars + c·acs]; B [k×n] and C [m×n] row-major. Addresses in bytes. */
  gemm(a: number, ars: number, acs: number, b: number, c: number, m: number, k: number, n: number, acc: number): void;
  /** C[m×n] (+)= A·Bᵀ with Bᵀ [n×k] row-major, A as gemm reads it: gemm over the transpose, the same bits. */
  gemmBt(
    a: number,
    ars: number,
    acs: number,
    bt: number,
    c: number,
    m: number,
    k: number,
    n: number,
    acc: number,
  ): void;
  /** y[r, j] += b[j] (dense.ts). */
  addBias(y: number, b: number, rows: number, n: number): void;
  /** out[j] = Σ_r x[r, j]. */
  columnSums(x: number, rows: number, n: number, out: number): void;
  relu(x: number, y: number, n: number): void;
  /** QAT's fake quantization of n values in place (quantize.ts): the values of packages/ml's fakeQuantize. */
  fakeQuantize(values: number, n: number, bits: number, bucket: number): void;
  /** dst[i] = f32(f64(src[i]) · scale) for n bytes (batch.ts): pixels to features as the batch code computes them. */
  pixelsToF32(src: number, dst: number, n: number, scale: number): void;
  reluGrad(dy: number, x: number, dx: number, n: number): void;
  /** Optimizer updates in place (optimizer.ts), exactly as packages/ml/src/train/optimizer.ts computes them. */
  sgdStep(w: number, g: number, n: number, lr: number, decay: number): void;
  momentumStep(w: number, g: number, buf: number, n: number, lr: number, decay: number, momentum: number): void;
  adamStep(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    decay: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    c1: number,
    c2: number,
  ): void;
  /** xp [n, h+kh−1, w+kw−1, c] = x [n, h, w, c] placed at (top, left) in zeros (conv2d.ts). */
  conv2dPad(
    x: number,
    xp: number,
    n: number,
    h: number,
    w: number,
    c: number,
    kh: number,
    kw: number,
    top: number,
    left: number,
  ): void;
  /** y [n, h, w, cout] = xp ⋆ filter [kh, kw, cin, cout] + bias (bias 0: none), stride 1. */
  conv2dForward(
    xp: number,
    filter: number,
    bias: number,
    y: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    cout: number,
    kh: number,
    kw: number,
  ): void;
  /** flipped [kh, kw, cout, cin] = filter [kh, kw, cin, cout] rotated 180° (for the input gradient). */
  conv2dFlipFilter(filter: number, flipped: number, kh: number, kw: number, cin: number, cout: number): void;
  /** dFilter [kh, kw, cin, cout] = Σ xp-windows · dy, dBias [cout] = Σ dy (dBias 0: not wanted). */
  conv2dFilterGrad(
    xp: number,
    dy: number,
    dFilter: number,
    dBias: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    cout: number,
    kh: number,
    kw: number,
  ): void;
  /** sums [channels] = column sums of x [rows, channels]. */
  channelSums(x: number, sums: number, rows: number, channels: number): void;
  /** 2×2 stride-2 'valid' max-pool of x [n, h, w, c] into y, with each window's winner (0–3, i32) in which. */
  maxPool2x2(x: number, y: number, which: number, n: number, h: number, w: number, c: number): void;
  /** dx [n, h, w, c]: dy routed to the winners `maxPool2x2` recorded, zero elsewhere. */
  maxPool2x2Grad(dy: number, which: number, dx: number, n: number, h: number, w: number, c: number): void;
  /** y = x for x > 0, α·x otherwise, over x [rows, units], alpha [size] (1 or units) (prelu.ts). */
  preluForward(x: number, y: number, rows: number, units: number, alpha: number, size: number): void;
  /** Its gradient: dx, and dAlpha [size] = Σ dy·x over x < 0 (scratch `sums`: max(units, 4) f64). */
  preluGrad(
    dy: number,
    x: number,
    dx: number,
    rows: number,
    units: number,
    alpha: number,
    size: number,
    dAlpha: number,
    sums: number,
  ): void;
  /** y = x·σ(β·x) over x [rows, units], beta [size] (1 or units) (swish.ts). */
  swishForward(x: number, y: number, rows: number, units: number, beta: number, size: number): void;
  /** Its gradient: dx, and dBeta [size] summed in double precision (scratch `sums`: max(units, 4) f64). */
  swishGrad(
    dy: number,
    x: number,
    dx: number,
    rows: number,
    units: number,
    beta: number,
    size: number,
    dBeta: number,
    sums: number,
  ): void;
  /**
   * y = max(0, x) + Σ_s a_s·max(0, b_s − x) over x [rows, units], alpha and offset [hinges, units] (aplu.ts:
   * the layer's JavaScript kernel's arithmetic, in double, the same bits).
   */
  apluForward(x: number, y: number, rows: number, units: number, alpha: number, offset: number, hinges: number): void;
  /** Its gradient: dx, and dAlpha, dOffset [hinges, units] summed in double (scratch `sums`: 2·hinges·units f64). */
  apluGrad(
    dy: number,
    x: number,
    dx: number,
    rows: number,
    units: number,
    alpha: number,
    offset: number,
    hinges: number,
    dAlpha: number,
    dOffset: number,
    sums: number,
  ): void;
  /** LMA's batch μ and σ of x [n] into out [2] (lma.ts: the reference kernels' loops, compiled). */
  lmaMoments(x: number, n: number, out: number): void;
  /** y = α_j·x + β_j with segment j = clamp(floor(x·a + b), 0, k − 1). */
  lmaForward(x: number, y: number, n: number, alpha: number, beta: number, k: number, a: number, b: number): void;
  /** dx = α_j·dy and the per-segment sums dAlpha = Σ dy·x, dBeta = Σ dy (scratch `sums`: 2·k f64). */
  lmaGrad(
    dy: number,
    x: number,
    dx: number,
    n: number,
    alpha: number,
    k: number,
    a: number,
    b: number,
    dAlpha: number,
    dBeta: number,
    sums: number,
  ): void;
  /** BatchNorm's training forward over x [rows, c] with batch statistics (batch-norm.ts); scratch 8·c floats. */
  batchNormTrain(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    variance: number,
    scratch: number,
    rows: number,
    c: number,
    epsilon: number,
  ): void;
  /** Its gradient: dx [rows, c], dGamma, dBeta [c]; scratch 8·c floats. */
  batchNormTrainGrad(
    dy: number,
    x: number,
    gamma: number,
    mean: number,
    variance: number,
    dx: number,
    dGamma: number,
    dBeta: number,
    scratch: number,
    rows: number,
    c: number,
    epsilon: number,
  ): void;
}

/** A float32 array in kernel memory: `ptr` is its byte address, `length` its number of values. */
export class F32Buffer {
  constructor(
    private readonly kernels: Kernels,
    readonly ptr: number,
    readonly length: number,
  ) {}

  /** A view of the values, valid until the next allocation. */
  view(): Float32Array {
    return this.kernels.f32(this.ptr, this.length);
  }

  free(): void {
    this.kernels.exports.free(this.ptr);
  }
}

export class Kernels {
  private buffer: ArrayBuffer;
  private heap: Float32Array;

  constructor(readonly exports: KernelExports) {
    this.buffer = exports.memory.buffer;
    this.heap = new Float32Array(this.buffer);
  }

  /** A float32 view of `length` values at byte address `ptr` (valid until the memory grows). */
  f32(ptr: number, length: number): Float32Array {
    if (this.buffer !== this.exports.memory.buffer) {
      this.buffer = this.exports.memory.buffer;
      this.heap = new Float32Array(this.buffer);
    }
    return this.heap.subarray(ptr >>> 2, (ptr >>> 2) + length);
  }

  /** A byte view of `length` bytes at `ptr` (valid until the memory grows). */
  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, ptr, length);
  }

  /** `length` float32 values, zeroed. */
  allocF32(length: number): F32Buffer {
    const ptr = this.exports.alloc(Math.max(1, length) * 4);
    const buffer = new F32Buffer(this, ptr, length);
    buffer.view().fill(0);
    return buffer;
  }
}

let loaded: Kernels | null = null;

/** The process's kernel module (compiled and instantiated on first use). */
export function kernels(): Kernels {
  if (!loaded) {
    const bytes = readFileSync(new URL('./kernels.wasm', import.meta.url));
    const module = new wasm.Module(bytes);
    const instance = new wasm.Instance(module, {
      env: {
        abort: (_message: number, _file: number, line: number, column: number) => {
          throw new Error(`kernels.wasm aborted at ${line}:${column}`);
        },
      },
    });
    loaded = new Kernels(instance.exports as unknown as KernelExports);
  }
  return loaded;
}
