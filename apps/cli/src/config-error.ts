/** A setting from the environment or command line is wrong, or a service it points at is unreachable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
}
