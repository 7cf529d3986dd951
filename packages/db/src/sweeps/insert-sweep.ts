import type { SqlExecutor } from '../store/sql-executor.ts';

/** A sweep's row as a submission creates it (state `running`). */
export interface NewSweep {
  id: string;
  teamId: string;
  name: string;
  tags: readonly string[];
  /** The document as submitted, stored verbatim. */
  submitted: unknown;
  /** The validated spec. */
  canonical: unknown;
  specHash: string;
  priority: number;
  priorityScope: 'team' | 'global';
}

export async function insertSweep(tx: SqlExecutor, sweep: NewSweep): Promise<void> {
  await tx.run`
    INSERT INTO sweeps (id, team_id, name, tags, state, spec, canonical, spec_hash, priority, priority_scope,
                        updated_at)
    VALUES (${sweep.id}::uuid, ${sweep.teamId}::uuid, ${sweep.name}, ${[...sweep.tags]}::text[], 'running',
            ${JSON.stringify(sweep.submitted)}::jsonb, ${JSON.stringify(sweep.canonical)}::jsonb, ${sweep.specHash},
            ${sweep.priority}, ${sweep.priorityScope}, now())`;
}
