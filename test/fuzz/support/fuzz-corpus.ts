import fc from 'fast-check';

/** One request of the corpus: `name` says where it came from, so a failure can be reproduced by hand. */
export interface FuzzRequest {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query string, already encoded. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** What the corpus addresses: a team's key, and real ids so that paths reach their handlers. */
export interface FuzzTargets {
  apiKey: string;
  sweepId: string;
  runId: string;
  keyId: string;
}

/** A valid sweep, the seed of the mutated bodies. */
export function validSweep(): Record<string, unknown> {
  const train = { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.001 } };
  return {
    name: 'fuzz',
    dataset: { name: 'synthetic', limit: { train: 256, test: 64 } },
    teacher: { model: { family: 'mlp', hidden: [16], activation: 'relu' }, train },
    students: {
      model: { family: 'mlp', hidden: [8], activation: 'relu' },
      train,
      grid: { 'model.activation': ['relu', { name: 'lma', segments: 4 }] },
    },
    quantize: [{ method: 'ptq', bits: 8 }],
  };
}

/** Keys that are properties of every object: lookups keyed by user input must not find them. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** Values that have broken parsers, validators or SQL somewhere. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\uFEFF',
  '\uD800',
  "'; DROP TABLE runs; --",
  '%00',
  '%',
  '..%2F..%2Fetc%2Fpasswd',
  '1e309',
  '-0',
  '9007199254740993',
  'NaN',
  'Infinity',
  'true',
  'null',
  '[]',
  '{}',
  'a'.repeat(5000),
  ...PROTOTYPE_KEYS,
];

/**
 * Hand-written bodies, each the worst case of something the API once did badly: the quadratic YAML key
 * check and tag runs, deep nesting, huge grids and models, alias bombs. `worst` is the one the YAML threads
 * spend the most time on (the parse budget): the healthz check sends it.
 */
