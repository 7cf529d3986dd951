import type { SweepList } from '@distillery/api';
import { withClient } from '../client/connect.ts';
import { formatTable } from '../client/table.ts';

export interface SweepListFlags {
  limit?: string;
  json?: boolean;
}

/** The team's sweeps, newest first. */
export async function sweepListCommand(flags: SweepListFlags): Promise<void> {
  const list = await withClient((api) => api.get<SweepList>('/v1/sweeps', { limit: flags.limit ?? '20' }));
  if (flags.json) {
    console.log(JSON.stringify(list, null, 2));
    return;
  }
  if (list.items.length === 0) {
    console.log('no sweeps yet: submit one with `distillery sweep submit FILE`');
    return;
  }
  console.log(
    formatTable(
      ['id', 'name', 'state', 'runs', 'tags', 'submitted'],
      list.items.map((s) => [s.id, s.name, s.state, String(s.runCount), s.tags.join(','), s.createdAt]),
      ['left', 'left', 'left', 'right'],
    ),
  );
}
