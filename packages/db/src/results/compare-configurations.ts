import { ACTIVATION_OPTION_KEYS } from '@distillery/spec';
import { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { analyticRows } from './analytic-rows.ts';
import type { ComparisonSideRow } from './comparison-side-row.ts';
import { teamConfigurationStatsSql } from './configurations-sql.ts';
import type { ResultFactFilters } from './result-fact-filters.ts';
import { teamFactsSql } from './team-facts-sql.ts';

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
}

/** The configurations taking A or B, and how many configurations take each value of the dimension. */
export interface ComparedConfigurations {
  sides: ComparisonSideRow[];
  values: { value: string; configurations: number }[];
}

/**
 * A value's label as results show it: strings and numbers as they are, `lma-8` for activations (whatever their
 * options, as activationLabel and the results' `activation` say), JSON otherwise.
 */
function valueLabelSql(value: Prisma.Sql): Prisma.Sql {
  const options = [...ACTIVATION_OPTION_KEYS];
  return Prisma.sql`CASE
      WHEN ${value} IS NULL OR jsonb_typeof(${value}) = 'null' THEN 'none'
      WHEN jsonb_typeof(${value}) IN ('string', 'number', 'boolean') THEN ${value} #>> '{}'
      WHEN jsonb_typeof(${value}) = 'object' AND ${value} ? 'name'
        AND ${value} - 'name' - 'segments' - ${options}::text[] = '{}'::jsonb
        THEN (${value} ->> 'name') || COALESCE('-' || (${value} ->> 'segments'), '')
      ELSE replace(${value}::text, ' ', '')
    END`;
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
 * The team's configurations that take value A or B along one dimension, each with its context (the
 * representative run's config without the dimension, compared as jsonb: key order does not matter, numbered
 * with the teacher configuration) and its replicates; and the values the dimension takes, counted — computed per
 * configuration (not per run), in one statement.
 */
export async function compareConfigurations(
  db: SqlExecutor,
  teamId: string,
  filters: ResultFactFilters,
  query: ComparisonQuery,
): Promise<ComparedConfigurations> {
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
  const [answer] = await analyticRows<{
    sides: ComparisonSideRow[] | null;
    values: ComparedConfigurations['values'] | null;
  }>(
    db,
    Prisma.sql`WITH s AS (${teamConfigurationStatsSql(teamId, filters, facts)}),
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
        SELECT c.context, c.value, c.variant, c.quantize, c."group", c.kind, c.dataset, c."teacherId", c.parameters,
          c.bytes, c.label, c.rep,
          array_agg(m.seed) AS seeds, array_agg(m."runId"::text) AS "runIds", array_agg(m.accuracy) AS accuracies
        FROM chosen c JOIN (${facts}) m ON m."group" = c."group" AND m.tkey = c.tkey
        GROUP BY c.context, c.value, c.variant, c.quantize, c."group", c.kind, c.dataset, c."teacherId",
          c.parameters, c.bytes, c.label, c.rep
      )
      SELECT (SELECT json_agg(sides) FROM sides) AS sides,
        (SELECT json_agg(c ORDER BY c.value) FROM (
          SELECT value, count(*)::int AS configurations FROM v GROUP BY value
        ) c) AS "values"`,
  );
  return { sides: answer?.sides ?? [], values: answer?.values ?? [] };
}
