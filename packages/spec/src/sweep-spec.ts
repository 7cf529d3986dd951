import { z } from 'zod';
import { countRuns } from './count-runs.ts';
import { DatasetSpec, datasetShape } from './dataset-spec.ts';
import { gridPoints, MAX_GRID_DIMENSIONS, MAX_GRID_VALUES } from './grid.ts';
import { ImportedModelSpec } from './imported-model.ts';
import { ModelSpec } from './model-spec.ts';
import { modelTensors } from './model-tensors.ts';
import { PruneSpec } from './prune-spec.ts';
import { QuantizeSpec } from './quantize-spec.ts';
import { tensorLayer } from './quantized-tensors.ts';
import { smhFractionIssue, smhKeepFloatIssue } from './smh-issues.ts';
import { specErrorMap } from './spec-error-map.ts';
import { studentAtPoint } from './student-at-point.ts';
import { StudentDataSpec } from './student-data-spec.ts';
import { synthesisIssues } from './synthesis-issues.ts';
import { DEFAULT_DISTILL, DistillSpec, TrainSpec } from './train-spec.ts';
import { describeIssues, formatPath } from './validation-issue.ts';

const Seed = z
  .int()
  .min(0)
  .max(2 ** 31 - 1);

export const TeacherSpec = z.union([
  z.strictObject({
    model: ModelSpec.describe("The teacher's model."),
    train: TrainSpec.describe('How the teacher trains.'),
    seed: Seed.optional().describe('Default: 0'),
  }),
  z.strictObject({
    runId: z.string().min(1).max(64).describe('Reuse a teacher that already succeeded in this team (a run id).'),
  }),
  z.strictObject({
    model: ImportedModelSpec.describe(
      'Bring your own teacher: a TensorFlow.js layers model folder, evaluated once (README, "Your own teacher").',
    ),
  }),
]);
export type TeacherSpec = z.infer<typeof TeacherSpec>;

/**
 * `"<dotted path into the student>": [values…]`. Keys are paths such as `model.activation`, `model.hidden`,
 * `train.optimizer.lr`, `distill.alpha`; the grid is the cartesian product over the base student.
 */
export const GridSpec = z
  .record(
    z
      .string()
      .regex(/^(model|train|distill|data)(\.[A-Za-z0-9]+)+$/, 'a dotted path into the student such as model.hidden'),
    z.array(z.unknown()).min(1).max(MAX_GRID_VALUES),
  )
  .superRefine((grid, ctx) => {
    const dimensions = Object.keys(grid).length;
    if (dimensions <= MAX_GRID_DIMENSIONS) return;
    ctx.addIssue({
      code: 'custom',
      message: `the grid has ${dimensions} dimensions (keys), more than the limit of ${MAX_GRID_DIMENSIONS}`,
    });
  });
export type GridSpec = z.infer<typeof GridSpec>;

export const StudentBase = z.strictObject({
  model: ModelSpec.describe("The base student's model (the grid varies it)."),
  train: TrainSpec.describe('How every student trains (the grid may vary it).'),
  distill: DistillSpec.optional().describe("Default: { temperature: 2, alpha: 0.7 } (the paper's image setting)"),
  data: StudentDataSpec.optional().describe(
    'What the students (and QAT variants) train on: the training split, or inputs synthesized from the teacher ' +
      '(data-free: a synthesize run after the teacher; the test split stays real). Default: { source: real }',
  ),
});
export type StudentBase = z.infer<typeof StudentBase>;

export const StudentsSpec = StudentBase.extend({
  grid: GridSpec.optional().describe('Dimensions to vary over the base student.'),
});
export type StudentsSpec = z.infer<typeof StudentsSpec>;

/**
 * The grid's base student with defaults filled in, so a grid over `distill.alpha` alone keeps the default
 * temperature.
 */
export function splitStudents(students: StudentsSpec): { grid: GridSpec | undefined; base: StudentBase } {
  const { grid, ...base } = students;
  return { grid, base: { ...base, distill: base.distill ?? DEFAULT_DISTILL } };
}

