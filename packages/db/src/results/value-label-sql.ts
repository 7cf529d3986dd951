import { ACTIVATION_OPTION_KEYS } from '@distillery/spec';
import { Prisma } from '../generated/client.ts';

/**
 * A value's label as results show it: strings and numbers as they are, `lma-8` for activations (whatever their
 * options, as activationLabel and the results' `activation` say), JSON otherwise. configuration_dimension_keys
 * keeps each kept dimension's value labelled so (configuration_dimension_labels_of, migration
 * 20261207010000_configuration_dimension_keys_pairing, with these option names written out; its test holds the two
 * equal).
 */
export function valueLabelSql(value: Prisma.Sql): Prisma.Sql {
  const options = [...ACTIVATION_OPTION_KEYS];
  return Prisma.sql`CASE
      WHEN ${value} IS NULL OR jsonb_typeof(${value}) = 'null' THEN 'none'
      WHEN jsonb_typeof(${value}) IN ('string', 'number', 'boolean') THEN ${value} #>> '{}'
      WHEN jsonb_typeof(${value}) = 'object' AND ${value} ? 'name'
        AND ${value} - 'name' - 'segments' - ${options}::text[] = '{}'::jsonb
        THEN (${value} ->> 'name') || COALESCE('-' || (${value} ->> 'segments'), '')
      ELSE replace(${value}::text, ' ', '')
    END`;
}
