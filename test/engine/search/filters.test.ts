/**
 * SearchMemories applies every MemoryFilter field, the visibility rule and the workspace
 * boundary in every mode: a search never returns a memory outside them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { ACTIVE, writeFilterFixture } from "../../support/filter-fixture.js";
import {
  clientFor,
  expectRankOrder,
  MODES,
  modeName,
  sorted,
  unique,
  useSearchServer,
  type MemoryClient,
} from "./search-support.js";
import { searchAll, type Filter } from "../../support/factories/search.js";

const ctx = useSearchServer({ embedder: new WordHashEmbedder() });

const QUERY = "renewal pricing objections";

const fx = {} as {
  workspaceId: string;
  admin: MemoryClient;
  reader: MemoryClient;
  names: Map<string, string>;
};

beforeAll(async () => {
  fx.workspaceId = unique("ws-search-filters");
  const key = (options: Parameters<typeof ctx.server.createKey>[0]) =>
    ctx.server.createKey({ workspaceId: fx.workspaceId, ...options });
  fx.admin = clientFor(ctx.server, await key({ scopes: ["admin", "memory:read", "memory:write"] }));
  fx.reader = clientFor(ctx.server, await key({ scopes: ["memory:read"] }));
  // Every content shares the query's words, so without a filter each mode finds every row.
  fx.names = await writeFilterFixture(fx.admin, (name) => `${QUERY} from fixture ${name}`);
});

/** The fixture names a search returns in one mode (sorted), after checking the stream's shape. */
async function namesFound(client: MemoryClient, filter: Filter, mode: SearchMode): Promise<string[]> {
  const responses = await searchAll(client, { query: QUERY, filter, mode, topK: 100 });
  expectRankOrder(responses, mode);
  const names = responses.map((r) => fx.names.get(r.memory!.id) ?? `not in the fixture: ${r.memory!.id}`);
  expect(new Set(names).size).toBe(names.length);
  return sorted(names);
}

/** Each case in each mode: [case name, mode name, filter, expected, mode]. */
function inEveryMode<T extends unknown[]>(cases: [string, ...T][]) {
  return cases.flatMap(([name, ...rest]) => MODES.map((mode) => [name, modeName(mode), ...rest, mode] as const));
}

describe("each filter field, in each mode", () => {
  const single: [string, Filter, string[]][] = [
    ["no filter", {}, ACTIVE],
    ["subject_type", { subjectType: "company" }, ["m5", "m6"]],
    ["subject_id", { subjectId: "c1" }, ["m1", "m2", "m4"]],
    ["kinds (any of several)", { kinds: ["objection", "note"] }, ["m2", "m5", "m6", "m9"]],
    ["tags (all must match)", { tags: ["feature:seq", "angle:price"] }, ["m4"]],
    ["any_tags", { anyTags: ["angle:price", "angle:time"] }, ["m1", "m3", "m4", "m6"]],
    [
      "linked_entity_type + linked_entity_id",
      { linkedEntityType: "opportunity", linkedEntityId: "o1" },
      ["m1", "m2", "m6"],
    ],
    ["linked entity (type and id both match)", { linkedEntityType: "email", linkedEntityId: "o1" }, []],
    ["visibility SHARED", { visibility: Visibility.SHARED }, ["m2", "m4", "m6"]],
    ["visibility PRIVATE", { visibility: Visibility.PRIVATE }, ["m1", "m3", "m5", "m9"]],
    ["key", { key: "k1" }, ["m1", "m3"]],
    ["owner_agent_ids", { ownerAgentIds: ["B"] }, ["m4", "m5", "m9"]],
    ["show_deleted", { showDeleted: true }, [...ACTIVE, "deleted"]],
    ["show_expired", { showExpired: true }, [...ACTIVE, "expired"]],
    ["show_deleted + show_expired", { showDeleted: true, showExpired: true }, [...ACTIVE, "deleted", "expired"]],
    ["subject + kind", { subjectType: "contact", subjectId: "c1", kinds: ["pitch"] }, ["m1", "m4"]],
    [
      "tags + show_deleted + show_expired",
      { tags: ["feature:seq"], showDeleted: true, showExpired: true },
      ["deleted", "expired", "m1", "m2", "m4"],
    ],
  ];

  it.each(inEveryMode(single))("%s, %s (admin)", async (_, __, filter, expected, mode) => {
    expect(await namesFound(fx.admin, filter, mode)).toEqual(sorted(expected));
  });
});

describe("visibility: the acting agent", () => {
  const acting: [string, string, string[]][] = [
    ["no acting agent: shared and agentless only", "", ["m2", "m4", "m6"]],
    ["agent A: its own, shared and agentless", "A", ["m1", "m2", "m3", "m4", "m6"]],
    ["agent B: its own, shared and agentless", "B", ["m2", "m4", "m5", "m6", "m9"]],
  ];

  it.each(inEveryMode(acting))("%s, %s", async (_, __, agentId, expected, mode) => {
    expect(await namesFound(fx.reader, { agentId }, mode)).toEqual(sorted(expected));
  });

  it.each(MODES.map((mode) => [modeName(mode), mode] as const))(
    "%s: a key bound to agent B never finds agent A's private memories, whatever the filter asks",
    async (_, mode) => {
      const bound = clientFor(
        ctx.server,
        await ctx.server.createKey({ workspaceId: fx.workspaceId, scopes: ["memory:read"], agentId: "B" }),
      );
      const visibleToB = ["m2", "m4", "m5", "m6", "m9"];
      expect(await namesFound(bound, {}, mode)).toEqual(visibleToB);
      expect(await namesFound(bound, { showDeleted: true, showExpired: true }, mode)).toEqual(visibleToB);
      expect(await namesFound(bound, { visibility: Visibility.PRIVATE }, mode)).toEqual(["m5", "m9"]);
      expect(await namesFound(bound, { key: "k1" }, mode)).toEqual([]);
      expect(await namesFound(bound, { ownerAgentIds: ["A"] }, mode)).toEqual(["m2"]);
    },
  );
});

describe("workspaces", () => {
  it.each(MODES.map((mode) => [modeName(mode), mode] as const))(
    "%s: another workspace's memories, shared and agentless, never appear",
    async (_, mode) => {
      const other = clientFor(
        ctx.server,
        await ctx.server.createKey({
          workspaceId: unique("ws-search-other"),
          scopes: ["admin", "memory:read", "memory:write"],
        }),
      );
      const theirs = await other.writeMemory({
        memory: {
          subjectType: "company",
          subjectId: "co1",
          kind: "note",
          visibility: Visibility.SHARED,
          content: `${QUERY} from fixture m6`,
        },
      });
      expect(await namesFound(fx.admin, {}, mode)).toEqual(ACTIVE);
      expect(await namesFound(fx.admin, { subjectType: "company", subjectId: "co1" }, mode)).toEqual(["m5", "m6"]);
      // And the other way round: the other workspace sees only its own memory.
      const seen = await searchAll(other, {
        query: QUERY,
        mode,
        topK: 100,
        filter: { showDeleted: true, showExpired: true },
      });
      expect(seen.map((r) => r.memory!.id)).toEqual([theirs.memory!.id]);
    },
  );
});
