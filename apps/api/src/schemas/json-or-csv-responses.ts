import type { z } from 'zod';
import { ErrorBody } from './error-body.ts';
import { CsvText } from './team-results.ts';

/**
 * The responses of a team-results route that answers `schema` as JSON or its rows as CSV (by `format`), and its
 * errors: a bad filter, no key, an unknown sweep, the rate limit and a server fault.
 */
export function jsonOrCsvResponses<T extends z.ZodType>(description: string, schema: T) {
  return {
    200: { description, content: { 'application/json': { schema }, 'text/csv': { schema: CsvText } } },
    400: ErrorBody,
    401: ErrorBody,
    404: ErrorBody,
    429: ErrorBody,
    500: ErrorBody,
  } as const;
}
