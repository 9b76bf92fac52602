/**
 * The abuse suite's classes for a workspace's search settings: UpdateSearchSettings and
 * ListSearchSettingsRevisions from keys without the admin scope, and from another workspace;
 * numbers out of range, not finite or of the wrong type in each settings field, in
 * UpdateSearchSettings and in an EvaluateSearch configuration's settings; and the REST routes'
 * bodies, query parameters and verbs. (Their string fields and limits are in everyStringField
 * and overLimits, which the main suite sends.) A refused change must add no revision: the change
 * counter counts the rows of search_settings_revisions, which the first tests show.
 */
import type { JsonValue } from "@bufbuild/protobuf";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchClient } from "../../support/clients.js";
import { codeOf } from "../../support/codes.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { ChangeCounter } from "./change-counter.js";
import { Harness, type Probe } from "./harness.js";
import { sample } from "./inputs.js";
import { connect, PROTOCOLS, rest, sendCall, type Call, type Outcome, type Target } from "./protocols.js";
import { call, evaluationWithSettings, METHODS, settingsUpdate } from "./scenarios.js";
import { closeSessions } from "./wire.js";

const CLASS_TIMEOUT = 120_000;

let server: TestServer;
let harness: Harness;
let counter: ChangeCounter;
const keys = { admin: "", agentA: "", agentEraser: "", writer: "", readOnly: "", otherAdmin: "" };
/** The reason of the suite workspace's revision: no key of another workspace may read it back. */
const marker = `settings-of-workspace-a-${Date.now()}`;

const as = (key: string | null): Target => ({ port: server.port, key });

beforeAll(async () => {
  server = await startTestServer();
  keys.admin = server.adminKey;
  keys.agentA = await server.createKey({ agentId: "agent-a" });
  keys.agentEraser = await server.createKey({
    agentId: "agent-e",
    scopes: ["memory:read", "memory:write", "memory:erase"],
  });
  keys.writer = await server.createKey();
  keys.readOnly = await server.createKey({ scopes: ["memory:read"] });
  keys.otherAdmin = await server.createKey({
    workspaceId: `${server.workspaceId}-other`,
    scopes: ["admin", "memory:read", "memory:write"],
  });
  counter = await ChangeCounter.install(server.engram.db.em);
  harness = new Harness(server.port, counter);
});

afterAll(async () => {
  if (harness !== undefined) console.log([harness.summary(), ...harness.classLines()].join("\n"));
  closeSessions();
  await server?.close();
});

/** The suite workspace's settings as GetSearchSettings shows them. */
async function settingsNow() {
  const { current } = await searchClient(server.baseUrl, keys.admin).getSearchSettings({});
  return current!;
}

/** The suite workspace's revisions as stored, every column. */
async function revisionRows(workspaceId = server.workspaceId): Promise<string[]> {
  const rows = await server.engram.db.em
    .fork()
    .execute<{ row: string }[]>(
      `select t::text as row from search_settings_revisions t where workspace_id = ? order by revision`,
      [workspaceId],
    );
  return rows.map((r) => r.row);
}

async function expectClean(name: string, probes: Probe[]) {
  const failures = await harness.run(name, probes);
  expect(failures).toEqual([]);
}

/** One call over every protocol that carries it (MCP has no settings tools: it is skipped). */
function everywhere(label: string, key: string | null, c: Call, shape: Partial<Probe> = {}): Probe[] {
  return PROTOCOLS.map((protocol): Probe => ({
    label,
    protocol,
    send: () => sendCall(as(key), protocol, c),
    ...shape,
  }));
}

