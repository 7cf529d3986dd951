import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { confineDataPath, escapeForMessage } from '@distillery/spec';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { DatasetError } from '../errors.ts';
import { openDataFile, present } from './data-file.ts';
import type { Dataset, DatasetSplit } from './dataset.ts';
import type { IdxFolder } from './idx-dataset.ts';

/** Image files read (by extension, case-insensitive); names starting with '.' are skipped. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;
/** The largest image file accepted: 64 MiB. */
export const IMAGE_MAX_FILE_BYTES = 64 * 2 ** 20;
/** The most decoded pixel bytes of one split: 1 GiB, like an IDX file; counted before any image is decoded. */
export const IMAGE_FOLDER_MAX_BYTES = 2 ** 30;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * An image-folder data set: `<path>/train/<class>/*.png|jpg|jpeg` and `<path>/test/<class>/…`. Classes are the
 * train folder's subfolders in code-point order of their names (label 0 first); there must be `expected.classes`
 * of them, and every test class folder must be one of them. Every image must be `expected.shape`'s height ×
 * width; with 1 channel colour is converted to luminance (grey images stay as they are), with 3 the RGB values
 * are kept, with 4 RGBA. Decoded with pngjs and jpeg-js (pure JavaScript).
 */
export function loadImageFolder(
  at: IdxFolder,
  expected: { shape: [number, number, number]; classes: number },
): Dataset {
  const [h, w, c] = expected.shape;
  if (c !== 1 && c !== 3 && c !== 4) {
    throw new DatasetError('DATASET_FORMAT', `image folder ${at.display}: images have 1, 3 or 4 channels, not ${c}`);
  }
  const trainDir = splitFolder(at, 'train');
  const classes = subfolders(trainDir.folder, trainDir.display);
  if (classes.length !== expected.classes) {
    throw new DatasetError(
      'DATASET_FORMAT',
      `image folder ${trainDir.display}: it holds ${classes.length} class folders, the data set declares ${expected.classes} classes`,
    );
  }
  const split = (which: 'train' | 'test'): DatasetSplit => {
    const dir = which === 'train' ? trainDir : splitFolder(at, which);
    const files: { file: string; display: string; label: number }[] = [];
    for (const name of subfolders(dir.folder, dir.display)) {
      const label = classes.indexOf(name);
      const classDisplay = `${dir.display}/${escapeForMessage(name).slice(1, -1)}`;
      if (label < 0) {
        throw new DatasetError(
          'DATASET_FORMAT',
          `image folder ${classDisplay}: a class not among the train folder's classes`,
        );
      }
      const classDir = confineDataPath(join(dir.folder, name), at.roots);
      if (!classDir.inside)
        throw new DatasetError('DATASET_PATH', `data folder ${classDisplay} resolves outside the data roots`);
      for (const entry of sortedEntries(classDir.realPath, classDisplay)) {
        if (entry.startsWith('.')) continue;
        const display = `${classDisplay}/${escapeForMessage(entry).slice(1, -1)}`;
        if (!IMAGE_EXTENSIONS.some((e) => entry.toLowerCase().endsWith(e))) {
          throw new DatasetError('DATASET_FORMAT', `image ${display}: not a ${IMAGE_EXTENSIONS.join(', ')} file`);
        }
        files.push({ file: join(classDir.realPath, entry), display, label });
      }
    }
    if (files.length * h * w * c > IMAGE_FOLDER_MAX_BYTES) {
      throw new DatasetError(
        'DATASET_FORMAT',
        `image folder ${dir.display}: its images hold more than the ${IMAGE_FOLDER_MAX_BYTES}-byte limit of pixels`,
      );
    }
    const images = new Uint8Array(files.length * h * w * c);
    const labels = expected.classes > 256 ? new Int32Array(files.length) : new Uint8Array(files.length);
    files.forEach((f, i) => {
      images.set(decodeImage(f.file, f.display, at.roots, expected.shape), i * h * w * c);
      labels[i] = f.label;
    });
    return { images, labels, count: files.length };
  };
  const train = split('train');
  const test = split('test');
  return {
    name: 'image-folder',
    shape: expected.shape,
    classes: expected.classes,
    train,
    test,
    provenance: { classes, train: train.count, test: test.count },
  };
}

