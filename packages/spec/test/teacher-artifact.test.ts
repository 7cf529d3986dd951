import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expandSweep,
  readTeacherArtifact,
  SweepSpec,
  TeacherArtifactError,
  teacherArtifactDigest,
  teacherArtifactIssues,
  topologyFacts,
} from '../src/index.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'distillery-teacher-artifact-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A tfjs Sequential topology as `model.save` writes it: dense(784 → 8) → dense(10, softmax). */
const SEQUENTIAL = {
  class_name: 'Sequential',
  config: {
    name: 'sequential_1',
    layers: [
      { class_name: 'Dense', config: { name: 'd1', units: 8, activation: 'relu', batch_input_shape: [null, 784] } },
      { class_name: 'Dense', config: { name: 'd2', units: 10, activation: 'softmax' } },
    ],
  },
};

function writeModel(folder: string, topology: object, weightBytes = 8): void {
  mkdirSync(folder, { recursive: true });
  const modelJson = {
    format: 'layers-model',
    modelTopology: topology,
    weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd1/kernel', shape: [2], dtype: 'float32' }] }],
  };
  writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJson));
  writeFileSync(join(folder, 'w.bin'), new Uint8Array(weightBytes));
}

describe('topologyFacts', () => {
  it("reads a Sequential's input shape and output units, and a converted Keras file's nested model_config", () => {
    expect(topologyFacts(SEQUENTIAL)).toEqual({ inputShape: [null, 784], outputUnits: 10 });
    const keras = {
      keras_version: '2.15.0',
      model_config: {
        class_name: 'Sequential',
        config: {
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 28, 28, 1], name: 'in' } },
            { class_name: 'Flatten', config: { name: 'f' } },
            { class_name: 'Dense', config: { name: 'out', units: 10 } },
            { class_name: 'Activation', config: { name: 'a', activation: 'softmax' } },
          ],
        },
      },
    };
    expect(topologyFacts(keras)).toEqual({ inputShape: [null, 28, 28, 1], outputUnits: 10 });
  });

  it("follows a functional model's input_layers and output_layers", () => {
    const functional = {
      class_name: 'Functional',
      config: {
        layers: [
          { class_name: 'InputLayer', name: 'x', config: { batch_shape: [null, 32, 32, 3] } },
          { class_name: 'Dense', name: 'logits', config: { units: 10 } },
          { class_name: 'Dense', name: 'aux', config: { units: 3 } },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['logits', 0, 0]],
      },
    };
    expect(topologyFacts(functional)).toEqual({ inputShape: [null, 32, 32, 3], outputUnits: 10 });
  });

  it('says nothing it cannot tell', () => {
    expect(topologyFacts({ nonsense: true })).toEqual({ inputShape: null, outputUnits: null });
  });
});

describe('teacherArtifactIssues', () => {
  it('accepts flat or image inputs of the data set, and names the field for a mismatch', () => {
    const facts = topologyFacts(SEQUENTIAL);
    expect(teacherArtifactIssues(facts, { shape: [28, 28, 1], classes: 10 }, 'mnist')).toEqual([]);
    expect(teacherArtifactIssues(facts, { shape: [32, 32, 3], classes: 100 }, 'x')).toEqual([
      {
        path: 'teacher.model.artifact',
        message:
          "the model takes inputs of shape [null, 784], but dataset 'x' has rows of shape [32, 32, 3]: the model's input must be [null, 3072] or [null, 32, 32, 3]",
      },
      {
        path: 'teacher.model.artifact',
        message:
          "the model's output layer has 10 units, but dataset 'x' has 100 classes: it needs one output per class",
      },
    ]);
  });
});

