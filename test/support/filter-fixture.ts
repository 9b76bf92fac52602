import { Visibility } from "../../gen/ts/engram/v1/memory_pb.js";
import { hoursFromNow, type MemoryClient, type MemoryInit } from "../engine/memory/write-list-support.js";

/**
 * The memories behind the list and search filter suites. Written into a workspace of its
 * own, a filter alone (say, only visibility) selects an exact, known set of them.
 *
 *   name     agent  subject        kind       key  tags                       linked                  visibility  state
 *   m1       A      contact/c1     pitch      k1   feature:seq angle:time     opportunity/o1          private
 *   m2       A      contact/c1     objection  -    feature:seq                opportunity/o1 email/e1 shared
 *   m3       A      contact/c2     pitch      k1   angle:price                opportunity/o2          private
 *   m4       B      contact/c1     pitch      k2   feature:seq angle:price    -                       shared
 *   m5       B      company/co1    note       -    -                          -                       private
 *   m6       -      company/co1    note       -    angle:time                 opportunity/o1          shared
 *   m9       B      contact/c2     objection  -    -                          -                       private
 *   deleted  A      contact/c1     pitch      k3   feature:seq                opportunity/o1          private     DELETED
 *   expired  A      contact/c1     pitch      -    feature:seq                -                       private     EXPIRED
 */
export const FILTER_FIXTURE: Record<string, MemoryInit & { deleted?: boolean }> = {
  m1: {
    agentId: "A",
    subjectType: "contact",
    subjectId: "c1",
    kind: "pitch",
    key: "k1",
    tags: ["feature:seq", "angle:time"],
    linkedEntities: [{ type: "opportunity", id: "o1" }],
  },
  m2: {
    agentId: "A",
    subjectType: "contact",
    subjectId: "c1",
    kind: "objection",
    tags: ["feature:seq"],
    linkedEntities: [
      { type: "opportunity", id: "o1" },
      { type: "email", id: "e1" },
    ],
    visibility: Visibility.SHARED,
  },
  m3: {
    agentId: "A",
    subjectType: "contact",
    subjectId: "c2",
    kind: "pitch",
    key: "k1",
    tags: ["angle:price"],
    linkedEntities: [{ type: "opportunity", id: "o2" }],
  },
  m4: {
    agentId: "B",
    subjectType: "contact",
    subjectId: "c1",
    kind: "pitch",
    key: "k2",
    tags: ["feature:seq", "angle:price"],
    visibility: Visibility.SHARED,
  },
  m5: { agentId: "B", subjectType: "company", subjectId: "co1", kind: "note" },
  m6: {
    subjectType: "company",
    subjectId: "co1",
    kind: "note",
    tags: ["angle:time"],
    linkedEntities: [{ type: "opportunity", id: "o1" }],
    visibility: Visibility.SHARED,
  },
  m9: { agentId: "B", subjectType: "contact", subjectId: "c2", kind: "objection" },
  deleted: {
    agentId: "A",
    subjectType: "contact",
    subjectId: "c1",
    kind: "pitch",
    key: "k3",
    tags: ["feature:seq"],
    linkedEntities: [{ type: "opportunity", id: "o1" }],
    deleted: true,
  },
  expired: {
    agentId: "A",
    subjectType: "contact",
    subjectId: "c1",
    kind: "pitch",
    tags: ["feature:seq"],
    expireTime: hoursFromNow(-1),
  },
};

/** The fixture memories neither deleted nor expired. */
export const ACTIVE = ["m1", "m2", "m3", "m4", "m5", "m6", "m9"];

/** Writes the fixture with `admin`, each with the content given; returns fixture name by memory id. */
export async function writeFilterFixture(
  admin: MemoryClient,
  contentOf: (name: string) => string,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const [name, { deleted, ...memory }] of Object.entries(FILTER_FIXTURE)) {
    const res = await admin.writeMemory({ memory: { ...memory, content: contentOf(name) } });
    const id = res.memory!.id;
    if (deleted) await admin.deleteMemory({ id });
    names.set(id, name);
  }
  return names;
}
