import { IdParams } from '../../schemas/id-params.ts';
import { API_KEY_SECURITY } from './security.ts';

/** How a route on one run or sweep (`/:id/…`) is documented: its tag, summary and description. */
export interface IdRouteDocs {
  tag: string;
  summary: string;
  description?: string;
}

/** The part of an `/:id/…` route's schema that every such route shares: its docs, the API key, the id. */
export function idRouteSchema(docs: IdRouteDocs) {
  return {
    tags: [docs.tag],
    summary: docs.summary,
    ...(docs.description === undefined ? {} : { description: docs.description }),
    security: API_KEY_SECURITY,
    params: IdParams,
  };
}
