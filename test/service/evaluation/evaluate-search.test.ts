/**
 * SearchService.EvaluateSearch: each labelled query runs as SearchMemories runs it for the same
 * key, and its figures are those of SearchMemories' own results; expected memories the caller
 * may not read count as not found; refusals come before any search; nothing is written. The
 * metadata matching is compared with the database's own jsonb containment on both engines.
 */
import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type {
  EvaluateSearchRequestSchema,
  EvaluateSearchResponse,
  QueryEvaluation,
} from "../../../gen/ts/engram/v1/search_service_pb.js";
import { contains } from "../../../src/evaluation/relevance.js";
import { expectError, violatedFields } from "../../support/codes.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { searchAll } from "../../support/factories/search.js";
import { startServices, type Caller, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

const ana: Caller = { agentId: "ana" };
const bob: Caller = { agentId: "bob" };
const subjectId = randomUUID();
const NOTES = [
  { key: "tea", content: "Dana drinks green tea every morning", metadata: { turn: "D1:1", topic: ["drink"] } },
  { key: "coffee", content: "Dana gave up coffee in March", metadata: { turn: "D1:2", topic: ["drink", "habit"] } },
  { key: "run", content: "Dana runs five kilometres before work", metadata: { turn: "D2:1", topic: ["sport"] } },
  { key: "bike", content: "Dana cycles to the office when it is dry", metadata: { turn: "D2:2", topic: ["sport"] } },
];
const ids = new Map<string, string>();
let privateId = "";

beforeAll(async () => {
  for (const note of NOTES) {
    const { memory } = await services.memories(ana).writeMemory({
      memory: { subjectType: "person", subjectId, kind: "note", visibility: Visibility.SHARED, ...note },
    });
    ids.set(note.key, memory!.id);
  }
  const { memory } = await services.memories(ana).writeMemory({
    memory: { subjectType: "person", subjectId, kind: "note", content: "Dana drinks green tea in secret" },
  });
  privateId = memory!.id;
});

type Request = MessageInitShape<typeof EvaluateSearchRequestSchema>;

async function evaluate(request: Request, caller: Caller = ana): Promise<EvaluateSearchResponse[]> {
  const messages: EvaluateSearchResponse[] = [];
  for await (const message of services.search(caller).evaluateSearch(request)) messages.push(message);
  return messages;
}

const queryResults = (messages: EvaluateSearchResponse[]): QueryEvaluation[] =>
  messages.flatMap((m) => (m.result.case === "query" ? [m.result.value] : []));

const KEYWORD = [{ mode: SearchMode.KEYWORD }];

describe("EvaluateSearch", () => {
  it("reports each query's figures from SearchMemories' own results, then the totals", async () => {
    const filter = { subjectId };
    const query = "Dana drinks tea coffee";
    const found = await searchAll(services.memories(ana), { query, filter, mode: SearchMode.KEYWORD, topK: 3 });
    const ranked = found.map((r) => r.memory!.id);
    const rankOf = (id: string) => ranked.indexOf(id) + 1;
    const messages = await evaluate({
      k: 3,
      configurations: KEYWORD,
      queries: [
        { query, filter, expectedIds: [ids.get("tea")!, ids.get("run")!], label: "by id" },
        { query, filter, expectedKeys: ["coffee"] },
        { query, filter, expectedMetadata: [{ topic: ["drink"] }, { turn: "D2:2" }] },
      ],
    });
    const [byId, byKey, byMetadata] = queryResults(messages);
    expect(byId).toMatchObject({ queryIndex: 0, label: "by id", expected: 2, searchedMode: SearchMode.KEYWORD });
    const byIdRanks = [rankOf(ids.get("tea")!), rankOf(ids.get("run")!)].filter((r) => r > 0);
    expect(byIdRanks.length).toBeGreaterThan(0);
    expect(byId).toMatchObject({ firstRank: Math.min(...byIdRanks), found: byIdRanks.length });
    expect(byKey).toMatchObject({ expected: 1, found: 1, recall: 1, firstRank: rankOf(ids.get("coffee")!) });
    expect(byKey?.reciprocalRank).toBeCloseTo(1 / rankOf(ids.get("coffee")!), 12);
    // topic ["drink"] is tea and coffee: the first of them counts; turn D2:2 (bike) shares no word.
    const firstDrink = Math.min(rankOf(ids.get("tea")!), rankOf(ids.get("coffee")!));
    expect(byMetadata).toMatchObject({ expected: 2, found: 1, recall: 0.5, firstRank: firstDrink });

    const summary = messages.at(-1)?.result;
    expect(summary?.case).toBe("summary");
    if (summary?.case !== "summary") return;
    const [keyword] = summary.value.configurations;
    const results = [byId!, byKey!, byMetadata!];
    expect(summary.value).toMatchObject({ k: 3, queries: 3 });
    expect(keyword?.recallAtK).toBeCloseTo(results.reduce((s, r) => s + r.recall, 0) / 3, 12);
    expect(keyword?.mrr).toBeCloseTo(results.reduce((s, r) => s + r.reciprocalRank, 0) / 3, 12);
    expect(keyword?.latencyP95Ms).toBeGreaterThan(0);
  });

  it("compares each mode without and with rerank unless told otherwise, query by query", async () => {
    const messages = await evaluate({
      queries: [{ query: "morning tea", expectedKeys: ["tea"], filter: { subjectId } }],
    });
    const configurations = queryResults(messages).map((r) => [
      SearchMode[r.configuration!.mode],
      r.configuration!.rerank,
    ]);
    expect(configurations).toEqual([
      ["KEYWORD", false],
      ["KEYWORD", true],
      ["SEMANTIC", false],
      ["SEMANTIC", true],
      ["HYBRID", false],
      ["HYBRID", true],
    ]);
    // This server has no reranker: asked for, rerank is reported as not applied.
    expect(queryResults(messages).some((r) => r.reranked)).toBe(false);
    const summary = messages.at(-1)?.result;
    expect(summary?.case === "summary" && summary.value.configurations.map((c) => c.reranked)).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
  });

  it("counts a memory the caller may not read as not found, never as an error", async () => {
    const request: Request = {
      configurations: KEYWORD,
      queries: [{ query: "Dana green tea secret", expectedIds: [privateId], filter: { subjectId } }],
    };
    expect(queryResults(await evaluate(request, ana))[0]).toMatchObject({ found: 1, firstRank: 1 });
    expect(queryResults(await evaluate(request, bob))[0]).toMatchObject({ found: 0, firstRank: 0, recall: 0 });
    const elsewhere = { ...ana, workspaceId: `ws-${randomUUID()}` };
    expect(queryResults(await evaluate(request, elsewhere))[0]).toMatchObject({ found: 0, firstRank: 0 });
  });

  it("refuses a bad query before any search runs, naming it", async () => {
    const good = { query: "tea", expectedKeys: ["tea"] };
    let err = await expectError(evaluate({ queries: [good, { query: "tea" }] }), Code.InvalidArgument);
    expect(err.rawMessage).toContain("expected_ids, expected_keys or expected_metadata");
    const tooMany = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    err = await expectError(
      evaluate({ queries: [good, { ...good, filter: { metadata: tooMany } }] }),
      Code.InvalidArgument,
      "FILTER_TOO_LARGE",
    );
    expect(violatedFields(err)).toEqual(["queries[1].filter.metadata"]);
    await expectError(
      evaluate({ queries: [good, { ...good, filter: { agentId: "bob" } }] }, ana),
      Code.PermissionDenied,
      "AGENT_MISMATCH",
    );
    await expectError(evaluate({ queries: [good], k: 101 }), Code.InvalidArgument);
  });

  it("writes nothing: the change log stands where it stood", async () => {
    const head = async () => (await services.memories(ana).listMemories({ pageSize: 1 })).watchCursor;
    const before = await head();
    await evaluate({ queries: [{ query: "tea", expectedKeys: ["tea"] }] });
    expect(await head()).toBe(before);
  });
});

describe("metadata matching", () => {
  it("agrees with the database's jsonb containment", async () => {
    const cases: [unknown, unknown][] = [
      [{ a: 1, b: { c: [1, 2] } }, { b: { c: [2] } }],
      [{ a: [1, 2] }, { a: [2, 1, 2] }],
      [{ a: [{ x: 1, y: 2 }] }, { a: [{ x: 1 }] }],
      [{ a: [1] }, { a: 1 }],
      [{ a: 1 }, { a: [1] }],
      [{ a: null }, { a: null }],
      [{}, { a: null }],
      [{ a: "1" }, { a: 1 }],
      [{ a: 1.0 }, { a: 1 }],
      [{ a: [[1, 2], [3]] }, { a: [[3]] }],
      [{ a: [[1, 2]] }, { a: [1] }],
      [{ a: true }, { a: "true" }],
      [{ a: { b: [] } }, { a: { b: [] } }],
      [{ a: [] }, { a: [null] }],
    ];
    for (const [doc, pattern] of cases) {
      const [row] = await services.db.em
        .fork()
        .execute<{ held: boolean }[]>("select ?::jsonb @> ?::jsonb as held", [
          JSON.stringify(doc),
          JSON.stringify(pattern),
        ]);
      expect(contains(doc as never, pattern as never), JSON.stringify([doc, pattern])).toBe(row?.held);
    }
  });
});
