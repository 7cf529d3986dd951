import { SweepWarning } from '@distillery/spec';
import { z } from 'zod';
import { SweepDetail } from './sweep-detail.ts';

/** The answer to a submission: the stored sweep, and what in its spec looks unintended (it was accepted). */
export const SubmittedSweep = SweepDetail.extend({
  warnings: z
    .array(SweepWarning)
    .describe('E.g. a quantize variant that would shrink its student by less than 10%; empty when none.'),
}).meta({ id: 'SubmittedSweep' });
export type SubmittedSweep = z.infer<typeof SubmittedSweep>;
