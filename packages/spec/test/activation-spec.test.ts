import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_OPTION_KEYS,
  ActivationSpec,
  ApluActivation,
  activationLabel,
  canonicalHash,
  LmaActivation,
  type ModelSpec,
  modelTensors,
  normalizeActivation,
  PreluActivation,
  ReluActivation,
  RunConfig,
  SweepSpec,
  SwishActivation,
  toValidationIssues,
} from '../src/index.ts';

const data = { shape: [28, 28, 1] as [number, number, number], classes: 10 };
const mlp = (activation: ActivationSpec): ModelSpec => ({ family: 'mlp', hidden: [16], activation, batchNorm: true });

describe('ActivationSpec options', () => {
  it('accepts the official-code variants and the LMA statistics modes', () => {
    for (const a of [
      { name: 'prelu', slopes: 'layer' },
      { name: 'prelu', slopes: 'channel' },
      { name: 'swish', beta: 'unit' },
      { name: 'aplu', segments: 8, init: 'random' },
      { name: 'lma', segments: 8, statistics: 'moving-average' },
      { name: 'lma', segments: 8, statistics: 'bias-corrected' },
      { name: 'lma', segments: 8, statistics: 'recalibrate' },
    ]) {
      expect(ActivationSpec.safeParse(a).success, JSON.stringify(a)).toBe(true);
    }
  });

  it('names the field and the allowed values of a wrong option', () => {
    const base = {
      name: 'unit',
      dataset: { name: 'mnist' },
      teacher: {
        model: { family: 'mlp', hidden: [32], activation: 'relu' },
        train: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.001 } },
      },
      students: {
        model: { family: 'mlp', hidden: [8], activation: { name: 'lma', segments: 8, statistics: 'exact' } },
        train: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.001, weightDecayOn: 'biases' } },
      },
    };
    const r = SweepSpec.safeParse(base);
    expect(r.success).toBe(false);
    const issues = r.success ? [] : toValidationIssues(r.error);
    expect(issues).toEqual(
      expect.arrayContaining([
        {
          path: 'students.model.activation.statistics',
          message: expect.stringMatching(/moving-average.*bias-corrected.*recalibrate/),
        },
        { path: 'students.train.optimizer.weightDecayOn', message: expect.stringMatching(/kernels.*all/) },
      ]),
    );
  });

  it('lists every option key, so labels and comparisons leave all of them out', () => {
    const keys = [ReluActivation, PreluActivation, SwishActivation, ApluActivation, LmaActivation].flatMap((o) =>
      Object.keys(o.shape).filter((k) => k !== 'name' && k !== 'segments'),
    );
    expect([...keys].sort()).toEqual([...ACTIVATION_OPTION_KEYS].sort());
  });

  it('refuses an option on an activation it does not belong to', () => {
    expect(ActivationSpec.safeParse({ name: 'relu', slopes: 'layer' }).success).toBe(false);
    expect(ActivationSpec.safeParse({ name: 'aplu', segments: 8, statistics: 'recalibrate' }).success).toBe(false);
  });

  it('resolves an absent option to what runs stored before the option existed did', () => {
    expect(normalizeActivation('prelu')).toEqual({ name: 'prelu', slopes: 'channel' });
    expect(normalizeActivation({ name: 'swish' })).toEqual({ name: 'swish', beta: 'layer' });
    expect(normalizeActivation({ name: 'aplu', segments: 8 })).toEqual({ name: 'aplu', segments: 8, init: 'relu' });
    expect(normalizeActivation({ name: 'lma', segments: 8 })).toEqual({
      name: 'lma',
      segments: 8,
      statistics: 'moving-average',
    });
    expect(activationLabel({ name: 'lma', segments: 8, statistics: 'recalibrate' })).toBe('lma-8');
  });

  it('adds nothing to a stored configuration when it is parsed, so its hash stays what it was', () => {
    const stored = {
      kind: 'student',
      dataset: { name: 'mnist', limit: { train: 6000, test: 1000 }, validation: 0.1 },
      model: { family: 'mlp', hidden: [16], activation: { name: 'lma', segments: 8 } },
      train: { epochs: 2, batchSize: 64, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 2.2e-4 } },
      seed: 1,
      distill: { temperature: 2, alpha: 0.7 },
      quantize: null,
    };
    expect(canonicalHash(RunConfig.parse(stored))).toBe(canonicalHash(stored));
  });
});

describe('modelTensors with the options', () => {
  const names = (a: ActivationSpec) => modelTensors(mlp(a), data).map((t) => `${t.name} [${t.shape}]`);

  it("stores PReLU's slope once per layer with slopes 'layer'", () => {
    expect(names({ name: 'prelu', slopes: 'layer' })).toContain('prelu_1/alpha [1]');
    expect(names('prelu')).toContain('prelu_1/alpha [16]');
  });

  it("stores one Swish β per unit with beta 'unit'", () => {
    expect(names({ name: 'swish', beta: 'unit' })).toContain('swish_1/beta [16]');
    expect(names('swish')).toContain('swish_1/beta [1]');
  });

  it('adds the step count last, non-trainable, for bias-corrected LMA statistics only', () => {
    const tensors = modelTensors(mlp({ name: 'lma', segments: 8, statistics: 'bias-corrected' }), data);
    expect(tensors.at(-1)).toEqual({ name: 'lma_1/steps', shape: [1], trainable: false });
    for (const statistics of ['moving-average', 'recalibrate'] as const) {
      expect(names({ name: 'lma', segments: 8, statistics }).some((n) => n.includes('steps'))).toBe(false);
    }
  });
});
