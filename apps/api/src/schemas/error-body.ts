import { z } from 'zod';
import { ERROR_CODES } from '../errors/error-codes.ts';

export const ValidationIssue = z.object({
  path: z
    .string()
    .describe('Dotted path of the offending field, e.g. `students.train.epochs`; empty for the whole body.'),
  message: z.string().describe('What is wrong with it.'),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** The body of every error answer, 4xx and 5xx alike. */
export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.enum(ERROR_CODES).describe('Stable: branch on it.'),
        message: z.string().describe('For people: what is wrong (4xx) or that it is not their fault (5xx).'),
        issues: z
          .array(ValidationIssue)
          .optional()
          .describe('Which fields are wrong and why (validation errors only).'),
      })
      .describe('What went wrong.'),
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The error answers every authenticated route may give. */
export const AUTHENTICATED_ERRORS = { 401: ErrorBody, 404: ErrorBody, 500: ErrorBody } as const;
