// The module's exports: one file per concept, re-exported here (see README.md).

export * from './gemm';
export * from './memory';
export * from './conv2d';
export * from './max-pool';
export * from './batch-norm';
export * from './dense';
export * from './optimizer';
export * from './lma';
export * from './swish';
export * from './prelu';
export * from './batch';
export * from './quantize';
export * from './aplu';
