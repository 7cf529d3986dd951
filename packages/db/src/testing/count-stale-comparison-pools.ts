import type { SqlExecutor } from '../store/sql-executor.ts';

/**
 * How many comparison_pools rows differ (either way) from the key rows grouped anew by comparison_pool_keys_of:
 * 0 when the triggers have kept every pool. Of one team, or of every team without `teamId`.
 */
export async function countStaleComparisonPools(db: SqlExecutor, teamId?: string): Promise<number> {
  const team = teamId ?? null;
  const [row] = await db.rows<{ differ: number }>`WITH grouped AS (
      SELECT k.team_id, x.dimension, x.value, x.context, x.variant, k.teacher_key,
        array_agg(k.group_hash ORDER BY k.group_hash COLLATE "C") AS members
      FROM configuration_dimension_keys k
      CROSS JOIN LATERAL comparison_pool_keys_of(k.contexts, k.dimension_labels, k.dimension_texts, k.quantize) x
      WHERE ${team}::uuid IS NULL OR k.team_id = ${team}::uuid
      GROUP BY k.team_id, x.dimension, x.value, x.context, x.variant, k.teacher_key
    ),
    kept AS (SELECT team_id, dimension, value, context, variant, teacher_key, members FROM comparison_pools
      WHERE ${team}::uuid IS NULL OR team_id = ${team}::uuid)
    SELECT count(*)::int AS differ FROM (
      (SELECT * FROM kept EXCEPT ALL SELECT * FROM grouped) UNION ALL (SELECT * FROM grouped EXCEPT ALL SELECT * FROM kept)
    ) d`;
  return row?.differ ?? -1;
}
