import { messages as backend, type PGlite, parse, protocol, type Results } from '@electric-sql/pglite';

const { serialize } = protocol;

/**
 * Named prepared statements on the one PGlite session, as PgPoolStore keeps them on each pooled connection: a
 * statement is parsed once and described once (its parameter types, for PGlite's serializers), then each call
 * binds, describes its portal and executes it in one exchange with PostgreSQL.
 *
 * Why: `PGlite.query` sends a statement unnamed, in five exchanges (parse, describe, bind, describe, execute),
 * and PostgreSQL parses and plans it again each time. For the executor's hot paths that is most of their cost:
 * the transition statement (recordTransition) took 2.3–3.0 ms of main-thread CPU a call that way and 0.8 ms
 * prepared, a one-row UPDATE 0.5–0.7 ms and 0.3–0.45 ms (measured on a copy of a finished bench sweep's store,
 * 2-core machine); a sweep makes ~1,900 such calls on the thread its training threads compete with.
 *
 * The statements run under PGlite's own locks, as its `query` does: outside a transaction, its transaction lock
 * and its query lock (so a statement can never run between the statements of another caller's transaction);
 * inside one (the caller holds the transaction lock), the query lock. A prepared statement outlives a rolled
 * back transaction (PREPARE is not transactional), and PostgreSQL plans it again when the tables it reads change.
 */
export class PglitePreparedStatements {
  /** The parameter types of each statement prepared on the session, by name. */
  private readonly prepared = new Map<string, number[]>();

  constructor(private readonly db: PGlite) {}

  /**
   * Runs `text` as the prepared statement `name` (preparing it first on this session if it is not yet) with
   * `values`. `inTransaction`: the caller is inside a PGlite transaction (and holds its lock).
   */
  query<T>(name: string, text: string, values: readonly unknown[], inTransaction: boolean): Promise<Results<T>> {
    const run = () => this.db.runExclusive(() => this.execute<T>(name, text, values, inTransaction));
    if (inTransaction) return run();
    return this.db._checkReady().then(() => this.db._runExclusiveTransaction(run));
  }

  private async execute<T>(
    name: string,
    text: string,
    values: readonly unknown[],
    inTransaction: boolean,
  ): Promise<Results<T>> {
    try {
      let types = this.prepared.get(name);
      if (types === undefined) {
        const described = await this.db.execProtocol(
          concat([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]),
          { syncToFs: false },
        );
        types = parse.parseDescribeStatementResults(described.messages);
        this.prepared.set(name, types);
      }
      // As PGlite's query serializes parameters: by the type PostgreSQL inferred, else as text.
      const params = values.map((value, i) => {
        if (value === null || value === undefined) return null;
        const serializer = this.db.serializers[types[i] as number];
        return serializer ? serializer(value) : String(value);
      });
      const { messages } = await this.db.execProtocol(
        concat([
          serialize.bind({ statement: name, values: params }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ]),
        { syncToFs: !inTransaction },
      );
      return this.results<T>(messages);
    } catch (error) {
      // The statement and its values on the error, as PGlite's query leaves them.
      if (error instanceof Error) Object.assign(error, { query: text, params: values });
      throw error;
    }
  }

  /**
   * The statement's rows and affected-row count from its messages, each value parsed by its column's type with
   * PGlite's parsers, as `parseResults` does. Written out because `parseResults` copies every parser (one per
   * type, arrays included) into a new object at each call, which cost more than the statement for the short
   * results that are most calls (~0.2 s of a bench sweep's main thread).
   */
  private results<T>(messages: readonly unknown[]): Results<T> {
    let fields: { name: string; dataTypeID: number }[] = [];
    const rows: T[] = [];
    let affectedRows = 0;
    for (const message of messages) {
      if (message instanceof backend.RowDescriptionMessage) {
        fields = message.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
      } else if (message instanceof backend.DataRowMessage) {
        const values = message.fields;
        const row: Record<string, unknown> = {};
        for (let i = 0; i < fields.length; i++) {
          const { name, dataTypeID } = fields[i] as { name: string; dataTypeID: number };
          const value = values[i] ?? null;
          const parser = this.db.parsers[dataTypeID];
          row[name] = value === null ? null : parser ? parser(value, dataTypeID) : value;
        }
        rows.push(row as T);
      } else if (message instanceof backend.CommandCompleteMessage) {
        affectedRows = affectedRowsOf(message.text);
      }
    }
    return { rows, fields, affectedRows };
  }
}

/** The count in a command tag (`INSERT 0 3`, `UPDATE 2`…), as PGlite reads it; 0 for other commands. */
function affectedRowsOf(tag: string): number {
  const words = tag.split(' ');
  switch (words[0]) {
    case 'INSERT':
      return Number.parseInt(words[2] as string, 10);
    case 'UPDATE':
    case 'DELETE':
    case 'COPY':
    case 'MERGE':
      return Number.parseInt(words[1] as string, 10);
    default:
      return 0;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
