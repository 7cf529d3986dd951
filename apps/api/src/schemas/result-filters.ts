import { DATA_SOURCES, DATASET_NAMES, PQ_CENTROIDS, PRUNE_METHODS, QUANT_BITS, RunKind } from '@distillery/spec';
import { z } from 'zod';

/**
 * Bit widths a result can have: a uniform quantization's, a product quantization's bits per assignment
 * (log2 centroids: 1–16), or 32 for float weights.
 */
export const RESULT_BITS = [...new Set([...QUANT_BITS, ...PQ_CENTROIDS.map((k) => Math.log2(k))])]
  .sort((a, b) => a - b)
  .concat(32);
export const MODEL_FAMILIES = ['mlp', 'cnn'] as const;
/** How a result's weights were quantized; `none` for float runs (teachers and students). */
export const QUANTIZE_METHODS = ['ptq', 'qat', 'pq', 'none'] as const;
export type QuantizeMethod = (typeof QUANTIZE_METHODS)[number];

/** `relu`, `lma` (any number of segments) or `lma-8` (exactly 8). */
const ACTIVATION_FILTER = /^(relu|prelu|swish|aplu|lma)(-\d{1,2})?$/;

/**
 * A query parameter holding one value or a comma-separated list (`activation=relu,lma-8`); each value is checked
 * by `item`, and a wrong one is named with the rule it breaks.
 */
function listOf<T extends z.ZodType>(item: T, what: string) {
  return z
    .string()
    .min(1)
    .max(1000)
    .transform((text, ctx): z.output<T>[] => {
      const values: z.output<T>[] = [];
      for (const part of text.split(',').map((s) => s.trim())) {
        const parsed = item.safeParse(part);
        if (parsed.success) values.push(parsed.data);
        else ctx.addIssue({ code: 'custom', message: `'${part.slice(0, 40)}' is not ${what}` });
      }
      return values;
    });
}

/**
 * Which of the team's results to consider. Every filter narrows; lists match any of their values. The same filters
 * apply to `/v1/results`, `/v1/results/runs`, `/v1/frontier` and `/v1/compare`.
 */
export const ResultFilters = z.object({
  dataset: listOf(z.enum(DATASET_NAMES), `a data set (${DATASET_NAMES.join(', ')})`)
    .optional()
    .describe('Data set name(s), comma-separated.')
    .meta({ example: 'mnist' }),
  family: listOf(z.enum(MODEL_FAMILIES), 'a model family (mlp, cnn)').optional().describe('Model family: mlp, cnn.'),
  activation: listOf(z.string().regex(ACTIVATION_FILTER), 'an activation (relu, prelu, swish, aplu, lma, lma-8, …)')
    .optional()
    .describe('Activation(s): a name matches every segment count (`lma`), a label one (`lma-8`).')
    .meta({ example: 'relu,lma-8' }),
  bits: listOf(z.coerce.number().pipe(z.literal(RESULT_BITS)), `a bit width (${RESULT_BITS.join(', ')})`)
    .optional()
    .describe('Weight bit width(s); 32 for float weights.')
    .meta({ example: '4,8' }),
  method: listOf(z.enum(QUANTIZE_METHODS), 'a quantization method (ptq, qat, pq, none)')
    .optional()
    .describe('Quantization method(s): ptq, qat, pq (product quantization), or none (float weights).'),
  kind: listOf(RunKind, 'a run kind (teacher, student, quantize-ptq, quantize-qat, prune)')
    .optional()
    .describe('Run kind(s). A synthesize run has no result here: its result describes a data set.')
    .meta({ example: 'student,quantize-ptq' }),
  dataSource: listOf(z.enum(DATA_SOURCES), 'a data source (real, synthetic)')
    .optional()
    .describe(
      'What the runs trained on: real (the training split) or synthetic (inputs a synthesize run made from the ' +
        'teacher); a PTQ variant counts as its student.',
    )
    .meta({ example: 'synthetic' }),
  maxBytes: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Only results whose packed weights take at most this many bytes.')
    .meta({ example: 51200 }),
  minAccuracy: z.coerce.number().min(0).max(1).optional().describe('Only results with at least this test accuracy.'),
  sweep: z.uuid().optional().describe("Only this sweep's runs (a sweep of the caller's team)."),
  tag: z.string().min(1).max(100).optional().describe('Only runs of sweeps carrying this tag.'),
  teacher: z
    .uuid()
    .optional()
    .describe(
      'Only runs distilled from this teacher (students, their PTQ variants, QAT runs): from this teacher run or ' +
        'from one that trained the same teacher configuration again (rerun).',
    ),
});
export type ResultFilters = z.infer<typeof ResultFilters>;

export const RESULT_EXPORT_FORMATS = ['json', 'csv'] as const;
const Format = z
  .enum(RESULT_EXPORT_FORMATS)
  .default('json')
  .describe('`csv`: the same items as text/csv with a header line.');

