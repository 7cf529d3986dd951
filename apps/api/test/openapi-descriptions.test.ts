import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helper.ts';

/** The parts of a JSON Schema (OpenAPI 3.0 dialect) this walk reads. */
interface Schema {
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
}
interface Media {
  schema?: Schema;
}
interface Operation {
  parameters?: { name: string; in: string; description?: string; schema?: Schema }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/**
 * Every object property without a description, named by where it is (`RunDetail.result.bytes`,
 * `POST /v1/sweeps body.teacher|1.model`; `|n` is the n-th branch of a union). A `$ref` wrapped in `allOf`
 * with a description beside it counts as described.
 */
function undescribed(document: Document): string[] {
  const missing = new Set<string>();
  const walk = (schema: Schema | undefined, where: string) => {
    if (schema === undefined || typeof schema !== 'object') return;
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      if (!property.description?.trim()) missing.add(`${where}.${name}`);
      walk(property, `${where}.${name}`);
    }
    const items = Array.isArray(schema.items) ? schema.items : schema.items ? [schema.items] : [];
    for (const item of items) walk(item, `${where}[]`);
    if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${where}{}`);
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      (schema[key] ?? []).forEach((branch, i) => {
        walk(branch, `${where}|${i}`);
      });
    }
    walk(schema.not, `${where}!`);
  };
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) walk(schema, name);
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const at = `${method.toUpperCase()} ${path}`;
      for (const p of op.parameters ?? []) {
        if (!p.description?.trim()) missing.add(`${at} ${p.in} ${p.name}`);
        walk(p.schema, `${at} ${p.in} ${p.name}`);
      }
      for (const media of Object.values(op.requestBody?.content ?? {})) walk(media.schema, `${at} body`);
      for (const [status, response] of Object.entries(op.responses)) {
        for (const media of Object.values(response.content ?? {})) walk(media.schema, `${at} ${status}`);
      }
    }
  }
  return [...missing].sort();
}

let api: TestApi;
let document: Document;
beforeAll(async () => {
  api = await buildTestApi();
  document = (await api.request({ method: 'GET', url: '/docs/json', as: null })).json();
});
afterAll(async () => {
  await api?.close();
});

describe('the OpenAPI document', () => {
  it('describes every field of every schema, parameter, request body and answer', () => {
    expect(undescribed(document)).toEqual([]);
  });

  it('would name a field left without a description', () => {
    const probe: Document = {
      paths: {
        '/x': {
          get: {
            parameters: [{ name: 'q', in: 'query' }],
            responses: {
              200: {
                content: {
                  'application/json': {
                    schema: { properties: { a: { description: 'A.', properties: { b: {} } }, c: { allOf: [] } } },
                  },
                },
              },
            },
          },
        },
      },
      components: { schemas: { S: { anyOf: [{ properties: { d: { description: ' ' } } }] } } },
    };
    expect(undescribed(probe)).toEqual(['GET /x 200.a.b', 'GET /x 200.c', 'GET /x query q', 'S|0.d']);
  });
});
