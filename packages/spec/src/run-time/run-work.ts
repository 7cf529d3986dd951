import { isImportedTeacher, type RunConfig } from '../run-config.ts';
import { datasetRows } from '../run-limits.ts';

/** How much a run reads and trains: what its estimated time scales with. */
export interface RunWorkload {
  /** Epochs it records (a pruned variant's retraining: rounds × retrainEpochs); 0 for quantize-ptq. */
  epochs: number;
  /** Training rows of each epoch (after the validation hold-out). */
  trainRows: number;
  /** Validation rows, evaluated after each epoch. */
  validationRows: number;
  /** Test rows, evaluated once at the end. */
  testRows: number;
}

/**
 * The rows and epochs of a run, as packages/ml selects them (`limit.train` rows, of which round(rows ×
 * validation) are held out); null where the rows are unknown before its files are read (a user's data set
 * without `limit.train`).
 */
export function runWorkload(config: RunConfig): RunWorkload | null {
  const rows = datasetRows(config.dataset);
  if (!rows) return null;
  const validationRows = Math.round(rows.train * (config.dataset.validation ?? 0));
  const epochs = isImportedTeacher(config)
    ? 0
    : config.kind === 'prune'
      ? config.prune.rounds * config.prune.retrainEpochs
      : (config.train?.epochs ?? 0);
  return { epochs, trainRows: rows.train - validationRows, validationRows, testRows: rows.test };
}
