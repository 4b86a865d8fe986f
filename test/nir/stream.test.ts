/**
 * `--model FILE.nir` in the stream worker (replay, run, the node): a NIR graph is imported in the
 * worker at the pipeline's dt, camera frames reach its external input as a constant current
 * (src/stream/external-input.ts), and inputs that are no image are refused at load naming why.
 * The file replayed is a real NIR graph our exporter wrote (the golden 784-512-512-10 network,
 * approximated); its replayed spike counts must equal a direct run of the imported graph on the
 * same preprocessed frames.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replayBag, type ReplayFrame } from "../../src/bag/replay/index.js";
import { ImagePreprocessor } from "../../src/image/index.js";
import { codecFor, type RawImage } from "../../src/messages/index.js";
import { importNirFile, writeNir } from "../../src/nir/index.js";
import { createNetwork, loadModel, parseModel } from "../../src/snn/index.js";
import { FIXTURE_MODEL, SAMPLE_BAG, imageMessages, tempDir } from "../replay/helpers.js";
import { fixture } from "./helpers.js";

const DT = 1e-3;
const TICKS = 30;

describe("replaying a bag with a .nir model", () => {
  it("imports the graph in the worker at --dt and feeds each frame as a constant current; spike counts equal a direct run", async () => {
    const dir = tempDir("spikenode-nir-stream-");
    const file = join(dir, "golden.nir");
    await writeNir(await loadModel(FIXTURE_MODEL), file, { approximate: true });
    const frames: ReplayFrame[] = [];
    const summary = await replayBag({
      bag: SAMPLE_BAG,
      model: file,
      out: join(dir, "out"),
      limit: 4,
      timesteps: TICKS,
      pipeline: { dt: DT },
      onFrame: (f) => frames.push(f),
    });
    expect(summary).toMatchObject({ frames: 4, classified: 4, errors: 0, dropped: 0 });
    expect(summary.model).toMatchObject({
      name: "golden",
      encoder: "constant",
      dt: DT,
      timesteps: TICKS,
    });

    // The same frames, by hand: preprocess, then the imported graph ticked on the pixels.
    const { spec, weights } = await importNirFile(file, { dt: DT, timesteps: TICKS });
    const model = parseModel(
      { ...spec, input: { ...spec.input, encoder: { type: "constant", gain: 1, bias: 0 } } },
      weights,
      file,
    );
    const net = createNetwork(model);
    const pre = new ImagePreprocessor(model.spec.input);
    const codec = codecFor("sensor_msgs/msg/Image");
    const messages = (await imageMessages(SAMPLE_BAG, "/camera/image_raw")).slice(0, 4);
    let spikes = 0;
    for (const [k, m] of messages.entries()) {
      const tensor = pre.fromRaw(codec.decode(m.data) as RawImage, `frame ${k}`);
      const direct = Array.from(net.run(tensor, TICKS).scores);
      expect(frames[k].result!.outputSpikeCounts).toEqual(direct);
      spikes += direct.reduce((a, b) => a + b, 0);
    }
    // Not a silent network: the comparison compares spikes.
    expect(spikes).toBeGreaterThan(0);
  });

  it("refuses a graph whose input no camera frame fits, naming the file and why", async () => {
    const dir = tempDir("spikenode-nir-stream-");
    for (const [name, why] of [
      ["cnn_sinabs.nir", /cnn_sinabs\.nir takes 2 channels per pixel \(input \[2, 34, 34\]\)/],
      ["lif_norse.nir", /lif_norse\.nir takes 1 values per step .*--input-shape C,H,W/],
    ] as const) {
      const err = await replayBag({
        bag: SAMPLE_BAG,
        model: fixture(name),
        out: join(dir, name),
        limit: 1,
      }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(why);
    }
  });
});
