/**
 * Each local model is used as it was trained: BGE expects an instruction before a search query
 * (and CLS pooling), sentence-transformers models such as MiniLM take the query as it is.
 */
import { describe, expect, it } from "vitest";
import { LocalEmbedder } from "./local.js";

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
