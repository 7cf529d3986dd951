// A comparable description of a database schema: what the migration must produce and what the database has.
// Arrays are kept in a canonical order so two descriptions compare with toEqual.

export interface ColumnShape {
  name: string;
  /** As PostgreSQL's format_type prints it, e.g. `timestamp(3) with time zone`, `text[]`. */
  type: string;
  nullable: boolean;
  /** Normalised: `now()`, `autoincrement()`, a literal's text (`running`, `1`), or null for none. */
  default: string | null;
}

export interface IndexShape {
  name: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
}

export interface ForeignKeyShape {
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  /** Prisma's names: Cascade, Restrict, NoAction, SetNull, SetDefault. */
  onDelete: string;
  onUpdate: string;
}

export interface TableShape {
  name: string;
  columns: ColumnShape[];
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
}

export interface DatabaseSchema {
  tables: TableShape[];
}

/** Sorts tables, columns, indexes and foreign keys by name. */
export function canonicalSchema(schema: DatabaseSchema): DatabaseSchema {
  const byName = <T extends { name: string }>(items: T[]): T[] =>
    [...items].sort((a, b) => a.name.localeCompare(b.name));
  return {
    tables: byName(schema.tables).map((table) => ({
      name: table.name,
      columns: byName(table.columns),
      indexes: byName(table.indexes),
      foreignKeys: byName(table.foreignKeys),
    })),
  };
}
