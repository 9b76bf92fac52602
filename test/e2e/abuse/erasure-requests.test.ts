/**
 * The abuse suite's EraseMemories classes: filters that narrow nothing or break their rules,
 * hostile strings and timestamps, and ids that are too many, repeated, malformed or not there,
 * over every protocol. Each is refused with a reason and erases nothing (the change counter
 * sees every erased row); the few that are fine are answered with a receipt of nothing erased.
 */
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { afterAll, beforeAll, it } from "vitest";
import { EraseMemoriesRequestSchema } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Probe } from "./harness.js";
import { BINARY_PROTOCOLS, PROTOCOLS, sendCall } from "./protocols.js";
import { ABSENT_ID } from "./erasure-places.js";
import { call, METHODS } from "./scenarios.js";
import {
  erases,
  overEvery,
  startErasureWorld,
  OTHERS,
  OWN,
  type ErasureWorld,
  CLASS_TIMEOUT,
  expectClean,
} from "./erasure-fixture.js";

const eraseCall = (json: Parameters<typeof call>[1]) => call(METHODS.eraseMemories, json);

let world: ErasureWorld;
beforeAll(async () => {
  world = await startErasureWorld();
});
afterAll(async () => {
  await world?.close();
});

/** Refused as invalid by every protocol, with an ErrorInfo unless the decoder refused it. */
const invalid = (label: string, json: Parameters<typeof call>[1], key = world.keys.eraserA, errorInfo = true) =>
  overEvery(world, label, key, eraseCall(json), { codes: ["invalid_argument"], errorInfo });

