import type { RunConfig } from '@distillery/spec';

/**
 * A run's `config` column as the RunConfig it holds. The one place that trusts the column without parsing
 * it: only the submission writes it, from `expandSweep`'s configs, which the spec's schemas produced; reads
 * that list many runs cannot afford a parse per row. The worker, which acts on a config, parses it anyway.
 */
export function storedRunConfig(column: unknown): RunConfig {
  return column as RunConfig;
}
