import type { TeacherArtifact } from '@distillery/spec';
import type * as tf from '@tensorflow/tfjs';
import { RunConfigError } from '../errors.ts';

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * A tfjs IOHandler that hands `tf.loadLayersModel` a layers model read from its folder (`readTeacherArtifact`):
 * the topology, the manifest's weight specs and the weight files joined in manifest order, as tfjs's own file
 * handlers do. The manifest must account for exactly the weight bytes present. An output softmax is replaced by
 * a linear output (see `toLogitOutput`), so the model gives logits like Distillery's own.
 */
export function teacherArtifactHandler(artifact: TeacherArtifact, display: string): tf.io.IOHandler {
  const weightSpecs = artifact.modelJson.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  const weights = artifact.files.slice(1);
  const present = weights.reduce((n, f) => n + f.data.length, 0);
  const announced = weightSpecs.reduce((n, w) => {
    const dtype = (w.quantization?.dtype ?? w.dtype ?? 'float32') as string;
    const bytes = DTYPE_BYTES[dtype];
    if (bytes === undefined)
      throw new RunConfigError(`teacher.model.artifact ${display}: weight dtype '${dtype.slice(0, 16)}' is not read`);
    return n + w.shape.reduce((a, b) => a * b, 1) * bytes;
  }, 0);
  if (present !== announced) {
    throw new RunConfigError(
      `teacher.model.artifact ${display}: its weight files hold ${present} bytes, its manifest announces ${announced}`,
    );
  }
  const data = new Uint8Array(present);
  let at = 0;
  for (const f of weights) {
    data.set(f.data, at);
    at += f.data.length;
  }
  return {
    load: async () => ({
      modelTopology: toLogitOutput(artifact.modelJson.modelTopology),
      weightSpecs,
      weightData: data.buffer,
      format: 'layers-model',
    }),
  };
}

type LayerJson = { class_name?: unknown; name?: unknown; config?: Record<string, unknown> };

/**
 * The topology with an output softmax made linear: Distillery's models output logits (distillation softens them
 * with its temperature), and a Keras classifier usually ends in `activation='softmax'`. Softmax keeps the arg-max,
 * so accuracy is unchanged; the logits equal the log-probabilities up to a constant per row, which the softmax of
 * the distillation loss ignores. A deep copy: the parsed model.json is not changed.
 */
export function toLogitOutput(topology: object): object {
  const copy = structuredClone(topology) as { model_config?: unknown };
  const root = (copy.model_config ?? copy) as { config?: unknown };
  const config = root.config as { layers?: LayerJson[]; output_layers?: [string, ...unknown[]][] } | LayerJson[];
  const layers = Array.isArray(config) ? config : config?.layers;
  if (!Array.isArray(layers) || layers.length === 0) return copy;
  let output: LayerJson | undefined = layers.at(-1);
  const outputName = Array.isArray(config) ? undefined : config?.output_layers?.[0]?.[0];
  if (outputName !== undefined) output = layers.find((l) => (l.name ?? l.config?.name) === outputName);
  if (!output?.config) return copy;
  if (output.class_name === 'Softmax') {
    output.class_name = 'Activation';
    output.config.activation = 'linear';
  } else if (output.config.activation === 'softmax') {
    output.config.activation = 'linear';
  }
  return copy;
}
