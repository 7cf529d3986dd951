import { ImportForeignRowError } from './transfer-errors.ts';

/**
 * The references a results file's rows make, checked as the rows stream by: a row may name only sweeps and runs
 * that the file itself carries. Those are the importing team's (a sweep or run already under another team is an
 * {@link ImportConflictError}), so a file cannot attach metrics, results, model files or events to another
 * team's runs, nor runs to another team's sweep, nor make a sweep reuse another team's run. Tables arrive parents first (sweeps, runs, then the rest, runs
 * ordered so that a parent precedes its children), so every reference is to a row already seen.
 */
export class FileReferences {
  private readonly sweeps = new Set<string>();
  /** Run id → its sweep id. */
  private readonly runs = new Map<string, string>();

  /** Checks one row of `table` (at `line` of the file) and remembers the sweep or run it adds. */
  check(table: string, row: Record<string, unknown>, line: number): void {
    switch (table) {
      case 'sweeps':
        this.sweeps.add(this.id(table, row, 'id', line));
        return;
      case 'runs': {
        const id = this.id(table, row, 'id', line);
        const sweepId = this.sweep(table, row, line);
        if (row.parent_id !== null && row.parent_id !== undefined) this.run(table, row, 'parent_id', line);
        this.runs.set(id, sweepId);
        return;
      }
      case 'reused_runs':
        this.sweep(table, row, line);
        this.run(table, row, 'run_id', line);
        return;
      case 'metrics':
      case 'results':
      case 'artifacts':
        this.run(table, row, 'run_id', line);
        return;
      case 'run_events':
        // The run may be another sweep's of the file: a sweep's history holds the runs it reuses (or reused
        // until it was cancelled) from earlier sweeps.
        this.sweep(table, row, line);
        this.run(table, row, 'run_id', line);
        return;
    }
  }

  private id(table: string, row: Record<string, unknown>, column: string, line: number): string {
    const value = row[column];
    if (typeof value !== 'string' || value === '') {
      throw new ImportForeignRowError(line, table, column, String(value), 'no id');
    }
    return value;
  }

  private sweep(table: string, row: Record<string, unknown>, line: number): string {
    const id = this.id(table, row, 'sweep_id', line);
    if (!this.sweeps.has(id)) throw new ImportForeignRowError(line, table, 'sweep_id', id, 'a sweep not in the file');
    return id;
  }

  /** The sweep of the run the row names in `column`. */
  private run(table: string, row: Record<string, unknown>, column: string, line: number): string {
    const id = this.id(table, row, column, line);
    const sweepId = this.runs.get(id);
    if (sweepId === undefined) throw new ImportForeignRowError(line, table, column, id, 'a run not in the file');
    return sweepId;
  }
}
