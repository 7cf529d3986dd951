export * from './estimate-run-time.ts';
export * from './estimate-sweep-time.ts';
export * from './measure-run-overhead.ts';
export * from './measure-throughput.ts';
export * from './run-work.ts';
export * from './throughput-calibration.ts';
export * from './throughput-rate.ts';
export * from './throughput-shape.ts';
