import { specErrorMap, toValidationIssues, type ValidationIssue } from '@distillery/spec';
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { ValidationFailedError } from '../errors/http-errors.ts';

const PART_NAMES: Record<string, string> = {
  body: 'the request body',
  querystring: 'the query string',
  params: 'the URL',
  headers: 'the request headers',
};

/**
 * Validates with the route's zod schema like fastify-type-provider-zod's compiler, but fails with our own
 * error: issues are reported by dotted path (`students.train.epochs`), unknown fields one by one, as
 * packages/spec formats them for the CLI too.
 */
/**
 * The same issue can be found twice: SweepSpec re-validates the base student per grid point, which repeats a
 * base field's range error (e.g. `students.train.epochs`). One line per distinct issue.
 */
function uniqueIssues(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = `${i.path}\u0000${i.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    // Wrong values and unknown fields are told what is allowed, and the nearest (`did you mean 'seeds'?`).
    const result = schema.safeParse(data, { error: specErrorMap });
    if (result.success) return { value: result.data };
    const part = PART_NAMES[httpPart ?? 'body'] ?? 'the request';
    return { error: new ValidationFailedError(`${part} is invalid`, uniqueIssues(toValidationIssues(result.error))) };
  };
