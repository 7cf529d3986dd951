import type { Readable } from 'node:stream';
import { type Store, streamTeamFactRows } from '@distillery/db';
import { PushedStream, StreamClosedError } from '../lib/pushed-stream.ts';
import type { ResultsQuery } from '../schemas/result-filters.ts';
import { toTeamResultRow } from './list-team-result-runs.ts';
import { resultsPage } from './results-page.ts';
import { teamResultRowsCsvHeader, teamResultRowsCsvLines } from './team-results-to-csv.ts';

/** Lines written to the stream at a time: about 40 KB of CSV. */
const CSV_PART_ROWS = 100;

/**
 * `GET /v1/results/runs?format=csv`: the same lines as teamResultRowsToCsv over listTeamResultRuns, streamed as
 * the database cursor yields them (streamTeamFactRows), so the first bytes leave at once and what the export
 * holds (one batch of rows, the stream's and the socket's buffers) does not grow with the rows that match: the
 * next batch is fetched once the client has taken the last. Resolves once the first batch is read: a failure before it (the database down)
 * answers with its status like any request; one after it cuts the download short, which the client sees as an
 * incomplete transfer (no content-length, no final chunk). A client that goes away ends the cursor; one that
 * stops reading for longer than the pool's idle-in-transaction timeout (60 s by default) has its export ended by
 * PostgreSQL, so a stalled download never holds a connection for long.
 */
export async function streamTeamResultRunsCsv(db: Store, teamId: string, query: ResultsQuery): Promise<Readable> {
  const page = await resultsPage(db, teamId, query);
  const stream = new PushedStream();
  let started = false;
  let ready: () => void = () => {};
  let failed: (error: unknown) => void = () => {};
  const first = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const begin = () => {
    const header = started ? '' : teamResultRowsCsvHeader();
    started = true;
    ready();
    return header;
  };
  streamTeamFactRows(db, teamId, query, page, async (rows) => {
    // Written a part at a time, not as one string of the whole batch: the stream then holds at most one part
    // beyond its high-water mark, and the socket one part beyond its own, whatever the batch size.
    const parts: string[] = [];
    for (let i = 0; i < rows.length; i += CSV_PART_ROWS) {
      parts.push(teamResultRowsCsvLines(rows.slice(i, i + CSV_PART_ROWS).map(toTeamResultRow)));
    }
    await stream.write(begin());
    for (const part of parts) await stream.write(part);
  })
    .then(async () => {
      await stream.write(begin());
      stream.finish();
    })
    .catch((error: unknown) => {
      if (!started) failed(error);
      else if (!(error instanceof StreamClosedError)) stream.destroy(error as Error);
    });
  await first;
  return stream;
}
