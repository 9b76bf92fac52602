/**
 * SearchMemories request options (min_score and top_k, in every mode) and the keyword half's
 * BM25 ranking: word rarity from what the searcher may see, one count per word, bounded words.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import {
  clientFor,
  expectRankOrder,
  MODES,
  modeName,
  unique,
  useSearchServer,
  type MemoryClient,
} from "./search-support.js";
import { searchAll } from "../../support/factories/search.js";
import { aNote } from "../../support/factories/memory.js";

const ctx = useSearchServer({ embedder: new WordHashEmbedder() });

const QUERY = "renewal pricing discount contract";
/** Memories sharing from one to all four of the query's words, so every mode gives them different scores. */
const CONTENTS = [
  "renewal pricing discount contract",
  "renewal pricing discount contract signed",
  "renewal pricing discount",
  "renewal pricing discount meeting notes",
  "renewal pricing",
  "renewal pricing reviewed with finance team",
  "renewal",
  "renewal date moved to march after a long call",
  "contract",
  "discount requested",
  "pricing page feedback",
  "renewal reminder",
];

const modes = MODES.map((mode) => [modeName(mode), mode] as const);

describe("min_score", () => {
  const subjectId = unique("min-score");
  beforeAll(async () => {
    for (const content of CONTENTS) {
      await ctx.admin.writeMemory({ memory: { subjectType: "contact", subjectId, kind: "note", content } });
    }
  });

  /** Scores of an unrestricted search: what min_score then cuts. */
  async function allScores(mode: SearchMode): Promise<number[]> {
    const responses = await searchAll(ctx.admin, { query: QUERY, filter: { subjectId }, mode, topK: 100 });
    expectRankOrder(responses, mode);
    return responses.map((r) => r.score);
  }

  it.each(modes)("%s: results scoring below min_score are left out, the rest kept in order", async (_, mode) => {
    const scores = await allScores(mode);
    const distinct = [...new Set(scores)];
    expect(distinct.length).toBeGreaterThanOrEqual(3);
    // Halfway between two scores in the middle of the ranking.
    const cut = Math.floor(distinct.length / 2);
    const minScore = Math.fround((distinct[cut - 1]! + distinct[cut]!) / 2);
    const kept = scores.filter((s) => s >= minScore).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(scores.length);

    const responses = await searchAll(ctx.admin, { query: QUERY, filter: { subjectId }, mode, topK: 100, minScore });
    expectRankOrder(responses, mode);
    expect(responses).toHaveLength(kept);
    for (const r of responses) expect(r.score).toBeGreaterThanOrEqual(minScore);
  });

  it.each(modes)("%s: a result scoring exactly min_score is kept", async (_, mode) => {
    const scores = await allScores(mode);
    const minScore = scores[Math.floor(scores.length / 2)]!;
    const responses = await searchAll(ctx.admin, { query: QUERY, filter: { subjectId }, mode, topK: 100, minScore });
    expect(responses.map((r) => r.score)).toEqual(scores.filter((s) => s >= minScore));
  });

  it.each(modes)("%s: min_score above every score leaves nothing", async (_, mode) => {
    const [best] = await allScores(mode);
    const responses = await searchAll(ctx.admin, {
      query: QUERY,
      filter: { subjectId },
      mode,
      minScore: best! + 0.5,
    });
    expect(responses).toEqual([]);
  });

  it.each(modes)("%s: top_k still caps what passes min_score", async (_, mode) => {
    const scores = await allScores(mode);
    const minScore = scores.at(-1)!;
    const responses = await searchAll(ctx.admin, { query: QUERY, filter: { subjectId }, mode, topK: 3, minScore });
    expect(responses.map((r) => r.score)).toEqual(scores.slice(0, 3));
  });
});

describe("top_k", () => {
  const subjectId = unique("top-k");
  beforeAll(async () => {
    const requests = Array.from({ length: 30 }, (_, i) => ({
      memory: { subjectType: "contact", subjectId, kind: "note", content: `renewal note number ${i}` },
    }));
    await ctx.admin.batchWriteMemories({ requests, atomic: true });
  });

  it.each(modes)("%s: 10 results when top_k is not given, top_k when it is", async (_, mode) => {
    expect(await searchAll(ctx.admin, { query: "renewal note", filter: { subjectId }, mode })).toHaveLength(10);
    expect(await searchAll(ctx.admin, { query: "renewal note", filter: { subjectId }, mode, topK: 25 })).toHaveLength(
      25,
    );
    expect(await searchAll(ctx.admin, { query: "renewal note", filter: { subjectId }, mode, topK: 100 })).toHaveLength(
      30,
    );
  });
});

