/**
 * MergeEntities and UndoEntityMerge: two refs become one for the whole workspace (mentions and
 * relations move, later writes follow, as_of still shows what was), the merge is recorded and
 * can be undone exactly; and a merge is as invisible as the memories behind it.
 */
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphEdge } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { MentionRole, Visibility, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { codeOf, failure } from "../../support/codes.js";
import { aNote, writeMemory } from "../../support/factories/memory.js";
import { startServices, type ServiceHarness, type Caller } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

const ref = (type: string, id: string) => ({ type, id });
/** A workspace of its own for each test, so merges of one do not reach another. */
const aWorkspace = (agentId?: string): Caller => ({ workspaceId: `merge-${randomUUID()}`, agentId });
const edgesOf = (edges: GraphEdge[]) => edges.map((e) => `${e.subject?.id} ${e.predicate} ${e.object?.id}`);
const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

/** The memory's mentions of one role, as "type/id" and the entity a merge moved it from. */
function mentioned(memory: Memory | undefined, role: MentionRole) {
  return (memory?.mentions ?? [])
    .filter((m) => m.role === role)
    .map((m) => [`${m.entity?.type}/${m.entity?.id}`, m.mergedFrom ? `${m.mergedFrom.type}/${m.mergedFrom.id}` : ""]);
}

describe("a merge", () => {
  it("moves mentions and relations, later writes follow, and its undo restores both", async () => {
    const caller = aWorkspace();
    const memories = services.memories(caller);
    const entities = services.entities(caller);
    const seed = await writeMemory(memories, aNote("js", "John Smith is the CTO of Acme Corp. He joined in 2022."));
    const stated = await writeMemory(
      memories,
      aNote("js2", "Moved teams this spring", {
        linkedEntities: [ref("person", "j-smith")],
        relations: [{ subject: ref("person", "j-smith"), predicate: "works_at", object: ref("company", "globex") }],
      }),
    );
    const { merge } = await entities.mergeEntities({
      from: ref("person", "j-smith"),
      into: ref("person", "john smith"),
    });
    expect(merge).toMatchObject({ from: ref("person", "j-smith"), into: ref("person", "john smith") });
    expect(merge?.undoTime).toBeUndefined();

    expect(await codeOf(entities.getEntity({ type: "person", id: "j-smith" }))).toBe("NotFound");
    const john = await entities.getEntity({ type: "person", id: "john smith" });
    expect(john.memories.map((m) => m.id).sort()).toEqual([seed.id, stated.id].sort());
    expect(john.entity?.mentionCount).toBe(2n);
    expect(john.merges.map((m) => m.id)).toEqual([merge?.id]);
    const moved = john.memories.find((m) => m.id === stated.id);
    expect(mentioned(moved, MentionRole.LINKED)).toEqual([["person/john smith", "person/j-smith"]]);
    // The stated relation now starts at the entity it was merged into.
    const graph = await entities.getEntityGraph({ type: "person", id: "john smith", predicates: ["works_at"] });
    expect(edgesOf(graph.edges)).toContain("john smith works_at globex");

    const later = await writeMemory(
      memories,
      aNote("js3", "Asked for a demo", { linkedEntities: [ref("person", "j-smith")] }),
    );
    expect(mentioned(later, MentionRole.LINKED)).toEqual([["person/john smith", "person/j-smith"]]);

    const { merge: undone } = await entities.undoEntityMerge({ mergeId: merge!.id });
    expect(undone?.undoTime).toBeDefined();
    const back = await entities.getEntity({ type: "person", id: "j-smith" });
    expect(back.memories.map((m) => m.id).sort()).toEqual([stated.id, later.id].sort());
    expect(mentioned(back.memories[0], MentionRole.LINKED)).toEqual([["person/j-smith", ""]]);
    const johnAgain = await entities.getEntity({ type: "person", id: "john smith" });
    expect(johnAgain.memories.map((m) => m.id)).toEqual([seed.id]);
    expect(johnAgain.merges).toEqual([]);
    expect(
      edgesOf((await entities.getEntityGraph({ type: "person", id: "j-smith", predicates: ["works_at"] })).edges),
    ).toEqual(["j-smith works_at globex"]);
    expect(await codeOf(entities.undoEntityMerge({ mergeId: merge!.id }))).toBe("FailedPrecondition");
  });

  it("keeps the name it merged away: a later mention of that name goes back with an undo", async () => {
    const caller = aWorkspace();
    const memories = services.memories(caller);
    const entities = services.entities(caller);
    await writeMemory(memories, aNote("c1", "Lunch with Ana Lopez near the office"));
    const { merge } = await entities.mergeEntities({ from: ref("person", "ana lopez"), into: ref("contact", "ana") });
    const later = await writeMemory(memories, aNote("c2", "Ana Lopez asked about the invoice"));
    expect(mentioned(later, MentionRole.CONTENT)).toEqual([["contact/ana", "person/ana lopez"]]);
    expect((await entities.getEntity({ type: "contact", id: "ana" })).entity?.mentionCount).toBe(2n);
    await entities.undoEntityMerge({ mergeId: merge!.id });
    expect((await entities.getEntity({ type: "person", id: "ana lopez" })).entity?.mentionCount).toBe(2n);
    expect(await codeOf(entities.getEntity({ type: "contact", id: "ana" }))).toBe("NotFound");
  });

  it("applies through a chain, and undoing a link of it stops there", async () => {
    const caller = aWorkspace();
    const memories = services.memories(caller);
    const entities = services.entities(caller);
    const a = await writeMemory(memories, aNote("c1", "Renewal", { linkedEntities: [ref("account", "a")] }));
    await writeMemory(memories, aNote("c2", "Pricing", { linkedEntities: [ref("account", "b")] }));
    await entities.mergeEntities({ from: ref("account", "a"), into: ref("account", "b") });
    const { merge: second } = await entities.mergeEntities({ from: ref("account", "b"), into: ref("account", "c") });
    const linked = async () => mentioned((await memories.getMemory({ id: a.id })).memory, MentionRole.LINKED);
    expect(await linked()).toEqual([["account/c", "account/a"]]);
    expect((await entities.getEntity({ type: "account", id: "c" })).entity?.mentionCount).toBe(2n);
    // Merging c back into a would make a cycle.
    expect(await codeOf(entities.mergeEntities({ from: ref("account", "c"), into: ref("account", "a") }))).toBe(
      "FailedPrecondition",
    );
    await entities.undoEntityMerge({ mergeId: second!.id });
    expect(await linked()).toEqual([["account/b", "account/a"]]);
    expect(await codeOf(entities.getEntity({ type: "account", id: "c" }))).toBe("NotFound");
  });

  it("as_of before it shows the entities as they were; as_of after it, merged", async () => {
    const caller = aWorkspace();
    const memories = services.memories(caller);
    const entities = services.entities(caller);
    await writeMemory(memories, aNote("c1", "Signed", { linkedEntities: [ref("company", "acme")] }));
    await pause();
    const before = timestampFromDate(new Date());
    await pause();
    const { merge } = await entities.mergeEntities({ from: ref("company", "acme"), into: ref("company", "acme-corp") });
    await pause();
    const during = timestampFromDate(new Date());
    await pause();
    await entities.undoEntityMerge({ mergeId: merge!.id });
    const at = (asOf: typeof before, id: string) => codeOf(entities.getEntity({ type: "company", id, time: { asOf } }));
    expect([await at(before, "acme"), await at(before, "acme-corp")]).toEqual(["OK", "NotFound"]);
    expect([await at(during, "acme"), await at(during, "acme-corp")]).toEqual(["NotFound", "OK"]);
    const merged = await entities.getEntity({ type: "company", id: "acme-corp", time: { asOf: during } });
    expect(merged.merges.map((m) => m.id)).toEqual([merge?.id]);
    expect(await codeOf(entities.getEntity({ type: "company", id: "acme" }))).toBe("OK");
  });

  it("made at once in opposite directions, one is refused: a loop is never stored", async () => {
    const pairs = Array.from({ length: 8 }, async () => {
      const caller = aWorkspace();
      const memories = services.memories(caller);
      await writeMemory(memories, aNote("c1", "Renewal", { linkedEntities: [ref("account", "a")] }));
      const b = await writeMemory(memories, aNote("c2", "Pricing", { linkedEntities: [ref("account", "b")] }));
      const entities = services.entities(caller);
      const codes = await Promise.all([
        codeOf(entities.mergeEntities({ from: ref("account", "a"), into: ref("account", "b") })),
        codeOf(entities.mergeEntities({ from: ref("account", "b"), into: ref("account", "a") })),
      ]);
      const linked = mentioned((await memories.getMemory({ id: b.id })).memory, MentionRole.LINKED);
      return [codes.sort(), linked.length === 1 && linked[0]?.[0] !== undefined];
    });
    for (const outcome of await Promise.all(pairs)) expect(outcome).toEqual([["FailedPrecondition", "OK"], true]);
  });

  it("refuses an entity merged into itself, an unknown one, and an unknown merge", async () => {
    const caller = aWorkspace();
    await writeMemory(services.memories(caller), aNote("c1", "Kickoff", { linkedEntities: [ref("team", "x")] }));
    const entities = services.entities(caller);
    const same = await failure(entities.mergeEntities({ from: ref("team", "x"), into: ref("team", "x") }));
    expect([same.code, same.rawMessage]).toEqual([3, "into: an entity cannot be merged into itself"]);
    expect(await codeOf(entities.mergeEntities({ from: ref("team", "nope"), into: ref("team", "x") }))).toBe(
      "NotFound",
    );
    expect(await codeOf(entities.undoEntityMerge({ mergeId: randomUUID() }))).toBe("NotFound");
    expect(await codeOf(entities.undoEntityMerge({ mergeId: "not-a-uuid" }))).toBe("NotFound");
    expect(await codeOf(entities.mergeEntities({ into: ref("team", "x") }))).toBe("InvalidArgument");
  });
});

describe("export and import", () => {
  it("carry the merges a memory's mentions went through; the copy can undo them", async () => {
    const source = { ...aWorkspace(), scopes: ["admin" as const] };
    const written = await writeMemory(
      services.memories(source),
      aNote("c1", "Quarterly review", { linkedEntities: [ref("account", "old")] }),
    );
    await services.entities(source).mergeEntities({ from: ref("account", "old"), into: ref("account", "mid") });
    await services.entities(source).mergeEntities({ from: ref("account", "mid"), into: ref("account", "new") });
    const exported = [];
    for await (const item of services.memories(source).exportMemories({})) exported.push(item);
    expect(exported.map((e) => e.merges.map((m) => `${m.from?.id}>${m.into?.id}`))).toEqual([["old>mid", "mid>new"]]);

    const copy = { ...aWorkspace(), scopes: ["admin" as const] };
    await services.memories(copy).importMemories({ memories: exported });
    const imported = (await services.memories(copy).getMemory({ id: written.id })).memory;
    expect(imported?.mentions).toEqual(exported[0]?.memory?.mentions);
    expect(mentioned(imported, MentionRole.LINKED)).toEqual([["account/new", "account/old"]]);
    const { merges } = await services.entities(copy).getEntity({ type: "account", id: "new" });
    expect(merges.map((m) => m.from?.id)).toEqual(["mid"]);
    await services.entities(copy).undoEntityMerge({ mergeId: merges[0]!.id });
    const undone = (await services.memories(copy).getMemory({ id: written.id })).memory;
    expect(mentioned(undone, MentionRole.LINKED)).toEqual([["account/mid", "account/old"]]);
  });

  it("refuses a merge of an entity into itself, storing nothing", async () => {
    const copy = { ...aWorkspace(), scopes: ["admin" as const] };
    const memory = aNote("c1", "Kickoff");
    const err = await failure(
      services.memories(copy).importMemories({
        memories: [{ memory: { ...memory, id: randomUUID() }, merges: [{ from: ref("a", "x"), into: ref("a", "x") }] }],
      }),
    );
    expect([err.code, err.rawMessage]).toEqual([
      3,
      "memories[0].merges[0].into: an entity cannot be merged into itself",
    ]);
    expect((await services.memories(copy).listMemories({})).memories).toEqual([]);
  });
});

describe("tenancy", () => {
  it("an entity only another agent's private memories mention cannot be merged, and its merges do not show", async () => {
    const workspaceId = `merge-${randomUUID()}`;
    const a = { workspaceId, agentId: "agent-a" };
    const b = { workspaceId, agentId: "agent-b" };
    await writeMemory(services.memories(a), aNote("p1", "Private", { linkedEntities: [ref("person", "privy")] }));
    await writeMemory(
      services.memories(a),
      aNote("s1", "Shared", { visibility: Visibility.SHARED, linkedEntities: [ref("person", "shared")] }),
    );
    const refusal = async (call: Promise<unknown>, id: string) => {
      const err = await failure(call);
      return [err.code, err.rawMessage.replace(id, "<id>")];
    };
    expect(
      await refusal(
        services.entities(b).mergeEntities({ from: ref("person", "privy"), into: ref("person", "shared") }),
        "privy",
      ),
    ).toEqual(
      await refusal(
        services.entities(b).mergeEntities({ from: ref("person", "never"), into: ref("person", "shared") }),
        "never",
      ),
    );
    const { merge } = await services
      .entities(a)
      .mergeEntities({ from: ref("person", "privy"), into: ref("person", "shared") });
    expect((await services.entities(a).getEntity({ type: "person", id: "shared" })).merges.map((m) => m.id)).toEqual([
      merge?.id,
    ]);
    const seenByB = await services.entities(b).getEntity({ type: "person", id: "shared" });
    expect([seenByB.merges, seenByB.entity?.mentionCount]).toEqual([[], 1n]);
    const unknown = randomUUID();
    expect(await refusal(services.entities(b).undoEntityMerge({ mergeId: merge!.id }), merge!.id)).toEqual(
      await refusal(services.entities(b).undoEntityMerge({ mergeId: unknown }), unknown),
    );
  });

  it("a merge that closes a loop through one the caller cannot see is made, and ends that one", async () => {
    const workspaceId = `merge-${randomUUID()}`;
    const a = { workspaceId, agentId: "agent-a" };
    const b = { workspaceId, agentId: "agent-b" };
    const privy = ref("project", "nightjar");
    const team = ref("team", "x");
    const hidden = await writeMemory(services.memories(a), aNote("p1", "Private plan", { linkedEntities: [privy] }));
    const shared = await writeMemory(
      services.memories(b),
      aNote("s1", "Kickoff", { visibility: Visibility.SHARED, linkedEntities: [team] }),
    );
    const { merge: aMerge } = await services.entities(a).mergeEntities({ from: privy, into: team });
    const linked = async (caller: Caller, id: string) =>
      mentioned((await services.memories(caller).getMemory({ id })).memory, MentionRole.LINKED);
    expect(await linked(a, hidden.id)).toEqual([["team/x", "project/nightjar"]]);

    // B merges team/x into the id A's merge hides, exactly as into one nobody ever mentioned.
    const { merge } = await services.entities(b).mergeEntities({ from: team, into: privy });
    expect(merge).toMatchObject({ from: team, into: privy });
    expect(merge?.undoTime).toBeUndefined();
    expect(await linked(b, shared.id)).toEqual([["project/nightjar", "team/x"]]);

    // A's merge ended when B's was made; A's private memory names its own entity again, and the
    // two stay one, now under project/nightjar.
    expect(await codeOf(services.entities(a).undoEntityMerge({ mergeId: aMerge!.id }))).toBe("FailedPrecondition");
    expect(await linked(a, hidden.id)).toEqual([["project/nightjar", ""]]);
    const forA = await services.entities(a).getEntity(privy);
    expect([forA.entity?.mentionCount, forA.merges.map((m) => m.id)]).toEqual([2n, [merge?.id]]);
    const forB = await services.entities(b).getEntity(privy);
    expect([forB.entity?.mentionCount, forB.memories.map((m) => m.id)]).toEqual([1n, [shared.id]]);

    // Undoing B's merge leaves A's ended: each memory names its own entity.
    await services.entities(b).undoEntityMerge({ mergeId: merge!.id });
    expect([await linked(a, hidden.id), await linked(b, shared.id)]).toEqual([
      [["project/nightjar", ""]],
      [["team/x", ""]],
    ]);
  });

  it("a merge breaking a hidden loop while its owner undoes the merge it ends still succeeds", async () => {
    const pairs = Array.from({ length: 8 }, async () => {
      const workspaceId = `merge-${randomUUID()}`;
      const a = { workspaceId, agentId: "agent-a" };
      const b = { workspaceId, agentId: "agent-b" };
      const privy = ref("project", "nightjar");
      const team = ref("team", "x");
      await writeMemory(services.memories(a), aNote("p1", "Private plan", { linkedEntities: [privy] }));
      const shared = await writeMemory(
        services.memories(b),
        aNote("s1", "Kickoff", { visibility: Visibility.SHARED, linkedEntities: [team] }),
      );
      const { merge: aMerge } = await services.entities(a).mergeEntities({ from: privy, into: team });
      // Whichever commits first, B's merge is made: either no loop is left, or it breaks one.
      const [undo, merge] = await Promise.all([
        codeOf(services.entities(a).undoEntityMerge({ mergeId: aMerge!.id })),
        codeOf(services.entities(b).mergeEntities({ from: team, into: privy })),
      ]);
      const memory = (await services.memories(b).getMemory({ id: shared.id })).memory;
      return [merge, ["OK", "FailedPrecondition"].includes(undo), mentioned(memory, MentionRole.LINKED)];
    });
    for (const outcome of await Promise.all(pairs)) {
      expect(outcome).toEqual(["OK", true, [["project/nightjar", "team/x"]]]);
    }
  });

  it("a loop the caller can see is refused, and nothing changes", async () => {
    const workspaceId = `merge-${randomUUID()}`;
    const a = { workspaceId, agentId: "agent-a" };
    const b = { workspaceId, agentId: "agent-b" };
    const seen = await writeMemory(
      services.memories(a),
      aNote("s1", "Shared plan", { visibility: Visibility.SHARED, linkedEntities: [ref("project", "nightjar")] }),
    );
    await writeMemory(
      services.memories(b),
      aNote("s2", "Kickoff", { visibility: Visibility.SHARED, linkedEntities: [ref("team", "x")] }),
    );
    await services.entities(a).mergeEntities({ from: ref("project", "nightjar"), into: ref("team", "x") });
    const err = await failure(
      services.entities(b).mergeEntities({ from: ref("team", "x"), into: ref("project", "nightjar") }),
    );
    expect([err.code, err.rawMessage]).toEqual([9, "entity project/nightjar is already merged into team/x"]);
    const memory = (await services.memories(b).getMemory({ id: seen.id })).memory;
    expect(mentioned(memory, MentionRole.LINKED)).toEqual([["team/x", "project/nightjar"]]);
  });
});
