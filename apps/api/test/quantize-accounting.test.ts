import { describe, expect, it } from 'vitest';
import { quickstart, useTestApi } from './helper.ts';

const api = useTestApi();

const post = (spec: object, url = '/v1/sweeps') => api.request({ method: 'POST', url, payload: spec });

/** The quickstart with its students in BatchNorm and one 8-bit PTQ variant with `keepFloat` (default when absent). */
const spec = (keepFloat?: unknown) =>
  quickstart({
    students: {
      ...(quickstart().students as object),
      model: { family: 'mlp', hidden: [16], activation: 'relu', batchNorm: true },
    },
    quantize: [{ method: 'ptq', bits: 8, ...(keepFloat === undefined ? {} : { keepFloat }) }],
  });

interface Predicted {
  bytes: number;
  codeBytes: number;
  headerBytes: number;
  floatBytes: number;
  quantizedValues: number;
  quantizedFraction: number;
  parameters: number;
}

describe('POST /v1/sweeps?dryRun=true', () => {
  it('splits every planned size into codes, bucket headers and float tensors that sum to its bytes', async () => {
    for (const keepFloat of [undefined, 'none', 'first-last-layers', 'first-last', { layers: ['dense_2'] }]) {
      const res = await post(spec(keepFloat), '/v1/sweeps?dryRun=true');
      expect(res.statusCode, res.body).toBe(200);
      for (const run of res.json().runs as { predicted: Predicted }[]) {
        const p = run.predicted;
        expect(p.codeBytes + p.headerBytes + p.floatBytes).toBe(p.bytes);
        expect(p.quantizedFraction).toBeCloseTo(p.quantizedValues / p.parameters, 12);
      }
    }
  });

  it('plans the 8-bit student at least 3.5 times smaller than its float student by default', async () => {
    const { runs, warnings } = (await post(spec(), '/v1/sweeps?dryRun=true')).json();
    const [student, ptq] = [runs[1], runs[2]] as { key: string; label: string; predicted: Predicted }[];
    expect(ptq?.label).toBe('activation=relu · seed 1 · ptq 8-bit · 99.2% of values quantized');
    expect((student?.predicted.bytes as number) / (ptq?.predicted.bytes as number)).toBeGreaterThanOrEqual(3.5);
    expect(warnings).toEqual([]);
  });

  it('warns when the legacy first-last keeps an MLP almost all float, naming the variants and the sizes', async () => {
    const res = await post(spec('first-last'), '/v1/sweeps?dryRun=true');
    expect(res.statusCode).toBe(200);
    const { runs, warnings } = res.json();
    const bytesOf = (key: string) => runs.find((r: { key: string }) => r.key === key).predicted.bytes;
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({
      code: 'QUANTIZE_SHRINKS_LITTLE',
      runKeys: ['s0.seed1.q0'],
      label: 'activation=relu · ptq 8-bit keepFloat=first-last · 2% of values quantized',
      floatBytes: bytesOf('s0.seed1'),
      quantizedBytes: bytesOf('s0.seed1.q0'),
    });
    expect(warnings[0].message).toMatch(
      /^activation=relu · ptq 8-bit keepFloat=first-last · 2% of values quantized: \d+ bytes quantized vs \d+ bytes float, [\d.]+% smaller \(under 10%\)/,
    );
  });

  it('rejects a keepFloat layer no student has, naming the field', async () => {
    const res = await post(spec({ layers: ['dense_7'] }), '/v1/sweeps?dryRun=true');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([
      {
        path: 'quantize[0].keepFloat.layers[0]',
        message: "no student has a layer 'dense_7' (its layers: dense_1, batch_normalization_1, dense_2, lma_1)",
      },
    ]);
  });

  it('rejects an unknown keepFloat value with the field path', async () => {
    const res = await post(spec('first'), '/v1/sweeps?dryRun=true');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([
      {
        path: 'quantize[0].keepFloat',
        message: "unknown value 'first' (allowed: all-but-kernels, none, first-last-layers, first-last)",
      },
    ]);
  });
});

describe('POST /v1/sweeps', () => {
  it('answers a submission whose variants barely shrink with the same warnings, and stores it', async () => {
    const res = await post(spec('first-last'));
    expect(res.statusCode, res.body).toBe(201);
    const { warnings, id } = res.json();
    expect(warnings.map((w: { runKeys: string[] }) => w.runKeys)).toEqual([['s0.seed1.q0'], ['s1.seed1.q0']]);
    // A stored legacy configuration reads back unchanged, with its tensor semantics.
    const runs = (await api.request({ method: 'GET', url: `/v1/sweeps/${id}/runs` })).json().items;
    const ptq = runs.find((r: { key: string }) => r.key === 's0.seed1.q0');
    const detail = (await api.request({ method: 'GET', url: `/v1/runs/${ptq.id}` })).json();
    expect(detail.config.quantize).toEqual({ method: 'ptq', bits: 8, bucketSize: 256, keepFloat: 'first-last' });
    expect(detail.predicted.bytes).toBe(warnings[0].quantizedBytes);
    expect(detail.predicted.floatBytes).toBe(784 * 16 * 4 + 10 * 4 + 2 * 16 * 4);
  });

  it("names a keepFloat other than the default in the team results' descriptions", async () => {
    const id = (await post(spec('first-last'))).json().id;
    const runs = await api.db.run.findMany({ where: { sweepId: id, kind: { in: ['student', 'quantize-ptq'] } } });
    await api.db.result.createMany({
      data: runs.map((r) => ({
        runId: r.id,
        accuracy: 0.9,
        loss: 0.3,
        parameters: r.predictedParameters,
        bytes: r.predictedBytes,
        bits: r.bits,
        backend: 'wasm',
        seconds: 1,
      })),
    });
    const res = await api.request({ method: 'GET', url: `/v1/results?sweep=${id}&kind=quantize-ptq` });
    expect(res.statusCode, res.body).toBe(200);
    expect(
      res
        .json()
        .items.map((c: { description: string }) => c.description)
        .sort(),
    ).toEqual([
      'quantize-ptq mlp 16 lma-8 bn · T=2 α=0.7 · ptq 8-bit keepFloat=first-last · mnist',
      'quantize-ptq mlp 16 relu bn · T=2 α=0.7 · ptq 8-bit keepFloat=first-last · mnist',
    ]);
  });

  it('answers a submission with the default keepFloat without warnings', async () => {
    const res = await post(spec());
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().warnings).toEqual([]);
  });
});

describe('GET /docs/json', () => {
  it('documents every keepFloat value in the sweep schema', async () => {
    const doc = (await api.request({ method: 'GET', url: '/docs/json', as: null })).body;
    for (const text of [
      'all-but-kernels (default)',
      'none:',
      'first-last-layers:',
      'first-last: legacy',
      '{ layers: [dense_1] }',
    ]) {
      expect(doc).toContain(text);
    }
  });
});
