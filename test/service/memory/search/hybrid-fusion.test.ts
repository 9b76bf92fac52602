/**
 * HYBRID fuses the two retrievers' candidates, and scores a memory only one of them found by
 * the other too (MemorySearch.hybrid, retrieval.repository.ts nearestWithScores): its semantic_score
 * and keyword_score are those SEMANTIC and KEYWORD mode give it when they reach that deep, not 0.
 *
 * With the bag-of-words test embedder, a memory sharing more of the query's words is nearer its
 * vector, and BM25's length normalisation ranks a longer memory below short ones holding the
 * same words.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SearchMode } from "../../../../gen/ts/engram/v1/memory_service_pb.js";
import { SEMANTIC_WEIGHT } from "../../../../src/memory/search/ranking.js";
import { WordHashEmbedder } from "../../../support/embedders.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { writeMany, type MemoryInit } from "../../../support/factories/memory.js";
import { searchAll } from "../../../support/factories/search.js";

const QUERY = "What was the zebra herd migration there doing?";
/** More than HYBRID's smallest pool (50) holds. */
const MANY = 60;

describe("HYBRID scores", () => {
  let services: ServiceHarness;

  beforeAll(async () => {
    services = await startServices({ embedder: new WordHashEmbedder() });
    const memories: MemoryInit[] = [
      // The one memory holding the rare word: far from the query's vector (one word of eight).
      { key: "zebra", content: "Zebra!" },
      // The query's two other keywords in short memories: nearer its vector than the zebra, and
      // ranked by BM25 above a longer memory holding the same words.
      ...Array.from({ length: MANY }, (_, i) => ({ key: `short-${i}`, content: `Herd migration ${i}.` })),
      // Nearest to the query's vector, and holding both words among more words than those.
      { key: "long", content: "What was the herd migration there doing, the ranger said." },
    ].map((m) => ({ ...m, subjectType: "topic", subjectId: "wildlife", kind: "note" }));
    await writeMany(services.memories(), memories);
  });
  afterAll(() => services.close());

  async function search(mode: SearchMode, topK: number) {
    const hits = await searchAll(services.memories(), { query: QUERY, mode, topK });
    return new Map(
      hits.map((r) => [
        r.memory!.key,
        { score: r.score, semanticScore: r.semanticScore, keywordScore: r.keywordScore },
      ]),
    );
  }

  it("scores a memory only the keyword retriever found on its meaning, and one only the vector retriever found on its words", async () => {
    // Each retriever's own first 50 (HYBRID's pool at top 10) leave the other's memory out...
    expect((await search(SearchMode.SEMANTIC, 50)).has("zebra")).toBe(false);
    expect((await search(SearchMode.KEYWORD, 50)).has("long")).toBe(false);
    // ...which each scores when it reads deeper.
    const similarity = (await search(SearchMode.SEMANTIC, 100)).get("zebra")!.semanticScore;
    const words = (await search(SearchMode.KEYWORD, 100)).get("long")!.keywordScore;
    expect(similarity).toBeGreaterThan(0);
    expect(words).toBeGreaterThan(0);

    const hybrid = await search(SearchMode.HYBRID, 10);
    const zebra = hybrid.get("zebra")!;
    const long = hybrid.get("long")!;
    expect(zebra.semanticScore).toBeCloseTo(similarity, 5);
    expect(long.keywordScore).toBeCloseTo(words, 5);
    for (const r of [zebra, long]) {
      expect(r.score).toBeCloseTo(SEMANTIC_WEIGHT * r.semanticScore + (1 - SEMANTIC_WEIGHT) * r.keywordScore, 5);
    }
  });

  it("leaves SEMANTIC and KEYWORD mode's scores their own", async () => {
    for (const r of (await search(SearchMode.KEYWORD, 10)).values()) {
      expect(r.semanticScore).toBe(0);
      expect(r.score).toBe(r.keywordScore);
    }
    for (const r of (await search(SearchMode.SEMANTIC, 10)).values()) {
      expect(r.keywordScore).toBe(0);
      expect(r.score).toBe(r.semanticScore);
    }
  });
});
