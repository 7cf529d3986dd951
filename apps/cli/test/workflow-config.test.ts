import { describe, expect, it } from 'vitest';
import { niceSetting, threadsFlag } from '../src/commands/worker-command.ts';
import { ConfigError } from '../src/config-error.ts';
import { loadDataRoots } from '../src/data-roots-config.ts';
import { loadWorkflowConfig } from '../src/workflow-config.ts';

describe('loadWorkflowConfig', () => {
  it('leaves every setting to the worker defaults when no variable is set', () => {
    expect(loadWorkflowConfig({})).toEqual({});
  });

  it('reads the artifact directory and the numbers of the workflow', () => {
    expect(
      loadWorkflowConfig({
        DISTILLERY_ARTIFACT_DIR: '/mnt/shared/artifacts',
        DISTILLERY_MAX_ATTEMPTS: '5',
        DISTILLERY_RETRY_BACKOFF_MS: '0',
        DISTILLERY_HEARTBEAT_INTERVAL_MS: '1000',
        DISTILLERY_STALE_AFTER_MS: '30000',
        DISTILLERY_RECONCILE_INTERVAL_MS: '2000',
        DISTILLERY_SHUTDOWN_TIMEOUT_MS: '45000',
        DISTILLERY_DATASET_CACHE_BYTES: '268435456',
        DISTILLERY_PACK_MAX: '1',
        DISTILLERY_THREADS: '4',
      }),
    ).toEqual({
      artifactDir: '/mnt/shared/artifacts',
      maxAttempts: 5,
      retryBackoffMs: 0,
      heartbeatIntervalMs: 1000,
      staleAfterMs: 30000,
      reconcileIntervalMs: 2000,
      shutdownTimeoutMs: 45000,
      datasetCacheBytes: 268435456,
      packMax: 1,
      threads: 4,
    });
  });

  it('names the variable and the rule when a value is wrong', () => {
    expect(() => loadWorkflowConfig({ DISTILLERY_MAX_ATTEMPTS: 'three' })).toThrow(
      new ConfigError("DISTILLERY_MAX_ATTEMPTS must be an integer 1–100, got 'three'"),
    );
    expect(() => loadWorkflowConfig({ DISTILLERY_STALE_AFTER_MS: '-1' })).toThrow(/DISTILLERY_STALE_AFTER_MS/);
    expect(() => loadWorkflowConfig({ DISTILLERY_PACK_MAX: '65' })).toThrow(
      new ConfigError("DISTILLERY_PACK_MAX must be an integer 1–64, got '65'"),
    );
    expect(() => loadWorkflowConfig({ DISTILLERY_THREADS: '0' })).toThrow(
      new ConfigError("DISTILLERY_THREADS must be an integer 1–256, got '0'"),
    );
  });
});

describe('worker --threads', () => {
  it('takes --threads, or its former name --concurrency, and leaves the default to the worker without either', () => {
    expect(threadsFlag({ threads: '3' })).toBe(3);
    expect(threadsFlag({ concurrency: '2' })).toBe(2);
    expect(threadsFlag({ threads: '2', concurrency: '2' })).toBe(2);
    expect(threadsFlag({})).toBeUndefined();
  });

  it('names the flag and the rule when a value is wrong, and refuses the two names disagreeing', () => {
    expect(() => threadsFlag({ threads: '0' })).toThrow(new ConfigError("--threads must be an integer 1–256, got '0'"));
    expect(() => threadsFlag({ concurrency: 'many' })).toThrow(
      new ConfigError("--concurrency must be an integer 1–256, got 'many'"),
    );
    expect(() => threadsFlag({ threads: '2', concurrency: '4' })).toThrow(
      new ConfigError('--threads 2 and --concurrency 4 disagree: give one (--threads)'),
    );
  });
});

describe('worker --nice', () => {
  it('takes --nice over DISTILLERY_WORKER_NICE, and trains at nice 10 without either', () => {
    expect(niceSetting({ nice: '0' }, { DISTILLERY_WORKER_NICE: '15' })).toBe(0);
    expect(niceSetting({}, { DISTILLERY_WORKER_NICE: '15' })).toBe(15);
    expect(niceSetting({}, { DISTILLERY_WORKER_NICE: '' })).toBe(10);
    expect(niceSetting({}, {})).toBe(10);
  });

  it('names the flag or the variable and the rule when a value is wrong', () => {
    expect(() => niceSetting({ nice: '20' }, {})).toThrow(new ConfigError("--nice must be an integer 0–19, got '20'"));
    expect(() => niceSetting({ nice: '-5' }, {})).toThrow(new ConfigError("--nice must be an integer 0–19, got '-5'"));
    expect(() => niceSetting({}, { DISTILLERY_WORKER_NICE: 'low' })).toThrow(
      new ConfigError("DISTILLERY_WORKER_NICE must be an integer 0–19, got 'low'"),
    );
  });
});

describe('loadDataRoots', () => {
  it('allows only the team folders under the artifact directory on a server by default', () => {
    expect(
      loadDataRoots({ mode: 'server', artifactDir: '/var/lib/distillery/artifacts', env: {}, cwd: '/srv' }),
    ).toEqual({ shared: [], teamBase: '/var/lib/distillery/artifacts/datasets' });
  });

  it('adds the working directory in embedded mode, after the listed roots', () => {
    const env = { DISTILLERY_DATA_ROOTS: '/data/shared: /data/more:' };
    expect(
      loadDataRoots({ mode: 'embedded', artifactDir: '.distillery/artifacts', env, cwd: '/home/me/work' }),
    ).toEqual({
      shared: ['/data/shared', '/data/more', '/home/me/work'],
      teamBase: '/home/me/work/.distillery/artifacts/datasets',
    });
  });

  it('refuses a relative root, naming the variable and the rule', () => {
    expect(() =>
      loadDataRoots({ mode: 'server', artifactDir: '/a', env: { DISTILLERY_DATA_ROOTS: '/ok:data' }, cwd: '/' }),
    ).toThrow(new ConfigError("DISTILLERY_DATA_ROOTS must list absolute folders separated by ':', got 'data'"));
  });
});
