/**
 * The README's search example, run as a new user would with the real model: the Sarah pitch
 * written by the README's calls, among the other notes an agent keeps (some sharing the
 * question's words, none its meaning), is found in the top 5 by the README's own query, in
 * every mode that searches by meaning. The query shares no word with the pitch: without the
 * model (a keyword-only search) it finds nothing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { realModel } from "../../support/embedders.js";
import { eventually, modeName, useSearchServer } from "./search-support.js";
import { searchAll } from "../../support/factories/search.js";
import { EmbeddingStatus } from "../../../gen/ts/engram/v1/memory_pb.js";

const ctx = useSearchServer({ embedder: realModel() });

const AGENT = "nurture-agent";
/** The README's query, verbatim. */
const QUERY = "who is overworked and wants less manual work?";
const PITCH = "Pitched automated follow-up sequences to Sarah. Angle: their team is stretched thin.";

/** Other contacts' notes; some share a word with the query (works, less) but not its meaning. */
const NOTES: [string, string][] = [
  ["tom", "Tom wants the contract sent by work email, not to his personal address"],
  ["priya", "Priya asked for less frequent check-ins during the quarter close"],
  ["li", "Li works from home on Fridays and prefers calls in the afternoon"],
  ["omar", "Omar booked the onboarding workshop for his new hires"],
  ["ana", "Ana's company paid the last invoice two weeks late"],
  ["ben", "Ben is moving offices to Denver in the spring"],
  ["kim", "Kim uses Salesforce as the CRM and HubSpot for marketing email"],
  ["raj", "Raj's security review needs a SOC 2 report before procurement"],
  ["eva", "Eva loved the hiking trip to Patagonia last summer"],
  ["joe", "Joe said a competitor quoted less for the starter tier"],
];

describe("the README's search example", () => {
  beforeAll(async () => {
    for (const [subjectId, content] of NOTES) {
      await ctx.admin.writeMemory({
        memory: { agentId: AGENT, subjectType: "contact", subjectId, kind: "note", content },
      });
    }
    // The README's two writes of the pitch: Connect first, then the TrustPager upsert of the same key.
    const pitch = { agentId: AGENT, subjectType: "contact", subjectId: "sarah", kind: "pitch" };
    await ctx.admin.writeMemory({
      memory: {
        ...pitch,
        key: "automated-follow-up-sequences",
        content: "Pitched automated follow-up sequences to Sarah. Angle: time savings.",
      },
    });
    await ctx.admin.writeMemory({ memory: { ...pitch, key: "automated-follow-up-sequences", content: PITCH } });
    await eventually(async () => {
      const { memories } = await ctx.admin.listMemories({ filter: { agentId: AGENT }, pageSize: 50 });
      return memories.every((m) => m.embeddingStatus === EmbeddingStatus.ATTACHED) ? true : undefined;
    });
  });

  it.each([SearchMode.HYBRID, SearchMode.SEMANTIC].map((mode) => [modeName(mode), mode] as const))(
    "%s: the README's query finds the Sarah pitch in its top 5",
    async (_, mode) => {
      const results = await searchAll(ctx.admin, { query: QUERY, filter: { agentId: AGENT }, topK: 5, mode });
      expect(results).toHaveLength(5);
      expect(results.map((r) => r.memory?.content)).toContain(PITCH);
    },
  );
});
