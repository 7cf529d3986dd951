import { describeExecutorEvent } from '../executor/describe-executor-event.ts';
import type { ExecutorEvent, ExecutorListener } from '../executor/executor-event.ts';

/**
 * Where the worker's lines go: one message each, and the event it describes (a run's start, result, retry,
 * failure) for readers that act on it.
 */
export type WorkerLog = (message: string, event?: ExecutorEvent) => void;

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
 * A {@link WorkerLog} writing JSON lines, `{"time":…,"level":"info","component":"worker","msg":…,"event":{…}}`
 * (`event` when the message describes one: what collectors and tests read instead of the text), as the API's
 * log does: a message is one JSON string whatever it holds (JSON escapes newlines and other controls; DEL, C1
 * and U+2028/2029 are escaped too), so a data path or an error text cannot forge a line, and collectors parse
 * the lines without guessing.
 */
export function jsonLineLog(options: JsonLineLogOptions = {}): WorkerLog {
  const component = options.component ?? 'worker';
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  return (message, event) => {
    const entry = { time: now().toISOString(), level: 'info', component, msg: message, ...(event ? { event } : {}) };
    const line = JSON.stringify(entry).replace(
      JSON_RAW_CONTROLS,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    write(`${line}\n`);
  };
}

/** A listener writing each executor event to `log`, described in a sentence. */
export function logExecutorEvents(log: WorkerLog): ExecutorListener {
  return (event) => log(describeExecutorEvent(event), event);
}
