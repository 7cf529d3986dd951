import type { ModelArtifact } from '@distillery/ml';

/**
 * The default bound of a {@link StoredModelCache}, in bytes: a sweep's teachers several times over (a 784-512-512
 * MLP is 2.6 MB), without holding on to a large share of a worker's memory.
 */
export const DEFAULT_MODEL_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * The stored models (parents, a prune run's teacher, synthetic data sets) this process read lately, by run id,
 * least recently used evicted first once their bytes pass the bound. A run's artifacts are written once, with
 * the result that makes it succeed, and only a succeeded run is a parent, so a kept model is the stored one:
 * the students of one teacher read it from the store once per process rather than once per run. A read that
 * fails is not kept. A model larger than the bound is read every time.
 */
export class StoredModelCache {
  private readonly kept = new Map<string, Promise<ModelArtifact>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(
    private readonly read: (runId: string) => Promise<ModelArtifact>,
    /** @defaultValue DEFAULT_MODEL_CACHE_BYTES; 0 keeps nothing */
    readonly maxBytes = DEFAULT_MODEL_CACHE_BYTES,
  ) {}

  /** The stored model of `runId`, from the store the first time (concurrent first reads share one). */
  load(runId: string): Promise<ModelArtifact> {
    const hit = this.kept.get(runId);
    if (hit) {
      this.kept.delete(runId); // most recently used last
      this.kept.set(runId, hit);
      return hit;
    }
    const reading = this.read(runId);
    this.kept.set(runId, reading);
    reading.then(
      (model) => this.settle(runId, reading, model),
      () => {
        if (this.kept.get(runId) === reading) this.kept.delete(runId);
      },
    );
    return reading;
  }

  private settle(runId: string, reading: Promise<ModelArtifact>, model: ModelArtifact): void {
    if (this.kept.get(runId) !== reading) return;
    const size = model.files.reduce((sum, f) => sum + f.data.byteLength, 0);
    if (size > this.maxBytes) {
      this.kept.delete(runId);
      return;
    }
    this.sizes.set(runId, size);
    this.bytes += size;
    for (const [id] of this.kept) {
      if (this.bytes <= this.maxBytes) break;
      const evicted = this.sizes.get(id);
      if (evicted === undefined) continue; // still being read
      this.kept.delete(id);
      this.sizes.delete(id);
      this.bytes -= evicted;
    }
  }
}
