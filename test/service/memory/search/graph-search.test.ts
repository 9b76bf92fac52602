/**
 * Graph-aware HYBRID search (decision 0026): the entities a query names, by a name or an alias,
 * bring the memories that mention them, and their neighbours' memories, into the candidates, and
 * raise them by GRAPH_WEIGHTS; only through memories the searching reader may read.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../../gen/ts/engram/v1/memory_pb.js";
import { GraphExpansion, GraphLink, SearchMode } from "../../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../../../../src/auth/principal.js";
import { ENTITY_WEIGHT, GRAPH_WEIGHTS, SEMANTIC_WEIGHT } from "../../../../src/memory/search/ranking.js";
import { MAX_ENTITY_MEMORIES } from "../../../../src/memory/search/graph-statements.js";
import { queryNameKeys } from "../../../../src/memory/search/query-name-keys.js";
import { RetrievalRepository } from "../../../../src/memory/search/retrieval.repository.js";
import { WordHashEmbedder, wordHashVector } from "../../../support/embedders.js";
import { writeMany, writeMemory, type MemoryInit } from "../../../support/factories/memory.js";
import { NO_FILTER, searchAll } from "../../../support/factories/search.js";
import { startServices, type Caller, type ServiceHarness } from "../../../support/service.js";

/** The same words in every memory searched, none of them the query's: only the graph tells them apart. */
const CONTENT = "Moved the renewal after the budget review.";
/** Names company/globex-inc only by the alias the workspace gives it: no word of the memories, nor of its id. */
const QUERY = "What about Globex Corporation?";
const shared = { visibility: Visibility.SHARED, kind: "note", content: CONTENT };
const globex = { type: "company", id: "globex-inc" };
const mara = { type: "person", id: "mara" };
/** Named only in agent A's private memory, which also relates it to Mara. */
const vandelay = { type: "company", id: "vandelay" };

let services: ServiceHarness;
const asA: Caller = { agentId: "agent-a" };
const asB: Caller = { agentId: "agent-b" };

beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
  const a = services.memories(asA);
  const write = (memory: MemoryInit) => writeMemory(a, memory);
  // Globex's memory also mentions Mara: Mara is Globex's neighbour.
  await write({ ...shared, subjectType: globex.type, subjectId: globex.id, linkedEntities: [mara] });
  await write({ ...shared, subjectType: mara.type, subjectId: mara.id });
  await write({ ...shared, subjectType: "company", subjectId: "umbrella" });
  await write({
    kind: "note",
    subjectType: vandelay.type,
    subjectId: vandelay.id,
    content: "Vandelay Industries imports latex.",
    linkedEntities: [mara],
  });
  await services.entities(asA).updateEntity({
    ...vandelay,
    entity: { name: "Vandelay", aliases: ["Vandelay Industries"] },
    updateMask: { paths: ["name", "aliases"] },
  });
  await services.entities(asA).updateEntity({
    ...globex,
    entity: { name: "Globex", aliases: ["Globex Corporation"] },
    updateMask: { paths: ["name", "aliases"] },
  });
});
afterAll(() => services.close());

/** Each result's subject, scores, graph link, and the score fusion gives it without a bonus. */
async function search(caller: Caller, query: string, graphExpansion: GraphExpansion, mode = SearchMode.HYBRID) {
  const results = await searchAll(services.memories(caller), { query, mode, topK: 10, graphExpansion });
  return results.map((r) => ({
    subject: r.memory!.subjectId,
    score: r.score,
    fused: SEMANTIC_WEIGHT * r.semanticScore + (1 - SEMANTIC_WEIGHT) * r.keywordScore,
    link: r.graphLink,
  }));
}

const gainOf = (link: GraphLink) =>
  link === GraphLink.NAMED ? GRAPH_WEIGHTS.named : link === GraphLink.NEIGHBOUR ? GRAPH_WEIGHTS.neighbour : 0;

