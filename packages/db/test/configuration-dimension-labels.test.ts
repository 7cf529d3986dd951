import { ACTIVATION_OPTION_KEYS } from '@distillery/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../src/generated/client.ts';
import { fragmentRows } from '../src/results/fragment-rows.ts';
import { valueLabelSql } from '../src/results/value-label-sql.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

// configuration_dimension_keys keeps each kept dimension's value labelled (configuration_dimension_labels_of, in
// the migration, with the activation option names written out) where a comparison along a config path labels it
// with valueLabelSql: the two must agree on every kind of value a config holds there, and on every option name
// packages/spec knows (a new one needs a migration that writes the labels again).

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const VALUES: unknown[] = [
  'relu',
  'a b',
  '{"name":"x"}',
  4,
  0.001,
  1e-7,
  true,
  false,
  null,
  [16],
  [512, 512],
  { name: 'lma', segments: 8 },
  { name: 'aplu', segments: 8, init: 'relu' },
  { name: 'prelu' },
  { name: 'lma', segments: 8, other: 1 },
  { segments: 8 },
  { name: 'lma', segments: 8, quantize: { bits: 4 } },
  ...ACTIVATION_OPTION_KEYS.map((key) => ({ name: 'lma', segments: 4, [key]: 1 })),
  { method: 'ptq', bits: 4, bucketSize: 256 },
];

describe('configuration_dimension_labels_of', () => {
  it('labels every kind of kept value as valueLabelSql does, null where the value is JSON null', async () => {
    const values = JSON.stringify(VALUES);
    const [row] = await fragmentRows<{
      kept: (string | null)[];
      texts: (string | null)[];
      computed: string[];
      text: (string | null)[];
    }>(
      db.store,
      Prisma.sql`SELECT l.labels AS kept, l.texts,
          ARRAY(SELECT ${valueLabelSql(Prisma.sql`e.value`)} FROM jsonb_array_elements(${values}::jsonb)
            WITH ORDINALITY e(value, i) ORDER BY e.i) AS computed,
          ARRAY(SELECT e.value #>> '{}' FROM jsonb_array_elements(${values}::jsonb) WITH ORDINALITY e(value, i)
            ORDER BY e.i) AS text
        FROM configuration_dimension_labels_of(${values}::jsonb) l`,
    );
    const labels = VALUES.map((value, i) => ({ value, label: row?.kept[i] ?? 'none' }));
    expect(labels).toEqual(VALUES.map((value, i) => ({ value, label: row?.computed[i] })));
    expect(row?.kept[VALUES.indexOf(null)]).toBeNull();
    expect(row?.texts).toEqual(row?.text);
    // What the option names are for: an activation with options is labelled by its name and segments.
    expect(labels.filter((l) => l.label === 'lma-4')).toHaveLength(ACTIVATION_OPTION_KEYS.length);
  });
});
