/**
 * Each text reaches the embedder once: a write that misses its time budget holds the job and
 * attaches the vector itself instead of having a worker compute it again, a write whose content the workspace
 * already stores reuses the stored vector, and concurrent writers share embedder calls.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddingStatus } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Embedder } from "../../../src/embedding/embedder.js";
import { DEFAULT_CONFIG } from "../../../src/config.js";
import { memoryClient } from "../../support/clients.js";
import { wordHashVector } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { eventually, unique } from "../search/search-support.js";
import { post } from "../../e2e/seeds/seed-support.js";

/** Records every text it is asked to embed, each call taking `delayMs`. */
class RecordingEmbedder implements Embedder {
  readonly id = "test:recording";
  readonly dimensions = 384;
  readonly calls: string[][] = [];
  delayMs = 0;
  async ready(): Promise<void> {}
  async embed(texts: string[]): Promise<number[][]> {
    this.calls.push(texts);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return texts.map(wordHashVector);
  }
  timesEmbedded(text: string): number {
    return this.calls.flat().filter((t) => t === text).length;
  }
}

describe("each text is embedded once", () => {
  const embedder = new RecordingEmbedder();
  let server: TestServer;
  let client: ReturnType<typeof memoryClient>;

  beforeAll(async () => {
    server = await startTestServer(
      { embedding: { ...DEFAULT_CONFIG.embedding, provider: "local", budgetMs: 500 } },
      { embedder },
    );
    client = memoryClient(server.baseUrl, server.adminKey);
  });
  afterAll(() => server.close());

  it("a write that misses its budget commits PENDING and attaches the vector it started, without the worker", async () => {
    await server.engram.worker.stop();
    embedder.delayMs = 1_500;
    const content = `slow vector ${unique("budget")}`;
    const res = await client.writeMemory({
      memory: { subjectType: "contact", subjectId: unique("s"), kind: "note", content },
    });
    expect(res.memory!.embeddingStatus).toBe(EmbeddingStatus.PENDING);
    await eventually(async () => {
      const { memory } = await client.getMemory({ id: res.memory!.id });
      return memory?.embeddingStatus === EmbeddingStatus.ATTACHED ? memory : undefined;
    });
    expect(embedder.timesEmbedded(content)).toBe(1);
    embedder.delayMs = 0;
    server.engram.worker.start();
  });

  it("a keyed write of unchanged content never calls the embedder", async () => {
    const memory = {
      subjectType: "contact",
      subjectId: unique("s"),
      kind: "pref",
      key: "channel",
      content: unique("c"),
    };
    const first = await client.writeMemory({ memory });
    expect(first.memory!.embeddingStatus).toBe(EmbeddingStatus.ATTACHED);
    const calls = embedder.calls.length;
    const second = await client.writeMemory({ memory: { ...memory, title: "retitled" } });
    expect(second.outcome).toBe(WriteOutcome.UPDATED);
    expect(second.memory!.embeddingStatus).toBe(EmbeddingStatus.ATTACHED);
    const updated = await client.updateMemory({
      id: first.memory!.id,
      memory: { content: memory.content },
      updateMask: { paths: ["content"] },
    });
    expect(updated.memory!.embeddingStatus).toBe(EmbeddingStatus.ATTACHED);
    expect(embedder.calls.length).toBe(calls);
    expect(embedder.timesEmbedded(memory.content)).toBe(1);
  });

  it("content the workspace already stores reuses its vector, in another subject or a batch", async () => {
    const content = `shared fact ${unique("c")}`;
    await client.writeMemory({ memory: { subjectType: "contact", subjectId: unique("a"), kind: "note", content } });
    const batch = await client.batchWriteMemories({
      requests: [unique("b"), unique("c")].map((subjectId) => ({
        memory: { subjectType: "contact", subjectId, kind: "note", content },
      })),
    });
    for (const result of batch.results) {
      expect(result.result.case).toBe("response");
      if (result.result.case === "response") {
        expect(result.result.value.memory!.embeddingStatus).toBe(EmbeddingStatus.ATTACHED);
      }
    }
    expect(embedder.timesEmbedded(content)).toBe(1);
  });

  it("new content for a key is embedded, and the stored vector is not reused for it", async () => {
    const memory = {
      subjectType: "contact",
      subjectId: unique("s"),
      kind: "pref",
      key: "tone",
      content: unique("old"),
    };
    await client.writeMemory({ memory });
    const changed = unique("new");
    const res = await client.writeMemory({ memory: { ...memory, content: changed } });
    expect(res.memory!.embeddingStatus).toBe(EmbeddingStatus.ATTACHED);
    expect(embedder.timesEmbedded(changed)).toBe(1);
  });

  it("concurrent writers share embedder calls", async () => {
    embedder.delayMs = 30;
    const before = embedder.calls.length;
    const contents = Array.from({ length: 16 }, (_, i) => `concurrent ${i} ${unique("w")}`);
    const responses = await Promise.all(
      contents.map((content) =>
        client.writeMemory({ memory: { subjectType: "contact", subjectId: unique("s"), kind: "note", content } }),
      ),
    );
    // Whether on the write path or by the worker, once all are attached each was embedded once.
    for (const res of responses) {
      await eventually(async () => {
        const { memory } = await client.getMemory({ id: res.memory!.id });
        return memory?.embeddingStatus === EmbeddingStatus.ATTACHED ? memory : undefined;
      });
    }
    embedder.delayMs = 0;
    const calls = embedder.calls.slice(before);
    expect(calls.flat().sort()).toEqual([...contents].sort());
    expect(calls.length).toBeLessThan(contents.length);
  });

  it("the same text in concurrent writes and queries is computed once", async () => {
    embedder.delayMs = 30;
    const content = `asked and written ${unique("q")}`;
    await Promise.all([
      client.writeMemory({ memory: { subjectType: "contact", subjectId: unique("s"), kind: "note", content } }),
      client.writeMemory({ memory: { subjectType: "contact", subjectId: unique("s"), kind: "note", content } }),
      (async () => {
        for await (const _ of client.searchMemories({ query: content })) void _;
      })(),
    ]);
    embedder.delayMs = 0;
    expect(embedder.timesEmbedded(content)).toBe(1);
  });

  it("many concurrent writers, single and batched, each store the vector of their own content", async () => {
    embedder.delayMs = 20;
    const subjectType = unique("mixup");
    const note = (i: number) => ({
      subjectType,
      subjectId: `s-${i}`,
      kind: "note",
      content: `mixup ${i} ${unique("m")}`,
    });
    const singles = Array.from({ length: 40 }, (_, i) => note(i));
    const batches = Array.from({ length: 4 }, (_, b) => Array.from({ length: 10 }, (_, j) => note(100 + b * 10 + j)));
    await Promise.all([
      ...singles.map((memory) => client.writeMemory({ memory })),
      ...batches.map((batch) => client.batchWriteMemories({ requests: batch.map((memory) => ({ memory })) })),
    ]);
    embedder.delayMs = 0;
    const written = new Map([...singles, ...batches.flat()].map((m) => [m.content, m]));
    await eventually(async () => {
      const stats = await client.getMemoryStats({});
      return stats.embeddingBacklog === 0n ? stats : undefined;
    });
    let checked = 0;
    for await (const { memory, embedding } of client.exportMemories({ filter: { subjectType } })) {
      const expected = wordHashVector(memory!.content);
      expect(written.has(memory!.content)).toBe(true);
      expect(embedding).toHaveLength(expected.length);
      embedding.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
      checked += 1;
    }
    expect(checked).toBe(written.size);
    for (const content of written.keys()) expect(embedder.timesEmbedded(content)).toBe(1);
  });

  it("Penumbra's POST /v1/memories, staged then applied or applied at once, embeds each content once", async () => {
    const key = await server.createKey({ scopes: ["memory:read", "memory:write"] });
    const authorization = `Bearer ${key}`;
    const atOnce = `penumbra at once ${unique("p")}`;
    const applied = await post(server, "/v1/memories", { authorization }, { content: atOnce, kind: "observation" });
    expect(applied.status).toBe(201);
    const later = `penumbra staged ${unique("p")}`;
    const staged = await post(
      server,
      "/v1/memories",
      { authorization },
      { content: later, kind: "observation", apply: false },
    );
    expect(staged.status).toBe(202);
    const apply = await post(server, `/v1/stagedWrites/${staged.json.delta_id as string}:apply`, { authorization }, {});
    expect(apply.status).toBe(200);
    const stored = await client.getMemory({ id: applied.json.id as string });
    expect(stored.memory!.embeddingStatus).toBe(EmbeddingStatus.ATTACHED);
    expect(embedder.timesEmbedded(atOnce)).toBe(1);
    expect(embedder.timesEmbedded(later)).toBe(1);
  });
});
