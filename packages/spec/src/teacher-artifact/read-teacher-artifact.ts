import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { confineDataPath } from '../data-paths/confine-data-path.ts';
import { escapeForMessage } from '../data-paths/escape-for-message.ts';
import { TeacherArtifactError } from './teacher-artifact-error.ts';
import type { TeacherArtifactFacts } from './teacher-artifact-facts.ts';
import { TfjsModelJson, type TopologyFacts, topologyFacts } from './tfjs-model-json.ts';

export const TEACHER_MODEL_JSON = 'model.json';
/** The largest model.json read: topologies are kilobytes; this bounds a hostile one. */
export const TEACHER_MODEL_JSON_MAX_BYTES = 32 * 2 ** 20;
/** The most weight bytes read for a teacher (all its files together): 1 GiB. */
export const TEACHER_WEIGHTS_MAX_BYTES = 2 ** 30;
const DIGEST_FORMAT = 'distillery-tfjs-artifact-v1';

/** One file of a teacher artifact, by its path relative to the folder. */
export interface TeacherArtifactFile {
  name: string;
  data: Uint8Array;
}

/** A teacher artifact read from its folder: the files, the parsed model.json, and what they tell. */
export interface TeacherArtifact extends TopologyFacts, TeacherArtifactFacts {
  /** model.json first, then the weight files in manifest order. */
  files: TeacherArtifactFile[];
  modelJson: TfjsModelJson;
}

/**
 * The identity of a teacher artifact: sha256 (hex) of the text `distillery-tfjs-artifact-v1\n`, then for each
 * file (model.json, then its weight files in manifest order) its byte length in decimal, `\n`, and its bytes.
 * The same files give the same digest wherever they are.
 */
export function teacherArtifactDigest(files: readonly TeacherArtifactFile[]): string {
  const hash = createHash('sha256').update(`${DIGEST_FORMAT}\n`);
  for (const f of files) hash.update(`${f.data.length}\n`).update(f.data);
  return hash.digest('hex');
}

/**
 * Reads a TensorFlow.js layers model folder inside `roots` (symlinks included, for the folder and for every
 * file): model.json (validated: a topology and a weights manifest) and every weight file it lists, each read
 * with a bound. Throws a TeacherArtifactError naming the file and the rule. `display` names the folder in
 * messages. @param display @defaultValue the path, escaped
 */
export function readTeacherArtifact(
  path: string,
  roots: readonly string[],
  display: string = escapeForMessage(path),
): TeacherArtifact {
  const folder = confineDataPath(path, roots);
  if (!folder.inside) {
    throw new TeacherArtifactError(
      'outside',
      `${display} is outside the data roots: a teacher artifact must resolve, symlinks included, inside a configured data root`,
    );
  }
  const jsonBytes = readConfined(
    join(folder.realPath, TEACHER_MODEL_JSON),
    roots,
    `${display}/${TEACHER_MODEL_JSON}`,
    TEACHER_MODEL_JSON_MAX_BYTES,
  );
  const invalid = (rule: string) => new TeacherArtifactError('invalid', `${display}/${TEACHER_MODEL_JSON}: ${rule}`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(jsonBytes));
  } catch {
    throw invalid('not JSON');
  }
  const parsed = TfjsModelJson.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') || 'its top level';
    throw invalid(
      `not a TensorFlow.js layers model (at ${escapeForMessage(where)}: ${issue?.message ?? 'invalid'}); a layers model.json has modelTopology and weightsManifest`,
    );
  }
  const files: TeacherArtifactFile[] = [{ name: TEACHER_MODEL_JSON, data: jsonBytes }];
  let weightBytes = 0;
  for (const group of parsed.data.weightsManifest) {
    for (const name of group.paths) {
      const data = readConfined(
        join(folder.realPath, name),
        roots,
        `${display}/${escapeForMessage(name).slice(1, -1)}`,
        TEACHER_WEIGHTS_MAX_BYTES - weightBytes,
      );
      weightBytes += data.length;
      files.push({ name, data });
    }
  }
  const tensors = parsed.data.weightsManifest.flatMap((g) =>
    g.weights.map((w) => ({ name: w.name, shape: w.shape, trainable: true })),
  );
  return {
    files,
    modelJson: parsed.data,
    digest: teacherArtifactDigest(files),
    tensors,
    ...topologyFacts(parsed.data.modelTopology),
  };
}

/**
 * A whole file whose real location is inside `roots`, opened without following a final link and only if it is
 * a regular file of at most `maxBytes`.
 */
function readConfined(file: string, roots: readonly string[], display: string, maxBytes: number): Uint8Array {
  const confined = confineDataPath(file, roots);
  if (!confined.inside) throw new TeacherArtifactError('outside', `${display} resolves outside the data roots`);
  let fd: number;
  try {
    fd = openSync(confined.realPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : 'unreadable';
    throw new TeacherArtifactError('missing', `cannot read ${display} (${why})`, { cause: e });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new TeacherArtifactError('missing', `${display} is not a regular file`);
    if (stat.size > maxBytes) {
      throw new TeacherArtifactError(
        'invalid',
        `${display}: larger than the teacher artifact's limit of ${maxBytes} bytes left`,
      );
    }
    const out = Buffer.allocUnsafe(stat.size);
    let done = 0;
    while (done < stat.size) {
      const n = readSync(fd, out, done, stat.size - done, done);
      if (n === 0) throw new TeacherArtifactError('invalid', `${display} shrank while it was read`);
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
