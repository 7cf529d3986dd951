import { isDatabaseUnavailableError } from '@distillery/db';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors/api-error.ts';
import {
  BadRequestError,
  BodyTooLargeError,
  DatabaseUnavailableError,
  InternalError,
  RouteNotFoundError,
  UnsupportedMediaTypeError,
  ValidationFailedError,
} from '../errors/http-errors.ts';
import type { ErrorBody } from '../schemas/error-body.ts';
import { SWEEP_CONTENT_TYPES } from './sweep-body-parsers.ts';

export interface ErrorHandlerOptions {
  /** The server's body limit in bytes, stated in 413 answers. */
  bodyLimit: number;
}

/**
 * The one place errors become answers. Our own `ApiError`s go out as they are; Fastify's client errors are
 * translated to our codes; a database outage is a 503 with `retry-after`; anything else is a 500 that says
 * nothing internal, logged with the request id.
 */
const errorHandler: FastifyPluginAsync<ErrorHandlerOptions> = async (app, options) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error, request, options.bodyLimit);
    if (apiError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: apiError.code, message: apiError.message }, 'request rejected');
    return sendError(reply, apiError);
  });

  app.setNotFoundHandler((request, reply) => {
    return sendError(reply, new RouteNotFoundError(request.method, request.url.split('?')[0] ?? request.url));
  });
};

function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.issues !== undefined) body.error.issues = error.issues;
  return reply.code(error.statusCode).headers(error.headers).send(body);
}

function toApiError(error: FastifyError, request: FastifyRequest, bodyLimit: number): ApiError {
  if (error instanceof ApiError) return error;
  // An outage is not our bug, and retrying later may well work: 503, not 500.
  if (isDatabaseUnavailableError(error)) return new DatabaseUnavailableError({ cause: error });
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BodyTooLargeError(bodyLimit, { cause: error });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(request.headers['content-type'], SWEEP_CONTENT_TYPES, { cause: error });
  }
  if (Array.isArray(error.validation)) {
    // A schema compiled by Fastify's default (ajv) compiler: every route here uses zod, but stay safe.
    return new ValidationFailedError(
      'the request is invalid',
      error.validation.map((v) => ({
        path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'),
        message: v.message ?? 'invalid',
      })),
      { cause: error },
    );
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return new BadRequestError(error.message, { cause: error });
  return new InternalError({ cause: error });
}

export default fp(errorHandler, { name: 'distillery-error-handler', fastify: '5.x' });
