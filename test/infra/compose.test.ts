import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { DCLinter } from 'dclint';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { parseEnvFile } from './support/env-file.ts';
import { interpolateDeep, references, strings } from './support/interpolate.ts';
import { projectVersion, ROOT, readRepoFile } from './support/paths.ts';

/**
 * docker-compose.yml, checked without a Docker engine (none runs where this project is built): against the
 * Compose specification's JSON schema, with dclint's rules, and with the team stack's own rules.
 */

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
  restart?: string;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  container_name?: string;
  stop_grace_period?: string;
  read_only?: boolean;
  deploy?: {
    resources?: {
      limits?: Record<string, string>;
      reservations?: { devices?: { driver?: string; count?: number | string; capabilities: string[] }[] };
    };
  };
}
interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const SOURCE = readRepoFile('docker-compose.yml');
/** As written, `${…}` not substituted (YAML merge keys resolved, as compose resolves them). */
const RAW = parseYaml(SOURCE, { merge: true }) as ComposeFile;
const ENV_EXAMPLE = parseEnvFile(readRepoFile('.env.example'));
/** What a user's .env gives: .env.example with its required secrets filled in. */
const USER_ENV = new Map([...ENV_EXAMPLE.values].map(([k, v]) => [k, v === '' ? `example-${k.toLowerCase()}` : v]));
const COMPOSE = interpolateDeep(RAW, USER_ENV);
const SERVICES = Object.entries(COMPOSE.services);

