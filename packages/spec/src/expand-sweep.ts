import { activationLabel, withSweepDefaults } from './activation-spec.ts';
import { canonicalHash, canonicalJson } from './canonical.ts';
import { type GridPoint, gridPoints } from './grid.ts';
import { DEFAULT_KEEP_FLOAT, keepFloatLabel } from './keep-float.ts';
import { quantizedPercent } from './model-size.ts';
import type { ModelSpec } from './model-spec.ts';
import { type PredictedSize, predictRunSize } from './predict-run-size.ts';
import { type Pruning, pruneLabel, resolvePruning } from './prune-spec.ts';
import { type Quantization, quantizationName, resolveQuantization } from './quantize-spec.ts';
import type { RunConfig, RunKind } from './run-config.ts';
import { runIdentity } from './run-identity.ts';
import { resolveSmh, smhLabel } from './smh-spec.ts';
import { studentAtPoint } from './student-at-point.ts';
import { dataLabel, resolveStudentData, type SyntheticData } from './student-data-spec.ts';
import { type StudentBase, type SweepSpec, splitStudents } from './sweep-spec.ts';
import type { TeacherArtifactFacts } from './teacher-artifact/teacher-artifact-facts.ts';
import { DEFAULT_DISTILL, resolveDistill } from './train-spec.ts';

export interface PlannedRun {
  /** Unique within the sweep, stable for a given spec: `teacher`, `s3.seed1`, `s3.seed1.q0`. */
  key: string;
  kind: RunKind;
  /** Key of the run this one waits for, inside the sweep. */
  parentKey: string | null;
  /** An existing run this one waits for (a reused teacher, `teacher: { runId }`). */
  parentRunId: string | null;
  /** Human-readable: the grid values, seed and quantization. */
  label: string;
  /**
   * Hash of the configuration without its seed: runs that are replicates of each other share it. A PTQ
   * variant's configuration has no training (it does not train), so its group is that hash chained with its
   * student's group (runIdentity): variants of students trained differently are not replicates. PTQ runs stored
   * before this rule keep the group they were stored with (their own configuration's hash alone), which new PTQ
   * runs of the same configuration no longer share.
   */
  group: string;
  /** Hash of the whole configuration (for caching identical runs, e.g. teachers). */
  hash: string;
  config: RunConfig;
  size: PredictedSize;
}

export const TEACHER_KEY = 'teacher';
export const DEFAULT_SEEDS = [0];

export interface ExpandOptions {
  /**
   * What the API read from an imported teacher's files (`teacher: { model: { artifact } }`): its digest and
   * weight tensors. null or absent: not read (the run reads them at its start; the teacher's size is then
   * unknown until measured, and it is identified by its path). @defaultValue null
   */
  teacherArtifact?: TeacherArtifactFacts | null;
}

/**
 * What identifies a configuration: the configuration itself, except that an imported teacher whose files were
 * read is identified by their digest, not by where they lie (the same bytes at another path are the same teacher).
 */
function identityOf(config: Omit<RunConfig, 'seed'> & { seed?: number }): unknown {
  if (config.model?.family !== 'imported' || config.model.digest === null) return config;
  const { artifact: _artifact, ...model } = config.model;
  return { ...config, model };
}

/**
 * Expands a validated sweep into its runs, parents before children: the teacher, then for every grid point
 * and seed a student, its PTQ variants (children of the student) and its QAT variants (children of the
 * teacher: quantized distillation trains from scratch against the teacher), then its pruned variants
 * (children of the student), each followed by its PTQ variants (children of the pruned run: `s0.seed0.p0.q1`
 * is PTQ entry 1 of pruned variant 0). Students on synthetic data (`data.source: synthetic`) and their QAT
 * variants wait for a synthesize run instead (a child of the teacher, `d0`, planned before its first student),
 * one per distinct data configuration, shared by every grid point and seed that trains on it. Pure and
 * deterministic.
 */
