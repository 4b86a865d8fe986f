/** Opens a dataset by name. */
import { CIFAR10_CLASSES, loadCifar10 } from "./cifar10.js";
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from "./fashion-mnist.js";
import { MNIST_CLASSES, loadMnistPackage } from "./mnist-package.js";
import { datasetError, type ImageSet } from "./types.js";

export type DatasetName = "fashion-mnist" | "mnist" | "cifar10";

export function loadDataset(
  name: DatasetName,
  split: "train" | "test",
  dataDir?: string,
): ImageSet {
  if (name === "fashion-mnist") return loadFashionMnist(split, dataDir ?? FASHION_MNIST_DIR);
  if (name === "mnist") return loadMnistPackage(split);
  if (name === "cifar10") {
    if (!dataDir)
      throw datasetError(
        "CIFAR-10 needs --data-dir <directory with data_batch_1.bin … test_batch.bin>",
      );
    return loadCifar10(split, dataDir);
  }
  throw datasetError(
    `unknown dataset "${name as string}" (expected fashion-mnist, mnist or cifar10)`,
  );
}

/** A dataset's class names without reading its files (exporting needs no data on disk). */
export function datasetClasses(name: DatasetName): string[] {
  const classes = {
    "fashion-mnist": FASHION_MNIST_CLASSES,
    mnist: MNIST_CLASSES,
    cifar10: CIFAR10_CLASSES,
  }[name];
  if (!classes) throw datasetError(`unknown dataset "${name as string}"`);
  return [...classes];
}
