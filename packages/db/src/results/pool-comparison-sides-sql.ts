import { Prisma } from '../generated/client.ts';

/**
 * A comparison's configurations pooled, in the database: the further common table expressions of a statement whose
 * earlier ones name `sides` (the configurations taking A or B) and `v` (every configuration with its `value`),
 * naming `pooled` and `value_counts` as pairComparisonPoolsSql reads them.
 *
 * `sides` has one row per configuration with `context` (any type with equality and an order), `value`, `variant`
 * (jsonb, SQL or JSON null for float: what of the quantization must match a partner's), `quantize`, `group`,
 * `tkey`, `parameters`, `bytes`, and its replicates as aligned arrays `seeds`, `runIds` (uuid[]) and `accuracies`
 * in run id order.
 *
 * Within a context, the configurations of one side and one variant are pooled (equal values spelled differently
 * in stored configs, `relu` and `{ name: relu }`): one sort and one window give each configuration its pool (the
 * first configuration's row, by group), the pool's size and its sizes, summed in group order; the replicates of
 * the few pools of several configurations are merged, in run id order.
 */
export function poolComparisonSidesSql(a: string): Prisma.Sql {
  return Prisma.sql`,
      sided AS MATERIALIZED (
        SELECT first_value(w.i) OVER pool AS pool, row_number() OVER pool AS nth, w.context, w.is_a, w.v,
          w."group", w.tkey, w.quantize, w.seeds, w."runIds", w.accuracies,
          count(*) OVER pool::int AS configurations,
          sum(w.bytes * w.n) OVER pool / sum(w.n) OVER pool AS bytes,
          sum(w.parameters * w.n) OVER pool / sum(w.n) OVER pool AS parameters
        FROM (
          SELECT row_number() OVER () AS i, s.context, s.value = ${a}::text AS is_a,
            md5(COALESCE(NULLIF(s.variant, 'null'::jsonb), 'null'::jsonb)::text)::uuid AS v,
            s."group" COLLATE "C" AS "group", s.tkey COLLATE "C" AS tkey, s.bytes, s.parameters,
            cardinality(s.seeds) AS n, s.seeds, s."runIds", s.accuracies, NULLIF(s.quantize, 'null'::jsonb) AS quantize
          FROM sides s
        ) w
        WINDOW pool AS (PARTITION BY w.context, w.is_a, w.v ORDER BY w."group"
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
      ),
      merged AS (
        SELECT r.pool, array_agg(r.seed ORDER BY r.run_id) AS seeds, array_agg(r.run_id ORDER BY r.run_id) AS "runIds",
          array_agg(r.accuracy ORDER BY r.run_id) AS accuracies
        FROM (
          -- Set-returning functions in the select list unnest aligned arrays in step, without a call per row.
          SELECT d.pool, unnest(d.seeds) AS seed, unnest(d."runIds") AS run_id, unnest(d.accuracies) AS accuracy
          FROM sided d WHERE d.configurations > 1
        ) r
        GROUP BY r.pool
      ),
      pooled AS MATERIALIZED (
        SELECT d.pool, d.context, d.is_a, d.v, d.configurations, d."group", d.tkey, d.bytes, d.parameters, d.quantize,
          COALESCE(d.quantize::text, 'null') COLLATE "C" AS q, COALESCE(m.seeds, d.seeds) AS seeds,
          COALESCE(m."runIds", d."runIds") AS "runIds", COALESCE(m.accuracies, d.accuracies) AS accuracies
        FROM sided d LEFT JOIN merged m ON m.pool = d.pool
        WHERE d.nth = 1
      ),
      value_counts AS (SELECT v.value, count(*)::int AS configurations FROM v GROUP BY v.value)`;
}
