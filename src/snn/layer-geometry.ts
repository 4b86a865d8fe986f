/**
 * The geometry of convolution and pooling layers, in one place for the shape resolver
 * (model-layers.ts), the topology's fan-outs, and both engines' kernels. conv1d is a conv2d of
 * height 1 ([C, L] = [C, 1, L], kernel [1, k]), so every conv path is written once; it reads a
 * [C, L] or a [C, 1, L] input and keeps that rank in its output.
 *
 * Output size per axis: floor((in + pad_before + pad_after − dilation·(k − 1) − 1) / stride) + 1
 * (PyTorch's). Pooling has dilation 1 and zero padding (avgpool divides by kh·kw, padding
 * counted; sumpool does not divide).
 */
import type { Layer } from "./model-spec.js";
import type { Shape } from "./spec-parts.js";

export interface ConvGeometry {
  /** Input [c, h, w] (conv1d: h = 1). */
  c: number;
  h: number;
  w: number;
  /** Output [oc, oh, ow] (conv1d: oh = 1). */
  oc: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  /** Padding before each axis (top, left); after is implied by the output size. */
  pt: number;
  pl: number;
  groups: number;
  /** Input and output channels per group. */
  icg: number;
  ocg: number;
}

export interface PoolGeometry {
  c: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  /** What a window's sum is divided by: kh·kw (avgpool2d) or 1 (sumpool2d). */
  divisor: number;
}

/** conv2d padding as [top, bottom, left, right] (the file gives [ph, pw] or the four sides). */
export function conv2dPadding(padding: readonly number[]): [number, number, number, number] {
  return padding.length === 2
    ? [padding[0], padding[0], padding[1], padding[1]]
    : [padding[0], padding[1], padding[2], padding[3]];
}

/** Output length of one axis. */
export const outSize = (
  n: number,
  before: number,
  after: number,
  k: number,
  d: number,
  s: number,
) => Math.floor((n + before + after - d * (k - 1) - 1) / s) + 1;

/**
 * The convolution geometry of a conv2d or conv1d layer given its input shape ([C, H, W] or
 * [C, L]); null for other layers. The output size is computed here (the caller checks ≥ 1).
 */
export function convGeometry(spec: Layer, inShape: Shape): ConvGeometry | null {
  if (spec.type === "conv2d") {
    const [c, h, w] = inShape;
    const [oc, icg, kh, kw] = spec.weights.shape;
    const [pt, pb, pl, pr] = conv2dPadding(spec.padding);
    const [sh, sw] = spec.stride;
    const [dh, dw] = spec.dilation;
    const g = spec.groups;
    return {
      c,
      h,
      w,
      oc,
      oh: outSize(h, pt, pb, kh, dh, sh),
      ow: outSize(w, pl, pr, kw, dw, sw),
      kh,
      kw,
      sh,
      sw,
      dh,
      dw,
      pt,
      pl,
      groups: g,
      icg,
      ocg: oc / g,
    };
  }
  if (spec.type === "conv1d") {
    // [C, L], or [C, 1, L] (a 1-D input to the network: input.shape is [C, H, W]).
    const c = inShape[0];
    const w = inShape[inShape.length - 1];
    const [oc, icg, kw] = spec.weights.shape;
    const [pl, pr] = spec.padding;
    const g = spec.groups;
    return {
      c,
      h: 1,
      w,
      oc,
      oh: 1,
      ow: outSize(w, pl, pr, kw, spec.dilation, spec.stride),
      kh: 1,
      kw,
      sh: 1,
      sw: spec.stride,
      dh: 1,
      dw: spec.dilation,
      pt: 0,
      pl,
      groups: g,
      icg,
      ocg: oc / g,
    };
  }
  return null;
}

/** The pooling geometry of an avgpool2d or sumpool2d layer on a [C, H, W] input; null otherwise. */
export function poolGeometry(spec: Layer, inShape: Shape): PoolGeometry | null {
  if (spec.type !== "avgpool2d" && spec.type !== "sumpool2d") return null;
  const [c, h, w] = inShape;
  const [kh, kw] = spec.kernel;
  const [sh, sw] = spec.stride;
  const [ph, pw] = spec.padding;
  return {
    c,
    h,
    w,
    oh: outSize(h, ph, ph, kh, 1, sh),
    ow: outSize(w, pw, pw, kw, 1, sw),
    kh,
    kw,
    sh,
    sw,
    pt: ph,
    pl: pw,
    divisor: spec.type === "avgpool2d" ? kh * kw : 1,
  };
}

/** Layers between weighted ones that pool (fold into scatter tables and fan-outs). */
export const isPool = (spec: Layer): boolean =>
  spec.type === "avgpool2d" || spec.type === "sumpool2d";
