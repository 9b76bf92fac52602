/**
 * Entity-aware ranking in HYBRID search: a memory whose subject, linked entity or title the
 * query names gains ENTITY_WEIGHT over one that is otherwise the same. Names are read from the
 * database after fusion, for the results the bonus could move into the page
 * (src/memory/search/search.ts, ranking.ts mayBeRaised, entity-names.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SearchMode } from "../../../../gen/ts/engram/v1/memory_service_pb.js";
import { ENTITY_WEIGHT, SEMANTIC_WEIGHT } from "../../../../src/memory/search/ranking.js";
import { WordHashEmbedder } from "../../../support/embedders.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { writeMany, type MemoryInit } from "../../../support/factories/memory.js";
import { searchAll } from "../../../support/factories/search.js";

/** The same words in every memory: only what names it tells them apart. */
const CONTENT = "Asked for a discount on the annual plan before renewing.";

describe("entity-aware ranking", () => {
  let services: ServiceHarness;

  beforeAll(async () => {
    services = await startServices({ embedder: new WordHashEmbedder() });
    const memories: MemoryInit[] = [
      { subjectType: "company", subjectId: "acme-corp", key: "a" },
      { subjectType: "company", subjectId: "globex", key: "b" },
      {
        subjectType: "company",
        subjectId: "hooli",
        key: "c",
        linkedEntities: [{ type: "deal", id: "Initech_Renewal" }],
      },
      { subjectType: "company", subjectId: "umbrella", key: "d", title: "Pied Piper" },
    ].map((m) => ({ ...m, kind: "note", content: CONTENT }));
    await writeMany(services.memories(), memories);
  });
  afterAll(() => services.close());

  /** Each result's subject, score and the score its two parts give without a bonus. */
  async function search(query: string, mode = SearchMode.HYBRID, topK = 10) {
    return (await searchAll(services.memories(), { query, mode, topK })).map((r) => {
      const unnamed = SEMANTIC_WEIGHT * r.semanticScore + (1 - SEMANTIC_WEIGHT) * r.keywordScore;
      const { score, semanticScore, keywordScore } = r;
      return { subject: r.memory!.subjectId, score, semanticScore, keywordScore, unnamed };
    });
  }

  it.each([
    ["subject", "What did ACME Corp. ask before renewing?", "acme-corp"],
    ["linked entity", "discount asked on the initech renewal", "hooli"],
    ["title", "what did Pied Piper ask?", "umbrella"],
  ])("raises the memory whose %s the query names by ENTITY_WEIGHT, and no other", async (_, query, named) => {
    const results = await search(query);
    expect(results).toHaveLength(4);
    expect(results[0]!.subject).toBe(named);
    for (const r of results) {
      expect(r.score).toBeCloseTo(r.unnamed + (r.subject === named ? ENTITY_WEIGHT : 0), 5);
    }
  });

  it("raises a named memory into a page of one from below it (its names were read)", async () => {
    // Unnamed, all four score the same and "acme-corp" would sort first by id; each query below
    // names another, which only its bonus can put first.
    for (const [query, named] of [
      ["discount asked on the initech renewal", "hooli"],
      ["what did Pied Piper ask?", "umbrella"],
    ]) {
      const [first, ...rest] = await search(query!, SearchMode.HYBRID, 1);
      expect(rest).toEqual([]);
      expect(first!.subject).toBe(named);
      expect(first!.score).toBeCloseTo(first!.unnamed + ENTITY_WEIGHT, 5);
    }
  });

  it("leaves the scores alone when the query names nothing, and in SEMANTIC and KEYWORD mode", async () => {
    for (const r of await search("Who asked for a discount on the annual plan?")) {
      expect(r.score).toBeCloseTo(r.unnamed, 5);
    }
    const named = "What did ACME Corp. ask before renewing?";
    for (const r of await search(named, SearchMode.SEMANTIC)) expect(r.score).toBe(r.semanticScore);
    for (const r of await search(named, SearchMode.KEYWORD)) expect(r.score).toBe(r.keywordScore);
  });
});