export const RESULT_SORTS = [
  '-accuracy',
  'accuracy',
  'bytes',
  '-bytes',
  'parameters',
  '-parameters',
  '-n',
  'n',
  '-created',
  'created',
] as const;
export type ResultSort = (typeof RESULT_SORTS)[number];

export const MAX_RESULTS_PAGE = 1000;
export const MAX_RESULTS_EXPORT = 1_000_000;

/** An optional `limit` of a route that also exports (1 to {@link MAX_RESULTS_EXPORT}); its default is the route's. */
function exportLimit(description: string) {
  return z.coerce.number().int().min(1).max(MAX_RESULTS_EXPORT).optional().describe(description);
}

/** `GET /v1/results` and `/v1/results/runs`: filters, order and a page. */
export const ResultsQuery = ResultFilters.extend({
  sort: z
    .enum(RESULT_SORTS)
    .default('-accuracy')
    .describe('Order: a field, `-` for descending (accuracy and size are means for configurations).'),
  limit: exportLimit(
    `Page size: default 100, at most ${MAX_RESULTS_PAGE} for JSON; CSV exports everything unless given.`,
  ),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0).describe('Items to skip.'),
  format: Format.describe('json (default) or csv.'),
}).superRefine((q, ctx) => {
  if (q.format === 'json' && q.limit !== undefined && q.limit > MAX_RESULTS_PAGE) {
    ctx.addIssue({
      code: 'custom',
      path: ['limit'],
      message: `must be at most ${MAX_RESULTS_PAGE} for JSON (use format=csv to export more)`,
    });
  }
});
export type ResultsQuery = z.infer<typeof ResultsQuery>;

/** `GET /v1/frontier`. */
export const FrontierQuery = ResultFilters.extend({ format: Format });
export type FrontierQuery = z.infer<typeof FrontierQuery>;

/** Named dimensions and the path into a run's config each one stands for; see {@link compareDimensionPath}. */
export const COMPARE_DIMENSIONS = {
  activation: 'model.activation',
  hidden: 'model.hidden',
  channels: 'model.channels',
  batchNorm: 'model.batchNorm',
  'smh.fraction': 'model.smh.fraction',
  bits: 'quantize.bits',
  method: 'quantize.method',
  noise: 'quantize.noise',
  temperature: 'distill.temperature',
  alpha: 'distill.alpha',
  optimizer: 'train.optimizer.name',
  lr: 'train.optimizer.lr',
  epochs: 'train.epochs',
  sparsity: 'prune.sparsity',
  source: 'data.source',
} as const;

/** The config path a `dimension` stands for: a named dimension's, else the dimension itself. */
export function compareDimensionPath(dimension: string, values: readonly string[] = []): string {
  // `method` names the pruning method when A and B are pruning methods (magnitude vs surp), else quantization's.
  if (dimension === 'method' && values.length > 0 && values.every((v) => PRUNE_METHOD_VALUES.has(v))) {
    return 'prune.method';
  }
  return Object.hasOwn(COMPARE_DIMENSIONS, dimension)
    ? COMPARE_DIMENSIONS[dimension as keyof typeof COMPARE_DIMENSIONS]
    : dimension;
}

const PRUNE_METHOD_VALUES: ReadonlySet<string> = new Set(PRUNE_METHODS);

const CONFIG_PATH = /^(kind|dataset|model|train|distill|quantize|prune|data)(\.[A-Za-z][A-Za-z0-9]{0,40}){0,5}$/;

/** `GET /v1/compare`: B against A along one dimension, everything else equal. */
export const CompareQuery = ResultFilters.extend({
  dimension: z
    .string()
    // Object.hasOwn, not `in`: `__proto__`, `constructor` and `toString` are "in" every object.
    .refine((d) => Object.hasOwn(COMPARE_DIMENSIONS, d) || CONFIG_PATH.test(d), {
      message: `must be one of ${Object.keys(COMPARE_DIMENSIONS).join(', ')} or a dotted path into a run's config (e.g. distill.temperature)`,
    })
    .default('activation')
    .describe(
      `What differs between A and B: ${Object.keys(COMPARE_DIMENSIONS).join(', ')}, or any dotted path into a ` +
        "run's config such as `train.optimizer.lr`.",
    ),
  a: z
    .string()
    .min(1)
    .max(200)
    .describe('The baseline value, as labelled in results (`relu`, `lma-8`, `4`, `[16,16]`).')
    .meta({ example: 'relu' }),
  b: z.string().min(1).max(200).describe('The value compared with the baseline.').meta({ example: 'lma-8' }),
  limit: exportLimit(
    'Configuration pairs listed, smallest A first (default 100); the per-stratum tests always cover every pair.',
  ),
  format: Format.describe('json (default) or csv.'),
}).superRefine((q, ctx) => {
  if (q.a === q.b) ctx.addIssue({ code: 'custom', path: ['b'], message: 'must differ from a' });
});
export type CompareQuery = z.infer<typeof CompareQuery>;
