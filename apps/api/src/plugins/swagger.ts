import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { addExamples } from '../openapi/add-examples.ts';

export const DOCS_PREFIX = '/docs';

/**
 * OpenAPI from the routes' zod schemas (the same schemas that validate and serialize), served as JSON at
 * `/docs/json` and browsable at `/docs`. Registered before the routes so it sees all of them.
 */
const docs: FastifyPluginAsync = async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Distillery API',
        description:
          'Knowledge-distillation sweeps: submit a sweep, follow its runs, read accuracy-versus-size results.',
        version: '1.0.0',
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A team API key.' } },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => addExamples(jsonSchemaTransformObject(input)),
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
};

export default fp(docs, { name: 'distillery-docs', fastify: '5.x' });
