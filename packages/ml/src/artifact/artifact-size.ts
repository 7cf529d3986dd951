import { bitmapBytes, codeBytes, pqAssignmentBytes, type SizeBreakdown, tensorSize } from '@distillery/spec';
import { ArtifactError } from '../errors.ts';
import { type ModelArtifact, pqEntryLayout, readModelJson, WEIGHTS_BIN } from './packed-artifact.ts';

/**
 * The measured size of an artifact's packed weights, read from what was written: weights.bin's length, split by
 * the manifest's entries into float32 tensors, quantized ones — whose bytes are their code bit stream
 * (`ceil(n·bits/8)`, the layout pack.ts writes) followed by the bucket headers (the rest of the entry) — and
 * pruned ones: a bitmap (`ceil(n/8)` bytes, index bytes) followed by the nonzeros, float32 or quantized, or the
 * model's SuRP stream (index bytes: it codes positions and values together). A product-quantized entry's codes are
 * its assignment bit stream and its headers its codebook. Throws when the entries do not add up to weights.bin.
 */
export function measureArtifactSize(artifact: ModelArtifact): SizeBreakdown {
  const json = readModelJson(artifact);
  const bin = artifact.files.find((f) => f.name === WEIGHTS_BIN);
  if (!bin) throw new ArtifactError(`the artifact has no ${WEIGHTS_BIN}`);
  const size = { codeBytes: 0, headerBytes: 0, floatBytes: 0, quantizedValues: 0, indexBytes: 0, prunedValues: 0 };
  let values = 0;
  let surpValues = 0;
  for (const w of json.weights) {
    const n = tensorSize(w);
    values += n;
    let stored = n;
    let encoding: string | undefined = w.encoding;
    let length = w.byteLength;
    if (w.encoding === 'bitmap') {
      stored = w.nonzeros ?? 0;
      size.indexBytes += bitmapBytes(n);
      size.prunedValues += n - stored;
      encoding = w.values;
      length -= bitmapBytes(n);
    } else if (w.encoding === 'surp') {
      surpValues += n;
      size.indexBytes += length;
      continue;
    } else if (w.encoding === 'pq') {
      const assignments = pqAssignmentBytes(pqEntryLayout(w));
      size.codeBytes += assignments;
      size.headerBytes += length - assignments;
      size.quantizedValues += n;
      continue;
    }
    if (encoding === 'uniform' && w.bits !== undefined) {
      const codes = codeBytes(stored, w.bits);
      size.codeBytes += codes;
      size.headerBytes += length - codes;
      size.quantizedValues += stored;
    } else {
      size.floatBytes += length;
    }
  }
  if (json.surp) {
    size.indexBytes += json.surp.byteLength;
    size.prunedValues += surpValues - json.surp.nonzeros;
  }
  const bytes = size.codeBytes + size.headerBytes + size.floatBytes + size.indexBytes;
  if (bytes !== bin.data.length) {
    throw new ArtifactError(`the manifest's weights add up to ${bytes} bytes, ${WEIGHTS_BIN} has ${bin.data.length}`);
  }
  return { bytes, ...size, quantizedFraction: values === 0 ? 0 : size.quantizedValues / values };
}
