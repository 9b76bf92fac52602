/**
 * An entity, a relation, a count or a path exists for a reader only through memories that
 * reader may read: what only agent A's private memories mention does not exist for agent B, on
 * every EntityService method and the `mentions` filter, with the answer a name nobody ever
 * mentioned gets. Another workspace sees none of it.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MentionRole, Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { failure } from "../../support/codes.js";
import { aNote, writeMemory } from "../../support/factories/memory.js";
import { weightsBetween } from "../../support/graph-edges.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
const secret = { type: "person", id: "zelda quartermaine" };
const never = { type: "person", id: "nobody ever" };
let written: Date;

beforeAll(async () => {
  services = await startServices();
  const a = services.memories({ agentId: "agent-a" });
  const shared = { visibility: Visibility.SHARED };
  // Shared: x and Lisbon; y and z. Private to A: Lisbon, y and Zelda, with a stated relation.
  await writeMemory(
    a,
    aNote("s1", "Offsite planning notes from the Lisbon office", {
      ...shared,
      linkedEntities: [{ type: "team", id: "x" }],
    }),
  );
  await writeMemory(
    a,
    aNote("s2", "Quarterly sync between two of the teams", {
      ...shared,
      linkedEntities: [
        { type: "team", id: "y" },
        { type: "team", id: "z" },
      ],
    }),
  );
  await writeMemory(
    a,
    aNote("p1", "Zelda Quartermaine will move to Lisbon next spring", {
      linkedEntities: [{ type: "team", id: "y" }],
      relations: [{ subject: secret, predicate: "lives_in", object: { type: "place", id: "lisbon" } }],
    }),
  );
  written = new Date();
});
afterAll(() => services.close());

const asB = () => services.entities({ agentId: "agent-b" });
const asA = () => services.entities({ agentId: "agent-a" });
const ids = (entities: { ref?: { id: string } }[]) => entities.map((e) => e.ref?.id);
/** The error a call fails with, with the entity's own name taken out: what B can learn from it. */
async function refusal(call: Promise<unknown>, ref: { type: string; id: string }) {
  const err = await failure(call);
  return { code: err.code, message: err.rawMessage.replace(`${ref.type}/${ref.id}`, "<ref>") };
}

