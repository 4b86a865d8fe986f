/**
 * Conv2D's filter gradient as a forward convolution, for backends without a
 * Conv2DBackpropFilter kernel (TF.js 4.22's WASM backend).
 *
 * dW[i, j, ci, co] = Σ_{n, y, x} xpad[n, y·s + i, x·s + j, ci] · dy[n, y, x, co]
 * is a convolution of the input with batch and channel axes swapped ([ci, H, W, n], a batch of
 * ci "images" with n channels) by the output gradient used as a filter ([Ho, Wo, n, co]) with
 * dilation s, giving [ci, kh, kw, co] → transposed to [kh, kw, ci, co].
 */
import * as tf from "@tensorflow/tfjs";

type Pad =
  | "valid"
  | "same"
  | number
  | [[number, number], [number, number], [number, number], [number, number]];

function explicitPads(
  pad: Pad,
  inH: number,
  inW: number,
  kh: number,
  kw: number,
  strides: [number, number],
  dil: [number, number],
): [number, number, number, number] {
  if (typeof pad === "number") return [pad, pad, pad, pad];
  if (Array.isArray(pad)) return [pad[1][0], pad[1][1], pad[2][0], pad[2][1]];
  if (pad === "valid") return [0, 0, 0, 0];
  // "same": TensorFlow's rule.
  const ekh = (kh - 1) * dil[0] + 1;
  const ekw = (kw - 1) * dil[1] + 1;
  const outH = Math.ceil(inH / strides[0]);
  const outW = Math.ceil(inW / strides[1]);
  const padH = Math.max((outH - 1) * strides[0] + ekh - inH, 0);
  const padW = Math.max((outW - 1) * strides[1] + ekw - inW, 0);
  return [
    Math.floor(padH / 2),
    padH - Math.floor(padH / 2),
    Math.floor(padW / 2),
    padW - Math.floor(padW / 2),
  ];
}

/** The filter gradient of conv2d(x, filter, strides, pad) given dy, by forward convolution only. */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number],
  pad: Pad,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = filterShape;
    const [pt, pb, pl, pr] = explicitPads(pad, x.shape[1], x.shape[2], kh, kw, strides, [1, 1]);
    const xt = tf.transpose(x, [3, 1, 2, 0]); // [ci, H, W, n]
    const dyf = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, n, co]
    const padded = tf.pad(xt, [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ]) as tf.Tensor4D;
    let g = tf.conv2d(padded, dyf as tf.Tensor4D, 1, "valid", "NHWC", strides); // [ci, ≥kh, ≥kw, co]
    if (g.shape[1] !== kh || g.shape[2] !== kw) g = tf.slice(g, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

let registered = false;

/** Replaces Conv2D's registered gradient with one whose filter part uses conv2dFilterGradient. */
export function registerConv2dFilterGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.Conv2D,
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as {
        strides: number | [number, number];
        pad: Pad;
        dataFormat: string;
        dilations: number | [number, number];
        dimRoundingMode?: "floor" | "round" | "ceil";
      };
      const strides: [number, number] =
        typeof a.strides === "number" ? [a.strides, a.strides] : a.strides;
      const dil = typeof a.dilations === "number" ? [a.dilations, a.dilations] : a.dilations;
      if ((dil[0] ?? 1) !== 1 || (dil[1] ?? 1) !== 1 || a.dataFormat !== "NHWC") {
        throw new Error("conv2d gradient: only NHWC without dilation is supported in training");
      }
      const dy4 = dy as tf.Tensor4D;
      return {
        x: () =>
          tf.conv2dTranspose(dy4, filter, x.shape, strides, a.pad as "valid" | "same" | number),
        filter: () =>
          conv2dFilterGradient(
            x,
            dy4,
            filter.shape as [number, number, number, number],
            strides,
            a.pad,
          ),
      };
    },
  });
}
