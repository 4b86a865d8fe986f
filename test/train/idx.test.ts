import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeIdx, parseIdx } from "../../src/train/datasets/idx.js";
import { parseCifar10 } from "../../src/train/datasets/cifar10.js";
import { loadFashionMnist } from "../../src/train/datasets/fashion-mnist.js";
import { loadMnistPackage } from "../../src/train/datasets/mnist-package.js";

const FIXTURE = new URL("../fixtures/train/fashion-mnist", import.meta.url).pathname;

describe("IDX reader", () => {
  it("round-trips plain and gzipped files", () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const bytes = encodeIdx([2, 3, 4], data);
    for (const b of [bytes, new Uint8Array(gzipSync(bytes))]) {
      const idx = parseIdx(b, "x.idx");
      expect(idx.dims).toEqual([2, 3, 4]);
      expect(Array.from(idx.data)).toEqual(Array.from(data));
    }
  });

  it("rejects bad magic, data type, dimensions and truncation with clear messages", () => {
    const good = encodeIdx([2, 2], new Uint8Array(4));
    const bad = (mutate: (b: Uint8Array) => Uint8Array) => () =>
      parseIdx(mutate(good.slice()), "f.idx");
    expect(bad((b) => ((b[0] = 8), b))).toThrow(/f\.idx: not an IDX file/);
    expect(bad((b) => ((b[2] = 0x0d), b))).toThrow(/data type 0d unsupported/);
    expect(bad((b) => ((b[3] = 0), b))).toThrow(/0 dimensions/);
    expect(bad((b) => b.subarray(0, 9))).toThrow(/truncated IDX header/);
    expect(bad((b) => b.subarray(0, b.length - 1))).toThrow(
      /truncated: dimensions \[2, 2\] need 4 data bytes, file has 3/,
    );
    expect(bad((b) => ((b[7] = 0), b))).toThrow(/dimension 0 is 0/);
    expect(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), "g.gz")).toThrow(
      /g\.gz: corrupt gzip/,
    );
  });

  it("never fails with anything but a user-facing error on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          parseIdx(bytes, "fuzz");
        } catch (err) {
          expect((err as { userFacing?: boolean }).userFacing).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("reads the committed Fashion-MNIST fixture and names the Debian package when files are missing", () => {
    const test = loadFashionMnist("test", FIXTURE);
    expect(test.count).toBe(500);
    expect(test.shape).toEqual([1, 28, 28]);
    expect(new Set(test.labels).size).toBe(10);
    expect(() => loadFashionMnist("test", "/nonexistent-dir")).toThrow(
      /apt-get install dataset-fashion-mnist/,
    );
  });
});

describe("CIFAR-10 binary reader", () => {
  it("reads records (label + R, G, B planes) into HWC and rejects truncated files", () => {
    const rec = new Uint8Array(2 * 3073);
    rec[0] = 3;
    rec[3073] = 9;
    // Pixel (0, 1) of image 0: R = 10, G = 20, B = 30.
    rec[1 + 1] = 10;
    rec[1 + 1024 + 1] = 20;
    rec[1 + 2048 + 1] = 30;
    const set = parseCifar10(rec, "synthetic.bin");
    expect(set.count).toBe(2);
    expect(Array.from(set.labels)).toEqual([3, 9]);
    expect(set.shape).toEqual([3, 32, 32]);
    expect(Array.from(set.pixels.subarray(3, 6))).toEqual([10, 20, 30]);
    expect(() => parseCifar10(rec.subarray(0, 3000), "short.bin")).toThrow(
      /short\.bin: 3000 bytes is not a whole number/,
    );
    const badLabel = rec.slice();
    badLabel[0] = 12;
    expect(() => parseCifar10(badLabel, "b.bin")).toThrow(/label 12/);
  });
});

describe("mnist package", () => {
  it("splits its 10k digits deterministically, 80 % of each digit for training", () => {
    const train = loadMnistPackage("train");
    const test = loadMnistPackage("test");
    expect(train.count + test.count).toBe(10000);
    expect(train.count).toBeGreaterThan(7900);
    expect(new Set(test.labels).size).toBe(10);
    expect(loadMnistPackage("test").pixels).toEqual(test.pixels);
  });
});
