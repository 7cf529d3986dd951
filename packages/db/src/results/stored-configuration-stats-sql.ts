import { Prisma } from '../generated/client.ts';
import type { ResultFactFilters } from './result-fact-filters.ts';

/**
 * The filters every replicate of a configuration answers alike: they come from its run config without the seed
 * (data set, family, quantization method, kind, activation) or from its key (the teacher). Filtering
 * configurations on them is filtering their replicates. The others (bits, size, accuracy, sweep, tag) may keep
 * some replicates of a configuration and drop others, so they need the replicates grouped again. A record over
 * every filter, so a new one must be placed.
 */
const SCOPE: Record<keyof ResultFactFilters, 'configuration' | 'replicate'> = {
  dataset: 'configuration',
  family: 'configuration',
  method: 'configuration',
  kind: 'configuration',
  activation: 'configuration',
  teacher: 'configuration',
  bits: 'replicate',
  maxBytes: 'replicate',
  minAccuracy: 'replicate',
  sweep: 'replicate',
  tag: 'replicate',
  // A configuration's own (its config's `data`), but the read model keeps no column of it: grouped again.
  dataSource: 'replicate',
};
const PER_REPLICATE = (Object.keys(SCOPE) as (keyof ResultFactFilters)[]).filter((k) => SCOPE[k] === 'replicate');

/**
 * The team's configurations from the `configuration_stats` read model, with configurationStatsSql's columns and
 * numbers, when every filter given is one of a whole configuration; null when a filter needs the replicates
 * grouped again (then configurationStatsSql over the filtered facts answers). The read model is kept by a
 * trigger as facts change, so this reads one row per configuration instead of grouping every fact of the team.
 * `extra` adds conditions on its columns (`c.on_frontier`), `columns` further columns of it (`c.label`).
 */
export function storedConfigurationStatsSql(
  teamId: string,
  filters: ResultFactFilters,
  extra: Prisma.Sql[] = [],
  columns: Prisma.Sql[] = [],
): Prisma.Sql | null {
  const where = storedConfigurationConditions(teamId, filters);
  if (where === null) return null;
  return Prisma.sql`SELECT c.group_hash AS "group", c.teacher_key AS tkey, c.teacher_id::text AS "teacherId",
      c.dataset, c.kind, c.n, c.accuracy_mean AS "accuracyMean", c.accuracy_std AS "accuracyStd",
      c.loss_mean AS "lossMean", c.loss_std AS "lossStd", c.parameters, c.bytes, c.latest_at AS "latestAt",
      c.rep_run_id::text AS rep${columns.length === 0 ? Prisma.empty : Prisma.sql`, ${Prisma.join(columns)}`}
    FROM configuration_stats c WHERE ${Prisma.join([...where, ...extra], ' AND ')}`;
}

/**
 * storedConfigurationStatsSql's conditions on `configuration_stats c`: the team's first, then one per filter
 * given; null when a filter needs the replicates grouped again.
 */
export function storedConfigurationConditions(teamId: string, filters: ResultFactFilters): Prisma.Sql[] | null {
  if (PER_REPLICATE.some((k) => filters[k] !== undefined)) return null;
  const where: Prisma.Sql[] = [Prisma.sql`c.team_id = ${teamId}::uuid`];
  if (filters.dataset !== undefined) where.push(Prisma.sql`c.dataset = ANY(${filters.dataset}::text[])`);
  if (filters.family !== undefined) where.push(Prisma.sql`c.family = ANY(${filters.family}::text[])`);
  if (filters.method !== undefined) where.push(Prisma.sql`c.method = ANY(${filters.method}::text[])`);
  if (filters.kind !== undefined) where.push(Prisma.sql`c.kind = ANY(${filters.kind}::text[])`);
  if (filters.teacher !== undefined) {
    where.push(Prisma.sql`c.teacher_key = (SELECT identity FROM runs WHERE id = ${filters.teacher}::uuid)`);
  }
  if (filters.activation !== undefined) {
    where.push(
      Prisma.sql`(c.activation = ANY(${filters.activation}::text[]) OR c.activation_name = ANY(${filters.activation}::text[]))`,
    );
  }
  return where;
}