describe("the change counter and search settings", () => {
  it("counts a revision added by the API or behind its back, and none for a refused change", async () => {
    const start = BigInt(await counter.changes());
    const admin = searchClient(server.baseUrl, keys.admin);
    const { current } = await admin.updateSearchSettings({ settings: {}, reason: "counted" });
    expect(current?.revision).toBe(1);
    const afterUpdate = BigInt(await counter.changes());
    expect(afterUpdate).toBeGreaterThan(start);

    expect(
      await codeOf(
        searchClient(server.baseUrl, keys.writer).updateSearchSettings({ settings: { semanticWeight: 0.1 } }),
      ),
    ).toBe("PermissionDenied");
    expect(await codeOf(admin.updateSearchSettings({ settings: {}, expectedRevision: 0 }))).toBe("Aborted");
    expect(await codeOf(admin.updateSearchSettings({ settings: { semanticWeight: 2 } }))).toBe("InvalidArgument");
    expect(BigInt(await counter.changes())).toBe(afterUpdate);

    // A revision added as a faulty handler would, in a workspace of no one.
    await server.engram.db.em.fork().execute(
      `insert into search_settings_revisions (workspace_id, revision, semantic_weight, updated_by_key_id, update_time)
         values ('abuse-counter-probe', 1, 0.5, 'nobody', now())`,
    );
    expect(BigInt(await counter.changes())).toBe(afterUpdate + 1n);
  });

  it("the harness reports a settings change answered as a refusal on every protocol, and not a true refusal", async () => {
    // A harness of its own: these probes break its rules on purpose.
    const faultyHarness = new Harness(server.port, counter);
    const protocols = PROTOCOLS.filter((p) => p !== "mcp");
    const before = (await settingsNow()).revision;
    const faulty = protocols.map((protocol): Probe => ({
      label: "a settings change a faulty server answers PERMISSION_DENIED",
      protocol,
      send: async () => {
        const outcome = await sendCall(as(keys.admin), protocol, settingsUpdate({}, { reason: "faulty" }));
        expect(outcome?.code).toBe("ok");
        return { code: "permission_denied", message: "missing scope admin" };
      },
    }));
    const refused = protocols.map((protocol): Probe => ({
      label: "a true refusal",
      protocol,
      send: () => sendCall(as(keys.agentA), protocol, settingsUpdate({ semanticWeight: 0.1 })),
      codes: ["permission_denied"],
    }));
    const failures = await faultyHarness.run("faulty-settings", [...faulty, ...refused]);
    expect(failures).toEqual(
      protocols.map((p) => expect.stringMatching(new RegExp(`^${p} .*rejected, but rows changed`))),
    );
    expect(faultyHarness.total).toMatchObject({ inputs: 10, mutatedOnReject: 5, rejected4xx: 10 });
    expect((await settingsNow()).revision).toBe(before + protocols.length);
  });
});

