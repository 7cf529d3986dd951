import { DocumentTooComplexError, MalformedDocumentError, parseDocument } from '@distillery/spec';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DocumentTooComplexApiError, MalformedBodyError, ParserBusyError } from '../errors/http-errors.ts';
import {
  DocumentParseThreads,
  type DocumentParseThreadsOptions,
  ParseThreadsBusyError,
} from '../lib/document-parse-threads.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body as parsed from JSON or YAML, before validation: what the client submitted. */
    submittedBody: unknown;
  }
}

export const JSON_CONTENT_TYPES = ['application/json'] as const;
/** YAML has had several media types in the wild; `application/yaml` is the registered one (RFC 9512). */
export const YAML_CONTENT_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'] as const;
export const SWEEP_CONTENT_TYPES = [...JSON_CONTENT_TYPES, ...YAML_CONTENT_TYPES] as const;

/**
 * JSON bodies up to this size are parsed on the event loop (well under a millisecond); larger ones, and every
 * YAML body, on the parsing threads.
 */
export const INLINE_JSON_BYTES = 64 * 1024;

/**
 * Replaces Fastify's parsers: bodies are read as strings (within the body limit), parsed with the spec
 * package's rules and checked against its document limits (values, depth, keys per mapping) before anything
 * recursive or quadratic sees them — small JSON here, the rest on worker threads under a time budget. Every
 * other content type answers 415.
 */
const sweepBodyParsers: FastifyPluginAsync<DocumentParseThreadsOptions> = async (app, options) => {
  const threads = new DocumentParseThreads(options);
  app.addHook('onClose', () => threads.close());
  app.decorateRequest('submittedBody', undefined);
  app.removeAllContentTypeParsers();
  const accept = async (request: FastifyRequest, parse: () => unknown) => {
    try {
      const document = await parse();
      request.submittedBody = document;
      return document;
    } catch (err) {
      if (err instanceof MalformedDocumentError) throw new MalformedBodyError(err.message, { cause: err });
      if (err instanceof DocumentTooComplexError) throw new DocumentTooComplexApiError(err.message, { cause: err });
      if (err instanceof ParseThreadsBusyError) throw new ParserBusyError(1, { cause: err });
      throw err;
    }
  };
  app.addContentTypeParser(
    [...JSON_CONTENT_TYPES],
    { parseAs: 'string' },
    (request: FastifyRequest, text: string | Buffer) =>
      accept(request, () =>
        text.length <= INLINE_JSON_BYTES
          ? parseDocument(text.toString(), 'json')
          : threads.parse(text.toString(), 'json'),
      ),
  );
  app.addContentTypeParser(
    [...YAML_CONTENT_TYPES],
    { parseAs: 'string' },
    (request: FastifyRequest, text: string | Buffer) => accept(request, () => threads.parse(text.toString(), 'yaml')),
  );
};

export default fp(sweepBodyParsers, { name: 'distillery-sweep-body-parsers', fastify: '5.x' });
