/**
 * --content-extraction off: a write's content gives the graph no names and no relations, while
 * its subject, links, facet tags and stated relations still make it; imports alike.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MentionRole } from "../../../gen/ts/engram/v1/memory_pb.js";
import { aNote, writeMemory } from "../../support/factories/memory.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ memory: { contentExtraction: "off" } });
});
afterAll(() => services.close());

const SAID = "John Smith is the CTO of Acme Corp. He joined in 2022.";

describe("content extraction off", () => {
  it("leaves the content's names and relations out, and keeps every other way a memory names entities", async () => {
    const written = await writeMemory(
      services.memories(),
      aNote("acme", SAID, {
        tags: ["deal:renewal"],
        relations: [
          { subject: { type: "person", id: "john" }, predicate: "works_at", object: { type: "account", id: "acme" } },
        ],
      }),
    );
    expect(written.mentions.map((m) => `${MentionRole[m.role]} ${m.entity?.type}/${m.entity?.id}`)).toEqual([
      "SUBJECT contact/acme",
      "TAG deal/renewal",
      "RELATION person/john",
      "RELATION account/acme",
    ]);
    const { entities } = await services.entities().listEntities({});
    expect(entities.map((e) => `${e.ref?.type}/${e.ref?.id}`).sort()).toEqual([
      "account/acme",
      "contact/acme",
      "deal/renewal",
      "person/john",
    ]);
    const graph = await services.entities().getEntityGraph({ type: "person", id: "john" });
    const edges = graph.edges.map((e) => `${e.subject?.id} ${e.predicate} ${e.object?.id}`);
    expect(edges).toContain("john works_at acme");
    expect(edges.some((e) => e.includes("smith") || e.includes("acme corp"))).toBe(false);
  });

  it("imports a memory without the mentions an export would carry as it writes one", async () => {
    const admin = { scopes: ["admin" as const], workspaceId: "imported" };
    const id = "6b0f1d2e-3c4a-4b5c-8d6e-7f8091a2b3c4";
    await services.memories(admin).importMemories({
      memories: [
        { memory: { id, subjectType: "account", subjectId: "initech", kind: "note", content: SAID, revision: 1n } },
      ],
    });
    const { memory } = await services.memories(admin).getMemory({ id });
    expect(memory?.mentions.map((m) => MentionRole[m.role])).toEqual(["SUBJECT"]);
  });
});
