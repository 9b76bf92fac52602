/**
 * SearchMemories request options: min_score and top_k, in every mode.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SearchMode } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { WordHashEmbedder } from "../support/embedders.js";
import { expectRankOrder, MODES, modeName, search, unique, useSearchServer } from "./search-support.js";

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
    const responses = await search(ctx.admin, { query: QUERY, filter: { subjectId }, mode, topK: 100 });
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

    const responses = await search(ctx.admin, { query: QUERY, filter: { subjectId }, mode, topK: 100, minScore });
    expectRankOrder(responses, mode);
    expect(responses).toHaveLength(kept);
    for (const r of responses) expect(r.score).toBeGreaterThanOrEqual(minScore);
  });

  it.each(modes)("%s: a result scoring exactly min_score is kept", async (_, mode) => {
    const scores = await allScores(mode);
    const minScore = scores[Math.floor(scores.length / 2)]!;
    const responses = await search(ctx.admin, { query: QUERY, filter: { subjectId }, mode, topK: 100, minScore });
    expect(responses.map((r) => r.score)).toEqual(scores.filter((s) => s >= minScore));
  });

  it.each(modes)("%s: min_score above every score leaves nothing", async (_, mode) => {
    const [best] = await allScores(mode);
    const responses = await search(ctx.admin, {
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
    const responses = await search(ctx.admin, { query: QUERY, filter: { subjectId }, mode, topK: 3, minScore });
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
    expect(await search(ctx.admin, { query: "renewal note", filter: { subjectId }, mode })).toHaveLength(10);
    expect(await search(ctx.admin, { query: "renewal note", filter: { subjectId }, mode, topK: 25 })).toHaveLength(25);
    expect(await search(ctx.admin, { query: "renewal note", filter: { subjectId }, mode, topK: 100 })).toHaveLength(30);
  });
});

describe("keyword ranking", () => {
  const subjectId = unique("keyword-tiers");
  beforeAll(async () => {
    const contents = [
      "churn risk flagged by finance",
      "churn risk after the outage",
      // Repeats one query word: ranked alone against the whole question it would score highest.
      "churn churn churn churn churn",
      "risk register updated",
    ];
    for (const content of contents) {
      await ctx.admin.writeMemory({ memory: { subjectType: "contact", subjectId, kind: "note", content } });
    }
  });

  const contentsOf = async (topK: number) =>
    (await search(ctx.admin, { query: "churn risk", filter: { subjectId }, mode: SearchMode.KEYWORD, topK })).map(
      (r) => r.memory?.content,
    );

  it("fills the page with memories sharing more of the question's words first", async () => {
    expect((await contentsOf(2)).sort()).toEqual(["churn risk after the outage", "churn risk flagged by finance"]);
  });

  it("widens to memories sharing fewer words while the page is short, ranked together", async () => {
    const all = await contentsOf(10);
    expect(all).toHaveLength(4);
    expect(all[0]).toBe("churn churn churn churn churn");
    expect(all).toContain("risk register updated");
  });
});