function splitFolder(at: IdxFolder, which: 'train' | 'test'): { folder: string; display: string } {
  const display = `${at.display}/${which}`;
  const path = join(at.folder, which);
  if (!present(path)) {
    throw new DatasetError(
      'DATASET_FILE',
      `image folder ${at.display} has no ${which}/ folder (one folder per class inside)`,
    );
  }
  const confined = confineDataPath(path, at.roots);
  if (!confined.inside)
    throw new DatasetError('DATASET_PATH', `data folder ${display} resolves outside the data roots`);
  return { folder: confined.realPath, display };
}

function sortedEntries(folder: string, display: string): string[] {
  try {
    return readdirSync(folder).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetError(
      'DATASET_FILE',
      `cannot list data folder ${display} (${typeof code === 'string' ? code : 'unreadable'})`,
      { cause: e },
    );
  }
}

/** The class folders of a split folder (names not starting with '.'), sorted; a file there is refused. */
function subfolders(folder: string, display: string): string[] {
  const names: string[] = [];
  for (const name of sortedEntries(folder, display)) {
    if (name.startsWith('.')) continue;
    // Followed if a link: where it leads is checked against the roots before anything in it is read.
    if (!isFolder(join(folder, name))) {
      throw new DatasetError(
        'DATASET_FORMAT',
        `image folder ${display}: ${escapeForMessage(name)} is not a folder (a split folder holds one folder per class)`,
      );
    }
    names.push(name);
  }
  return names;
}

/** One image, decoded and converted to `shape`'s channels; its width and height are checked before decoding. */
function decodeImage(
  file: string,
  display: string,
  roots: readonly string[],
  shape: [number, number, number],
): Uint8Array {
  const [h, w, c] = shape;
  const fail = (problem: string) => new DatasetError('DATASET_FORMAT', `image ${display}: ${problem}`);
  const data = openDataFile(file, { roots, display });
  let bytes: Uint8Array;
  try {
    if (data.size > IMAGE_MAX_FILE_BYTES) throw fail(`larger than the ${IMAGE_MAX_FILE_BYTES}-byte limit`);
    bytes = data.read(0, data.size);
  } finally {
    data.close();
  }
  let rgba: { width: number; height: number; data: Uint8Array };
  const isPng = PNG_SIGNATURE.every((b, i) => bytes[i] === b);
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  const sizeRule = `images must be ${w}×${h} (width × height; dataset shape [${shape.join(', ')}])`;
  if (isPng) {
    // IHDR is the first chunk: width and height (big-endian) at bytes 16–23, read before anything is inflated.
    if (bytes.length < 24) throw fail('truncated PNG');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(16) !== w || view.getUint32(20) !== h) throw fail(sizeRule);
    try {
      rgba = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch {
      throw fail('a corrupt PNG (it does not decode)');
    }
  } else if (isJpeg) {
    try {
      rgba = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: Math.max(1, Math.ceil((w * h) / 1e6)),
        maxMemoryUsageInMB: 64 + Math.ceil((w * h * 4 * 4) / 2 ** 20),
      });
    } catch {
      throw fail('a corrupt JPEG, or one larger than the data set shape (it does not decode within bounds)');
    }
  } else {
    throw fail('neither a PNG nor a JPEG (by its signature)');
  }
  if (rgba.width !== w || rgba.height !== h) throw fail(sizeRule);
  const out = new Uint8Array(h * w * c);
  for (let p = 0; p < h * w; p++) {
    const r = rgba.data[p * 4] as number;
    const g = rgba.data[p * 4 + 1] as number;
    const b = rgba.data[p * 4 + 2] as number;
    if (c === 1) out[p] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    else {
      out[p * c] = r;
      out[p * c + 1] = g;
      out[p * c + 2] = b;
      if (c === 4) out[p * c + 3] = rgba.data[p * 4 + 3] as number;
    }
  }
  return out;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}
