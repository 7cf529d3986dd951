import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/paths.ts';

/** .ci/services: what the README's test command needs, installed and started where missing. */
describe('.ci/services', () => {
  it('is silent and succeeds, twice, where PostgreSQL, Redis and chromium are installed and running', () => {
    for (let i = 0; i < 2; i++) {
      const r = spawnSync('bash', [join(ROOT, '.ci', 'services')], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('');
      expect(r.status).toBe(0);
    }
  });
});
