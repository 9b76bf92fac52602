/**
 * SearchService's settings RPCs: a workspace's search settings, read by anyone in it, changed by
 * an admin only, one revision per change with who, when and why; refusals change nothing; one
 * workspace's settings are invisible to another and do not touch its searches.
 */
import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, violatedFields } from "../../support/codes.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startServices, type Caller, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

const DEFAULTS = {
  semanticWeight: 0.6,
  candidatePool: 50,
  rerankCandidates: 40,
  rerankWeight: 0.8,
  rerankByDefault: false,
};

/** A workspace of its own for each test, with its admin and a writer. */
function workspace() {
  const workspaceId = `ws-${randomUUID()}`;
  const admin: Caller = { workspaceId, scopes: ["admin"], keyId: `admin-${randomUUID()}` };
  const writer: Caller = { workspaceId, scopes: ["memory:read", "memory:write"] };
  return { workspaceId, admin, writer };
}

describe("GetSearchSettings", () => {
  it("shows revision 0 and the server's defaults while the workspace has changed nothing", async () => {
    const { writer } = workspace();
    const { current } = await services.search(writer).getSearchSettings({});
    expect(current?.revision).toBe(0);
    expect(current?.settings).toMatchObject({});
    expect(current?.settings?.semanticWeight).toBeUndefined();
    expect(current?.effective).toMatchObject(DEFAULTS);
    expect(current?.updateTime).toBeUndefined();
  });
});

describe("UpdateSearchSettings", () => {
  it("adds a revision with who, when and why; fields not given keep the server's defaults", async () => {
    const { admin, writer } = workspace();
    const before = Date.now();
    const { current } = await services.search(admin).updateSearchSettings({
      settings: { semanticWeight: 0.3, rerankByDefault: true },
      reason: "tuned on our queries",
    });
    expect(current?.revision).toBe(1);
    expect(current?.settings).toMatchObject({ semanticWeight: 0.3, rerankByDefault: true });
    expect(current?.settings?.candidatePool).toBeUndefined();
    expect(current?.effective).toMatchObject({ ...DEFAULTS, semanticWeight: 0.3, rerankByDefault: true });
    expect(current?.updatedByKeyId).toBe(admin.keyId);
    expect(current?.reason).toBe("tuned on our queries");
    expect(Number(current?.updateTime?.seconds) * 1000).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);

    const read = await services.search(writer).getSearchSettings({});
    expect(read.current).toEqual(current);
  });

  it("replaces the whole settings: a field left out goes back to the default", async () => {
    const { admin } = workspace();
    await services.search(admin).updateSearchSettings({ settings: { semanticWeight: 0.3, candidatePool: 120 } });
    const { current } = await services.search(admin).updateSearchSettings({ settings: { candidatePool: 80 } });
    expect(current?.revision).toBe(2);
    expect(current?.effective).toMatchObject({ ...DEFAULTS, candidatePool: 80 });
  });

  it("refuses a change without settings, which would have reset every field, and changes nothing", async () => {
    const { admin } = workspace();
    await services.search(admin).updateSearchSettings({ settings: { semanticWeight: 0.3 } });
    const err = await expectError(
      services.search(admin).updateSearchSettings({ reason: "forgot the settings" }),
      Code.InvalidArgument,
    );
    expect(violatedFields(err)).toEqual(["settings"]);
    const { current } = await services.search(admin).getSearchSettings({});
    expect(current?.revision).toBe(1);
    expect(current?.effective?.semanticWeight).toBe(0.3);
    // `{}` is how every field goes back to its default.
    const reset = await services.search(admin).updateSearchSettings({ settings: {} });
    expect(reset.current?.effective).toMatchObject(DEFAULTS);
  });

  it("refuses keys without the admin scope, a bound agent's too, and changes nothing", async () => {
    const { workspaceId, writer } = workspace();
    const agent: Caller = { workspaceId, scopes: ["memory:read", "memory:write", "memory:erase"], agentId: "ana" };
    for (const caller of [writer, agent]) {
      await expectError(
        services.search(caller).updateSearchSettings({ settings: { semanticWeight: 1 } }),
        Code.PermissionDenied,
        "MISSING_SCOPE",
      );
      await expectError(
        services.search(caller).listSearchSettingsRevisions({}),
        Code.PermissionDenied,
        "MISSING_SCOPE",
      );
    }
    expect((await services.search(writer).getSearchSettings({})).current?.revision).toBe(0);
  });

  it.each([
    ["settings.semantic_weight", { semanticWeight: 1.5 }],
    ["settings.semantic_weight", { semanticWeight: -0.1 }],
    ["settings.semantic_weight", { semanticWeight: Number.NaN }],
    ["settings.rerank_weight", { rerankWeight: 2 }],
    ["settings.candidate_pool", { candidatePool: 9 }],
    ["settings.candidate_pool", { candidatePool: 301 }],
    ["settings.rerank_candidates", { rerankCandidates: 101 }],
    ["settings.rerank_candidates", { rerankCandidates: 0 }],
  ])("refuses %s out of range (%o) and changes nothing", async (field, settings) => {
    const { admin } = workspace();
    const err = await expectError(services.search(admin).updateSearchSettings({ settings }), Code.InvalidArgument);
    expect(violatedFields(err)).toEqual([field]);
    expect((await services.search(admin).getSearchSettings({})).current?.revision).toBe(0);
  });

  it("with expected_revision, changes only the revision it names (ABORTED otherwise)", async () => {
    const { admin } = workspace();
    const first = await services.search(admin).updateSearchSettings({ settings: {}, expectedRevision: 0 });
    expect(first.current?.revision).toBe(1);
    await expectError(
      services.search(admin).updateSearchSettings({ settings: { semanticWeight: 0.9 }, expectedRevision: 0 }),
      Code.Aborted,
      "SEARCH_SETTINGS_CHANGED",
    );
    const { current } = await services.search(admin).getSearchSettings({});
    expect(current?.revision).toBe(1);
    expect(current?.effective?.semanticWeight).toBe(DEFAULTS.semanticWeight);
  });

  it("numbers concurrent changes one after another, losing none", async () => {
    const { admin } = workspace();
    const weights = [0.1, 0.2, 0.3, 0.4, 0.5, 0.7];
    await Promise.all(
      weights.map((semanticWeight) => services.search(admin).updateSearchSettings({ settings: { semanticWeight } })),
    );
    const { revisions } = await services.search(admin).listSearchSettingsRevisions({});
    expect(revisions.map((r) => r.revision)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(revisions.map((r) => r.settings?.semanticWeight).sort()).toEqual(weights);
  });
});

