import { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { analyticSettings } from './analytic-rows.ts';
import type { ComparisonPairRow } from './comparison-pair-row.ts';
import type { ComparisonStratumRow } from './comparison-stratum-row.ts';
import { teamConfigurationStatsSql } from './configurations-sql.ts';
import { fragmentRows } from './fragment-rows.ts';
import { pairComparisonSidesSql } from './pair-comparison-sides-sql.ts';
import type { ResultFactFilters } from './result-fact-filters.ts';
import { storedConfigurationConditions } from './stored-configuration-stats-sql.ts';
import { teamFactsSql } from './team-facts-sql.ts';
import { valueLabelSql } from './value-label-sql.ts';

/** Along which config path to compare, and the two values compared. */
export interface ComparisonQuery {
  /** The dimension's path in a run config, split at the dots (`model.activation` → `['model', 'activation']`). */
  segments: string[];
  /**
   * When the dimension is the quantization itself (its bits, method or noise): the field of the `quantize` block,
   * the value a float configuration takes along it (`32`, `none`), and the value a qat run without the field takes
   * (`1` for the noise: plain QAT is Quant-Noise at rate 1). The context then leaves out kind and the whole block,
   * and what remains of the block must match (see ComparisonSideRow.variant) — except along the method, where a
   * product quantization (nothing in common with a uniform one's bits and buckets) pairs with every variant.
   */
  quantization?: { field: string; float: string; qatDefault?: string };
  /**
   * Further config paths (split at the dots) the context leaves out besides the dimension's: what goes with the
   * dimension's value (SuRP's `prune.alpha` with `prune.method`).
   */
  alsoOmit?: string[][];
  /**
   * The value a configuration takes when its config has the dimension's enclosing block but not the field: a
   * default left unwritten (`kd` for `distill.method`: KD configs store no method). Absent: such a configuration
   * takes `none`, as one without the block does.
   */
  unwritten?: string;
  /** The value of a configuration without the path at all (`real` for `data.source`: runs on the training split). */
  absent?: string;
  a: string;
  b: string;
  /** The most pairs described (ComparedConfigurations.pairs); the strata cover every pair. */
  limit: number;
}

/**
 * The configurations taking A or B paired (pairComparisonSidesSql): every stratum with its seed pairs'
 * differences, the first `limit` pairs described, the configurations left without a partner, and how many
 * configurations take each value of the dimension.
 */
export interface ComparedConfigurations {
  strata: ComparisonStratumRow[];
  pairs: ComparisonPairRow[];
  unpaired: { a: number; b: number };
  values: { value: string; configurations: number }[];
}

/**
 * A run's config as compared: a PTQ run's config has no training (it does not train); its parent's — the float
 * (or pruned) student's — is the one that tells PTQ variants of differently trained students apart, both in the
 * context and as the value along a training dimension (`train.epochs`: the PTQ variant of a 3-epoch student is
 * at 3).
 */
function config(): Prisma.Sql {
  return Prisma.sql`(CASE WHEN r.kind = 'quantize-ptq' AND p.config IS NOT NULL
      THEN jsonb_set(r.config, '{train}', p.config -> 'train') ELSE r.config END)`;
}

/**
 * The dimensions `configuration_dimension_keys` keeps a value and a pairing key of for every configuration, in the
 * order of its arrays (migration 20261205010000_configuration_dimension_keys: configuration_dimension_keys_of lists
 * the same): the API's named dimensions and prune.method, each with the further paths its context leaves out
 * (ComparisonQuery.alsoOmit).
 */
export const KEPT_COMPARISON_DIMENSIONS: readonly { path: string; alsoOmit: readonly (readonly string[])[] }[] = [
  { path: 'model.activation', alsoOmit: [] },
  { path: 'model.hidden', alsoOmit: [] },
  { path: 'model.channels', alsoOmit: [] },
  { path: 'model.batchNorm', alsoOmit: [] },
  { path: 'model.smh.fraction', alsoOmit: [] },
  { path: 'quantize.bits', alsoOmit: [] },
  { path: 'quantize.method', alsoOmit: [] },
  { path: 'quantize.noise', alsoOmit: [] },
  { path: 'distill.temperature', alsoOmit: [] },
  { path: 'distill.alpha', alsoOmit: [] },
  { path: 'train.optimizer.name', alsoOmit: [] },
  { path: 'train.optimizer.lr', alsoOmit: [] },
  { path: 'train.epochs', alsoOmit: [] },
  { path: 'prune.sparsity', alsoOmit: [] },
  { path: 'prune.method', alsoOmit: [['prune', 'alpha']] },
  { path: 'data.source', alsoOmit: [['data']] },
];

/** The query's dimension's place in configuration_dimension_keys' arrays (0-based), or -1 where it is not kept. */
function keptIndex(query: ComparisonQuery): number {
  const path = query.segments.join('.');
  const i = KEPT_COMPARISON_DIMENSIONS.findIndex((d) => d.path === path);
  const kept = KEPT_COMPARISON_DIMENSIONS[i];
  // Kept as the keys were made: the same paths left out, no unwritten default (distill.method's).
  if (kept === undefined || query.unwritten !== undefined) return -1;
  return JSON.stringify(query.alsoOmit ?? []) === JSON.stringify(kept.alsoOmit) ? i : -1;
}

/**
 * The team's configurations that take value A or B along one dimension, each with its context (configurations
 * with equal contexts pair: equal configs without the dimension, the same teacher configuration) and its
 * replicates, paired in the database (pairComparisonSidesSql); and the values the dimension takes, counted over
 * the team's configurations — in one statement.
 *
 * Along a kept dimension (KEPT_COMPARISON_DIMENSIONS) with filters that take whole configurations, the contexts
 * and values are read from configuration_dimension_keys, one narrow row per configuration (keysComparisonSql);
 * otherwise they are computed from every configuration's representative config (configsComparisonSql). Both give
 * the same sides and values (apps/api/test/compare-dimension-keys.test.ts holds the answers equal); only the
 * contexts' names differ, and the pairing never shows them.
 */
export async function compareConfigurations(
  db: SqlExecutor,
  teamId: string,
  filters: ResultFactFilters,
  query: ComparisonQuery,
): Promise<ComparedConfigurations> {
  // The statement's common table expressions are estimated at a few dozen rows where they hold tens of
  // thousands; a nested loop between two of them is quadratic (minutes on 100,000 results), so none is planned.
  const [answer] = await db.transaction(async (tx) => {
    await analyticSettings(tx);
    await tx.rows`SELECT set_config('enable_nestloop', ${'off'}, true)`;
    return fragmentRows<{
      strata: ComparisonStratumRow[] | null;
      pairs: ComparisonPairRow[] | null;
      unpaired: ComparedConfigurations['unpaired'];
      values: ComparedConfigurations['values'] | null;
    }>(tx, comparisonSql(teamId, filters, query));
  });
  return {
    strata: answer?.strata ?? [],
    pairs: answer?.pairs ?? [],
    unpaired: answer?.unpaired ?? { a: 0, b: 0 },
    values: answer?.values ?? [],
  };
}

/** compareConfigurations' statement. */
export function comparisonSql(teamId: string, filters: ResultFactFilters, query: ComparisonQuery): Prisma.Sql {
  const index = keptIndex(query);
  const conditions = index >= 0 ? storedConfigurationConditions(teamId, filters) : null;
  if (conditions === null) {
    const descriptions = Prisma.sql`SELECT s."group", s.tkey, s.kind, s.dataset, s."teacherId", s.rep, s.label
      FROM sides s`;
    return Prisma.sql`${configsComparisonSql(teamId, filters, query)}${pairComparisonSidesSql(query.a, query.limit, descriptions)}`;
  }
  // The listed pairs' first configurations, by their primary key.
  const descriptions = Prisma.sql`SELECT c.group_hash AS "group", c.teacher_key AS tkey, c.kind, c.dataset,
      c.teacher_id::text AS "teacherId", c.rep_run_id::text AS rep, c.label
    FROM configuration_stats c
    WHERE c.team_id = ${teamId}::uuid AND c.group_hash = ANY(ARRAY(SELECT w."group" FROM shown w))`;
  return Prisma.sql`${keysComparisonSql(conditions, index, teamId, query)}${pairComparisonSidesSql(query.a, query.limit, descriptions)}`;
}

/**
 * From configuration_dimension_keys alone: the team's configurations with their value and key at the dimension's
 * `index`, their sizes, quantization and replicates (all kept in the row), the values as configsComparisonSql
 * computes them. `conditions` (storedConfigurationConditions) are on configuration_stats: with
 * filters beyond the team's, the configurations they keep (whole configurations, so every replicate of one passes
 * them) are looked up there.
 */
function keysComparisonSql(
  conditions: Prisma.Sql[],
  index: number,
  teamId: string,
  query: ComparisonQuery,
): Prisma.Sql {
  const { quantization } = query;
  // The value as configsComparisonSql computes it from the config: labelled (valueLabelSql), or its text with
  // the dimension's defaults; both kept per dimension (configuration_dimension_labels_of), null where JSON null.
  const text = Prisma.sql`k.dimension_texts[${index + 1}::int]`;
  const value =
    query.absent !== undefined
      ? Prisma.sql`COALESCE(${text}, ${query.absent}::text)`
      : quantization === undefined
        ? Prisma.sql`COALESCE(k.dimension_labels[${index + 1}::int], 'none')`
        : Prisma.sql`COALESCE(${text},
          CASE WHEN k.quantize ->> 'method' = 'qat' THEN ${quantization.qatDefault ?? null}::text END,
          ${quantization.float})`;
  const variant =
    quantization === undefined
      ? Prisma.sql`k.quantize`
      : quantization.field === 'method'
        ? Prisma.sql`CASE WHEN k.quantize ->> 'method' = 'pq' THEN NULL ELSE k.quantize - ${quantization.field}::text END`
        : Prisma.sql`k.quantize - ${quantization.field}::text`;
  const filtered =
    conditions.length === 1
      ? Prisma.empty
      : Prisma.sql`AND EXISTS (SELECT 1 FROM configuration_stats c WHERE c.group_hash = k.group_hash
          AND c.teacher_key = k.teacher_key AND ${Prisma.join(conditions, ' AND ')})`;
  return Prisma.sql`WITH v AS MATERIALIZED (
        SELECT k.group_hash AS "group", k.teacher_key AS tkey, ${value} AS value,
          k.contexts[${index + 1}::int] AS context, ${variant} AS variant, k.quantize, k.parameters, k.bytes,
          k.seeds, k.run_ids AS "runIds", k.accuracies
        FROM configuration_dimension_keys k
        WHERE k.team_id = ${teamId}::uuid ${filtered}
      ),
      sides AS (SELECT v.* FROM v WHERE v.value = ANY(${[query.a, query.b]}::text[]))`;
}

/**
 * From the configs: each configuration's context is the representative run's compared config without the
 * dimension (compared as jsonb: key order does not matter), numbered with the teacher configuration — computed
 * per configuration (not per run).
 */
function configsComparisonSql(teamId: string, filters: ResultFactFilters, query: ComparisonQuery): Prisma.Sql {
  const { segments, quantization } = query;
  const omitted = [segments, ...(query.alsoOmit ?? [])].reduce<Prisma.Sql>(
    (sql, path) => Prisma.sql`(${sql} #- ${path}::text[])`,
    config(),
  );
  const facts = teamFactsSql(teamId, filters);
  const block = segments.slice(0, -1);
  const value =
    query.absent !== undefined
      ? Prisma.sql`COALESCE(${config()} #>> ${segments}::text[], ${query.absent}::text)`
      : quantization === undefined
        ? query.unwritten !== undefined
          ? Prisma.sql`CASE WHEN jsonb_typeof(${config()} #> ${block}::text[]) = 'object'
            THEN COALESCE(${config()} #>> ${segments}::text[], ${query.unwritten}::text) ELSE 'none' END`
          : valueLabelSql(Prisma.sql`(${config()} #> ${segments}::text[])`)
        : Prisma.sql`COALESCE(r.config #>> ${segments}::text[],
          CASE WHEN r.config #>> '{quantize,method}' = 'qat' THEN ${quantization.qatDefault ?? null}::text END,
          ${quantization.float})`;
  const ctx =
    quantization === undefined
      ? Prisma.sql`${omitted} - 'seed'`
      : Prisma.sql`${config()} - 'seed' - 'kind' - 'quantize'`;
  const variant =
    quantization === undefined
      ? Prisma.sql`(r.config -> 'quantize')`
      : quantization.field === 'method'
        ? Prisma.sql`CASE WHEN r.config #>> '{quantize,method}' = 'pq' THEN NULL
            ELSE NULLIF(r.config -> 'quantize', 'null'::jsonb) - ${quantization.field}::text END`
        : Prisma.sql`NULLIF(r.config -> 'quantize', 'null'::jsonb) - ${quantization.field}::text`;
  return Prisma.sql`WITH s AS (${teamConfigurationStatsSql(teamId, filters, facts)}),
      v AS MATERIALIZED (
        SELECT s.*, ${value} AS value, ${ctx} AS ctx, ${variant} AS variant,
          NULLIF(r.config -> 'quantize', 'null'::jsonb) AS quantize, r.label
        FROM s JOIN runs r ON r.id = s.rep::uuid LEFT JOIN runs p ON p.id = r.parent_id
      ),
      chosen AS (
        SELECT v.*, dense_rank() OVER (ORDER BY v.ctx, v.tkey)::text AS context FROM v
        WHERE v.value = ANY(${[query.a, query.b]}::text[])
      ),
      sides AS (
        SELECT c.context, c.value, c.variant, c.quantize, c."group", c.tkey, c.kind, c.dataset, c."teacherId",
          c.parameters, c.bytes, c.label, c.rep,
          array_agg(m.seed) AS seeds, array_agg(m."runId"::uuid) AS "runIds", array_agg(m.accuracy) AS accuracies
        FROM chosen c JOIN (${facts}) m ON m."group" = c."group" AND m.tkey = c.tkey
        GROUP BY c.context, c.value, c.variant, c.quantize, c."group", c.tkey, c.kind, c.dataset, c."teacherId",
          c.parameters, c.bytes, c.label, c.rep
      )`;
}
