/** Where the worker's lines go: one message each (a run's start, result, retry, failure). */
export type WorkerLog = (message: string) => void;

export interface JsonLineLogOptions {
  /** What the lines come from, in each line's `component`. @defaultValue 'worker' */
  component?: string;
  /** Writes one line (with its newline). @defaultValue process.stdout.write */
  write?: (line: string) => void;
  /** The clock of each line's `time`. @defaultValue () => new Date() */
  now?: () => Date;
}

/** Characters JSON leaves raw that some readers still take for a line break or a control. */
const JSON_RAW_CONTROLS = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * A {@link WorkerLog} writing JSON lines, `{"time":…,"level":"info","component":"worker","msg":…}`, as the API's
 * log does: a message is one JSON string whatever it holds (JSON escapes newlines and other controls; DEL, C1
 * and U+2028/2029 are escaped too), so a data path or an error text cannot forge a line, and collectors parse
 * the lines without guessing.
 */
export function jsonLineLog(options: JsonLineLogOptions = {}): WorkerLog {
  const component = options.component ?? 'worker';
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  return (message) => {
    const line = JSON.stringify({ time: now().toISOString(), level: 'info', component, msg: message }).replace(
      JSON_RAW_CONTROLS,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    write(`${line}\n`);
  };
}
