/**
 * A selective filter over many memories still fills top_k in SEMANTIC mode: the filter sits
 * inside the vector query (pgvector iterative index scans), not after a fixed-size candidate list.
 */
import type { EntityManager } from "@mikro-orm/sql";
import { beforeAll, describe, expect, it } from "vitest";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { RetrievalRepository } from "../../../src/memory/search/retrieval.repository.js";
import { bulkInsert } from "../../support/bulk-load.js";
import { watchingStatements } from "../../support/watched-statements.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import {
  directClient,
  expectRankOrder,
  unique,
  useSearchServer,
  type MemoryClient,
  type MemoryInit,
} from "./search-support.js";
import { searchAll, type Filter } from "../../support/factories/search.js";

const ctx = useSearchServer({ embedder: new WordHashEmbedder() });

const TOTAL = 10_000;
/** Every 100th memory (1%) is the rare kind: its own tag and subject, and none of the query's words. */
const isRare = (i: number) => i % 100 === 0;
const QUERY = "quarterly renewal pricing review";

const subjectType = unique("volume");
const rareTag = unique("rare");

function memory(i: number): MemoryInit {
  return isRare(i)
    ? {
        subjectType,
        subjectId: "rare-subject",
        kind: "note",
        tags: [rareTag],
        content: `onboarding workshop scheduled with the facilities team, session ${i}`,
      }
    : {
        subjectType,
        subjectId: `common-${i % 37}`,
        kind: "note",
        tags: ["common"],
        // The query's own words: these are the vector search's nearest neighbours, all outside the filter.
        content: `${QUERY} for account ${i}`,
      };
}

beforeAll(async () => {
  const stored = await bulkInsert(
    ctx.server,
    Array.from({ length: TOTAL }, (_, i) => memory(i)),
  );
  expect(new Set(stored.map((m) => m.embeddingStatus))).toEqual(new Set(["attached"]));
}, 600_000);

/**
 * On a table this size the planner may well answer a selective filter exactly (btree or GIN,
 * then sort), which says nothing about the vector index. This repository takes sorting away
 * from the planner inside the search's transaction, so the vector query can only be planned as
 * a scan of the HNSW index in distance order; it records the plan of each vector query to prove it.
 */
function onTheVectorIndex(plans: string[]): (em: EntityManager) => RetrievalRepository {
  return (em) => {
    const vectorQueries: { text: string; params: unknown[] }[] = [];
    const recording = watchingStatements(em, (text, params) => {
      if (text.includes("<=>")) vectorQueries.push({ text, params });
    });
    return new (class extends RetrievalRepository {
      override async nearest(...args: Parameters<RetrievalRepository["nearest"]>) {
        await em.execute("set local enable_sort = off");
        const candidates = await super.nearest(...args);
        for (const { text, params } of vectorQueries) {
          const plan = await em.execute<{ "QUERY PLAN": string }[]>(`explain ${text}`, params);
          plans.push(plan.map((row) => row["QUERY PLAN"]).join("\n"));
        }
        return candidates;
      }
    })(recording);
  };
}

describe(`${TOTAL} memories, 1% matching the filter`, () => {
  const plans: string[] = [];
  const clients: [string, () => MemoryClient][] = [
    ["the planner's choice", () => ctx.admin],
    ["the HNSW index", () => directClient(ctx.server, { retrieval: onTheVectorIndex(plans) })],
  ];
  const filters: [string, Filter][] = [
    ["a tag", { subjectType, tags: [rareTag] }],
    ["a subject", { subjectType, subjectId: "rare-subject" }],
  ];
  const cases = clients.flatMap(([path, client]) =>
    filters.flatMap(([name, filter]) => [50, 100].map((topK) => [path, name, topK, client, filter] as const)),
  );

  it.each(cases)(
    "SEMANTIC on %s, filtered by %s, top_k %i: exactly top_k results, all matching",
    async (path, _, topK, client, filter) => {
      plans.length = 0;
      const responses = await searchAll(client(), { query: QUERY, filter, topK, mode: SearchMode.SEMANTIC });
      expect(responses).toHaveLength(topK);
      expectRankOrder(responses, SearchMode.SEMANTIC);
      for (const r of responses) {
        expect(r.memory!.tags).toEqual([rareTag]);
        expect(r.memory!.subjectId).toBe("rare-subject");
      }
      expect(new Set(responses.map((r) => r.memory!.id)).size).toBe(topK);
      // The search's first vector query read the HNSW index (whatever else the search did to fill top_k).
      if (path === "the HNSW index") expect(plans[0]).toMatch(/Index Scan using memories_embedding(_\d+)? /);
    },
  );

  it("unfiltered, the nearest neighbours are all outside the filter (so the filter has to skip most of the index)", async () => {
    const responses = await searchAll(ctx.admin, {
      query: QUERY,
      filter: { subjectType },
      topK: 100,
      mode: SearchMode.SEMANTIC,
    });
    expect(responses).toHaveLength(100);
    expect(responses.filter((r) => r.memory!.tags.includes(rareTag))).toEqual([]);
  });

  it("HYBRID, filtered by a tag, top_k 100: every matching memory, and only those", async () => {
    const responses = await searchAll(ctx.admin, {
      query: QUERY,
      filter: { subjectType, tags: [rareTag] },
      topK: 100,
      mode: SearchMode.HYBRID,
    });
    expect(responses).toHaveLength(100);
    expectRankOrder(responses, SearchMode.HYBRID);
    expect(responses.every((r) => r.memory!.tags.includes(rareTag))).toBe(true);
  });
});
