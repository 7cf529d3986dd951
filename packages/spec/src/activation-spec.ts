import { z } from 'zod';

/** Activations without parameters of their own to configure. */
export const SIMPLE_ACTIVATIONS = ['relu', 'prelu', 'swish'] as const;
/** Piecewise-linear activations configured by their number of segments (LMA.md: k = 8 in the paper). */
export const SEGMENTED_ACTIVATIONS = ['aplu', 'lma'] as const;
export const ACTIVATION_NAMES = [...SIMPLE_ACTIVATIONS, ...SEGMENTED_ACTIVATIONS] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

export const SegmentedActivation = z
  .strictObject({
    name: z.enum(SEGMENTED_ACTIVATIONS),
    /** k: number of linear pieces. LMA-k has 2k parameters per layer; APLU-k has k−2 hinges per unit. */
    segments: z.int().min(2).max(64),
  })
  .describe('A piecewise-linear activation with k segments, e.g. { name: lma, segments: 8 }');

/**
 * An activation as written in a sweep: `relu`, `prelu`, `swish`, `{ name: relu }`, or
 * `{ name: aplu | lma, segments: k }`.
 */
export const ActivationSpec = z.union([
  z.enum(SIMPLE_ACTIVATIONS),
  z.discriminatedUnion('name', [z.strictObject({ name: z.enum(SIMPLE_ACTIVATIONS) }), SegmentedActivation]),
]);
export type ActivationSpec = z.infer<typeof ActivationSpec>;

/** The one shape every consumer works with: `{ name, segments? }`. */
export interface Activation {
  name: ActivationName;
  segments?: number;
}

export function normalizeActivation(a: ActivationSpec): Activation {
  if (typeof a === 'string') return { name: a };
  return 'segments' in a ? { name: a.name, segments: a.segments } : { name: a.name };
}

/** Short label: `relu`, `lma-8`. */
export function activationLabel(a: ActivationSpec): string {
  const n = normalizeActivation(a);
  return n.segments === undefined ? n.name : `${n.name}-${n.segments}`;
}

/** APLU-k uses k − 2 hinges per unit (LMA.md, baselines), at least one. */
export function apluHinges(segments: number): number {
  return Math.max(1, segments - 2);
}
