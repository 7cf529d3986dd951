import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..', '..');

export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The project's version (package.json): the tag the compose file and the manifests give the images. */
export function projectVersion(): string {
  return (JSON.parse(readRepoFile('package.json')) as { version: string }).version;
}
