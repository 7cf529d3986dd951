import { existsSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config-error.ts';
import { STARTER_SWEEP } from '../starter-sweep.ts';

export interface InitFlags {
  /** Replace the file if it exists. @defaultValue false */
  force?: boolean;
}

/** Writes a commented starter sweep to `file` (never over an existing file without --force), and says what next. */
export async function initCommand(file: string, flags: InitFlags = {}): Promise<void> {
  if (existsSync(file) && !flags.force) {
    throw new ConfigError(`${file} exists; choose another name or pass --force to replace it`);
  }
  writeFileSync(file, STARTER_SWEEP);
  console.log(`wrote ${file}: a commented starter sweep`);
  console.log(`check it:  distillery run ${file} --dry-run`);
  console.log(`run it:    distillery run ${file}`);
}
