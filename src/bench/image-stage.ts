/**
 * The image stage alone: camera frames (synthetic 640x480 rgb8, as src/stream's benchmark camera
 * draws them) resized and converted to the model's input tensor by `ImagePreprocessor.fromRaw`,
 * one frame at a time. The frames are drawn before timing; the preprocessor reuses its buffer.
 */
import { ImagePreprocessor } from "../image/index.js";
import type { Model } from "../snn/index.js";
import { SyntheticCamera } from "../stream/synthetic-camera.js";
import type { SyntheticEncoding } from "../stream/synthetic-camera.js";
import { stats } from "./measure.js";
import type { LatencyStats } from "./measure.js";

export interface ImageStageBench extends LatencyStats {
  stage: "ImagePreprocessor.fromRaw";
  source: { width: number; height: number; encoding: SyntheticEncoding };
  /** The model's input [C, H, W] and how the picture is fitted into it. */
  target: { shape: readonly number[]; color: string; fit: string };
}

export function benchImageStage(
  model: Model,
  frames: number,
  source: { width: number; height: number; encoding: SyntheticEncoding } = {
    width: 640,
    height: 480,
    encoding: "rgb8",
  },
  warmup = 5,
): ImageStageBench {
  const input = model.spec.input;
  const pre = new ImagePreprocessor(input);
  const camera = new SyntheticCamera({ ...source, fps: 30 });
  const pictures = Array.from({ length: 8 }, (_, i) => camera.frame(i));
  let check = 0;
  for (let i = 0; i < warmup; i++) check += pre.fromRaw(pictures[i % pictures.length])[0];
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    const tensor = pre.fromRaw(pictures[i % pictures.length]);
    times.push(performance.now() - t0);
    check += tensor[tensor.length >> 1];
  }
  const cpu = process.cpuUsage(cpu0);
  if (!Number.isFinite(check)) throw new Error("image stage produced a non-finite tensor value");
  return {
    stage: "ImagePreprocessor.fromRaw",
    source,
    target: { shape: input.shape, color: input.preprocess.color, fit: input.preprocess.fit },
    ...stats(times, (cpu.user + cpu.system) / 1000),
  };
}
