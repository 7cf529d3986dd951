import type { z } from 'zod';
import { allowedFieldsOf, unknownFieldMessage } from './spec-error-map.ts';

/** One client mistake: where (a dotted path such as `students.train.epochs`) and which rule it breaks. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** `students.grid["model.hidden"].1` reads badly; dotted keys are quoted so the path stays unambiguous. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p, i) => {
      const s = String(p);
      if (typeof p === 'number') return `[${s}]`;
      if (s.includes('.')) return `[${JSON.stringify(s)}]`;
      return i === 0 ? s : `.${s}`;
    })
    .join('')
    .replace(/^\./, '');
}

/** A zod issue reduced to where and what, before the path is formatted. */
export interface RawIssue {
  path: PropertyKey[];
  message: string;
}

/** Flattens zod issues (unions included) into path + message pairs; unknown keys are named one by one. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): RawIssue[] {
  const out: RawIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedFieldsOf(issue.keys);
      for (const key of issue.keys)
        out.push({ path: [...issue.path, key], message: unknownFieldMessage(key, allowed) });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest, at full depth: `activation: { name: lma }` is missing
      // `activation.segments`, not an "invalid input".
      for (const inner of describeIssues(closestBranch(issue))) {
        out.push({ path: [...issue.path, ...inner.path], message: inner.message });
      }
    } else {
      out.push({ path: issue.path, message: issue.message });
    }
  }
  return out;
}

export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return describeIssues(error.issues).map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/**
 * The union branch the input most likely meant: fewest problems (each unknown field counted), then the one that
 * got furthest (deepest issue path). A teacher with a misspelt `trian` is the trained-teacher branch missing
 * `train`, not the imported one with three unknown fields.
 */
function closestBranch(issue: z.core.$ZodIssueInvalidUnion): z.core.$ZodIssue[] {
  const depth = (branch: z.core.$ZodIssue[]) => Math.max(0, ...branch.map((i) => i.path.length));
  const problems = (branch: z.core.$ZodIssue[]) =>
    branch.reduce((n, i) => n + (i.code === 'unrecognized_keys' ? i.keys.length : 1), 0);
  return [...issue.errors].sort((a, b) => problems(a) - problems(b) || depth(b) - depth(a))[0] ?? [];
}