describe("keyword ranking (BM25)", () => {
  const subjectId = unique("keyword-bm25");
  beforeAll(async () => {
    const contents = [
      "renewal call with the buyer",
      "renewal quote sent",
      "renewal terms agreed",
      "renewal date moved",
      "outage reported on friday",
      "churn churn churn finance",
      "churn risk finance",
      "risk register",
    ];
    for (const content of contents) {
      await ctx.admin.writeMemory({ memory: { subjectType: "contact", subjectId, kind: "note", content } });
    }
  });

  const keyword = async (query: string, topK = 10) =>
    searchAll(ctx.admin, { query, filter: { subjectId }, mode: SearchMode.KEYWORD, topK });

  it("weighs a rare word above a common one", async () => {
    const [first, ...rest] = await keyword("renewal outage");
    expect(first?.memory?.content).toBe("outage reported on friday");
    expect(rest.map((r) => r.memory?.content)).toHaveLength(4);
    for (const r of rest) expect(r.keywordScore).toBeLessThan(first!.keywordScore);
  });

  it("ranks a memory holding every word above one repeating one of them", async () => {
    const contents = (await keyword("churn risk")).map((r) => r.memory?.content);
    expect(contents[0]).toBe("churn risk finance");
    expect(contents).toContain("churn churn churn finance");
    expect(contents).toContain("risk register");
  });

  it("scores within 0..1, near 1 for a memory holding every word, and as the score in KEYWORD mode", async () => {
    const results = await keyword("churn risk finance");
    expect(results[0]?.memory?.content).toBe("churn risk finance");
    expect(results[0]?.keywordScore).toBeGreaterThan(0.8);
    for (const r of results) {
      expect(r.score).toBe(r.keywordScore);
      expect(r.keywordScore).toBeGreaterThan(0);
      expect(r.keywordScore).toBeLessThanOrEqual(1);
      expect(r.semanticScore).toBe(0);
    }
  });

  it("searches the first 32 distinct words of a long question, in the order it uses them", async () => {
    const filler = Array.from({ length: 40 }, (_, i) => `filler${String.fromCharCode(97 + (i % 26))}${i}`);
    const found = async (query: string) => (await keyword(query)).map((r) => r.memory?.content);
    expect(await found(["outage", ...filler].join(" "))).toEqual(["outage reported on friday"]);
    expect(await found([...filler, "outage"].join(" "))).toEqual([]);
  });

  it("takes word rarity only from memories the searcher may see", async () => {
    const workspaceId = unique("bm25-visibility");
    const keyFor = async (agentId?: string) =>
      clientFor(
        ctx.server,
        await ctx.server.createKey({ workspaceId, scopes: ["memory:read", "memory:write"], agentId }),
      );
    const [shared, agentA, agentB] = [await keyFor(), await keyFor("agent-a"), await keyFor("agent-b")];
    const write = (client: MemoryClient, content: string) => client.writeMemory({ memory: aNote("s", content) });
    for (const content of ["renewal quote sent", "outage reported on friday", "pricing page updated"]) {
      await write(shared, content);
    }
    const scoreAs = async (client: MemoryClient) => {
      const results = await searchAll(client, { query: "renewal outage", mode: SearchMode.KEYWORD });
      return results.find((r) => r.memory?.content === "renewal quote sent")?.keywordScore;
    };
    const before = { a: await scoreAs(agentA), b: await scoreAs(agentB) };
    expect(before.a).toBeGreaterThan(0);
    expect(before.a).toBe(before.b);
    // Agent A's private memories make "renewal" common for A alone; B's scores must not show them.
    for (let i = 0; i < 4; i++) await write(agentA, `renewal reminder ${i}`);
    expect(await scoreAs(agentB)).toBe(before.b);
    expect(await scoreAs(agentA)).toBeLessThan(before.a!);
  });
});