describe('readTeacherArtifact', () => {
  it('reads model.json and its weight files, and digests their bytes wherever they lie', () => {
    writeModel(join(root, 'a'), SEQUENTIAL);
    writeModel(join(root, 'b'), SEQUENTIAL);
    const a = readTeacherArtifact(join(root, 'a'), [root]);
    const b = readTeacherArtifact(join(root, 'b'), [root]);
    expect(a.files.map((f) => f.name)).toEqual(['model.json', 'w.bin']);
    expect(a.tensors).toEqual([{ name: 'd1/kernel', shape: [2], trainable: true }]);
    expect(a.digest).toBe(b.digest);
    expect(a.digest).toBe(teacherArtifactDigest(a.files));
    writeModel(join(root, 'c'), SEQUENTIAL, 9);
    expect(readTeacherArtifact(join(root, 'c'), [root]).digest).not.toBe(a.digest);
  });

  it('refuses a folder outside the roots, a weight file that climbs out, a link outside, and a non-model', () => {
    const problem = (path: string) => {
      try {
        readTeacherArtifact(path, [join(root, 'inside')]);
      } catch (e) {
        if (e instanceof TeacherArtifactError) return `${e.problem}: ${e.message}`;
        throw e;
      }
      return 'read';
    };
    mkdirSync(join(root, 'inside'));
    expect(problem(join(root, 'a'))).toBe(
      `outside: "${root}/a" is outside the data roots: a teacher artifact must resolve, symlinks included, inside a configured data root`,
    );
    const climbing = join(root, 'inside', 'climbing');
    mkdirSync(climbing);
    writeFileSync(
      join(climbing, 'model.json'),
      JSON.stringify({ modelTopology: SEQUENTIAL, weightsManifest: [{ paths: ['../../a/w.bin'], weights: [] }] }),
    );
    expect(problem(climbing)).toMatch(
      /^invalid: .*climbing"\/model.json: not a TensorFlow.js layers model \(at "weightsManifest.0.paths.0": a weight path must be relative to model.json and must not climb out of its folder\)/,
    );
    const linked = join(root, 'inside', 'linked');
    mkdirSync(linked);
    writeFileSync(
      join(linked, 'model.json'),
      JSON.stringify({ modelTopology: SEQUENTIAL, weightsManifest: [{ paths: ['w.bin'], weights: [] }] }),
    );
    symlinkSync(join(root, 'a', 'w.bin'), join(linked, 'w.bin'));
    expect(problem(linked)).toBe(`outside: "${linked}"/w.bin resolves outside the data roots`);
    const notJson = join(root, 'inside', 'not-json');
    mkdirSync(notJson);
    writeFileSync(join(notJson, 'model.json'), 'SECRET {');
    expect(problem(notJson)).toBe(`invalid: "${notJson}"/model.json: not JSON`);
  });
});

describe('the expansion of an imported teacher', () => {
  const spec = (artifact: string) =>
    SweepSpec.parse({
      name: 'imported',
      dataset: { name: 'mnist' },
      teacher: { model: { artifact } },
      students: {
        model: { family: 'mlp', hidden: [8], activation: 'relu' },
        train: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } },
      },
    });

  it('identifies the teacher by its digest (not its path) when the files were read, by its path otherwise', () => {
    const facts = { digest: 'a'.repeat(64), tensors: [{ name: 'd/kernel', shape: [784, 10], trainable: true }] };
    const [here] = expandSweep(spec('here'), { teacherArtifact: facts });
    const [there] = expandSweep(spec('there'), { teacherArtifact: facts });
    expect(here?.hash).toBe(there?.hash);
    expect(here?.size).toMatchObject({ parameters: 7840, bytes: 31_360, bits: 32 });
    expect(here?.config).toMatchObject({
      kind: 'teacher',
      train: null,
      model: { family: 'imported', digest: 'a'.repeat(64) },
    });
    const [unread] = expandSweep(spec('here'));
    const [unreadThere] = expandSweep(spec('there'));
    expect(unread?.hash).not.toBe(unreadThere?.hash);
    expect(unread?.config.model).toEqual({ family: 'imported', artifact: 'here', digest: null, tensors: null });
  });
});
