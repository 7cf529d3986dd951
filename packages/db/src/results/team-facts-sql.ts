import { Prisma } from '../generated/client.ts';
import type { ResultFactFilters } from './result-fact-filters.ts';

/**
 * The team's results narrowed by the filters, one row each, from the `result_facts` read model (see
 * schema.prisma): the table every team-wide read (results, frontier, comparison) starts from. It holds one row
 * per replicate (team, run identity, backend), so a run trained again never counts twice. Columns: runId,
 * sweepId, group (in the "C" collation: grouped and sorted byte-wise, several times faster than the database's
 * collation), groupKey (the same in the column's own collation, which its index serves), teacherId (the run that
 * trained the replicate's teacher), tkey (teacher_key: that teacher's run identity, '' for teachers), kind,
 * dataset, family, activation, method, bits, seed, accuracy, loss, parameters, bytes, createdAt.
 *
 * A configuration is (group, tkey): runs equal but for their seed, distilled from one teacher configuration. It is
 * keyed by the teacher's identity rather than teacherId because a `rerun` over some of the seeds trains the
 * teacher again as a new run of the same identity; its students are still replicates of the others.
 *
 * Served by the (team_id, dataset) and (team_id, group_hash, teacher_key) indexes. `extra` adds conditions on
 * those columns.
 */
export function teamFactsSql(teamId: string, filters: ResultFactFilters, extra: Prisma.Sql[] = []): Prisma.Sql {
  const where: Prisma.Sql[] = [Prisma.sql`f.team_id = ${teamId}::uuid`];
  if (filters.dataset !== undefined) where.push(Prisma.sql`f.dataset = ANY(${filters.dataset}::text[])`);
  if (filters.family !== undefined) where.push(Prisma.sql`f.family = ANY(${filters.family}::text[])`);
  if (filters.method !== undefined) where.push(Prisma.sql`f.method = ANY(${filters.method}::text[])`);
  if (filters.kind !== undefined) where.push(Prisma.sql`f.kind = ANY(${filters.kind}::text[])`);
  if (filters.bits !== undefined) where.push(Prisma.sql`f.bits = ANY(${filters.bits}::int[])`);
  if (filters.dataSource !== undefined) where.push(Prisma.sql`f.data_source = ANY(${filters.dataSource}::text[])`);
  if (filters.maxBytes !== undefined) where.push(Prisma.sql`f.bytes <= ${filters.maxBytes}`);
  if (filters.minAccuracy !== undefined) where.push(Prisma.sql`f.accuracy >= ${filters.minAccuracy}`);
  if (filters.sweep !== undefined) {
    // A sweep's replicates: its runs' identities (its reused runs included), whichever run holds the result now.
    where.push(Prisma.sql`f.identity IN (
      SELECT identity FROM runs WHERE sweep_id = ${filters.sweep}::uuid
      UNION ALL
      SELECT u.identity FROM reused_runs l JOIN runs u ON u.id = l.run_id WHERE l.sweep_id = ${filters.sweep}::uuid)`);
  }
  if (filters.teacher !== undefined) {
    // The teacher's configuration: runs distilled from this teacher run or from one training it again.
    where.push(Prisma.sql`f.teacher_key = (SELECT identity FROM runs WHERE id = ${filters.teacher}::uuid)`);
  }
  if (filters.activation !== undefined) {
    where.push(
      Prisma.sql`(f.activation = ANY(${filters.activation}::text[]) OR f.activation_name = ANY(${filters.activation}::text[]))`,
    );
  }
  if (filters.tag !== undefined) {
    // The result's own sweep is tagged, or a tagged sweep reuses its run. Both sets are computed once (InitPlans);
    // an OR of correlated subqueries instead cost ~0.2 s on 100,000 results, mostly in JIT compilation.
    where.push(Prisma.sql`(f.sweep_id = ANY(ARRAY(
        SELECT s.id FROM sweeps s WHERE s.team_id = ${teamId}::uuid AND ${filters.tag} = ANY(s.tags)))
      OR f.identity = ANY(ARRAY(
        SELECT u.identity FROM sweeps s JOIN reused_runs l ON l.sweep_id = s.id JOIN runs u ON u.id = l.run_id
        WHERE s.team_id = ${teamId}::uuid AND ${filters.tag} = ANY(s.tags))))`);
  }
  return Prisma.sql`SELECT f.run_id AS "runId", f.sweep_id AS "sweepId", f.group_hash COLLATE "C" AS "group",
      f.group_hash AS "groupKey",
      f.teacher_id AS "teacherId", f.teacher_key AS tkey, f.kind, f.dataset, f.family,
      f.activation, f.method, f.bits, f.seed, f.accuracy, f.loss, f.parameters, f.bytes, f.created_at AS "createdAt"
    FROM result_facts f WHERE ${Prisma.join([...where, ...extra], ' AND ')}`;
}
