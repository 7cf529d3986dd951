import type { ModelSpec } from './model-spec.ts';
import { resolveStudentData, type StudentDataSpec } from './student-data-spec.ts';
import type { RawIssue } from './validation-issue.ts';

/**
 * The rule of `data.method: bns`, in one sentence the API answers with wherever it finds a teacher without
 * BatchNorm (a teacher trained in the sweep, or one reused by run id).
 */
export function bnsTeacherRule(teacher: string): string {
  return (
    `data.method bns matches the teacher's BatchNorm statistics, and ${teacher} has no BatchNorm layer: ` +
    'train the teacher with model.batchNorm: true, or use data.method gaussian or inception'
  );
}

/**
 * What is wrong with one student's `data` in its sweep (paths relative to the student): a BNS synthesis from a
 * teacher trained here without BatchNorm, and synthetic data with pruned variants (their retraining reads the
 * training split, which data-free students never see).
 */
export function synthesisIssues(
  data: StudentDataSpec | undefined,
  spec: {
    teacher: { model?: ModelSpec | { artifact: string } } | { runId: string };
    prune?: readonly unknown[] | undefined;
  },
): RawIssue[] {
  const resolved = resolveStudentData(data);
  if (!resolved) return [];
  const issues: RawIssue[] = [];
  const teacher = 'model' in spec.teacher ? spec.teacher.model : undefined;
  if (resolved.method === 'bns' && teacher && 'family' in teacher && !teacher.batchNorm) {
    issues.push({ path: ['data', 'method'], message: bnsTeacherRule('the teacher (teacher.model.batchNorm: false)') });
  }
  if ((spec.prune ?? []).length > 0) {
    issues.push({
      path: ['data', 'source'],
      message:
        'synthetic data cannot be combined with prune: pruned variants retrain on the training split, which a ' +
        'data-free student never sees',
    });
  }
  return issues;
}

/**
 * Whether a model's weight tensors include BatchNorm running statistics (`…/moving_mean`, `…/moving_variance`, as
 * tfjs-layers names them): what a BNS synthesis reads from an imported teacher.
 */
export function hasBatchNormStatistics(tensors: readonly { name: string }[]): boolean {
  const names = tensors.map((t) => t.name);
  return names.some((n) => n.endsWith('moving_mean')) && names.some((n) => n.endsWith('moving_variance'));
}
