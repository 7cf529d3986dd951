import { Prisma } from '../generated/client.ts';

/**
 * The pairing of a comparison, in the database: the further common table expressions and the final SELECT of a
 * statement whose earlier ones name `sides` (the configurations taking A or B) and `v` (every configuration with
 * its `value`, for the counts of values). `sides` has one row per configuration with `context` (any type with
 * equality and an order: equal for configurations equal but for the dimension and the seed, under one teacher),
 * `value`, `variant` (jsonb, SQL or JSON null for float: what of the quantization must match a partner's),
 * `quantize`, `group`, `tkey`, `parameters`, `bytes`, and its replicates as aligned arrays `seeds`, `runIds`
 * (uuid[]) and `accuracies`. `descriptions` is a query reading the CTE `shown` (`group`, `tkey`: the first
 * configuration of each side of each listed pair, a few hundred at most) and giving, for at least those
 * configurations, `group`, `tkey`, `kind`, `dataset`, `teacherId`, `rep` and `label`: only the listed pairs are
 * described, so the sides need not carry it.
 *
 * Within a context, the configurations of one side and one variant are pooled (equal values spelled differently
 * in stored configs, `relu` and `{ name: relu }`); an A pool and a B pool pair when their variants are equal or
 * either is float, each combination once. Within a pair, runs pair on seed: of each seed, each side's replicate
 * with the smallest run id, so no run is used twice in a pair (and, a configuration having one context and one
 * quantization, none twice in a stratum). Pairs are ordered by the A side's mean size over its replicates, then
 * the A and B sides' first groups and the teacher key, a total order. A stratum is the pairs sharing the two
 * sides' quantizations (their first configurations'), in the order of its first pair.
 *
 * One row comes back: `strata` (each with its quantizations, number of pairs and the seed pairs' differences
 * B − A in pair and seed order, all of them: what the paired test takes), `pairs` (the first `limit`, with their
 * pooled sides' replicates and their seed pairs), `unpaired` (configurations in a pool without a partner) and
 * `values`. What travels is a few rows per listed pair and one number per seed pair, not every configuration.
 *
 * Each pass over the sides costs in proportion to their rows' width (tens of thousands of them on a large team):
 * the one sort of the sides carries no description, the pools come out of one window over it, and the
 * replicates are unnested once.
 */
