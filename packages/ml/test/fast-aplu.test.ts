import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type F32Buffer, kernels } from '../src/fast/kernels.ts';
import { APLU, APLU_GRAD_JS, APLU_JS, apluComposed } from '../src/layers/aplu.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);
afterAll(useWasm);

/** x, dy [rows, units] and alpha, offset [hinges, units]; some x exactly on a hinge, at 0 and at −0. */
function inputs(rows: number, units: number, hinges: number, seed: number) {
  const random = mulberry32(seed);
  const draw = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * normal(random));
  const x = draw(rows * units, 1.2);
  const alpha = draw(hinges * units, 0.5);
  const offset = draw(hinges * units, 0.7);
  for (let i = 0; i < x.length; i += 7) x[i] = offset[((i % units) + units * (i % hinges)) % offset.length] as number;
  x[1] = 0;
  x[2] = -0;
  return { x, dy: draw(rows * units, 1), alpha, offset };
}

/** The SIMD kernels' y, dx, dAlpha, dOffset. */
function simd(rows: number, units: number, hinges: number, v: ReturnType<typeof inputs>) {
  const fast = kernels();
  const owned: F32Buffer[] = [];
  const buffer = (from: Float32Array | number) => {
    const b = fast.allocF32(typeof from === 'number' ? from : from.length);
    if (typeof from !== 'number') b.view().set(from);
    owned.push(b);
    return b;
  };
  const [x, dy, alpha, offset] = [v.x, v.dy, v.alpha, v.offset].map(buffer) as F32Buffer[];
  const n = rows * units;
  const size = hinges * units;
  const [y, dx, dAlpha, dOffset, sums] = [n, n, size, size, 4 * size].map(buffer) as F32Buffer[];
  const e = fast.exports;
  const [px, pa, po] = [(x as F32Buffer).ptr, (alpha as F32Buffer).ptr, (offset as F32Buffer).ptr];
  e.apluForward(px, (y as F32Buffer).ptr, rows, units, pa, po, hinges);
  const [pdx, pda, pdo] = [(dx as F32Buffer).ptr, (dAlpha as F32Buffer).ptr, (dOffset as F32Buffer).ptr];
  e.apluGrad((dy as F32Buffer).ptr, px, pdx, rows, units, pa, po, hinges, pda, pdo, (sums as F32Buffer).ptr);
  const out = [y, dx, dAlpha, dOffset].map((b) => Array.from((b as F32Buffer).view()));
  for (const b of owned) b.free();
  return out;
}

describe('the APLU SIMD kernels', () => {
  // 5 units: two pairs and a single unit; 1: the single-unit loop alone; 32 and 4: the dense and CNN students.
  it.each([
    [37, 5, 6],
    [9, 1, 3],
    [64, 32, 6],
    [3136, 4, 6],
  ])('give the bits of the layer’s JavaScript kernels for %i rows × %i units, %i hinges', (rows, units, hinges) => {
    const v = inputs(rows, units, hinges, rows * units + hinges);
    const n = rows * units;
    const y = new Float32Array(n);
    APLU_JS.compute(
      [v.x, v.alpha, v.offset],
      [y],
      [
        [rows, units],
        [hinges, units],
      ],
      {},
    );
    const [dx, dAlpha, dOffset] = [
      new Float32Array(n),
      new Float32Array(v.alpha.length),
      new Float32Array(v.alpha.length),
    ];
    APLU_GRAD_JS.compute(
      [v.dy, v.x, v.alpha, v.offset],
      [dx, dAlpha, dOffset],
      [
        [rows, units],
        [rows, units],
        [hinges, units],
      ],
      {},
    );
    const [sy, sdx, sda, sdo] = simd(rows, units, hinges, v);
    expect(sy).toEqual(Array.from(y));
    expect(sdx).toEqual(Array.from(dx));
    expect(sda).toEqual(Array.from(dAlpha));
    expect(sdo).toEqual(Array.from(dOffset));
  });

  it('match tf.grad of the tfjs-layers APLU and of its composed ops (value, dx, slopes, offsets)', () => {
    const [rows, units, hinges] = [50, 6, 6];
    const v = inputs(rows, units, hinges, 5);
    const [sy, sdx, sda, sdo] = simd(rows, units, hinges, v);
    const layer = new APLU({ hinges });
    layer.build([rows, units]);
    const [a, b] = layer.weights as [tf.LayerVariable, tf.LayerVariable];
    a.write(tf.tensor(v.alpha, [hinges, units]));
    b.write(tf.tensor(v.offset, [hinges, units]));
    const [x, dy] = [tf.tensor(v.x, [rows, units]), tf.tensor(v.dy, [rows, units])];
    const loss = (out: tf.Tensor) => out.mul(dy).sum() as tf.Scalar;
    const layerY = tf.tidy(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()));
    const layerDx = tf.tidy(() =>
      Array.from(
        tf
          .grad((xs: tf.Tensor) => loss(layer.apply(xs) as tf.Tensor))(x)
          .dataSync(),
      ),
    );
    const [va, vb] = [a.read(), b.read()] as [tf.Variable, tf.Variable];
    const { value, grads } = tf.variableGrads(() => loss(layer.apply(x) as tf.Tensor), [va, vb]);
    const [layerDa, layerDo] = [grads[va.name], grads[vb.name]].map((g) => Array.from((g as tf.Tensor).dataSync()));
    // The layer on wasm runs the JavaScript kernel: the same bits.
    expect(sy).toEqual(layerY);
    expect(sdx).toEqual(layerDx);
    expect(sda).toEqual(layerDa);
    expect(sdo).toEqual(layerDo);
    // The composed float32 ops (the other backends' path): within float32 rounding.
    const composed = tf.tidy(() => {
      const args = [x, tf.tensor(v.alpha, [hinges, units]), tf.tensor(v.offset, [hinges, units])];
      const f = (xs: tf.Tensor, al: tf.Tensor, off: tf.Tensor) => apluComposed(xs, al, off);
      const out = Array.from(f(...(args as [tf.Tensor, tf.Tensor, tf.Tensor])).dataSync());
      const g = tf.grads((xs: tf.Tensor, al: tf.Tensor, off: tf.Tensor) => loss(f(xs, al, off)))(args);
      return [out, ...g.map((t) => Array.from(t.dataSync()))];
    });
    [sy, sdx, sda, sdo].forEach((got, i) => {
      const want = composed[i] as number[];
      const worst = (got as number[]).reduce(
        (w, g, j) => Math.max(w, Math.abs(g - (want[j] as number)) / Math.max(1, Math.abs(want[j] as number))),
        0,
      );
      expect(worst).toBeLessThan(1e-5);
    });
    tf.dispose([x, dy, value, ...Object.values(grads)]);
    for (const w of layer.weights) w.dispose();
  });
});
