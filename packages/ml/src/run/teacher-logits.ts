import { canonicalJson, type RunConfig } from '@distillery/spec';
import { loadModelArtifact } from '../artifact/model-artifact.ts';
import type { ModelArtifact } from '../artifact/packed-artifact.ts';
import type { loadDataset } from '../data/load-dataset.ts';
import type { selectRunData } from '../data/run-data.ts';
import { artifactDigest } from '../train/checkpoint.ts';
import { predictLogits } from '../train/evaluate.ts';

/**
 * The frozen teacher's logits on a run's training rows, by parent artifact digest, data spec, rows and backend: the
 * students of one teacher (a sweep's many activations, seeds and QAT variants) share them instead of each running
 * the teacher over the whole training set again. A few entries (a sweep's current teachers); never mutated.
 */
const teacherLogitsCache = new Map<string, Float32Array>();
const TEACHER_LOGITS_CACHE_ENTRIES = 4;

function cachedTeacherLogits(key: string): Float32Array | null {
  const value = teacherLogitsCache.get(key);
  if (!value) return null;
  teacherLogitsCache.delete(key); // most recently used last
  teacherLogitsCache.set(key, value);
  return value;
}

function cacheTeacherLogits(key: string, value: Float32Array): void {
  teacherLogitsCache.set(key, value);
  while (teacherLogitsCache.size > TEACHER_LOGITS_CACHE_ENTRIES) {
    teacherLogitsCache.delete(teacherLogitsCache.keys().next().value as string);
  }
}

/**
 * The frozen teacher's logits on the training rows for a run that distils (KD with α > 0, or CREMBO) from `teacher`, shared
 * through the cache; null otherwise.
 */
export async function kdTeacherLogits(
  config: RunConfig,
  teacher: ModelArtifact | undefined,
  data: ReturnType<typeof selectRunData>,
  dataset: ReturnType<typeof loadDataset>,
  backend: string,
): Promise<Float32Array | null> {
  if (!teacher || config.kind === 'teacher' || !config.distill) return null;
  // KD with α = 0 is plain cross-entropy; CREMBO always reads the teacher's beliefs.
  if (config.distill.method !== 'crembo' && config.distill.alpha <= 0) return null;
  // The split digest tells the training split's rows from a synthetic data set's.
  const key = `${artifactDigest(teacher.files)} ${canonicalJson(config.dataset)} ${data.splitDigest} ${backend}`;
  const cached = cachedTeacherLogits(key);
  if (cached) return cached;
  const model = await loadModelArtifact(teacher);
  let logits: Float32Array;
  try {
    // The teacher's own layout: an imported or CNN teacher takes images where an MLP student takes rows.
    const teacherIo = model.inputs[0]?.shape.length === 2 ? 'flat' : 'image';
    logits = await predictLogits(model, data.train, data.train.indices, dataset, teacherIo);
  } finally {
    model.dispose();
  }
  cacheTeacherLogits(key, logits);
  return logits;
}
