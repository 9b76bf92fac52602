/**
 * ListMemories: every MemoryFilter field, ordering, and keyset pagination under concurrent writes.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { Visibility, type MemoryFilterSchema } from "../../../gen/ts/engram/v1/memory_pb.js";
import { memoryClient } from "../../support/clients.js";
import { ACTIVE, writeFilterFixture } from "../../support/filter-fixture.js";
import { expectError, violatedFields } from "../../support/codes.js";
import { sorted, unique, useServer, type MemoryClient } from "./write-list-support.js";
import { aNote, aNoteWrite } from "../../support/factories/memory.js";

type Filter = MessageInitShape<typeof MemoryFilterSchema>;

const ctx = useServer();

describe("filters", () => {
  const fx = {} as {
    workspaceId: string;
    admin: MemoryClient;
    reader: MemoryClient;
    ids: Map<string, string>;
    names: Map<string, string>;
  };

  beforeAll(async () => {
    const workspaceId = unique("ws-filters");
    fx.workspaceId = workspaceId;
    fx.admin = memoryClient(
      ctx.server.baseUrl,
      await ctx.server.createKey({ workspaceId, scopes: ["admin", "memory:read", "memory:write"] }),
    );
    fx.reader = memoryClient(ctx.server.baseUrl, await ctx.server.createKey({ workspaceId, scopes: ["memory:read"] }));
    fx.names = await writeFilterFixture(fx.admin, (name) => `fixture ${name}`);
    fx.ids = new Map([...fx.names].map(([id, name]) => [name, id]));
  });

  /** The fixture names a list returns, sorted; checks every row is returned once. */
  async function namesListed(client: MemoryClient, filter: Filter): Promise<string[]> {
    const res = await client.listMemories({ filter, pageSize: 500 });
    expect(res.nextPageToken).toBe("");
    const names = res.memories.map((m) => fx.names.get(m.id) ?? `unknown ${m.id}`);
    expect(new Set(names).size).toBe(names.length);
    return names.sort();
  }

  const single: [string, Filter, string[]][] = [
    ["no filter", {}, ACTIVE],
    ["subject_type", { subjectType: "company" }, ["m5", "m6"]],
    ["subject_type (another)", { subjectType: "contact" }, ["m1", "m2", "m3", "m4", "m9"]],
    ["subject_id", { subjectId: "c1" }, ["m1", "m2", "m4"]],
    ["kinds (one)", { kinds: ["pitch"] }, ["m1", "m3", "m4"]],
    ["kinds (any of several)", { kinds: ["objection", "note"] }, ["m2", "m5", "m6", "m9"]],
    ["tags (one)", { tags: ["feature:seq"] }, ["m1", "m2", "m4"]],
    ["tags (all must match)", { tags: ["feature:seq", "angle:price"] }, ["m4"]],
    ["any_tags", { anyTags: ["angle:price", "angle:time"] }, ["m1", "m3", "m4", "m6"]],
    ["linked entity", { linkedEntityType: "opportunity", linkedEntityId: "o1" }, ["m1", "m2", "m6"]],
    ["linked entity (type and id both match)", { linkedEntityType: "email", linkedEntityId: "o1" }, []],
    ["linked entity (another)", { linkedEntityType: "email", linkedEntityId: "e1" }, ["m2"]],
    ["visibility SHARED", { visibility: Visibility.SHARED }, ["m2", "m4", "m6"]],
    ["visibility PRIVATE", { visibility: Visibility.PRIVATE }, ["m1", "m3", "m5", "m9"]],
    ["key", { key: "k1" }, ["m1", "m3"]],
    ["owner_agent_ids (one)", { ownerAgentIds: ["B"] }, ["m4", "m5", "m9"]],
    ["owner_agent_ids (any of several)", { ownerAgentIds: ["A", "B"] }, ["m1", "m2", "m3", "m4", "m5", "m9"]],
    ["owner_agent_ids (no such agent)", { ownerAgentIds: ["nobody"] }, []],
    ["show_deleted", { showDeleted: true }, [...ACTIVE, "deleted"]],
    ["show_expired", { showExpired: true }, [...ACTIVE, "expired"]],
    ["show_deleted and show_expired", { showDeleted: true, showExpired: true }, [...ACTIVE, "deleted", "expired"]],
  ];

  it.each(single)("%s alone (admin)", async (_, filter, expected) => {
    expect(await namesListed(fx.admin, filter)).toEqual(sorted(expected));
  });

  it.each([
    ["no acting agent: shared and agentless only", "", ["m2", "m4", "m6"]],
    ["agent A: its own, shared and agentless", "A", ["m1", "m2", "m3", "m4", "m6"]],
    ["agent B: its own, shared and agentless", "B", ["m2", "m4", "m5", "m6", "m9"]],
  ])("agent_id as acting agent, %s", async (_, agentId, expected) => {
    expect(await namesListed(fx.reader, { agentId })).toEqual(sorted(expected));
  });

  it("an agent-bound key acts as its agent; naming another agent is PERMISSION_DENIED", async () => {
    const key = await ctx.server.createKey({ workspaceId: fx.workspaceId, scopes: ["memory:read"], agentId: "B" });
    const bound = memoryClient(ctx.server.baseUrl, key);
    expect(await namesListed(bound, {})).toEqual(["m2", "m4", "m5", "m6", "m9"]);
    await expectError(bound.listMemories({ filter: { agentId: "A" } }), Code.PermissionDenied, "AGENT_MISMATCH");
  });

  const combined: [string, Filter, string[]][] = [
    ["subject + kind", { subjectType: "contact", subjectId: "c1", kinds: ["pitch"] }, ["m1", "m4"]],
    [
      "subject + kind + show_deleted",
      { subjectType: "contact", subjectId: "c1", kinds: ["pitch"], showDeleted: true },
      ["deleted", "m1", "m4"],
    ],
    ["tags + visibility", { tags: ["feature:seq"], visibility: Visibility.SHARED }, ["m2", "m4"]],
    ["linked entity + kind", { linkedEntityType: "opportunity", linkedEntityId: "o1", kinds: ["objection"] }, ["m2"]],
    [
      "tags + show_expired + show_deleted",
      { tags: ["feature:seq"], showDeleted: true, showExpired: true },
      ["deleted", "expired", "m1", "m2", "m4"],
    ],
    ["key + subject_id", { key: "k1", subjectId: "c2" }, ["m3"]],
  ];

  it.each(combined)("combined: %s", async (_, filter, expected) => {
    expect(await namesListed(fx.admin, filter)).toEqual(sorted(expected));
  });

  it("combined with an acting agent: agent A, kind pitch, any of angle:price", async () => {
    expect(await namesListed(fx.reader, { agentId: "A", kinds: ["pitch"], anyTags: ["angle:price"] })).toEqual([
      "m3",
      "m4",
    ]);
  });

  it("owner_agent_ids stays within what the caller may read: another agent's shared memories only", async () => {
    expect(await namesListed(fx.reader, { agentId: "A", ownerAgentIds: ["B"] })).toEqual(["m4"]);
    expect(await namesListed(fx.reader, { agentId: "A", ownerAgentIds: ["A"] })).toEqual(["m1", "m2", "m3"]);
    expect(await namesListed(fx.reader, { ownerAgentIds: ["A", "B"] })).toEqual(["m2", "m4"]);
    const key = await ctx.server.createKey({ workspaceId: fx.workspaceId, scopes: ["memory:read"], agentId: "B" });
    const bound = memoryClient(ctx.server.baseUrl, key);
    expect(await namesListed(bound, { ownerAgentIds: ["A"] })).toEqual(["m2"]);
    expect(await namesListed(bound, { ownerAgentIds: ["B"], kinds: ["objection"] })).toEqual(["m9"]);
  });

  it("owner_agent_ids refuses an empty id and more than 64 ids as INVALID_ARGUMENT", async () => {
    const cases: [string[], string][] = [
      [[""], "filter.owner_agent_ids[0]"],
      [Array.from({ length: 65 }, (_, i) => `a${i}`), "filter.owner_agent_ids"],
    ];
    for (const [ownerAgentIds, field] of cases) {
      const err = await expectError(fx.admin.listMemories({ filter: { ownerAgentIds } }), Code.InvalidArgument);
      expect(violatedFields(err)).toEqual([field]);
    }
  });

  it("linked_entity_type without linked_entity_id is INVALID_ARGUMENT", async () => {
    const err = await expectError(
      fx.admin.listMemories({ filter: { linkedEntityType: "opportunity" } }),
      Code.InvalidArgument,
    );
    expect(err.rawMessage).toContain("linked_entity");
  });
});

