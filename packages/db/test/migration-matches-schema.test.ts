import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { expectedSchema } from './support/expected-schema.ts';
import { introspectSchema } from './support/introspect-schema.ts';
import { getDmmf } from './support/prisma-dmmf.ts';
import { canonicalSchema, type DatabaseSchema } from './support/schema-shape.ts';

const schemaPath = fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url));

describe('migrating an empty database', () => {
  let testDb: TestDatabase;
  let expected: DatabaseSchema;
  let actual: DatabaseSchema;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    expected = canonicalSchema(expectedSchema(getDmmf(readFileSync(schemaPath, 'utf8'))));
    actual = canonicalSchema(await introspectSchema(testDb.url, ['_prisma_migrations']));
  });
  afterAll(() => testDb?.drop());

  it('creates exactly the tables that schema.prisma declares', () => {
    expect(actual.tables.map((t) => t.name)).toEqual(expected.tables.map((t) => t.name));
  });

  it('gives every table the declared columns, types, nullability and defaults', () => {
    for (const table of expected.tables) {
      const found = actual.tables.find((t) => t.name === table.name);
      expect({ table: table.name, columns: found?.columns }).toEqual({ table: table.name, columns: table.columns });
    }
  });

  it('creates the declared primary keys, unique constraints and indexes under Prisma names', () => {
    for (const table of expected.tables) {
      const found = actual.tables.find((t) => t.name === table.name);
      expect({ table: table.name, indexes: found?.indexes }).toEqual({ table: table.name, indexes: table.indexes });
    }
  });

  it('creates the declared foreign keys with their on-delete and on-update actions', () => {
    for (const table of expected.tables) {
      const found = actual.tables.find((t) => t.name === table.name);
      expect({ table: table.name, foreignKeys: found?.foreignKeys }).toEqual({
        table: table.name,
        foreignKeys: table.foreignKeys,
      });
    }
  });

  it('matches schema.prisma as a whole', () => {
    expect(actual).toEqual(expected);
  });
});
