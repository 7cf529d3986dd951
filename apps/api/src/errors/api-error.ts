import type { ValidationIssue } from '@distillery/spec';
import { type ErrorCode, statusOf } from './error-codes.ts';

export interface ApiErrorOptions extends ErrorOptions {
  /** Field-level detail for 4xx answers. */
  issues?: ValidationIssue[];
  /** Response headers the error requires (e.g. `WWW-Authenticate`). */
  headers?: Record<string, string>;
}

/**
 * An error the central handler turns into `{ error: { code, message, issues? } }` with the code's status.
 * `statusCode` follows Fastify's convention so Fastify keeps it when the error passes through its hooks.
 */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly issues: ValidationIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message, options);
    // Each kind of error is a subclass, named by its class.
    this.name = new.target.name;
    this.statusCode = statusOf(code);
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }
}
