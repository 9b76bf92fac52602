/**
 * The batcher is the one way texts reach the embedder: concurrent callers share calls, each gets
 * the vector of its own text, a text is computed once, and a failure reaches only the callers
 * whose texts it concerns.
 */
import { describe, expect, it } from "vitest";
import { EmbeddingBatcher } from "./batcher.js";
import { PermanentEmbeddingError, type Embedder, type Lane } from "./embedder.js";

/** A vector that names its text: [length, first char code, last char code]. */
const signature = (text: string) => [text.length, text.charCodeAt(0), text.charCodeAt(text.length - 1)];

/** Records its calls; each takes a few ms and may refuse texts (permanently) or fail outright. */
class ScriptedEmbedder implements Embedder {
  readonly id = "test:scripted";
  readonly dimensions = 3;
  readonly calls: string[][] = [];
  refuse = (_text: string) => false;
  down = false;
  async ready(): Promise<void> {}
  /** While set, a background call waits for it to resolve before it answers. */
  gate: Promise<void> | undefined;
  async embed(texts: string[], lane: Lane = "background"): Promise<number[][]> {
    this.calls.push(texts);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (lane === "background") await this.gate;
    if (this.down) throw new Error("connect ECONNREFUSED");
    const refused = texts.find((t) => this.refuse(t));
    if (refused !== undefined) throw new PermanentEmbeddingError(`input refused: ${refused}`);
    // Out of order inside the call would be a bug; the result is in request order.
    return texts.map(signature);
  }
}

const batcherOf = (embedder: Embedder, maxBatch = 64, maxCallTokens = 100_000) =>
  new EmbeddingBatcher(embedder, { maxBatch, maxCallTokens, cacheSize: 100 });