it(
  "keys without the admin scope, and another workspace's admin, change none of the workspace's settings",
  async () => {
    const admin = searchClient(server.baseUrl, keys.admin);
    // A revision of the workspace's own, to aim at and to look for elsewhere.
    const { current: seeded } = await admin.updateSearchSettings({
      settings: { semanticWeight: 0.6, candidatePool: 50 },
      reason: marker,
    });
    const revision = seeded!.revision;
    const before = await settingsNow();
    const rows = await revisionRows();
    const change = settingsUpdate({ semanticWeight: 0.05, rerankByDefault: true, candidatePool: 300 }, { reason: "x" });
    const leaks = (outcome: Outcome) =>
      JSON.stringify(outcome.payload ?? "").includes(marker) ? `leaked the workspace's revision` : undefined;
    const unchanged = async () => {
      const now = await revisionRows();
      return now.length === rows.length ? undefined : `the workspace has ${now.length} revisions, not ${rows.length}`;
    };
    const denied = { codes: ["permission_denied"], errorInfo: true };
    const nonAdmins: [string, string][] = [
      ["an agent-bound key", keys.agentA],
      ["an agent-bound key with memory:erase", keys.agentEraser],
      ["a memory:read and memory:write key", keys.writer],
      ["a memory:read key", keys.readOnly],
    ];
    const probes: Probe[] = [
      ...nonAdmins.flatMap(([who, key]) => [
        ...everywhere(`${who} updates the settings`, key, change, denied),
        ...everywhere(
          `${who} updates the settings at the revision in force`,
          key,
          settingsUpdate({ rerankByDefault: true }, { expectedRevision: revision }),
          denied,
        ),
        ...everywhere(`${who} resets the settings to the defaults`, key, settingsUpdate({}), denied),
        ...everywhere(
          `${who} lists the revisions`,
          key,
          call(METHODS.listSearchSettingsRevisions, { pageSize: 500 }),
          denied,
        ),
        // Reading is memory:read's: its own workspace's settings, as they are.
        ...everywhere(`${who} reads the settings`, key, call(METHODS.getSearchSettings, {}), {
          expect: "accept",
          check: (outcome) =>
            JSON.stringify(outcome.payload ?? "").includes(marker) ? undefined : "did not see its workspace's settings",
        }),
      ]),
      ...everywhere("no key updates the settings", null, change, { codes: ["unauthenticated"] }),
      ...everywhere("a made-up key updates the settings", "engram_made_up_key", change, { codes: ["unauthenticated"] }),
      ...everywhere("no key reads the settings", null, call(METHODS.getSearchSettings, {}), {
        codes: ["unauthenticated"],
      }),
      ...everywhere(
        "the admin updates at a revision not in force",
        keys.admin,
        settingsUpdate({ semanticWeight: 0.05 }, { expectedRevision: revision + 1 }),
        { codes: ["aborted"], errorInfo: true },
      ),
      ...everywhere(
        "the admin updates at revision 0, long gone",
        keys.admin,
        settingsUpdate({ semanticWeight: 0.05 }, { expectedRevision: 0 }),
        { codes: ["aborted"], errorInfo: true },
      ),
      ...everywhere(
        "another workspace's admin reads its settings",
        keys.otherAdmin,
        call(METHODS.getSearchSettings, {}),
        {
          expect: "accept",
          check: leaks,
        },
      ),
      ...everywhere(
        "another workspace's admin lists its revisions",
        keys.otherAdmin,
        call(METHODS.listSearchSettingsRevisions, { pageSize: 500 }),
        { expect: "accept", check: leaks },
      ),
      ...everywhere(
        "another workspace's admin pages from the workspace's revision",
        keys.otherAdmin,
        call(METHODS.listSearchSettingsRevisions, { pageToken: String(revision + 1) }),
        { expect: "either", check: leaks },
      ),
      // Allowed, and its own workspace's: this workspace's revisions stay as they were.
      ...everywhere("another workspace's admin changes its own settings", keys.otherAdmin, change, {
        expect: "accept",
        check: unchanged,
      }),
      ...everywhere(
        "another workspace's admin changes its settings at this workspace's revision",
        keys.otherAdmin,
        settingsUpdate({ semanticWeight: 0.05 }, { expectedRevision: revision }),
        { expect: "either", check: unchanged },
      ),
    ];
    await expectClean("settings-tenancy", probes);
    expect(await revisionRows()).toEqual(rows);
    expect(await settingsNow()).toEqual(before);
    expect((await settingsNow()).revision).toBe(revision);
  },
  CLASS_TIMEOUT,
);

/** Each numeric settings field, its bounds and whether it is an integer. */
const FIELDS = [
  { name: "semanticWeight", min: 0, max: 1, integer: false },
  { name: "rerankWeight", min: 0, max: 1, integer: false },
  { name: "candidatePool", min: 10, max: 300, integer: true },
  { name: "rerankCandidates", min: 10, max: 100, integer: true },
] as const;

/**
 * Values out of a field's range that its type can hold (refused by the application, with an
 * ErrorInfo), and values its type cannot (refused by the decoder, with its message).
 */
function hostileNumbers(field: (typeof FIELDS)[number]): { value: JsonValue; errorInfo: boolean }[] {
  const app = (value: JsonValue) => ({ value, errorInfo: true });
  const decoder = (value: JsonValue) => ({ value, errorInfo: false });
  const outOfRange = [
    app(-1),
    app(field.min - (field.integer ? 1 : 1e-9)),
    app(field.max + (field.integer ? 1 : 1e-9)),
    app(String(field.max + 1)),
  ];
  if (!field.integer) {
    return [
      ...outOfRange,
      app("NaN"),
      app("Infinity"),
      app("-Infinity"),
      app(1e308),
      app(-1e308),
      app("1e308"),
      app(Number.MIN_VALUE * -1),
      app(2 ** 53 + 1),
      decoder("half"),
      decoder(""),
      decoder(true),
      decoder([0.5]),
      decoder({ value: 0.5 }),
    ];
  }
  return [
    ...outOfRange,
    app(0),
    app(2147483647),
    app(-2147483648),
    decoder(2147483648),
    decoder(-2147483649),
    decoder(1e308),
    decoder("99999999999999999999999"),
    decoder(10.5),
    decoder("NaN"),
    decoder("Infinity"),
    decoder("fifty"),
    decoder(true),
    decoder([50]),
  ];
}