export function expandSweep(spec: SweepSpec, options: ExpandOptions = {}): PlannedRun[] {
  const runs: PlannedRun[] = [];
  const plan = (
    key: string,
    parentKey: string | null,
    parentRunId: string | null,
    baseLabel: string,
    config: RunConfig,
    parentGroup: string | null = null,
  ): string => {
    const size = predictRunSize(config);
    const synthetic = config.kind !== 'synthesize' && 'data' in config && config.data ? config.data : null;
    const onData = synthetic ? `${baseLabel} · ${dataLabel(synthetic)}` : baseLabel;
    const pruned = config.prune ? `${onData} · ${pruneLabel(config.prune)}` : onData;
    const label = config.quantize
      ? `${pruned} · ${quantLabel(config.quantize)} · ${quantizedPercent(size.quantizedFraction)} of values quantized`
      : pruned;
    const { seed: _seed, ...withoutSeed } = config;
    const group = runIdentity(canonicalHash(identityOf(withoutSeed)), parentGroup);
    runs.push({
      key,
      kind: config.kind,
      parentKey,
      parentRunId,
      label,
      group,
      hash: canonicalHash(identityOf(config)),
      config,
      size,
    });
    return group;
  };

  let teacherKey: string | null = null;
  let teacherRunId: string | null = null;
  if ('runId' in spec.teacher) {
    teacherRunId = spec.teacher.runId;
  } else if (!('train' in spec.teacher)) {
    teacherKey = TEACHER_KEY;
    const facts = options.teacherArtifact ?? null;
    plan(TEACHER_KEY, null, null, `teacher imported ${spec.teacher.model.artifact}`, {
      kind: 'teacher',
      dataset: spec.dataset,
      model: {
        family: 'imported',
        artifact: spec.teacher.model.artifact,
        digest: facts?.digest ?? null,
        tensors: facts?.tensors ?? null,
      },
      train: null,
      seed: 0,
      distill: null,
      quantize: null,
    });
  } else {
    teacherKey = TEACHER_KEY;
    const t = spec.teacher;
    plan(TEACHER_KEY, null, null, `teacher ${modelLabel(t.model)}`, {
      kind: 'teacher',
      dataset: spec.dataset,
      model: resolveModel(t.model),
      train: t.train,
      seed: t.seed ?? 0,
      distill: null,
      quantize: null,
    });
  }

  const { grid, base } = splitStudents(spec.students);
  const quantizations = (spec.quantize ?? []).map(resolveQuantization);
  const prunings: Pruning[] = (spec.prune ?? []).map(resolvePruning);
  // One synthesize run per distinct data configuration, by its canonical JSON: its key.
  const syntheses = new Map<string, string>();
  const synthesisKey = (data: SyntheticData): string => {
    const id = canonicalJson(data);
    const known = syntheses.get(id);
    if (known) return known;
    const key = `d${syntheses.size}`;
    syntheses.set(id, key);
    plan(key, teacherKey, teacherRunId, `${dataLabel(data)} · seed ${data.seed}`, {
      kind: 'synthesize',
      dataset: spec.dataset,
      model: null,
      train: null,
      seed: data.seed,
      distill: null,
      quantize: null,
      data,
    });
    return key;
  };
  gridPoints(grid).forEach((point, i) => {
    const student = studentAtPoint(base, point);
    const distill = resolveDistill(student.distill ?? DEFAULT_DISTILL);
    const data = resolveStudentData(student.data);
    // A data-free student's parent is its synthesis; the synthesis's parent is the teacher.
    const parentKey = data ? synthesisKey(data) : teacherKey;
    const parentRunId = data ? null : teacherRunId;
    const gridLabel = pointLabel(point);
    // An SMH student says so even where the grid does not vary the pool.
    const smhNote =
      gridLabel && student.model.smh && !point.some(([p]) => p.startsWith('model.smh'))
        ? ` ${smhLabel(student.model.smh)}`
        : '';
    // So does a CREMBO student, where the grid does not vary the method.
    const cremboNote = distill.method === 'crembo' && !point.some(([p]) => p === 'distill.method') ? ' crembo' : '';
    const name = gridLabel ? `${gridLabel}${smhNote}${cremboNote}` : `${modelLabel(student.model)}${cremboNote}`;
    for (const seed of spec.seeds ?? DEFAULT_SEEDS) {
      const key = `s${i}.seed${seed}`;
      const config: RunConfig = {
        kind: 'student',
        dataset: spec.dataset,
        model: resolveModel(student.model),
        train: student.train,
        seed,
        distill,
        quantize: null,
        ...(data ? { data } : {}),
      };
      const studentGroup = plan(key, parentKey, parentRunId, `${name} · seed ${seed}`, config);
      quantizations.forEach((q, j) => {
        const label = `${name} · seed ${seed}`;
        if (q.method === 'ptq') {
          const ptq: RunConfig = { ...config, kind: 'quantize-ptq', train: null, quantize: q };
          plan(`${key}.q${j}`, key, null, label, ptq, studentGroup);
        } else {
          plan(`${key}.q${j}`, parentKey, parentRunId, label, { ...config, kind: 'quantize-qat', quantize: q });
        }
      });
      // A pruned variant retrains the student (its training settings, its teacher's logits); a PTQ of it
      // quantizes the pruned student's survivors.
      prunings.forEach((p, j) => {
        const label = `${name} · seed ${seed}`;
        const pruneKey = `${key}.p${j}`;
        const pruned: RunConfig = { ...config, kind: 'prune', prune: p };
        const prunedGroup = plan(pruneKey, key, null, label, pruned, studentGroup);
        quantizations.forEach((q, k) => {
          if (q.method !== 'ptq') return;
          const ptq: RunConfig = { ...pruned, kind: 'quantize-ptq', train: null, quantize: q };
          plan(`${pruneKey}.q${k}`, pruneKey, null, label, ptq, prunedGroup);
        });
      });
    }
  });
  return runs;
}

