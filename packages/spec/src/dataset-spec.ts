import { z } from 'zod';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'idx', 'cifar10-bin', 'synthetic'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export const DatasetSpec = z
  .strictObject({
    name: z.enum(DATASET_NAMES),
    /** Folder holding the files, for `idx` and `cifar10-bin`. */
    path: z.string().min(1).max(4096).optional(),
    /** Use only the first N samples of each split (after the deterministic split, before validation). */
    limit: z.strictObject({ train: z.int().min(1).optional(), test: z.int().min(1).optional() }).optional(),
    /** Fraction of the training split held out for validation. @defaultValue 0 */
    validation: z.number().min(0).max(0.5).optional(),
    /** Image shape [height, width, channels], for `idx` and `synthetic` (others know theirs). */
    shape: z.tuple([z.int().min(1).max(1024), z.int().min(1).max(1024), z.int().min(1).max(16)]).optional(),
    /** Number of classes, for `idx` and `synthetic`. @defaultValue 10 */
    classes: z.int().min(2).max(10_000).optional(),
  })
  .superRefine((d, ctx) => {
    if ((d.name === 'idx' || d.name === 'cifar10-bin') && d.path === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `dataset '${d.name}' needs a path to its files` });
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
