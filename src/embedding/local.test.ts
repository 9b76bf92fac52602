/**
 * Each local model is used as it was trained: BGE expects an instruction before a search query
 * (and CLS pooling), sentence-transformers models such as MiniLM take the query as it is.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalEmbedder, laneThreads } from "./local.js";

const embedder = (model: string) => new LocalEmbedder({ model, modelDir: "/nonexistent", dtype: "q8" });

describe("LocalEmbedder.queryText", () => {
  it("leaves a MiniLM query as it is", () => {
    expect(embedder("Xenova/all-MiniLM-L6-v2").queryText("who is overworked?")).toBe("who is overworked?");
  });

  it("puts BGE's retrieval instruction before the query", () => {
    expect(embedder("BAAI/bge-small-en-v1.5").queryText("who is overworked?")).toBe(
      "Represent this sentence for searching relevant passages: who is overworked?",
    );
  });

  it("names the model and weights in its id, which every embedded row records", () => {
    expect(embedder("BAAI/bge-small-en-v1.5").id).toBe("local:BAAI/bge-small-en-v1.5:q8");
  });
});

describe("laneThreads", () => {
  it("runs a query on one thread, and a background call on every core", () => {
    expect(laneThreads("query")).toBe(1);
    expect(laneThreads("background")).toBeUndefined();
  });
});

describe("LocalEmbedder.declaredDimensions", () => {
  it("reads the hidden size from the model's config.json, and knows nothing while the model is missing", async () => {
    const modelDir = await mkdtemp(join(tmpdir(), "engram-model-"));
    try {
      const local = new LocalEmbedder({ model: "example/wide", modelDir, dtype: "q8" });
      expect(await local.declaredDimensions()).toBeUndefined();
      await mkdir(join(modelDir, "example/wide"), { recursive: true });
      await writeFile(join(modelDir, "example/wide/config.json"), JSON.stringify({ hidden_size: 768 }));
      expect(await local.declaredDimensions()).toBe(768);
      await writeFile(join(modelDir, "example/wide/config.json"), "{ not json");
      expect(await local.declaredDimensions()).toBeUndefined();
    } finally {
      await rm(modelDir, { recursive: true, force: true });
    }
  });
});

describe("LocalEmbedder without its model's files", () => {
  it("fails to load with the model, the directory it looked in and the command that fetches it", async () => {
    const modelDir = await mkdtemp(join(tmpdir(), "engram-no-models-"));
    const missing = new LocalEmbedder({ model: "Xenova/all-MiniLM-L6-v2", modelDir, dtype: "q8" });
    try {
      await expect(missing.ready()).rejects.toThrow(
        `model Xenova/all-MiniLM-L6-v2 is missing from ${modelDir} (${join(modelDir, "Xenova/all-MiniLM-L6-v2")} ` +
          `lacks some of its files): fetch it with \`npm run fetch-model -- --model Xenova/all-MiniLM-L6-v2 ${modelDir}\``,
      );
    } finally {
      await missing.close();
      await rm(modelDir, { recursive: true, force: true });
    }
  });
});
