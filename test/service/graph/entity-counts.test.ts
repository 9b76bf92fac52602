/**
 * An entity's count and times follow every change of the memories that mention it, not only a
 * change of their mentions: its visibility, deletion, expiry, validity window, supersession and
 * an edit of another field. Each is read from the entity's own entity_names rows, which carry
 * the memory's columns that decide them (decision 0024), so each is checked here by GetEntity
 * and by ListEntities' name prefix, as the owner, an admin and another agent.
 */
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { codeOf } from "../../support/codes.js";
import { aNote, writeMemory } from "../../support/factories/memory.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

const at = (iso: string) => timestampFromDate(new Date(iso));

/**
 * What a reader sees of the entity: its count by GetEntity and by its name's prefix, or
 * NotFound. The reader is an agent, or "admin" for a workspace admin.
 */
async function countAs(agentId: string, ref: { type: string; id: string }) {
  const entities = services.entities(agentId === "admin" ? { scopes: ["admin"] } : { agentId });
  const got = await entities.getEntity(ref).catch(() => undefined);
  const listed = await entities.listEntities({ type: ref.type, namePrefix: ref.id });
  const inList = listed.entities.find((e) => e.ref?.id === ref.id);
  expect(inList?.mentionCount).toEqual(got?.entity?.mentionCount);
  return got?.entity === undefined ? "NotFound" : Number(got.entity.mentionCount);
}

/** The weight of the project's co_mentioned edge to the notes' contact in the reader's graph. */
async function edgeWeightAs(agentId: string, ref: { type: string; id: string }) {
  const entities = services.entities(agentId === "admin" ? { scopes: ["admin"] } : { agentId });
  const graph = await entities.getEntityGraph({ ...ref, depth: 1 });
  return graph.edges
    .filter((e) => e.predicate === "co_mentioned")
    .map((e) => [[e.subject?.id, e.object?.id].find((id) => id !== ref.id), Number(e.weight)]);
}

describe("an entity's count follows its memories", () => {
  it("as they are shared, deleted, bounded in time, superseded and edited", async () => {
    const project = { type: "project", id: `p-${randomUUID()}` };
    // Its own contact too: a retry must not find this run's notes (the same texts) already there.
    const contact = `c-${randomUUID()}`;
    const owner = services.memories({ agentId: "counts-a" });
    const linked = { linkedEntities: [project] };
    const notes = [];
    for (const content of ["kickoff", "budget", "staffing", "risks", "launch"]) {
      notes.push(await writeMemory(owner, aNote(contact, `${content} for the project`, linked)));
    }
    expect([await countAs("counts-a", project), await countAs("admin", project)]).toEqual([5, 5]);
    expect(await countAs("counts-b", project)).toBe("NotFound");

    await owner.updateMemory({
      id: notes[0]!.id,
      memory: { visibility: Visibility.SHARED },
      updateMask: { paths: ["visibility"] },
    });
    expect(await countAs("counts-b", project)).toBe(1);
    expect(await edgeWeightAs("counts-b", project)).toEqual([[contact, 1]]);

    await owner.deleteMemory({ id: notes[1]!.id });
    expect(await countAs("counts-a", project)).toBe(4);
    expect(await edgeWeightAs("admin", project)).toEqual([[contact, 4]]);

    await owner.updateMemory({
      id: notes[2]!.id,
      memory: { validFrom: at("2015-01-01T00:00:00Z"), validUntil: at("2016-01-01T00:00:00Z") },
      updateMask: { paths: ["valid_from", "valid_until"] },
    });
    expect(await countAs("counts-a", project)).toBe(3);
    const then = { ...project, time: { validAt: at("2015-06-01T00:00:00Z") } };
    expect(Number((await services.entities({ agentId: "counts-a" }).getEntity(then)).entity?.mentionCount)).toBe(1);

    await owner.writeMemory({ memory: aNote(contact, "the risks were retired"), supersedes: [notes[3]!.id] });
    expect(await countAs("counts-a", project)).toBe(2);

    // The update and a look at the count both come before the expiry: 300 ms was too little for
    // a loaded machine whose reads go to a standby.
    await owner.updateMemory({
      id: notes[4]!.id,
      memory: { expireTime: timestampFromDate(new Date(Date.now() + 2_000)) },
      updateMask: { paths: ["expire_time"] },
    });
    expect(await countAs("counts-a", project)).toBe(2);
    await expect.poll(() => countAs("counts-a", project), { timeout: 10_000, interval: 250 }).toBe(1);
    expect(await countAs("counts-b", project)).toBe(1);

    const { memory: edited } = await owner.updateMemory({
      id: notes[0]!.id,
      memory: { title: "Kickoff" },
      updateMask: { paths: ["title"] },
    });
    const seen = (await services.entities({ agentId: "counts-b" }).getEntity(project)).entity!;
    expect(timestampDate(seen.lastSeen!)).toEqual(timestampDate(edited!.updateTime!));
    expect(timestampDate(seen.firstSeen!)).toEqual(timestampDate(notes[0]!.createTime!));

    await owner.deleteMemory({ id: notes[0]!.id });
    expect(await codeOf(services.entities({ agentId: "counts-b" }).getEntity(project))).toBe("NotFound");
    expect(await countAs("admin", project)).toBe("NotFound");
  });
});
