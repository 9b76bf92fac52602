/**
 * Entities from every write: the subject, linked entities, facet tags, relation ends and the
 * names found in content become mentions, and EntityService lists, reads and renames them.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntityOrder } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { MentionRole } from "../../../gen/ts/engram/v1/memory_pb.js";
import { SearchMode } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { codeOf } from "../../support/codes.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { aNote, writeMemory } from "../../support/factories/memory.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

const mentionsOf = (memory: {
  mentions: { entity?: { type: string; id: string }; role: MentionRole; text: string }[];
}) => memory.mentions.map((m) => ({ type: m.entity?.type, id: m.entity?.id, role: MentionRole[m.role], text: m.text }));

describe("a memory's mentions", () => {
  it("SharedMemory's example names a person and an organisation, and they are related", async () => {
    const memories = services.memories();
    const written = await writeMemory(memories, {
      subjectType: "account",
      subjectId: "acme",
      kind: "factual",
      content: "John Smith is the CTO of Acme Corp. He joined in 2022.",
    });
    expect(mentionsOf(written)).toEqual([
      { type: "account", id: "acme", role: "SUBJECT", text: "" },
      { type: "person", id: "john smith", role: "CONTENT", text: "John Smith" },
      { type: "organization", id: "acme corp", role: "CONTENT", text: "Acme Corp" },
    ]);
    const graph = await services.entities().getEntityGraph({ type: "person", id: "john smith" });
    expect(graph.entities.map((e) => `${e.ref?.type}/${e.ref?.id}`)).toEqual(
      expect.arrayContaining(["person/john smith", "organization/acme corp", "account/acme"]),
    );
    const edges = graph.edges.map((e) => [e.subject?.id, e.predicate, e.object?.id, e.weight]);
    expect(edges).toContainEqual(["acme corp", "co_mentioned", "john smith", 1]);
    // "is the CTO of" is said in words: a typed relation (decision 0023), not only a co-mention.
    expect(edges).toContainEqual(["john smith", "works_at", "acme corp", 1]);
    // The relation said in words is the graph's, not one the writer stated.
    expect(written.relations).toEqual([]);
  });

  it("links, facet tags and relation ends are mentions in their own roles; plain tags are not", async () => {
    const written = await writeMemory(
      services.memories(),
      aNote(`c-${randomUUID()}`, "renewal call went well", {
        linkedEntities: [{ type: "opportunity", id: "opp-7" }],
        tags: ["competitor:Twilio", "vip", ":odd", "odd:"],
        relations: [
          { subject: { type: "contact", id: "ana" }, predicate: "works_at", object: { type: "company", id: "acme" } },
        ],
      }),
    );
    const roles = mentionsOf(written).map((m) => `${m.role} ${m.type}/${m.id}`);
    expect(roles).toEqual([
      expect.stringMatching(/^SUBJECT contact\/c-/),
      "LINKED opportunity/opp-7",
      "TAG competitor/Twilio",
      "RELATION contact/ana",
      "RELATION company/acme",
    ]);
    expect(written.relations.map((r) => [r.subject?.id, r.predicate, r.object?.id])).toEqual([
      ["ana", "works_at", "acme"],
    ]);
  });

  it("a name matching an existing entity's name or alias (of a compatible type) mentions that entity", async () => {
    const entities = services.entities();
    const company = "Globex";
    const id = "globex-inc";
    await writeMemory(
      services.memories(),
      aNote("c-1", "account review", { linkedEntities: [{ type: "company", id }] }),
    );
    await entities.updateEntity({
      type: "company",
      id,
      entity: { name: company, aliases: ["Globex Corporation"] },
      updateMask: { paths: ["name", "aliases"] },
    });
    const byName = await writeMemory(services.memories(), aNote("c-2", `Spoke with ${company} about pricing.`));
    const byAlias = await writeMemory(services.memories(), aNote("c-3", "Signed with Globex Corporation in Berlin."));
    for (const memory of [byName, byAlias]) {
      expect(mentionsOf(memory).filter((m) => m.role === "CONTENT" && m.type !== "place")).toEqual([
        expect.objectContaining({ type: "company", id }),
      ]);
    }
    const { entity } = await entities.getEntity({ type: "company", id });
    expect(entity?.name).toBe(company);
    expect(entity?.mentionCount).toBe(3n);
  });

  it("a name is first the memory's own entity: Sarah in a note about contact/sarah is that contact", async () => {
    const written = await writeMemory(services.memories(), aNote("sarah", "Pitched follow-up sequences to Sarah."));
    expect(mentionsOf(written)).toEqual([
      { type: "contact", id: "sarah", role: "SUBJECT", text: "" },
      { type: "contact", id: "sarah", role: "CONTENT", text: "Sarah" },
    ]);
  });

  it("an update of the content finds its names again; the old ones go", async () => {
    const memories = services.memories({ agentId: "a1" });
    const written = await writeMemory(
      memories,
      aNote("c-4", "Dinner with Maria Gonzalez in Madrid.", { agentId: "a1" }),
    );
    const { memory } = await memories.updateMemory({
      id: written.id,
      memory: { content: "Dinner with Peter Novak in Prague." },
      updateMask: { paths: ["content"] },
    });
    expect(
      mentionsOf(memory!)
        .filter((m) => m.role === "CONTENT")
        .map((m) => m.id),
    ).toEqual(["peter novak", "prague"]);
    expect(await codeOf(services.entities().getEntity({ type: "person", id: "maria gonzalez" }))).toBe("NotFound");
  });
});

describe("export and import", () => {
  it("carry the names, aliases and attributes the workspace gave, and the mentions as they were", async () => {
    const admin = { scopes: ["admin" as const] };
    const subject = `c-${randomUUID()}`;
    await writeMemory(
      services.memories(),
      aNote(subject, "Renewal signed with Initech in Austin.", { tags: ["deal:big"] }),
    );
    await services.entities().updateEntity({
      type: "deal",
      id: "big",
      entity: { name: "The big deal", aliases: ["BD"], attributes: { value: 100 } },
      updateMask: { paths: ["name", "aliases", "attributes"] },
    });
    const exported = [];
    for await (const item of services.memories(admin).exportMemories({ filter: { subjectId: subject } })) {
      exported.push(item);
    }
    expect(exported.flatMap((e) => e.entities.map((n) => [n.ref?.id, n.name]))).toEqual([["big", "The big deal"]]);
    const copy = { workspaceId: `copy-${randomUUID()}`, scopes: ["admin" as const] };
    await services.memories(copy).importMemories({ memories: exported });
    const { entity } = await services.entities(copy).getEntity({ type: "deal", id: "big" });
    expect(entity).toMatchObject({
      name: "The big deal",
      aliases: ["BD"],
      attributes: { value: 100 },
      mentionCount: 1n,
    });
    const [memory] = (await services.memories(copy).listMemories({ filter: { subjectId: subject } })).memories;
    expect(memory!.mentions).toEqual(exported[0]!.memory!.mentions);
  });

  it("carry aliases given without a name, and the entity keeps its mentions' name", async () => {
    const admin = { scopes: ["admin" as const] };
    const subject = `c-${randomUUID()}`;
    await writeMemory(services.memories(), aNote(subject, "Call about the renewal", { tags: ["deal:small"] }));
    await services.entities().updateEntity({
      type: "deal",
      id: "small",
      entity: { aliases: ["SD"] },
      updateMask: { paths: ["aliases"] },
    });
    const exported = [];
    for await (const item of services.memories(admin).exportMemories({ filter: { subjectId: subject } })) {
      exported.push(item);
    }
    expect(exported.flatMap((e) => e.entities.map((n) => [n.ref?.id, n.name, n.aliases]))).toEqual([
      ["small", "", ["SD"]],
    ]);
    const copy = { workspaceId: `copy-${randomUUID()}`, scopes: ["admin" as const] };
    await services.memories(copy).importMemories({ memories: exported });
    const { entity } = await services.entities(copy).getEntity({ type: "deal", id: "small" });
    expect(entity).toMatchObject({ name: "small", aliases: ["SD"] });
  });
});

describe("concurrent writes", () => {
  it("batches naming the same new entities in different orders all commit", async () => {
    const companies = Array.from({ length: 12 }, (_, i) => ({ type: "company", id: `shared-${i}` }));
    const batch = (seed: number) =>
      services.memories().batchWriteMemories({
        requests: Array.from({ length: 20 }, (_, i) => ({
          memory: aNote(`c-${seed}-${i}`, `Call ${seed}-${i} with Ana Lopez of Acme Corp in Lisbon.`, {
            // Each batch names the companies in an order of its own.
            linkedEntities: [...companies].sort((a, b) => ((a.id.length * seed + i) % 7) - ((b.id.length * seed) % 5)),
          }),
        })),
      });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(batch));
    for (const { results: items } of results) {
      expect(items.map((r) => r.result.case)).toEqual(Array(20).fill("response"));
    }
    const { entity } = await services.entities().getEntity({ type: "company", id: "shared-3" });
    expect(entity?.mentionCount).toBe(120n);
  });
});

describe("ListEntities and GetEntity", () => {
  const tag = `run${randomUUID().slice(0, 6)}`;
  beforeAll(async () => {
    const memories = services.memories();
    for (const [i, city] of ["Lisbon", "Porto", "Lisbon", "Lisbon"].entries()) {
      await writeMemory(memories, aNote(`${tag}-${i}`, `Trip ${i} to ${city}.`, { tags: [`project:${tag}`] }));
    }
  });

  it("by type and prefix, with counts and times from the memories, most mentioned first", async () => {
    const { entities } = await services.entities().listEntities({
      type: "project",
      namePrefix: tag.toUpperCase(),
      orderBy: EntityOrder.MENTION_COUNT,
    });
    expect(entities.map((e) => [e.ref?.id, e.mentionCount])).toEqual([[tag, 4n]]);
    expect(entities[0]!.firstSeen!.seconds).toBeLessThanOrEqual(entities[0]!.lastSeen!.seconds);
    const places = await services.entities().listEntities({ type: "place", orderBy: EntityOrder.MENTION_COUNT });
    const lisbon = places.entities.find((e) => e.ref?.id === "lisbon");
    const porto = places.entities.find((e) => e.ref?.id === "porto");
    expect(lisbon!.mentionCount).toBeGreaterThan(porto!.mentionCount);
    expect(places.entities.indexOf(lisbon!)).toBeLessThan(places.entities.indexOf(porto!));
  });

  it("pages with a token bound to the query", async () => {
    const first = await services.entities().listEntities({ pageSize: 2 });
    expect(first.entities).toHaveLength(2);
    const second = await services.entities().listEntities({ pageSize: 2, pageToken: first.nextPageToken });
    expect(second.entities.map((e) => e.ref?.id)).not.toContain(first.entities[0]!.ref?.id);
    expect(
      await codeOf(services.entities().listEntities({ pageSize: 3, type: "x", pageToken: first.nextPageToken })),
    ).toBe("InvalidArgument");
  });

  it("GetEntity returns its memories, newest first; the filter `mentions` finds them in List and Search", async () => {
    const { entity, memories } = await services.entities().getEntity({ type: "project", id: tag, memoryLimit: 2 });
    expect(entity?.mentionCount).toBe(4n);
    expect(memories.map((m) => m.content)).toEqual(["Trip 3 to Lisbon.", "Trip 2 to Lisbon."]);
    const listed = await services.memories().listMemories({ filter: { mentions: { type: "project", id: tag } } });
    expect(listed.memories).toHaveLength(4);
    const found: string[] = [];
    for await (const hit of services.memories().searchMemories({
      query: "trip",
      mode: SearchMode.KEYWORD,
      filter: { mentions: { type: "place", id: "porto" } },
    })) {
      found.push(hit.memory!.content);
    }
    expect(found).toEqual(["Trip 1 to Porto."]);
  });

  it("UpdateEntity checks its mask and input, and a name nobody mentions is NOT_FOUND", async () => {
    const entities = services.entities();
    const ref = { type: "project", id: tag };
    expect(await codeOf(entities.updateEntity({ ...ref, entity: {}, updateMask: { paths: ["mention_count"] } }))).toBe(
      "InvalidArgument",
    );
    expect(
      await codeOf(entities.updateEntity({ ...ref, entity: { name: " " }, updateMask: { paths: ["name"] } })),
    ).toBe("InvalidArgument");
    const big = { blob: "x".repeat(17 * 1024) };
    expect(
      await codeOf(
        entities.updateEntity({ ...ref, entity: { attributes: big }, updateMask: { paths: ["attributes"] } }),
      ),
    ).toBe("InvalidArgument");
    const updated = await entities.updateEntity({
      ...ref,
      entity: { attributes: { owner: "ops" } },
      updateMask: { paths: ["attributes"] },
    });
    expect(updated.entity?.attributes).toEqual({ owner: "ops" });
    expect(await codeOf(entities.getEntity({ type: "project", id: `never-${tag}` }))).toBe("NotFound");
    expect(
      await codeOf(
        entities.updateEntity({
          type: "project",
          id: `never-${tag}`,
          entity: { name: "x" },
          updateMask: { paths: ["name"] },
        }),
      ),
    ).toBe("NotFound");
  });
});