/** Hard ceiling on runs per sweep, whatever the budget says. */
export const MAX_RUNS_PER_SWEEP = 5000;

export const SweepSpecShape = z.strictObject({
  name: z.string().min(1).max(200).describe("The sweep's name."),
  tags: z.array(z.string().min(1).max(64)).max(32).optional().describe('Labels to find and filter the sweep by.'),
  dataset: DatasetSpec.describe('The data set every run trains and tests on.'),
  teacher: TeacherSpec.describe('The teacher: trained here, an existing run, or a model folder of your own.'),
  students: StudentsSpec.describe('The base student and its grid.'),
  quantize: z.array(QuantizeSpec).max(32).optional().describe('Variants of every student. Default: []'),
  prune: z
    .array(PruneSpec)
    .max(32)
    .optional()
    .describe(
      'Pruned variants of every student, each a `prune` run after it; every PTQ entry of `quantize` is ' +
        'applied to each pruned variant too (prune, then quantize the survivors). Default: []',
    ),
  seeds: z
    .array(Seed)
    .min(1)
    .max(100)
    .optional()
    .describe('Student replicates; results aggregate over them. Default: [0]'),
  budget: z
    .strictObject({
      maxRuns: z.int().min(1).max(MAX_RUNS_PER_SWEEP).describe('Refuse the sweep if it expands to more runs.'),
    })
    .optional()
    .describe("Limits on the sweep's size."),
  priority: z
    .int()
    .min(-10)
    .max(10)
    .optional()
    .describe(
      'Scheduling priority, -10..10: every run of a higher-priority sweep of the team is started before any ' +
        'run of its lower ones, while teams share the workers fairly; a sweep an admin key submits ranks across teams too. Default: 0',
    ),
  rerun: z
    .boolean()
    .optional()
    .describe(
      'Train every run again even where the team already has an identical run (same configuration, seed and ' +
        'teacher), finished or on its way. Without it such runs are reused, not repeated; with it, team-wide ' +
        'results still count each replicate once (its latest result). Default: false',
    ),
});

/** Most validation issues reported for one grid before giving up (every point may fail the same way). */
const MAX_GRID_ISSUES = 20;

/**
 * The sweep spec v1: the shape above, plus the rules that span fields — every grid point must
 * give a valid student (issues are reported at `students.grid.<path>.<index>`), and the expansion must fit the
 * budget.
 */