describe("graph-aware search", () => {
  it("raises the memory of the entity the query names by an alias, and its neighbour's, by their weights", async () => {
    const results = await search(asB, QUERY, GraphExpansion.NEIGHBOURS);
    expect(results.map((r) => [r.subject, r.link])).toEqual([
      [globex.id, GraphLink.NAMED],
      [mara.id, GraphLink.NEIGHBOUR],
      ["umbrella", GraphLink.UNSPECIFIED],
    ]);
    for (const r of results) expect(r.score).toBeCloseTo(r.fused + gainOf(r.link), 5);
  });

  it("leaves results as they were with the option off or unset, and in SEMANTIC and KEYWORD mode", async () => {
    for (const option of [GraphExpansion.OFF, GraphExpansion.UNSPECIFIED]) {
      const results = await search(asB, QUERY, option);
      // Nothing tells the three apart: they tie, in id order, each scored by fusion alone.
      expect(new Set(results.map((r) => r.subject))).toEqual(new Set([globex.id, mara.id, "umbrella"]));
      for (const r of results) {
        expect(r.link).toBe(GraphLink.UNSPECIFIED);
        expect(r.score).toBeCloseTo(r.fused, 5);
      }
    }
    for (const mode of [SearchMode.SEMANTIC, SearchMode.KEYWORD]) {
      expect(await search(asB, QUERY, GraphExpansion.NEIGHBOURS, mode)).toEqual(
        await search(asB, QUERY, GraphExpansion.OFF, mode),
      );
    }
  });

  it("brings a memory sharing no word with the query, and its neighbour's, into a pool the retrievers filled", async () => {
    const writeTo = services.memories({ ...asA, workspaceId: "pool" });
    // Memories nearer the query, holding its words, fill both retrievers' two places.
    for (const n of [1, 2, 3]) {
      await writeMemory(writeTo, {
        ...shared,
        subjectType: "memo",
        subjectId: `m-${n}`,
        content: `Corporation ${n}: what about it?`,
      });
    }
    const named = await writeMemory(writeTo, {
      ...shared,
      subjectType: globex.type,
      subjectId: globex.id,
      linkedEntities: [mara],
    });
    const neighbour = await writeMemory(writeTo, { ...shared, subjectType: mara.type, subjectId: mara.id });
    await services.entities({ ...asA, workspaceId: "pool" }).updateEntity({
      ...globex,
      entity: { name: "Globex", aliases: ["Globex Corporation"] },
      updateMask: { paths: ["name", "aliases"] },
    });
    const viewer: Viewer = { workspaceId: "pool", agentId: "agent-b", admin: false };
    const candidates = async (nameKeys?: string[]) => {
      const found = await new RetrievalRepository(services.db.em.fork()).hybridCandidates({
        viewer,
        filter: NO_FILTER,
        now: new Date(),
        text: QUERY,
        target: { vector: wordHashVector(QUERY), model: "test:word-hash" },
        limit: 2,
        ...(nameKeys === undefined ? {} : { nameKeys }),
      });
      const ids = new Set([...found.semantic, ...found.keyword].map((c) => c.id));
      return { ids, linkOf: found.linkOf };
    };
    const off = await candidates();
    expect(off.ids.has(named.id)).toBe(false);
    expect(off.ids.has(neighbour.id)).toBe(false);
    const on = await candidates(queryNameKeys(QUERY));
    expect(on.ids.has(named.id)).toBe(true);
    expect(on.ids.has(neighbour.id)).toBe(true);
    expect([on.linkOf(named.id), on.linkOf(neighbour.id)]).toEqual([1, 2]);
  });

  it("is not changed by an entity, or a relation, that only another agent's private memory gives", async () => {
    const query = "What about Vandelay Industries, Vandelay?";
    // A reads its own memory: Vandelay is named, and Mara, beside it there, is its neighbour.
    const forA = await search(asA, query, GraphExpansion.NEIGHBOURS);
    expect(forA.find((r) => r.subject === vandelay.id)?.link).toBe(GraphLink.NAMED);
    expect(forA.find((r) => r.subject === mara.id)?.link).toBe(GraphLink.NEIGHBOUR);
    // B cannot: its results are those of a search without the graph.
    expect(await search(asB, query, GraphExpansion.NEIGHBOURS)).toEqual(await search(asB, query, GraphExpansion.OFF));
  });

  it("does not name an entity by a name only another agent's private memory gives it", async () => {
    const workspace = { workspaceId: "names" };
    const a = services.memories({ ...asA, ...workspace });
    await writeMemory(a, { ...shared, subjectType: "person", subjectId: "john smith" });
    // Private to A: "Jay Smith", merged into John Smith, is a name of his in A's memory only.
    await writeMemory(a, { kind: "note", subjectType: "memo", subjectId: "m", content: "Jay Smith called about it." });
    await services.entities({ ...asA, ...workspace }).mergeEntities({
      from: { type: "person", id: "jay smith" },
      into: { type: "person", id: "john smith" },
    });
    const query = "What about Jay Smith?";
    const linkOfJohn = async (caller: Caller) =>
      (await search({ ...caller, ...workspace }, query, GraphExpansion.NEIGHBOURS)).find(
        (r) => r.subject === "john smith",
      )?.link;
    expect(await linkOfJohn(asA)).toBe(GraphLink.NAMED);
    expect(await linkOfJohn(asB)).toBe(GraphLink.UNSPECIFIED);
  });

  it("neither follows nor raises an entity more than MAX_ENTITY_MEMORIES of the memories searched mention", async () => {
    const linkOfHubco = async (count: number) => {
      const caller = { ...asA, workspaceId: `hub-${count}` };
      const memories = Array.from({ length: count }, (_, i) => ({
        ...shared,
        subjectType: "memo",
        subjectId: `m-${i}`,
        key: `k-${i}`,
        linkedEntities: [{ type: "company", id: "hubco" }],
      }));
      await writeMany(services.memories(caller), memories);
      const results = await search(caller, "What about Hubco?", GraphExpansion.NEIGHBOURS);
      return new Set(results.map((r) => r.link));
    };
    expect(await linkOfHubco(MAX_ENTITY_MEMORIES)).toEqual(new Set([GraphLink.NAMED]));
    expect(await linkOfHubco(MAX_ENTITY_MEMORIES + 1)).toEqual(new Set([GraphLink.UNSPECIFIED]));
  });

  it("keeps the entity bonus beside the graph's: a memory named both ways gains both", async () => {
    const results = await search(asB, "What about Globex Corporation and globex inc?", GraphExpansion.NEIGHBOURS);
    const first = results[0]!;
    expect([first.subject, first.link]).toEqual([globex.id, GraphLink.NAMED]);
    expect(first.score).toBeCloseTo(first.fused + GRAPH_WEIGHTS.named + ENTITY_WEIGHT, 5);
  });
});
