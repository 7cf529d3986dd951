import type { RunReferenceList } from '@distillery/api';
import type { ApiClient } from '../api-client.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Candidates listed when a prefix names several runs. */
const SHOWN = 10;

/** A run reference the team's runs do not answer with exactly one run. */
export class RunReferenceError extends Error {
  override readonly name = 'RunReferenceError';
  constructor(
    readonly code: 'RUN_NOT_FOUND' | 'RUN_AMBIGUOUS',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The id of the run `ref` names: a full id as given, else the one run of the team whose id starts with `ref`
 * (`GET /v1/runs?idPrefix=`). Several matches are an error listing them (id, sweep, key, state), as is none.
 */
export async function resolveRunId(api: ApiClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref.toLowerCase();
  const found = await api.get<RunReferenceList>('/v1/runs', { idPrefix: ref, limit: SHOWN });
  const [only] = found.items;
  if (only !== undefined && found.total === 1) return only.id;
  if (found.total === 0) {
    throw new RunReferenceError(
      'RUN_NOT_FOUND',
      `no run of the team has an id starting with '${ref}' (\`distillery results --runs\` and the dashboard show run ids)`,
    );
  }
  const lines = found.items.map((r) => `\n  ${r.id}  sweep ${r.sweepId.slice(0, 8)}  ${r.key}  ${r.state}`).join('');
  const more = found.total > found.items.length ? `\n  … and ${found.total - found.items.length} more` : '';
  throw new RunReferenceError(
    'RUN_AMBIGUOUS',
    `${found.total} runs have ids starting with '${ref}'; give more of the id:${lines}${more}`,
  );
}
