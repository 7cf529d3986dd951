import { type DatasetShape, type DatasetSpec, datasetShape } from './dataset-spec.ts';
import { type GridPoint, gridPoints } from './grid.ts';
import { DEFAULT_CONVS_PER_BLOCK, type ModelSpec } from './model-spec.ts';
import { modelSmhPool, parameterCount } from './model-tensors.ts';
import { studentAtPoint } from './student-at-point.ts';
import { type SweepSpec, splitStudents } from './sweep-spec.ts';
import type { TrainSpec } from './train-spec.ts';
import { formatPath, type ValidationIssue } from './validation-issue.ts';

/**
 * What one run may ask of a worker, checked when a sweep is submitted so that a run that cannot fit is a 400
 * naming the field, not a worker that swaps, dies or trains for a week. The defaults fit a 24 GiB worker with
 * room to spare: the largest model (100 M parameters) needs ~1.6 GB with its gradients and Adam moments, the
 * largest batch ~4 GiB of activations, the largest data set 4 GiB. Operators change them (apps/cli reads
 * `DISTILLERY_MAX_*`); the spec stays pure, so the limits are passed in.
 */
export interface RunLimits {
  /** Stored values of one model, teacher or student (what results call parameters). @defaultValue 100_000_000 */
  maxParameters: number;
  /** Bytes of one model's float32 weights. @defaultValue 536_870_912 (512 MiB) */
  maxModelBytes: number;
  /**
   * Bytes of the activations one training batch keeps for the backward pass: batch size × the values every
   * layer outputs for one sample (input, conv/dense, BatchNorm, activation, pooling) × 4 bytes.
   * @defaultValue 4_294_967_296 (4 GiB)
   */
  maxActivationBytes: number;
  /** Rows of either split a run reads (`dataset.limit`, else the data set's own size). @defaultValue 1_000_000 */
  maxDatasetRows: number;
  /** Values of one input sample, height × width × channels. @defaultValue 196_608 (256 × 256 × 3) */
  maxInputValues: number;
  /** Bytes of a run's data set at float32: (train + test rows) × input values × 4. @defaultValue 4 GiB */
  maxDatasetBytes: number;
  /** Classes of the data set (the output layer's width). @defaultValue 1000 */
  maxClasses: number;
  /** Training work of one run: epochs × training rows. @defaultValue 100_000_000 */
  maxEpochRows: number;
}

export const DEFAULT_RUN_LIMITS: Readonly<RunLimits> = Object.freeze({
  maxParameters: 100_000_000,
  maxModelBytes: 512 * 1024 * 1024,
  maxActivationBytes: 4 * 1024 ** 3,
  maxDatasetRows: 1_000_000,
  maxInputValues: 256 * 256 * 3,
  maxDatasetBytes: 4 * 1024 ** 3,
  maxClasses: 1000,
  maxEpochRows: 100_000_000,
});

/** Train/test rows of the data sets whose files are known: `dataset.limit` can only take fewer. */
const KNOWN_ROWS: Partial<Record<DatasetSpec['name'], { train: number; test: number }>> = {
  mnist: { train: 60_000, test: 10_000 },
  'fashion-mnist': { train: 60_000, test: 10_000 },
  'cifar10-bin': { train: 50_000, test: 10_000 },
};
/** The generated set's size without `dataset.limit`; with one, it is generated to the limit. */
const SYNTHETIC_ROWS = { train: 4096, test: 1024 };

/** Most issues reported for one sweep: every grid point may break the same limit. */
const MAX_ISSUES = 20;

/**
 * Every way the sweep's runs exceed the limits, each naming the field, the value and the limit; empty when all
 * fit. Data-set rows are known for the built-in sets and from `dataset.limit`; an `idx` set without a limit is
 * checked by the worker that reads it. Linear in the grid's points (already bounded by the run ceiling).
 */