export function pairComparisonSidesSql(a: string, limit: number, descriptions: Prisma.Sql): Prisma.Sql {
  // Pools and strata are keyed by jsonb, with float (SQL or JSON null) as JSON null so equal keys hash alike.
  return Prisma.sql`,
      -- One sort and one window: each configuration's place in its pool (by group), the pool's number (the
      -- first configuration's row), how many configurations it holds and its sizes, summed in group order.
      sided AS MATERIALIZED (
        SELECT first_value(w.i) OVER pool AS pool, row_number() OVER pool AS nth, w.context, w.is_a, w.v,
          w."group", w.tkey, w.q, w.quantize, w.seeds, w."runIds", w.accuracies,
          count(*) OVER pool::int AS configurations,
          sum(w.bytes * w.n) OVER pool / sum(w.n) OVER pool AS bytes,
          sum(w.parameters * w.n) OVER pool / sum(w.n) OVER pool AS parameters
        FROM (
          SELECT row_number() OVER () AS i, s.context, s.value = ${a}::text AS is_a,
            COALESCE(NULLIF(s.variant, 'null'::jsonb), 'null'::jsonb) AS v, s."group" COLLATE "C" AS "group",
            s.tkey COLLATE "C" AS tkey, s.bytes, s.parameters, cardinality(s.seeds) AS n, s.seeds, s."runIds",
            s.accuracies, COALESCE(NULLIF(s.quantize, 'null'::jsonb), 'null'::jsonb) AS q, s.quantize
          FROM sides s
        ) w
        WINDOW pool AS (PARTITION BY w.context, w.is_a, w.v ORDER BY w."group"
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
      ),
      firsts AS MATERIALIZED (
        SELECT d.pool, d.context, d.is_a, d.v, d.configurations, d.bytes, d.parameters, d."group", d.tkey, d.q,
          d.quantize
        FROM sided d WHERE d.nth = 1
      ),
      pairs AS MATERIALIZED (
        SELECT row_number() OVER (ORDER BY x.bytes, x."group", y."group", x.tkey COLLATE "C") AS pair,
          x.pool AS a_pool, y.pool AS b_pool, x.q AS qa, y.q AS qb
        FROM firsts x JOIN firsts y ON y.context = x.context AND NOT y.is_a
          AND (x.v = y.v OR x.v = 'null'::jsonb OR y.v = 'null'::jsonb)
        WHERE x.is_a
      ),
      strata AS MATERIALIZED (
        SELECT (row_number() OVER (ORDER BY t.first) - 1)::int AS stratum, t.*
        FROM (SELECT p.qa, p.qb, min(p.pair) AS first, count(*)::int AS configurations FROM pairs p
          GROUP BY p.qa, p.qb) t
      ),
      stratified AS MATERIALIZED (
        SELECT p.pair, p.a_pool, p.b_pool, t.stratum FROM pairs p JOIN strata t ON t.qa = p.qa AND t.qb = p.qb
      ),
      replicates AS MATERIALIZED (
        SELECT DISTINCT ON (r.pool, r.seed) r.pool, r.seed, r.run_id, r.accuracy
        FROM (
          -- Set-returning functions in the select list unnest aligned arrays in step, without a call per row.
          SELECT d.pool, unnest(d.seeds) AS seed, unnest(d."runIds") AS run_id, unnest(d.accuracies) AS accuracy
          FROM sided d
        ) r
        ORDER BY r.pool, r.seed, r.run_id
      ),
      seed_pairs AS MATERIALIZED (
        SELECT p.pair, p.stratum, x.seed, x.run_id AS a_run, y.run_id AS b_run, x.accuracy AS a, y.accuracy AS b
        FROM stratified p JOIN replicates x ON x.pool = p.a_pool
        JOIN replicates y ON y.pool = p.b_pool AND y.seed = x.seed
      ),
      differences AS (
        SELECT d.stratum, array_agg(d.b - d.a ORDER BY d.pair, d.seed) AS differences FROM seed_pairs d
        GROUP BY d.stratum
      ),
      listed AS MATERIALIZED (SELECT p.* FROM stratified p WHERE p.pair <= ${limit}::bigint),
      shown AS MATERIALIZED (
        SELECT o.pool, o."group", o.tkey, o.bytes, o.parameters, o.quantize
        FROM firsts o
        WHERE o.pool IN (SELECT l.a_pool FROM listed l UNION SELECT l.b_pool FROM listed l)
      ),
      shown_descriptions AS MATERIALIZED (
        SELECT w.pool, d.kind, d.dataset, d."teacherId", d.rep, d.label
        FROM shown w JOIN (${descriptions}) d
          ON d."group" COLLATE "C" = w."group" AND d.tkey COLLATE "C" = w.tkey
      ),
      described AS (
        SELECT w.pool, json_build_object('group', w."group", 'label', e.label, 'quantize', w.quantize,
            'parameters', w.parameters, 'bytes', w.bytes, 'seeds', r.seeds, 'runIds', r."runIds",
            'accuracies', r.accuracies) AS side
        FROM shown w JOIN shown_descriptions e ON e.pool = w.pool JOIN (
          SELECT m.pool, array_agg(m.seed ORDER BY m.seed, m.run_id) AS seeds,
            array_agg(m.run_id ORDER BY m.seed, m.run_id) AS "runIds",
            array_agg(m.accuracy ORDER BY m.seed, m.run_id) AS accuracies
          FROM (
            SELECT d.pool, unnest(d.seeds) AS seed, unnest(d."runIds") AS run_id, unnest(d.accuracies) AS accuracy
            FROM sided d WHERE d.pool IN (SELECT w.pool FROM shown w)
          ) m
          GROUP BY m.pool
        ) r ON r.pool = w.pool
      ),
      listed_seed_pairs AS (
        SELECT d.pair, json_agg(json_build_object('seed', d.seed, 'aRunId', d.a_run, 'bRunId', d.b_run, 'a', d.a,
            'b', d.b) ORDER BY d.seed) AS "seedPairs"
        FROM seed_pairs d WHERE d.pair <= ${limit}::bigint GROUP BY d.pair
      )
      SELECT
        (SELECT json_agg(json_build_object('a', t.qa, 'b', t.qb, 'configurations', t.configurations,
            'differences', COALESCE(d.differences, '{}')) ORDER BY t.stratum)
          FROM strata t LEFT JOIN differences d ON d.stratum = t.stratum
        ) AS strata,
        (SELECT json_agg(json_build_object('stratum', l.stratum, 'kind', w.kind, 'dataset', w.dataset,
            'teacherId', w."teacherId", 'rep', w.rep, 'a', x.side, 'b', y.side,
            'seedPairs', COALESCE(sp."seedPairs", '[]')) ORDER BY l.pair)
          FROM listed l JOIN shown_descriptions w ON w.pool = l.a_pool
          JOIN described x ON x.pool = l.a_pool JOIN described y ON y.pool = l.b_pool
          LEFT JOIN listed_seed_pairs sp ON sp.pair = l.pair
        ) AS pairs,
        (SELECT json_build_object('a', COALESCE(sum(o.configurations) FILTER (WHERE o.is_a), 0),
            'b', COALESCE(sum(o.configurations) FILTER (WHERE NOT o.is_a), 0))
          FROM firsts o WHERE o.pool NOT IN (SELECT p.a_pool FROM pairs p UNION ALL SELECT p.b_pool FROM pairs p)
        ) AS unpaired,
        (SELECT json_agg(c ORDER BY c.value) FROM (
          SELECT v.value, count(*)::int AS configurations FROM v GROUP BY v.value
        ) c) AS "values"`;
}
