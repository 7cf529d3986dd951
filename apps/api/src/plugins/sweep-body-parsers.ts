import {
  checkDocumentLimits,
  DEFAULT_DOCUMENT_LIMITS,
  DocumentTooComplexError,
  MalformedDocumentError,
  parseDocument,
} from '@distillery/spec';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DocumentTooComplexApiError, MalformedBodyError } from '../errors/http-errors.ts';
import { YamlParseThreads, type YamlParseThreadsOptions } from '../lib/yaml-parse-threads.ts';

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
 * Replaces Fastify's parsers: bodies are read as strings (within the body limit) and parsed with the spec
 * package's rules — JSON here (linear and native), YAML on worker threads under a time budget — then checked
 * against the document limits (values, depth, keys per mapping) before anything recursive or quadratic sees
 * them. Every other content type answers 415.
 */
const sweepBodyParsers: FastifyPluginAsync<YamlParseThreadsOptions> = async (app, options) => {
  const yaml = new YamlParseThreads(options);
  app.addHook('onClose', () => yaml.close());
  app.decorateRequest('submittedBody', undefined);
  app.removeAllContentTypeParsers();
  const accept = async (request: FastifyRequest, parse: () => unknown) => {
    try {
      const document = await parse();
      checkDocumentLimits(document, DEFAULT_DOCUMENT_LIMITS);
      request.submittedBody = document;
      return document;
    } catch (err) {
      if (err instanceof MalformedDocumentError) throw new MalformedBodyError(err.message, { cause: err });
      if (err instanceof DocumentTooComplexError) throw new DocumentTooComplexApiError(err.message, { cause: err });
      throw err;
    }
  };
  app.addContentTypeParser(
    [...JSON_CONTENT_TYPES],
    { parseAs: 'string' },
    (request: FastifyRequest, text: string | Buffer) => accept(request, () => parseDocument(text.toString(), 'json')),
  );
  app.addContentTypeParser(
    [...YAML_CONTENT_TYPES],
    { parseAs: 'string' },
    (request: FastifyRequest, text: string | Buffer) => accept(request, () => yaml.parse(text.toString())),
  );
};

export default fp(sweepBodyParsers, { name: 'distillery-sweep-body-parsers', fastify: '5.x' });
