import { codeBytes, type SizeBreakdown, tensorSize } from '@distillery/spec';
import { ArtifactError } from '../errors.ts';
import { type ModelArtifact, readModelJson, WEIGHTS_BIN } from './packed-artifact.ts';

/**
 * The measured size of an artifact's packed weights, read from what was written: weights.bin's length, split by
 * the manifest's entries into float32 tensors and quantized ones — whose bytes are their code bit stream
 * (`ceil(n·bits/8)`, the layout pack.ts writes) followed by the bucket headers (the rest of the entry). Throws
 * when the entries do not add up to weights.bin.
 */
export function measureArtifactSize(artifact: ModelArtifact): SizeBreakdown {
  const json = readModelJson(artifact);
  const bin = artifact.files.find((f) => f.name === WEIGHTS_BIN);
  if (!bin) throw new ArtifactError(`the artifact has no ${WEIGHTS_BIN}`);
  const size = { codeBytes: 0, headerBytes: 0, floatBytes: 0, quantizedValues: 0 };
  let values = 0;
  for (const w of json.weights) {
    const n = tensorSize(w);
    values += n;
    if (w.encoding === 'uniform' && w.bits !== undefined) {
      const codes = codeBytes(n, w.bits);
      size.codeBytes += codes;
      size.headerBytes += w.byteLength - codes;
      size.quantizedValues += n;
    } else {
      size.floatBytes += w.byteLength;
    }
  }
  const bytes = size.codeBytes + size.headerBytes + size.floatBytes;
  if (bytes !== bin.data.length) {
    throw new ArtifactError(`the manifest's weights add up to ${bytes} bytes, ${WEIGHTS_BIN} has ${bin.data.length}`);
  }
  return { bytes, ...size, quantizedFraction: values === 0 ? 0 : size.quantizedValues / values };
}
