/**
 * The abuse suite: hostile input over every protocol, one class per test. After each input
 * the server must still answer, a rejection must be a 4xx-class error with a reason, and a
 * rejected input must leave every row of every table as it was. Inputs are fixed or drawn
 * from fast-check with a fixed seed, so every run sends the same ones.
 */
import { create, toBinary, type DescMethod, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { MemorySchema } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteMemoryRequestSchema } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { StagedWriteService } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";
import { createClient } from "@connectrpc/connect";
import { apiKeyClient, memoryClient, transport } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { Harness, type Probe } from "./harness.js";
import {
  bomb,
  chunked,
  corruptCompressed,
  deepMetadata,
  INVALID_UTF8,
  jsonWithBytes,
  MB,
  sample,
  withLoneSurrogate,
  withNul,
} from "./inputs.js";
import {
  BINARY_PROTOCOLS,
  connect,
  envelope,
  grpc,
  grpcWeb,
  mcp,
  pathOf,
  PROTOCOLS,
  rest,
  seedRest,
  sendCall,
  type Call,
  type Outcome,
  type Protocol,
  type Target,
} from "./protocols.js";
import { ChangeCounter } from "./change-counter.js";
import {
  call,
  everyStringField,
  memory,
  METHODS,
  overLimits,
  PAGE_QUERY,
  write,
  type Fixture,
  type Placed,
} from "./scenarios.js";
import { closeSessions } from "./wire.js";
import { MAX_REQUEST_BYTES } from "../../../src/api/limits.js";

const CLASS_TIMEOUT = 120_000;

let server: TestServer;
let harness: Harness;
let counter: ChangeCounter;
let f: Fixture;
/** Contents no key of the suite's workspace, or no agent but B, may ever read back. */
const markers = { victimB: `victim-b-${Date.now()}`, otherWorkspace: `victim-other-${Date.now()}` };
const keys = { admin: "", agentA: "", readOnly: "", otherAdmin: "", unbound: "" };

const as = (key: string | null): Target => ({ port: server.port, key });

beforeAll(async () => {
  server = await startTestServer();
  keys.admin = server.adminKey;
  keys.agentA = await server.createKey({ agentId: "agent-a" });
  keys.readOnly = await server.createKey({ scopes: ["memory:read"] });
  keys.unbound = await server.createKey();
  const otherWorkspace = `${server.workspaceId}-other`;
  keys.otherAdmin = await server.createKey({
    workspaceId: otherWorkspace,
    scopes: ["admin", "memory:read", "memory:write"],
  });
  const agentB = await server.createKey({ agentId: "agent-b" });

  const seed = async (key: string, memory: JsonObject) =>
    (
      await memoryClient(server.baseUrl, key).writeMemory({
        memory: { subjectType: "contact", kind: "note", ...memory },
      })
    ).memory!.id;
  const ownId = await seed(keys.admin, { agentId: "agent-admin", content: "the admin's own memory", key: "own" });
  const victimB = await seed(agentB, { content: `${markers.victimB} private to agent b` });
  const ownerless = await seed(keys.admin, { content: "a memory of the whole workspace" });
  const otherWs = await seed(keys.otherAdmin, { content: `${markers.otherWorkspace} of another workspace` });
  for (const n of [1, 2, 3]) await seed(keys.admin, { subjectType: "abuse-list", content: `page ${n}` });
  const admin = memoryClient(server.baseUrl, keys.admin);
  const page = await admin.listMemories(PAGE_QUERY);
  const apiKeys = await apiKeyClient(server.baseUrl, keys.admin).listApiKeys({});
  f = {
    ownId,
    victimB,
    ownerless,
    otherWorkspace: otherWs,
    keyId: apiKeys.apiKeys[0]!.id,
    pageToken: page.nextPageToken,
  };
  expect(f.pageToken).not.toBe("");
  counter = await ChangeCounter.install(server.engram.db.em);
  harness = new Harness(server.port, counter);
});

afterAll(async () => {
  if (harness !== undefined) console.log([harness.summary(), ...harness.classLines()].join("\n"));
  closeSessions();
  await server?.close();
});

/** Every placed call over every protocol that can carry it. */
function across(
  placed: Placed[],
  key: string,
  protocols: Protocol[],
  shape: (p: Placed) => Partial<Probe> = () => ({}),
) {
  return placed.flatMap((p) =>
    protocols.map((protocol): Probe => ({
      label: p.label,
      protocol,
      send: () => sendCall(as(key), protocol, p.call),
      ...shape(p),
    })),
  );
}

/** One call per generated value, the protocols and places taken in turn. */
function spread(values: string[], place: (v: string) => Placed[], key: string, errorInfo: boolean) {
  return values.map((v, i): Probe => {
    const options = place(v);
    const p = options[i % options.length]!;
    const protocol = PROTOCOLS[i % PROTOCOLS.length]!;
    return {
      label: `generated #${i}: ${p.label}`,
      protocol,
      send: () => sendCall(as(key), protocol, p.call),
      codes: p.id ? ["invalid_argument", "not_found"] : ["invalid_argument"],
      errorInfo,
    };
  });
}

/**
 * Rejected as invalid (or, for ids, not found). Values that decode are refused by the
 * application, with an ErrorInfo; values the decoder refuses carry its message.
 */
const valueRejected =
  (errorInfo: boolean) =>
  (p: Placed): Partial<Probe> => ({
    codes: p.id ? ["invalid_argument", "not_found"] : ["invalid_argument"],
    errorInfo,
  });

it("the change counter sees every committed change, and none that was rolled back or changed nothing", async () => {
  const before = BigInt(await counter.changes());
  const admin = memoryClient(server.baseUrl, keys.admin);
  const { memory } = await admin.writeMemory({
    memory: { subjectType: "counted", subjectId: "c", kind: "note", content: "a counted write" },
  });
  const afterWrite = BigInt(await counter.changes());
  expect(afterWrite).toBeGreaterThan(before);

  const em = server.engram.db.em.fork();
  // A row left exactly as it was, and a change undone by its rollback: nothing to count.
  await em.execute(`update memories set content = content where id = ?`, [memory!.id]);
  await em
    .transactional(async (tx) => {
      await tx.execute(`update memories set content = 'changed' where id = ?`, [memory!.id]);
      throw new Error("roll back");
    })
    .catch(() => undefined);
  expect(BigInt(await counter.changes())).toBe(afterWrite);

  // A change made behind the API's back (as a faulty handler would) is counted.
  await em.execute(`update memories set content = 'changed' where id = ?`, [memory!.id]);
  expect(BigInt(await counter.changes())).toBe(afterWrite + 1n);
});

async function expectClean(name: string, probes: Probe[]) {
  const failures = await harness.run(name, probes);
  expect(failures).toEqual([]);
}

