/**
 * The knowledge graph's tenancy on every protocol: an entity only agent A's private memory
 * mentions gets, for agent B, an agent called '*' and another workspace's admin, the answer a
 * name never mentioned gets, over Connect, gRPC, gRPC-Web and REST; A itself reads it.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntityService } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { memoryClient, transport, type Protocol } from "../../support/clients.js";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { aNote, writeMemory } from "../../support/factories/memory.js";
import { startTestServer, type TestServer } from "../../support/server.js";

let server: TestServer;
const keys = {} as Record<"a" | "b" | "star" | "elsewhere", string>;
const secret = { type: "person", id: "zelda quartermaine" };
const never = { type: "person", id: "nobody ever" };

beforeAll(async () => {
  server = await startTestServer();
  keys.a = await server.createKey({ agentId: "agent-a" });
  keys.b = await server.createKey({ agentId: "agent-b" });
  // An agent whose id is the tallies' admin class ('*'): an agent like B, not an admin.
  keys.star = await server.createKey({ agentId: "*" });
  keys.elsewhere = await server.createKey({ workspaceId: "elsewhere", scopes: ["admin"] });
  await writeMemory(memoryClient(server.baseUrl, keys.a), aNote("zq", "Zelda Quartermaine moved to Lisbon."));
});
afterAll(() => server?.close());

const entities = (key: string, protocol: Protocol) =>
  createClient(EntityService, transport(server.baseUrl, key, protocol));

/** How a call ended, with the entity's own name taken out: all a reader can learn from it. */
async function answer(call: Promise<unknown>, ref: { type: string; id: string }): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (err) {
    const e = ConnectError.from(err);
    return `${Code[e.code]}: ${e.rawMessage.replace(`${ref.type}/${ref.id}`, "<ref>")}`;
  }
}

type Ref = { type: string; id: string };

/**
 * A merges an entity only its private memory mentions into one B and '*' can see; merging that
 * one back into it is, for them, what a merge into an id nobody mentioned is. `merge` answers
 * "OK" or how the call failed, over one protocol.
 */
async function expectHiddenLoopMerged(tag: string, merge: (key: string, from: Ref, into: Ref) => Promise<string>) {
  for (const [name, key] of [
    ["b", keys.b],
    ["star", keys.star],
  ] as const) {
    const hidden = { type: "project", id: `nj-${tag}-${name}` };
    const seen = { type: "team", id: `x-${tag}-${name}` };
    const other = { type: "team", id: `y-${tag}-${name}` };
    await writeMemory(
      memoryClient(server.baseUrl, keys.a),
      aNote(`p-${tag}-${name}`, "Plan", { linkedEntities: [hidden] }),
    );
    for (const ref of [seen, other]) {
      const note = aNote(`s-${ref.id}`, "Kickoff", { visibility: Visibility.SHARED, linkedEntities: [ref] });
      await writeMemory(memoryClient(server.baseUrl, key), note);
    }
    expect(await merge(keys.a, hidden, seen)).toBe("OK");
    const looped = await merge(key, seen, hidden);
    expect(looped).toBe(await merge(key, other, { type: "project", id: `never-${tag}-${name}` }));
    expect(looped).toBe("OK");
  }
}

