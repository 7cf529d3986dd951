/** Orders of a configuration listing: by mean accuracy, size, replicates or newest result; `-` descending. */
export type ConfigurationSort =
  | '-accuracy'
  | 'accuracy'
  | 'bytes'
  | '-bytes'
  | 'parameters'
  | '-parameters'
  | '-n'
  | 'n'
  | '-created'
  | 'created';
