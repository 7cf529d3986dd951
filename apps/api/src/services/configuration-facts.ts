import type { RunKind } from '@distillery/spec';
import type { QuantizeMethod } from '../schemas/result-filters.ts';
import type { ConfigurationResult } from '../schemas/team-results.ts';

/** The columns of a result that say which configuration it belongs to, as the database reads them (text). */
export interface ConfigurationFactColumns {
  kind: string;
  dataset: string;
  family: string;
  activation: string;
  method: string;
  bits: number;
  teacherId: string | null;
}

/** Those facts as the API's configuration results and result rows type them. */
export type ConfigurationFactFields = Pick<
  ConfigurationResult,
  'kind' | 'dataset' | 'family' | 'activation' | 'method' | 'bits' | 'teacherId'
>;

/**
 * A result's configuration facts in the API's types: the columns are text in the database, filled from the
 * validated run configs, so they hold the run kinds, data-set names and quantize methods those configs allow.
 */
export function configurationFacts(r: ConfigurationFactColumns): ConfigurationFactFields {
  return {
    kind: r.kind as RunKind,
    dataset: r.dataset as ConfigurationResult['dataset'],
    family: r.family,
    activation: r.activation,
    method: r.method as QuantizeMethod,
    bits: r.bits,
    teacherId: r.teacherId,
  };
}
