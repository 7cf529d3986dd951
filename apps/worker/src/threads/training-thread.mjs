// The entry of a training thread. The workspace ships TypeScript; a worker thread starts without the loader
// hooks of the thread that created it, so it registers tsx itself (as bin/distillery.mjs does) — the same in
// development, tests and the container image — before it loads training-thread.ts.
import { register } from 'tsx/esm/api';

register();
await import('./training-thread.ts');