export function runLimitIssues(spec: SweepSpec, limits: RunLimits = DEFAULT_RUN_LIMITS): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  const add = (path: PropertyKey[], message: string) => {
    const issue = { path: formatPath(path), message };
    const id = `${issue.path}|${message}`;
    if (seen.has(id) || issues.length >= MAX_ISSUES) return;
    seen.add(id);
    issues.push(issue);
  };
  const data = datasetShape(spec.dataset);
  const rows = datasetRows(spec.dataset);
  checkDataset(spec.dataset, data, rows, limits, add);
  // Models on an oversized data set would repeat its issue in other words.
  if (issues.length > 0) return issues;

  // An imported teacher is not built or trained here: its files are bounded when they are read.
  if ('train' in spec.teacher) {
    const { model, train } = spec.teacher;
    checkModel(model, train, data, rows?.train, limits, (field, message) =>
      add(['teacher', ...field], `the teacher ${message}`),
    );
  }
  const { grid, base } = splitStudents(spec.students);
  const costs: ModelCosts = new Map();
  for (const point of gridPoints(grid)) {
    const student = studentAtPoint(base, point);
    checkModel(
      student.model,
      student.train,
      data,
      rows?.train,
      limits,
      (field, message) => add(blame(point, grid, field), `${describePoint(point)} ${message}`),
      costs,
    );
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues;
}

type Report = (field: PropertyKey[], message: string) => void;

function checkDataset(
  dataset: DatasetSpec,
  data: DatasetShape,
  rows: { train: number; test: number } | null,
  limits: RunLimits,
  add: Report,
): void {
  if (data.classes > limits.maxClasses) {
    add(['dataset', 'classes'], `${data.classes} classes are more than the limit of ${limits.maxClasses}`);
  }
  const values = data.shape[0] * data.shape[1] * data.shape[2];
  if (values > limits.maxInputValues) {
    add(
      ['dataset', 'shape'],
      `a sample of ${data.shape.join(' × ')} = ${values} values is more than the limit of ${limits.maxInputValues}`,
    );
  }
  if (rows === null) return;
  for (const split of ['train', 'test'] as const) {
    if (rows[split] > limits.maxDatasetRows) {
      add(
        dataset.limit?.[split] !== undefined ? ['dataset', 'limit', split] : ['dataset'],
        `${rows[split]} ${split} rows are more than the limit of ${limits.maxDatasetRows}`,
      );
    }
  }
  const bytes = (rows.train + rows.test) * values * 4;
  if (bytes > limits.maxDatasetBytes) {
    add(
      ['dataset'],
      `the data set takes ${bytes} bytes ((${rows.train} + ${rows.test}) rows × ${values} values × 4), ` +
        `more than the limit of ${limits.maxDatasetBytes}`,
    );
  }
}

/** A model's parameters and per-sample activations: grid points mostly share models (a grid over `lr`). */
type ModelCosts = Map<string, { parameters: number; activations: number; smhVirtual: number }>;