describe("order_by", () => {
  /** Three memories about one subject: created a, b, c; then a is updated; confidences differ. */
  async function orderFixture() {
    const subjectId = unique("order");
    const write = (name: string, confidence: number) =>
      ctx.admin.writeMemory({ memory: aNote(subjectId, `entry ${name}`, { key: name, confidence }) });
    const ids: Record<string, string> = {};
    for (const [name, confidence] of [
      ["a", 0.5],
      ["b", 0.9],
      ["c", 0.2],
    ] as const) {
      ids[name] = (await write(name, confidence)).memory!.id;
    }
    await ctx.admin.updateMemory({ id: ids.a!, memory: { title: "touched" }, updateMask: { paths: ["title"] } });
    const listed = async (orderBy: string) => {
      const res = await ctx.admin.listMemories({ filter: { subjectId }, orderBy });
      return res.memories.map((m) => m.key);
    };
    return listed;
  }

  it.each([
    ["", ["c", "b", "a"]],
    ["create_time desc", ["c", "b", "a"]],
    ["create_time", ["a", "b", "c"]],
    ["create_time asc", ["a", "b", "c"]],
    ["update_time", ["b", "c", "a"]],
    ["update_time desc", ["a", "c", "b"]],
    ["confidence", ["c", "a", "b"]],
    ["confidence asc", ["c", "a", "b"]],
    ["confidence desc", ["b", "a", "c"]],
  ])("order_by %j", async (orderBy, expected) => {
    const listed = await orderFixture();
    expect(await listed(orderBy)).toEqual(expected);
  });

  it("an unknown order_by is INVALID_ARGUMENT", async () => {
    const err = await expectError(ctx.admin.listMemories({ orderBy: "content desc" }), Code.InvalidArgument);
    expect(violatedFields(err)).toEqual(["order_by"]);
  });
});

