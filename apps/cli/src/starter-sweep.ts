/**
 * The sweep `distillery init` writes: small enough to run in a minute or two on a laptop CPU, and commented so
 * that each field says what it does and what else it takes. It must stay a valid sweep (a test submits it).
 */
export const STARTER_SWEEP = `# A Distillery sweep: one teacher, a grid of compact students distilled from it, and quantized variants of
# each student. Check it without running anything:   distillery run sweep.yaml --dry-run
# Run it here (no servers needed):                    distillery run sweep.yaml
name: my-first-sweep
tags: [starter]

# Built-in: mnist, fashion-mnist, synthetic. Your own files: idx, cifar10-bin, image-folder, npy, csv
# (with \`path:\`, inside the configured data roots).
dataset:
  name: mnist
  # The first N examples of each split; leave out to use them all.
  limit: { train: 6000, test: 1000 }
  # Fraction of the training split held out to report validation loss and accuracy (0 to 0.5).
  validation: 0.1

# The model the students learn from. Also possible: \`teacher: { runId: ID }\` (reuse a trained teacher) or
# \`teacher: { model: { artifact: PATH } }\` (your own TensorFlow.js layers model).
teacher:
  # family: mlp (hidden: widths) or cnn (channels: per conv block); activation: relu, prelu, swish, lma-K, aplu-K.
  model: { family: mlp, hidden: [128], activation: relu }
  train:
    epochs: 2
    batchSize: 64
    # name: adam or sgd; optional \`schedule\`: constant, step, plateau, cosine.
    optimizer: { name: adam, lr: 0.001 }

# The base student; \`grid\` varies it along dotted paths (every combination becomes a student).
students:
  model: { family: mlp, hidden: [16], activation: relu, batchNorm: true }
  train:
    epochs: 2
    batchSize: 64
    optimizer: { name: adam, lr: 0.001 }
  # Soft targets at this temperature; alpha weighs them against the true labels.
  distill: { temperature: 2, alpha: 0.7 }
  grid:
    # lma-8 is { name: lma, segments: 8 }; segments defaults to 8.
    model.activation: [relu, lma-8]

# Each student again, quantized: ptq (after training) or qat (trained quantized); bits 2-8 or 16.
quantize:
  - { method: ptq, bits: 8 }

# Replicates of every student; results report mean ± std over them.
seeds: [1, 2]
`;
