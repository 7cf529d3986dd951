import { describe, expect, it } from 'vitest';
import { useTestApi } from './helper.ts';

const api = useTestApi();

describe('GET /v1/compare', () => {
  for (const dimension of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`refuses dimension=${dimension} (a property of every object) with a 400 naming the field`, async () => {
      const res = await api.request({ method: 'GET', url: `/v1/compare?dimension=${dimension}&a=x&b=y` });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['dimension']);
    });
  }

  it('still accepts a named dimension and a config path', async () => {
    for (const dimension of ['activation', 'train.optimizer.lr']) {
      const res = await api.request({ method: 'GET', url: `/v1/compare?dimension=${dimension}&a=x&b=y` });
      expect(res.statusCode, res.body).toBe(200);
    }
  });
});
