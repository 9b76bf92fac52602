/**
 * A keyword search counts each word's visible memories (up to DF_CAP) to weigh it; a word found
 * common is not counted again for a minute by the same viewer with the same filter
 * (src/memory/search/common-words.ts). What is remembered must change no answer: not another
 * agent's, whose count of the word may be far lower, and not a search for a word no memory held
 * until a moment ago.
 */
import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../../../../gen/ts/engram/v1/memory_service_pb.js";
import { DF_CAP } from "../../../../src/memory/search/bm25.js";
import {
  RetrievalRepository,
  type HybridCandidates,
  type KeywordMatches,
} from "../../../../src/memory/search/retrieval.repository.js";
import { WordHashEmbedder } from "../../../support/embedders.js";
import { startServices, type Caller, type ServiceHarness } from "../../../support/service.js";
import { aMemory, writeMany } from "../../../support/factories/memory.js";
import { searchAll } from "../../../support/factories/search.js";

/** What each keyword search was told was common, and what it counted. */
const calls: { knownCommon: readonly string[]; counted: KeywordMatches["counted"] }[] = [];

class ObservedRetrieval extends RetrievalRepository {
  override async keywordMatches(...args: Parameters<RetrievalRepository["keywordMatches"]>): Promise<KeywordMatches> {
    const matches = await super.keywordMatches(...args);
    calls.push({ knownCommon: args[0].knownCommon ?? [], counted: matches.counted });
    return matches;
  }

  override async hybridCandidates(
    ...args: Parameters<RetrievalRepository["hybridCandidates"]>
  ): Promise<HybridCandidates> {
    const found = await super.hybridCandidates(...args);
    calls.push({ knownCommon: args[0].knownCommon ?? [], counted: found.counted });
    return found;
  }
}

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({
    embedder: new WordHashEmbedder(),
    memory: { repositories: { retrieval: (em: EntityManager) => new ObservedRetrieval(em) } },
  });
});
afterAll(() => services.close());

/** The caller's private notes, one account each, in batches of 50. */
async function writeNotes(caller: Caller, contents: string[]): Promise<void> {
  const notes = contents.map((content) =>
    aMemory({ subjectType: "account", subjectId: randomUUID(), content, visibility: Visibility.PRIVATE }),
  );
  await writeMany(services.memories(caller), notes, 50);
}

/** Each hit's content and keyword score, best first. */
async function keywordSearch(caller: Caller, query: string, mode = SearchMode.KEYWORD): Promise<[string, number][]> {
  const hits = await searchAll(services.memories(caller), { query, mode });
  return hits.map((hit) => [hit.memory?.content ?? "", hit.keywordScore]);
}

describe("words a search found common", () => {
  const owner = { agentId: `owner-${randomUUID()}` };
  const other = { agentId: `other-${randomUUID()}` };

  beforeAll(async () => {
    await writeNotes(
      owner,
      Array.from({ length: DF_CAP + 10 }, (_, i) => `quartz assay number ${i}`),
    );
    await writeNotes(other, ["quartz ledger for Tuesday", "ledger closed"]);
  });

  it("are not counted again by the same viewer, and the answer is the same", async () => {
    calls.length = 0;
    const first = await keywordSearch(owner, "quartz assay");
    const second = await keywordSearch(owner, "quartz assay");
    expect(second).toEqual(first);
    expect(first).toHaveLength(10);
    expect(calls[0]?.counted).toEqual([
      { lexeme: "quartz", df: DF_CAP },
      { lexeme: "assay", df: DF_CAP },
    ]);
    expect(calls[1]).toEqual({ knownCommon: ["quartz", "assay"], counted: [] });
  });

  it("are remembered by HYBRID searches too, which score the keyword part the same", async () => {
    const geologist = { agentId: `geologist-${randomUUID()}` };
    await writeNotes(
      geologist,
      Array.from({ length: DF_CAP + 10 }, (_, i) => `basalt core sample ${i}`),
    );
    calls.length = 0;
    const first = await keywordSearch(geologist, "basalt core", SearchMode.HYBRID);
    const second = await keywordSearch(geologist, "basalt core", SearchMode.HYBRID);
    expect(second).toEqual(first);
    expect(first).toHaveLength(10);
    expect(calls[0]?.counted).toEqual([
      { lexeme: "basalt", df: DF_CAP },
      { lexeme: "core", df: DF_CAP },
    ]);
    expect(calls[1]).toEqual({ knownCommon: ["basalt", "core"], counted: [] });
  });

  it("stay common only for the viewer that counted them: another agent's scores are its own", async () => {
    const before = await keywordSearch(other, "quartz ledger");
    await keywordSearch(owner, "quartz ledger");
    calls.length = 0;
    const after = await keywordSearch(other, "quartz ledger");
    expect(after).toEqual(before);
    expect(after.map(([content]) => content)).toEqual(["quartz ledger for Tuesday", "ledger closed"]);
    // Counted again, and found rare: one memory this agent can read holds "quartz".
    expect(calls[0]?.knownCommon).toEqual([]);
    expect(calls[0]?.counted).toContainEqual({ lexeme: "quartz", df: 1 });
  });

  it("never include a word no memory held: one written after a search is found, its word counted anew", async () => {
    const word = `zanzibar${randomUUID().slice(0, 8)}`;
    expect(await keywordSearch(other, `${word} quartz`)).toHaveLength(1);
    await writeNotes(other, [`${word} spice order`]);
    calls.length = 0;
    const hits = await keywordSearch(other, `${word} quartz`);
    expect(hits.map(([content]) => content)).toContain(`${word} spice order`);
    expect(calls[0]?.knownCommon).toEqual([]);
    expect(calls[0]?.counted).toContainEqual({ lexeme: word, df: 1 });
  });
});
