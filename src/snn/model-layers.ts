/**
 * Each layer type's shapes and tensors, resolved on load (model.ts calls `resolveLayer` once per
 * layer, in file order, with the shape its inputs deliver): the output shape, the weight views
 * checked against the shapes the layer needs, and the number of neurons. Problems go through
 * `fail` (model.ts raises them as ModelError naming the field and the fix).
 */
import type { Layer, TensorRef } from "./model-spec.js";
import { convGeometry, poolGeometry } from "./layer-geometry.js";
import type { Shape } from "./spec-parts.js";

/** What resolveLayer fills in (a part of model.ts's ResolvedLayer). */
export interface LayerShapes {
  outShape: Shape;
  /** dense [out, in]; conv [oc, ic/groups, kh, kw] / [oc, ic/groups, k]; scale: factor per element. */
  weights?: Float32Array;
  recurrentWeights?: Float32Array;
}

export interface LayerContext {
  /** "layers[i]", the prefix of field names. */
  f: string;
  index: number;
  /** Read a TensorRef whose shape must equal `expected` ("weights"), or hold as many values ("per-neuron"). */
  tensor(
    ref: TensorRef,
    field: string,
    expected: Shape,
    what: "weights" | "per-neuron",
  ): Float32Array;
  fail(field: string, problem: string, fix: string): never;
}

const product = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
const fmtShape = (shape: Shape): string => `[${shape.join(", ")}]`;

/** Layers that carry neurons (dense, conv2d, conv1d, recurrent_dense, scale, neurons). */
export const isWeighted = (layer: Layer): boolean =>
  layer.type === "dense" ||
  layer.type === "conv2d" ||
  layer.type === "conv1d" ||
  layer.type === "recurrent_dense" ||
  layer.type === "scale" ||
  layer.type === "neurons";

export function resolveLayer(layer: Layer, inShape: Shape, ctx: LayerContext): LayerShapes {
  const { f, fail, tensor } = ctx;
  const needRank = (rank: number, what: string): void => {
    if (inShape.length !== rank) {
      fail(
        f,
        `${layer.type} needs a ${what} input but receives ${fmtShape(inShape)}`,
        rank === 1
          ? `insert {"type": "flatten"} before layers[${ctx.index}]`
          : "place it before the flatten layer",
      );
    }
  };
  switch (layer.type) {
    case "flatten":
      return { outShape: [product(inShape)] };
    case "avgpool2d":
    case "sumpool2d": {
      needRank(3, "[C, H, W]");
      const g = poolGeometry(layer, inShape)!;
      if (g.kh > g.h + 2 * g.pt || g.kw > g.w + 2 * g.pl) {
        fail(
          `${f}.kernel`,
          `${fmtShape(layer.kernel)} is larger than the input ${fmtShape(inShape)} with padding ${fmtShape(layer.padding)}`,
          "use a smaller pooling kernel",
        );
      }
      if (g.pt * 2 > g.kh || g.pl * 2 > g.kw) {
        fail(
          `${f}.padding`,
          `${fmtShape(layer.padding)} is more than half the kernel ${fmtShape(layer.kernel)}`,
          "use padding of at most half the kernel on each side (PyTorch's limit)",
        );
      }
      return { outShape: [g.c, g.oh, g.ow] };
    }
    case "dense":
    case "recurrent_dense": {
      needRank(1, "flat");
      const out = layer.weights.shape[0];
      const shapes: LayerShapes = {
        outShape: [out],
        weights: tensor(layer.weights, `${f}.weights`, [out, inShape[0]], "weights"),
      };
      if (layer.type === "recurrent_dense") {
        shapes.recurrentWeights = tensor(
          layer.recurrent_weights,
          `${f}.recurrent_weights`,
          [out, out],
          "weights",
        );
      }
      return shapes;
    }
    case "conv2d":
    case "conv1d": {
      const is2d = layer.type === "conv2d";
      const oneD = !is2d && (inShape.length === 2 || (inShape.length === 3 && inShape[1] === 1));
      if (!is2d && !oneD) {
        fail(
          f,
          `conv1d needs a [C, L] or [C, 1, L] input but receives ${fmtShape(inShape)}`,
          "give conv1d a one-dimensional input (a network input of shape [C, 1, L])",
        );
      }
      if (is2d) needRank(3, "[C, H, W]");
      const rank = is2d ? 4 : 3;
      if (layer.weights.shape.length !== rank) {
        fail(
          `${f}.weights.shape`,
          `is ${fmtShape(layer.weights.shape)}`,
          is2d
            ? "conv2d weights are [out_channels, in_channels / groups, kh, kw]"
            : "conv1d weights are [out_channels, in_channels / groups, k]",
        );
      }
      const [oc] = layer.weights.shape;
      const c = inShape[0];
      const groups = layer.groups;
      if (c % groups !== 0 || oc % groups !== 0) {
        fail(
          `${f}.groups`,
          `is ${groups}, which does not divide the ${c} input and ${oc} output channels`,
          "use a number of groups that divides both channel counts",
        );
      }
      const expected = [oc, c / groups, ...layer.weights.shape.slice(2)];
      const weights = tensor(layer.weights, `${f}.weights`, expected, "weights");
      const g = convGeometry(layer, inShape)!;
      if (g.oh < 1 || g.ow < 1) {
        fail(
          f,
          `a ${expected.slice(2).join("x")} kernel (dilation ${JSON.stringify(layer.dilation)}) with padding ${JSON.stringify(layer.padding)} does not fit the input ${fmtShape(inShape)}`,
          "add padding or use a smaller kernel",
        );
      }
      const outShape = is2d || inShape.length === 3 ? [oc, g.oh, g.ow] : [oc, g.ow];
      return { outShape, weights };
    }
    case "scale": {
      const n = product(inShape);
      const count = product(layer.factor.shape);
      const perChannel = inShape.length > 1 && count === inShape[0] && count !== n;
      const factor = tensor(
        layer.factor,
        `${f}.factor`,
        perChannel ? [inShape[0]] : inShape,
        "per-neuron",
      );
      if (!perChannel) return { outShape: inShape, weights: factor };
      const per = n / inShape[0];
      return {
        outShape: inShape,
        weights: Float32Array.from({ length: n }, (_, i) => factor[Math.floor(i / per)]),
      };
    }
    case "neurons":
      return { outShape: inShape };
  }
}

/** Bias values a layer's bias tensor must hold: one per output channel (conv) or per neuron. */
export function biasShape(layer: Layer, outShape: Shape): Shape {
  return layer.type === "conv2d" || layer.type === "conv1d" ? [outShape[0]] : [product(outShape)];
}
