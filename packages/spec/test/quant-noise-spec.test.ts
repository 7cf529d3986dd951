import { describe, expect, it } from 'vitest';
import { expandSweep, resolveQuantization, SweepSpec } from '../src/index.ts';

const sweep = (quantize: unknown[]) =>
  SweepSpec.safeParse({
    name: 'noise',
    dataset: { name: 'mnist' },
    teacher: {
      model: { family: 'mlp', hidden: [32], activation: 'relu' },
      train: { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
    },
    students: {
      model: { family: 'mlp', hidden: [8], activation: 'relu' },
      train: { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
    },
    quantize,
  });

function qatRuns(quantize: unknown[]) {
  const parsed = sweep(quantize);
  if (!parsed.success) throw new Error(parsed.error.message);
  return expandSweep(parsed.data).filter((r) => r.kind === 'quantize-qat');
}

describe('Quant-Noise in the quantize spec', () => {
  it('stores no noise member for plain QAT, so noise 1 and no noise give the configuration and hash QAT had', () => {
    const [plain] = qatRuns([{ method: 'qat', bits: 4 }]);
    const [one] = qatRuns([{ method: 'qat', bits: 4, noise: 1 }]);
    expect(plain?.config.quantize).toEqual({ method: 'qat', bits: 4, bucketSize: 256, keepFloat: 'all-but-kernels' });
    expect(one?.config).toEqual(plain?.config);
    expect(one?.hash).toBe(plain?.hash);
    expect(one?.group).toBe(plain?.group);
    expect(one?.label).toBe(plain?.label);
  });

  it('keeps a rate below 1 in the configuration, its hash and its label', () => {
    const runs = qatRuns([
      { method: 'qat', bits: 4 },
      { method: 'qat', bits: 4, noise: 0.1 },
      { method: 'qat', bits: 4, noise: 0 },
    ]);
    expect(runs.map((r) => r.config.quantize?.noise)).toEqual([undefined, 0.1, 0]);
    expect(new Set(runs.map((r) => r.hash)).size).toBe(3);
    expect(runs[1]?.label).toContain('qat 4-bit noise=0.1 ·');
    expect(runs[2]?.label).toContain('qat 4-bit noise=0 ·');
    expect(resolveQuantization({ method: 'qat', bits: 2, noise: 0.5 })).toEqual({
      method: 'qat',
      bits: 2,
      bucketSize: 256,
      keepFloat: 'all-but-kernels',
      noise: 0.5,
    });
  });

  it('refuses a noise on ptq, which does not train, naming the field', () => {
    const parsed = sweep([{ method: 'ptq', bits: 4, noise: 0.1 }]);
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues[0];
    expect(issue?.path).toEqual(['quantize', 0, 'noise']);
    expect(issue?.message).toMatch(/noise applies to method qat.*not ptq/);
  });

  it('refuses a rate outside [0, 1]', () => {
    for (const noise of [-0.1, 1.5]) {
      const parsed = sweep([{ method: 'qat', bits: 4, noise }]);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(['quantize', 0, 'noise']);
    }
  });
});
