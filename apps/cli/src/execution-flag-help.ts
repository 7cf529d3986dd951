// Imports nothing: main.ts reads it to declare the flags, before any command's modules load.

/** The help text of `--threads` (`worker`, `run`, `serve`, `demo`). */
export const THREADS_HELP =
  'runs trained at once, one per worker thread with its own TensorFlow.js backend (env DISTILLERY_THREADS; ' +
  'default: the cores this process may use)';

/** The help text of `--pack-max` (`worker`, `run`, `serve`, `demo`). */
export const PACK_MAX_HELP =
  'runs trained together as one pack at most; 1 trains each alone (env DISTILLERY_PACK_MAX; default 8)';
