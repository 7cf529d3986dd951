// A process that trains one run on a two-thread pool and never closes it: it must exit by itself (an idle
// training thread keeps no process alive). Prints the run's training path. Run with `node --import tsx`.
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
