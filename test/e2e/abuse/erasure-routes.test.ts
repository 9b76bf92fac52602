/**
 * The abuse suite's erasure classes for what is only REST's or MCP's: bodies, verbs, content
 * types and query strings at /v1/memory:erase and /v1/erasure-receipts, and erase_memories
 * calls with wrong, hidden or unknown arguments. And the erasures that are meant to succeed,
 * over every protocol: they take the memories written for them and no others, and their dry
 * runs change no row.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { memoryClient } from "../../support/clients.js";
import type { Probe } from "./harness.js";
import { mcp, PROTOCOLS, rest, sendCall } from "./protocols.js";
import { call, METHODS } from "./scenarios.js";
import {
  changesNothing,
  disposable,
  erasedBy,
  erases,
  OTHERS,
  startErasureWorld,
  stored,
  type ErasureWorld,
  CLASS_TIMEOUT,
  expectClean,
} from "./erasure-fixture.js";

let world: ErasureWorld;
beforeAll(async () => {
  world = await startErasureWorld();
});
afterAll(async () => {
  await world?.close();
});

it(
  "erasures meant to succeed take exactly their memories on every protocol, and their dry runs change nothing",
  async () => {
    const client = memoryClient(world.server.baseUrl, world.keys.eraserA);
    const receiptsBefore = (await client.listErasureReceipts({ pageSize: 500 })).receipts.length;
    const written = await Promise.all(PROTOCOLS.map(() => disposable(world, 3)));
    const probes = PROTOCOLS.flatMap((protocol, i): Probe[] => {
      const { ids, subjectId } = written[i]!;
      const send = (json: Parameters<typeof call>[1]) => () =>
        sendCall(world.as(world.keys.eraserA), protocol, call(METHODS.eraseMemories, json));
      return [
        changesNothing(world, {
          label: "a dry run by filter",
          protocol,
          send: send({ filter: { subjectId }, dryRun: true }),
          expect: "accept",
          check: erases(3),
        }),
        { label: "an erasure by id", protocol, send: send({ ids: [ids[0]!] }), expect: "accept", check: erases(1) },
        {
          label: "an erasure by filter",
          protocol,
          send: send({ filter: { subjectId, kinds: ["note"] } }),
          expect: "accept",
          check: erases(2),
        },
      ];
    });
    await expectClean(world, "erase-accepted", probes);
    expect(
      await stored(
        world,
        written.flatMap((w) => w.ids),
      ),
    ).toEqual([]);
    const receipts = (await client.listErasureReceipts({ pageSize: 500 })).receipts;
    expect(receipts.length - receiptsBefore).toBe(2 * PROTOCOLS.length);
  },
  CLASS_TIMEOUT,
);

it(
  "REST: bodies that are not requests, wrong verbs and content types, agents named in the body or the query",
  async () => {
    const target = world.as(world.keys.eraserA);
    const post = (label: string, body: string | undefined, shape: Partial<Probe> = {}, path = "/v1/memory:erase") => ({
      label,
      protocol: "rest" as const,
      send: () => rest(target, { verb: "POST", path, body }),
      ...shape,
    });
    const invalid = { codes: ["invalid_argument"], errorInfo: true };
    const aPrivate = JSON.stringify({ ids: [world.ids.aPrivate] });
    const probes: Probe[] = [
      post("no body", undefined, invalid),
      post("not JSON", "{", { codes: ["invalid_argument"] }),
      post("an array", "[]", invalid),
      post("null", "null", { codes: ["invalid_argument"] }),
      post("a number", "42", invalid),
      post("an unknown field", '{"ids":["x"],"bogus":1}', invalid),
      post("an unknown filter field", '{"filter":{"subject_id":"x","bogus":1}}', invalid),
      post("ids of numbers", '{"ids":[1,2]}', { codes: ["invalid_argument", "not_found"] }),
      post("ids null", '{"ids":null}', invalid),
      post("filter null", '{"filter":null}', invalid),
      post("the filter twice", '{"filter":{"subject_id":"x"},"filter":{}}', { codes: ["invalid_argument"] }),
      post("a proto field name and its alias", '{"ids":["x"],"agent_id":"agent-a","agent_registry_id":"agent-b"}', {
        codes: ["invalid_argument", "permission_denied"],
      }),
      post("agent B named by its alias", JSON.stringify({ ids: [world.ids.aPrivate], agent_registry_id: "agent-b" }), {
        codes: ["permission_denied"],
      }),
      post(
        "agent B named in the filter",
        JSON.stringify({ filter: { subject_id: OTHERS, agent_registry_id: "agent-b" } }),
        {
          codes: ["permission_denied"],
        },
      ),
      post(
        "agent B named in the query string",
        aPrivate,
        { codes: ["invalid_argument", "permission_denied"] },
        "/v1/memory:erase?agent_registry_id=agent-b",
      ),
      post("a NUL in the query string", aPrivate, { codes: ["invalid_argument"] }, "/v1/memory:erase?dry_run=%00"),
      post("a body for the receipts", "{}", {}, "/v1/erasure-receipts"),
      {
        label: "as text/plain",
        protocol: "rest",
        send: () =>
          rest(target, {
            verb: "POST",
            path: "/v1/memory:erase",
            body: aPrivate,
            headers: { "content-type": "text/plain" },
          }),
      },
      ...["application/x-ndjson", "text/event-stream"].map((accept): Probe => ({
        label: `a refused erasure asking for ${accept}`,
        protocol: "rest",
        send: () =>
          rest(target, { verb: "POST", path: "/v1/memory:erase", body: '{"filter":{}}', headers: { accept } }),
        ...invalid,
      })),
      ...["GET", "PUT", "DELETE", "PATCH"].map((verb): Probe => ({
        label: `${verb} /v1/memory:erase`,
        protocol: "rest",
        // Node's client frames no body for GET and DELETE: what it sent would read as a next request.
        send: () =>
          rest(target, {
            verb,
            path: "/v1/memory:erase",
            body: ["PUT", "PATCH"].includes(verb) ? aPrivate : undefined,
          }),
      })),
      ...[
        "/v1/erasure-receipts?page_size=abc",
        "/v1/erasure-receipts?page_size=1&page_size=2",
        "/v1/erasure-receipts?page_token=%00",
        "/v1/erasure-receipts?bogus=1",
        "/v1/erasure-receipts/%00",
        "/v1/erasure-receipts/%E0%A4%A",
        "/v1/erasure-receipts/..%2F..%2Fmemory",
        `/v1/erasure-receipts/${world.receipts.b}?page_size=1`,
      ].map((path): Probe => ({
        label: `GET ${path}`,
        protocol: "rest",
        send: () => rest(target, { verb: "GET", path }),
      })),
      {
        label: `DELETE a receipt`,
        protocol: "rest",
        send: () =>
          rest(world.as(world.keys.admin), { verb: "DELETE", path: `/v1/erasure-receipts/${world.receipts.a}` }),
      },
    ];
    await expectClean(world, "erase-rest", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "MCP: erase_memories with wrong types, hidden, unknown or missing arguments",
  async () => {
    const target = world.as(world.keys.eraserA);
    const tool = (args: unknown) => ({
      jsonrpc: "2.0",
      id: 9,
      method: "tools/call",
      params: args === undefined ? { name: "erase_memories" } : { name: "erase_memories", arguments: args },
    });
    const refused = (label: string, args: unknown, codes = ["invalid_argument"]): Probe => ({
      label: `erase_memories ${label}`,
      protocol: "mcp",
      send: () => mcp(target, tool(args)),
      codes,
    });
    const accepted = (label: string, args: unknown, check: Probe["check"]): Probe =>
      changesNothing(world, { ...refused(label, args), expect: "accept", check });
    const probes: Probe[] = [
      refused("without arguments", undefined),
      refused("with no argument", {}),
      refused("with arguments an array", []),
      refused("with ids a number", { ids: 5 }),
      refused("with ids of numbers", { ids: [1, 2] }, ["invalid_argument", "not_found"]),
      refused("with ids an object", { ids: { $ne: null } }),
      refused("with subject_id a list", { subject_id: ["a"] }),
      refused("with dry_run a word", { subject_id: "a", dry_run: "yes" }),
      refused("with the hidden show_deleted", { subject_id: "a", show_deleted: true }),
      refused("with the hidden valid_at", { subject_id: "a", valid_at: "2020-01-01T00:00:00Z" }),
      refused("with a filter object", { filter: { subject_id: "a" } }),
      refused("with agent_id (not its argument name)", { subject_id: "a", agent_id: "agent-b" }),
      refused("with mentions a string", { mentions: "person:ana" }),
      refused("with mentions of an unknown field", { mentions: { type: "person", id: "ana", bogus: 1 } }),
      refused("with created_after yesterday", { subject_id: "a", created_after: "yesterday" }),
      refused("with ids and a subject", { ids: [world.ids.aPrivate], subject_id: "a" }),
      refused("naming agent B with ids", { ids: [world.ids.aPrivate], agent_registry_id: "agent-b" }, [
        "permission_denied",
      ]),
      refused("naming agent B with a filter", { subject_id: OTHERS, agent_registry_id: "agent-b" }, [
        "permission_denied",
      ]),
      refused("of B's private memory", { ids: [world.ids.bPrivate] }, ["not_found"]),
      refused("of B's shared memory", { ids: [world.ids.bShared] }, ["permission_denied"]),
      // The bounds alone are a selection over MCP: agent A's memories only.
      accepted("of agent B's memories by owner alone", { owner_agent_id: "agent-b", dry_run: true }, erases(0)),
      accepted("of agent A's memories by owner alone, dry run", { owner_agent_id: "agent-a", dry_run: true }, (o) =>
        (erasedBy(o) ?? 0) >= 2 ? undefined : "agent A's seeded memories were not counted",
      ),
    ];
    await expectClean(world, "erase-mcp", probes);
  },
  CLASS_TIMEOUT,
);

it("never a 5xx, a crash or an erasure for a refused erasure at a route or a tool", () => {
  world.harness.expectHarmless(60);
});
