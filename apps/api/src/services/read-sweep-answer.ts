import { createHash } from 'node:crypto';
import type { Store } from '@distillery/db';
import { z } from 'zod';
import type { SweepDetailAnswer } from '../lib/sweep-detail-cache.ts';
import { SweepDetail } from '../schemas/sweep-detail.ts';
import { getSweep } from './get-sweep.ts';

/**
 * `GET /v1/sweeps/:id`'s answer, serialized once: the body the route's response schema would have written (encoded
 * by the schema, then JSON), and a strong entity tag of it, so a remembered answer is sent as it is and a client
 * holding it gets 304. Another team's sweep or a missing one throws NotFoundError, as getSweep does.
 */
export async function readSweepAnswer(db: Store, teamId: string, sweepId: string): Promise<SweepDetailAnswer> {
  const body = JSON.stringify(z.encode(SweepDetail, await getSweep(db, teamId, sweepId)));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