it(
  "numbers out of range, not finite or of the wrong type in every settings field",
  async () => {
    const before = await revisionRows();
    const rejected = (label: string, c: Call, errorInfo: boolean) =>
      everywhere(label, keys.admin, c, { codes: ["invalid_argument"], errorInfo });
    const fieldProbes = FIELDS.flatMap((field) =>
      hostileNumbers(field).flatMap(({ value, errorInfo }) => {
        const shown = JSON.stringify(value);
        return [
          ...rejected(
            `UpdateSearchSettings settings.${field.name} ${shown}`,
            settingsUpdate({ [field.name]: value }),
            errorInfo,
          ),
          // One bad field beside good ones: none of them is kept.
          ...rejected(
            `UpdateSearchSettings settings.${field.name} ${shown} beside valid fields`,
            settingsUpdate({ semanticWeight: 0.5, candidatePool: 100, rerankByDefault: true, [field.name]: value }),
            errorInfo,
          ),
          ...rejected(
            `EvaluateSearch configurations[].settings.${field.name} ${shown}`,
            evaluationWithSettings({ [field.name]: value }),
            errorInfo,
          ),
        ];
      }),
    );
    const others: Probe[] = [
      ...rejected("settings.rerank_by_default a word", settingsUpdate({ rerankByDefault: "yes" }), false),
      ...rejected("settings.rerank_by_default 1", settingsUpdate({ rerankByDefault: 1 }), false),
      ...rejected("settings.rerank_by_default a list", settingsUpdate({ rerankByDefault: [true] }), false),
      ...rejected(
        "EvaluateSearch configurations[].settings.rerank_by_default a word",
        evaluationWithSettings({ rerankByDefault: "yes" }),
        false,
      ),
      ...rejected("settings a string", settingsUpdate({}, { settings: "defaults" }), false),
      ...rejected("settings a list", settingsUpdate({}, { settings: [] }), false),
      ...rejected("settings a number", settingsUpdate({}, { settings: 5 }), false),
      ...rejected("settings with an unknown field", settingsUpdate({ semanticWeight: 0.5, bogus: 1 }), false),
      ...rejected(
        "EvaluateSearch configurations[].settings a string",
        call(METHODS.evaluateSearch, {
          queries: [{ query: "probe", expectedKeys: ["k"] }],
          configurations: [{ mode: "SEARCH_MODE_HYBRID", settings: "x" }],
        }),
        false,
      ),
      ...rejected("expected_revision -1", settingsUpdate({}, { expectedRevision: -1 }), true),
      ...rejected("expected_revision 2^31", settingsUpdate({}, { expectedRevision: 2147483648 }), false),
      ...rejected("expected_revision 1.5", settingsUpdate({}, { expectedRevision: 1.5 }), false),
      ...rejected("expected_revision a word", settingsUpdate({}, { expectedRevision: "latest" }), false),
      ...rejected("reason a number", settingsUpdate({}, { reason: 5 }), false),
      ...rejected("reason a list", settingsUpdate({}, { reason: ["why"] }), false),
      ...rejected("revisions page_size -1", call(METHODS.listSearchSettingsRevisions, { pageSize: -1 }), true),
      ...rejected(
        "revisions page_size 2^31",
        call(METHODS.listSearchSettingsRevisions, { pageSize: 2147483648 }),
        false,
      ),
      ...rejected("revisions page_size 1.5", call(METHODS.listSearchSettingsRevisions, { pageSize: 1.5 }), false),
      ...rejected("revisions page_size NaN", call(METHODS.listSearchSettingsRevisions, { pageSize: "NaN" }), false),
    ];
    // Raw Connect JSON: literals JSON has no word for, and numbers past a double.
    const raw = (label: string, body: string, errorInfo = false): Probe => ({
      label: `Connect JSON ${label}`,
      protocol: "connect-json",
      send: () => connect(as(keys.admin), METHODS.updateSearchSettings, "json", Buffer.from(body)),
      codes: ["invalid_argument"],
      errorInfo,
    });
    const rawProbes = [
      raw("semanticWeight NaN literal", '{"settings":{"semanticWeight":NaN}}'),
      raw("semanticWeight Infinity literal", '{"settings":{"semanticWeight":Infinity}}'),
      raw("semanticWeight 1e999", '{"settings":{"semanticWeight":1e999}}'),
      raw("rerankWeight -1e999", '{"settings":{"rerankWeight":-1e999}}'),
      raw("candidatePool 1e999", '{"settings":{"candidatePool":1e999}}'),
      raw("candidatePool 50 digits", `{"settings":{"candidatePool":${"9".repeat(50)}}}`),
      raw("rerankCandidates -0.0", '{"settings":{"rerankCandidates":-0.0}}', true),
      raw("semanticWeight 1.0000000000000002", '{"settings":{"semanticWeight":1.0000000000000002}}', true),
    ] satisfies Probe[];
    // Generated doubles and integers, each over one protocol in turn: refused out of range,
    // anything within it may be kept.
    const protocols = PROTOCOLS.filter((p) => p !== "mcp");
    const doubles = sample(fc.double(), 24, 40).map((value, i): Probe => {
      const field = FIELDS[i % 2]!;
      const protocol = protocols[i % protocols.length]!;
      const bad = !(value >= field.min && value <= field.max);
      const json = Number.isFinite(value) ? value : String(value);
      const c = i % 4 < 2 ? settingsUpdate({ [field.name]: json }) : evaluationWithSettings({ [field.name]: json });
      return {
        label: `generated ${c.method.name} ${field.name} ${value}`,
        protocol,
        send: () => sendCall(as(keys.admin), protocol, c),
        expect: bad ? "reject" : "either",
        codes: ["invalid_argument"],
        errorInfo: true,
      };
    });
    const integers = sample(fc.integer(), 24, 41).map((value, i): Probe => {
      const field = FIELDS[2 + (i % 2)]!;
      const protocol = protocols[i % protocols.length]!;
      const bad = value < field.min || value > field.max;
      const c = i % 4 < 2 ? settingsUpdate({ [field.name]: value }) : evaluationWithSettings({ [field.name]: value });
      return {
        label: `generated ${c.method.name} ${field.name} ${value}`,
        protocol,
        send: () => sendCall(as(keys.admin), protocol, c),
        expect: bad ? "reject" : "either",
        codes: ["invalid_argument"],
        errorInfo: true,
      };
    });
    await expectClean("settings-numbers", [...fieldProbes, ...others, ...rawProbes]);
    // Everything above was refused: the workspace's revisions are as they were.
    expect(await revisionRows()).toEqual(before);
    const twice: Probe = {
      ...raw("semanticWeight given twice", '{"settings":{"semanticWeight":0.5,"semanticWeight":7}}'),
      expect: "either",
    };
    await expectClean("settings-generated-numbers", [...doubles, ...integers, twice]);
  },
  CLASS_TIMEOUT,
);

