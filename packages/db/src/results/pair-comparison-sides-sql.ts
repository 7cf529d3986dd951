import { Prisma } from '../generated/client.ts';

/**
 * The pairing of a comparison, in the database: the further common table expressions and the final SELECT of a
 * statement whose earlier ones name `sides` (the configurations taking A or B) and `v` (every configuration with
 * its `value`, for the counts of values). `sides` has one row per configuration with
 * `context` (text: equal for configurations equal but for the dimension and the seed, under one teacher),
 * `value`, `variant` (jsonb, SQL or JSON null for float: what of the quantization must match a partner's),
 * `quantize`, `group`, `tkey`, `kind`, `dataset`, `teacherId`, `parameters`, `bytes`, `label`, `rep`, and its
 * replicates as aligned arrays `seeds`, `runIds` (uuid[]) and `accuracies`.
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
 */
export function pairComparisonSidesSql(a: string, limit: number): Prisma.Sql {
  // Pools and strata are keyed by jsonb, with float (SQL or JSON null) as JSON null so equal keys hash alike.
  return Prisma.sql`,
      -- One sort numbers the pools, orders each pool's configurations by group and sums the pool's sizes.
      sided AS MATERIALIZED (
        SELECT w.*, dense_rank() OVER (ORDER BY w.context, w.is_a, w.v) AS pool, row_number() OVER byGroup AS nth,
          count(*) OVER pool::int AS configurations,
          sum(w.bytes * cardinality(w.seeds)) OVER pool / sum(cardinality(w.seeds)) OVER pool AS pool_bytes,
          sum(w.parameters * cardinality(w.seeds)) OVER pool / sum(cardinality(w.seeds)) OVER pool AS pool_parameters
        FROM (
          SELECT s.context COLLATE "C" AS context, s.value = ${a}::text AS is_a,
            COALESCE(NULLIF(s.variant, 'null'::jsonb), 'null'::jsonb) AS v, s."group" COLLATE "C" AS "group",
            s.tkey COLLATE "C" AS tkey, s.bytes, s.parameters, s.seeds, s."runIds", s.accuracies,
            COALESCE(NULLIF(s.quantize, 'null'::jsonb), 'null'::jsonb) AS q, s.quantize, s.kind, s.dataset,
            s."teacherId", s.rep, s.label
          FROM sides s
        ) w
        WINDOW pool AS (PARTITION BY w.context, w.is_a, w.v),
          byGroup AS (PARTITION BY w.context, w.is_a, w.v ORDER BY w."group")
      ),
      firsts AS MATERIALIZED (
        SELECT d.pool, d.context, d.is_a, d.v, d.configurations, d.pool_bytes AS bytes,
          d.pool_parameters AS parameters, d."group", d.tkey, d.q, d.quantize, d.kind, d.dataset, d."teacherId",
          d.rep, d.label
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
        SELECT DISTINCT ON (d.pool, r.seed) d.pool, r.seed, r.run_id, r.accuracy
        FROM sided d CROSS JOIN LATERAL unnest(d.seeds, d."runIds", d.accuracies) AS r(seed, run_id, accuracy)
        ORDER BY d.pool, r.seed, r.run_id
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
        SELECT o.pool, o."group", o.bytes, o.parameters, o.kind, o.dataset, o."teacherId", o.rep, o.label,
          o.quantize
        FROM firsts o
        WHERE o.pool IN (SELECT l.a_pool FROM listed l UNION SELECT l.b_pool FROM listed l)
      ),
      described AS (
        SELECT w.pool, json_build_object('group', w."group", 'label', w.label, 'quantize', w.quantize,
            'parameters', w.parameters, 'bytes', w.bytes, 'seeds', r.seeds, 'runIds', r."runIds",
            'accuracies', r.accuracies) AS side
        FROM shown w JOIN (
          SELECT w.pool, array_agg(m.seed ORDER BY m.seed, m.run_id) AS seeds,
            array_agg(m.run_id ORDER BY m.seed, m.run_id) AS "runIds",
            array_agg(m.accuracy ORDER BY m.seed, m.run_id) AS accuracies
          FROM shown w JOIN sided d ON d.pool = w.pool
          CROSS JOIN LATERAL unnest(d.seeds, d."runIds", d.accuracies) AS m(seed, run_id, accuracy)
          GROUP BY w.pool
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
          FROM listed l JOIN shown w ON w.pool = l.a_pool
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
