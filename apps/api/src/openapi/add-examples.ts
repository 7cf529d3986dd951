import type { EpochMetricsRow } from '../schemas/metrics-export.ts';
import type { ResultRow } from '../schemas/sweep-results.ts';
import { metricsToCsv } from '../services/export-metrics.ts';
import { resultsToCsv } from '../services/results-to-csv.ts';
import {
  comparisonToCsv,
  configurationsToCsv,
  frontierToCsv,
  teamResultRowsToCsv,
} from '../services/team-results-to-csv.ts';
import { ERROR_EXAMPLES, OPERATION_EXAMPLES, type OperationExamples } from './operation-examples.ts';

interface MediaObject {
  example?: unknown;
}
interface Operation {
  requestBody?: { content?: Record<string, MediaObject> };
  responses?: Record<string, { content?: Record<string, MediaObject> }>;
}

/** The CSV each CSV-capable operation answers for its JSON example, written by the real CSV writers. */
function csvExample(key: string, examples: OperationExamples): string | undefined {
  const value = examples.responses[200]?.value as never;
  switch (key) {
    case 'GET /v1/results':
      return configurationsToCsv((value as { items: never[] }).items);
    case 'GET /v1/results/runs':
      return teamResultRowsToCsv((value as { items: never[] }).items);
    case 'GET /v1/frontier':
      return frontierToCsv(value);
    case 'GET /v1/compare':
      return comparisonToCsv(value);
    case 'GET /v1/runs/{id}/metrics':
    case 'GET /v1/sweeps/{id}/metrics':
      return metricsToCsv((value as { rows: EpochMetricsRow[] }).rows);
    case 'GET /v1/sweeps/{id}/results':
      return resultsToCsv((value as { rows: ResultRow[] }).rows);
    default:
      return undefined;
  }
}

/**
 * Puts OPERATION_EXAMPLES into the OpenAPI document (`example` of each request and response media type), the CSV
 * each results endpoint would answer, and ERROR_EXAMPLES for the error statuses an operation documents. Applied
 * after the zod schemas became JSON Schema.
 */
export function addExamples<T>(document: T): T {
  const paths = (document as { paths?: Record<string, Record<string, Operation>> }).paths ?? {};
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const key = `${method.toUpperCase()} ${path}`;
      const examples = OPERATION_EXAMPLES[key] ?? { responses: {} };
      const json = operation.requestBody?.content?.['application/json'];
      if (json && examples.body) json.example = examples.body.value;
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const example = examples.responses[Number(status)] ?? ERROR_EXAMPLES[Number(status)];
        if (example === undefined || response.content === undefined) continue;
        for (const [type, media] of Object.entries(response.content)) {
          media.example = type === 'text/csv' ? csvExample(key, examples) : example.value;
        }
      }
    }
  }
  return document;
}
