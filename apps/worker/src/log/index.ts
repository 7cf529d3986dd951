export * from './escape-control-characters.ts';
export * from './json-line-log.ts';
