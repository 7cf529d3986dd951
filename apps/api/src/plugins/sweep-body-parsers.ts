import { MalformedDocumentError, parseDocument } from '@distillery/spec';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { MalformedBodyError } from '../errors/http-errors.ts';

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
 * package's `parseDocument`, which caps YAML aliases and reports syntax errors as JSON or YAML errors. Every other
 * content type answers 415.
 */
const sweepBodyParsers: FastifyPluginAsync = async (app) => {
  app.decorateRequest('submittedBody', undefined);
  app.removeAllContentTypeParsers();
  const parser = (format: 'json' | 'yaml') => async (request: FastifyRequest, text: string | Buffer) => {
    try {
      const document = parseDocument(text.toString(), format);
      request.submittedBody = document;
      return document;
    } catch (err) {
      if (err instanceof MalformedDocumentError) throw new MalformedBodyError(err.message, { cause: err });
      throw err;
    }
  };
  app.addContentTypeParser([...JSON_CONTENT_TYPES], { parseAs: 'string' }, parser('json'));
  app.addContentTypeParser([...YAML_CONTENT_TYPES], { parseAs: 'string' }, parser('yaml'));
};

export default fp(sweepBodyParsers, { name: 'distillery-sweep-body-parsers', fastify: '5.x' });
