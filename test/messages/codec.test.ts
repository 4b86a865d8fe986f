import { readFileSync } from "node:fs";
import fc from "fast-check";
import { parse } from "@foxglove/rosmsg";
import { describe, expect, it } from "vitest";
import {
  BUNDLED_DEFINITIONS,
  CdrDecodeError,
  CdrEncodeError,
  MessageDefinitionError,
  bundledTypes,
  codecFor,
  codecFromSchema,
  fullTypeName,
  ros2msgSchemaText,
  shortTypeName,
} from "../../src/messages/index.js";
import { arbitraryMessage } from "./arbitrary.js";

const header = {
  stamp: { sec: 1700000000, nanosec: 33_333_333 },
  frame_id: "camera_optical_frame",
};

describe("bundled definitions", () => {
  it("cover every type we read or write", () => {
    expect(bundledTypes().sort()).toEqual(
      [
        "builtin_interfaces/msg/Duration",
        "builtin_interfaces/msg/Time",
        "diagnostic_msgs/msg/DiagnosticArray",
        "diagnostic_msgs/msg/DiagnosticStatus",
        "diagnostic_msgs/msg/KeyValue",
        "event_array_msgs/msg/EventArray",
        "event_camera_msgs/msg/EventPacket",
        "sensor_msgs/msg/CompressedImage",
        "sensor_msgs/msg/Image",
        "spikenode/msg/PowerEstimate",
        "spikenode/msg/SpikeClassification",
        "std_msgs/msg/Header",
        "vision_msgs/msg/Classification",
        "vision_msgs/msg/LabelInfo",
        "vision_msgs/msg/ObjectHypothesis",
        "vision_msgs/msg/VisionClass",
        "vision_msgs/msg/VisionInfo",
      ].sort(),
    );
  });

  it.each(["SpikeClassification", "PowerEstimate"])("embed msg/%s.msg exactly", (name) => {
    const file = readFileSync(new URL(`../../msg/${name}.msg`, import.meta.url), "utf8");
    expect(BUNDLED_DEFINITIONS[`spikenode/msg/${name}`]).toBe(file);
  });

  it.each(["SpikeClassification", "PowerEstimate"])("msg/%s.msg is valid for rosidl", (name) => {
    const text = BUNDLED_DEFINITIONS[`spikenode/msg/${name}`];
    const [root] = parse(ros2msgSchemaText(`spikenode/msg/${name}`), { ros2: true });
    expect(root.definitions.length).toBeGreaterThan(3);
    for (const field of root.definitions) {
      // rosidl: lowercase, starts with a letter, no double or trailing underscore
      expect(field.name).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    }
    // every field is documented: each field line follows a comment line
    const lines = text.split("\n");
    lines.forEach((line, i) => {
      if (/^[a-z]/.test(line)) expect(lines.slice(0, i).some((l) => l.startsWith("#"))).toBe(true);
    });
  });

  it("schema text has the ros2msg layout: 80 '=' separators and MSG: lines, each dependency once", () => {
    const text = ros2msgSchemaText("vision_msgs/msg/Classification");
    const sections = text.split(`${"=".repeat(80)}\n`);
    expect(sections[0].startsWith("# Classification result")).toBe(true);
    const names = sections.slice(1).map((s) => s.split("\n")[0]);
    expect(names).toEqual([
      "MSG: std_msgs/Header",
      "MSG: builtin_interfaces/Time",
      "MSG: vision_msgs/ObjectHypothesis",
    ]);
    expect(
      text
        .split("\n")
        .filter((l) => l.startsWith("="))
        .every((l) => l === "=".repeat(80)),
    ).toBe(true);
  });

  it("schema of Image parses to the same definitions as the one an independent writer stored", () => {
    // As mcap-ros2-support writes it (the schema of test/fixtures/bags/fm_mono8_20.mcap).
    const independent =
      "std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n" +
      `${"=".repeat(80)}\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n` +
      `${"=".repeat(80)}\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n`;
    expect(parse(ros2msgSchemaText("sensor_msgs/msg/Image"), { ros2: true })).toEqual(
      parse(independent, { ros2: true }),
    );
  });

  it("type names normalise both ways and bad names are refused", () => {
    expect(fullTypeName("sensor_msgs/Image")).toBe("sensor_msgs/msg/Image");
    expect(shortTypeName("sensor_msgs/msg/Image")).toBe("sensor_msgs/Image");
    expect(() => fullTypeName("Image")).toThrow(MessageDefinitionError);
    expect(() => codecFor("geometry_msgs/msg/Twist")).toThrow(
      /no bundled definition for geometry_msgs\/msg\/Twist/,
    );
  });
});