describe.each<Protocol>(["connect-h1", "grpc", "grpc-web"])("over %s", (protocol) => {
  const calls = {
    GetEntity: (key: string, ref: typeof secret) => entities(key, protocol).getEntity(ref),
    GetEntityGraph: (key: string, ref: typeof secret) => entities(key, protocol).getEntityGraph(ref),
    FindEntityPaths: (key: string, ref: typeof secret) =>
      entities(key, protocol).findEntityPaths({ ...ref, toType: ref.type, toId: ref.id }),
    UpdateEntity: (key: string, ref: typeof secret) =>
      entities(key, protocol).updateEntity({ ...ref, entity: { name: "x" }, updateMask: { paths: ["name"] } }),
    MergeEntities: (key: string, ref: typeof secret) =>
      entities(key, protocol).mergeEntities({ from: ref, into: { type: "person", id: "someone else" } }),
  };

  it.each(Object.keys(calls) as (keyof typeof calls)[])("%s: NOT_FOUND as for a name never mentioned", async (name) => {
    const call = calls[name];
    expect(await answer(entities(keys.a, protocol).getEntity(secret), secret)).toBe("OK");
    for (const key of [keys.b, keys.star, keys.elsewhere]) {
      const hidden = await answer(call(key, secret), secret);
      expect(hidden).toMatch(/^NotFound/);
      expect(hidden).toBe(await answer(call(key, never), never));
    }
  });

  it("UndoEntityMerge: NOT_FOUND for B and another workspace, as for a merge never made; A undoes", async () => {
    const client = (key: string) => entities(key, protocol);
    const { merge } = await client(keys.a).mergeEntities({ from: secret, into: { type: "person", id: "zq" } });
    const id = merge?.id ?? "";
    const unknown = randomUUID();
    for (const key of [keys.b, keys.star, keys.elsewhere]) {
      const hidden = await answer(client(key).undoEntityMerge({ mergeId: id }), { type: "", id: "" });
      expect(hidden).toMatch(/^NotFound/);
      const never = await answer(client(key).undoEntityMerge({ mergeId: unknown }), { type: "", id: "" });
      expect(hidden.replace(id, "<id>")).toBe(never.replace(unknown, "<id>"));
    }
    expect(await answer(client(keys.a).undoEntityMerge({ mergeId: id }), secret)).toBe("OK");
    expect(await answer(client(keys.a).getEntity(secret), secret)).toBe("OK");
  });

  it("MergeEntities closing a loop through A's private merge: OK for B and '*', as into an unmentioned id", () =>
    expectHiddenLoopMerged(protocol, (key, from, into) =>
      answer(entities(key, protocol).mergeEntities({ from, into }), from),
    ));

  it("ListEntities lists it for A only", async () => {
    const listed = async (key: string) =>
      (await entities(key, protocol).listEntities({ namePrefix: "zelda" })).entities.map((e) => e.ref?.id);
    expect(await listed(keys.a)).toEqual([secret.id]);
    expect(await listed(keys.b)).toEqual([]);
    expect(await listed(keys.star)).toEqual([]);
    expect(await listed(keys.elsewhere)).toEqual([]);
  });
});

describe("over REST", () => {
  const get = async (key: string, ref: { type: string; id: string }, suffix = "") => {
    const res = await fetch(`${server.baseUrl}/v1/entities/${ref.type}/${encodeURIComponent(ref.id)}${suffix}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    return { status: res.status, body: (await res.text()).replace(`${ref.type}/${ref.id}`, "<ref>") };
  };

  it.each(["", "/graph", "/paths?to_type=place&to_id=lisbon"])(
    "GET /v1/entities/{type}/{id}%s: 404 as for a name never mentioned",
    async (suffix) => {
      expect((await get(keys.a, secret, suffix)).status).toBe(200);
      for (const key of [keys.b, keys.star, keys.elsewhere]) {
        const hidden = await get(key, secret, suffix);
        expect(hidden.status).toBe(404);
        expect(hidden).toEqual(await get(key, never, suffix));
      }
    },
  );

  it("POST /v1/entities:merge: 404 as for a name never mentioned; A merges and undoes", async () => {
    const merge = async (key: string, from: { type: string; id: string }) => {
      const res = await fetch(`${server.baseUrl}/v1/entities:merge`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ from, into: { type: "person", id: "zq" } }),
      });
      return { status: res.status, body: (await res.text()).replace(`${from.type}/${from.id}`, "<ref>") };
    };
    for (const key of [keys.b, keys.star, keys.elsewhere]) {
      const hidden = await merge(key, secret);
      expect(hidden.status).toBe(404);
      expect(hidden).toEqual(await merge(key, never));
    }
    const made = await merge(keys.a, secret);
    expect(made.status).toBe(200);
    const { merge: recorded } = JSON.parse(made.body) as { merge: { id: string } };
    const undo = (key: string) =>
      fetch(`${server.baseUrl}/v1/entity-merges/${recorded.id}:undo`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
      });
    expect((await undo(keys.b)).status).toBe(404);
    expect((await undo(keys.elsewhere)).status).toBe(404);
    expect((await undo(keys.a)).status).toBe(200);
    expect((await get(keys.a, secret)).status).toBe(200);
  });

  it("POST /v1/entities:merge closing a loop through A's private merge: 200 for B and '*', as into an unmentioned id", () =>
    expectHiddenLoopMerged("rest", async (key, from, into) => {
      const res = await fetch(`${server.baseUrl}/v1/entities:merge`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ from, into }),
      });
      return res.status === 200 ? "OK" : `${res.status}: ${await res.text()}`;
    }));
});
