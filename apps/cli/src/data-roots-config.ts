import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { DataRoots } from '@distillery/spec';
import { ConfigError } from './config-error.ts';

/** The folder under the artifact directory that holds one data folder per team, named by team id. */
export const TEAM_DATA_FOLDER = 'datasets';

export interface DataRootsSettings {
  /** Embedded mode also allows the working directory: a researcher's own files next to the sweep file. */
  mode: 'embedded' | 'server';
  /** The artifact directory (relative: from `cwd`); team folders are `<artifactDir>/datasets/<team id>`. */
  artifactDir: string;
  /** @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** @defaultValue process.cwd() */
  cwd?: string;
}

/**
 * Where `dataset.path` may point, for the API's check and the workers' loaders alike: the folders of
 * DISTILLERY_DATA_ROOTS (absolute, separated like PATH), in embedded mode the working directory as well, and
 * each team's own folder `<artifact dir>/datasets/<team id>`.
 */
export function loadDataRoots(settings: DataRootsSettings): DataRoots {
  const env = settings.env ?? process.env;
  const cwd = settings.cwd ?? process.cwd();
  const listed = (env.DISTILLERY_DATA_ROOTS ?? '')
    .split(delimiter)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of listed) {
    if (!isAbsolute(entry)) {
      throw new ConfigError(
        `DISTILLERY_DATA_ROOTS must list absolute folders separated by '${delimiter}', got '${entry}'`,
      );
    }
  }
  return {
    shared: settings.mode === 'embedded' ? [...listed, cwd] : listed,
    teamBase: join(resolve(cwd, settings.artifactDir), TEAM_DATA_FOLDER),
  };
}
