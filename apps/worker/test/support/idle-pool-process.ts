// A process that trains one run on a two-thread pool and never closes it: it must exit by itself (an idle
// training thread keeps no process alive). Prints the run's training path. With the argument `close`, it
// closes the pool as soon as the run's outcome is in (the thread may not have said it is free yet) and prints
// `closed` once close resolved: nothing else keeps that process alive meanwhile. Run with `node --import tsx`.
import { RunConfig } from '@distillery/spec';
import { TrainingPool } from '../../src/threads/training-pool.ts';

const pool = new TrainingPool({ threads: 2 });
await pool.start(() => {});
const config = RunConfig.parse({
  kind: 'teacher',
  dataset: { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } },
  model: { family: 'mlp', hidden: [8], activation: 'relu' },
  train: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } },
  distill: null,
  quantize: null,
  seed: 1,
});
console.log((await pool.executeRun({ config })).trainPath);
if (process.argv[2] === 'close') {
  await pool.close();
  console.log('closed');
}