it(
  "REST routes of the search settings: bodies, query parameters and verbs",
  async () => {
    const before = await revisionRows();
    const probe = (label: string, verb: string, path: string, body?: string, extra: Partial<Probe> = {}): Probe => ({
      label: `${verb} ${path} ${label}`.trim(),
      protocol: "rest",
      send: () => rest(as(keys.admin), { verb, path, body }),
      ...extra,
    });
    const put = (label: string, body: string, extra: Partial<Probe> = {}) =>
      probe(label, "PUT", "/v1/search/settings", body, { codes: ["invalid_argument"], ...extra });
    const get = (query: string, errorInfo = true, path = "/v1/search/settings/revisions") =>
      probe("", "GET", `${path}?${query}`, undefined, { codes: ["invalid_argument"], errorInfo });
    const probes: Probe[] = [
      put("not JSON", "{"),
      put("a JSON null", "null", { errorInfo: true }),
      put("no settings", "{}", { errorInfo: true }),
      put("settings null", '{"settings":null}', { errorInfo: true }),
      put("only a reason", '{"reason":"why"}', { errorInfo: true }),
      put("a list", "[]"),
      put("a string", '"settings"'),
      put("NaN literal", '{"settings":{"semantic_weight":NaN}}'),
      put("1e999", '{"settings":{"semantic_weight":1e999}}'),
      put("semantic_weight 2", '{"settings":{"semantic_weight":2}}', { errorInfo: true }),
      put('semantic_weight "NaN"', '{"settings":{"semantic_weight":"NaN"}}', { errorInfo: true }),
      put('rerank_weight "-Infinity"', '{"settings":{"rerank_weight":"-Infinity"}}', { errorInfo: true }),
      put("candidate_pool 301", '{"settings":{"candidate_pool":301}}', { errorInfo: true }),
      put('candidate_pool "1e3"', '{"settings":{"candidate_pool":"1e3"}}'),
      put("rerank_candidates 9", '{"settings":{"rerank_candidates":9}}', { errorInfo: true }),
      put('rerank_by_default "maybe"', '{"settings":{"rerank_by_default":"maybe"}}'),
      put("an unknown field", '{"settings":{"semantic_weight":0.5},"bogus":1}', { errorInfo: true }),
      put("an unknown settings field", '{"settings":{"semantic_weight":0.5,"bogus":1}}', { errorInfo: true }),
      put("settings a list", '{"settings":[0.5]}'),
      put("reason with a NUL", '{"settings":{},"reason":"a\\u0000b"}', { errorInfo: true }),
      put("reason with a lone surrogate", '{"settings":{},"reason":"a\\ud800b"}'),
      put("reason of 1,025", JSON.stringify({ settings: {}, reason: "r".repeat(1025) }), { errorInfo: true }),
      put("expected_revision -1", '{"settings":{},"expected_revision":-1}', { errorInfo: true }),
      put('expected_revision "x"', '{"settings":{},"expected_revision":"x"}'),
      {
        label: "PUT /v1/search/settings as text/plain",
        protocol: "rest",
        send: () =>
          rest(as(keys.admin), {
            verb: "PUT",
            path: "/v1/search/settings",
            body: '{"settings":{}}',
            headers: { "content-type": "text/plain" },
          }),
      },
      probe("", "POST", "/v1/search/settings", '{"settings":{}}'),
      probe("", "PATCH", "/v1/search/settings", '{"settings":{"semantic_weight":0.5}}'),
      probe("", "DELETE", "/v1/search/settings"),
      probe("", "PUT", "/v1/search/settings/revisions", '{"settings":{}}'),
      probe("", "POST", "/v1/search/settings/revisions", "{}"),
      probe("", "GET", "/v1/search/settings/%00"),
      get("bogus=1", true, "/v1/search/settings"),
      get("semantic_weight=0.1", true, "/v1/search/settings"),
      get("page_size=abc"),
      get("page_size=-1"),
      get("page_size=501"),
      get("page_size=1e99"),
      get("page_size=1&page_size=2"),
      get("page_token=%00"),
      get("page_token=0"),
      get("page_token=-1"),
      get("page_token=1e3"),
      get("page_token=01"),
      get("page_token=9999999999"),
      get(`page_token=${"9".repeat(1025)}`),
      get("page_token=%E0%A4%A"),
      get("%00=1"),
      { ...get("page_token=1"), expect: "either" },
      ...sample(fc.string({ minLength: 1, maxLength: 30 }), 10, 42).map((s): Probe => ({
        ...get(`page_token=${encodeURIComponent(s.toWellFormed())}`),
        // A token that is a revision number is one a page may start below.
        expect: /^[1-9]\d{0,8}$/.test(s.toWellFormed()) ? "either" : "reject",
      })),
    ];
    await expectClean("settings-rest", probes);
    expect(await revisionRows()).toEqual(before);
    // The gateway's own leniency, as on its other routes whose body is the whole request: the
    // query string may set a field too. It may change the settings; it may not fail.
    await expectClean("settings-rest-lenient", [
      probe("reason in the query", "PUT", "/v1/search/settings?reason=why", '{"settings":{}}', { expect: "either" }),
      probe("settings in the query", "PUT", "/v1/search/settings?settings.semantic_weight=2", "{}", {
        codes: ["invalid_argument"],
        errorInfo: true,
      }),
      probe("a NUL reason in the query", "PUT", "/v1/search/settings?reason=%00", "{}", {
        codes: ["invalid_argument"],
        errorInfo: true,
      }),
    ]);
  },
  CLASS_TIMEOUT,
);

it("never a 5xx, a crash or a change for a rejected input, over all classes", () => {
  harness.expectHarmless(300);
});
