import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { withClient } from '../client/connect.ts';
import { resolveRunId } from '../client/resolve-run.ts';
import { ConfigError } from '../config-error.ts';

/** What `distillery model download` can write: the files each format consists of, as the API names them. */
export const MODEL_FORMATS = {
  /** A standard TensorFlow.js layers model: `tf.loadLayersModel('file://…/model.json')` or over HTTP. */
  tfjs: ['model.json', 'model.weights.bin'],
  /** The packed artifact as the run stored it (layout in the README). */
  packed: ['packed.json', 'packed.bin'],
} as const;
export type ModelFormat = keyof typeof MODEL_FORMATS;

export interface ModelDownloadFlags {
  /** @defaultValue 'tfjs' */
  format?: string;
  /** The folder to write into (created if missing). @defaultValue `./model-<run id>` */
  out?: string;
}

/**
 * `distillery model download RUN` (a run id or a unique prefix of one): a finished run's model files into a folder. Every file is fetched before any
 * is written, and each lands under its final name by rename, so a failed download leaves no half model.
 */
export async function modelDownloadCommand(ref: string, flags: ModelDownloadFlags = {}): Promise<void> {
  const format = flags.format ?? 'tfjs';
  if (!(format in MODEL_FORMATS)) {
    throw new ConfigError(`--format must be one of ${Object.keys(MODEL_FORMATS).join(', ')}, got '${format}'`);
  }
  const names = MODEL_FORMATS[format as ModelFormat];
  // One after the other: the first refusal (model.json's) is the one reported, every time.
  const files: { name: string; data: Uint8Array }[] = [];
  const runId = await withClient(async (client) => {
    const id = await resolveRunId(client, ref);
    const base = `/v1/runs/${encodeURIComponent(id)}/artifacts`;
    for (const name of names) files.push({ name, data: await client.download(`${base}/${name}`) });
    return id;
  });
  const dir = resolve(flags.out ?? `model-${runId}`);
  await mkdir(dir, { recursive: true });
  for (const { name, data } of files) {
    const path = join(dir, name);
    await writeFile(`${path}.partial`, data);
    await rename(`${path}.partial`, path);
    console.log(`${path} (${data.length} bytes)`);
  }
}
