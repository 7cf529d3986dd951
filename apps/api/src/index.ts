export { type ApiOptions, DEFAULT_API_OPTIONS, resolveApiOptions } from './api-options.ts';
export { buildApp } from './app.ts';
export { ApiError } from './errors/api-error.ts';
export { ERROR_REGISTRY, type ErrorCode } from './errors/error-codes.ts';
export type { AuthenticatedTeam } from './plugins/auth.ts';
export type { MetricsOptions } from './plugins/metrics.ts';
export { ApiKeyInfo, ApiKeyList, CreatedApiKey, Identity } from './schemas/api-key.ts';
export { Comparison, ComparisonPair } from './schemas/comparison.ts';
export { ErrorBody } from './schemas/error-body.ts';
export { Frontier, FrontierPoint } from './schemas/frontier.ts';
export {
  COMPARE_DIMENSIONS,
  CompareQuery,
  FrontierQuery,
  ResultFilters,
  ResultsQuery,
} from './schemas/result-filters.ts';
export { RunDetail } from './schemas/run-detail.ts';
export { RunReference, RunReferenceList } from './schemas/run-lookup.ts';
export { RunList, RunSummary } from './schemas/run-summary.ts';
export { SubmittedSweep } from './schemas/submitted-sweep.ts';
export { SweepDetail } from './schemas/sweep-detail.ts';
export { SweepPlan } from './schemas/sweep-plan.ts';
export { ResultGroup, ResultRow, SweepResults } from './schemas/sweep-results.ts';
export { SweepList, SweepSummary } from './schemas/sweep-summary.ts';
export {
  ConfigurationResult,
  ConfigurationResultList,
  TeamResultRow,
  TeamResultRowList,
} from './schemas/team-results.ts';
