/**
 * Search by meaning with the real all-MiniLM-L6-v2 model: a paraphrase sharing no word with a
 * memory still finds it first among memories about other things.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { realModel } from "../../support/embedders.js";
import { EmbeddingStatus } from "../../../gen/ts/engram/v1/memory_pb.js";
import { eventually, expectRankOrder, modeName, unique, useSearchServer } from "./search-support.js";
import { searchAll } from "../../support/factories/search.js";
import { aNote } from "../../support/factories/memory.js";

const ctx = useSearchServer({ embedder: realModel() });

const STOPWORDS = new Set(
  "a an and the to of in on for by with at is are was were be been her his their our its it this that as from or but not".split(
    " ",
  ),
);

/** Lower-cased words minus stopwords, crudely stemmed so "wants" and "want" count as one word. */
function contentWords(text: string): Set<string> {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  return new Set(words.filter((w) => !STOPWORDS.has(w)).map((w) => w.replace(/(ing|ed|es|s)$/, "")));
}

function sharedWords(a: string, b: string): string[] {
  const other = contentWords(b);
  return [...contentWords(a)].filter((w) => other.has(w));
}

const PARAPHRASES = [
  {
    memory: "Pitched automated follow-up sequences to Sarah; her team is stretched thin and drowning in manual work",
    query: "overworked staff wants less busywork",
  },
  {
    memory: "Their support team answers tickets slowly and customers keep complaining",
    query: "clients unhappy about response times",
  },
  {
    memory: "Worried that migrating their data would take months of engineering effort",
    query: "concerned switching platforms is too much hassle",
  },
];

const DISTRACTORS = [
  "Quarterly invoice was paid two weeks late by accounts payable",
  "Prefers to be contacted by phone on Tuesday mornings",
  "Their office is moving to Denver in the spring",
  "Uses Salesforce as the CRM and HubSpot for marketing email",
  "Mentioned her daughter just started college in Boston",
  "Security review requires a SOC 2 report before procurement",
  "Loves hiking and went to Patagonia last summer",
  "Legal asked for redlines on the indemnification clause",
  "Competitor quoted a lower price for the starter tier",
  "Had a great dinner at the new Italian place downtown",
];

describe.each(PARAPHRASES)("the paraphrase $query", ({ memory, query }) => {
  const subjectId = unique("paraphrase");
  const others = [...DISTRACTORS, ...PARAPHRASES.map((p) => p.memory).filter((m) => m !== memory)];
  let id: string;

  beforeAll(async () => {
    const write = (content: string) => ctx.admin.writeMemory({ memory: aNote(subjectId, content) });
    for (const content of others) await write(content);
    id = (await write(memory)).memory!.id;
    // Writes embed within a small budget; on a slow machine the worker may attach a few moments later.
    await eventually(async () => {
      const { memories } = await ctx.admin.listMemories({ filter: { subjectId } });
      return memories.every((m) => m.embeddingStatus === EmbeddingStatus.ATTACHED) ? true : undefined;
    });
  });

  it("shares no content word with the memory or any distractor (so keyword search cannot find it)", async () => {
    expect(others.length).toBeGreaterThanOrEqual(8);
    expect(sharedWords(query, memory)).toEqual([]);
    for (const other of others) expect(sharedWords(query, other), other).toEqual([]);
    expect(await searchAll(ctx.admin, { query, filter: { subjectId }, mode: SearchMode.KEYWORD })).toEqual([]);
  });

  it.each([SearchMode.SEMANTIC, SearchMode.HYBRID].map((mode) => [modeName(mode), mode] as const))(
    "%s: ranks the memory first",
    async (_, mode) => {
      const responses = await searchAll(ctx.admin, { query, filter: { subjectId }, mode, topK: 20 });
      expectRankOrder(responses, mode);
      expect(responses).toHaveLength(others.length + 1);
      expect(responses[0]!.memory!.content).toBe(memory);
      expect(responses[0]!.memory!.id).toBe(id);
      expect(responses[0]!.semanticScore).toBeGreaterThan(responses[1]!.semanticScore);
    },
  );
});
