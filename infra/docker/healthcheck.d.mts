// Types of healthcheck.mjs (plain JavaScript so the images run it with node alone), for test/infra.
export declare const DEFAULT_DATABASE_URL: string;
export declare const DEFAULT_REDIS_URL: string;
export declare const DEFAULT_PORT: number;
export declare function distilleryArgs(procRoot?: string): string[] | undefined;
export declare function servePort(args: readonly string[], env: Readonly<Record<string, string | undefined>>): number;
export declare function check(
  role?: string,
  env?: Readonly<Record<string, string | undefined>>,
  procRoot?: string,
): Promise<void>;
