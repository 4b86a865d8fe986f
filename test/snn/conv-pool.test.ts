import { describe, expect, it } from "vitest";
import { createNetwork } from "../../src/snn/index.js";
import { buildModel, LINEAR, randomTensor, rng } from "./helpers.js";

/** Plain convolution written independently of the engine: pad the input, then slide. */
function naiveConv(
  x: number[][][],
  w: number[][][][],
  b: number[],
  stride: [number, number],
  pad: [number, number],
) {
  const padded = x.map((ch) => {
    const rows = ch.map((row) => [...Array(pad[1]).fill(0), ...row, ...Array(pad[1]).fill(0)]);
    const blank = Array(rows[0].length).fill(0);
    return [...Array(pad[0]).fill(blank), ...rows, ...Array(pad[0]).fill(blank)];
  });
  const kh = w[0][0].length;
  const kw = w[0][0][0].length;
  const oh = Math.floor((padded[0].length - kh) / stride[0]) + 1;
  const ow = Math.floor((padded[0][0].length - kw) / stride[1]) + 1;
  return w.map((filters, o) =>
    Array.from({ length: oh }, (_, oy) =>
      Array.from({ length: ow }, (_, ox) => {
        let s = b[o];
        filters.forEach((k, c) =>
          k.forEach((row, ky) =>
            row.forEach(
              (wv, kx) => (s += wv * padded[c][oy * stride[0] + ky][ox * stride[1] + kx]),
            ),
          ),
        );
        return s;
      }),
    ),
  );
}

function naivePool(x: number[][][], k: [number, number], s: [number, number]) {
  const oh = Math.floor((x[0].length - k[0]) / s[0]) + 1;
  const ow = Math.floor((x[0][0].length - k[1]) / s[1]) + 1;
  return x.map((ch) =>
    Array.from({ length: oh }, (_, py) =>
      Array.from({ length: ow }, (_, px) => {
        let sum = 0;
        for (let i = 0; i < k[0]; i++)
          for (let j = 0; j < k[1]; j++) sum += ch[py * s[0] + i][px * s[1] + j];
        return sum / (k[0] * k[1]);
      }),
    ),
  );
}

const reshape3 = (flat: ArrayLike<number>, [c, h, w]: number[]) =>
  Array.from({ length: c }, (_, ci) =>
    Array.from({ length: h }, (_, y) =>
      Array.from({ length: w }, (_, x) => flat[(ci * h + y) * w + x]),
    ),
  );

describe.each(["fast", "reference"] as const)(
  "conv2d and pooling against naive loops (%s)",
  (engine) => {
    const cases: { stride: [number, number]; padding: [number, number]; k: [number, number] }[] = [
      { stride: [1, 1], padding: [0, 0], k: [3, 3] },
      { stride: [1, 1], padding: [1, 1], k: [3, 3] },
      { stride: [2, 2], padding: [1, 2], k: [3, 2] },
      { stride: [3, 1], padding: [2, 0], k: [5, 3] },
    ];
    for (const { stride, padding, k } of cases) {
      it(`conv ${k.join("x")} stride ${stride} padding ${padding}`, () => {
        const r = rng(7);
        const W = randomTensor([4, 3, ...k], r);
        const B = randomTensor([4], r);
        const model = buildModel({
          inputShape: [3, 7, 8],
          layers: [{ type: "conv2d", weights: W, bias: B, stride, padding, neuron: LINEAR }],
        });
        const net = createNetwork(model, { engine });
        const x = Float64Array.from({ length: model.inputSize }, () => r());
        net.tick(x);
        const w4 = Array.from({ length: 4 }, (_, o) =>
          reshape3(Array.from(W.data).slice(o * 3 * k[0] * k[1], (o + 1) * 3 * k[0] * k[1]), [
            3,
            ...k,
          ]),
        );
        const want = naiveConv(
          reshape3(x, [3, 7, 8]),
          w4,
          Array.from(B.data),
          stride,
          padding,
        ).flat(2);
        expect(net.output.length).toBe(want.length);
        want.forEach((v, i) => expect(net.output[i]).toBeCloseTo(v, 10));
      });
    }
    for (const [kernel, st] of [
      [
        [2, 2],
        [2, 2],
      ],
      [
        [3, 3],
        [2, 2],
      ],
      [
        [2, 3],
        [1, 2],
      ],
    ] as [number, number][][]) {
      it(`avgpool ${kernel} stride ${st}, then dense`, () => {
        const r = rng(11);
        const pooled = naivePool(
          reshape3(Array(2 * 7 * 7).fill(0), [2, 7, 7]),
          kernel as [number, number],
          st as [number, number],
        );
        const nIn = pooled.flat(2).length;
        const W = randomTensor([3, nIn], r);
        const model = buildModel({
          inputShape: [2, 7, 7],
          layers: [
            { type: "avgpool2d", kernel, stride: st },
            { type: "flatten" },
            { type: "dense", weights: W, neuron: LINEAR },
          ],
        });
        const net = createNetwork(model, { engine });
        const x = Float64Array.from({ length: model.inputSize }, () => r());
        net.tick(x);
        const p = naivePool(
          reshape3(x, [2, 7, 7]),
          kernel as [number, number],
          st as [number, number],
        ).flat(2);
        for (let o = 0; o < 3; o++) {
          const want = p.reduce((s, v, i) => s + v * W.data[o * nIn + i], 0);
          expect(net.output[o]).toBeCloseTo(want, 10);
        }
      });
    }
  },
);
