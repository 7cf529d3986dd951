import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

interface KernelBackend {
  disposeData(dataId: object): boolean;
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
 * with the backend's own forward Conv2D (ENVIRONMENT.md):
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

let registered = false;

/** Registers the kernels the wasm backend lacks for training CNNs. Idempotent. */
export function registerWasmKernels(): void {
  if (registered || tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    registered = true;
    return;
  }
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
  });
  registered = true;
}
