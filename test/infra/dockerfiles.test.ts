import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerIgnored, expandArgs, imageReference, parseDockerfile, type Stage } from './support/dockerfile.ts';
import { ROOT, readRepoFile } from './support/paths.ts';

/**
 * The Dockerfiles under infra/docker, parsed with dockerfile-ast and checked without a Docker engine (none runs
 * where this project is built). What was run instead: the build steps replayed outside Docker (README).
 */

const DOCKERFILES = readdirSync(join(ROOT, 'infra/docker'))
  .filter((f) => /^Dockerfile(\..+)?$/.test(f))
  .map((f) => `infra/docker/${f}`);
const DOCKERIGNORE = readRepoFile('.dockerignore');
const ROOT_PACKAGE = JSON.parse(readRepoFile('package.json')) as { engines: { node: string }; workspaces: string[] };

const parsed = (file: string) => parseDockerfile(readRepoFile(file));
const finalStage = (file: string) => parsed(file).stages.at(-1) as Stage;

/** Workspace directories (package.json `workspaces`, one `*` level). */
function workspaces(): string[] {
  return ROOT_PACKAGE.workspaces.flatMap((pattern) => {
    const base = pattern.replace(/\/\*$/, '');
    return readdirSync(join(ROOT, base))
      .map((name) => `${base}/${name}`)
      .filter((dir) => existsSync(join(ROOT, dir, 'package.json')));
  });
}

function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