it(
  "filters that narrow nothing, bounds without a filter, ids with a filter, broken pairs and bad enums",
  async () => {
    const probes = [
      ...[world.keys.admin, world.keys.eraserA].flatMap((key) => [
        ...invalid("an empty filter", { filter: {} }, key),
        ...invalid("neither ids nor a filter", {}, key),
        ...invalid("only dry_run", { dryRun: true }, key),
      ]),
      ...invalid("a filter of only the acting agent", { filter: { agentId: "agent-a" } }),
      ...invalid("a filter of only state flags", {
        filter: { showDeleted: true, showExpired: true, includeSuperseded: true },
      }),
      ...invalid("a filter of only valid_at", { filter: { validAt: "2020-01-01T00:00:00Z" } }),
      ...invalid("ids and a filter", { ids: [world.ids.aPrivate], filter: { subjectId: OWN } }),
      ...invalid("ids and owner_agent_id", { ids: [world.ids.aPrivate], ownerAgentId: "agent-a" }),
      ...invalid("ids and created_before", { ids: [world.ids.aPrivate], createdBefore: "2099-01-01T00:00:00Z" }),
      // Over MCP the bounds alone are a selection (erase-tool.ts): there they are no mistake.
      ...overEvery(
        world,
        "owner_agent_id without a filter",
        world.keys.eraserA,
        eraseCall({ ownerAgentId: "agent-a" }),
        { codes: ["invalid_argument"], errorInfo: true },
        PROTOCOLS.filter((p) => p !== "mcp"),
      ),
      ...invalid("linked_entity_type without its id", { filter: { linkedEntityType: "deal" } }),
      ...invalid("linked_entity_id without its type", { filter: { linkedEntityId: "d1" } }),
      ...invalid("visibility 99", { filter: { subjectId: OWN, visibility: 99 } }),
      ...invalid("visibility bogus", { filter: { visibility: "VISIBILITY_BOGUS" } }, world.keys.eraserA, false),
      // REST and MCP may take one value where a list goes: then it names nothing.
      ...overEvery(world, "ids a string", world.keys.eraserA, eraseCall({ ids: ABSENT_ID }), {
        codes: ["invalid_argument", "not_found"],
      }),
      ...invalid("filter an array", { filter: [] }, world.keys.eraserA, false),
      ...invalid("dry_run a word", { ids: [world.ids.aPrivate], dryRun: "yes" }, world.keys.eraserA, false),
    ];
    await expectClean(world, "erase-filters", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "NUL, lone surrogates, huge and unicode strings in filters and bounds",
  async () => {
    const fine = (label: string, filter: Record<string, unknown>) =>
      overEvery(world, label, world.keys.eraserA, eraseCall({ filter: filter as never }), {
        expect: "accept",
        check: erases(0),
      });
    const probes = [
      ...invalid("a NUL in subject_id", { filter: { subjectId: `${OWN}\u0000` } }),
      ...invalid("a NUL in key", { filter: { key: "a\u0000b" } }),
      ...invalid("a NUL in kinds", { filter: { kinds: ["note\u0000"] } }),
      ...invalid("a NUL in owner_agent_id", { filter: { subjectId: OWN }, ownerAgentId: "agent-a\u0000" }),
      ...invalid("a NUL in mentions", { filter: { mentions: { type: "person", id: "a\u0000b" } } }),
      ...invalid("a lone surrogate in any_tags", { filter: { anyTags: ["a\udc00"] } }, world.keys.eraserA, false),
      ...invalid(
        "a lone surrogate in owner_agent_id",
        { filter: { subjectId: OWN }, ownerAgentId: "\ud800" },
        undefined,
        false,
      ),
      ...invalid("subject_type of 129", { filter: { subjectType: "s".repeat(129) } }),
      ...invalid("subject_id of 257 four-byte characters", { filter: { subjectId: "😀".repeat(257) } }),
      ...invalid("key of 513", { filter: { key: "k".repeat(513) } }),
      ...invalid("65 tags", { filter: { tags: Array.from({ length: 65 }, (_, i) => `t${i}`) } }),
      ...invalid("an empty tag", { filter: { tags: [""] } }),
      ...invalid("linked_entity_id of 257", { filter: { linkedEntityType: "deal", linkedEntityId: "d".repeat(257) } }),
      ...invalid("a subject_id of 1 MiB", { filter: { subjectId: "x".repeat(1 << 20) } }),
      // Well-formed, at their limits, and matching nothing: erasures of nothing.
      ...fine("subject_id of 256 four-byte characters", { subjectId: "😀".repeat(256) }),
      ...fine("unicode subject_id: math letters, RTL override, combining marks", {
        subjectId: "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u202emarhaba\u202c e\u0301 ✓",
      }),
      ...fine("SQL and LIKE characters", { subjectId: "%' or 1=1 --", key: "_%\\" }),
      ...fine("a subject only agent B, the workspace and another workspace have", { subjectId: OTHERS }),
    ];
    await expectClean(world, "erase-strings", probes);
  },
  CLASS_TIMEOUT,
);

/** An EraseMemoriesRequest built as a message, for timestamps proto3 JSON cannot spell. */
function binaryErase(init: MessageInitShape<typeof EraseMemoriesRequestSchema>, label: string): Probe[] {
  const bytes = toBinary(EraseMemoriesRequestSchema, create(EraseMemoriesRequestSchema, init));
  return BINARY_PROTOCOLS.map((protocol) => ({
    label,
    protocol,
    send: () =>
      sendCall(world.as(world.keys.eraserA), protocol, { method: METHODS.eraseMemories, json: {}, binary: bytes }),
    codes: ["invalid_argument"],
    errorInfo: true,
  }));
}

it(
  "timestamps out of range, impossible or reversed",
  async () => {
    const filter = { subjectId: OWN };
    const bound = (name: "createdAfter" | "createdBefore", value: string) =>
      overEvery(world, `${name} ${JSON.stringify(value)}`, world.keys.eraserA, eraseCall({ filter, [name]: value }), {
        codes: ["invalid_argument"],
      });
    const probes = [
      ...bound("createdAfter", "not a time"),
      ...bound("createdAfter", "10000-01-01T00:00:00Z"),
      ...bound("createdAfter", "0000-12-31T23:59:59Z"),
      ...bound("createdBefore", "2020-13-01T00:00:00Z"),
      ...bound("createdBefore", "2020-01-01T25:00:00Z"),
      ...bound("createdBefore", ""),
      ...invalid(
        "filter.valid_at year 10000",
        { filter: { ...filter, validAt: "10000-01-01T00:00:00Z" } },
        undefined,
        false,
      ),
      ...binaryErase({ filter, createdAfter: { seconds: 253402300800n } }, "created_after seconds of year 10000"),
      ...binaryErase({ filter, createdBefore: { seconds: -62135596801n } }, "created_before seconds before year 1"),
      ...binaryErase({ filter, createdAfter: { seconds: 1700000000n, nanos: -1 } }, "created_after nanos -1"),
      ...binaryErase({ filter, createdBefore: { seconds: 1700000000n, nanos: 1e9 } }, "created_before nanos 1e9"),
      ...binaryErase({ filter: { ...filter, validAt: { seconds: 2n ** 62n } } }, "filter.valid_at seconds 2^62"),
      // A window that closes before it opens takes nothing.
      ...overEvery(
        world,
        "created_after later than created_before",
        world.keys.eraserA,
        eraseCall({ filter, createdAfter: "2030-01-01T00:00:00Z", createdBefore: "2020-01-01T00:00:00Z" }),
        { expect: "either", check: (o) => (o.code === "ok" ? erases(0)(o) : undefined) },
      ),
    ];
    await expectClean(world, "erase-timestamps", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "ids: too many, repeated, empty, not UUIDs, not there, and one bad among good ones",
  async () => {
    const { aPrivate } = world.ids;
    const absent = (n: number) =>
      Array.from({ length: n }, (_, i) => `0190a000-0000-7000-8000-${String(i + 1).padStart(12, "0")}`);
    const notFound = (label: string, ids: string[]) =>
      overEvery(world, label, world.keys.eraserA, eraseCall({ ids }), { codes: ["not_found"], errorInfo: true });
    const probes = [
      ...invalid("1,001 ids, agent A's own first", { ids: [aPrivate, ...absent(1000)] }),
      ...invalid("an id twice", { ids: [aPrivate, aPrivate] }),
      ...invalid("an empty id", { ids: [aPrivate, ""] }),
      ...notFound("an id not a UUID", ["not-a-uuid"]),
      ...notFound("a path for an id", [aPrivate, "../../etc/passwd"]),
      ...notFound("a UUID with a space", [` ${aPrivate}`]),
      ...notFound("an id that names nothing", [ABSENT_ID]),
      ...notFound("1,000 ids, agent A's own first, the rest not there", [aPrivate, ...absent(999)]),
      ...notFound("agent A's own, then one not there", [aPrivate, ABSENT_ID]),
      ...overEvery(
        world,
        "a dry run naming one not there",
        world.keys.eraserA,
        eraseCall({ ids: [aPrivate, ABSENT_ID], dryRun: true }),
        {
          codes: ["not_found"],
        },
      ),
      // The same memory in two spellings slips past `unique`; a dry run counts it once.
      ...overEvery(
        world,
        "one id in lower and upper case, dry run",
        world.keys.eraserA,
        eraseCall({ ids: [aPrivate, aPrivate.toUpperCase()], dryRun: true }),
        { expect: "either", check: (o) => (o.code === "ok" ? erases(1)(o) : undefined) },
      ),
    ];
    await expectClean(world, "erase-ids", probes);
  },
  CLASS_TIMEOUT,
);

it("never a 5xx, a crash or an erasure for a refused EraseMemories request", () => {
  world.harness.expectHarmless(300);
});
