import type { Command } from 'commander';
import type { ApiClient } from '../api-client.ts';
import { resolveRunId } from './resolve-run.ts';
import { resolveSweepId } from './resolve-sweep.ts';

/** The result filters every results command takes, as `--flag <value>` → query parameter. */
const FILTERS = [
  ['dataset', 'dataset', 'data set(s), comma-separated: mnist, fashion-mnist, …'],
  ['family', 'family', 'model family: mlp, cnn'],
  ['activation', 'activation', 'activation(s): relu, lma (any segments), lma-8, …'],
  ['bits', 'bits', 'bit width(s), 32 for float: e.g. 4,8'],
  ['method', 'method', 'quantization: ptq, qat, pq, none'],
  ['kind', 'kind', 'run kind(s): teacher, student, quantize-ptq, quantize-qat, prune'],
  ['data-source', 'dataSource', 'what the runs trained on: real (the training split), synthetic (data-free)'],
  ['max-bytes', 'maxBytes', 'only results of at most this many bytes'],
  ['min-accuracy', 'minAccuracy', 'only results with at least this accuracy (0..1)'],
  ['sweep', 'sweep', "only this sweep's runs (its id, a unique id prefix, or its name)"],
  ['tag', 'tag', 'only sweeps with this tag'],
  ['teacher', 'teacher', 'only runs distilled from this teacher run (its id or a unique id prefix)'],
] as const;

export type FilterFlags = Partial<Record<(typeof FILTERS)[number][1], string>>;

/** Adds the filter options to a command. */
export function withResultFilters(command: Command): Command {
  for (const [flag, , description] of FILTERS) command.option(`--${flag} <value>`, description);
  return command;
}

/** The query parameters of the filters given on the command line. */
export function filterQuery(flags: FilterFlags): Record<string, string | undefined> {
  return Object.fromEntries(FILTERS.map(([, name]) => [name, flags[name]]));
}

/** `--csv` / `--json`: how a results command prints. */
export interface OutputFlags {
  csv?: boolean;
  json?: boolean;
}

export function withOutputFormat(command: Command): Command {
  return command
    .option('--csv', 'print CSV (everything that matches)')
    .option('--json', 'print the API answer as JSON');
}

/**
 * {@link filterQuery} with `--sweep` given as an id prefix or a name resolved to the sweep's id, and each of
 * `--teacher`'s runs given as an id prefix resolved to the run's id.
 */
export async function resolvedFilterQuery(
  api: ApiClient,
  flags: FilterFlags,
): Promise<Record<string, string | undefined>> {
  const query = filterQuery(flags);
  if (flags.sweep !== undefined) query.sweep = await resolveSweepId(api, flags.sweep);
  if (flags.teacher !== undefined) {
    const refs = flags.teacher.split(',').map((ref) => ref.trim());
    query.teacher = (await Promise.all(refs.map((ref) => resolveRunId(api, ref)))).join(',');
  }
  return query;
}
