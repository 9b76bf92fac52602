/**
 * Every search ranks with its workspace's settings, from the change on (on this server at
 * once): the HYBRID weight, rerank by default when a request does not say, and an evaluation's
 * configuration overriding them field by field as if they were applied.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { QueryEvaluation } from "../../../gen/ts/engram/v1/search_service_pb.js";
import { RERANK_HEADER } from "../../../src/memory/response-headers.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { poolsRecordedIn } from "../../support/rerankers.js";
import { startServices, type Caller, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

const workspaceId = `ws-${randomUUID()}`;
const admin: Caller = { workspaceId, scopes: ["admin"] };
const reader: Caller = { workspaceId, scopes: ["memory:read", "memory:write"] };
const subjectId = randomUUID();
const NOTES = [
  "the boiler in the basement was serviced in march",
  "march is when the boiler contract renews",
  "the garden shed needs a new roof before winter",
  "basement flooding after heavy rain last spring",
  "a plumber quoted for the basement boiler pipes",
];

beforeAll(async () => {
  for (const [i, content] of NOTES.entries()) {
    await services.memories(reader).writeMemory({
      memory: {
        subjectType: "house",
        subjectId,
        kind: "note",
        key: `note-${i}`,
        visibility: Visibility.SHARED,
        content,
      },
    });
  }
});

async function search(req: { mode?: SearchMode; rerank?: boolean }) {
  let rerank: string | null = null;
  const hits = [];
  const call = services
    .memories(reader)
    .searchMemories(
      { query: "basement boiler", filter: { subjectId }, ...req },
      { onHeader: (h) => (rerank = h.get(RERANK_HEADER)) },
    );
  for await (const hit of call) hits.push(hit);
  return { hits, rerank };
}

const settle = (settings: object) => services.search(admin).updateSearchSettings({ settings });

describe("searches use the workspace's settings", () => {
  it("fuse HYBRID scores with the workspace's semantic weight, from the change on", async () => {
    await settle({ semanticWeight: 1 });
    const semantic = await search({ mode: SearchMode.HYBRID });
    expect(semantic.hits.length).toBeGreaterThan(2);
    for (const hit of semantic.hits) expect(hit.score).toBeCloseTo(hit.semanticScore, 5);

    await settle({ semanticWeight: 0 });
    const keyword = await search({ mode: SearchMode.HYBRID });
    for (const hit of keyword.hits) expect(hit.score).toBeCloseTo(hit.keywordScore, 5);
    // Both retrievers scored every result: the weight, not the candidates, changed the scores.
    expect(keyword.hits.some((h) => h.semanticScore > 0 && h.keywordScore !== h.semanticScore)).toBe(true);

    await settle({});
    const fused = await search({ mode: SearchMode.HYBRID });
    for (const hit of fused.hits) expect(hit.score).toBeCloseTo(0.6 * hit.semanticScore + 0.4 * hit.keywordScore, 5);
  });

  it("rerank a search that does not say when rerank_by_default is on, never one that says no", async () => {
    // This server has no reranker: a search that asks says "unavailable", one that does not, nothing.
    expect((await search({})).rerank).toBeNull();
    await settle({ rerankByDefault: true });
    expect((await search({})).rerank).toBe("unavailable");
    expect((await search({ rerank: false })).rerank).toBeNull();
    await settle({});
    expect((await search({})).rerank).toBeNull();
    expect((await search({ rerank: true })).rerank).toBe("unavailable");
  });

  it("leave another workspace's searches at the defaults", async () => {
    await settle({ semanticWeight: 1 });
    const other: Caller = { workspaceId: `ws-${randomUUID()}`, scopes: ["memory:read", "memory:write"] };
    const otherSubject = randomUUID();
    for (const content of NOTES) {
      await services
        .memories(other)
        .writeMemory({ memory: { subjectType: "house", subjectId: otherSubject, kind: "note", content } });
    }
    const hits = [];
    for await (const hit of services
      .memories(other)
      .searchMemories({ query: "basement boiler", filter: { subjectId: otherSubject } }))
      hits.push(hit);
    expect(hits.some((h) => Math.abs(h.score - h.semanticScore) > 1e-4)).toBe(true);
    await settle({});
  });
});

describe("EvaluateSearch configurations' settings", () => {
  async function figures(configurations: object[]): Promise<QueryEvaluation[]> {
    const out: QueryEvaluation[] = [];
    // Each note expected of each query: the figures follow the whole order of the results.
    const queries = ["basement boiler", "boiler in march", "rain in the basement"].flatMap((query) =>
      NOTES.map((_, i) => ({ query, filter: { subjectId }, expectedKeys: [`note-${i}`] })),
    );
    for await (const m of services.search(reader).evaluateSearch({ k: 5, queries, configurations })) {
      if (m.result.case === "query") out.push(m.result.value);
    }
    return out;
  }
  const strip = (q: QueryEvaluation) => ({ ...q, latencyMs: 0, configuration: undefined });

  it("search with a configuration's settings exactly as the workspace would once they are applied", async () => {
    const overridden = await figures([{ mode: SearchMode.HYBRID, settings: { semanticWeight: 0, candidatePool: 10 } }]);
    await settle({ semanticWeight: 0, candidatePool: 10 });
    const applied = await figures([{ mode: SearchMode.HYBRID }]);
    await settle({ semanticWeight: 1 });
    expect(overridden.map(strip)).toEqual(applied.map(strip));
    // A configuration's field overrides the workspace's: 0 here, whatever the workspace says.
    expect((await figures([{ mode: SearchMode.HYBRID, settings: { semanticWeight: 0 } }])).map(strip)).toEqual(
      applied.map(strip),
    );
    // And the weight changes the figures, so the equalities above are not those of any setting.
    const semantic = await figures([{ mode: SearchMode.HYBRID }]);
    await settle({});
    expect(semantic.map(strip)).not.toEqual(applied.map(strip));
  });
});

describe("the candidate pool", () => {
  it("reads each HYBRID retriever's candidates as the workspace's candidate_pool says, in proportion to top_k", async () => {
    const pools: number[] = [];
    const recorded = await startServices({
      embedder: new WordHashEmbedder(),
      memory: { repositories: poolsRecordedIn(pools) },
    });
    try {
      const ws: Caller = { workspaceId: `ws-${randomUUID()}`, scopes: ["memory:read", "memory:write"] };
      await recorded
        .memories(ws)
        .writeMemory({ memory: { subjectType: "house", subjectId, kind: "note", content: NOTES[0] } });
      const once = async (topK: number) => {
        for await (const hit of recorded.memories(ws).searchMemories({ query: "boiler", topK })) void hit;
      };
      await once(10);
      await once(20);
      await recorded.search({ ...ws, scopes: ["admin"] }).updateSearchSettings({ settings: { candidatePool: 120 } });
      await once(10);
      await once(20);
      await once(100);
      expect(pools).toEqual([50, 100, 120, 240, 300]);
    } finally {
      await recorded.close();
    }
  });
});