export function hostileBodies(): { name: string; contentType: string; body: string; worst?: true }[] {
  const spec = validSweep();
  const students = spec.students as Record<string, unknown>;
  const withGrid = (grid: unknown) => JSON.stringify({ ...spec, students: { ...students, grid } });
  const aliasBomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    .concat(Array.from({ length: 9 }, (_, i) => `b${i}: &b${i} [${Array(10).fill(i ? `*b${i - 1}` : '*a')}]`))
    .join('\n');
  return [
    {
      name: 'yaml: 100,000 keys in one mapping',
      contentType: 'application/yaml',
      body: Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n'),
    },
    {
      name: 'yaml: a run of 300,000 tags',
      contentType: 'application/yaml',
      body: `a: ${'!x '.repeat(300_000)}1`,
      worst: true,
    },
    { name: 'yaml: 500,000 newlines', contentType: 'application/yaml', body: `a: 1${'\n'.repeat(500_000)}b: 2` },
    {
      name: 'yaml: flow nesting 50,000 deep',
      contentType: 'application/yaml',
      body: `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
    },
    { name: 'yaml: block sequences 5,000 deep', contentType: 'application/yaml', body: `${'- '.repeat(5000)}1` },
    { name: 'yaml: alias bomb', contentType: 'application/yaml', body: aliasBomb },
    { name: 'yaml: 20,000 flow items', contentType: 'application/yaml', body: `[${'1,'.repeat(20_000)}]` },
    {
      name: 'json: nested 5,000 deep',
      contentType: 'application/json',
      body: `${'['.repeat(5000)}${']'.repeat(5000)}`,
    },
    {
      name: 'json: a grid value nested 5,000 deep',
      contentType: 'application/json',
      body: withGrid({ 'model.hidden': ['DEEP'] }).replace('"DEEP"', `${'['.repeat(5000)}1${']'.repeat(5000)}`),
    },
    {
      name: 'json: a grid of 45,000 keys',
      contentType: 'application/json',
      body: withGrid(Object.fromEntries(Array.from({ length: 45_000 }, (_, i) => [`model.k${i}`, [1]]))),
    },
    {
      name: 'json: a grid of 32 × 256 values',
      contentType: 'application/json',
      body: withGrid(
        Object.fromEntries(
          Array.from({ length: 32 }, (_, i) => [`train.k${i}`, Array.from({ length: 256 }, (_, j) => j)]),
        ),
      ),
    },
    {
      name: 'json: 4,999 grid points, each invalid',
      contentType: 'application/json',
      body: withGrid({
        'model.hidden': Array.from({ length: 249 }, (_, i) => [-i - 1]),
        'train.epochs': Array.from({ length: 20 }, (_, i) => i + 1),
      }),
    },
    {
      name: 'json: a 65,536 × 65,536 teacher',
      contentType: 'application/json',
      body: JSON.stringify({
        ...spec,
        teacher: {
          ...(spec.teacher as object),
          model: { family: 'mlp', hidden: [65_536, 65_536], activation: 'relu' },
        },
      }),
    },
    {
      name: 'json: 10,000 classes of 1024 × 1024 × 16',
      contentType: 'application/json',
      body: JSON.stringify({ ...spec, dataset: { name: 'synthetic', classes: 10_000, shape: [1024, 1024, 16] } }),
    },
    {
      name: 'json: one 1,000,000-character string',
      contentType: 'application/json',
      body: JSON.stringify({ name: 'x'.repeat(1_000_000) }),
    },
    { name: 'json: 200,000 numbers', contentType: 'application/json', body: `[${'1,'.repeat(199_999)}1]` },
    {
      name: 'json: prototype keys everywhere',
      contentType: 'application/json',
      body: JSON.stringify(spec).replaceAll('"name"', '"__proto__"'),
    },
    { name: 'json: a body just over the limit', contentType: 'application/json', body: `"${'x'.repeat(1024 * 1024)}"` },
  ];
}

/** A copy of `value` with the value at one random path replaced by `replacement` (or that key removed). */
function mutate(value: unknown, choices: number[], replacement: unknown, remove: boolean): unknown {
  if (typeof value !== 'object' || value === null || choices.length === 0) return replacement;
  const [choice, ...rest] = choices as [number, ...number[]];
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const i = choice % value.length;
    return value.map((v, j) => (j === i ? mutate(v, rest, replacement, remove) : v));
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[choice % keys.length] as string;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (remove && rest.length === 0) delete copy[key];
  else copy[key] = mutate(copy[key], rest, replacement, remove);
  return copy;
}

const nastyString = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.fullUnicodeString({ maxLength: 20 }),
);
const nastyNumber = fc.oneof(
  fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, Number.MIN_VALUE, 65_536, 65_537),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const nastyValue = fc.oneof(
  nastyString,
  nastyNumber,
  fc.constantFrom(null, true, false, [], {}, [[[[[[]]]]]]),
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(fc.constantFrom(...PROTOTYPE_KEYS, 'name', 'model', 'grid'), fc.jsonValue({ maxDepth: 2 }), {
    maxKeys: 4,
  }),
);

/** Sweeps with one field replaced or removed, as JSON or as YAML (JSON is YAML), to both submit routes. */
function mutatedSweeps(seed: number, count: number, apiKey: string): FuzzRequest[] {
  const arb = fc.record({
    choices: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
    replacement: nastyValue,
    remove: fc.boolean(),
    yaml: fc.boolean(),
    dryRun: fc.boolean(),
  });
  return fc.sample(arb, { seed, numRuns: count }).map((m, i) => {
    const body = JSON.stringify(mutate(validSweep(), m.choices, m.replacement, m.remove)) ?? 'null';
    return {
      name: `mutated sweep #${i} (seed ${seed})`,
      method: 'POST',
      // Most go to dry runs: a stored sweep queues runs, and the quota would soon refuse the rest.
      url: m.dryRun || i % 4 !== 0 ? '/v1/sweeps?dryRun=true' : '/v1/sweeps',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': m.yaml ? 'application/yaml' : 'application/json' },
      body,
    };
  });
}

/** Text that is not quite JSON or YAML: random characters from the syntax of both. */
function garbageBodies(seed: number, count: number, apiKey: string): FuzzRequest[] {
  const syntax = fc.constantFrom(...'{}[]:,-?&*!|>\'"%@`#\n\t \\'.split(''), 'a', '1', 'k: ', '- ', '!!', '&a ', '*a');
  const arb = fc.record({
    text: fc.array(syntax, { maxLength: 400 }).map((parts) => parts.join('')),
    contentType: fc.constantFrom(
      'application/json',
      'application/yaml',
      'text/yaml',
      'text/plain',
      'application/json; charset=latin1',
    ),
    url: fc.constantFrom('/v1/sweeps?dryRun=true', '/v1/keys'),
  });
  return fc.sample(arb, { seed: seed + 1, numRuns: count }).map((g, i) => ({
    name: `garbage body #${i} (seed ${seed})`,
    method: 'POST',
    url: g.url,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': g.contentType },
    body: g.text,
  }));
}

/** Percent-encoded; a lone surrogate (not encodable) becomes the invalid UTF-8 of one, `%ED%A0%80`. */
function encodeQueryPart(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return `${encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, ''))}%ED%A0%80`;
  }
}