function checkModel(
  model: ModelSpec,
  train: TrainSpec,
  data: DatasetShape,
  trainRows: number | undefined,
  limits: RunLimits,
  add: Report,
  costs: ModelCosts = new Map(),
): void {
  const id = JSON.stringify(model);
  let cost = costs.get(id);
  if (cost === undefined) {
    const pool = modelSmhPool(model, data);
    cost = {
      parameters: parameterCount(model, data),
      activations: activationValues(model, data),
      smhVirtual: pool ? pool.m * pool.m : 0,
    };
    costs.set(id, cost);
  }
  const parameters = cost.parameters;
  if (parameters > limits.maxParameters) {
    add(['model'], `has ${parameters} parameters, more than the limit of ${limits.maxParameters}`);
  } else if (parameters * 4 > limits.maxModelBytes) {
    add(['model'], `takes ${parameters * 4} bytes of weights, more than the limit of ${limits.maxModelBytes}`);
  } else if (cost.smhVirtual > limits.maxParameters || cost.smhVirtual * 4 > limits.maxModelBytes) {
    // An SMH model stores few values but builds Z = L·R (m² values, every kernel at once) in every step: the
    // worker holds what a dense model of that size would.
    add(
      ['model', 'smh'],
      `builds its kernels from a pool Z of ${cost.smhVirtual} values (${cost.smhVirtual * 4} bytes) every step, ` +
        `more than the limit of ${limits.maxParameters} parameters or ${limits.maxModelBytes} bytes of weights`,
    );
  }
  const activationBytes = train.batchSize * cost.activations * 4;
  if (activationBytes > limits.maxActivationBytes) {
    add(
      ['train', 'batchSize'],
      `keeps ${activationBytes} bytes of activations per batch of ${train.batchSize}, more than the limit of ` +
        `${limits.maxActivationBytes}`,
    );
  }
  if (trainRows !== undefined && train.epochs * trainRows > limits.maxEpochRows) {
    add(
      ['train', 'epochs'],
      `trains ${train.epochs} epochs × ${trainRows} rows = ${train.epochs * trainRows} rows, more than the limit ` +
        `of ${limits.maxEpochRows}`,
    );
  }
}

/** Values every layer outputs for one sample, the input included: what a batch keeps for its backward pass. */
export function activationValues(model: ModelSpec, data: DatasetShape): number {
  const [h0, w0, c0] = data.shape;
  // Each conv/dense output passes BatchNorm (optional) and the activation, each keeping a copy.
  const copies = 2 + (model.batchNorm ? 1 : 0);
  let total = h0 * w0 * c0;
  if (model.family === 'cnn') {
    let [h, w] = [h0, w0];
    for (const channels of model.channels) {
      total += h * w * channels * copies * (model.convsPerBlock ?? DEFAULT_CONVS_PER_BLOCK);
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
      total += h * w * channels;
    }
  }
  for (const units of model.family === 'mlp' ? model.hidden : model.dense) {
    total += units * copies;
  }
  return total + data.classes;
}

/** Train and test rows the run reads, or null when only the files know (an `idx` set without a limit). */
/**
 * Train and test rows a run of `dataset` reads (before the validation hold-out): known for the built-in sets
 * and from `dataset.limit`; null for a user's files without a training limit (only the worker that reads them
 * knows).
 */
export function datasetRows(dataset: DatasetSpec): { train: number; test: number } | null {
  const { limit } = dataset;
  const known = KNOWN_ROWS[dataset.name];
  if (known) {
    return {
      train: Math.min(limit?.train ?? known.train, known.train),
      test: Math.min(limit?.test ?? known.test, known.test),
    };
  }
  if (dataset.name === 'synthetic') {
    return { train: limit?.train ?? SYNTHETIC_ROWS.train, test: limit?.test ?? SYNTHETIC_ROWS.test };
  }
  return limit?.train === undefined ? null : { train: limit.train, test: limit.test ?? 0 };
}

/** The grid entry a student's limit breach comes from: the first that sets a field under it, else the base. */
function blame(point: GridPoint, grid: SweepSpec['students']['grid'], field: PropertyKey[]): PropertyKey[] {
  const under = field.join('.');
  const culprit = point.find(
    ([path]) => path === under || path.startsWith(`${under}.`) || under.startsWith(`${path}.`),
  );
  if (!culprit) return ['students', ...field];
  return ['students', 'grid', culprit[0], grid?.[culprit[0]]?.indexOf(culprit[1]) ?? 0];
}

function describePoint(point: GridPoint): string {
  if (point.length === 0) return 'the student';
  const shown = point.map(([path, value]) => {
    const text = JSON.stringify(value) ?? String(value);
    return `${path}=${text.length > 60 ? `${text.slice(0, 60)}…` : text}`;
  });
  return `the student ${shown.join(' ')}`;
}
