/**
 * Embeddings on the write path and in search: an unavailable embedder never fails a write or
 * a search, the worker attaches vectors once it is back, new content gets a new vector, and a
 * model whose size does not fit the database is refused at start-up.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddingStatus, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode, WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Embedder } from "../../../src/embedding/embedder.js";
import { DEFAULT_CONFIG } from "../../../src/config.js";
import { FakeEmbeddingsApi, WordHashEmbedder, wordHashVector } from "../../support/embedders.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import {
  clientFor,
  eventually,
  expectRankOrder,
  MODES,
  modeName,
  unique,
  useSearchServer,
  type MemoryClient,
} from "./search-support.js";
import { searchAll } from "../../support/factories/search.js";
import { aNote } from "../../support/factories/memory.js";

const status = (memory: Memory | undefined) => EmbeddingStatus[memory?.embeddingStatus ?? 0];

/** Polls GetMemory (up to 30 s) until the memory's embedding is ATTACHED. */
async function attached(client: MemoryClient, id: string): Promise<Memory> {
  return eventually(async () => {
    const { memory } = await client.getMemory({ id });
    return memory?.embeddingStatus === EmbeddingStatus.ATTACHED ? memory : undefined;
  });
}

describe("no embedder configured", () => {
  const ctx = useSearchServer();

  it("writes commit PENDING", async () => {
    const res = await ctx.admin.writeMemory({
      memory: { subjectType: "contact", subjectId: unique("none"), kind: "note", content: "no vectors here" },
    });
    expect(status(res.memory)).toBe("PENDING");
    expect(res.memory!.embeddingModel).toBe("");
  });

  it.each(MODES.map((mode) => [modeName(mode), mode] as const))(
    "a %s search answers by keyword, and every response says KEYWORD",
    async (_, mode) => {
      const subjectId = unique("none");
      for (const content of ["invoice dispute escalated", "invoice paid late", "lunch with the team"]) {
        await ctx.admin.writeMemory({ memory: aNote(subjectId, content) });
      }
      const responses = await searchAll(ctx.admin, { query: "invoice", filter: { subjectId }, mode });
      expect(responses.map((r) => r.memory!.content).sort()).toEqual([
        "invoice dispute escalated",
        "invoice paid late",
      ]);
      expectRankOrder(responses, SearchMode.KEYWORD);
      for (const r of responses) {
        expect(r.keywordScore).toBeGreaterThan(0);
        expect(r.semanticScore).toBe(0);
      }
    },
  );
  it.each(["connect-h1", "connect-h2", "grpc", "grpc-web"] as const)(
    "a search over %s that finds nothing still says, in the engram-search-mode header, that it ran by keyword",
    async (protocol) => {
      const client = clientFor(ctx.server, ctx.server.adminKey, protocol);
      let mode: string | null = null;
      const found = [];
      const stream = client.searchMemories(
        { query: "zyzzyva", filter: { subjectId: unique("none") }, mode: SearchMode.HYBRID },
        { onHeader: (header) => (mode = header.get("engram-search-mode")) },
      );
      for await (const r of stream) found.push(r);
      expect(found).toEqual([]);
      expect(mode).toBe("keyword");
    },
  );
});

