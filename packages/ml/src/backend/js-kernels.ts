import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;

/** The parts of tfjs-backend-wasm's BackendWasm that a kernel uses to read and write the wasm heap. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

/** The parts of tfjs-core's MathBackendCPU that a kernel uses. */
interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
}

/**
 * A kernel written as one JavaScript loop over float32 arrays, registered for the wasm backend (computing in
 * place on the wasm heap) and the cpu backend. Used where a fused pass replaces many generic kernels (LMA, the
 * BatchNorm training step, the KD loss): each generic kernel costs a pass over memory plus its dispatch, and
 * the gradients of those compositions (tile, gather, one-hot products) were the slowest kernels of a step.
 */
export interface JsKernel<A extends object> {
  name: string;
  /** Input names in the order `compute` receives them (all float32). */
  inputs: string[];
  /** Output shapes (float32) from the input shapes. */
  outputShapes(shapes: number[][], attrs: A): number[][];
  compute(inputs: Float32Array[], outputs: Float32Array[], shapes: number[][], attrs: A): void;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function inputsOf(spec: JsKernel<object>, inputs: Record<string, TensorInfo | undefined>): TensorInfo[] {
  return spec.inputs.map((name) => {
    const t = inputs[name];
    if (!t) throw new Error(`${spec.name}: missing input '${name}'`);
    if (t.dtype !== 'float32') throw new Error(`${spec.name}: input '${name}' is ${t.dtype}, not float32`);
    return t;
  });
}

/**
 * Registers `spec` for wasm and cpu (once; a second registration is ignored) and returns it: the fast training
 * paths call its `compute` directly on their own buffers, so both paths run one implementation.
 */
export function registerJsKernel<A extends object>(spec: JsKernel<A>): JsKernel<A> {
  const s = spec as unknown as JsKernel<object>;
  if (!tf.getKernel(spec.name, 'wasm')) {
    tf.registerKernel({
      kernelName: spec.name,
      backendName: 'wasm',
      kernelFunc: (({
        inputs,
        backend,
        attrs,
      }: {
        inputs: Record<string, TensorInfo>;
        backend: WasmBackend;
        attrs: A;
      }) => {
        const ins = inputsOf(s, inputs);
        const shapes = ins.map((t) => t.shape as number[]);
        const outs = s.outputShapes(shapes, attrs).map((shape) => backend.makeOutput(shape, 'float32'));
        // Views only after every allocation: growing the wasm memory detaches earlier views.
        s.compute(
          ins.map((t) => backend.typedArrayFromHeap(t)),
          outs.map((t) => backend.typedArrayFromHeap(t)),
          shapes,
          attrs,
        );
        return outs.length === 1 ? outs[0] : outs;
      }) as unknown as tf.KernelFunc,
    });
  }
  if (!tf.getKernel(spec.name, 'cpu')) {
    tf.registerKernel({
      kernelName: spec.name,
      backendName: 'cpu',
      kernelFunc: (({
        inputs,
        backend,
        attrs,
      }: {
        inputs: Record<string, TensorInfo>;
        backend: CpuBackend;
        attrs: A;
      }) => {
        const ins = inputsOf(s, inputs);
        const shapes = ins.map((t) => t.shape as number[]);
        const outShapes = s.outputShapes(shapes, attrs);
        const outs = outShapes.map((shape) => new Float32Array(size(shape)));
        s.compute(
          ins.map((t) => backend.data.get(t.dataId).values as Float32Array),
          outs,
          shapes,
          attrs,
        );
        const infos = outs.map((v, i) => backend.makeTensorInfo(outShapes[i] as number[], 'float32', v));
        return infos.length === 1 ? infos[0] : infos;
      }) as unknown as tf.KernelFunc,
    });
  }
  return spec;
}

/** Whether the current backend has the JS kernel `name` (else callers compose generic tfjs ops). */
export function hasJsKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Runs a registered kernel outside any gradient bookkeeping of its own (callers wrap it in tf.customGrad). */
export function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}