it(
  "NUL characters in every string field",
  async () => {
    const probes = [
      ...across(everyStringField("pre\u0000post", f), keys.admin, PROTOCOLS, valueRejected(true)),
      ...spread(sample(withNul, 36), (v) => everyStringField(v, f), keys.admin, true),
      // The six characters backslash, u, 0, 0, 0, 0 are text, not a NUL.
      ...across(
        [{ label: "content with a literal \\u0000", call: write({ content: "escaped \\u0000 is text" }) }],
        keys.admin,
        PROTOCOLS,
        () => ({
          expect: "accept",
        }),
      ),
    ];
    await expectClean("nul", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "lone surrogates in strings and metadata, invalid UTF-8 in JSON and protobuf",
  async () => {
    // A query string cannot carry a lone surrogate: its %ED%A0%80 decodes to U+FFFD, a fine character.
    const inQuery = (label: string) =>
      /^(ListMemories|GetMemory agent_id|DeleteMemory reason|WriteMemory request_id|UpdateMemory etag|ListEntities|GetEntity|FindEntityPaths|UpdateEntity)/.test(
        label,
      );
    // Nor can a binary map key: protobuf-es encodes a key's lone surrogate as U+FFFD (it checks
    // string fields, not keys), so the server receives a fine character.
    const encodedAway = (probe: Probe) =>
      (BINARY_PROTOCOLS.includes(probe.protocol) && /metadata key/.test(probe.label)) ||
      (probe.protocol === "rest" && inQuery(probe.label));
    const lenient = (probe: Probe): Probe => (encodedAway(probe) ? { ...probe, expect: "either" } : probe);
    const probes = [
      ...across(everyStringField("a\ud800b", f), keys.admin, PROTOCOLS, valueRejected(false)).map(lenient),
      ...across(
        [
          { label: "metadata key \\udfff", call: write({ metadata: { "\udfff": 1 } }) },
          { label: "metadata value \\udc00 alone", call: write({ metadata: { k: "\udc00" } }) },
        ],
        keys.admin,
        PROTOCOLS,
        valueRejected(false),
      ).map(lenient),
      ...spread(
        sample(withLoneSurrogate, 30, 1),
        (v) => everyStringField(v, f).filter((p) => !inQuery(p.label)),
        keys.admin,
        false,
      ).map(lenient),
      ...INVALID_UTF8.flatMap(({ label, bytes }): Probe[] => [
        {
          label: `Connect JSON content with ${label}`,
          protocol: "connect-json",
          send: () =>
            connect(
              as(keys.admin),
              METHODS.writeMemory,
              "json",
              jsonWithBytes('{"memory":{"subjectType":"c","kind":"k","content":"x', bytes, 'y"}}'),
            ),
          codes: ["invalid_argument"],
        },
        {
          label: `Connect JSON metadata key with ${label}`,
          protocol: "connect-json",
          send: () =>
            connect(
              as(keys.admin),
              METHODS.writeMemory,
              "json",
              jsonWithBytes('{"memory":{"subjectType":"c","kind":"k","content":"x","metadata":{"', bytes, '":1}}}'),
            ),
          codes: ["invalid_argument"],
        },
        {
          label: `REST content with ${label}`,
          protocol: "rest",
          send: () =>
            rest(as(keys.admin), {
              verb: "POST",
              path: "/v1/memory",
              body: jsonWithBytes('{"subject_type":"c","kind":"k","content":"x', bytes, 'y"}'),
            }),
          codes: ["invalid_argument"],
        },
        {
          label: `MCP write_memory content with ${label}`,
          protocol: "mcp",
          send: () =>
            mcp(
              as(keys.admin),
              jsonWithBytes(
                '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_memory","arguments":{"subject_type":"c","kind":"k","content":"x',
                bytes,
                'y"}}}',
              ),
            ),
          codes: ["invalid_argument"],
        },
      ]),
    ];
    await expectClean("surrogates-utf8", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "numbers out of range: confidence, page_size, top_k, enums",
  async () => {
    // Values the decoder refuses (out of float32 or int32 range) carry its message, not an ErrorInfo.
    const confidence = (value: number | string, expectation: Probe["expect"], errorInfo = true) =>
      across([{ label: `confidence ${value}`, call: write({ confidence: value }) }], keys.admin, PROTOCOLS, () => ({
        expect: expectation,
        codes: ["invalid_argument"],
        errorInfo,
      }));
    const rejected = (label: string, c: Call, errorInfo = true) =>
      across([{ label, call: c }], keys.admin, PROTOCOLS, () => ({ codes: ["invalid_argument"], errorInfo }));
    const generated = sample(fc.double(), 30, 2).map((value, i): Probe => {
      const protocol = PROTOCOLS[i % PROTOCOLS.length]!;
      // Binary protocols carry a float32: -1e-300 arrives as -0, a fine confidence.
      const stored = Math.fround(value);
      const bad = Number.isNaN(value) || stored < 0 || stored > 1;
      const json = Number.isFinite(value) ? value : String(value);
      return {
        label: `generated confidence ${value}`,
        protocol,
        send: () => sendCall(as(keys.admin), protocol, write({ confidence: json, content: `confidence ${i}` })),
        expect: bad ? "reject" : "either",
        codes: ["invalid_argument"],
      };
    });
    const probes = [
      // Too small for a real column, but in range: stored (as 0) or refused, never a database error.
      ...confidence(1e-50, "either"),
      ...confidence("1e-50", "either"),
      ...confidence(1e-40, "either"),
      ...confidence("1e-45", "either"),
      ...confidence(-1, "reject"),
      ...confidence(2, "reject"),
      ...confidence("NaN", "reject"),
      ...confidence("Infinity", "reject"),
      ...confidence("-Infinity", "reject"),
      ...confidence(3.5e38, "reject", false),
      ...rejected("page_size -1", call(METHODS.listMemories, { pageSize: -1 })),
      ...rejected("page_size 2^31", call(METHODS.listMemories, { pageSize: 2147483648 }), false),
      ...rejected("page_size 1.5", call(METHODS.listMemories, { pageSize: 1.5 }), false),
      ...rejected("top_k -1", call(METHODS.searchMemories, { query: "q", topK: -1 })),
      ...rejected("mode 99", call(METHODS.searchMemories, { query: "q", mode: 99 })),
      ...rejected("visibility 7", write({ visibility: 7 })),
      ...rejected("provenance -1", write({ provenance: -1 })),
      ...across(
        [{ label: "min_score NaN", call: call(METHODS.searchMemories, { query: "q", minScore: "NaN" }) }],
        keys.admin,
        PROTOCOLS,
        () => ({
          expect: "either",
        }),
      ),
      ...generated,
    ];
    await expectClean("numbers", probes);
  },
  CLASS_TIMEOUT,
);

/** A WriteMemoryRequest built as a message, for values proto3 JSON cannot spell. */
function binaryWrite(
  init: { memory?: MessageInitShape<typeof MemorySchema>; ttl?: { seconds?: bigint; nanos?: number } },
  label: string,
): Probe[] {
  const bytes = toBinary(
    WriteMemoryRequestSchema,
    create(WriteMemoryRequestSchema, {
      ...init,
      memory: { subjectType: "contact", kind: "note", content: `binary ${label}`, ...init.memory },
    }),
  );
  return BINARY_PROTOCOLS.map((protocol) => ({
    label,
    protocol,
    send: () => sendCall(as(keys.admin), protocol, { method: METHODS.writeMemory, json: {}, binary: bytes }),
    codes: ["invalid_argument"],
    errorInfo: true,
  }));
}

it(
  "timestamps and durations out of range or impossible",
  async () => {
    // Timestamps in JSON are refused by the decoder (its message, no ErrorInfo), except those
    // it reads leniently: "2020-02-30" would reach binary protocols as a valid March 1.
    const expire = (value: string, expectation: Probe["expect"] = "reject", protocols = PROTOCOLS) =>
      across(
        [{ label: `expire_time ${JSON.stringify(value)}`, call: write({ expireTime: value }) }],
        keys.admin,
        protocols,
        () => ({ expect: expectation, codes: ["invalid_argument"] }),
      );
    const ttl = (value: string, expectation: Probe["expect"] = "reject", errorInfo = true) =>
      across([{ label: `ttl ${value}`, call: write({}, { ttl: value }) }], keys.admin, PROTOCOLS, () => ({
        expect: expectation,
        codes: ["invalid_argument"],
        errorInfo,
      }));
    const outOfRange = sample(
      fc.oneof(
        fc.bigInt({ min: -(2n ** 63n), max: -62135596801n }),
        fc.bigInt({ min: 253402300800n, max: 2n ** 63n - 1n }),
      ),
      12,
      3,
    );
    const probes = [
      ...expire("10000-01-01T00:00:00Z"),
      ...expire("+010000-01-01T00:00:00Z"),
      ...expire("0000-12-31T23:59:59Z"),
      ...expire("-0001-01-01T00:00:00Z"),
      ...expire("2020-02-30T00:00:00Z", "reject", ["connect-json", "rest", "mcp"]),
      ...expire("2020-13-01T00:00:00Z"),
      ...expire("2020-01-01T25:00:00Z"),
      ...expire("not a time"),
      ...expire("0001-01-01T00:00:00Z", "either"),
      ...expire("9999-12-31T23:59:59.999999999Z", "either"),
      ...across(
        [
          { label: "valid_from year 10000", call: write({ validFrom: "10000-01-01T00:00:00Z" }) },
          { label: "valid_until year 0", call: write({ validUntil: "0000-12-31T23:59:59Z" }) },
          {
            label: "valid_until before valid_from",
            call: write({ validFrom: "2030-01-01T00:00:00Z", validUntil: "2029-01-01T00:00:00Z" }),
          },
          { label: "valid_until before the create time", call: write({ validUntil: "2001-01-01T00:00:00Z" }) },
          {
            label: "UpdateMemory valid_until before the create time",
            call: call(METHODS.updateMemory, {
              id: f.ownId,
              memory: { validUntil: "2001-01-01T00:00:00Z" },
              updateMask: "validUntil",
            }),
          },
          {
            label: "ListMemories filter.valid_at year 10000",
            call: call(METHODS.listMemories, { filter: { validAt: "10000-01-01T00:00:00Z" } }),
          },
          { label: "ListMemories as_of not a time", call: call(METHODS.listMemories, { asOf: "yesterday" }) },
          {
            label: "GetMemory as_of year 0",
            call: call(METHODS.getMemory, { id: f.ownId, asOf: "0000-01-01T00:00:00Z" }),
          },
        ],
        keys.admin,
        PROTOCOLS,
        () => ({ codes: ["invalid_argument"] }),
      ),
      ...binaryWrite({ memory: { validFrom: { seconds: 253402300800n } } }, "valid_from seconds of year 10000"),
      ...binaryWrite({ memory: { validUntil: { seconds: -62135596801n } } }, "valid_until seconds before year 1"),
      ...ttl("315576000000s"),
      ...ttl("-1s"),
      ...ttl("0s"),
      ...ttl("99999999999999s", "reject", false),
      ...ttl("0.000000001s", "either"),
      ...across(
        [
          {
            label: "UpdateMemory expire_time year 10000",
            call: call(METHODS.updateMemory, {
              id: f.ownId,
              memory: { expireTime: "10000-01-01T00:00:00Z" },
              updateMask: "expireTime",
            }),
          },
        ],
        keys.admin,
        PROTOCOLS,
        () => ({ codes: ["invalid_argument"] }),
      ),
      ...binaryWrite({ memory: { expireTime: { seconds: 253402300800n } } }, "expire_time seconds of year 10000"),
      ...binaryWrite({ memory: { expireTime: { seconds: -62135596801n } } }, "expire_time seconds before year 1"),
      ...binaryWrite({ memory: { expireTime: { seconds: 1700000000n, nanos: -1 } } }, "expire_time nanos -1"),
      ...binaryWrite(
        { memory: { expireTime: { seconds: 1700000000n, nanos: 1_000_000_000 } } },
        "expire_time nanos 1e9",
      ),
      ...binaryWrite({ ttl: { seconds: 315576000001n } }, "ttl above the Duration range"),
      ...binaryWrite({ ttl: { seconds: 315576000000n } }, "ttl reaching past year 9999"),
      ...binaryWrite({ ttl: { seconds: 1n, nanos: -1 } }, "ttl with mixed signs"),
      ...binaryWrite({ ttl: { seconds: 0n, nanos: -5 } }, "ttl nanos -5"),
      ...outOfRange.flatMap((seconds, i) =>
        binaryWrite({ memory: { expireTime: { seconds } } }, `generated expire_time seconds ${seconds}`).filter(
          (_, j) => j === i % BINARY_PROTOCOLS.length,
        ),
      ),
    ];
    await expectClean("timestamps", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "Struct metadata: NaN and Infinity (binary), deep nesting",
  async () => {
    const deep = (depth: number, expectation: Probe["expect"]): Probe[] => {
      const { json, request } = deepMetadata(depth);
      const label = `metadata nested ${depth} deep`;
      const rpc: Call = {
        method: METHODS.writeMemory,
        json: {},
        jsonBytes: Buffer.from(`{"memory":{"subjectType":"c","kind":"k","content":"deep","metadata":${json}}}`),
        binary: request,
      };
      const args = `{"subject_type":"c","kind":"k","content":"deep","metadata":${json}}`;
      return [
        ...(["connect-json", ...BINARY_PROTOCOLS] as Protocol[]).map((protocol): Probe => ({
          label,
          protocol,
          expect: expectation,
          send: () => sendCall(as(keys.admin), protocol, rpc),
        })),
        {
          label,
          protocol: "rest",
          expect: expectation,
          send: () => rest(as(keys.admin), { verb: "POST", path: "/v1/memory", body: args }),
        },
        {
          label,
          protocol: "mcp",
          expect: expectation,
          send: () =>
            mcp(
              as(keys.admin),
              Buffer.from(
                `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_memory","arguments":${args}}}`,
              ),
            ),
        },
      ];
    };
    const probes = [
      ...binaryWrite({ memory: { metadata: { score: NaN } } }, "metadata NaN"),
      ...binaryWrite({ memory: { metadata: { score: Infinity } } }, "metadata Infinity"),
      ...binaryWrite({ memory: { metadata: { score: -Infinity } } }, "metadata -Infinity"),
      ...binaryWrite({ memory: { metadata: { list: [1, NaN] } } }, "metadata list with NaN"),
      ...binaryWrite({ memory: { metadata: { deep: { deeper: Infinity } } } }, "nested metadata Infinity"),
      ...(["NaN", "Infinity", "-Infinity"] as const).map((literal): Probe => ({
        label: `Connect JSON metadata ${literal} literal`,
        protocol: "connect-json",
        send: () =>
          connect(
            as(keys.admin),
            METHODS.writeMemory,
            "json",
            Buffer.from(`{"memory":{"subjectType":"c","kind":"k","content":"x","metadata":{"a":${literal}}}}`),
          ),
        codes: ["invalid_argument"],
      })),
      // Past the 64 KiB metadata limit, and deeper than any recursive parser's stack.
      ...deep(20_000, "reject"),
      ...deep(200, "either"),
    ];
    await expectClean("struct", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "forged and random page tokens",
  async () => {
    const b64 = (value: unknown) =>
      Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
    let issued: Record<string, unknown> | undefined;
    try {
      issued = JSON.parse(Buffer.from(f.pageToken, "base64url").toString("utf8")) as Record<string, unknown>;
    } catch {
      // Not JSON: a signed or encrypted token, which is what the server should issue.
    }
    const flipped = f.pageToken.slice(0, -2) + (f.pageToken.endsWith("A") ? "BB" : "AA");
    const forged: [string, string][] = [
      [
        "made-up fingerprint",
        b64({ q: "forged-fingerprint-000", v: "2026-01-01T00:00:00.000Z", i: "0190b3c4-0000-7000-8000-000000000000" }),
      ],
      ["issued token with its last characters changed", flipped],
      ["random base64url", b64(sample(fc.uint8Array({ minLength: 8, maxLength: 64 }), 1, 4)[0]!.toString())],
      ["JSON null", b64("null")],
      ["JSON array", b64([1, 2, 3])],
      ["not base64", "!!!***"],
      ...(issued === undefined
        ? []
        : ([
            [
              "issued fingerprint, made-up position",
              b64({ ...issued, i: "0190b3c4-0000-7000-8000-000000000000", v: "2000-01-01T00:00:00.000Z" }),
            ],
            ["issued fingerprint, position in year 275760", b64({ ...issued, v: "+275760-09-13T00:00:00.000Z" })],
            ["issued fingerprint, numeric position 1e308", b64({ ...issued, v: 1e308 })],
            ['issued fingerprint, position "1970"', b64({ ...issued, v: "1970" })],
            ["issued fingerprint, id not a uuid", b64({ ...issued, i: "x" })],
          ] as [string, string][])),
      ...sample(fc.string({ minLength: 1, maxLength: 80 }), 8, 5).map((s, i): [string, string] => [
        `generated string #${i}`,
        s,
      ]),
      ...sample(fc.jsonValue(), 8, 6).map((v, i): [string, string] => [`generated base64url JSON #${i}`, b64(v)]),
    ];
    const probes = [
      ...across(
        [
          {
            label: "issued token (control)",
            call: call(METHODS.listMemories, { ...PAGE_QUERY, pageToken: f.pageToken }),
          },
        ],
        keys.admin,
        PROTOCOLS,
        () => ({
          expect: "accept",
        }),
      ),
      ...across(
        [
          {
            label: "issued token replayed with another filter",
            call: call(METHODS.listMemories, { filter: { subjectType: "other" }, pageSize: 1, pageToken: f.pageToken }),
          },
        ],
        keys.admin,
        PROTOCOLS,
        () => ({ codes: ["invalid_argument"], errorInfo: true }),
      ),
      ...forged.flatMap(([label, token], i) =>
        // Each generated token goes over one protocol; the hand-made ones over all.
        (label.startsWith("generated") ? [PROTOCOLS[i % PROTOCOLS.length]!] : PROTOCOLS).map((protocol): Probe => ({
          label: `page_token: ${label}`,
          protocol,
          send: () =>
            sendCall(as(keys.admin), protocol, call(METHODS.listMemories, { ...PAGE_QUERY, pageToken: token })),
          codes: ["invalid_argument"],
          errorInfo: true,
        })),
      ),
    ];
    await expectClean("page-tokens", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "REST query parameters and paths: NUL, unknown fields, bad enums, bad encodings",
  async () => {
    const get = (path: string, errorInfo = true): Probe => ({
      label: `GET ${path}`,
      protocol: "rest",
      send: () => rest(as(keys.admin), { verb: "GET", path }),
      errorInfo,
    });
    const body = JSON.stringify({ subject_type: "contact", kind: "note", content: "rest probe" });
    const probes: Probe[] = [
      ...[
        "subject_type",
        "subject_id",
        "kind",
        "tag",
        "any_tag",
        "key",
        "agent_registry_id",
        "page_token",
        "order_by",
        "linked_entity_type",
      ].map((name) => get(`/v1/memory?${name}=a%00b`)),
      get("/v1/memory?%00=1"),
      get("/v1/memory?bogus=1"),
      get("/v1/memory?visibility=bogus"),
      get("/v1/memory?page_size=abc"),
      get("/v1/memory?page_size=1e99"),
      get("/v1/memory?page_size=501"),
      get("/v1/memory?page_size=1&page_size=2"),
      get("/v1/memory?show_deleted=maybe"),
      get("/v1/memory?filter=x"),
      // A broken escape in a query string decodes leniently (WHATWG URL rules): accepting it is fine.
      { ...get("/v1/memory?subject_type=%E0%A4%A"), expect: "either" },
      get("/v1/memory/%00"),
      get(`/v1/memory/${f.ownId}?agent_registry_id=%00`),
      get("/v1/memory/%E0%A4%A"),
      get("/v1/nothing-here", false),
      {
        label: "DELETE with NUL reason",
        protocol: "rest",
        send: () => rest(as(keys.admin), { verb: "DELETE", path: `/v1/memory/${f.ownId}?reason=%00` }),
        errorInfo: true,
      },
      {
        label: "POST with NUL request_id",
        protocol: "rest",
        send: () => rest(as(keys.admin), { verb: "POST", path: "/v1/memory?request_id=%00", body }),
        errorInfo: true,
      },
      {
        label: "POST with ttl -5s",
        protocol: "rest",
        send: () => rest(as(keys.admin), { verb: "POST", path: "/v1/memory?ttl=-5s", body }),
        errorInfo: true,
      },
      {
        label: "PATCH with NUL update_mask",
        protocol: "rest",
        send: () =>
          rest(as(keys.admin), { verb: "PATCH", path: `/v1/memory/${f.ownId}?update_mask=%00`, body: '{"title":"t"}' }),
        errorInfo: true,
      },
      {
        label: "POST with an unknown body field",
        protocol: "rest",
        send: () =>
          rest(as(keys.admin), {
            verb: "POST",
            path: "/v1/memory",
            body: '{"subject_type":"c","kind":"k","content":"x","bogus":1}',
          }),
        errorInfo: true,
      },
      {
        label: "POST with a bad enum",
        protocol: "rest",
        send: () =>
          rest(as(keys.admin), {
            verb: "POST",
            path: "/v1/memory",
            body: '{"subject_type":"c","kind":"k","content":"x","visibility":"bogus"}',
          }),
        errorInfo: true,
      },
      {
        label: "search with a bad mode",
        protocol: "rest",
        send: () =>
          rest(as(keys.admin), { verb: "POST", path: "/v1/memory/search", body: '{"query":"x","mode":"bogus"}' }),
        errorInfo: true,
      },
      {
        label: "POST as text/plain",
        protocol: "rest",
        send: () =>
          rest(as(keys.admin), { verb: "POST", path: "/v1/memory", body, headers: { "content-type": "text/plain" } }),
      },
      {
        label: "PUT /v1/memory",
        protocol: "rest",
        send: () => rest(as(keys.admin), { verb: "PUT", path: "/v1/memory", body }),
      },
      ...sample(fc.string({ minLength: 1, maxLength: 30 }), 10, 8).map((s, i): Probe =>
        get(`/v1/memory?${["kind", "tag", "subject_id", "key"][i % 4]}=${encodeURIComponent(s.toWellFormed())}%00`),
      ),
    ];
    await expectClean("rest-query", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "malformed MCP requests and tools/call",
  async () => {
    const tools = (params: unknown) => ({ jsonrpc: "2.0", id: 7, method: "tools/call", params });
    const write = (args: unknown) => tools({ name: "write_memory", arguments: args });
    const malformed: [string, unknown][] = [
      ["tools/call without params", { jsonrpc: "2.0", id: 7, method: "tools/call" }],
      ["tools/call without a name", tools({})],
      ["tools/call with a numeric name", tools({ name: 42 })],
      ["tools/call with arguments an array", write([])],
      ["tools/call with arguments a string", write("content")],
      ["tools/call with arguments a number", write(5)],
      ["tools/call with arguments null", write(null)],
      ["tools/call of an unknown tool", tools({ name: "drop_tables", arguments: {} })],
      ["write_memory with wrong types", write({ subject_type: [], kind: {}, content: 5 })],
      ["write_memory with an unknown argument", write({ subject_type: "c", kind: "k", content: "x", bogus: 1 })],
      ["write_memory with tags an object", write({ subject_type: "c", kind: "k", content: "x", tag: { a: 1 } })],
      ["list_memory with page_size a string", tools({ name: "list_memory", arguments: { page_size: "many" } })],
      ["list_memory with a bad visibility", tools({ name: "list_memory", arguments: { visibility: "bogus" } })],
    ];
    const protocolErrors: [string, unknown, Record<string, string>?][] = [
      ["jsonrpc 1.0", { jsonrpc: "1.0", id: 1, method: "tools/list" }],
      ["unknown method", { jsonrpc: "2.0", id: 1, method: "tools/explode" }],
      ["not JSON", Buffer.from("{ not json")],
      ["empty batch", []],
      ["a JSON string", "tools/call"],
      ["content-type text/plain", tools({ name: "list_memory", arguments: {} }), { "content-type": "text/plain" }],
    ];
    const generated = sample(
      fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      16,
      9,
    );
    const probes: Probe[] = [
      ...malformed.map(([label, message]): Probe => ({
        label,
        protocol: "mcp",
        send: () => mcp(as(keys.admin), message),
        codes: ["invalid_argument"],
      })),
      ...protocolErrors.map(([label, message, headers]): Probe => ({
        label,
        protocol: "mcp",
        send: () => mcp(as(keys.admin), message, { headers: headers ?? {} }),
        // An empty batch holds nothing to answer.
        expect: label === "empty batch" ? "either" : "reject",
      })),
      ...generated.map((args, i): Probe => ({
        label: `write_memory with generated arguments #${i}`,
        protocol: "mcp",
        send: () => mcp(as(keys.admin), write(args)),
        codes: ["invalid_argument"],
      })),
    ];
    await expectClean("mcp", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "values over their limits",
  async () => {
    const probes = across(overLimits(f), keys.admin, PROTOCOLS, () => ({
      codes: ["invalid_argument"],
      errorInfo: true,
    }));
    await expectClean("limits", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "random JSON, wrong types, unknown fields and bad enums",
  async () => {
    const wrong: [string, JsonObject][] = [
      ["memory an array", { memory: [] }],
      ["memory a string", { memory: "x" }],
      ["content a number", { memory: { subjectType: "c", kind: "k", content: 5 } }],
      ["tags a string", { memory: { subjectType: "c", kind: "k", content: "x", tags: "t" } }],
      ["tags of numbers", { memory: { subjectType: "c", kind: "k", content: "x", tags: [1, 2] } }],
      ["metadata an array", { memory: { subjectType: "c", kind: "k", content: "x", metadata: [] } }],
      ["metadata a string", { memory: { subjectType: "c", kind: "k", content: "x", metadata: "m" } }],
      ["confidence a word", { memory: { subjectType: "c", kind: "k", content: "x", confidence: "high" } }],
      ["unknown visibility", { memory: { subjectType: "c", kind: "k", content: "x", visibility: "VISIBILITY_BOGUS" } }],
      ["provenance a boolean", { memory: { subjectType: "c", kind: "k", content: "x", provenance: true } }],
      ["unknown field", { memory: { subjectType: "c", kind: "k", content: "x", bogusField: 1 } }],
      ["ttl a number", { memory: { subjectType: "c", kind: "k", content: "x" }, ttl: 5 }],
      ["validate_only a word", { memory: { subjectType: "c", kind: "k", content: "x" }, validateOnly: "yes" }],
      [
        "linked_entities an object",
        { memory: { subjectType: "c", kind: "k", content: "x", linkedEntities: { type: "a" } } },
      ],
    ];
    const jsonProtocols: Protocol[] = ["connect-json", "rest", "mcp"];
    const raw = (label: string, body: string, method: DescMethod = METHODS.writeMemory): Probe => ({
      label,
      protocol: "connect-json",
      send: () => connect(as(keys.admin), method, "json", Buffer.from(body)),
      codes: ["invalid_argument"],
    });
    const probes: Probe[] = [
      ...wrong.flatMap(([label, json]) =>
        jsonProtocols.map((protocol): Probe => ({
          label,
          protocol,
          send: () => sendCall(as(keys.admin), protocol, call(METHODS.writeMemory, json)),
          codes: ["invalid_argument"],
          // REST and MCP take one value where a list goes, as the seed's APIs do.
          expect: label === "tags a string" && protocol !== "connect-json" ? "either" : "reject",
        })),
      ),
      ...[
        "",
        "{",
        '{"memory":',
        "[]",
        "null",
        "\u0000",
        '{"memory":{}}{"memory":{}}',
        '{"memory":{"content":"x","content":"y"}}',
      ].map((body) => raw(`Connect JSON body ${JSON.stringify(body)}`, body)),
      raw('ListMemories {"pageSize":"abc"}', '{"pageSize":"abc"}', METHODS.listMemories),
      raw('ListMemories {"filter":[]}', '{"filter":[]}', METHODS.listMemories),
      raw('ListMemories {"orderBy":5}', '{"orderBy":5}', METHODS.listMemories),
      ...sample(fc.json(), 25, 10).map((body, i) => raw(`generated JSON #${i} to WriteMemory`, body)),
      ...sample(fc.json(), 10, 11).map((body, i): Probe => ({
        ...raw(`generated JSON #${i} to ListMemories`, body, METHODS.listMemories),
        expect: "either",
      })),
      ...sample(fc.json(), 15, 12).map((body, i): Probe => ({
        label: `generated JSON #${i} to POST /v1/memory`,
        protocol: "rest",
        send: () => rest(as(keys.admin), { verb: "POST", path: "/v1/memory", body }),
        codes: ["invalid_argument"],
      })),
    ];
    await expectClean("random-json", probes);
  },
  CLASS_TIMEOUT,
);

/** A valid WriteMemoryRequest in protobuf, to cut and frame. */
function validWriteBytes(): Uint8Array {
  return toBinary(
    WriteMemoryRequestSchema,
    create(WriteMemoryRequestSchema, {
      memory: {
        subjectType: "contact",
        kind: "note",
        content: "a valid request to mangle",
        tags: ["a", "b"],
        metadata: { k: "v" },
      },
      requestId: "mangle",
    }),
  );
}

const binaryRpc = (
  protocol: Protocol,
  key: string,
  body: Buffer,
  method: DescMethod = METHODS.writeMemory,
): Promise<Outcome> => {
  if (protocol === "connect-proto") return connect(as(key), method, "proto", body, { framed: true });
  return (protocol === "grpc" ? grpc : grpcWeb)(as(key), pathOf(method), body, method);
};

it(
  "truncated and random protobuf",
  async () => {
    const valid = validWriteBytes();
    const crafted: [string, number[]][] = [
      ["varint longer than 10 bytes", [0x08, ...Array<number>(11).fill(0xff), 0x01]],
      ["length prefix of 2 GiB", [0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x01]],
      ["wire type 7", [0x0f, 0x01]],
      ["unterminated group", [0x0b, 0x08, 0x01]],
      ["field number 0", [0x00, 0x01]],
      ["memory cut short", [0x0a, 0x10, 0x42, 0x02]],
    ];
    const probes: Probe[] = BINARY_PROTOCOLS.flatMap((protocol, p) => {
      // Connect unary bodies are the message itself; gRPC and gRPC-Web frame it.
      const frame = (bytes: Uint8Array) => (protocol === "connect-proto" ? Buffer.from(bytes) : envelope(0, bytes));
      const probe = (label: string, bytes: Uint8Array): Probe => ({
        label,
        protocol,
        send: () => binaryRpc(protocol, keys.admin, frame(bytes)),
        codes: ["invalid_argument"],
      });
      return [
        ...crafted.map(([label, bytes]) => probe(label, Uint8Array.from(bytes))),
        ...sample(fc.integer({ min: 1, max: valid.length - 1 }), 12, 20 + p).map((cut) =>
          probe(`truncated at ${cut} of ${valid.length}`, valid.subarray(0, cut)),
        ),
        ...sample(fc.uint8Array({ minLength: 1, maxLength: 300 }), 20, 30 + p).map((bytes, i) =>
          probe(`random bytes #${i}`, bytes),
        ),
      ];
    });
    await expectClean("protobuf", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "bad envelopes: lengths, flags, extra and missing frames",
  async () => {
    const request = Buffer.from(validWriteBytes());
    const search = Buffer.from(JSON.stringify({ query: "probe" }));
    type Variant = { label: string; body: Buffer; flags: number; intact: boolean; cardinality?: boolean };
    const variants = (bytes: Buffer): Variant[] => [
      { label: "declared longer than sent", body: envelope(0, bytes, bytes.length + 10), flags: 0, intact: false },
      { label: "declared shorter than sent", body: envelope(0, bytes, bytes.length - 3), flags: 0, intact: false },
      { label: "declared 4 GiB", body: envelope(0, bytes, 0xffffffff), flags: 0, intact: false },
      { label: "compressed flag without an encoding", body: envelope(0x01, bytes), flags: 0x01, intact: true },
      { label: "flag 0x02", body: envelope(0x02, bytes), flags: 0x02, intact: true },
      { label: "flag 0x80", body: envelope(0x80, bytes), flags: 0x80, intact: true },
      { label: "flag 0xff", body: envelope(0xff, bytes), flags: 0xff, intact: true },
      {
        label: "two messages",
        body: Buffer.concat([envelope(0, bytes), envelope(0, bytes)]),
        flags: 0,
        intact: false,
        cardinality: true,
      },
      { label: "no message", body: Buffer.alloc(0), flags: 0, intact: false, cardinality: true },
      { label: "three bytes of a header", body: Buffer.from([0, 0, 0]), flags: 0, intact: false },
    ];
    const generated = sample(
      fc.record({ flags: fc.integer({ min: 0, max: 255 }), delta: fc.integer({ min: -40, max: 1 << 20 }) }),
      24,
      13,
    ).filter(({ flags, delta }) => flags !== 0 || delta !== 0);
    const generatedVariants = (bytes: Buffer) =>
      generated.map(({ flags, delta }, i): Variant => ({
        label: `generated #${i} flags ${flags} length ${delta >= 0 ? "+" : ""}${delta}`,
        body: envelope(flags, bytes, Math.max(0, bytes.length + delta)),
        flags,
        intact: delta === 0,
      }));
    // The flag bits each protocol gives a meaning: compressed (all), end-stream (Connect), trailers (gRPC-Web).
    const meaningful: Record<string, number> = { "connect-json": 0x03, grpc: 0x01, "grpc-web": 0x81 };
    const probe = (protocol: Protocol, v: Variant, send: () => Promise<Outcome>): Probe => {
      const bits = meaningful[protocol]!;
      return {
        label: v.label,
        protocol,
        send,
        // Reserved bits on an intact frame may be ignored; a frame that ends the stream or is
        // not there leaves the call without its message, which gRPC answers UNIMPLEMENTED.
        expect: v.intact && (v.flags & bits) === 0 ? "either" : "reject",
        unimplementedOk: v.cardinality === true || (v.flags & bits & ~0x01) !== 0,
      };
    };
    const probes: Probe[] = [
      ...[...variants(search), ...generatedVariants(search).filter((_, i) => i % 3 === 0)].map((v) =>
        probe("connect-json", { ...v, label: `SearchMemories stream: ${v.label}` }, () =>
          connect(as(keys.admin), METHODS.searchMemories, "json", v.body, { framed: true }),
        ),
      ),
      ...(["grpc", "grpc-web"] as const).flatMap((protocol, p) =>
        [...variants(request), ...generatedVariants(request).filter((_, i) => i % 3 === p + 1)].map((v) =>
          probe(protocol, { ...v, label: `WriteMemory: ${v.label}` }, () => binaryRpc(protocol, keys.admin, v.body)),
        ),
      ),
    ];
    await expectClean("envelopes", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "tenancy: other agents' and other workspaces' memories and keys",
  async () => {
    const leaks = (forbidden: string[]) => (outcome: Outcome) => {
      const text = JSON.stringify(outcome.payload ?? "");
      const seen = forbidden.filter((marker) => text.includes(marker));
      return seen.length > 0 ? `leaked ${seen.join(", ")}` : undefined;
    };
    const ownContent = ["the admin's own memory", "a memory of the whole workspace", markers.victimB];
    const denied = ["not_found", "permission_denied"];
    // Staged writes that hold agent B's words: one an unbound key staged as agents B and C, one
    // an admin staged as B repeating B's private memory (its preview shows that memory).
    const stager = createClient(StagedWriteService, transport(server.baseUrl, keys.unbound));
    const severalAgents = await stager.createStagedWrite({
      requests: [
        { memory: { ...memory(), agentId: "agent-b", content: `${markers.victimB} staged for b` } },
        { memory: { ...memory(), agentId: "agent-c", content: "staged for c" } },
      ],
    });
    const victimContent = `${markers.victimB} private to agent b`;
    const mergeIntoB = await createClient(StagedWriteService, transport(server.baseUrl, keys.admin)).createStagedWrite({
      requests: [{ memory: { subjectType: "contact", kind: "note", agentId: "agent-b", content: victimContent } }],
    });
    const stagedIds = [severalAgents.stagedWrite?.id ?? "", mergeIntoB.stagedWrite?.id ?? ""];
    const staged = StagedWriteService.method;
    type Attempt = [string, string, Call, Partial<Probe>?];
    const stagedAttempts: Attempt[] = stagedIds.flatMap((id, i) => {
      const which = i === 0 ? "a staged write as B and C" : "an admin's staged write as B";
      return [
        [`agent A gets ${which}`, keys.agentA, call(staged.getStagedWrite, { id })],
        [`agent A gets ${which} naming agent B`, keys.agentA, call(staged.getStagedWrite, { id, agentId: "agent-b" })],
        [`agent A applies ${which}`, keys.agentA, call(staged.applyStagedWrite, { id })],
        [`agent A discards ${which}`, keys.agentA, call(staged.discardStagedWrite, { id })],
        [`workspace B gets ${which}`, keys.otherAdmin, call(staged.getStagedWrite, { id })],
        [`workspace B applies ${which}`, keys.otherAdmin, call(staged.applyStagedWrite, { id })],
      ];
    });
    const attempts: Attempt[] = [
      ...stagedAttempts,
      [
        "agent A lists staged writes",
        keys.agentA,
        call(staged.listStagedWrites, { pageSize: 500 }),
        { expect: "either", check: leaks([markers.victimB]) },
      ],
      [
        "another unbound key lists staged writes",
        keys.readOnly,
        call(staged.listStagedWrites, { pageSize: 500 }),
        { expect: "either", check: leaks([markers.victimB]) },
      ],
      [
        "workspace B lists staged writes",
        keys.otherAdmin,
        call(staged.listStagedWrites, { pageSize: 500 }),
        { expect: "either", check: leaks([markers.victimB, ...stagedIds]) },
      ],
      ["agent A gets B's memory", keys.agentA, call(METHODS.getMemory, { id: f.victimB })],
      [
        "agent A gets B's memory naming agent B",
        keys.agentA,
        call(METHODS.getMemory, { id: f.victimB, agentId: "agent-b" }),
      ],
      [
        "agent A updates B's memory",
        keys.agentA,
        call(METHODS.updateMemory, { id: f.victimB, memory: { content: "taken" }, updateMask: "content" }),
      ],
      ["agent A deletes B's memory", keys.agentA, call(METHODS.deleteMemory, { id: f.victimB })],
      ["agent A undeletes B's memory", keys.agentA, call(METHODS.undeleteMemory, { id: f.victimB })],
      ["agent A reads B's history", keys.agentA, call(METHODS.listMemoryRevisions, { id: f.victimB })],
      [
        "agent A reads B's memory as of a time",
        keys.agentA,
        call(METHODS.getMemory, { id: f.victimB, asOf: "2099-01-01T00:00:00Z" }),
      ],
      [
        "agent A lists everything as of a time",
        keys.agentA,
        call(METHODS.listMemories, {
          pageSize: 500,
          asOf: "2099-01-01T00:00:00Z",
          filter: { showDeleted: true, showExpired: true, includeSuperseded: true },
        }),
        { expect: "either", check: leaks([markers.victimB, markers.otherWorkspace]) },
      ],
      ["agent A supersedes B's memory", keys.agentA, write({ content: "a replacement" }, { supersedes: [f.victimB] })],
      [
        "agent A supersedes an ownerless memory",
        keys.agentA,
        write({ content: "a replacement" }, { supersedes: [f.ownerless] }),
      ],
      ["agent A unsupersedes B's memory", keys.agentA, call(METHODS.unsupersedeMemory, { id: f.victimB })],
      ["workspace B reads A's history", keys.otherAdmin, call(METHODS.listMemoryRevisions, { id: f.ownId })],
      [
        "workspace B reads A's memory as of a time",
        keys.otherAdmin,
        call(METHODS.getMemory, { id: f.ownId, asOf: "2099-01-01T00:00:00Z" }),
      ],
      [
        "workspace B supersedes A's memory",
        keys.otherAdmin,
        write({ content: "a replacement" }, { supersedes: [f.ownId] }),
      ],
      ["workspace B unsupersedes A's memory", keys.otherAdmin, call(METHODS.unsupersedeMemory, { id: f.ownId })],
      [
        "agent A updates an ownerless memory",
        keys.agentA,
        call(METHODS.updateMemory, { id: f.ownerless, memory: { content: "taken" }, updateMask: "content" }),
      ],
      ["agent A deletes an ownerless memory", keys.agentA, call(METHODS.deleteMemory, { id: f.ownerless })],
      ["agent A writes as agent B", keys.agentA, write({ agentId: "agent-b", content: "impersonation" })],
      [
        "agent A upserts B's keyed memory",
        keys.agentA,
        write({ agentId: "agent-b", key: "own", content: "impersonation" }),
      ],
      [
        "agent A writes an atomic batch as B",
        keys.agentA,
        call(METHODS.batchWriteMemories, {
          atomic: true,
          requests: [
            { memory: { subjectType: "c", kind: "k", content: "ok" } },
            { memory: { subjectType: "c", kind: "k", content: "as b", agentId: "agent-b" } },
          ],
        }),
      ],
      [
        "agent A lists naming agent B",
        keys.agentA,
        call(METHODS.listMemories, { filter: { agentId: "agent-b" } }),
        { expect: "either", check: leaks([markers.victimB]) },
      ],
      [
        "agent A lists everything",
        keys.agentA,
        call(METHODS.listMemories, { pageSize: 500, filter: { showDeleted: true, showExpired: true } }),
        { expect: "either", check: leaks([markers.victimB, markers.otherWorkspace]) },
      ],
      [
        "agent A searches for B's words",
        keys.agentA,
        call(METHODS.searchMemories, { query: `${markers.victimB} private`, mode: "SEARCH_MODE_KEYWORD" }),
        { expect: "either", check: leaks([markers.victimB]) },
      ],
      ["agent A lists API keys", keys.agentA, call(METHODS.listApiKeys, {})],
      ["agent A creates an admin key", keys.agentA, call(METHODS.createApiKey, { apiKey: { scopes: ["admin"] } })],
      ["workspace B gets A's memory", keys.otherAdmin, call(METHODS.getMemory, { id: f.ownId })],
      ["workspace B gets agent B's memory", keys.otherAdmin, call(METHODS.getMemory, { id: f.victimB })],
      [
        "workspace B updates A's memory",
        keys.otherAdmin,
        call(METHODS.updateMemory, { id: f.ownId, memory: { content: "taken" }, updateMask: "content" }),
      ],
      ["workspace B deletes A's ownerless memory", keys.otherAdmin, call(METHODS.deleteMemory, { id: f.ownerless })],
      ["workspace B undeletes A's memory", keys.otherAdmin, call(METHODS.undeleteMemory, { id: f.ownId })],
      [
        "workspace B upserts A's keyed memory",
        keys.otherAdmin,
        write({ agentId: "agent-admin", key: "own", content: "taken" }),
        { expect: "either", check: leaks(ownContent) },
      ],
      ["workspace B revokes A's key", keys.otherAdmin, call(METHODS.revokeApiKey, { id: f.keyId })],
      [
        "workspace B lists everything",
        keys.otherAdmin,
        call(METHODS.listMemories, { pageSize: 500, filter: { showDeleted: true, showExpired: true } }),
        { expect: "either", check: leaks(ownContent) },
      ],
      [
        "workspace B searches A's words",
        keys.otherAdmin,
        call(METHODS.searchMemories, { query: "admin own memory workspace", mode: "SEARCH_MODE_KEYWORD" }),
        { expect: "either", check: leaks(ownContent) },
      ],
      [
        "workspace B lists API keys",
        keys.otherAdmin,
        call(METHODS.listApiKeys, {}),
        { expect: "either", check: leaks([f.keyId]) },
      ],
      [
        "workspace A lists everything",
        keys.admin,
        call(METHODS.listMemories, { pageSize: 500, filter: { showDeleted: true, showExpired: true } }),
        { expect: "either", check: leaks([markers.otherWorkspace]) },
      ],
      ["agent A erases B's memory", keys.agentA, call(METHODS.eraseMemories, { ids: [f.victimB] })],
      [
        "workspace B erases A's memories",
        keys.otherAdmin,
        call(METHODS.eraseMemories, { ids: [f.ownId, f.ownerless] }),
      ],
      [
        "workspace B dry-runs an erasure of every contact",
        keys.otherAdmin,
        call(METHODS.eraseMemories, { filter: { subjectType: "contact" }, dryRun: true }),
        { expect: "either", check: leaks(ownContent) },
      ],
      ["a read-only key erases", keys.readOnly, call(METHODS.eraseMemories, { filter: { subjectType: "contact" } })],
      ["agent A lists erasure receipts", keys.agentA, call(METHODS.listErasureReceipts, {})],
      ["a read-only key writes", keys.readOnly, write({ content: "read-only write" })],
      ["a read-only key deletes", keys.readOnly, call(METHODS.deleteMemory, { id: f.ownerless })],
      ["no key lists", "", call(METHODS.listMemories, {}), { codes: ["unauthenticated"] }],
      ["a made-up key lists", "engram_made_up_key", call(METHODS.listMemories, {}), { codes: ["unauthenticated"] }],
    ];
    const victims = await victimRows();
    const probes = attempts.flatMap(([label, key, c, shape]) =>
      PROTOCOLS.map((protocol): Probe => ({
        label,
        protocol,
        send: () => sendCall(as(key === "" ? null : key), protocol, c),
        codes: denied,
        ...shape,
      })),
    );
    await expectClean("tenancy", probes);
    expect(await victimRows()).toEqual(victims);
  },
  CLASS_TIMEOUT,
);

/** The seeded memories other callers must never change, as stored. */
async function victimRows(): Promise<unknown> {
  return server.engram.db.em
    .fork()
    .execute(`select t::text as row from memories t where id in (?, ?, ?, ?) order by id`, [
      f.ownId,
      f.victimB,
      f.ownerless,
      f.otherWorkspace,
    ]);
}

it(
  "non-atomic batch with a failing item answers OK with a per-item error on every protocol",
  async () => {
    const batch = (n: number) =>
      call(METHODS.batchWriteMemories, {
        requests: [
          { memory: { subjectType: "contact", kind: "note", content: `batch item ${n} that succeeds` } },
          {
            memory: { subjectType: "contact", kind: "note", content: `batch item ${n} as agent b`, agentId: "agent-b" },
          },
        ],
      });
    const perItem = (outcome: Outcome) => {
      const text = JSON.stringify(outcome.payload ?? "");
      if (!text.includes('"response"')) return "no per-item response for the good item";
      if (!text.includes("google.rpc.ErrorInfo")) return "the failed item's error carries no ErrorInfo";
      return undefined;
    };
    const probes = PROTOCOLS.filter((p) => p !== "mcp").map((protocol, i): Probe => ({
      label: "BatchWriteMemories atomic=false, item 2 names another agent",
      protocol,
      send: () => sendCall(as(keys.agentA), protocol, batch(i)),
      expect: "accept",
      check: perItem,
    }));
    await expectClean("batch-per-item", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "corrupt and unknown compression",
  async () => {
    const json = Buffer.from(JSON.stringify({ memory: { subjectType: "c", kind: "k", content: "compressed probe" } }));
    const proto = Buffer.from(validWriteBytes());
    const restBody = Buffer.from(JSON.stringify({ subject_type: "c", kind: "k", content: "compressed probe" }));
    const mcpBody = Buffer.from(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "write_memory", arguments: { subject_type: "c", kind: "k", content: "compressed" } },
      }),
    );
    const target = as(keys.admin);
    const probes: Probe[] = (["gzip", "br"] as const).flatMap((encoding) => {
      const variants = (payload: Buffer) => corruptCompressed(encoding, payload);
      const enc = { "content-encoding": encoding };
      return [
        ...variants(json).map((v): Probe => ({
          label: `${encoding} ${v.label}`,
          protocol: "connect-json",
          send: () => connect(target, METHODS.writeMemory, "json", v.body, { headers: enc }),
        })),
        ...variants(proto).map((v): Probe => ({
          label: `${encoding} ${v.label}`,
          protocol: "connect-proto",
          send: () => connect(target, METHODS.writeMemory, "proto", v.body, { headers: enc }),
        })),
        ...variants(Buffer.from(JSON.stringify({ query: "probe" }))).map((v): Probe => ({
          label: `stream ${encoding} ${v.label}`,
          protocol: "connect-json",
          send: () =>
            connect(target, METHODS.searchMemories, "json", envelope(1, v.body), {
              framed: true,
              headers: { "connect-content-encoding": encoding },
            }),
        })),
        ...variants(proto).flatMap((v) =>
          (["grpc", "grpc-web"] as const).map((protocol): Probe => ({
            label: `${encoding} ${v.label}`,
            protocol,
            send: () =>
              (protocol === "grpc" ? grpc : grpcWeb)(
                target,
                pathOf(METHODS.writeMemory),
                envelope(1, v.body),
                METHODS.writeMemory,
                { "grpc-encoding": encoding },
              ),
          })),
        ),
        // REST and MCP may decode the body or refuse the encoding; a body that is not really compressed may pass.
        ...variants(restBody).map((v): Probe => ({
          label: `${encoding} ${v.label}`,
          protocol: "rest",
          send: () => rest(target, { verb: "POST", path: "/v1/memory", body: v.body, headers: enc }),
          expect: v.label === "not compressed" ? "either" : "reject",
        })),
        ...variants(mcpBody).map((v): Probe => ({
          label: `${encoding} ${v.label}`,
          protocol: "mcp",
          send: () => mcp(target, v.body, { headers: enc }),
          expect: v.label === "not compressed" ? "either" : "reject",
        })),
      ];
    });
    for (const encoding of ["zstd", "bogus"]) {
      probes.push(
        {
          label: `unknown encoding ${encoding}`,
          protocol: "connect-json",
          send: () => connect(target, METHODS.writeMemory, "json", json, { headers: { "content-encoding": encoding } }),
        },
        {
          label: `unknown encoding ${encoding}`,
          protocol: "grpc",
          send: () =>
            grpc(target, pathOf(METHODS.writeMemory), envelope(1, proto), METHODS.writeMemory, {
              "grpc-encoding": encoding,
            }),
        },
        {
          label: `unknown encoding ${encoding}`,
          protocol: "grpc-web",
          send: () =>
            grpcWeb(target, pathOf(METHODS.writeMemory), envelope(1, proto), METHODS.writeMemory, {
              "grpc-encoding": encoding,
            }),
        },
      );
    }
    await expectClean(
      "compression-corrupt",
      probes.map((p) => ({ ...p, unimplementedOk: true })),
    );
  },
  CLASS_TIMEOUT,
);

/** The bytes of a protobuf WriteMemoryRequest whose memory.content is `size` bytes long, up to the content. */
function protoHead(size: number): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
    out.push(n);
    return Buffer.from(out);
  };
  const content = Buffer.concat([Buffer.from([0x42]), varint(size)]);
  const memoryLength = content.length + size;
  return Buffer.concat([Buffer.from([0x0a]), varint(memoryLength), content]);
}

const JSON_HEAD = Buffer.from('{"memory":{"subjectType":"c","kind":"k","content":"');
const REST_HEAD = Buffer.from('{"subject_type":"c","kind":"k","content":"');
const MCP_HEAD = Buffer.from(
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_memory","arguments":{"subject_type":"c","kind":"k","content":"',
);
/** Past any sane read limit, still cheap to build and send. */
const BOMB_SIZE = 96 * MB;
const OVERSIZE = MAX_REQUEST_BYTES + 8 * MB;

it("decompression bombs", async () => {
  const target = as(keys.admin);
  const rpc = ["resource_exhausted", "unimplemented"];
  const probes: Probe[] = (["gzip", "br"] as const).flatMap((encoding): Probe[] => {
    const enc = { "content-encoding": encoding };
    const label = `${encoding} of ${BOMB_SIZE / MB} MiB`;
    const protoBomb = () => bomb(encoding, protoHead(BOMB_SIZE), BOMB_SIZE);
    return [
      {
        label,
        protocol: "connect-json",
        codes: rpc,
        send: () =>
          connect(target, METHODS.writeMemory, "json", bomb(encoding, JSON_HEAD, BOMB_SIZE), { headers: enc }),
      },
      {
        label,
        protocol: "connect-proto",
        codes: rpc,
        send: () => connect(target, METHODS.writeMemory, "proto", protoBomb(), { headers: enc }),
      },
      {
        label,
        protocol: "grpc",
        codes: rpc,
        send: () =>
          grpc(target, pathOf(METHODS.writeMemory), envelope(1, protoBomb()), METHODS.writeMemory, {
            "grpc-encoding": encoding,
          }),
      },
      {
        label,
        protocol: "grpc-web",
        codes: rpc,
        send: () =>
          grpcWeb(target, pathOf(METHODS.writeMemory), envelope(1, protoBomb()), METHODS.writeMemory, {
            "grpc-encoding": encoding,
          }),
      },
      {
        label,
        protocol: "rest",
        send: () =>
          rest(target, { verb: "POST", path: "/v1/memory", body: bomb(encoding, REST_HEAD, BOMB_SIZE), headers: enc }),
      },
      { label, protocol: "mcp", send: () => mcp(target, bomb(encoding, MCP_HEAD, BOMB_SIZE), { headers: enc }) },
    ];
  });
  await expectClean(
    "bombs",
    probes.map((p) => ({ ...p, unimplementedOk: true })),
  );
}, 300_000);

it("oversize bodies", async () => {
  const target = as(keys.admin);
  const tail = Buffer.from('"}}');
  const rpc = ["resource_exhausted"];
  const http = ["http_413", "resource_exhausted"];
  const label = `${OVERSIZE / MB} MiB`;
  const grpcBody = (size: number) =>
    chunked(Buffer.concat([envelope(0, Buffer.alloc(0), size), protoHead(size - 10)]), size + 5, 0x61);
  const probes: Probe[] = [
    {
      label,
      protocol: "connect-json",
      codes: rpc,
      send: () =>
        connect(target, METHODS.writeMemory, "json", Buffer.alloc(0), {
          chunks: chunked(JSON_HEAD, OVERSIZE, 0x61, tail),
        }),
    },
    {
      label,
      protocol: "connect-proto",
      codes: rpc,
      send: () =>
        connect(target, METHODS.writeMemory, "proto", Buffer.alloc(0), {
          chunks: chunked(protoHead(OVERSIZE - 10), OVERSIZE, 0x61),
        }),
    },
    {
      label,
      protocol: "grpc",
      codes: rpc,
      send: () => grpc(target, pathOf(METHODS.writeMemory), grpcBody(OVERSIZE), METHODS.writeMemory),
    },
    {
      label,
      protocol: "grpc-web",
      codes: rpc,
      send: () => grpcWeb(target, pathOf(METHODS.writeMemory), grpcBody(OVERSIZE), METHODS.writeMemory),
    },
    {
      label,
      protocol: "rest",
      codes: http,
      send: () => rest(target, { verb: "POST", path: "/v1/memory", chunks: chunked(REST_HEAD, OVERSIZE, 0x61, tail) }),
    },
    {
      label,
      protocol: "mcp",
      codes: http,
      send: () => mcp(target, undefined, { chunks: chunked(MCP_HEAD, OVERSIZE, 0x61, Buffer.from('"}}}')) }),
    },
    {
      label: "envelope declaring 1 GiB, 1 MiB sent",
      protocol: "grpc",
      codes: ["resource_exhausted", "invalid_argument"],
      send: () =>
        grpc(
          target,
          pathOf(METHODS.writeMemory),
          chunked(envelope(0, Buffer.alloc(0), 1024 * MB), MB + 5, 0x61),
          METHODS.writeMemory,
        ),
    },
  ];
  await expectClean("oversize", probes);
}, 300_000);

it(
  "staged writes and the other seed APIs' routes",
  async () => {
    const staged = StagedWriteService.method;
    const absent = "0190a000-0000-7000-8000-00000000dead";
    const stagedCalls: { label: string; call: Call; key: string }[] = [
      { label: "no writes", call: call(staged.createStagedWrite, { requests: [] }), key: keys.admin },
      {
        label: "101 writes",
        call: call(staged.createStagedWrite, { requests: Array.from({ length: 101 }, () => ({ memory: memory() })) }),
        key: keys.admin,
      },
      {
        label: "a write without subject_type",
        call: call(staged.createStagedWrite, { requests: [{ memory: { content: "no subject" } }], atomic: true }),
        key: keys.admin,
      },
      {
        label: "a NUL in a staged content",
        call: call(staged.createStagedWrite, { requests: [{ memory: memory({ content: "a\u0000b" }) }] }),
        key: keys.admin,
      },
      {
        label: "a negative ttl",
        call: call(staged.createStagedWrite, { requests: [{ memory: memory() }], ttl: "-5s" }),
        key: keys.admin,
      },
      {
        label: "an atomic write as another agent",
        call: call(staged.createStagedWrite, { requests: [{ memory: memory({ agentId: "agent-b" }) }], atomic: true }),
        key: keys.agentA,
      },
      {
        label: "validate_only inside a staged write",
        call: call(staged.createStagedWrite, { requests: [{ memory: memory(), validateOnly: true }] }),
        key: keys.admin,
      },
      {
        label: "staging with a read-only key",
        call: call(staged.createStagedWrite, { requests: [{ memory: memory() }] }),
        key: keys.readOnly,
      },
      {
        label: "a page token it never issued",
        call: call(staged.listStagedWrites, { pageToken: "nope" }),
        key: keys.admin,
      },
      { label: "an undefined state", call: call(staged.listStagedWrites, { state: 99 }), key: keys.admin },
      ...(["getStagedWrite", "applyStagedWrite", "discardStagedWrite"] as const).flatMap((name) => [
        { label: `${name}: not a uuid`, call: call(staged[name], { id: "../../etc" }), key: keys.admin },
        { label: `${name}: no such id`, call: call(staged[name], { id: absent }), key: keys.admin },
        { label: `${name}: empty id`, call: call(staged[name], { id: "" }), key: keys.agentA },
      ]),
    ];
    const routes = [
      { name: "SharedMemory", path: "/agent/memory/write", valid: { content: "fine", volume_id: server.workspaceId } },
      { name: "Memanto", path: "/api/v2/agents/agent-a/remember", valid: { content: "fine" }, credential: "session" },
      { name: "Penumbra", path: "/v1/memories", valid: { content: "fine" } },
    ] as const;
    const hostileBodies: { label: string; body: string }[] = [
      { label: "not JSON", body: "{" },
      { label: "an array", body: "[]" },
      { label: "null", body: "null" },
      { label: "a number", body: "42" },
      { label: "an empty object", body: "{}" },
      { label: "invalid UTF-8", body: "" },
      { label: "a NUL in content", body: JSON.stringify({ content: "a\u0000b" }) },
      { label: "a lone surrogate in content", body: JSON.stringify({ content: "a\ud800b" }) },
      { label: "content over 50,000 characters", body: JSON.stringify({ content: "x".repeat(50_001) }) },
      { label: "content of the wrong type", body: '{"content": {"$ne": null}}' },
      { label: "an unknown field", body: '{"content": "fine", "__proto__": {"admin": true}}' },
    ];
    const target = as(keys.admin);
    const probes: Probe[] = [
      ...stagedCalls.flatMap(({ label, call: c, key }) =>
        PROTOCOLS.map((protocol): Probe => ({ label, protocol, send: () => sendCall(as(key), protocol, c) })),
      ),
      ...routes.flatMap((route): Probe[] => {
        const credential = "credential" in route ? route.credential : "bearer";
        const send = (body: Buffer | string, key = keys.admin, headers: Record<string, string> = {}, verb = "POST") =>
          seedRest(as(key), { verb, path: route.path, body, headers, credential });
        const valid = JSON.stringify(route.valid);
        return [
          ...hostileBodies.map((b): Probe => ({
            label: `${route.name}: ${b.label}`,
            protocol: "rest",
            send: () =>
              b.label === "invalid UTF-8"
                ? send(jsonWithBytes('{"content":"', INVALID_UTF8[0]!.bytes, '"}'))
                : send(b.body),
          })),
          {
            label: `${route.name}: no key`,
            protocol: "rest",
            send: () => seedRest(as(null), { verb: "POST", path: route.path, body: valid }),
          },
          { label: `${route.name}: a bogus key`, protocol: "rest", send: () => send(valid, "engram_bogus") },
          {
            label: `${route.name}: text/plain`,
            protocol: "rest",
            send: () => send(valid, keys.admin, { "content-type": "text/plain" }),
          },
          {
            label: `${route.name}: GET`,
            protocol: "rest",
            send: () => seedRest(target, { verb: "GET", path: route.path, credential }),
          },
          { label: `${route.name}: a read-only key`, protocol: "rest", send: () => send(valid, keys.readOnly) },
          // Memanto has no workspace in its body: another workspace's key writes into its own.
          ...(route.name === "Memanto"
            ? []
            : [
                {
                  label: `${route.name}: another workspace's key`,
                  protocol: "rest" as const,
                  send: () =>
                    send(
                      JSON.stringify(
                        route.name === "Penumbra" ? { ...route.valid, project_id: server.workspaceId } : route.valid,
                      ),
                      keys.otherAdmin,
                    ),
                },
              ]),
        ];
      }),
      {
        label: "Memanto: another agent's path",
        protocol: "rest",
        send: () =>
          seedRest(as(keys.agentA), {
            verb: "POST",
            path: "/api/v2/agents/agent-b/remember",
            body: '{"content":"x y"}',
            credential: "session",
          }),
      },
      {
        label: "Memanto: a bad percent-encoding in the path",
        protocol: "rest",
        send: () =>
          seedRest(target, {
            verb: "POST",
            path: "/api/v2/agents/%E0%A4%A/remember",
            body: '{"content":"x y"}',
            credential: "session",
          }),
      },
      {
        label: "SharedMemory: another volume",
        protocol: "rest",
        send: () =>
          seedRest(target, {
            verb: "POST",
            path: "/agent/memory/write",
            body: '{"content":"x y","volume_id":"elsewhere"}',
          }),
      },
      {
        label: "Penumbra: 101 memories",
        protocol: "rest",
        send: () =>
          seedRest(target, {
            verb: "POST",
            path: "/v1/memories",
            body: JSON.stringify({ memories: Array.from({ length: 101 }, () => ({ content: "x y" })) }),
          }),
      },
    ];
    // A subject nested deeper than any recursive converter's stack, and one that merely fits.
    for (const [depth, expectation] of [
      [20_000, "reject"],
      [200, "either"],
    ] as const) {
      probes.push({
        label: `Penumbra: subject nested ${depth} deep`,
        protocol: "rest",
        expect: expectation,
        send: () =>
          seedRest(target, {
            verb: "POST",
            path: "/v1/memories",
            body: `{"content":"deep subject","subject":{"type":"t","n":${deepMetadata(depth).json}}}`,
          }),
      });
    }
    await expectClean("staged-writes-and-seed-routes", probes);
  },
  CLASS_TIMEOUT,
);

it(
  "webhooks: URLs into the server's own networks, bad secrets and malformed requests change nothing",
  async () => {
    // The server runs without --webhook-allow-private. MCP has no webhook tools.
    const protocols = PROTOCOLS.filter((p) => p !== "mcp");
    const unknown = "0190a000-0000-7000-8000-00000000beef";
    const refusedUrls = [
      "http://127.0.0.1:8080/hook",
      "http://localhost/hook",
      "http://[::1]/hook",
      "http://[::ffff:127.0.0.1]/hook",
      "http://169.254.169.254/latest/meta-data/",
      "http://10.0.0.1/hook",
      "http://192.168.1.1/hook",
      "http://172.16.0.1/hook",
      "http://100.64.0.1/hook",
      "http://0.0.0.0/hook",
      "http://2130706433/hook",
      "http://0x7f000001/hook",
      "http://127.1/hook",
      "file:///etc/passwd",
      "gopher://127.0.0.1:25/",
      "https://user:secret@example.com/hook",
      "not a url",
      "",
      `https://example.com/${"a".repeat(3000)}`,
    ];
    const creating = (label: string, webhook: JsonObject): Placed => ({
      label,
      call: call(METHODS.createWebhook, { webhook }),
    });
    const probes = [
      ...across(
        refusedUrls.map((url) => creating(`CreateWebhook to ${url.slice(0, 60)}`, { url })),
        keys.admin,
        protocols,
        () => ({ codes: ["invalid_argument"] }),
      ),
      ...across(
        [
          creating("CreateWebhook with a secret that is no whsec_ key", {
            url: "http://127.0.0.1/",
            secret: "hunter2",
          }),
          {
            label: "UpdateWebhook to a private URL",
            call: call(METHODS.updateWebhook, {
              id: unknown,
              webhook: { url: "http://10.0.0.1/" },
              updateMask: { paths: ["url"] },
            }),
          },
          { label: "GetWebhook not a uuid", call: call(METHODS.getWebhook, { id: "../../etc" }) },
          { label: "ListWebhooks page_size -1", call: call(METHODS.listWebhooks, { pageSize: -1 }) },
          { label: "ListWebhooks forged token", call: call(METHODS.listWebhooks, { pageToken: "forged" }) },
          {
            label: "ListWebhookDeliveries page_size 201",
            call: call(METHODS.listWebhookDeliveries, { id: unknown, pageSize: 201 }),
          },
        ],
        keys.admin,
        protocols,
        () => ({ codes: ["invalid_argument", "not_found"] }),
      ),
      ...across(
        [
          { label: "GetWebhook unknown", call: call(METHODS.getWebhook, { id: unknown }) },
          { label: "DeleteWebhook unknown", call: call(METHODS.deleteWebhook, { id: unknown }) },
          { label: "TestWebhook unknown", call: call(METHODS.testWebhook, { id: unknown }) },
        ],
        keys.agentA,
        protocols,
        () => ({ codes: ["not_found"] }),
      ),
    ];
    await expectClean("webhooks", probes);
  },
  CLASS_TIMEOUT,
);

it("never a 5xx, a crash or a change for a rejected input, over all classes", () => {
  harness.expectHarmless(1000);
});