describe("an OpenAI-compatible embedder that goes down and comes back", () => {
  const api = new FakeEmbeddingsApi();
  const model = "openai:fake:384";
  let server: TestServer;
  let admin: MemoryClient;

  beforeAll(async () => {
    const url = await api.start();
    server = await startTestServer({
      embedding: {
        ...DEFAULT_CONFIG.embedding,
        provider: "openai",
        // A write waits this long for its vector: generous, so a loaded machine's answering API
        // is never taken for a slow one and a write expected ATTACHED is not left PENDING.
        budgetMs: 2_000,
        openaiBaseUrl: url,
        model: "fake",
        dimensions: 384,
      },
    });
    admin = clientFor(server, server.adminKey);
  });
  afterAll(async () => {
    api.up = true;
    await server?.close();
    await api.stop();
  });

  it("while it answers, a write is ATTACHED at once, with the provider's model recorded", async () => {
    api.up = true;
    const res = await admin.writeMemory({
      memory: { subjectType: "contact", subjectId: unique("up"), kind: "note", content: "renewal call booked" },
    });
    expect(status(res.memory)).toBe("ATTACHED");
    expect(res.memory!.embeddingModel).toBe(model);
  });

  it("while it is down, a write commits PENDING, is found by keyword, and is ATTACHED once it is back, without another write", async () => {
    const subjectId = unique("down");
    api.up = false;
    const requestsBefore = api.requests;
    const written = await admin.writeMemory({
      memory: { subjectType: "contact", subjectId, kind: "note", content: "churn risk flagged by finance" },
    });
    expect(status(written.memory)).toBe("PENDING");
    expect(written.memory!.embeddingModel).toBe("");
    // The write did ask the embedder (and was refused): the real HTTP provider is in the loop.
    expect(api.requests).toBeGreaterThan(requestsBefore);

    const id = written.memory!.id;
    const keyword = await searchAll(admin, { query: "churn risk", filter: { subjectId }, mode: SearchMode.KEYWORD });
    expect(keyword.map((r) => r.memory!.id)).toEqual([id]);
    expectRankOrder(keyword, SearchMode.KEYWORD);
    // The query cannot be embedded either: HYBRID and SEMANTIC fall back to KEYWORD, and say so.
    for (const mode of [SearchMode.HYBRID, SearchMode.SEMANTIC]) {
      const responses = await searchAll(admin, { query: "churn risk", filter: { subjectId }, mode });
      expect(responses.map((r) => r.memory!.id)).toEqual([id]);
      expectRankOrder(responses, SearchMode.KEYWORD);
    }
    expect(status((await admin.getMemory({ id })).memory)).toBe("PENDING");

    api.up = true;
    const memory = await attached(admin, id);
    expect(memory.embeddingModel).toBe(model);
    expect(memory.revision).toBe(written.memory!.revision);
    const semantic = await searchAll(admin, {
      query: "churn risk flagged by finance",
      filter: { subjectId },
      mode: SearchMode.SEMANTIC,
    });
    expect(semantic.map((r) => r.memory!.id)).toEqual([id]);
    expectRankOrder(semantic, SearchMode.SEMANTIC);
    expect(semantic[0]!.semanticScore).toBeCloseTo(1, 5);
  });

  it("a backlog in several workspaces is claimed workspace by workspace and drains once it is back", async () => {
    api.up = false;
    // Three workspaces' writes wait: each claim takes one workspace's oldest jobs (on Citus, one
    // shard's), and the worker goes on to the next until every memory is ATTACHED.
    const clients = await Promise.all(
      ["a", "b", "c"].map(async (w) =>
        clientFor(server, await server.createKey({ workspaceId: `${server.workspaceId}-${w}` })),
      ),
    );
    const written = await Promise.all(
      clients.map(async (client, w) => {
        const requests = Array.from({ length: 20 }, (_, i) => ({
          memory: {
            subjectType: "contact",
            subjectId: `backlog-${w}`,
            kind: "note",
            content: `backlog ${w} note ${i}`,
          },
        }));
        const { results } = await client.batchWriteMemories({ requests });
        return results.map((r) => {
          if (r.result.case !== "response") throw new Error(`a write failed: ${r.result.value?.message}`);
          return { client, memory: r.result.value.memory! };
        });
      }),
    );
    const memories = written.flat();
    expect(memories.map(({ memory }) => status(memory))).toEqual(memories.map(() => "PENDING"));

    api.up = true;
    for (const { client, memory } of memories) expect((await attached(client, memory.id)).embeddingModel).toBe(model);
  });

  it("new content written while it is down drops the old vector, and the worker embeds the new content", async () => {
    const subjectId = unique("down-update");
    api.up = true;
    const first = await admin.writeMemory({
      memory: { subjectType: "contact", subjectId, kind: "note", key: "k", content: "prefers email follow ups" },
    });
    expect(status(first.memory)).toBe("ATTACHED");

    api.up = false;
    const updated = await admin.updateMemory({
      id: first.memory!.id,
      memory: { content: "prefers phone calls on fridays" },
      updateMask: { paths: ["content"] },
    });
    expect(status(updated.memory)).toBe("PENDING");
    expect(updated.memory!.embeddingModel).toBe("");

    api.up = true;
    // Nothing found semantically until the new vector is there: the old one is gone.
    await attached(admin, first.memory!.id);
    const [top] = await searchAll(admin, {
      query: "prefers phone calls on fridays",
      filter: { subjectId },
      mode: SearchMode.SEMANTIC,
    });
    expect(top!.memory!.id).toBe(first.memory!.id);
    expect(top!.semanticScore).toBeCloseTo(1, 5);
  });
});

