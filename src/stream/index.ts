/**
 * The pipeline: camera frames in, classifications with energy and per-stage latency out, the
 * costly stages in a worker thread, the newest frames winning when the worker falls behind.
 *
 *   const pipeline = createPipeline({ model: "models/fashion-mnist-lif", deserialize });
 *   pipeline.results$.subscribe(publishClassification);
 *   pipeline.errors$.subscribe(countOrLog);
 *   await pipeline.ready();                   // rejects if the model cannot be loaded
 *   pipeline.push({ kind: "serialized", type: "sensor_msgs/msg/Image", data: cdrBytes });
 *   ...
 *   await pipeline.close();                   // finishes accepted frames, stops the worker
 *
 * The message types a pipeline takes, and the frame kind each becomes, are one table
 * (INPUT_KINDS in input-kinds.ts). A source that must not lose frames (bag replay) awaits
 * `pipeline.capacityAvailable()` before each push.
 *
 * Event cameras: push `event_camera_msgs/msg/EventPacket` frames (CDR or decoded) like images;
 * the pipeline decodes every packet in order, cuts windows of sensor time (event-windows.ts;
 * `options.events.windowMs`, default timesteps · dt) and classifies each window, dropping whole
 * windows when the worker falls behind (stats().events counts packets, events and drops). `latestWins` is the back-pressure operator itself, reusable on any stream.
 *
 * Event cameras: push `event_camera_msgs/msg/EventPacket` frames (CDR or decoded) like images;
 * the pipeline decodes every packet in order, cuts windows of sensor time (event-windows.ts;
 * `options.events.windowMs`, default timesteps · dt) and classifies each window, dropping whole
 * windows when the worker falls behind (stats().events counts packets, events and drops).
 */
export { createPipeline } from "./pipeline.js";
export { checkPipeline } from "./check-pipeline.js";
export {
  INPUT_KINDS,
  INPUT_MESSAGE_TYPES,
  INPUT_FRAME_KINDS,
  isInputMessageType,
  type InputKindInfo,
} from "./input-kinds.js";
export { latestWins, type DropCause, type LatestWinsOptions } from "./latest-wins.js";
export {
  EventWindower,
  eventWindows,
  type EventWindow,
  type EventWindowerOptions,
  type TimedEvents,
  type TimedPacket,
} from "./event-windows.js";
export { RateMeter } from "./rate-meter.js";
export { continuousTicks, stampSeconds, type ContinuousTicks } from "./presentation.js";
export {
  SyntheticCamera,
  SYNTHETIC_ENCODINGS,
  type SyntheticCameraOptions,
  type SyntheticEncoding,
} from "./synthetic-camera.js";
export type * from "./types.js";
export { NOMINAL_FRAME_RATE } from "./types.js";
