import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveModel } from "../../src/ros/model-info.js";
import { BUILTIN_PROFILES, DEFAULT_PROFILE } from "../../src/power/index.js";
import {
  checkParameters,
  DEFAULT_POWER_PROFILE,
  defaultParams,
  PARAM_SPECS,
  topicNameProblem,
  type CheckContext,
} from "../../src/ros/parameters.js";
import { parseEncoderParam, pipelineKey, pipelineOptions } from "../../src/ros/pipeline-options.js";
import { imageSubscription } from "../../src/ros/topics.js";
import { writeModelDir } from "./helpers.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";

const ctx: CheckContext = {
  resolveModel: (v) => (v === "ok" ? { dir: "/m", spec: {} as never } : `model "${v}": missing`),
};

describe("parameter checks", () => {
  it("defaults to the power model's default profile, which is built in", () => {
    expect(DEFAULT_POWER_PROFILE).toBe(DEFAULT_PROFILE);
    expect(BUILTIN_PROFILES.map((p) => p.name)).toContain(DEFAULT_POWER_PROFILE);
  });

  it("accepts every default (with a model that resolves)", () => {
    expect(checkParameters({ ...defaultParams(), model: "ok" }, ctx)).toBeNull();
  });

  it("enforces each numeric range at its bounds", () => {
    for (const spec of PARAM_SPECS) {
      if (spec.min === undefined || spec.max === undefined || spec.name === "dt") continue;
      const int = spec.kind === "integer";
      const below = int ? spec.min - 1 : spec.min - spec.min / 2 - 1e-9;
      expect(
        checkParameters({ [spec.name]: int ? BigInt(spec.min) : spec.min }, ctx),
        spec.name,
      ).toBeNull();
      expect(
        checkParameters({ [spec.name]: int ? BigInt(spec.max) : spec.max }, ctx),
        spec.name,
      ).toBeNull();
      expect(checkParameters({ [spec.name]: int ? BigInt(below) : below }, ctx), spec.name).toMatch(
        /is out of range/,
      );
      expect(
        checkParameters({ [spec.name]: int ? BigInt(spec.max + 1) : spec.max * 1.01 }, ctx),
        spec.name,
      ).toMatch(/is out of range/);
    }
  });

  it("names the parameter, the value and what is allowed", () => {
    expect(checkParameters({ top_k: 2.5 }, ctx)).toBe("top_k: expected an integer, got number 2.5");
    expect(checkParameters({ compressed: "yes" }, ctx)).toBe(
      'compressed: expected true or false, got the string "yes"',
    );
    expect(checkParameters({ presentation: "loop" }, ctx)).toBe(
      'presentation: "loop" is not one of model, reset, continuous',
    );
    expect(checkParameters({ model: "nope" }, ctx)).toBe('model "nope": missing');
    expect(checkParameters({ power_profile: " " }, ctx)).toMatch(/power_profile: is empty/);
    expect(checkParameters({ power_profile: "x" }, { ...ctx, powerProfiles: ["a", "b"] })).toBe(
      'power_profile: "x" is not a known profile; known: a, b',
    );
    expect(checkParameters({ dt: 1e-7 }, ctx)).toMatch(/dt: 1e-7 s is too small a step/);
    expect(checkParameters({ dt: 0.0005 }, ctx)).toBeNull();
    expect(checkParameters({ unrelated: 5 } as never, ctx)).toBeNull();
  });

  it("knows valid and invalid ROS topic names", () => {
    for (const ok of ["image_raw", "/camera/image_raw", "~/image", "cam_1/image", "a"])
      expect(topicNameProblem(ok), ok).toBeNull();
    const bad: [string, RegExp][] = [
      ["", /empty/],
      ["/", /names no topic/],
      ["cam//img", /contains \/\//],
      ["cam/", /ends with \//],
      ["cam img", /whitespace/],
      ["cam-1", /may only contain/],
      ["a/~b", /~ at its start/],
      ["~img", /continue ~ with \//],
      ["/2cam/img", /starting with a digit/],
    ];
    for (const [name, why] of bad) expect(topicNameProblem(name), name).toMatch(why);
  });

  it("accepts any name built from valid tokens (property)", () => {
    const tokenArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
    fc.assert(
      fc.property(
        fc.array(tokenArb, { minLength: 1, maxLength: 4 }),
        fc.constantFrom("", "/", "~/"),
        (tokens, lead) => {
          expect(topicNameProblem(lead + tokens.join("/"))).toBeNull();
        },
      ),
    );
  });
});

describe("encoder parameter", () => {
  it("maps the shorthands, the model's encoder and JSON objects", () => {
    expect(parseEncoderParam("model")).toEqual({});
    expect(parseEncoderParam("poisson")).toEqual({ encoder: { type: "poisson", max_rate: 1000 } });
    expect(parseEncoderParam('{"type":"delta","threshold":0.2}')).toEqual({
      encoder: { type: "delta", threshold: 0.2 },
    });
    expect(parseEncoderParam("laser")).toMatch(
      /neither model, constant, poisson, delta nor a JSON encoder/,
    );
    expect(parseEncoderParam("{oops")).toMatch(/is not valid JSON/);
    expect(parseEncoderParam('{"type":"poisson","max_rate":-1}')).toMatch(/max_rate/);
  });

  it("builds pipeline options whose key changes exactly with what the pipeline depends on", () => {
    const model = { dir: "/models/x", spec: {} as never };
    const deserialize = () => {
      throw new Error("unused");
    };
    const base = pipelineOptions(defaultParams(), model, deserialize);
    expect(base).toMatchObject({
      model: "/models/x",
      timesteps: undefined,
      presentation: undefined,
      encoder: undefined,
      earlyExit: false,
      powerProfile: "cmos45-horowitz",
      topK: 5,
      maxImagePixels: 4096 * 4096,
    });
    const withExit = pipelineOptions(
      { ...defaultParams(), early_exit: true, timesteps: 40 },
      model,
      deserialize,
    );
    expect(withExit.earlyExit).toEqual({ margin: 3, holdTicks: 10 });
    expect(withExit.timesteps).toBe(40);
    expect(pipelineKey(withExit)).not.toBe(pipelineKey(base));
    expect(pipelineKey(pipelineOptions(defaultParams(), model, () => ({}) as never))).toBe(
      pipelineKey(base),
    );
  });
});

describe("model resolution", () => {
  it("takes a .nir file that exists and is HDF5 (the worker imports it), and refuses others naming the file", () => {
    const nir = fileURLToPath(new URL("../fixtures/nir/lif_norse.nir", import.meta.url));
    expect(resolveModel(nir)).toEqual({ dir: nir });
    const fake = path.join(mkdtempSync(path.join(tmpdir(), "spikenode-nir-")), "fake.nir");
    writeFileSync(fake, "not hdf5 at all");
    try {
      expect(resolveModel(fake)).toMatch(/fake\.nir is not an HDF5 file, so not NIR; export/);
    } finally {
      rmSync(path.dirname(fake), { recursive: true, force: true });
    }
    expect(resolveModel("missing.nir", ["/nowhere"])).toMatch(
      /model "missing.nir": no NIR file at .*\/nowhere\/missing.nir/,
    );
  });

  it("finds a model by path or by name under the search directories, and says what is wrong otherwise", () => {
    const dir = writeModelDir(["x", "y"]);
    const byPath = resolveModel(dir);
    expect(typeof byPath === "object" && byPath.spec?.labels).toEqual(["x", "y"]);
    const byName = resolveModel(path.basename(dir), [path.dirname(dir)]);
    expect(typeof byName === "object" && byName.dir).toBe(dir);
    expect(resolveModel("no-such-model", ["/nowhere"])).toMatch(
      /no model.json in .*\/nowhere\/no-such-model/,
    );
    writeFileSync(path.join(dir, "weights.bin"), new Uint8Array(3));
    expect(resolveModel(dir)).toMatch(/has 3 bytes where model.json says 128/);
    writeFileSync(path.join(dir, "model.json"), "{");
    expect(resolveModel(dir)).toMatch(/is not valid JSON/);
    writeFileSync(
      path.join(dir, "model.json"),
      JSON.stringify({ format: "spikenode-model", version: 2 }),
    );
    expect(resolveModel(dir)).toMatch(/is not a spikenode model file v1/);
  });
});

describe("image topic naming", () => {
  it("follows image_transport for compressed streams", () => {
    expect(imageSubscription("image_raw", false)).toEqual({
      topic: "image_raw",
      type: "sensor_msgs/msg/Image",
    });
    expect(imageSubscription("image_raw", true)).toEqual({
      topic: "image_raw/compressed",
      type: "sensor_msgs/msg/CompressedImage",
    });
    expect(imageSubscription("/cam/image_raw/compressed", true).topic).toBe(
      "/cam/image_raw/compressed",
    );
  });
});
