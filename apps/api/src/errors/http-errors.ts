import type { ValidationIssue } from '@distillery/spec';
import { ApiError } from './api-error.ts';

/** The body is not well-formed JSON or YAML. */
export class MalformedBodyError extends ApiError {
  constructor(detail: string, options?: ErrorOptions) {
    super('MALFORMED_BODY', detail, options);
  }
}

/** The body is well-formed but too large, too deep or too slow to parse (see the spec's DocumentLimits). */
export class DocumentTooComplexApiError extends ApiError {
  constructor(detail: string, options?: ErrorOptions) {
    super('DOCUMENT_TOO_COMPLEX', detail, options);
  }
}

/** One or more fields break a rule; each issue names its field by dotted path. */
export class ValidationFailedError extends ApiError {
  constructor(message: string, issues: ValidationIssue[], options?: ErrorOptions) {
    super('VALIDATION_FAILED', message, { ...options, issues });
  }
}

/** Any other request Fastify refused before routing (the message is Fastify's, written for clients). */
export class BadRequestError extends ApiError {
  constructor(message: string, options?: ErrorOptions) {
    super('BAD_REQUEST', message, options);
  }
}

export class BodyTooLargeError extends ApiError {
  constructor(
    readonly limitBytes: number,
    options?: ErrorOptions,
  ) {
    super('BODY_TOO_LARGE', `the request body is larger than the limit of ${describeBytes(limitBytes)}`, options);
  }
}

/** `1048576 bytes (1 MiB)`: exact, and readable when it is a round binary size. */
function describeBytes(bytes: number): string {
  const mib = 1024 * 1024;
  if (bytes % mib === 0) return `${bytes} bytes (${bytes / mib} MiB)`;
  if (bytes % 1024 === 0) return `${bytes} bytes (${bytes / 1024} KiB)`;
  return `${bytes} bytes`;
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor(contentType: string | undefined, supported: readonly string[], options?: ErrorOptions) {
    super(
      'UNSUPPORTED_MEDIA_TYPE',
      `unsupported content type ${contentType ? `'${contentType}'` : '(none)'}; send one of ${supported.join(', ')}`,
      options,
    );
  }
}

/**
 * Missing, unknown, revoked or expired API key (or, on `/metrics`, a missing or wrong metrics token).
 * `WWW-Authenticate` tells the client which scheme to use (RFC 6750).
 */
export class UnauthorizedError extends ApiError {
  constructor(reason: 'missing' | 'invalid' | 'metrics') {
    super('UNAUTHORIZED', UNAUTHORIZED_MESSAGES[reason], {
      headers: {
        'www-authenticate':
          reason === 'invalid' ? 'Bearer realm="distillery", error="invalid_token"' : 'Bearer realm="distillery"',
      },
    });
  }
}

const UNAUTHORIZED_MESSAGES = {
  missing: 'an API key is required: send Authorization: Bearer <key>',
  invalid: 'the API key is unknown, revoked or expired',
  metrics: "the metrics token is required: send Authorization: Bearer <the server's DISTILLERY_METRICS_TOKEN>",
} as const;

/** The key is valid but its role may not do this. */
export class ForbiddenError extends ApiError {
  constructor(
    readonly role: string,
    readonly required: string,
    action: string,
  ) {
    super('FORBIDDEN', `an API key with role '${role}' may not ${action}: it needs role '${required}' or higher`);
  }
}

/**
 * Too many requests (with this key), or too many failed authentications from this address; `retry-after`
 * (seconds) says when the next one will be accepted.
 */
export class RateLimitedError extends ApiError {
  constructor(
    /** Which limit, e.g. `rate limit of 1200 requests per 1 minute`. */
    readonly limit: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', `${limit} reached; retry in ${retryAfterSeconds} s`, {
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

/** One more event stream would pass a cap: the key's, the team's, or the server's for all keys together. */
export class TooManyStreamsError extends ApiError {
  constructor(
    readonly scope: 'key' | 'team' | 'server',
    readonly limit: number,
    retryAfterSeconds: number,
  ) {
    const holder = { key: 'this API key already has', team: "this key's team already has" } as const;
    super(
      'TOO_MANY_STREAMS',
      scope === 'server'
        ? `the server already serves ${limit} event streams, the most it holds; retry in ${retryAfterSeconds} s`
        : `${holder[scope]} ${limit} open event streams, the most it may hold; close one or retry in ${retryAfterSeconds} s`,
      { headers: { 'retry-after': String(retryAfterSeconds) } },
    );
  }
}

/** The team's runs waiting to start would pass its quota; `retry-after` says when to try again. */
export class QuotaExceededError extends ApiError {
  constructor(
    readonly limit: number,
    readonly pending: number,
    readonly requested: number,
    retryAfterSeconds: number,
    /** The sweep's runs that are existing runs of the team (not charged). */
    readonly reused = 0,
  ) {
    const adds = reused === 0 ? `${requested}` : `${requested} (and reuses ${reused} the team has)`;
    super(
      'QUOTA_EXCEEDED',
      `the team has ${pending} runs waiting to start and this sweep adds ${adds}, more than the quota of ` +
        `${limit}; retry in ${retryAfterSeconds} s, when some have started`,
      { headers: { 'retry-after': String(retryAfterSeconds) } },
    );
  }
}

/** Every body-parsing thread is busy and enough bodies already wait; `retry-after` says when to try again. */
export class ParserBusyError extends ApiError {
  constructor(retryAfterSeconds: number, options?: ErrorOptions) {
    super('PARSER_BUSY', `the server is parsing as many bodies as it can; retry in ${retryAfterSeconds} s`, {
      ...options,
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

/** No such resource for this team. Another team's resources are reported the same way: existence is not leaked. */
export class NotFoundError extends ApiError {
  constructor(resource: 'sweep' | 'run' | 'key' | 'file', id: string) {
    super('NOT_FOUND', `${resource} '${id.length > 64 ? `${id.slice(0, 64)}…` : id}' not found`);
  }
}

/** The team's run exists but has no such artifact (not finished yet, or a name it does not serve). */
export class ArtifactNotFoundError extends ApiError {
  constructor(runId: string, name: string, detail: string) {
    const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
    super('NOT_FOUND', `run '${runId}' has no artifact '${shown}': ${detail}`);
  }
}

export class RouteNotFoundError extends ApiError {
  constructor(method: string, url: string) {
    super('ROUTE_NOT_FOUND', `no route ${method} ${url}`);
  }
}

/** The body of every 5xx: nothing internal. The cause is logged with the request id. */
export class InternalError extends ApiError {
  constructor(options?: ErrorOptions) {
    super('INTERNAL_ERROR', 'internal server error', options);
  }
}

/** What a client is told to wait after a database outage, in seconds. */
export const DATABASE_RETRY_AFTER_S = 5;

/** The results database did not answer (down, unreachable, silent, overloaded): nothing internal on the wire. */
export class DatabaseUnavailableError extends ApiError {
  constructor(options?: ErrorOptions) {
    super('DATABASE_UNAVAILABLE', `the results database is unavailable; retry in ${DATABASE_RETRY_AFTER_S} s`, {
      ...options,
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_S) },
    });
  }
}
