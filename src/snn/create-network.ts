import type { Model } from "./model.js";
import type { Network, NetworkOptions } from "./network.js";
import { FastNetwork } from "./fast.js";
import { ReferenceNetwork } from "./reference.js";

/** A network in its initial (all-zero) state. */
export function createNetwork(model: Model, options: NetworkOptions = {}): Network {
  const engine = options.engine ?? "fast";
  if (engine === "reference") return new ReferenceNetwork(model);
  if (engine === "fast") return new FastNetwork(model);
  throw new RangeError(`unknown engine "${String(engine)}"; use "fast" or "reference"`);
}