/** Seconds of a compose duration such as `60s`, `1m30s`. */
function seconds(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms)/g)) {
    total += Number(n) * { h: 3600, m: 60, s: 1, ms: 0.001 }[unit as 'h' | 'm' | 's' | 'ms'];
  }
  return total;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    // dclint ships the compose-spec project's schema/compose-spec.json (Apache-2.0), kept current upstream.
    const schemaPath = join(dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'schemas');
    const schema = JSON.parse(readFileSync(join(schemaPath, 'compose.schema.json'), 'utf8'));
    expect(schema.title).toBe('Compose Specification');
    const validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(schema);
    const valid = validate(COMPOSE);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('passes dclint’s correctness and security rules', () => {
    // Linted after interpolation (dclint reads `${API_BIND:-127.0.0.1}` as "no interface"). Off: ordering and
    // quoting style, and no-build-and-image: every Distillery service builds *and* names one shared image on
    // purpose, so `docker compose build` builds it once and `up` never tries to pull it.
    const dir = mkdtempSync(join(tmpdir(), 'distillery-compose-'));
    try {
      const file = join(dir, 'docker-compose.yml');
      writeFileSync(file, stringify(COMPOSE));
      const off = [
        'no-build-and-image',
        'require-quotes-in-ports',
        'service-keys-order',
        'services-alphabetical-order',
        'service-dependencies-alphabetical-order',
        'service-ports-alphabetical-order',
        'top-level-properties-order',
      ];
      const linter = new DCLinter({
        rules: Object.fromEntries(off.map((rule) => [rule, 0])),
        quiet: true,
        debug: false,
        exclude: [],
      });
      // dclint's declarations use extensionless relative imports, which nodenext cannot follow: typed here.
      const [result] = linter.lintFiles([file], false) as {
        messages: { type: string; rule: string; message: string }[];
      }[];
      const errors = (result?.messages ?? []).filter((m) => m.type === 'error').map((m) => `${m.rule}: ${m.message}`);
      expect(errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the migration once, to completion, before the API and the workers start', () => {
    const migrate = COMPOSE.services.migrate as Service;
    expect(migrate.command).toEqual(['migrate']);
    expect(migrate.restart).toBe('no');
    for (const name of ['api', 'worker', 'worker-gpu']) {
      expect(COMPOSE.services[name]?.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      expect(COMPOSE.services[name]?.depends_on?.postgres?.condition, name).toBe('service_healthy');
      expect(COMPOSE.services[name]?.depends_on?.redis?.condition, name).toBe('service_healthy');
    }
  });

  it('gives every long-running service a health check, and the only service without one is a one-shot', () => {
    const oneShots = SERVICES.filter(([, s]) => s.restart === 'no').map(([name]) => name);
    for (const [name, service] of SERVICES) {
      if (oneShots.includes(name)) {
        // A one-shot is something others wait for to complete.
        const awaited = SERVICES.some(([, s]) => s.depends_on?.[name]?.condition === 'service_completed_successfully');
        expect(awaited, `${name} is one-shot but nothing waits for it`).toBe(true);
        continue;
      }
      expect(service.healthcheck?.test, `${name} has no health check`).toBeDefined();
      expect(service.healthcheck?.disable, name).not.toBe(true);
    }
  });

  it('checks the API’s health on /readyz', () => {
    const test = COMPOSE.services.api?.healthcheck?.test as string[];
    expect(test).toEqual(['CMD', 'node', 'infra/docker/healthcheck.mjs', 'api']);
    // healthcheck.mjs checks /readyz for the api role (test/infra/healthcheck.test.ts).
    expect(readRepoFile('infra/docker/healthcheck.mjs')).toContain('/readyz');
  });

  it('keeps data in named volumes declared at the top level', () => {
    const declared = Object.keys(COMPOSE.volumes ?? {});
    expect(declared).toEqual(expect.arrayContaining(['pgdata', 'redisdata', 'artifacts']));
    for (const [name, service] of SERVICES) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        expect(volume.includes(':'), `${name}: anonymous volume ${volume}`).toBe(true);
        expect(declared, `${name}: ${volume} is not a named volume`).toContain(source);
      }
    }
    expect(COMPOSE.services.postgres?.volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(COMPOSE.services.redis?.volumes).toContain('redisdata:/data');
  });

  it('runs Redis with append-only persistence and without eviction', () => {
    const command = (COMPOSE.services.redis?.command ?? []).join(' ');
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
  });

  it('takes every secret from the environment, never from a value written in the file', () => {
    const leaks: string[] = [];
    for (const [path, text] of strings(RAW)) {
      // A URL with a password: the password must be a ${…} reference.
      for (const m of text.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@\s]+)@/gi)) {
        if (!/^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$/.test(m[1] as string)) leaks.push(`${path}: ${text}`);
      }
    }
    for (const [name, service] of Object.entries(RAW.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!/PASSWORD|SECRET|TOKEN|_AUTH|API_KEY/.test(key)) continue;
        if (!/^\$\{[A-Z0-9_]+(:?\?[^}]*)?\}$/.test(String(value))) leaks.push(`${name}.environment.${key}`);
      }
      const command = service.command ?? [];
      const pass = command.indexOf('--requirepass');
      if (pass >= 0 && !/^\$\{/.test(String(command[pass + 1]))) leaks.push(`${name}.command --requirepass`);
    }
    expect(leaks).toEqual([]);
  });

  it('documents in .env.example every variable it reads, and requires the passwords without defaults', () => {
    const used = references(SOURCE);
    const documented = new Set([...ENV_EXAMPLE.values.keys(), ...ENV_EXAMPLE.commented]);
    expect([...new Set(used.map((r) => r.name))].filter((n) => !documented.has(n))).toEqual([]);
    const required = new Set(used.filter((r) => r.operator?.endsWith('?')).map((r) => r.name));
    expect([...required].sort()).toEqual(['POSTGRES_PASSWORD', 'REDIS_PASSWORD']);
    for (const name of required) expect(ENV_EXAMPLE.values.get(name), `${name} in .env.example`).toBe('');
    // Compose fails fast without them, naming the variable.
    expect(() => interpolateDeep(RAW, new Map())).toThrow(/required variable POSTGRES_PASSWORD is missing/);
  });

  it('lets the CPU workers scale with --scale: no container name, no fixed host port', () => {
    for (const name of ['worker', 'worker-gpu']) {
      expect(COMPOSE.services[name]?.container_name, name).toBeUndefined();
      expect(COMPOSE.services[name]?.ports, name).toBeUndefined();
    }
    expect(COMPOSE.services.worker?.profiles).toBeUndefined();
    expect(COMPOSE.services.worker?.environment?.DISTILLERY_BACKEND).toBe('wasm');
  });

  it('defines the GPU worker under the gpu profile, from the CUDA image, with an NVIDIA GPU reservation', () => {
    const gpu = COMPOSE.services['worker-gpu'] as Service;
    expect(gpu.profiles).toEqual(['gpu']);
    expect(gpu.build?.dockerfile).toBe('infra/docker/Dockerfile.gpu');
    expect(gpu.environment?.DISTILLERY_BACKEND).toBe('tensorflow');
    const devices = gpu.deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toEqual([expect.objectContaining({ driver: 'nvidia', capabilities: ['gpu'] })]);
  });

  it('gives workers more time to stop than their SIGTERM checkpoint-and-release bound', () => {
    for (const name of ['worker', 'worker-gpu']) {
      const service = COMPOSE.services[name] as Service;
      const boundMs = Number(service.environment?.DISTILLERY_SHUTDOWN_TIMEOUT_MS);
      expect(boundMs, name).toBeGreaterThan(0);
      // 15 s for closing connections after the bound, and for the process to exit.
      expect(seconds(service.stop_grace_period ?? '10s'), name).toBeGreaterThanOrEqual(boundMs / 1000 + 15);
    }
  });

  it('shares one checkpoint directory between all workers', () => {
    for (const name of ['worker', 'worker-gpu']) {
      const service = COMPOSE.services[name] as Service;
      const dir = service.environment?.DISTILLERY_ARTIFACT_DIR as string;
      expect(service.volumes, name).toContain(`artifacts:${dir}`);
    }
  });

  it('builds images that exist, tagged with the project version, and runs them read-only', () => {
    for (const [name, service] of SERVICES) {
      if (!service.build) continue;
      expect(() =>
        readFileSync(join(ROOT, service.build?.context ?? '.', service.build?.dockerfile ?? '')),
      ).not.toThrow();
      expect(service.image, name).toMatch(new RegExp(`^distillery(-gpu)?:${projectVersion().replaceAll('.', '\\.')}$`));
      expect(service.read_only, name).toBe(true);
    }
  });
});
