import { describeExecutorEvent, type ExecutorEvent } from '@distillery/worker/events';
import { escapeControlCharacters } from '@distillery/worker/log';
import type { ExecutorSize } from './runtime.ts';

/**
 * An executor event as a terminal line, control characters escaped: an event carries user input (a data path,
 * a loader's error) that must not forge lines or move the cursor.
 */
export function formatExecutorEvent(event: ExecutorEvent): string {
  return escapeControlCharacters(describeExecutorEvent(event));
}

/**
 * What an executor takes on, for the line a command prints when it starts one: `2 training threads, packs of up
 * to 8`, `1 training thread, every run alone`.
 */
export function formatExecutorSize(size: ExecutorSize): string {
  const threads = `${size.threads} training thread${size.threads === 1 ? '' : 's'}`;
  return `${threads}, ${size.packMax === 1 ? 'every run alone' : `packs of up to ${size.packMax}`}`;
}

/**
 * Whether an event says more than the command's own lines: `ready` is told by the command itself, and the run
 * lines of `run` show starts and results (a pack's end is its members' results); a resumed start, which runs train
 * together, retries, failures and repairs are the executor's alone.
 */
export function tellsMoreThanTheRunLines(event: ExecutorEvent): boolean {
  if (event.type === 'ready' || event.type === 'run-succeeded' || event.type === 'pack-finished') return false;
  return event.type !== 'run-started' || event.resumedAfterEpoch !== null;
}

/** Prints the events a command running the executor shows besides its own lines (all but `ready`). */
export function printExecutorEvent(event: ExecutorEvent): void {
  if (event.type !== 'ready') console.log(formatExecutorEvent(event));
}
