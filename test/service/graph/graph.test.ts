/**
 * Relations and what time does to them: a relation holds while a memory that states it is
 * active and valid, so supersession, deletion, expiry and validity windows end it, and as_of
 * reads the graph as the memories' revisions left it. GetEntityGraph and FindEntityPaths walk it.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphEdge } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { codeOf } from "../../support/codes.js";
import { aNote, writeMemory } from "../../support/factories/memory.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

const ref = (type: string, id: string) => ({ type, id });
const fact = (subject: string, predicate: string, object: string) => ({
  subject: ref("person", subject),
  predicate,
  object: ref("company", object),
});
const edgesOf = (edges: GraphEdge[]) => edges.map((e) => `${e.subject?.id} ${e.predicate} ${e.object?.id} ${e.weight}`);
const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("a relation holds while a memory that states it is active and valid", () => {
  it("supersession ends it; as_of still shows it", async () => {
    const memories = services.memories({ agentId: "hr" });
    const first = await writeMemory(
      memories,
      aNote("ana", "employment", { relations: [fact("ana", "works_at", "acme")] }),
    );
    await pause();
    const between = timestampFromDate(new Date());
    await pause();
    await memories.writeMemory({
      memory: aNote("ana", "employment changed", { relations: [fact("ana", "works_at", "globex")] }),
      supersedes: [first.id],
    });
    const entities = services.entities({ agentId: "hr" });
    const now = await entities.getEntityGraph({ type: "person", id: "ana", predicates: ["works_at"] });
    expect(edgesOf(now.edges)).toEqual(["ana works_at globex 1"]);
    expect(await codeOf(entities.getEntity({ type: "company", id: "acme" }))).toBe("NotFound");
    const then = await entities.getEntityGraph({
      type: "person",
      id: "ana",
      predicates: ["works_at"],
      time: { asOf: between },
    });
    expect(edgesOf(then.edges)).toEqual(["ana works_at acme 1"]);
    const acmeThen = await entities.getEntity({ type: "company", id: "acme", time: { asOf: between } });
    expect(acmeThen.memories.map((m) => m.id)).toEqual([first.id]);
  });

  it("deletion and expiry end it", async () => {
    const memories = services.memories({ agentId: "hr" });
    const deleted = await writeMemory(
      memories,
      aNote("bo", "employment record from the onboarding form", { relations: [fact("bo", "works_at", "initech")] }),
    );
    await writeMemory(
      memories,
      aNote("bo", "side project mentioned during the call", {
        relations: [fact("bo", "founded", "hooli")],
        // Long enough for the next write and read to come before it on a loaded machine.
        expireTime: timestampFromDate(new Date(Date.now() + 2_000)),
      }),
    );
    const entities = services.entities({ agentId: "hr" });
    expect(
      edgesOf((await entities.getEntityGraph({ type: "person", id: "bo", predicates: ["works_at", "founded"] })).edges),
    ).toEqual(["bo founded hooli 1", "bo works_at initech 1"]);
    await writeMemory(memories, aNote("bo", "prefers calls in the morning", { linkedEntities: [ref("person", "bo")] }));
    await memories.deleteMemory({ id: deleted.id });
    const hooli = () => codeOf(entities.getEntity({ type: "company", id: "hooli" }));
    await expect.poll(hooli, { timeout: 10_000, interval: 250 }).toBe("NotFound");
    // bo is still mentioned by an active memory; initech and hooli no longer are.
    expect(await codeOf(entities.getEntity({ type: "person", id: "bo" }))).toBe("OK");
    expect(await codeOf(entities.getEntity({ type: "company", id: "initech" }))).toBe("NotFound");
    expect(
      (await entities.getEntityGraph({ type: "person", id: "bo", predicates: ["works_at", "founded"] })).edges,
    ).toEqual([]);
  });

  it("a validity window bounds it: valid_at reads the facts of another time", async () => {
    const memories = services.memories({ agentId: "hr" });
    await writeMemory(
      memories,
      aNote("cy", "contract", {
        relations: [fact("cy", "works_at", "umbrella")],
        validFrom: timestampFromDate(new Date("2024-01-01T00:00:00Z")),
        validUntil: timestampFromDate(new Date("2024-07-01T00:00:00Z")),
      }),
    );
    const entities = services.entities({ agentId: "hr" });
    expect(await codeOf(entities.getEntity({ type: "company", id: "umbrella" }))).toBe("NotFound");
    const lastSpring = { validAt: timestampFromDate(new Date("2024-03-01T00:00:00Z")) };
    const graph = await entities.getEntityGraph({
      type: "person",
      id: "cy",
      predicates: ["works_at"],
      time: lastSpring,
    });
    expect(edgesOf(graph.edges)).toEqual(["cy works_at umbrella 1"]);
  });
});

describe("GetEntityGraph", () => {
  // A chain of people and companies: dee - acme2 - eve - initech2 - fay, each link its own memory,
  // and dee and acme2 named together twice.
  beforeAll(async () => {
    const memories = services.memories({ agentId: "crm" });
    await writeMemory(
      memories,
      aNote("dee", "first call notes about the account", { relations: [fact("dee", "works_at", "acme2")] }),
    );
    await writeMemory(
      memories,
      aNote("dee", "second call notes about the account", { relations: [fact("dee", "works_at", "acme2")] }),
    );
    await writeMemory(
      memories,
      aNote("eve", "profile notes from the first meeting", { relations: [fact("eve", "works_at", "acme2")] }),
    );
    await writeMemory(
      memories,
      aNote("eve", "profile notes from the second meeting", { relations: [fact("eve", "works_at", "initech2")] }),
    );
    await writeMemory(
      memories,
      aNote("fay", "profile notes from the intro call", { relations: [fact("fay", "works_at", "initech2")] }),
    );
  });

  it("depth bounds the walk; every relation among the entities returned comes with them", async () => {
    const entities = services.entities({ agentId: "crm" });
    const one = await entities.getEntityGraph({ type: "person", id: "dee", predicates: ["works_at"] });
    expect(one.entities.map((e) => e.ref?.id)).toEqual(["dee", "acme2"]);
    expect(edgesOf(one.edges)).toEqual(["dee works_at acme2 2"]);
    expect(one.truncated).toBe(false);
    const three = await entities.getEntityGraph({ type: "person", id: "dee", depth: 3, predicates: ["works_at"] });
    expect(three.entities.map((e) => e.ref?.id)).toEqual(["dee", "acme2", "eve", "initech2"]);
    expect(edgesOf(three.edges).sort()).toEqual([
      "dee works_at acme2 2",
      "eve works_at acme2 1",
      "eve works_at initech2 1",
    ]);
  });

  it("limit keeps the strongest and says it cut; types and predicates narrow", async () => {
    const entities = services.entities({ agentId: "crm" });
    const limited = await entities.getEntityGraph({ type: "company", id: "acme2", limit: 2, predicates: ["works_at"] });
    expect(limited.entities.map((e) => e.ref?.id)).toEqual(["acme2", "dee"]);
    expect(limited.truncated).toBe(true);
    const typed = await entities.getEntityGraph({ type: "person", id: "eve", depth: 2, types: ["company"] });
    expect(typed.entities.map((e) => e.ref?.id)).toEqual(["eve", "acme2", "initech2"]);
    const coMentioned = await entities.getEntityGraph({ type: "person", id: "eve", predicates: ["co_mentioned"] });
    expect(coMentioned.edges.every((e) => e.predicate === "co_mentioned")).toBe(true);
    expect(coMentioned.entities.map((e) => e.ref?.id)).toContain("acme2");
  });

  it("FindEntityPaths finds the shortest paths, or none within max_depth", async () => {
    const entities = services.entities({ agentId: "crm" });
    const { paths } = await entities.findEntityPaths({
      type: "person",
      id: "dee",
      toType: "person",
      toId: "fay",
      maxDepth: 4,
      predicates: ["works_at"],
    });
    expect(paths.map((p) => p.entities.map((e) => e.id))).toEqual([["dee", "acme2", "eve", "initech2", "fay"]]);
    expect(paths[0]!.edges.map((e) => e.predicate)).toEqual(["works_at", "works_at", "works_at", "works_at"]);
    const short = await entities.findEntityPaths({
      type: "person",
      id: "dee",
      toType: "person",
      toId: "fay",
      maxDepth: 3,
      predicates: ["works_at"],
    });
    expect(short.paths).toEqual([]);
  });
});