describe("content changes re-embed", () => {
  const ctx = useSearchServer({ embedder: new WordHashEmbedder() });
  const embedderId = new WordHashEmbedder().id;

  /** The top SEMANTIC result for a query about the subject, and the memory's own score. */
  async function semantic(subjectId: string, query: string, id: string) {
    const responses = await searchAll(ctx.admin, { query, filter: { subjectId }, mode: SearchMode.SEMANTIC, topK: 10 });
    expectRankOrder(responses, SearchMode.SEMANTIC);
    return { top: responses[0]!.memory!.id, score: responses.find((r) => r.memory!.id === id)?.semanticScore ?? 0 };
  }

  /** A keyed memory and, for each content it will have, a distractor nearer to that content than the memory is once it moves on. */
  async function fixture(contents: string[]) {
    const subjectId = unique("reembed");
    const write = (content: string, key?: string) =>
      ctx.admin.writeMemory({ memory: aNote(subjectId, content, { key }) });
    for (const content of contents) await write(`${content} xray`);
    const res = await write(contents[0]!, "k");
    expect(status(res.memory)).toBe("ATTACHED");
    expect(res.memory!.embeddingModel).toBe(embedderId);
    return { subjectId, id: res.memory!.id, write };
  }

  it("UpdateMemory of content: ATTACHED, with the new content's vector and the model recorded", async () => {
    const [oldContent, newContent] = ["alpha bravo charlie delta", "foxtrot golf hotel india"];
    const { subjectId, id } = await fixture([oldContent, newContent]);
    expect(await semantic(subjectId, oldContent, id)).toEqual({ top: id, score: expect.closeTo(1, 5) });

    const res = await ctx.admin.updateMemory({
      id,
      memory: { content: newContent },
      updateMask: { paths: ["content"] },
    });
    expect(status(res.memory)).toBe("ATTACHED");
    expect(res.memory!.embeddingModel).toBe(embedderId);
    const stored = (await ctx.admin.getMemory({ id })).memory!;
    expect(status(stored)).toBe("ATTACHED");
    expect(stored.embeddingModel).toBe(embedderId);

    const now = await semantic(subjectId, newContent, id);
    expect(now).toEqual({ top: id, score: expect.closeTo(1, 5) });
    const before = await semantic(subjectId, oldContent, id);
    expect(before.top).not.toBe(id);
    expect(before.score).toBeCloseTo(cosine(oldContent, newContent), 5);
  });

  it("a keyed write that UPDATES the content: ATTACHED, with the new content's vector and the model recorded", async () => {
    const [oldContent, newContent] = ["kilo lima mike november", "oscar papa quebec romeo"];
    const { subjectId, id, write } = await fixture([oldContent, newContent]);

    const res = await write(newContent, "k");
    expect(WriteOutcome[res.outcome]).toBe("UPDATED");
    expect(res.memory!.id).toBe(id);
    expect(status(res.memory)).toBe("ATTACHED");
    expect(res.memory!.embeddingModel).toBe(embedderId);

    expect(await semantic(subjectId, newContent, id)).toEqual({ top: id, score: expect.closeTo(1, 5) });
    const before = await semantic(subjectId, oldContent, id);
    expect(before.top).not.toBe(id);
    expect(before.score).toBeCloseTo(cosine(oldContent, newContent), 5);
  });
});

/** The WordHashEmbedder's cosine similarity of two texts. */
function cosine(a: string, b: string): number {
  const [x, y] = [wordHashVector(a), wordHashVector(b)];
  return x.reduce((sum, v, i) => sum + v * y[i]!, 0);
}

/** A WordHashEmbedder padded to 512 dimensions: the wrong size for the database's vector(384). */
class WideEmbedder implements Embedder {
  readonly id = "test:word-hash-512";
  readonly dimensions = 512;
  readyCalls = 0;
  /** How many ready() calls fail first, as an embedder that is down at start-up. */
  constructor(private readonly failingReadyCalls = 0) {}
  async ready(): Promise<void> {
    this.readyCalls += 1;
    if (this.readyCalls <= this.failingReadyCalls) throw new Error("embedder down");
  }
  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => [...wordHashVector(t), ...new Array<number>(128).fill(0)]);
  }
}

describe("dimension mismatch", () => {
  it("a 512-dimensional embedder fails start-up with an error naming both sizes", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "engram-dims-"));
    try {
      const started = startTestServer({ dataDir }, { embedder: new WideEmbedder() });
      await expect(started).rejects.toThrow(/512/);
      await expect(started).rejects.toThrow(/384/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  describe("found only once an embedder that was down at start-up comes up", () => {
    const embedder = new WideEmbedder(1);
    const ctx = useSearchServer({ embedder });

    it("is never used: writes stay PENDING and searches answer by keyword", async () => {
      const subjectId = unique("wide");
      const write = (content: string) => ctx.admin.writeMemory({ memory: aNote(subjectId, content) });
      expect(status((await write("quota review before the wide model")).memory)).toBe("PENDING");
      // The worker tries the embedder again (at most every 5 s); this time it answers, with the wrong size.
      await eventually(async () => (embedder.readyCalls >= 2 ? true : undefined), { attempts: 100 });

      const after = await write("quota review after the wide model");
      expect(status(after.memory)).toBe("PENDING");
      const responses = await searchAll(ctx.admin, { query: "quota review", filter: { subjectId } });
      expect(responses).toHaveLength(2);
      expectRankOrder(responses, SearchMode.KEYWORD);
    }, 90_000);
  });
});
