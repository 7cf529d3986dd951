// Reads the `public` schema of a database from pg_catalog into the same shape as expected-schema.ts.
import pg from 'pg';
import type { DatabaseSchema, ForeignKeyShape, IndexShape, TableShape } from './schema-shape.ts';

const ACTIONS: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

/** `CURRENT_TIMESTAMP` -> `now()`, `nextval('..._seq'::regclass)` -> `autoincrement()`, `'x'::text` -> `x`. */
export function normaliseColumnDefault(expression: string | null): string | null {
  if (expression === null) return null;
  if (/^nextval\(/.test(expression)) return 'autoincrement()';
  if (/^(CURRENT_TIMESTAMP|now\(\))$/i.test(expression)) return 'now()';
  const literal = /^'((?:[^']|'')*)'::[\w ]+$/.exec(expression);
  if (literal?.[1] !== undefined) return literal[1].replaceAll("''", "'");
  return expression;
}

export async function introspectSchema(databaseUrl: string, exclude: string[] = []): Promise<DatabaseSchema> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
    );
    const columns = await client.query<{
      table: string;
      name: string;
      type: string;
      notnull: boolean;
      def: string | null;
    }>(
      `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
              a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS def
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    const indexes = await client.query<{ table: string } & IndexShape>(
      `SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
              ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public'`,
    );
    const primaryKeys = await client.query<{ table: string; name: string }>(
      `SELECT t.relname AS table, con.conname AS name FROM pg_constraint con
         JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND con.contype = 'p'`,
    );
    // onDelete and onUpdate as pg_constraint's letters (confdeltype, confupdtype), named by ACTIONS below.
    const foreignKeys = await client.query<{ table: string } & ForeignKeyShape>(
      `SELECT t.relname AS table, con.conname AS name, r.relname AS "referencedTable",
              con.confdeltype AS "onDelete", con.confupdtype AS "onUpdate",
              ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
              ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[]
                AS "referencedColumns"
         FROM pg_constraint con
         JOIN pg_class t ON t.oid = con.conrelid
         JOIN pg_class r ON r.oid = con.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND con.contype = 'f'`,
    );
    const pkConstraintNames = new Set(primaryKeys.rows.map((row) => `${row.table}.${row.name}`));
    const shapes: TableShape[] = tables.rows
      .filter((table) => !exclude.includes(table.name))
      .map(({ name }) => ({
        name,
        columns: columns.rows
          .filter((column) => column.table === name)
          .map((column) => ({
            name: column.name,
            type: column.type,
            nullable: !column.notnull,
            default: normaliseColumnDefault(column.def),
          })),
        indexes: indexes.rows
          .filter((index) => index.table === name)
          .map(({ table: _, ...index }) => ({
            ...index,
            // A primary key counts only when it is also the named constraint (Prisma's `<table>_pkey`).
            primary: index.primary && pkConstraintNames.has(`${name}.${index.name}`),
          })),
        foreignKeys: foreignKeys.rows
          .filter((fk) => fk.table === name)
          .map(({ table: _, ...fk }) => ({
            ...fk,
            onDelete: ACTIONS[fk.onDelete] ?? fk.onDelete,
            onUpdate: ACTIONS[fk.onUpdate] ?? fk.onUpdate,
          })),
      }));
    return { tables: shapes };
  } finally {
    await client.end();
  }
}