/**
 * A model as a run stores it: the activation's sweep defaults and SMH's default scale written out (so two
 * spellings of one model give one hash); a model without `smh` gets no `smh` key, and keeps its hash.
 */
function resolveModel<M extends ModelSpec>(m: M): M {
  return { ...m, activation: withSweepDefaults(m.activation), ...(m.smh ? { smh: resolveSmh(m.smh) } : {}) };
}

function modelLabel(m: StudentBase['model']): string {
  const widths = m.family === 'mlp' ? m.hidden.join('-') : `${m.channels.join('-')}/${m.dense.join('-')}`;
  return `${m.family} ${widths} ${activationLabel(m.activation)}${m.smh ? ` ${smhLabel(m.smh)}` : ''}`;
}

function pointLabel(point: GridPoint): string {
  return point
    .map(([path, v]) => {
      // `model.smh.fraction` reads as `smh.fraction`; other paths by their last key.
      const short = path.startsWith('model.smh.') ? path.slice('model.'.length) : path.split('.').at(-1);
      const value =
        path.endsWith('activation') && v !== null && (typeof v === 'string' || typeof v === 'object')
          ? activationLabel(v as Parameters<typeof activationLabel>[0])
          : JSON.stringify(v);
      return `${short}=${value}`;
    })
    .join(' ');
}

/**
 * The quantization's name (see quantizationName), with the keepFloat rule when it is not the default:
 * `ptq 4-bit keepFloat=none`, `qat 4-bit noise=0.1`, `pq k=64 bs=8 noise=0.1`.
 */
export function quantLabel(q: Quantization): string {
  const rule = q.keepFloat === DEFAULT_KEEP_FLOAT ? '' : ` keepFloat=${keepFloatLabel(q.keepFloat)}`;
  return `${quantizationName(q)}${rule}`;
}
