import { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { analyticSettings } from './analytic-rows.ts';
import type { ComparisonPairRow } from './comparison-pair-row.ts';
import type { ComparisonStratumRow } from './comparison-stratum-row.ts';
import { teamConfigurationStatsSql } from './configurations-sql.ts';
import { fragmentRows } from './fragment-rows.ts';
import { pairComparisonPoolsSql } from './pair-comparison-pools-sql.ts';
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
 * The configurations taking A or B paired (pairComparisonPoolsSql): every stratum with its seed pairs'
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

/** How a dimension's values are read where a configuration does not name one (ComparisonQuery's defaults). */
interface ValueDefaults {
  quantization?: { field: string; float: string; qatDefault?: string };
  absent?: string;
}

/**
 * The dimensions `configuration_dimension_keys` keeps a value and a pairing key of for every configuration, in the
 * order of its arrays (migration 20261205010000_configuration_dimension_keys: configuration_dimension_keys_of lists
 * the same): the API's named dimensions and prune.method, each with the further paths its context leaves out
 * (ComparisonQuery.alsoOmit) and the defaults its values take in `comparison_pools` (migration
 * 20261208010000_comparison_pools: comparison_pool_keys_of writes the same), the API's.
 */
export const KEPT_COMPARISON_DIMENSIONS: readonly {
  path: string;
  alsoOmit: readonly (readonly string[])[];
  pooled: ValueDefaults;
}[] = [
  { path: 'model.activation', alsoOmit: [], pooled: {} },
  { path: 'model.hidden', alsoOmit: [], pooled: {} },
  { path: 'model.channels', alsoOmit: [], pooled: {} },
  { path: 'model.batchNorm', alsoOmit: [], pooled: {} },
  { path: 'model.smh.fraction', alsoOmit: [], pooled: {} },
  { path: 'quantize.bits', alsoOmit: [], pooled: { quantization: { field: 'bits', float: '32' } } },
  { path: 'quantize.method', alsoOmit: [], pooled: { quantization: { field: 'method', float: 'none' } } },
  {
    path: 'quantize.noise',
    alsoOmit: [],
    pooled: { quantization: { field: 'noise', float: 'none', qatDefault: '1' } },
  },
  { path: 'distill.temperature', alsoOmit: [], pooled: {} },
  { path: 'distill.alpha', alsoOmit: [], pooled: {} },
  { path: 'train.optimizer.name', alsoOmit: [], pooled: {} },
  { path: 'train.optimizer.lr', alsoOmit: [], pooled: {} },
  { path: 'train.epochs', alsoOmit: [], pooled: {} },
  { path: 'prune.sparsity', alsoOmit: [], pooled: {} },
  { path: 'prune.method', alsoOmit: [['prune', 'alpha']], pooled: {} },
  { path: 'data.source', alsoOmit: [['data']], pooled: { absent: 'real' } },
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

/** Whether the query reads a kept dimension's values with the defaults its pools were made with. */
function takesPooledDefaults(query: ComparisonQuery, index: number): boolean {
  const pooled = KEPT_COMPARISON_DIMENSIONS[index]?.pooled;
  const q = query.quantization;
  const p = pooled?.quantization;
  const sameQuantization =
    q === undefined || p === undefined
      ? q === p
      : q.field === p.field && q.float === p.float && q.qatDefault === p.qatDefault;
  return pooled !== undefined && sameQuantization && query.absent === pooled.absent;
}

/**
 * The team's configurations that take value A or B along one dimension, each with its context (configurations
 * with equal contexts pair: equal configs without the dimension, the same teacher configuration) and its
 * replicates, pooled and paired in the database (pairComparisonPoolsSql); and the values the dimension takes,
 * counted over the team's configurations — in one statement.
 *
 * Along a kept dimension (KEPT_COMPARISON_DIMENSIONS) of all the team's configurations, the pools are read as the
 * database keeps them (comparison_pools: poolsComparisonSql); with filters that take whole configurations, the
 * contexts and values are read from configuration_dimension_keys, one row per configuration, and pooled
 * (keysComparisonSql); otherwise they are computed from every configuration's representative config
 * (configsComparisonSql). All three give the same pairs, tests and values (apps/api/test/compare-dimension-keys.test.ts
 * holds the answers equal); only the contexts' names differ, and the pairing never shows them.
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
  if (conditions.length === 1 && takesPooledDefaults(query, index)) {
    return Prisma.sql`${poolsComparisonSql(index, teamId, query)}${pairComparisonPoolsSql(query.limit, descriptions)}`;
  }
  return Prisma.sql`${keysComparisonSql(conditions, index, teamId, query)}${pairComparisonSidesSql(query.a, query.limit, descriptions)}`;
}

/**
 * From comparison_pools: the team's pools taking A or B along the kept dimension at `index` (an index range), each
 * with its configurations' replicates and sizes from configuration_replicates (a pool of one configuration, nearly
 * every one, is that configuration's row; the few of several are merged as poolComparisonSidesSql merges them),
 * and the values' counts from the dimension's pools. Only for a team's every configuration: pools are not kept
 * per filter.
 */
function poolsComparisonSql(index: number, teamId: string, query: ComparisonQuery): Prisma.Sql {
  const team = Prisma.sql`${teamId}::uuid`;
  return Prisma.sql`WITH pools AS MATERIALIZED (
        SELECT row_number() OVER () AS pool, p.context, p.value = ${query.a}::text AS is_a, p.variant AS v,
          p.members, p.teacher_key
        FROM comparison_pools p
        WHERE p.team_id = ${team} AND p.dimension = ${index}::smallint
          AND p.value = ANY(${[query.a, query.b]}::text[])
      ),
      pooled AS MATERIALIZED (
        -- Sizes as a pool's are averaged (sum of size × replicates over the sum of replicates), so that a pool of
        -- one comes out as the same number.
        SELECT p.pool, p.context, p.is_a, p.v, 1 AS configurations, r.group_hash AS "group",
          p.teacher_key COLLATE "C" AS tkey, r.bytes * cardinality(r.seeds) / cardinality(r.seeds) AS bytes,
          r.parameters * cardinality(r.seeds) / cardinality(r.seeds) AS parameters, r.quantize,
          COALESCE(r.quantize::text, 'null') COLLATE "C" AS q, r.seeds, r.run_ids AS "runIds", r.accuracies
        FROM pools p JOIN configuration_replicates r
          ON r.team_id = ${team} AND r.group_hash = p.members[1] AND r.teacher_key = p.teacher_key
        WHERE cardinality(p.members) = 1
        UNION ALL
        SELECT p.pool, p.context, p.is_a, p.v, cardinality(p.members), p.members[1], p.teacher_key COLLATE "C",
          z.bytes, z.parameters, z.quantize, COALESCE(z.quantize::text, 'null') COLLATE "C", m.seeds, m."runIds",
          m.accuracies
        FROM pools p
        CROSS JOIN LATERAL (
          SELECT sum(r.bytes * cardinality(r.seeds) ORDER BY r.group_hash) / sum(cardinality(r.seeds)) AS bytes,
            sum(r.parameters * cardinality(r.seeds) ORDER BY r.group_hash) / sum(cardinality(r.seeds)) AS parameters,
            (array_agg(r.quantize ORDER BY r.group_hash))[1] AS quantize
          FROM configuration_replicates r
          WHERE r.team_id = ${team} AND r.group_hash = ANY(p.members) AND r.teacher_key = p.teacher_key
        ) z
        CROSS JOIN LATERAL (
          SELECT array_agg(u.seed ORDER BY u.run_id) AS seeds, array_agg(u.run_id ORDER BY u.run_id) AS "runIds",
            array_agg(u.accuracy ORDER BY u.run_id) AS accuracies
          FROM configuration_replicates r, unnest(r.seeds, r.run_ids, r.accuracies) AS u(seed, run_id, accuracy)
          WHERE r.team_id = ${team} AND r.group_hash = ANY(p.members) AND r.teacher_key = p.teacher_key
        ) m
        WHERE cardinality(p.members) > 1
      ),
      value_counts AS (
        SELECT p.value, sum(cardinality(p.members))::int AS configurations FROM comparison_pools p
        WHERE p.team_id = ${team} AND p.dimension = ${index}::smallint
        GROUP BY p.value
      )`;
}

/**
 * From configuration_dimension_keys: the team's configurations with their value and key at the dimension's
 * `index`, the values as configsComparisonSql computes them; the ones taking A or B with their sizes and
 * replicates from configuration_replicates. `conditions` (storedConfigurationConditions) are on
 * configuration_stats: with filters beyond the team's, the configurations they keep (whole configurations, so
 * every replicate of one passes them) are looked up there.
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
          k.contexts[${index + 1}::int] AS context, ${variant} AS variant, k.quantize
        FROM configuration_dimension_keys k
        WHERE k.team_id = ${teamId}::uuid ${filtered}
      ),
      sides AS (
        SELECT v.*, r.parameters, r.bytes, r.seeds, r.run_ids AS "runIds", r.accuracies
        FROM v JOIN configuration_replicates r
          ON r.team_id = ${teamId}::uuid AND r.group_hash = v."group" AND r.teacher_key = v.tkey
        WHERE v.value = ANY(${[query.a, query.b]}::text[])
      )`;
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
          array_agg(m.seed ORDER BY m."runId"::uuid) AS seeds, array_agg(m."runId"::uuid ORDER BY m."runId"::uuid) AS "runIds",
          array_agg(m.accuracy ORDER BY m."runId"::uuid) AS accuracies
        FROM chosen c JOIN (${facts}) m ON m."group" = c."group" AND m.tkey = c.tkey
        GROUP BY c.context, c.value, c.variant, c.quantize, c."group", c.tkey, c.kind, c.dataset, c."teacherId",
          c.parameters, c.bytes, c.label, c.rep
      )`;
}