describe('Dockerfiles', () => {
  it('finds the API/CPU-worker image and the GPU worker image', () => {
    expect(DOCKERFILES).toEqual(['infra/docker/Dockerfile', 'infra/docker/Dockerfile.gpu']);
  });

  describe.each(DOCKERFILES)('%s', (file) => {
    it('is multi-stage, and copies only from earlier stages', () => {
      const { stages } = parsed(file);
      expect(stages.length).toBeGreaterThanOrEqual(2);
      const seen: string[] = [];
      for (const stage of stages) {
        for (const step of stage.steps.filter((s) => s.keyword === 'COPY' && s.flags.has('from'))) {
          expect(seen, `line ${step.line}: COPY --from=${step.flags.get('from')}`).toContain(step.flags.get('from'));
        }
        if (stage.name) seen.push(stage.name);
      }
    });

    it('runs its final stage as a non-root user given by number (so Kubernetes can verify runAsNonRoot)', () => {
      const users = finalStage(file).steps.filter((s) => s.keyword === 'USER');
      expect(users.length, 'USER in the final stage').toBeGreaterThan(0);
      const user = (users.at(-1)?.args[0] ?? '').split(':')[0] as string;
      expect(user).toMatch(/^\d+$/);
      expect(user).not.toBe('0');
    });

    it('pins every base image to a tag that is not latest', () => {
      const { stages, globalArgs } = parsed(file);
      const names = new Set(stages.map((s) => s.name).filter(Boolean));
      for (const stage of stages) {
        if (names.has(stage.image)) continue; // FROM an earlier stage
        const image = expandArgs(stage.image, globalArgs);
        const { tag, digest } = imageReference(image);
        expect(tag ?? digest, `${image}: no tag`).toBeTruthy();
        expect(tag, image).not.toBe('latest');
      }
    });

    it('declares a HEALTHCHECK in its final stage, with a script that exists', () => {
      const healthchecks = finalStage(file).steps.filter((s) => s.keyword === 'HEALTHCHECK');
      expect(healthchecks).toHaveLength(1);
      expect(healthchecks[0]?.args[0]?.toUpperCase()).toBe('CMD');
      const script = /infra\/docker\/[\w.-]+\.mjs/.exec(healthchecks[0]?.text ?? '')?.[0] as string;
      expect(existsSync(join(ROOT, script)), script).toBe(true);
      expect(dockerIgnored(script, DOCKERIGNORE), `${script} is .dockerignored`).toBe(false);
    });

    it('starts the distillery command', () => {
      const entrypoint = finalStage(file).steps.find((s) => s.keyword === 'ENTRYPOINT');
      expect(entrypoint?.text.replace(/\s/g, '')).toBe('["node","bin/distillery.mjs"]');
      expect(existsSync(join(ROOT, 'bin/distillery.mjs'))).toBe(true);
    });

    it('copies only paths that exist in the build context and that .dockerignore lets through', () => {
      for (const stage of parsed(file).stages) {
        for (const step of stage.steps.filter((s) => s.keyword === 'COPY' && !s.flags.has('from'))) {
          for (const source of step.args.slice(0, -1)) {
            if (source === '.') continue;
            expect(existsSync(join(ROOT, source)), `line ${step.line}: ${source}`).toBe(true);
            expect(dockerIgnored(source, DOCKERIGNORE), `line ${step.line}: ${source} is .dockerignored`).toBe(false);
          }
        }
      }
    });

    it('copies every workspace manifest before npm ci, so the lockfile installs the whole tree', () => {
      const build = parsed(file).stages.find((s) => s.steps.some((step) => step.text.includes('npm ci'))) as Stage;
      const ci = build.steps.findIndex((s) => s.text.includes('npm ci'));
      const copied = build.steps
        .slice(0, ci)
        .filter((s) => s.keyword === 'COPY')
        .flatMap((s) => s.args.slice(0, -1));
      expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
      for (const workspace of workspaces()) expect(copied, workspace).toContain(`${workspace}/package.json`);
      // scripts/prisma-generate.mjs (postinstall) reads prisma/ and prisma.config.ts, which imports this file.
      const config = readRepoFile('prisma.config.ts');
      for (const [, path] of config.matchAll(/from '\.\/([^']+)'/g)) expect(copied, path).toContain(path);
      expect(copied).toEqual(expect.arrayContaining(['scripts', 'prisma', 'prisma.config.ts']));
    });

    it('installs nothing in its final stage (no compilers, no npm): the runtime image stays small', () => {
      const runtime = finalStage(file);
      for (const step of runtime.steps.filter((s) => s.keyword === 'RUN')) {
        expect(step.text, `line ${step.line}`).not.toMatch(/\bnpm (ci|install|i)\b|apt-get install|\bg\+\+|\bmake\b/);
      }
      // The production tree comes from a build stage that pruned the dev dependencies.
      expect(parsed(file).stages.some((s) => s.steps.some((step) => step.text.includes('npm prune --omit=dev')))).toBe(
        true,
      );
    });

    it('uses a Node.js version the project supports', () => {
      const node = parsed(file).globalArgs.get('NODE_VERSION') as string;
      expect(node).toMatch(/^\d+\.\d+\.\d+$/);
      expect(versionAtLeast(node, ROOT_PACKAGE.engines.node.replace('>=', ''))).toBe(true);
    });
  });

  it('builds both images on the same Node.js version', () => {
    const versions = new Set(DOCKERFILES.map((f) => parsed(f).globalArgs.get('NODE_VERSION')));
    expect(versions.size).toBe(1);
  });

  it('installs the tfjs-node-gpu that matches the TensorFlow.js of packages/ml, on CUDA 11 + cuDNN 8', () => {
    const gpu = parsed('infra/docker/Dockerfile.gpu');
    const arg = gpu.stages
      .flatMap((s) => s.steps)
      .find((s) => s.keyword === 'ARG' && s.text.startsWith('TFJS_VERSION='));
    const ml = JSON.parse(readRepoFile('packages/ml/package.json')) as { dependencies: Record<string, string> };
    expect(arg?.text).toBe(`TFJS_VERSION=${ml.dependencies['@tensorflow/tfjs']}`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own ${…}, not a template
    const install = '@tensorflow/tfjs-node-gpu@${TFJS_VERSION}';
    expect(gpu.stages.flatMap((s) => s.steps).some((s) => s.text.includes(install))).toBe(true);
    // tfjs-node-gpu 4.x loads libcudart.so.11.0 and libcudnn.so.8.
    expect(gpu.globalArgs.get('CUDA_IMAGE')).toMatch(/^nvidia\/cuda:11\.\d+\.\d+-cudnn8-runtime-/);
    const env = finalStage('infra/docker/Dockerfile.gpu').steps.filter((s) => s.keyword === 'ENV');
    expect(env.flatMap((s) => s.args)).toContain('DISTILLERY_BACKEND=tensorflow');
  });

  it('keeps secrets, local state and installed trees out of the build context', () => {
    for (const path of [
      '.env',
      '.env.production',
      'infra/k8s/base/secret.env',
      'node_modules/x',
      'packages/db/src/generated/client.ts',
      '.git/config',
    ]) {
      expect(dockerIgnored(path, DOCKERIGNORE), path).toBe(true);
    }
    for (const path of [
      'bin/distillery.mjs',
      'apps/cli/src/main.ts',
      'prisma/schema.prisma',
      'examples/quickstart.yaml',
    ]) {
      expect(dockerIgnored(path, DOCKERIGNORE), path).toBe(false);
    }
    expect(statSync(join(ROOT, 'examples')).isDirectory()).toBe(true);
  });
});