describe("EmbeddingBatcher", () => {
  it("gives 200 concurrent callers each its own text's vector, in calls of at most maxBatch", async () => {
    const embedder = new ScriptedEmbedder();
    const batcher = batcherOf(embedder, 16);
    const texts = Array.from({ length: 200 }, (_, i) => `${String.fromCharCode(97 + (i % 26))} note ${i}`);
    const vectors = await Promise.all(texts.map((text) => batcher.embed([text]).then(([v]) => v)));
    vectors.forEach((vector, i) => expect(vector).toEqual(signature(texts[i] ?? "")));
    expect(embedder.calls.flat().sort()).toEqual([...texts].sort());
    expect(Math.max(...embedder.calls.map((c) => c.length))).toBe(16);
    expect(embedder.calls.length).toBe(Math.ceil(200 / 16));
  });

  it("computes a text asked for by several callers at once, or again later, once", async () => {
    const embedder = new ScriptedEmbedder();
    const batcher = batcherOf(embedder);
    const [a, b, c] = await Promise.all([
      batcher.embed(["same"]),
      batcher.embed(["same", "other"]),
      batcher.embed(["same"]),
    ]);
    expect(a).toEqual([signature("same")]);
    expect(b).toEqual([signature("same"), signature("other")]);
    expect(c).toEqual([signature("same")]);
    await batcher.embed(["same"]);
    expect(embedder.calls.flat().filter((t) => t === "same")).toHaveLength(1);
  });

  it("fails only the callers of a refused text when it shares a call with others", async () => {
    const embedder = new ScriptedEmbedder();
    embedder.refuse = (text) => text === "poison";
    const batcher = batcherOf(embedder);
    const texts = ["alpha", "bravo", "poison", "delta", "echo"];
    const settled = await Promise.allSettled(texts.map((text) => batcher.embed([text])));
    expect(embedder.calls[0]).toEqual(texts);
    settled.forEach((result, i) => {
      if (texts[i] === "poison") {
        expect(result.status).toBe("rejected");
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(PermanentEmbeddingError);
      } else {
        expect(result).toEqual({ status: "fulfilled", value: [signature(texts[i] ?? "")] });
      }
    });
  });

  it("fails the callers of a failed call, and only them, and tries their texts again on the next request", async () => {
    const embedder = new ScriptedEmbedder();
    const batcher = batcherOf(embedder);
    embedder.down = true;
    const failed = await Promise.allSettled([batcher.embed(["one"]), batcher.embed(["two"])]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    embedder.down = false;
    const [later, fresh] = await Promise.all([batcher.embed(["one"]), batcher.embed(["three"])]);
    expect(later).toEqual([signature("one")]);
    expect(fresh).toEqual([signature("three")]);
    expect(embedder.calls).toEqual([
      ["one", "two"],
      ["one", "three"],
    ]);
  });

  it("computes a search's query at once, beside the background call under way, not behind the backlog", async () => {
    const embedder = new ScriptedEmbedder();
    let open!: () => void;
    embedder.gate = new Promise((resolve) => (open = resolve));
    const batcher = batcherOf(embedder, 2);
    const background = ["w1", "w2", "w3", "w4", "w5", "w6"].map((text) => batcher.embed([text]));
    // The first background call is under way, and held there, when the query arrives.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await batcher.embed(["the query"], "query")).toEqual([signature("the query")]);
    expect(embedder.calls).toEqual([["w1", "w2"], ["the query"]]);
    open();
    await Promise.all(background);
    expect(embedder.calls).toEqual([["w1", "w2"], ["the query"], ["w3", "w4"], ["w5", "w6"]]);
  });

  it("moves a text a write queued into the query lane when a query asks for it", async () => {
    const embedder = new ScriptedEmbedder();
    let open!: () => void;
    embedder.gate = new Promise((resolve) => (open = resolve));
    const batcher = batcherOf(embedder, 1);
    const background = ["w1", "w2", "shared text"].map((text) => batcher.embed([text]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await batcher.embed(["shared text"], "query")).toEqual([signature("shared text")]);
    open();
    await Promise.all(background);
    expect(embedder.calls).toEqual([["w1"], ["shared text"], ["w2"]]);
  });

  it("puts a write's texts before the worker's backlog, in the order the writes came", async () => {
    const embedder = new ScriptedEmbedder();
    let open!: () => void;
    embedder.gate = new Promise((resolve) => (open = resolve));
    const batcher = batcherOf(embedder, 2);
    const backlog = batcher.embed(["b1", "b2", "b3", "b4", "b5", "b6"]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The worker's first call is under way; two writes arrive, then the query moves b6 out.
    const writes = [batcher.embed(["w1"], "background", true), batcher.embed(["w2", "w3"], "background", true)];
    expect(await batcher.embed(["b6"], "query")).toEqual([signature("b6")]);
    open();
    await Promise.all([backlog, ...writes]);
    expect(embedder.calls).toEqual([["b1", "b2"], ["b6"], ["w1", "w2"], ["w3", "b3"], ["b4", "b5"]]);
  });

  it("keeps each call within maxCallTokens, padded to its longest text", async () => {
    const embedder = new ScriptedEmbedder();
    const batcher = batcherOf(embedder, 64, 1024);
    const long = ["a", "b", "c", "d", "e"].map((c) => c.repeat(50_000));
    const short = Array.from({ length: 40 }, (_, i) => `short note ${i}`);
    await Promise.all([...long, ...short].map((text) => batcher.embed([text])));
    // A long text reads 512 tokens, and a short one beside it is padded to 512: two texts fit 1024.
    // Short ones alone (6 tokens each, estimated) share one call.
    expect(embedder.calls.map((c) => c.length)).toEqual([2, 2, 2, 39]);
    expect(embedder.calls[2]).toEqual([long[4], short[0]]);
  });

  it("computes a text again once its kept vector is forgotten (an erasure)", async () => {
    const embedder = new ScriptedEmbedder();
    const batcher = batcherOf(embedder);
    await batcher.embed(["secret note"]);
    await batcher.embed(["secret note"]);
    expect(embedder.calls).toEqual([["secret note"]]);
    batcher.forgetRecent();
    await batcher.embed(["secret note"]);
    expect(embedder.calls).toEqual([["secret note"], ["secret note"]]);
  });
});
