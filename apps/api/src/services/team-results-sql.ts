import { Prisma } from '@distillery/db';
import type { ResultFilters } from '../schemas/result-filters.ts';

/**
 * `relu`, `lma-8`: an activation's label (packages/spec `activationLabel`) from its stored form, which is either a
 * string or `{ name, segments? }`.
 */
export function activationLabelSql(value: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`CASE jsonb_typeof(${value})
      WHEN 'string' THEN ${value} #>> '{}'
      WHEN 'object' THEN (${value} ->> 'name') || COALESCE('-' || (${value} ->> 'segments'), '')
    END`;
}

const ACTIVATION = Prisma.sql`r.config -> 'model' -> 'activation'`;

/**
 * The team's succeeded runs with a result, one row each, narrowed by the filters: the common table every
 * team-wide read (results, frontier, comparison) starts from. Columns: runId, sweepId, key, kind, label, group,
 * seed, accuracy, loss, parameters, bytes, bits, backend, createdAt, dataset, family, activation, activationName,
 * method, teacherId, config.
 *
 * Served by `runs(team_id, state)` and the results primary key. The teacher of a PTQ variant is its student's
 * parent (one extra join); of a student or QAT run, its own parent.
 */
export function teamResultRowsSql(teamId: string, filters: ResultFilters): Prisma.Sql {
  const inner: Prisma.Sql[] = [Prisma.sql`r.team_id = ${teamId}::uuid`, Prisma.sql`r.state = 'succeeded'`];
  if (filters.sweep !== undefined) inner.push(Prisma.sql`r.sweep_id = ${filters.sweep}::uuid`);
  if (filters.tag !== undefined) {
    inner.push(Prisma.sql`EXISTS (SELECT 1 FROM sweeps s WHERE s.id = r.sweep_id AND ${filters.tag} = ANY(s.tags))`);
  }
  if (filters.kind !== undefined) inner.push(Prisma.sql`r.kind = ANY(${filters.kind}::text[])`);
  if (filters.bits !== undefined) inner.push(Prisma.sql`res.bits = ANY(${filters.bits}::int[])`);
  if (filters.maxBytes !== undefined) inner.push(Prisma.sql`res.bytes <= ${filters.maxBytes}`);
  if (filters.minAccuracy !== undefined) inner.push(Prisma.sql`res.accuracy >= ${filters.minAccuracy}`);

  const outer: Prisma.Sql[] = [];
  if (filters.dataset !== undefined) outer.push(Prisma.sql`t.dataset = ANY(${filters.dataset}::text[])`);
  if (filters.family !== undefined) outer.push(Prisma.sql`t.family = ANY(${filters.family}::text[])`);
  if (filters.method !== undefined) outer.push(Prisma.sql`t.method = ANY(${filters.method}::text[])`);
  if (filters.teacher !== undefined) outer.push(Prisma.sql`t."teacherId" = ${filters.teacher}::uuid`);
  if (filters.activation !== undefined) {
    outer.push(
      Prisma.sql`(t.activation = ANY(${filters.activation}::text[]) OR t."activationName" = ANY(${filters.activation}::text[]))`,
    );
  }

  return Prisma.sql`SELECT * FROM (
    SELECT r.id AS "runId", r.sweep_id AS "sweepId", r.key, r.kind, r.label, r.group_hash AS "group",
      (r.config ->> 'seed')::int AS seed,
      res.accuracy, res.loss, res.parameters, res.bytes, res.bits, res.backend, res.created_at AS "createdAt",
      r.config -> 'dataset' ->> 'name' AS dataset,
      r.config -> 'model' ->> 'family' AS family,
      ${activationLabelSql(ACTIVATION)} AS activation,
      COALESCE(${ACTIVATION} ->> 'name', ${ACTIVATION} #>> '{}') AS "activationName",
      COALESCE(r.config -> 'quantize' ->> 'method', 'none') AS method,
      CASE r.kind WHEN 'teacher' THEN NULL WHEN 'quantize-ptq' THEN p.parent_id ELSE r.parent_id END AS "teacherId",
      r.config
    FROM runs r
    JOIN results res ON res.run_id = r.id
    LEFT JOIN runs p ON r.kind = 'quantize-ptq' AND p.id = r.parent_id
    WHERE ${Prisma.join(inner, ' AND ')}
  ) t${outer.length > 0 ? Prisma.sql` WHERE ${Prisma.join(outer, ' AND ')}` : Prisma.empty}`;
}