describe("CDR round trips", () => {
  it.each(Object.keys(BUNDLED_DEFINITIONS))(
    "%s: decode(encode(x)) equals x for arbitrary values",
    (type) => {
      const codec = codecFor(type);
      fc.assert(
        fc.property(arbitraryMessage(ros2msgSchemaText(type)), (msg) => {
          const bytes = codec.encode(msg);
          expect(bytes.byteOffset).toBe(0);
          expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
          expect(codec.decode(bytes)).toEqual(msg);
        }),
        { numRuns: 60 },
      );
    },
  );

  it("the codec is cached and accepts short names", () => {
    expect(codecFor("sensor_msgs/Image")).toBe(codecFor("sensor_msgs/msg/Image"));
  });

  it("writes the exact bytes of a known Image (little-endian CDR, aligned fields)", () => {
    const bytes = codecFor("sensor_msgs/msg/Image").encode({
      header: { stamp: { sec: 1, nanosec: 2 }, frame_id: "ab" },
      height: 1,
      width: 2,
      encoding: "mono8",
      is_bigendian: 0,
      step: 2,
      data: new Uint8Array([7, 9]),
    });
    // prettier-ignore
    expect(Array.from(bytes)).toEqual([
      0, 1, 0, 0, // CDR_LE
      1, 0, 0, 0, 2, 0, 0, 0, // stamp
      3, 0, 0, 0, 97, 98, 0, 0, // "ab\0" + pad
      1, 0, 0, 0, 2, 0, 0, 0, // height, width
      6, 0, 0, 0, 109, 111, 110, 111, 56, 0, // "mono8\0"
      0, 0, // is_bigendian + pad to 4
      2, 0, 0, 0, // step
      2, 0, 0, 0, 7, 9, // data
    ]);
  });

  it("decodes uint8[] without copying, and encodes plain arrays and numbers for 64-bit fields", () => {
    const codec = codecFor("sensor_msgs/msg/CompressedImage");
    const bytes = codec.encode({ header, format: "png", data: [1, 2, 3] });
    const msg = codec.decode(bytes);
    expect(msg.data.buffer).toBe(bytes.buffer);
    expect(Array.from(msg.data)).toEqual([1, 2, 3]);
    const power = codecFor("spikenode/msg/PowerEstimate");
    const p = power.decode(
      power.encode({
        header,
        synaptic_ops: 12_345_678_901,
        neuron_updates: 3n,
        layer_firing_rates_hz: [4.5],
      }),
    );
    expect(p.synaptic_ops).toBe(12_345_678_901n);
    expect(p.neuron_updates).toBe(3n);
    expect(p.ann_macs).toBe(0n); // fields not given take their defaults
    expect(Array.from(p.layer_firing_rates_hz)).toEqual([4.5]);
  });

  it("keeps non-ASCII strings whole (works around @foxglove/cdr 3.5.0 writing UTF-16 lengths)", () => {
    const codec = codecFor("vision_msgs/msg/LabelInfo");
    const msg = {
      header: { ...header, frame_id: "kamera_ü" },
      class_map: [{ class_id: 1, class_name: "T-Shirt/Oberteil ✓ 😀" }],
      threshold: 0.5,
    };
    const bytes = codec.encode(msg);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    expect(codec.decode(bytes)).toEqual(msg);
  });

  it("encode refuses what cannot be written, naming the type", () => {
    const power = codecFor("spikenode/msg/PowerEstimate");
    expect(() => power.encode({ synaptic_ops: 1.5 } as never)).toThrow(CdrEncodeError);
    expect(() => power.encode(null as never)).toThrow(
      /cannot encode spikenode\/msg\/PowerEstimate/,
    );
  });
});

