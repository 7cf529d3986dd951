import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Distillery's version: the repository's package.json, which `npm version` and releases bump. */
export function cliVersion(): string {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}
