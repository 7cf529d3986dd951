import type { ImportedTensor } from '../imported-model.ts';

/** What a sweep's expansion needs to know of an imported teacher's files (see `readTeacherArtifact`). */
export interface TeacherArtifactFacts {
  /** `teacherArtifactDigest` of the files. */
  digest: string;
  /** The manifest's weight tensors, in order. */
  tensors: ImportedTensor[];
}
