import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';

/** The fields an object schema allows, per unknown-keys issue (keyed by the issue's `keys`, which it keeps). */
const allowedFieldsByIssue = new WeakMap<readonly string[], readonly string[]>();

/** The fields allowed where an unknown-keys issue arose, when it was found under {@link specErrorMap}. */
export function allowedFieldsOf(keys: readonly string[]): readonly string[] | undefined {
  return allowedFieldsByIssue.get(keys);
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** `unknown value 'adm' — did you mean 'adam'? (allowed: adam, sgd)` */
export function unknownValueMessage(input: unknown, allowed: readonly unknown[]): string {
  const words = allowed.map(show);
  const near = typeof input === 'string' ? didYouMean(input, words) : '';
  return `unknown value '${show(input)}'${near} (allowed: ${words.join(', ')})`;
}

/** `unknown field 'seed' — did you mean 'seeds'? (allowed: name, tags, …)` */
export function unknownFieldMessage(key: string, allowed: readonly string[] | undefined): string {
  if (allowed === undefined) return `unknown field '${key}'`;
  return `unknown field '${key}'${didYouMean(key, allowed)} (allowed: ${allowed.join(', ')})`;
}

/**
 * The error map sweep files are validated under (`schema.safeParse(doc, { error: specErrorMap })`): a wrong
 * enum value or discriminator (`optimizer.name: adm`, `activation: { name: lmaa }`) is told every allowed
 * value, the wrong one, and the nearest; for unknown fields it records the allowed ones, which
 * describeIssues names key by key; a required field left out is called missing; a record key that breaks its rule (a grid path) is named with
 * the rule. Any other issue keeps zod's
 * message (undefined: the next map decides).
 */
export const specErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def
        ?.shape;
      if (shape) allowedFieldsByIssue.set(issue.keys, Object.keys(shape));
      return undefined;
    }
    case 'invalid_value':
      return unknownValueMessage(issue.input, issue.values);
    case 'invalid_type':
      // A field left out reads as one, not as "received undefined".
      return issue.input === undefined ? `missing field (expected ${issue.expected})` : undefined;
    case 'invalid_union': {
      const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
      const input = issue.input;
      if (discriminator === undefined || options === undefined || typeof input !== 'object' || input === null) {
        return undefined;
      }
      return unknownValueMessage((input as Record<string, unknown>)[discriminator], options);
    }
    case 'invalid_key': {
      // zod's own text ("Invalid key in record") names neither the key nor the rule it broke.
      const rules = (issue.issues ?? []).map((i) => i.message).filter((m) => m !== undefined && m !== '');
      return `invalid key '${show(issue.input)}'${rules.length > 0 ? `: ${rules.join('; ')}` : ''}`;
    }
    default:
      return undefined;
  }
};