export const SweepSpec = SweepSpecShape.superRefine((spec, ctx) => {
  // Expansion is linear in points × dimensions only while the dimensions are few; GridSpec reports the breach.
  if (Object.keys(spec.students.grid ?? {}).length > MAX_GRID_DIMENSIONS) return;
  const total = countRuns(spec);
  const limit = spec.budget?.maxRuns ?? MAX_RUNS_PER_SWEEP;
  if (total > limit) {
    ctx.addIssue({
      code: 'custom',
      path: spec.budget ? ['budget', 'maxRuns'] : ['students', 'grid'],
      message: `the sweep expands to ${total} runs, more than the ${spec.budget ? 'budget' : 'limit'} of ${limit}`,
    });
    return;
  }
  const { grid, base } = splitStudents(spec.students);
  // An invalid base student is reported by the shape above; every grid point would repeat it.
  if (!StudentBase.safeParse(base).success) return;
  const seen = new Set<string>();
  const layers = new Set<string>();
  const shape = datasetShape(spec.dataset);
  if ('train' in spec.teacher) {
    const issue = smhFractionIssue(spec.teacher.model, shape);
    if (issue) ctx.addIssue({ code: 'custom', path: ['teacher', 'model', 'smh', 'fraction'], message: issue });
  }
  let smhStudents = false;
  let cremboStudents = false;
  for (const point of gridPoints(grid)) {
    const parsed = StudentBase.safeParse(studentAtPoint(base, point), { error: specErrorMap });
    let issues = parsed.success ? [] : describeIssues(parsed.error.issues);
    if (parsed.success) {
      const smh = smhFractionIssue(parsed.data.model, shape);
      const synthesis = synthesisIssues(parsed.data.data, spec);
      if (smh) issues = [{ path: ['model', 'smh', 'fraction'], message: smh }];
      else if (synthesis.length > 0) issues = synthesis;
      else {
        for (const t of modelTensors(parsed.data.model, shape)) layers.add(tensorLayer(t));
        smhStudents ||= parsed.data.model.smh !== undefined;
        cremboStudents ||= parsed.data.distill?.method === 'crembo';
        continue;
      }
    }
    for (const issue of issues) {
      const dotted = issue.path.map(String).join('.');
      // Blame the grid entry whose path the issue lies under; otherwise the base student.
      const culprit = point.find(([p]) => dotted === p || dotted.startsWith(`${p}.`));
      const where = culprit
        ? [
            'students',
            'grid',
            culprit[0],
            grid?.[culprit[0]]?.indexOf(culprit[1]) ?? 0,
            ...issue.path.slice(culprit[0].split('.').length),
          ]
        : ['students', ...issue.path];
      const id = `${formatPath(where)}|${issue.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      ctx.addIssue({ code: 'custom', path: where, message: issue.message });
      if (seen.size >= MAX_GRID_ISSUES) return;
    }
  }
  if (seen.size > 0) return;
  (spec.quantize ?? []).forEach((q, j) => {
    const issue = smhStudents ? smhKeepFloatIssue(q.keepFloat) : null;
    if (issue) ctx.addIssue({ code: 'custom', path: ['quantize', j, 'keepFloat'], message: issue });
  });
  // Pruning acts on stored weight matrices; an SMH student computes its kernels from the pool and stores none.
  if (smhStudents) {
    (spec.prune ?? []).forEach((_, j) => {
      ctx.addIssue({
        code: 'custom',
        path: ['prune', j],
        message:
          'pruning needs stored weight matrices, and an SMH student (model.smh) stores none: its kernels are slices of the pool',
      });
    });
  }
  if (cremboStudents) cremboIssues(spec, ctx);
  // A layer kept float must exist in some student: a misspelt name would otherwise keep nothing float.
  (spec.quantize ?? []).forEach((q, j) => {
    if (typeof q.keepFloat !== 'object') return;
    q.keepFloat.layers.forEach((name, k) => {
      if (layers.has(name)) return;
      ctx.addIssue({
        code: 'custom',
        path: ['quantize', j, 'keepFloat', 'layers', k],
        message: `no student has a layer '${name}' (its layers: ${[...layers].join(', ')})`,
      });
    });
  });
});
export type SweepSpec = z.infer<typeof SweepSpec>;

/**
 * What CREMBO students need: validation rows (its student is the one with the best validation accuracy), and
 * the run kinds that train through its search — students and uniform QAT. Pruning retrains a trained student
 * under its KD loss and iPQ fine-tunes codebooks over epochs: neither has a CREMBO form here.
 */
function cremboIssues(
  spec: { dataset: DatasetSpec; quantize?: QuantizeSpec[]; prune?: PruneSpec[] },
  ctx: z.RefinementCtx,
): void {
  if (!(spec.dataset.validation && spec.dataset.validation > 0)) {
    ctx.addIssue({
      code: 'custom',
      path: ['dataset', 'validation'],
      message: `distill.method crembo selects its student by validation accuracy: set dataset.validation above 0 (got ${spec.dataset.validation ?? 'none'})`,
    });
  }
  (spec.quantize ?? []).forEach((q, j) => {
    if (q.method !== 'pq') return;
    ctx.addIssue({
      code: 'custom',
      path: ['quantize', j, 'method'],
      message:
        'quantize.method pq fine-tunes codebooks over the epochs of one training: it has no distill.method crembo form; use ptq or qat',
    });
  });
  (spec.prune ?? []).forEach((_, j) => {
    ctx.addIssue({
      code: 'custom',
      path: ['prune', j],
      message: 'pruning retrains a student under its KD loss: it has no distill.method crembo form',
    });
  });
}
