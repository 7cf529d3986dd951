import { describe, expect, it } from 'vitest';
import { modelBytes, modelTensors, packedTensorBytes, parameterCount } from '../src/index.ts';

const mnist = { shape: [28, 28, 1] as [number, number, number], classes: 10 };

describe('modelTensors', () => {
  it('counts an MLP 784-16-10 as Keras would: 784·16+16 + 16·10+10', () => {
    expect(parameterCount({ family: 'mlp', hidden: [16], activation: 'relu' }, mnist)).toBe(784 * 16 + 16 + 170);
  });

  it('adds BatchNorm and activation parameters per hidden layer, in the order tfjs stores them', () => {
    const tensors = modelTensors(
      { family: 'mlp', hidden: [16], activation: { name: 'lma', segments: 8 }, batchNorm: true },
      mnist,
    );
    expect(tensors.map((t) => [t.name, t.shape, t.trainable])).toEqual([
      ['dense_1/kernel', [784, 16], true],
      ['dense_1/bias', [16], true],
      ['batch_normalization_1/gamma', [16], true],
      ['batch_normalization_1/beta', [16], true],
      ['lma_1/alpha', [8], true],
      ['lma_1/beta', [8], true],
      ['dense_2/kernel', [16, 10], true],
      ['dense_2/bias', [10], true],
      // tfjs lists non-trainable tensors after all trainable ones
      ['batch_normalization_1/moving_mean', [16], false],
      ['batch_normalization_1/moving_variance', [16], false],
      ['lma_1/running_mean', [1], false],
      ['lma_1/running_std', [1], false],
    ]);
  });

  it('halves the spatial size per conv block before the dense head', () => {
    const tensors = modelTensors(
      { family: 'cnn', channels: [8, 16], dense: [32], kernel: 3, activation: 'relu' },
      mnist,
    );
    expect(tensors.find((t) => t.name === 'conv2d_2/kernel')?.shape).toEqual([3, 3, 8, 16]);
    expect(tensors.find((t) => t.name === 'dense_1/kernel')?.shape).toEqual([7 * 7 * 16, 32]);
  });
});

describe('modelBytes', () => {
  const tensors = modelTensors({ family: 'mlp', hidden: [300, 100], activation: 'relu' }, mnist);

  it('is four bytes per value in float32', () => {
    expect(modelBytes(tensors)).toBe(
      4 * parameterCount({ family: 'mlp', hidden: [300, 100], activation: 'relu' }, mnist),
    );
  });

  it('packs quantized tensors and keeps the first and last trainable tensors in float', () => {
    const q = modelBytes(tensors, { bits: 4, bucketSize: 256, keepFloat: 'first-last' });
    const expected =
      784 * 300 * 4 + // first kernel, float
      packedTensorBytes(300, 4, 256) +
      packedTensorBytes(300 * 100, 4, 256) +
      packedTensorBytes(100, 4, 256) +
      packedTensorBytes(100 * 10, 4, 256) +
      10 * 4; // last bias, float
    expect(q).toBe(expected);
  });

  it('charges each bucket a scale and an offset', () => {
    expect(packedTensorBytes(1000, 8, 256)).toBe(1000 + 4 * 8);
    expect(packedTensorBytes(3, 2, 256)).toBe(1 + 8);
  });
});
