import type { SqlExecutor } from '../store/sql-executor.ts';

/** A run named by part of its id: enough to tell it apart from the others that share the prefix. */
export interface RunByIdPrefix {
  id: string;
  sweepId: string;
  key: string;
  label: string;
  kind: string;
  state: string;
  createdAt: Date;
}

/** An id prefix: hexadecimal digits, dashes where a UUID has them (ignored), at most a whole id. */
export const RUN_ID_PREFIX = /^[0-9a-f-]{1,36}$/i;

/**
 * The team's runs whose id starts with `prefix` (case and dashes ignored), newest first, at most `limit`, and
 * how many there are. A prefix is a range of UUIDs, `prefix000…` to `prefixfff…`, so the primary key's index
 * answers it without reading every run of the team.
 */
export async function findRunsByIdPrefix(
  db: SqlExecutor,
  teamId: string,
  prefix: string,
  limit: number,
): Promise<{ total: number; items: RunByIdPrefix[] }> {
  if (!RUN_ID_PREFIX.test(prefix)) throw new RangeError(`not an id prefix: '${prefix}'`);
  const hex = prefix.toLowerCase().replaceAll('-', '');
  if (hex.length > 32) throw new RangeError(`not an id prefix: '${prefix}'`);
  const low = uuidOf(hex.padEnd(32, '0'));
  const high = uuidOf(hex.padEnd(32, 'f'));
  const rows = await db.rows<RunByIdPrefix & { total: string }>`
    SELECT id::text AS id, sweep_id::text AS "sweepId", key, label, kind, state, created_at AS "createdAt",
           count(*) OVER () AS total
    FROM runs
    WHERE team_id = ${teamId}::uuid AND id BETWEEN ${low}::uuid AND ${high}::uuid
    ORDER BY created_at DESC, id
    LIMIT ${limit}`;
  return { total: Number(rows[0]?.total ?? 0), items: rows.map(({ total: _, ...run }) => run) };
}

function uuidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