describe("ListSearchSettingsRevisions", () => {
  it("lists every revision newest first, a page at a time", async () => {
    const { admin } = workspace();
    for (const candidatePool of [60, 70, 80]) {
      await services
        .search(admin)
        .updateSearchSettings({ settings: { candidatePool }, reason: `pool ${candidatePool}` });
    }
    const first = await services.search(admin).listSearchSettingsRevisions({ pageSize: 2 });
    expect(first.revisions.map((r) => [r.revision, r.reason])).toEqual([
      [3, "pool 80"],
      [2, "pool 70"],
    ]);
    const second = await services
      .search(admin)
      .listSearchSettingsRevisions({ pageSize: 2, pageToken: first.nextPageToken });
    expect(second.revisions.map((r) => r.revision)).toEqual([1]);
    expect(second.revisions[0]?.effective?.candidatePool).toBe(60);
    expect(second.nextPageToken).toBe("");
  });

  it.each(["0", "-1", "abc", "1e3", "99999999999"])("refuses the page token %j", async (pageToken) => {
    const { admin } = workspace();
    await expectError(
      services.search(admin).listSearchSettingsRevisions({ pageToken }),
      Code.InvalidArgument,
      "INVALID_PAGE_TOKEN",
    );
  });
});

describe("tenancy", () => {
  it("keeps one workspace's settings and history out of another's sight", async () => {
    const a = workspace();
    const b = workspace();
    await services.search(a.admin).updateSearchSettings({ settings: { semanticWeight: 0.2 }, reason: "a's own" });
    const seen = await services.search(b.admin).getSearchSettings({});
    expect(seen.current?.revision).toBe(0);
    expect(seen.current?.effective).toMatchObject(DEFAULTS);
    expect((await services.search(b.admin).listSearchSettingsRevisions({})).revisions).toEqual([]);
    // b's expected revision is its own: 0, whatever a did.
    const { current } = await services.search(b.admin).updateSearchSettings({ settings: {}, expectedRevision: 0 });
    expect(current?.revision).toBe(1);
  });
});
