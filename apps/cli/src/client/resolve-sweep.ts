import type { SweepList, SweepSummary } from '@distillery/api';
import type { ApiClient } from '../api-client.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * How many of the team's sweeps, newest first, a prefix or a name is looked for among.
 * @defaultValue 1000
 */
export const SWEEP_LOOKUP_LIMIT = 1000;

/** A sweep reference the team's sweeps do not answer with exactly one sweep. */
export class SweepReferenceError extends Error {
  override readonly name = 'SweepReferenceError';
  constructor(
    readonly code: 'SWEEP_NOT_FOUND' | 'SWEEP_AMBIGUOUS',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The id of the sweep `ref` names: a full id as given; else the one sweep whose id starts with `ref`, or else
 * the one named `ref`. Several matches are an error listing them (id, name, submitted), as is none.
 */
export async function resolveSweepId(api: ApiClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref.toLowerCase();
  const sweeps = await teamSweeps(api);
  const prefix = ref.toLowerCase();
  const byId = sweeps.filter((s) => s.id.startsWith(prefix));
  const matches = byId.length > 0 ? byId : sweeps.filter((s) => s.name === ref);
  const [only] = matches;
  if (only !== undefined && matches.length === 1) return only.id;
  if (matches.length === 0) {
    throw new SweepReferenceError(
      'SWEEP_NOT_FOUND',
      `no sweep has an id starting with '${ref}' or the name '${ref}' (\`distillery sweep list\` shows them)`,
    );
  }
  const how = byId.length > 0 ? `ids start with '${ref}'` : `are named '${ref}'`;
  const lines = matches.map((s) => `\n  ${s.id}  ${s.name}  ${s.state}  ${s.createdAt}`).join('');
  throw new SweepReferenceError('SWEEP_AMBIGUOUS', `${matches.length} sweeps ${how}; give more of the id:${lines}`);
}

async function teamSweeps(api: ApiClient): Promise<SweepSummary[]> {
  const sweeps: SweepSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<SweepList>('/v1/sweeps', { limit: 100, cursor });
    sweeps.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && sweeps.length < SWEEP_LOOKUP_LIMIT);
  return sweeps;
}
