import { z } from 'zod';

/**
 * `:id` of a sweep or run. Deliberately any string: an id that is not a UUID names nothing, so it answers 404
 * like an unknown id (the services check the shape before PostgreSQL sees it).
 */
export const IdParams = z.object({
  id: z.string().min(1).max(200).describe('The id (a UUID) of the sweep, run or key the path names.'),
});
export type IdParams = z.infer<typeof IdParams>;
