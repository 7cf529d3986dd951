import type { DatasetShape } from '../dataset-spec.ts';
import type { ValidationIssue } from '../validation-issue.ts';
import type { TopologyFacts } from './tfjs-model-json.ts';

/** Where a teacher artifact's mistakes are reported. */
export const TEACHER_ARTIFACT_FIELD = 'teacher.model.artifact';

/**
 * How an imported teacher disagrees with the data set, from its topology: its input must take the set's rows
 * (`[null, h·w·c]` flat or `[null, h, w, c]`), its output layer one unit per class. Empty when it agrees or
 * the topology does not say (the run then checks the loaded model at its start).
 */
export function teacherArtifactIssues(
  facts: TopologyFacts,
  data: DatasetShape,
  datasetName: string,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const [h, w, c] = data.shape;
  const input = facts.inputShape;
  if (input !== null && !inputFits(input, data.shape)) {
    issues.push({
      path: TEACHER_ARTIFACT_FIELD,
      message: `the model takes inputs of shape [${input.map((d) => d ?? 'null').join(', ')}], but dataset '${datasetName}' has rows of shape [${h}, ${w}, ${c}]: the model's input must be [null, ${h * w * c}] or [null, ${h}, ${w}, ${c}]`,
    });
  }
  if (facts.outputUnits !== null && facts.outputUnits !== data.classes) {
    issues.push({
      path: TEACHER_ARTIFACT_FIELD,
      message: `the model's output layer has ${facts.outputUnits} units, but dataset '${datasetName}' has ${data.classes} classes: it needs one output per class`,
    });
  }
  return issues;
}

/** Whether a batch input shape (`null` = any batch size) takes rows of `shape`, flat or as images. */
export function inputFits(input: readonly (number | null)[], shape: readonly [number, number, number]): boolean {
  const [, ...rest] = input;
  const [h, w, c] = shape;
  if (rest.length === 1) return rest[0] === h * w * c;
  return rest.length === 3 && rest[0] === h && rest[1] === w && rest[2] === c;
}
