/**
 * Every error code the API answers with, grouped by area. Codes are a stable contract: clients branch on
 * them, never on messages. The HTTP status of each code is fixed here, in one place.
 */
export const ERROR_REGISTRY = {
  request: {
    /** The body is not well-formed JSON or YAML. */
    MALFORMED_BODY: 400,
    /** The body is well-formed but has too many values, too deep a nesting, or takes too long to parse. */
    DOCUMENT_TOO_COMPLEX: 400,
    /** The body, query string or a referenced resource breaks a rule; `issues` names each field. */
    VALIDATION_FAILED: 400,
    /** A request Fastify itself rejected (e.g. an invalid Content-Length). */
    BAD_REQUEST: 400,
    /** The body is larger than the server's limit. */
    BODY_TOO_LARGE: 413,
    /** The Content-Type is not one the route accepts. */
    UNSUPPORTED_MEDIA_TYPE: 415,
  },
  auth: {
    /** No API key, or one that is unknown, revoked or expired. */
    UNAUTHORIZED: 401,
    /** The key's role may not do this (e.g. a viewer submitting a sweep); another team's things are 404s instead. */
    FORBIDDEN: 403,
    /**
     * Too many requests with this key, or too many failed authentications from this address; `retry-after` says
     * when to retry.
     */
    RATE_LIMITED: 429,
  },
  capacity: {
    /** Too many open event streams for this key, or on this server; `retry-after` says when to try again. */
    TOO_MANY_STREAMS: 429,
    /** The team has as many runs waiting to start as its quota allows; `retry-after` says when to try again. */
    QUOTA_EXCEEDED: 429,
    /** Every body-parsing thread is busy and enough bodies already wait; `retry-after` says when to try again. */
    PARSER_BUSY: 503,
  },
  resource: {
    /** No such sweep, run or key for this team (another team's resources are not found, never forbidden). */
    NOT_FOUND: 404,
    /** No such route. */
    ROUTE_NOT_FOUND: 404,
  },
  server: {
    /** Something went wrong on our side; the log holds the details under the request id. */
    INTERNAL_ERROR: 500,
    /** The results database is down, unreachable or too slow to answer; `retry-after` says when to try again. */
    DATABASE_UNAVAILABLE: 503,
  },
} as const;

type Registry = typeof ERROR_REGISTRY;
type Area = keyof Registry;
/** Any code of the registry. */
export type ErrorCode = { [A in Area]: keyof Registry[A] }[Area];

/** The codes as a list (for the error body's schema). */
export const ERROR_CODES = Object.values(ERROR_REGISTRY).flatMap((area) => Object.keys(area)) as [
  ErrorCode,
  ...ErrorCode[],
];

/** The HTTP status a code answers with. */
export function statusOf(code: ErrorCode): number {
  for (const area of Object.values(ERROR_REGISTRY) as Record<string, number>[]) {
    const status = area[code];
    if (status !== undefined) return status;
  }
  throw new Error(`unregistered error code ${code}`);
}
