import { join } from 'node:path';
import { DEFAULT_CSV_LABEL, escapeForMessage } from '@distillery/spec';
import { parse } from 'csv-parse/sync';
import { DatasetError } from '../errors.ts';
import { openDataFile, present } from './data-file.ts';
import type { Dataset } from './dataset.ts';
import type { IdxFolder } from './idx-dataset.ts';
import { scaleFeatures } from './scale-features.ts';

/** The files of a csv data set, in its folder. */
export const CSV_FILE_NAMES = { train: 'train.csv', test: 'test.csv' } as const;
/** The largest CSV file accepted: 256 MiB of text (parsed in memory). */
export const CSV_MAX_BYTES = 256 * 2 ** 20;
/** The longest record accepted, in characters (csv-parse's `max_record_size`). */
const CSV_MAX_RECORD_CHARS = 16 * 2 ** 20;

export interface CsvExpected {
  shape: [number, number, number];
  classes: number;
  /** The label column's name. @defaultValue DEFAULT_CSV_LABEL */
  label?: string | undefined;
}

/**
 * A csv data set: `train.csv` and `test.csv` in a folder, each with a header row naming its columns, one column
 * named `expected.label` holding the labels and `h·w·c` (`expected.shape`) feature columns holding numbers, in
 * the row-major order of the shape. Labels are either all integers in [0, classes) or class names, numbered in
 * code-point order of the names seen in train.csv (there must be `classes` of them; test.csv may use no others).
 * Features are scaled to [0, 1] by the training split's per-feature range. Both files must list the same
 * columns in the same order. Errors name the file, the record (1 = the first after the header) and the
 * column by position, never a value from the file.
 */
export function loadCsvSet(at: IdxFolder, expected: CsvExpected): Dataset {
  const labelColumn = expected.label ?? DEFAULT_CSV_LABEL;
  const features = expected.shape[0] * expected.shape[1] * expected.shape[2];
  const train = readCsv(at, 'train', labelColumn, features);
  const test = readCsv(at, 'test', labelColumn, features);
  if (train.header.join('\n') !== test.header.join('\n')) {
    throw format(test.display, `its columns differ from those of ${train.display} (same names, same order)`);
  }
  const numeric = train.labels.every((l) => /^\d+$/.test(l));
  let names: string[] | null = null;
  let toLabel: (text: string, display: string, record: number) => number;
  if (numeric) {
    toLabel = (text, display, record) => {
      const v = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!(v < expected.classes)) {
        throw format(display, `record ${record}: the label is not an integer in [0, ${expected.classes})`);
      }
      return v;
    };
  } else {
    names = [...new Set(train.labels)].sort();
    if (names.length !== expected.classes) {
      throw format(
        train.display,
        `its label column holds ${names.length} class names, the data set declares ${expected.classes} classes`,
      );
    }
    const index = new Map(names.map((n, i) => [n, i]));
    toLabel = (text, display, record) => {
      const v = index.get(text);
      if (v === undefined) throw format(display, `record ${record}: a label that is not a class of ${train.display}`);
      return v;
    };
  }
  const labels = (part: typeof train) => Int32Array.from(part.labels, (l, i) => toLabel(l, part.display, i + 1));
  const trainLabels = labels(train);
  const testLabels = labels(test);
  const scaled = scaleFeatures(train.values, test.values, features);
  return {
    name: 'csv',
    shape: expected.shape,
    classes: expected.classes,
    train: { images: scaled.train, labels: trainLabels, count: trainLabels.length },
    test: { images: scaled.test, labels: testLabels, count: testLabels.length },
    provenance: {
      files: CSV_FILE_NAMES,
      label: labelColumn,
      ...(names ? { classNames: names } : {}),
      train: trainLabels.length,
      test: testLabels.length,
      features: 'scaled to [0, 1] by the training range',
    },
  };
}

function format(display: string, problem: string): DatasetError {
  return new DatasetError('DATASET_FORMAT', `CSV file ${display}: ${problem}`);
}

function readCsv(
  at: IdxFolder,
  which: 'train' | 'test',
  labelColumn: string,
  features: number,
): { display: string; header: string[]; labels: string[]; values: Float64Array } {
  const name = CSV_FILE_NAMES[which];
  const file = join(at.folder, name);
  const display = `${at.display}/${name}`;
  if (!present(file))
    throw new DatasetError(
      'DATASET_FILE',
      `no ${name} in ${at.display} (a csv data set needs ${CSV_FILE_NAMES.train} and ${CSV_FILE_NAMES.test})`,
    );
  const data = openDataFile(file, { roots: at.roots, display });
  let text: string;
  try {
    if (data.size > CSV_MAX_BYTES) throw format(display, `larger than the ${CSV_MAX_BYTES}-byte limit`);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(data.read(0, data.size));
    } catch (e) {
      if (e instanceof DatasetError) throw e;
      throw format(display, 'not UTF-8 text');
    }
  } finally {
    data.close();
  }
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      max_record_size: CSV_MAX_RECORD_CHARS,
    }) as string[][];
  } catch (e) {
    // csv-parse's own messages quote the offending text: only its code and line are passed on.
    const { code, lines } = e as { code?: unknown; lines?: unknown };
    const line = typeof lines === 'number' ? ` at line ${lines}` : '';
    const why = typeof code === 'string' && /^[A-Z_]+$/.test(code) ? ` (${code})` : '';
    throw format(display, `not valid CSV${line}${why}`);
  }
  const [header, ...rows] = records;
  if (!header) throw format(display, 'empty (a header row, then one row per sample)');
  const labelAt = header.indexOf(labelColumn);
  if (labelAt < 0 || header.lastIndexOf(labelColumn) !== labelAt) {
    throw format(display, `its header must name the label column ${escapeForMessage(labelColumn)} exactly once`);
  }
  if (header.length - 1 !== features) {
    throw format(
      display,
      `it has ${header.length - 1} feature columns besides the label, the data set shape needs ${features}`,
    );
  }
  const values = new Float64Array(rows.length * features);
  const labels: string[] = new Array(rows.length);
  rows.forEach((row, r) => {
    let f = 0;
    row.forEach((cell, col) => {
      if (col === labelAt) {
        labels[r] = cell;
        return;
      }
      const v = cell === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(v)) throw format(display, `record ${r + 1}, column ${col + 1}: not a finite number`);
      values[r * features + f++] = v;
    });
  });
  if (rows.length === 0) throw format(display, 'no rows after its header');
  return { display, header, labels, values };
}