describe("decoding bad bytes", () => {
  const image = codecFor("sensor_msgs/msg/Image");
  const valid = image.encode({
    header,
    height: 4,
    width: 4,
    encoding: "mono8",
    step: 4,
    data: new Uint8Array(16).fill(200),
  });

  it("every truncation of a valid message throws CdrDecodeError, in its own buffer or inside a larger one", () => {
    const used = valid.byteLength - 0; // no trailing padding in this message
    for (let k = 0; k < used; k++) {
      expect(() => image.decode(valid.slice(0, k)), `slice ${k}`).toThrow(CdrDecodeError);
      expect(() => image.decode(valid.subarray(0, k)), `subarray ${k}`).toThrow(CdrDecodeError);
    }
    expect(image.decode(valid).data.length).toBe(16);
  });

  it("names the type, the size and the likely cause", () => {
    expect(() => image.decode(valid.slice(0, 30))).toThrow(
      /^cannot decode sensor_msgs\/msg\/Image from 30 bytes: .*; the data is truncated, corrupt or of another type$/,
    );
    expect(() => image.decode(new Uint8Array([0, 3, 0, 0, 1, 2, 3, 4]))).toThrow(
      /encapsulation identifier 0x0003 is not plain CDR/,
    );
    expect(() => image.decode(new Uint8Array(2))).toThrow(
      /shorter than the 4-byte CDR encapsulation header/,
    );
  });

  it.each(Object.keys(BUNDLED_DEFINITIONS))(
    "%s: random bytes either decode or throw CdrDecodeError",
    (type) => {
      const codec = codecFor(type);
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 300 }),
          fc.constantFrom(0, 1, 6, 7),
          fc.boolean(),
          (body, kind, inLargerBuffer) => {
            const bytes = new Uint8Array(4 + body.length);
            bytes[1] = kind;
            bytes.set(body, 4);
            const input = inLargerBuffer
              ? new Uint8Array([...bytes, 1, 2, 3, 4, 5, 6, 7, 8]).subarray(0, bytes.length)
              : bytes;
            try {
              codec.decode(input);
            } catch (err) {
              expect(err).toBeInstanceOf(CdrDecodeError);
            }
          },
        ),
        { numRuns: 300 },
      );
    },
  );

  it("bit flips in a valid message either decode or throw CdrDecodeError", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.integer({ min: 0, max: 7 }),
        (at, bit) => {
          const bytes = valid.slice();
          bytes[at] ^= 1 << bit;
          try {
            image.decode(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(CdrDecodeError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("schemas stored in bags", () => {
  it("decode with the stored text and are cached by text", () => {
    const text = ros2msgSchemaText("sensor_msgs/msg/CompressedImage");
    const a = codecFromSchema("sensor_msgs/msg/CompressedImage", text, "ros2msg");
    expect(codecFromSchema("sensor_msgs/CompressedImage", text)).toBe(a);
    const bytes = codecFor("sensor_msgs/msg/CompressedImage").encode({
      header,
      format: "jpeg",
      data: [9],
    });
    expect(a.decode(bytes).format).toBe("jpeg");
  });

  it("refuse unusable schemas with a reason", () => {
    expect(() => codecFromSchema("pkg/msg/T", "bool a\n---\nbool b")).toThrow(
      /not valid ROS 2 .msg text/,
    );
    expect(() => codecFromSchema("pkg/msg/T", "Other thing")).toThrow(
      /not valid ROS 2 .msg text: .*'Other'/,
    );
    expect(() => codecFromSchema("pkg/msg/T", "module x {};", "ros2idl")).toThrow(
      /"ros2msg" schemas only/,
    );
    expect(() => codecFromSchema("pkg/msg/T", "")).toThrow(/empty/);
  });
});