/** Every readable route with random query parameters, known names and unknown, repeated and odd. */
function queryStrings(seed: number, count: number, targets: FuzzTargets): FuzzRequest[] {
  const paths = [
    '/v1/sweeps',
    `/v1/sweeps/${targets.sweepId}`,
    `/v1/sweeps/${targets.sweepId}/runs`,
    `/v1/sweeps/${targets.sweepId}/results`,
    `/v1/runs/${targets.runId}`,
    '/v1/results',
    '/v1/frontier',
    '/v1/compare',
    '/v1/keys',
    '/v1/me',
    '/v1/sweeps/not-a-uuid',
    '/v1/runs/%E0%A4%A',
    '/healthz',
    '/readyz',
    '/docs/json',
  ];
  const names = fc.constantFrom(
    'limit',
    'cursor',
    'offset',
    'sort',
    'format',
    'dimension',
    'a',
    'b',
    'dataset',
    'sweep',
    'sweepId',
    'kind',
    'state',
    'tag',
    'dryRun',
    'bits',
    'x',
    ...PROTOTYPE_KEYS,
  );
  const arb = fc.record({
    path: fc.constantFrom(...paths),
    params: fc.array(fc.tuple(names, nastyString), { maxLength: 6 }),
  });
  return fc.sample(arb, { seed: seed + 2, numRuns: count }).map((q, i) => {
    const query = q.params.map(([k, v]) => `${encodeQueryPart(k)}=${encodeQueryPart(v)}`).join('&');
    return {
      name: `query #${i} (seed ${seed})`,
      method: 'GET',
      url: query ? `${q.path}?${query}` : q.path,
      headers: { authorization: `Bearer ${targets.apiKey}` },
    };
  });
}

/** Odd Authorization, Content-Type, Accept and request-id headers. */
function oddHeaders(seed: number, count: number, targets: FuzzTargets): FuzzRequest[] {
  const headerText = fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      'Bearer',
      'Bearer ',
      'bearer x',
      'Basic Zm9vOmJhcg==',
      'Bearer\t',
      `Bearer  ${targets.apiKey}`,
    ),
    fc.constantFrom(
      `BEARER ${targets.apiKey}`,
      `bearer ${targets.apiKey}`,
      `Bearer ${targets.apiKey}x`,
      'x'.repeat(8000),
    ),
    fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  );
  const arb = fc.record({
    authorization: headerText,
    contentType: fc.oneof(
      fc.constantFrom('application/json', 'application/yaml', 'multipart/form-data', ';;;'),
      headerText,
    ),
    accept: fc.oneof(fc.constantFrom('text/csv', 'text/event-stream', '*/*', 'application/json;q=0'), headerText),
    requestId: headerText,
    method: fc.constantFrom('GET', 'POST', 'DELETE') as fc.Arbitrary<'GET' | 'POST' | 'DELETE'>,
    path: fc.constantFrom(
      '/v1/sweeps',
      '/v1/keys',
      `/v1/keys/${targets.keyId}x`,
      '/v1/me',
      `/v1/sweeps/${targets.sweepId}/cancel`,
    ),
  });
  return fc.sample(arb, { seed: seed + 3, numRuns: count }).map((h, i) => {
    const headers: Record<string, string> = {
      authorization: h.authorization,
      accept: h.accept,
      'x-request-id': h.requestId,
    };
    if (h.method === 'POST') headers['content-type'] = h.contentType;
    return {
      name: `headers #${i} (seed ${seed})`,
      method: h.method,
      url: h.path,
      headers,
      ...(h.method === 'POST' ? { body: '{}' } : {}),
    };
  });
}

/** The whole corpus for one seed: the hostile bodies, then generated bodies, query strings and headers. */
export function buildCorpus(seed: number, targets: FuzzTargets): FuzzRequest[] {
  const auth = { authorization: `Bearer ${targets.apiKey}` };
  const hostile: FuzzRequest[] = hostileBodies().flatMap((b) =>
    ['/v1/sweeps?dryRun=true', '/v1/sweeps', '/v1/keys'].map((url) => ({
      name: `${b.name} → POST ${url}`,
      method: 'POST' as const,
      url,
      headers: { ...auth, 'content-type': b.contentType },
      body: b.body,
    })),
  );
  return [
    ...hostile,
    ...mutatedSweeps(seed, 200, targets.apiKey),
    ...garbageBodies(seed, 100, targets.apiKey),
    ...queryStrings(seed, 200, targets),
    ...oddHeaders(seed, 100, targets),
  ];
}
