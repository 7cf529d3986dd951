import { z } from 'zod';

/**
 * How each virtual kernel's slice of the pool is scaled (Eban et al., "Structured Multi-Hashing for Model
 * Compression", CVPR 2020; the official code's modifiers):
 * - `fanout`: by the constant fan-out factor of its shape, √(2/(kh·kw·out)) for a conv kernel, 1/√out for a
 *   dense one;
 * - `var_fanout`: the same factor times a learnable per-tensor scalar initialised to 1 (stored, one value per
 *   kernel).
 */
export const SMH_SCALES = ['fanout', 'var_fanout'] as const;
export type SmhScale = (typeof SMH_SCALES)[number];

/** @defaultValue 'var_fanout' */
export const DEFAULT_SMH_SCALE: SmhScale = 'var_fanout';

/**
 * Structured Multi-Hashing: every dense and conv kernel of the model is a scaled, contiguous slice of one virtual
 * matrix Z = L·R, the product of two thin trainable matrices L (m×k) and R (k×m); biases, BatchNorm and
 * activation parameters stay dense. With N the kernels' total size, m = ⌈√N⌉ and k = ⌊0.5·fraction·N/m⌋, so the
 * pool stores 2mk ≈ fraction·N values in place of N.
 */
export const SmhSpec = z.strictObject({
  /** Stored pool values relative to the kernels they replace, in (0, 1]. */
  fraction: z
    .number()
    .gt(0)
    .max(1)
    .describe('Stored pool values (2mk) relative to the kernel values they replace (N), in (0, 1].'),
  /** How each kernel's slice is scaled (see {@link SMH_SCALES}). @defaultValue 'var_fanout' */
  scale: z
    .enum(SMH_SCALES)
    .optional()
    .describe('fanout: a constant fan-out factor per kernel; var_fanout (default): that factor × a learnable scalar.'),
});
export type SmhSpec = z.infer<typeof SmhSpec>;

/** The stored form: the default scale written out, so both spellings of one pool give one configuration hash. */
export function resolveSmh(smh: SmhSpec): Required<SmhSpec> {
  return { fraction: smh.fraction, scale: smh.scale ?? DEFAULT_SMH_SCALE };
}

/** `smh 0.1`, with the scale when it is not the default: `smh 0.1 fanout`. */
export function smhLabel(smh: SmhSpec): string {
  return `smh ${smh.fraction}${(smh.scale ?? DEFAULT_SMH_SCALE) === DEFAULT_SMH_SCALE ? '' : ` ${smh.scale}`}`;
}
