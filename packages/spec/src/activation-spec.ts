import { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';

/** Activations that may be written as a bare name (`relu`); the segmented ones need `segments`. */
export const SIMPLE_ACTIVATIONS = ['relu', 'prelu', 'swish'] as const;
/** Piecewise-linear activations configured by their number of segments (k = 8 in the LMA paper's main results). */
export const SEGMENTED_ACTIVATIONS = ['aplu', 'lma'] as const;
export const ACTIVATION_NAMES = [...SIMPLE_ACTIVATIONS, ...SEGMENTED_ACTIVATIONS] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/**
 * Where LMA's μ and σ for inference come from (training always uses the batch's own):
 * - `moving-average`: the paper's exponential moving average, momentum 0.99, started at μ = 0, σ = 1. After N
 *   steps it still carries 0.99^N of the start (~18% after 170 steps).
 * - `bias-corrected`: the same average with the start divided out as Adam corrects its moments,
 *   (running − m^t·start) / (1 − m^t); the step count t is saved with the weights (`lma_i/steps`).
 * - `recalibrate`: the moving average while training (so validation during training sees it), then one pass
 *   over the training rows at the end, in inference mode with the final weights, that sets μ and σ to the
 *   exact mean and standard deviation of each LMA layer's input over the pass (layer by layer, each with the
 *   earlier layers already recalibrated).
 */
export const LMA_STATISTICS = ['moving-average', 'bias-corrected', 'recalibrate'] as const;
export type LmaStatistics = (typeof LMA_STATISTICS)[number];
/**
 * What an LMA activation without `statistics` means. Run configurations stored before the option existed have
 * none and were trained this way, so this never changes (and their hashes stay valid).
 */
export const LEGACY_LMA_STATISTICS: LmaStatistics = 'moving-average';

/**
 * The statistics an LMA activation gets in a sweep that names none; expansion writes it into every run's
 * configuration, so a stored run always says which mode it used. Chosen from bench:lma (bench/results/lma.md):
 * no mode differed detectably from another anywhere (5 seeds, paired); in long runs the bias correction is
 * exactly the moving average (0.99^1400 ≈ 0), and in the one setting where the modes moved accuracy (170 steps
 * without BatchNorm) the bias-corrected average had the best mean (+0.6 pp over the plain average, +1.0 over the
 * recalibration, neither significant). It also costs nothing: no pass over the training data.
 */
export const DEFAULT_LMA_STATISTICS: LmaStatistics = 'bias-corrected';

/**
 * `a` as a run's configuration stores it: a shorthand (`lma-8`) in its object form, a left-out `segments` as
 * DEFAULT_SEGMENTS, and the options a sweep leaves out filled in as new runs get them (only LMA's `statistics`
 * so far) — so `lma-8`, `{ name: lma }` and `{ name: lma, segments: 8 }` give the same configuration and hash.
 */
export function withSweepDefaults(a: ActivationSpec): ActivationSpec {
  const spec = typeof a === 'string' ? (parseShorthand(a) ?? a) : a;
  if (typeof spec === 'string') return spec;
  switch (spec.name) {
    case 'aplu':
      return { ...spec, segments: spec.segments ?? DEFAULT_SEGMENTS };
    case 'lma':
      return {
        ...spec,
        segments: spec.segments ?? DEFAULT_SEGMENTS,
        statistics: ('statistics' in spec ? spec.statistics : undefined) ?? DEFAULT_LMA_STATISTICS,
      };
    default:
      return spec;
  }
}

/** PReLU slopes: one per channel / unit (the default), or one for the whole layer (the official code's `nn.PReLU()`). */
export const PRELU_SLOPES = ['channel', 'layer'] as const;
export type PreluSlopes = (typeof PRELU_SLOPES)[number];
/** Swish's trainable β: one for the whole layer (the default), or one per unit / channel (the official code). */
export const SWISH_BETAS = ['layer', 'unit'] as const;
export type SwishBetas = (typeof SWISH_BETAS)[number];
/**
 * APLU's initial hinges: `relu` starts as ReLU (slopes 0, hinge locations spread evenly over [−1, 1]; the
 * default); `random` is the official code's draw (slopes uniform on [−0.5, 0.5], locations normal with mean 0 and
 * standard deviation 0.5), seeded by the run's seed.
 */
export const APLU_INITS = ['relu', 'random'] as const;
export type ApluInit = (typeof APLU_INITS)[number];

/** Fewest and most linear pieces of a segmented activation. */
export const MIN_SEGMENTS = 2;
export const MAX_SEGMENTS = 64;
/** The LMA paper's k (its accuracy rose from k = 4 to 8, dipped past 10), used where a sweep leaves `segments` out. */
export const DEFAULT_SEGMENTS = 8;

const Segments = z
  .int()
  .min(MIN_SEGMENTS)
  .max(MAX_SEGMENTS)
  .describe(
    `k: number of linear pieces (default ${DEFAULT_SEGMENTS}). LMA-k has 2k parameters per layer; APLU-k has ` +
      'k−2 hinges per unit.',
  );

/** `lma-8`, `aplu-4`: a segmented activation by name and k, as labels and results write it. */
export type ActivationShorthand = `${(typeof SEGMENTED_ACTIVATIONS)[number]}-${number}`;
/** An activation written as one word: a simple name or a shorthand. */
export type ActivationWord = (typeof SIMPLE_ACTIVATIONS)[number] | ActivationShorthand;

const SHORTHAND = /^(lma|aplu)-(\d{1,3})$/;

/** `{ name, segments }` for a shorthand such as `lma-8`; null for any other string. */
export function parseShorthand(
  word: string,
): { name: 'lma'; segments: number } | { name: 'aplu'; segments: number } | null {
  const m = SHORTHAND.exec(word);
  if (!m) return null;
  return { name: m[1] === 'lma' ? 'lma' : 'aplu', segments: Number(m[2]) };
}

/** Whether a string is an activation word: a simple name, or a shorthand with k in range. */
export function isActivationWord(word: unknown): word is ActivationWord {
  if (typeof word !== 'string') return false;
  if ((SIMPLE_ACTIVATIONS as readonly string[]).includes(word)) return true;
  const short = parseShorthand(word);
  return short !== null && short.segments >= MIN_SEGMENTS && short.segments <= MAX_SEGMENTS;
}

/** What a wrong activation word is told: every form allowed, the word itself, and the nearest allowed word. */
export function activationWordMessage(word: unknown): string {
  const allowed =
    `allowed: ${SIMPLE_ACTIVATIONS.join(', ')}, lma-K, aplu-K (K from ${MIN_SEGMENTS} to ${MAX_SEGMENTS}), ` +
    'or an object such as { name: lma, segments: 8 }';
  if (typeof word !== 'string') return `expected an activation name or object (${allowed})`;
  const short = parseShorthand(word);
  if (short) return `'${word}': K must be from ${MIN_SEGMENTS} to ${MAX_SEGMENTS} (${allowed})`;
  const k = /\d+/.exec(word)?.[0] ?? String(DEFAULT_SEGMENTS);
  const candidates = [...SIMPLE_ACTIVATIONS, ...SEGMENTED_ACTIVATIONS.map((n) => `${n}-${k}`)];
  return `unknown activation '${word}'${didYouMean(word, candidates)} (${allowed})`;
}

/**
 * A bare word: `relu`, `prelu`, `swish`, or `lma-K` / `aplu-K` (the labels' form). Typed as the words it
 * accepts; in JSON Schema, a string with the words' pattern.
 */
const ActivationWordSchema = z
  .string()
  .regex(/^(relu|prelu|swish|(lma|aplu)-\d{1,3})$/, { error: (iss) => activationWordMessage(iss.input), abort: true })
  .refine(isActivationWord, { error: (iss) => activationWordMessage(iss.input) })
  .describe(
    `relu, prelu, swish, or lma-K / aplu-K (K from ${MIN_SEGMENTS} to ${MAX_SEGMENTS}): e.g. lma-8`,
  ) as unknown as z.ZodType<ActivationWord, ActivationWord>;

export const ReluActivation = z.strictObject({ name: z.literal('relu').describe('relu: max(0, x).') });
export const PreluActivation = z.strictObject({
  name: z.literal('prelu').describe('prelu: ReLU with trainable negative slopes.'),
  /** @defaultValue 'channel'; the official code uses 'layer' */
  slopes: z.enum(PRELU_SLOPES).optional().describe("One slope per channel (default) or per layer (official code's)."),
});
export const SwishActivation = z.strictObject({
  name: z.literal('swish').describe('swish: x·sigmoid(βx) with trainable β.'),
  /** @defaultValue 'layer'; the official code uses 'unit' */
  beta: z.enum(SWISH_BETAS).optional().describe("One trainable β per layer (default) or per unit (official code's)."),
});
export const ApluActivation = z.strictObject({
  name: z.literal('aplu').describe('aplu: adaptive piecewise-linear units.'),
  segments: Segments.optional().describe(
    `Segments of the piecewise-linear function, ${MIN_SEGMENTS}–${MAX_SEGMENTS}. Default: ${DEFAULT_SEGMENTS}`,
  ),
  /** @defaultValue 'relu'; the official code uses 'random' */
  init: z
    .enum(APLU_INITS)
    .optional()
    .describe("Initial hinges: 'relu' (default) or 'random' (official code's: a ~ U(−0.5, 0.5), b ~ N(0, 0.5²))."),
});
export const LmaActivation = z.strictObject({
  name: z.literal('lma').describe('lma: learnable multi-segment activation (LMA).'),
  segments: Segments.optional().describe(
    `Segments of the piecewise-linear function, ${MIN_SEGMENTS}–${MAX_SEGMENTS}. Default: ${DEFAULT_SEGMENTS}`,
  ),
  /**
   * @defaultValue DEFAULT_LMA_STATISTICS in a sweep (written into each run's configuration); in a stored run
   * configuration without it, 'moving-average' (LEGACY_LMA_STATISTICS: runs from before the option)
   */
  statistics: z
    .enum(LMA_STATISTICS)
    .optional()
    .describe(
      "Inference μ/σ: 'moving-average' (paper, momentum 0.99), 'bias-corrected' (start divided out, Adam-style; " +
        "a sweep's default), or 'recalibrate' (exact statistics from a pass over the training rows after " +
        'training). A stored run without it used the moving average.',
    ),
});

/**
 * An activation as written in a sweep: `relu`, `prelu`, `swish`, `lma-8`, `aplu-8`, `{ name: relu }`,
 * `{ name: prelu, slopes }`, `{ name: swish, beta }`, `{ name: aplu, segments?: k, init? }`,
 * `{ name: lma, segments?: k, statistics? }` (k defaults to 8).
 */
export const ActivationSpec = z.union([
  ActivationWordSchema,
  z.discriminatedUnion('name', [ReluActivation, PreluActivation, SwishActivation, ApluActivation, LmaActivation]),
]);
export type ActivationSpec = z.infer<typeof ActivationSpec>;

/** The one shape every consumer works with: the name and every option resolved. */
export type Activation =
  | { name: 'relu' }
  | { name: 'prelu'; slopes: PreluSlopes }
  | { name: 'swish'; beta: SwishBetas }
  | { name: 'aplu'; segments: number; init: ApluInit }
  | { name: 'lma'; segments: number; statistics: LmaStatistics };

export function normalizeActivation(a: ActivationSpec): Activation {
  const spec = typeof a === 'string' ? (parseShorthand(a) ?? { name: a as (typeof SIMPLE_ACTIVATIONS)[number] }) : a;
  switch (spec.name) {
    case 'relu':
      return { name: 'relu' };
    case 'prelu':
      return { name: 'prelu', slopes: ('slopes' in spec ? spec.slopes : undefined) ?? 'channel' };
    case 'swish':
      return { name: 'swish', beta: ('beta' in spec ? spec.beta : undefined) ?? 'layer' };
    case 'aplu':
      return {
        name: 'aplu',
        segments: spec.segments ?? DEFAULT_SEGMENTS,
        init: ('init' in spec ? spec.init : undefined) ?? 'relu',
      };
    case 'lma':
      return {
        name: 'lma',
        segments: spec.segments ?? DEFAULT_SEGMENTS,
        statistics: ('statistics' in spec ? spec.statistics : undefined) ?? LEGACY_LMA_STATISTICS,
      };
  }
}

/**
 * The keys of an activation besides `name` and `segments`: options that do not change what the activation is
 * called. Labels (`activationLabel`, results, comparisons) leave them out; compare modes along
 * `model.activation.statistics` (or another option's path).
 */
export const ACTIVATION_OPTION_KEYS = ['statistics', 'slopes', 'beta', 'init'] as const;

/** Short label: `relu`, `lma-8` (options do not appear: a sweep's grid labels name them). */
export function activationLabel(a: ActivationSpec): string {
  const n = normalizeActivation(a);
  return 'segments' in n ? `${n.name}-${n.segments}` : n.name;
}

/** APLU-k uses k − 2 hinges per unit (the LMA paper's APLU baseline), at least one. */
export function apluHinges(segments: number): number {
  return Math.max(1, segments - 2);
}
