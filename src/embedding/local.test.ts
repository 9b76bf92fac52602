/**
 * Each local model is used as it was trained: BGE expects an instruction before a search query
 * (and CLS pooling), sentence-transformers models such as MiniLM take the query as it is. The
 * model's thread runs niced, so that work using no model keeps the cores first.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalEmbedder } from "./local.js";
import { MODEL_THREAD_NICE } from "../models/model-priority.js";
import { threadsByNice } from "../../test/support/threads.js";

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

describe("LocalEmbedder's thread", () => {
  it("runs niced (MODEL_THREAD_NICE) with the pool threads it starts, while the rest of the process does not", async () => {
    const local = new LocalEmbedder({
      model: "Xenova/all-MiniLM-L6-v2",
      modelDir: process.env.ENGRAM_MODEL_DIR ?? ".models",
      dtype: "q8",
    });
    const before = threadsByNice().get(MODEL_THREAD_NICE) ?? 0;
    try {
      await local.ready();
      // The model's thread and at least one pool thread of its session.
      expect((threadsByNice().get(MODEL_THREAD_NICE) ?? 0) - before).toBeGreaterThanOrEqual(2);
      expect(threadsByNice().get(0)).toBeGreaterThan(0);
    } finally {
      await local.close();
    }
  });
});
