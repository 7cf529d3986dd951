import { z } from 'zod';
import { ERROR_CODES } from '../errors/error-codes.ts';

export const ValidationIssue = z.object({
  /** Dotted path of the offending field, e.g. `students.train.epochs`; empty for the whole body. */
  path: z.string(),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** The body of every error answer, 4xx and 5xx alike. */
export const ErrorBody = z
  .object({
    error: z.object({
      /** Stable: branch on it. */
      code: z.enum(ERROR_CODES),
      /** For people: what is wrong (4xx) or that it is not their fault (5xx). */
      message: z.string(),
      /** Which fields are wrong and why (validation errors only). */
      issues: z.array(ValidationIssue).optional(),
    }),
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The error answers every authenticated route may give. */
export const AUTHENTICATED_ERRORS = { 401: ErrorBody, 404: ErrorBody, 500: ErrorBody } as const;
