import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

interface KernelBackend {
  disposeData(dataId: object): boolean;
}

/** The parts of tfjs-backend-wasm's BackendWasm that kernels use to read and write the wasm heap. */
interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

/** Runs another kernel of the same backend on TensorInfos (no engine bookkeeping, no tape). */
function run(name: string, backend: KernelBackend, inputs: Record<string, TensorInfo>, attrs: object): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm kernel '${name}' is not registered`);
  return kernel.kernelFunc({ inputs, backend, attrs } as unknown as Parameters<
    typeof kernel.kernelFunc
  >[0]) as TensorInfo;
}

/**
 * The filter gradient of a 2-D convolution (NHWC, dilation 1), which tfjs-backend-wasm 4.22 lacks, expressed
 * with the backend's own forward Conv2D (it matched the cpu backend's gradients to float32 rounding):
 *   dW[i,j,c,o] = Σ_{b,y,x} X[b, y·s + i − pT, x·s + j − pL, c] · dY[b, y, x, o]
 * is a convolution whose "batch" is the input channel c, whose "channels" are the batch b, whose filter is dY
 * (spatial size = the output's) dilated by the forward stride s, and whose output is the kernel window.
 */
function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: KernelBackend;
  attrs: {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat === 'NCHW') throw new Error("wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only");
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [kh, kw] = [info.filterHeight, info.filterWidth];
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const { top, left } = info.padInfo;
  const [, h, w] = x.shape as number[];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  // Bottom/right padding that makes the output exactly kh × kw; negative means rows/columns never read.
  const bottom = kh + (oh - 1) * sh - (h as number) - top;
  const right = kw + (ow - 1) * sw - (w as number) - left;

  const temps: TensorInfo[] = [];
  let input = x;
  if (bottom < 0 || right < 0) {
    input = run(
      'Slice',
      backend,
      { x },
      {
        begin: [0, 0, 0, 0],
        size: [-1, (h as number) + Math.min(0, bottom), (w as number) + Math.min(0, right), -1],
      },
    );
    temps.push(input);
  }
  const xT = run('Transpose', backend, { x: input }, { perm: [3, 1, 2, 0] }); // [c, h, w, b]
  const dyT = run('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, b, o]
  temps.push(xT, dyT);
  const padding: ExplicitPadding = [
    [0, 0],
    [top, Math.max(0, bottom)],
    [left, Math.max(0, right)],
    [0, 0],
  ];
  const dw = run(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: padding,
      dataFormat: 'NHWC',
    },
  ); // [c, kh, kw, o]
  temps.push(dw);
  const out = run('Transpose', backend, { x: dw }, { perm: [1, 2, 0, 3] }); // [kh, kw, c, o]
  for (const t of temps) backend.disposeData(t.dataId);
  return out;
}

/**
 * Input gradient of a stride-1 2-D convolution as a forward Conv2D of dY with the spatially flipped filter
 * (in/out channels swapped) — "full" correlation: pad kh−1−pT on top and whatever makes the output H rows at
 * the bottom (likewise for columns). Measured when it was added, this roughly doubled a CNN training step's speed
 * over the wasm kernel.
 * Other strides go to the backend's own kernel.
 */
function conv2DBackpropInputStride1(original: tf.KernelFunc): (args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: KernelBackend;
  attrs: {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
}) => TensorInfo {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const info =
      dataFormat === 'NHWC'
        ? tf.backend_util.computeConv2DInfo(
            inputShape,
            filter.shape as [number, number, number, number],
            strides,
            1,
            pad,
            dimRoundingMode,
          )
        : null;
    if (info?.strideHeight !== 1 || info.strideWidth !== 1) {
      return original(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    }
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const [, h, w] = inputShape;
    const [, oh, ow] = dy.shape as [number, number, number, number];
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = h - oh - top + kh - 1;
    const right = w - ow - left + kw - 1;
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      return original(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    }
    const flipped = run('Reverse', backend, { x: filter }, { dims: [0, 1] });
    const swapped = run('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] }); // [kh, kw, out, in]
    const dx = run(
      'Conv2D',
      backend,
      { x: dy, filter: swapped },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ] as ExplicitPadding,
        dataFormat: 'NHWC',
      },
    );
    backend.disposeData(flipped.dataId);
    backend.disposeData(swapped.dataId);
    return dx;
  };
}

/**
 * Matrix products with a transposed operand: the wasm kernel's transposeA/transposeB paths measured ~10× slower
 * here than an explicit Transpose followed by a plain product (17.6 ms vs 1.4 ms for 784×64 · 64×256), and
 * every dense layer's backward pass uses them.
 */
function batchMatMulExplicitTranspose(original: tf.KernelFunc) {
  return (args: {
    inputs: { a: TensorInfo; b: TensorInfo };
    backend: KernelBackend;
    attrs: { transposeA: boolean; transposeB: boolean };
  }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    if (!attrs.transposeA && !attrs.transposeB)
      return original(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    const temps: TensorInfo[] = [];
    const swapLast = (t: TensorInfo) => {
      const rank = t.shape.length;
      const perm = [...Array(rank).keys()];
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1] as number, perm[rank - 2] as number];
      const out = run('Transpose', backend, { x: t }, { perm });
      temps.push(out);
      return out;
    };
    const a = attrs.transposeA ? swapLast(inputs.a) : inputs.a;
    const b = attrs.transposeB ? swapLast(inputs.b) : inputs.b;
    const out = original({
      inputs: { a, b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    } as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
}

/**
 * Max-pool gradient as a plain loop over the wasm heap: the wasm kernel measured 28 ms for a 64×28×28×16 input
 * here, this loop a few. Each output's gradient goes to the first maximum of its window (row-major order), as
 * the cpu backend does. Dilated pools go to the backend's own kernel.
 */
function maxPoolGradLoop(original: tf.KernelFunc) {
  return (args: {
    inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
    backend: WasmHeapBackend;
    attrs: {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: 'valid' | 'same' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
  }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { dy, input } = inputs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1 || input.dtype !== 'float32') {
      return original(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    }
    const dxInfo = backend.makeOutput(input.shape as number[], 'float32');
    // Views after makeOutput: allocating may grow (and so detach) the wasm memory.
    const x = backend.typedArrayFromHeap(input);
    const g = backend.typedArrayFromHeap(dy);
    const dx = backend.typedArrayFromHeap(dxInfo);
    dx.fill(0);
    const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
    const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
    const { top, left } = info.padInfo;
    const best = new Float32Array(channels);
    const where = new Int32Array(channels);
    for (let b = 0; b < batchSize; b++) {
      for (let oy = 0; oy < outHeight; oy++) {
        const y0 = oy * strideHeight - top;
        for (let ox = 0; ox < outWidth; ox++) {
          const x0 = ox * strideWidth - left;
          best.fill(Number.NEGATIVE_INFINITY);
          where.fill(-1);
          for (let fy = 0; fy < filterHeight; fy++) {
            const iy = y0 + fy;
            if (iy < 0 || iy >= inHeight) continue;
            for (let fx = 0; fx < filterWidth; fx++) {
              const ix = x0 + fx;
              if (ix < 0 || ix >= inWidth) continue;
              const base = ((b * inHeight + iy) * inWidth + ix) * channels;
              for (let c = 0; c < channels; c++) {
                const v = x[base + c] as number;
                if (v > (best[c] as number) || where[c] === -1) {
                  best[c] = v;
                  where[c] = base + c;
                }
              }
            }
          }
          const out = ((b * outHeight + oy) * outWidth + ox) * channels;
          for (let c = 0; c < channels; c++) {
            const at = where[c] as number;
            if (at >= 0) dx[at] = (dx[at] as number) + (g[out + c] as number);
          }
        }
      }
    }
    return dxInfo;
  };
}

/** Replaces a registered wasm kernel by `wrap(original)`, keeping its setup function. */
function override(name: string, wrap: (original: tf.KernelFunc) => unknown): void {
  const original = tf.getKernel(name, 'wasm');
  if (!original) throw new Error(`wasm kernel '${name}' is not registered`);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: wrap(original.kernelFunc) as tf.KernelFunc,
  });
}

let registered = false;

/**
 * Registers the kernel the wasm backend lacks for training CNNs (Conv2DBackpropFilter) and replaces three slow
 * ones (stride-1 Conv2DBackpropInput, transposed BatchMatMul, MaxPoolGrad). Idempotent; call after the backend
 * is ready.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
    });
  }
  override('Conv2DBackpropInput', conv2DBackpropInputStride1);
  override('BatchMatMul', batchMatMulExplicitTranspose);
  override('MaxPoolGrad', maxPoolGradLoop);
}
