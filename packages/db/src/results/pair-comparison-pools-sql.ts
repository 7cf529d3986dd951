import { Prisma } from '../generated/client.ts';

/**
 * The `variant` of a pool that pairs with every variant: float (no quantization), or a product quantization along
 * the method. Pools' variants are md5s (as uuids) of the canonical JSON text of what of their quantization a
 * partner's must equal; this one is the md5 of `null`.
 */
export const ANY_VARIANT_SQL = Prisma.sql`md5('null')::uuid`;

/**
 * The pairing of a comparison, in the database: the further common table expressions and the final SELECT of a
 * statement whose earlier ones name `pooled` and `value_counts`.
 *
 * `pooled` has one row per pool (the configurations of one context, one side and one variant): `pool` (a number
 * unique in the statement), `context` (any type with equality: equal for configurations equal but for the
 * dimension and the seed, under one teacher), `is_a`, `v` (the variant, a uuid: {@link ANY_VARIANT_SQL} pairs
 * with every one), `configurations`, `group` and `tkey` (its first configuration's, in "C" order), `bytes` and
 * `parameters` (its configurations' means weighted by their replicates), `quantize` (the first configuration's
 * block, null for float) with `q` (its text, `null` for float: what a stratum is keyed on), and its replicates as
 * aligned arrays `seeds`, `runIds` (uuid[]) and `accuracies` **in run id order**, so that of a repeated seed the
 * first is the replicate with the smallest run id. `value_counts` has `value` and `configurations`: how many
 * configurations take each value of the dimension.
 *
 * `descriptions` is a query reading the CTE `shown` (`group`, `tkey`: the first configuration of each side of each
 * listed pair, a few hundred at most) and giving, for at least those configurations, `group`, `tkey`, `kind`,
 * `dataset`, `teacherId`, `rep` and `label`: only the listed pairs are described.
 *
 * An A pool and a B pool of one context pair when their variants are equal or either pairs with any, each
 * combination once. Within a pair, runs pair on seed: of each seed, each side's replicate with the smallest run
 * id, so no run is used twice in a pair (and, a configuration having one context and one quantization, none twice
 * in a stratum). Pairs are ordered by the A side's mean size, then the A and B sides' first groups and the teacher
 * key, a total order. A stratum is the pairs sharing the two sides' quantizations, in the order of its first pair.
 *
 * One row comes back: `strata` (each with its quantizations, number of pairs and the seed pairs' differences
 * B − A in pair and seed order, all of them: what the paired test takes), `pairs` (the first `limit`, with their
 * pooled sides' replicates in seed order and their seed pairs), `unpaired` (configurations in a pool without a
 * partner) and `values`. What travels is a few rows per listed pair and one number per seed pair.
 *
 * The seed pairs come out of each pair's own arrays (its seeds matched by position), not out of a join of every
 * replicate with every other: a pass over the pairs, with no sort of the replicates.
 */
export function pairComparisonPoolsSql(limit: number, descriptions: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`,
      pairs AS MATERIALIZED (
        SELECT row_number() OVER (ORDER BY x.bytes, x."group", y."group", x.tkey COLLATE "C") AS pair,
          x.pool AS a_pool, y.pool AS b_pool, x.q AS qa, y.q AS qb, x.seeds AS a_seeds, x."runIds" AS a_runs,
          x.accuracies AS a_accuracies, y.seeds AS b_seeds, y."runIds" AS b_runs, y.accuracies AS b_accuracies
        FROM pooled x JOIN pooled y ON y.context = x.context AND NOT y.is_a
          AND (x.v = y.v OR x.v = ${ANY_VARIANT_SQL} OR y.v = ${ANY_VARIANT_SQL})
        WHERE x.is_a
      ),
      strata AS MATERIALIZED (
        SELECT (row_number() OVER (ORDER BY t.first) - 1)::int AS stratum, t.*
        FROM (SELECT p.qa, p.qb, min(p.pair) AS first, count(*)::int AS configurations FROM pairs p
          GROUP BY p.qa, p.qb) t
      ),
      seed_pairs AS MATERIALIZED (
        SELECT p.pair, t.stratum, r.seed, p.a_runs[r.i] AS a_run, p.b_runs[r.j] AS b_run, p.a_accuracies[r.i] AS a,
          p.b_accuracies[r.j] AS b
        FROM pairs p JOIN strata t ON t.qa = p.qa AND t.qb = p.qb
        CROSS JOIN LATERAL (
          -- Each seed at its first place on either side: the replicate with the smallest run id.
          SELECT s.seed, s.i, array_position(p.b_seeds, s.seed) AS j
          FROM unnest(p.a_seeds) WITH ORDINALITY AS s(seed, i)
          WHERE array_position(p.a_seeds, s.seed) = s.i
        ) r
        WHERE r.j IS NOT NULL
      ),
      differences AS (
        SELECT d.stratum, array_agg(d.b - d.a ORDER BY d.pair, d.seed) AS differences FROM seed_pairs d
        GROUP BY d.stratum
      ),
      listed AS MATERIALIZED (
        SELECT p.pair, p.a_pool, p.b_pool, t.stratum FROM pairs p JOIN strata t ON t.qa = p.qa AND t.qb = p.qb
        WHERE p.pair <= ${limit}::bigint
      ),
      shown AS MATERIALIZED (
        SELECT o.pool, o."group", o.tkey, o.bytes, o.parameters, o.quantize, o.seeds, o."runIds", o.accuracies
        FROM pooled o
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
        FROM shown w JOIN shown_descriptions e ON e.pool = w.pool
        CROSS JOIN LATERAL (
          SELECT array_agg(m.seed ORDER BY m.seed, m.run_id) AS seeds,
            array_agg(m.run_id ORDER BY m.seed, m.run_id) AS "runIds",
            array_agg(m.accuracy ORDER BY m.seed, m.run_id) AS accuracies
          FROM unnest(w.seeds, w."runIds", w.accuracies) AS m(seed, run_id, accuracy)
        ) r
      ),
      listed_seed_pairs AS (
        SELECT d.pair, json_agg(json_build_object('seed', d.seed, 'aRunId', d.a_run, 'bRunId', d.b_run, 'a', d.a,
            'b', d.b) ORDER BY d.seed) AS "seedPairs"
        FROM seed_pairs d WHERE d.pair <= ${limit}::bigint GROUP BY d.pair
      )
      SELECT
        (SELECT json_agg(json_build_object('a', t.qa::jsonb, 'b', t.qb::jsonb, 'configurations', t.configurations,
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
          FROM pooled o WHERE o.pool NOT IN (SELECT p.a_pool FROM pairs p UNION ALL SELECT p.b_pool FROM pairs p)
        ) AS unpaired,
        (SELECT json_agg(c ORDER BY c.value) FROM (
          SELECT n.value, n.configurations FROM value_counts n
        ) c) AS "values"`;
}
