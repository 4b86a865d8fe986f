import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { describe, expect, it } from "vitest";
import { conv2dFilterGradient, registerConv2dFilterGradient } from "../../src/train/conv-grad.js";

type Pad = number | "same" | "valid";

async function grads(
  backend: string,
  stride: number,
  pad: Pad,
): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend(backend);
  await tf.ready();
  const x = tf.tensor4d(
    Array.from({ length: 2 * 9 * 9 * 3 }, (_, i) => Math.sin(i * 0.37)),
    [2, 9, 9, 3],
  );
  const w = tf.tensor4d(
    Array.from({ length: 5 * 5 * 3 * 4 }, (_, i) => Math.cos(i * 0.11)),
    [5, 5, 3, 4],
  );
  const f = (a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)));
  const [gx, gw] = tf.grads(f)([x, w]);
  const out: [Float32Array, Float32Array] = [
    (await gx.data()) as Float32Array,
    (await gw.data()) as Float32Array,
  ];
  tf.dispose([x, w, gx, gw]);
  return out;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(a[i])));
  return m;
}

describe("conv2d filter gradient by forward convolution", () => {
  const cases: [number, Pad][] = [
    [1, 2],
    [2, 1],
    [1, "same"],
    [2, "valid"],
    [3, 0],
  ];

  it("matches the CPU backend's Conv2DBackpropFilter directly", async () => {
    await tf.setBackend("cpu");
    for (const [s, p] of cases) {
      const x = tf.randomNormal([2, 9, 9, 3], 0, 1, "float32", 1) as tf.Tensor4D;
      const w = tf.randomNormal([5, 5, 3, 4], 0, 1, "float32", 2) as tf.Tensor4D;
      const [, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, p))),
      )([x, w]);
      const y = tf.conv2d(x, w, s, p);
      const dy = tf.mul(y, 2) as tf.Tensor4D;
      const mine = conv2dFilterGradient(x, dy, [5, 5, 3, 4], [s, s], p);
      expect(mine.shape).toEqual([5, 5, 3, 4]);
      expect(
        maxRelDiff(gw.dataSync() as Float32Array, mine.dataSync() as Float32Array),
      ).toBeLessThan(1e-4);
    }
  });

  it("on WASM, registered as Conv2D's gradient, equals the CPU gradient", async () => {
    const reference: [Float32Array, Float32Array][] = [];
    for (const [s, p] of cases) reference.push(await grads("cpu", s, p));
    registerConv2dFilterGradient();
    for (let c = 0; c < cases.length; c++) {
      const [s, p] = cases[c];
      const [gx, gw] = await grads("wasm", s, p);
      expect(maxRelDiff(reference[c][0], gx)).toBeLessThan(1e-4);
      expect(maxRelDiff(reference[c][1], gw)).toBeLessThan(1e-4);
    }
  });
});