describe("what only A's private memories mention does not exist for B", () => {
  it("ListEntities: not listed, not by prefix, not in a count", async () => {
    expect(ids((await asA().listEntities({})).entities)).toContain(secret.id);
    expect(ids((await asB().listEntities({})).entities)).not.toContain(secret.id);
    expect((await asB().listEntities({ namePrefix: "zel" })).entities).toEqual([]);
    expect((await asB().listEntities({ query: "quartermaine" })).entities).toEqual([]);
    const lisbon = async (entities: ReturnType<typeof asA>) =>
      (await entities.listEntities({ type: "place", namePrefix: "lisbon" })).entities[0]?.mentionCount;
    expect(await lisbon(asA())).toBe(2n);
    expect(await lisbon(asB())).toBe(1n);
  });

  it("GetEntity, UpdateEntity, GetEntityGraph and FindEntityPaths answer as for a name never mentioned", async () => {
    const b = asB();
    const update = (ref: typeof secret) =>
      b.updateEntity({ ...ref, entity: { name: "x" }, updateMask: { paths: ["name"] } });
    const calls = [
      (ref: typeof secret) => b.getEntity(ref),
      update,
      (ref: typeof secret) => b.getEntityGraph(ref),
      (ref: typeof secret) => b.findEntityPaths({ ...ref, toType: "place", toId: "lisbon" }),
      (ref: typeof secret) => b.findEntityPaths({ type: "place", id: "lisbon", toType: ref.type, toId: ref.id }),
    ];
    for (const call of calls) {
      expect(await refusal(call(secret), secret)).toEqual(await refusal(call(never), never));
      expect((await refusal(call(secret), secret)).code).toBe(5); // NOT_FOUND
    }
  });

  it("a graph from an entity B may see leaves out what only private memories relate to it", async () => {
    const mine = await asA().getEntityGraph({ type: "place", id: "lisbon", depth: 2 });
    expect(ids(mine.entities)).toEqual(expect.arrayContaining([secret.id, "y", "x"]));
    const theirs = await asB().getEntityGraph({ type: "place", id: "lisbon", depth: 3 });
    // The shared note's subject, its linked team and the place: one memory, so each edge weighs 1.
    expect(ids(theirs.entities).sort()).toEqual(["lisbon", "s1", "x"]);
    expect(theirs.edges.map((e) => e.weight)).toEqual([1, 1, 1]);
    expect(theirs.entities.find((e) => e.ref?.id === "lisbon")?.mentionCount).toBe(1n);
    const asOf = await asB().getEntityGraph({
      type: "place",
      id: "lisbon",
      depth: 3,
      time: { asOf: timestampFromDate(written) },
    });
    expect(ids(asOf.entities).sort()).toEqual(["lisbon", "s1", "x"]);
  });

  it("an agent whose id looks like a tally class reads only what that agent may", async () => {
    // The tallies keep '' for what everyone reads and '*' for what an admin reads: agent ids
    // equal to either, or to an encoded class, must be an agent like any other.
    for (const agentId of ["*", "@agent-a", "@*"]) {
      const graph = await services.entities({ agentId }).getEntityGraph({ type: "place", id: "lisbon", depth: 3 });
      expect(ids(graph.entities).sort()).toEqual(["lisbon", "s1", "x"]);
      expect(graph.edges.map((e) => e.weight)).toEqual([1, 1, 1]);
      expect((await services.entities({ agentId }).listEntities({ namePrefix: "zel" })).entities).toEqual([]);
    }
    // Agent '*' privately relates two teams: it sees them, once; an admin counts the memory once.
    const star = services.memories({ agentId: "*" });
    const pair = [
      { type: "team", id: "w1" },
      { type: "team", id: "w2" },
    ];
    await writeMemory(star, aNote("p2", "Two teams only the agent called star knows of", { linkedEntities: pair }));
    const weights = async (caller: { agentId?: string; scopes?: ["admin"] }) => {
      const graph = await services.entities(caller).getEntityGraph({ ...pair[0]!, depth: 1 });
      return weightsBetween(graph.edges, "w1", "w2");
    };
    expect(await weights({ agentId: "*" })).toEqual([1]);
    expect(await weights({ scopes: ["admin"] })).toEqual([1]);
    expect((await failure(services.entities({ agentId: "agent-b" }).getEntity(pair[0]!))).code).toBe(5);
  });

  it("no path through a private memory: x and z are joined for A only", async () => {
    const path = { type: "team", id: "x", toType: "team", toId: "z", maxDepth: 4 };
    expect((await asA().findEntityPaths(path)).paths.map((p) => p.entities.map((e) => e.id))).toEqual([
      ["x", "lisbon", "y", "z"],
    ]);
    expect((await asB().findEntityPaths(path)).paths).toEqual([]);
  });

  it("the mentions filter finds nothing of it", async () => {
    const b = services.memories({ agentId: "agent-b" });
    expect((await b.listMemories({ filter: { mentions: secret } })).memories).toEqual([]);
    expect((await b.listMemories({ filter: { mentions: { type: "place", id: "lisbon" } } })).memories).toHaveLength(1);
  });

  it("B's own writes never resolve a name to an entity only A's private memories give it", async () => {
    // A's private note about its contact "orla byrne" names her: the name goes by that contact for A.
    const a = services.memories({ agentId: "agent-a" });
    const contentOf = (m: { mentions: { role: MentionRole; entity?: { type: string; id: string } }[] }) =>
      m.mentions.filter((x) => x.role === MentionRole.CONTENT).map((x) => `${x.entity?.type}/${x.entity?.id}`);
    expect(contentOf(await writeMemory(a, aNote("orla byrne", "Orla Byrne asked for the renewal terms")))).toEqual([
      "contact/orla byrne",
    ]);
    expect(contentOf(await writeMemory(a, aNote("c-other", "Orla Byrne signed")))).toEqual(["contact/orla byrne"]);
    // B writes the name: B's memory must not take A's private contact for it.
    const b = services.memories({ agentId: "agent-b" });
    expect(contentOf(await writeMemory(b, aNote("c-bee", "Orla Byrne called about pricing")))).toEqual([
      "person/orla byrne",
    ]);
  });

  it("another workspace sees none of the workspace's entities, even with an admin key", async () => {
    const other = services.entities({ workspaceId: "another", scopes: ["admin"] });
    expect((await other.listEntities({})).entities).toEqual([]);
    expect(
      (await refusal(other.getEntity({ type: "place", id: "lisbon" }), { type: "place", id: "lisbon" })).code,
    ).toBe(5);
    // An admin of the workspace reads everything in it.
    const admin = services.entities({ scopes: ["admin"] });
    expect(ids((await admin.listEntities({})).entities)).toContain(secret.id);
  });

  it("UpdateEntity stores what it is asked to, not a name the caller saw in private memories", async () => {
    const a = services.memories({ agentId: "agent-a" });
    const badge = { type: "person", id: "mh-7" };
    await writeMemory(
      a,
      aNote("s7", "Badge seven signed in at the front desk", {
        visibility: Visibility.SHARED,
        linkedEntities: [badge],
      }),
    );
    await writeMemory(a, aNote("p7", "Margaret Holloway asked for a transfer to Oslo"));
    await asA().mergeEntities({ from: { type: "person", id: "margaret holloway" }, into: badge });
    expect((await asA().getEntity(badge)).entity?.name).toBe("Margaret Holloway");
    expect((await asB().getEntity(badge)).entity?.name).toBe("mh-7");
    const updated = await asA().updateEntity({
      ...badge,
      entity: { aliases: ["badge seven"] },
      updateMask: { paths: ["aliases"] },
    });
    expect(updated.entity?.name).toBe("Margaret Holloway");
    expect((await asB().getEntity(badge)).entity).toMatchObject({ name: "mh-7", aliases: ["badge seven"] });
    expect((await asB().listEntities({ namePrefix: "margaret" })).entities).toEqual([]);
    expect(ids((await asB().listEntities({ namePrefix: "badge" })).entities)).toEqual(["mh-7"]);
  });
});
