import type { Store } from '@distillery/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { sendCsv } from '../../lib/send-csv.ts';
import { teamOf } from '../../plugins/auth.ts';
import { jsonOrCsvResponses } from '../../schemas/json-or-csv-responses.ts';
import { API_KEY_SECURITY } from './security.ts';

/** A team-wide query whose `format` chooses JSON (the default) or CSV. */
type FormatQuery = z.ZodType<{ format: 'json' | 'csv' }>;

/** What tells one team-wide results `GET /` route from another: its documentation, query, answer and CSV. */
export interface TeamJsonOrCsvRoute<Query extends FormatQuery, Answer> {
  summary: string;
  description: string;
  querystring: Query;
  /** The 200 answer's description, both formats in one sentence. */
  answers: string;
  json: z.ZodType;
  /** The team's answer to the query. */
  read(db: Store, teamId: string, query: z.output<Query>): Promise<Answer>;
  toCsv(answer: Answer): string;
  /** The CSV's file name, e.g. `frontier.csv`. */
  filename(query: z.output<Query>): string;
}

/** A `GET /` route over the team's results answering JSON, or with `format=csv` the answer as an attached CSV. */
export function teamJsonOrCsvRoute<Query extends FormatQuery, Answer>(
  route: TeamJsonOrCsvRoute<Query, Answer>,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/',
      {
        schema: {
          tags: ['results'],
          summary: route.summary,
          description: route.description,
          security: API_KEY_SECURITY,
          querystring: route.querystring,
          response: jsonOrCsvResponses(route.answers, route.json),
        },
      },
      async (request, reply) => {
        // The schema validated it; the type provider leaves a generic schema's output type unresolved.
        const query = request.query as z.output<Query>;
        const answer = await route.read(app.db, teamOf(request).teamId, query);
        if (query.format === 'json') return reply.type('application/json').send(answer);
        return sendCsv(reply, route.filename(query), route.toCsv(answer));
      },
    );
  };
}