describe("keyset pagination", () => {
  /** Writes n memories about a fresh subject, with varied confidences; returns the subject and ids. */
  async function seed(n: number) {
    const subjectId = unique("paging");
    const requests = Array.from({ length: n }, (_, i) =>
      aNoteWrite(subjectId, `row ${i}`, { confidence: ((i * 37) % 11) / 10 }),
    );
    const res = await ctx.admin.batchWriteMemories({ atomic: true, requests });
    const ids = res.results.map((r) => (r.result.case === "response" ? r.result.value.memory!.id : ""));
    return { subjectId, ids };
  }

  /** Pages through a list to the end; returns every id served, in order, duplicates kept. */
  async function pageThrough(filter: Filter, orderBy: string, pageSize: number) {
    const served: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const res = await ctx.admin.listMemories({ filter, orderBy, pageSize, pageToken });
      expect(res.memories.length).toBeLessThanOrEqual(pageSize);
      served.push(...res.memories.map((m) => m.id));
      pageToken = res.nextPageToken;
      pages += 1;
    } while (pageToken !== "" && pages < 1000);
    return { served, pages };
  }

  it("without concurrent writes, pages are the full list in order", async () => {
    const { subjectId, ids } = await seed(23);
    const { served, pages } = await pageThrough({ subjectId }, "", 5);
    expect(pages).toBe(5);
    expect(served).toEqual([...ids].reverse());
  });

  it.each(["create_time desc", "create_time", "update_time", "confidence", "confidence desc"])(
    "order_by %j: every row that existed before paging is served exactly once while another client inserts",
    async (orderBy) => {
      const { subjectId, ids } = await seed(60);
      const filter = { subjectType: "contact", subjectId, kinds: ["note"] };

      // Another client keeps inserting matching rows for as long as we page.
      const writer = memoryClient(ctx.server.baseUrl, ctx.server.adminKey, "connect-h2");
      let paging = true;
      const inserted: string[] = [];
      const background = (async () => {
        for (let i = 0; paging; i++) {
          const res = await writer.writeMemory({
            memory: aNote(subjectId, `late ${i}`, { confidence: (i % 10) / 10 }),
          });
          inserted.push(res.memory!.id);
        }
      })();

      let result: Awaited<ReturnType<typeof pageThrough>>;
      try {
        result = await pageThrough(filter, orderBy, 7);
      } finally {
        paging = false;
        await background;
      }
      expect(inserted.length).toBeGreaterThan(0);
      const { served } = result;
      expect(new Set(served).size).toBe(served.length); // no row twice
      expect(served.filter((id) => ids.includes(id)).sort()).toEqual(sorted(ids)); // every prior row
      expect(served.every((id) => ids.includes(id) || inserted.includes(id))).toBe(true);
    },
  );

  it("a malformed page_token is INVALID_ARGUMENT", async () => {
    for (const pageToken of ["not a token", Buffer.from('{"q":"x","v":1}').toString("base64url"), "%%%"]) {
      const err = await expectError(ctx.admin.listMemories({ pageToken }), Code.InvalidArgument, "INVALID_PAGE_TOKEN");
      expect(violatedFields(err)).toEqual(["page_token"]);
    }
  });

  it("a page_token reused with a different filter or order_by is INVALID_ARGUMENT", async () => {
    const { subjectId } = await seed(4);
    const first = await ctx.admin.listMemories({ filter: { subjectId }, pageSize: 2 });
    expect(first.nextPageToken).not.toBe("");
    const pageToken = first.nextPageToken;

    // The same query continues fine, even with another page size.
    const next = await ctx.admin.listMemories({ filter: { subjectId }, pageSize: 3, pageToken });
    expect(next.memories).toHaveLength(2);

    for (const changed of [
      { filter: { subjectId, kinds: ["note"] } },
      { filter: { subjectId: unique("paging") } },
      { filter: { subjectId, showDeleted: true } },
      { filter: { subjectId }, orderBy: "create_time" },
      { filter: { subjectId, agentId: "someone" } },
    ]) {
      await expectError(
        ctx.admin.listMemories({ ...changed, pageSize: 2, pageToken }),
        Code.InvalidArgument,
        "INVALID_PAGE_TOKEN",
      );
    }
  });

  it("page_size over 500 is INVALID_ARGUMENT; 0 means 50", async () => {
    await expectError(ctx.admin.listMemories({ pageSize: 501 }), Code.InvalidArgument);
    const { subjectId } = await seed(55);
    const res = await ctx.admin.listMemories({ filter: { subjectId } });
    expect(res.memories).toHaveLength(50);
    expect(res.nextPageToken).not.toBe("");
  });
});
