import { RunKind } from '@distillery/spec';
import { z } from 'zod';

/** The fields a row about one run of a sweep starts with: which run, and how its sweep names it. */
export const RunRowFields = {
  runId: z.uuid().describe('The run.'),
  key: z.string().describe("The run's key in its sweep."),
  kind: RunKind.describe('teacher, student, quantize-ptq, quantize-qat or prune.'),
  label: z.string().describe("The run's label."),
};
