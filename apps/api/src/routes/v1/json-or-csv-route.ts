import type { Store } from '@distillery/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { sendCsv } from '../../lib/send-csv.ts';
import { teamOf } from '../../plugins/auth.ts';
import { AUTHENTICATED_ERRORS, ErrorBody } from '../../schemas/error-body.ts';
import { idRouteSchema } from './id-route-schema.ts';

/** What tells one `GET /:id/<name>` JSON-or-CSV route from another: its path, documentation, answer and CSV. */
export interface JsonOrCsvRoute<Answer> {
  /** The route's last segment, e.g. `metrics` for `/:id/metrics`. */
  name: string;
  tag: string;
  summary: string;
  /** Its query string; `format` chooses JSON (the default) or CSV. */
  querystring: z.ZodObject<{ format: z.ZodType<'json' | 'csv'> }>;
  /** The 200 answer's description, both formats in one sentence. */
  answers: string;
  json: z.ZodType;
  csv: z.ZodType;
  /** The team's answer for `id`; throws the 404 when the team has no such entity. */
  read(db: Store, teamId: string, id: string): Promise<Answer>;
  toCsv(answer: Answer): string;
  /** The CSV's file name, e.g. `run-<id>-metrics.csv`. */
  filename(id: string): string;
}

/** A `GET /:id/<name>` route answering JSON, or with `format=csv` the same rows as an attached CSV file. */
export function jsonOrCsvRoute<Answer>(route: JsonOrCsvRoute<Answer>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      `/:id/${route.name}`,
      {
        schema: {
          ...idRouteSchema({ tag: route.tag, summary: route.summary }),
          querystring: route.querystring,
          response: {
            200: {
              description: route.answers,
              content: { 'application/json': { schema: route.json }, 'text/csv': { schema: route.csv } },
            },
            400: ErrorBody,
            ...AUTHENTICATED_ERRORS,
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const answer = await route.read(app.db, teamOf(request).teamId, id);
        if (request.query.format === 'json') return reply.type('application/json').send(answer);
        return sendCsv(reply, route.filename(id), route.toCsv(answer));
      },
    );
  };
}
