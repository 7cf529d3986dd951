import { z } from 'zod';

export const DATASET_NAMES = [
  'mnist',
  'fashion-mnist',
  'idx',
  'cifar10-bin',
  'synthetic',
  'image-folder',
  'npy',
  'csv',
] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Data sets read from a user's files (a folder, or an .npz file): they need a `path`. */
export const PATH_DATASETS: readonly DatasetName[] = ['idx', 'cifar10-bin', 'image-folder', 'npy', 'csv'];

/**
 * User formats whose shape and class count cannot be known before their files are read: the spec states them
 * (sizes are accounted at submission, before any file is read) and the loader checks the files against them.
 */
export const DECLARED_SHAPE_DATASETS: readonly DatasetName[] = ['image-folder', 'npy', 'csv'];

/** The CSV column holding the labels, when `dataset.label` is not given. */
export const DEFAULT_CSV_LABEL = 'label';

export const DatasetSpec = z
  .strictObject({
    name: z.enum(DATASET_NAMES).describe('A built-in data set, or the format of your own files.'),
    path: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        'Where the files are: a folder for `idx`, `cifar10-bin`, `image-folder` and `csv`; a folder of `.npy` ' +
          'files or one `.npz` file for `npy` (README, "Data sets").',
      ),
    limit: z
      .strictObject({
        train: z.int().min(1).optional().describe('Rows of the training split used.'),
        test: z.int().min(1).optional().describe('Rows of the test split used.'),
      })
      .optional()
      .describe('Use only the first N samples of each split (after the deterministic split, before validation).'),
    validation: z
      .number()
      .min(0)
      .max(0.5)
      .optional()
      .describe('Fraction of the training split held out for validation. Default: 0'),
    shape: z
      .tuple([z.int().min(1).max(1024), z.int().min(1).max(1024), z.int().min(1).max(16)])
      .optional()
      .describe(
        'Image shape [height, width, channels], for `idx` and `synthetic` (default [28, 28, 1]); required for ' +
          "`image-folder`, `npy` and `csv` (a CSV's features are `height × width × channels` columns).",
      ),
    classes: z
      .int()
      .min(2)
      .max(10_000)
      .optional()
      .describe(
        'Number of classes, for `idx` and `synthetic` (default 10); required for `image-folder`, `npy`, `csv`.',
      ),
    label: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe("The CSV column holding the labels, for `csv`. Default: 'label'"),
  })
  .superRefine((d, ctx) => {
    if (PATH_DATASETS.includes(d.name) && d.path === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `dataset '${d.name}' needs a path to its files` });
    }
    if (DECLARED_SHAPE_DATASETS.includes(d.name)) {
      for (const field of ['shape', 'classes'] as const) {
        if (d[field] !== undefined) continue;
        const what = field === 'shape' ? 'its shape [height, width, channels]' : 'its number of classes';
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `dataset '${d.name}' needs ${what}: the model is sized before its files are read`,
        });
      }
    }
    if (d.label !== undefined && d.name !== 'csv') {
      ctx.addIssue({ code: 'custom', path: ['label'], message: `only a 'csv' data set has a label column` });
    }
  });
export type DatasetSpec = z.infer<typeof DatasetSpec>;

export interface DatasetShape {
  /** [height, width, channels] */
  shape: [number, number, number];
  classes: number;
}

const KNOWN: Partial<Record<DatasetName, DatasetShape>> = {
  mnist: { shape: [28, 28, 1], classes: 10 },
  'fashion-mnist': { shape: [28, 28, 1], classes: 10 },
  'cifar10-bin': { shape: [32, 32, 3], classes: 10 },
};

/** Input shape and class count, known before any file is read (sizes are computed at expansion time). */
export function datasetShape(d: DatasetSpec): DatasetShape {
  const known = KNOWN[d.name];
  if (known) return known;
  return { shape: d.shape ?? [28, 28, 1], classes: d.classes ?? 10 };
}
