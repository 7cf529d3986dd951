import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { confineDataPath, escapeForMessage } from '@distillery/spec';
import { DatasetError } from '../errors.ts';

export interface DataFileOptions {
  /** Folders the file must resolve into (symlinks included), checked when it is opened. */
  roots: readonly string[];
  /** How the file is named in messages: escaped, e.g. `"my-data"/train-labels-idx1-ubyte`. @defaultValue its base name */
  display?: string;
}

/** A data file opened for reading: its size and bounded reads; `close` when done. */
export interface DataFile {
  display: string;
  size: number;
  read(position: number, length: number): Uint8Array;
  close(): void;
}

/**
 * Opens a data file only if its real location lies inside `roots`: a file inside a permitted folder that is a
 * symlink to somewhere else is refused, with the same message whether or not its target exists. The resolved
 * path is opened without following a final link (a link swapped in after the check fails to open), and only
 * regular files are read.
 */
export function openDataFile(file: string, options: DataFileOptions): DataFile {
  const display = options.display ?? escapeForMessage(basename(file));
  const confined = confineDataPath(file, options.roots);
  if (!confined.inside) {
    throw new DatasetError('DATASET_PATH', `data file ${display} resolves outside the data roots`);
  }
  let fd: number;
  try {
    fd = openSync(confined.realPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw new DatasetError('DATASET_FILE', `cannot read data file ${display} (${errorCode(e)})`, { cause: e });
  }
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new DatasetError('DATASET_FILE', `data file ${display} is not a regular file`);
  }
  return {
    display,
    size: stat.size,
    read(position, length) {
      const out = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, position + done);
        if (n === 0) throw new DatasetError('DATASET_FILE', `data file ${display} shrank while it was read`);
        done += n;
      }
      return out;
    },
    close: () => closeSync(fd),
  };
}

/**
 * Whether a name is taken in a folder already checked against the roots, a symlink counting as present whatever
 * it points to: the link is then refused by `openDataFile` the same way whether its target exists or not.
 */
export function present(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/** An errno code only (ENOENT, EACCES): never the message, which repeats the path unescaped. */
function errorCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : 'unreadable';
}
