import { existsSync } from 'node:fs';
import {
  bnsTeacherRule,
  type DataRoots,
  dataPathIssue,
  datasetShape,
  hasBatchNormStatistics,
  type RunLimits,
  readTeacherArtifact,
  type SweepSpec,
  sweepSyntheses,
  TEACHER_ARTIFACT_FIELD,
  TeacherArtifactError,
  type TeacherArtifactFacts,
  teacherArtifactIssues,
  teamDataRoots,
  tensorSize,
} from '@distillery/spec';
import { ValidationFailedError } from '../errors/http-errors.ts';

/**
 * The submission-time check of an imported teacher (`teacher: { model: { artifact } }`): its folder must resolve
 * inside the data roots like `dataset.path` (400 otherwise); when the folder is on this host its model.json and
 * weight files are read (bounded) and must be a layers model whose input takes the data set's rows and whose
 * output has one unit per class, and its weights must fit the operator's run limits (parameters, float32 bytes)
 * like a teacher Distillery trains (400 naming `teacher.model.artifact`, the value and the rule); a BNS synthesis
 * needs its BatchNorm statistics (400 at `students.data.method`). Returns the
 * digest and weight tensors for the expansion; null for another teacher, or when the folder is not on this
 * host (the workers may hold it: the run then checks the files at its start).
 */
export function checkTeacherArtifact(
  spec: SweepSpec,
  roots: DataRoots,
  teamId: string,
  limits: Pick<RunLimits, 'maxParameters' | 'maxModelBytes'>,
): TeacherArtifactFacts | null {
  const { teacher } = spec;
  if ('runId' in teacher || 'train' in teacher) return null;
  const allowed = teamDataRoots(roots, teamId);
  const path = teacher.model.artifact;
  const outside = dataPathIssue(TEACHER_ARTIFACT_FIELD, path, allowed);
  if (outside !== null) throw new ValidationFailedError('the sweep cannot read that teacher', [outside]);
  if (!existsSync(path)) return null;
  try {
    const artifact = readTeacherArtifact(path, allowed);
    const issues = teacherArtifactIssues(artifact, datasetShape(spec.dataset), spec.dataset.name);
    const parameters = artifact.tensors.reduce((n, t) => n + tensorSize(t), 0);
    if (parameters > limits.maxParameters) {
      issues.push({
        path: TEACHER_ARTIFACT_FIELD,
        message: `the model has ${parameters} parameters, more than this server's limit of ${limits.maxParameters}`,
      });
    } else if (parameters * 4 > limits.maxModelBytes) {
      issues.push({
        path: TEACHER_ARTIFACT_FIELD,
        message: `the model's float32 weights take ${parameters * 4} bytes, more than this server's limit of ${limits.maxModelBytes}`,
      });
    }
    if (sweepSyntheses(spec.students).some((d) => d.method === 'bns') && !hasBatchNormStatistics(artifact.tensors)) {
      issues.push({ path: 'students.data.method', message: bnsTeacherRule(`the imported teacher (${path})`) });
    }
    if (issues.length > 0) throw new ValidationFailedError('the teacher does not fit the data set', issues);
    return { digest: artifact.digest, tensors: artifact.tensors };
  } catch (e) {
    if (e instanceof TeacherArtifactError) {
      throw new ValidationFailedError('the sweep cannot read that teacher', [
        { path: TEACHER_ARTIFACT_FIELD, message: e.message },
      ]);
    }
    throw e;
  }
}
