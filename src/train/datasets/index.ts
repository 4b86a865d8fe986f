/** Opens a dataset by name. */
import { loadCifar10 } from "./cifar10.js";
import { FASHION_MNIST_DIR, loadFashionMnist } from "./fashion-mnist.js";
import { loadMnistPackage } from "./mnist-package.js";
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
