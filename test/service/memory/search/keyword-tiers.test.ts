/**
 * A question whose words are all common is matched tier by tier: the memories holding all of
 * them, then any n-1, and so on (src/memory/search/keyword-tiers.ts). Each wider tier costs the
 * full-text index more than the last, so HYBRID stops at the first tier holding as many
 * memories as the search shows (decision 0036), where KEYWORD fills its whole page from them.
 */
import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../../../../gen/ts/engram/v1/memory_service_pb.js";
import { DF_CAP } from "../../../../src/memory/search/bm25.js";
import { RetrievalRepository } from "../../../../src/memory/search/retrieval.repository.js";
import { WordHashEmbedder } from "../../../support/embedders.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { aMemory, writeMany } from "../../../support/factories/memory.js";
import { searchAll } from "../../../support/factories/search.js";
import { watchingStatements } from "../../../support/watched-statements.js";

/** The statements that read a tier: `select id from memories where ... search @@ <tier>`. */
const TIER_STATEMENT = /^select id from memories where .*search @@/s;

/** How many tiers each search read, in order. */
const tiersRead: number[] = [];

/** The repository, reading through an entity manager that counts the tier statements. */
function countingTiers(em: EntityManager): RetrievalRepository {
  let tiers = 0;
  const counting = watchingStatements(em, (text) => {
    if (TIER_STATEMENT.test(text)) tiers++;
  });
  return new (class extends RetrievalRepository {
    override async hybridCandidates(...args: Parameters<RetrievalRepository["hybridCandidates"]>) {
      tiers = 0;
      const found = await super.hybridCandidates(...args);
      tiersRead.push(tiers);
      return found;
    }

    override async keywordMatches(...args: Parameters<RetrievalRepository["keywordMatches"]>) {
      tiers = 0;
      const found = await super.keywordMatches(...args);
      tiersRead.push(tiers);
      return found;
    }
  })(counting);
}

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({
    embedder: new WordHashEmbedder(),
    memory: { repositories: { retrieval: countingTiers } },
  });
});
afterAll(() => services.close());

describe("a question of common words only", () => {
  const caller = { agentId: `surveyor-${randomUUID()}` };
  /** Memories holding all three words: more than a page of 10, fewer than one of 20. */
  const ALL_THREE = 12;
  /** Memories holding two of them, per pair: each word is then held by more than DF_CAP memories. */
  const PER_PAIR = 50;
  const query = "marble quarry permit";

  beforeAll(async () => {
    expect(ALL_THREE + 2 * PER_PAIR).toBeGreaterThan(DF_CAP);
    const contents = [
      ...Array.from({ length: ALL_THREE }, (_, i) => `marble quarry permit number ${i}`),
      ...Array.from({ length: PER_PAIR }, (_, i) => `marble quarry survey ${i}`),
      ...Array.from({ length: PER_PAIR }, (_, i) => `marble permit survey ${i}`),
      ...Array.from({ length: PER_PAIR }, (_, i) => `quarry permit survey ${i}`),
    ];
    const notes = contents.map((content) =>
      aMemory({ subjectType: "site", subjectId: randomUUID(), content, visibility: Visibility.PRIVATE }),
    );
    await writeMany(services.memories(caller), notes, 50);
  });

  const search = (mode: SearchMode, topK: number) => searchAll(services.memories(caller), { query, mode, topK });
  const holdingAllThree = (content: string | undefined) => /^marble quarry permit number \d+$/.test(content ?? "");

  it("HYBRID stops at the tier of all three when it holds the page: the page is those memories", async () => {
    tiersRead.length = 0;
    const hits = await search(SearchMode.HYBRID, 10);
    expect(tiersRead).toEqual([1]);
    expect(hits).toHaveLength(10);
    expect(hits.every((hit) => holdingAllThree(hit.memory?.content))).toBe(true);
  });

  it("HYBRID widens to any two of the three when the page is deeper than the first tier", async () => {
    tiersRead.length = 0;
    const hits = await search(SearchMode.HYBRID, 20);
    expect(tiersRead).toEqual([2]);
    expect(hits).toHaveLength(20);
    // The memories holding all three words still come first.
    expect(hits.slice(0, ALL_THREE).every((hit) => holdingAllThree(hit.memory?.content))).toBe(true);
  });

  it("KEYWORD reads a tier that holds its whole page, as before", async () => {
    tiersRead.length = 0;
    const hits = await search(SearchMode.KEYWORD, 10);
    expect(tiersRead).toEqual([1]);
    expect(hits.slice(0, 10).every((hit) => holdingAllThree(hit.memory?.content))).toBe(true);
    tiersRead.length = 0;
    expect(await search(SearchMode.KEYWORD, 20)).toHaveLength(20);
    expect(tiersRead).toEqual([2]);
  });
});
