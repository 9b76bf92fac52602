/**
 * The web console in Chromium against a live server: every screen and flow, a screenshot of each
 * (into artifacts/console, or $ENGRAM_ARTIFACTS/console), and no console error anywhere. The
 * entity pages have their own file, console-entities.test.ts.
 */
import { createClient } from "@connectrpc/connect";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryState } from "../../../gen/ts/engram/v1/memory_pb.js";
import { StagedWriteService, StagedWriteState } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";
import { memoryClient, transport } from "../../support/clients.js";
import {
  logIn,
  openConsole as openConsoleOf,
  shot,
  startConsoleHarness,
  type ConsoleHarness,
} from "../../support/console.js";
import type { TestServer } from "../../support/server.js";
import { clientWithKey } from "../../support/factories/key.js";

let harness: ConsoleHarness;
let server: TestServer;
beforeAll(async () => {
  harness = await startConsoleHarness();
  server = harness.server;
});
afterAll(async () => {
  await harness?.close();
});

const openConsole = (width?: number, height?: number): Promise<{ page: Page; errors: string[] }> =>
  openConsoleOf(harness, width, height);

/**
 * A whole Connect streaming response (application/connect+json): each message in an envelope,
 * then the end-of-stream frame (flag 2). How a test makes a stream drop after sending something.
 */
function connectStream(messages: object[], end: object): Buffer {
  const frame = (flags: number, json: object) => {
    const payload = Buffer.from(JSON.stringify(json));
    const head = Buffer.alloc(5);
    head.writeUInt8(flags, 0);
    head.writeUInt32BE(payload.length, 1);
    return Buffer.concat([head, payload]);
  };
  return Buffer.concat([...messages.map((m) => frame(0, m)), frame(2, end)]);
}

describe("the web console", () => {
  it("logs in, and browses, searches, edits, deletes, restores, creates and manages keys", async () => {
    const admin = memoryClient(server.baseUrl, server.adminKey);
    const seeded = await admin.writeMemory({
      memory: {
        subjectType: "contact",
        subjectId: "sarah",
        kind: "pitch",
        key: "angle",
        agentId: "sales",
        content: "Pitched automated follow-up sequences; angle: time savings",
        tags: ["q3"],
        metadata: { stage: "demo" },
        linkedEntities: [{ type: "deal", id: "d-7" }],
      },
    });
    await admin.writeMemory({ memory: { subjectType: "team", kind: "fact", content: "Standup is at nine" } });
    const id = seeded.memory!.id;
    const { page, errors } = await openConsole();
    await shot(page, "login");
    await logIn(page, server.adminKey);

    // Overview: counts and the chart.
    await expect.poll(() => page.getByText("Embedding backlog").count()).toBe(1);
    expect(await page.getByText("Superseded", { exact: true }).count()).toBe(1);
    expect(await page.getByRole("img", { name: /memories created/ }).count()).toBe(1);
    await shot(page, "overview");

    // Browse lists the newest memories when opened, then narrows them with a filter.
    await page.getByRole("link", { name: "Browse" }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBeGreaterThan(1);
    await page.getByLabel("Owner agents (comma-separated)").fill("sales");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    await page.getByLabel("Owner agents (comma-separated)").fill("");
    await page.getByLabel("Subject type").fill("contact");
    await page.getByLabel("Kinds (comma-separated)").fill("pitch");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("time savings");
    await shot(page, "browse");

    // Search: results with their score bars.
    await page.getByRole("link", { name: "Search", exact: true }).click();
    await page.getByLabel("Query").fill("follow-up sequences");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.locator(".results li").count()).toBeGreaterThan(0);
    expect(await page.locator(".results li").first().textContent()).toContain("follow-up sequences");
    expect(await page.getByRole("meter", { name: "keyword score" }).count()).toBeGreaterThan(0);
    await shot(page, "search");

    // A memory's page; edit one field: the update mask names exactly it.
    await page.locator(".results li a").first().click();
    await page.getByText(id).waitFor();
    expect(await page.locator("pre").textContent()).toContain('"stage": "demo"');
    await shot(page, "memory");
    await page.getByLabel("Title").fill("Sarah's angle");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: "Saved: title" }).waitFor();
    const edited = (await admin.getMemory({ id })).memory!;
    expect(edited).toMatchObject({ title: "Sarah's angle", revision: 2n, tags: ["q3"] });
    expect(edited.content).toBe(seeded.memory!.content);

    // Delete with a reason, then undelete.
    await page.getByLabel("Reason for deleting").fill("wrong contact");
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Undelete" }).waitFor();
    expect((await admin.getMemory({ id })).memory).toMatchObject({ forgetReason: "wrong contact" });
    await page.getByRole("button", { name: "Undelete" }).click();
    await page.getByRole("button", { name: "Delete" }).waitFor();
    expect((await admin.getMemory({ id })).memory?.deleteTime).toBeUndefined();

    // Create: preview first (nothing written), then save, then an upsert of the same key.
    await page.getByRole("link", { name: "Create" }).click();
    await page.getByLabel("Subject type").fill("contact");
    await page.getByLabel("Subject id").fill("omar");
    await page.getByLabel("Kind").fill("preference");
    await page.getByLabel("Key (makes the write an upsert)").fill("channel");
    await page.getByLabel("Content").fill("Prefers email");
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByText("Preview: would be CREATED").waitFor();
    expect((await admin.listMemories({ filter: { subjectId: "omar" } })).memories).toEqual([]);
    await shot(page, "create");
    await page.getByRole("button", { name: "Save" }).click();
    await page
      .locator(".outcome")
      .filter({ hasText: /^CREATED/ })
      .waitFor();
    await page.getByLabel("Content").fill("Prefers phone calls");
    await page.getByRole("button", { name: "Save" }).click();
    await page
      .locator(".outcome")
      .filter({ hasText: /^UPDATED/ })
      .waitFor();
    const omar = (await admin.listMemories({ filter: { subjectId: "omar" } })).memories;
    expect(omar.map((m) => m.content)).toEqual(["Prefers phone calls"]);

    // Keys: create (the secret shown once) and revoke.
    await page.getByRole("link", { name: "Keys" }).click();
    await page.getByLabel("Key name").fill("console-made");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.locator(".secret code").textContent()) ?? "";
    expect(secret).toMatch(/^egm_/);
    await expect(memoryClient(server.baseUrl, secret).listMemories({})).resolves.toBeDefined();
    await shot(page, "keys");
    await page.getByRole("button", { name: "Revoke console-made" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Revoke console-made" }).count()).toBe(0);
    await expect(memoryClient(server.baseUrl, secret).listMemories({})).rejects.toThrow();

    // Log out: back to the key prompt, the key gone from the session.
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("works at phone width", async () => {
    const { page, errors } = await openConsole(390, 844);
    await logIn(page, server.adminKey);
    await page.getByRole("link", { name: "Browse" }).click();
    await page.locator("tbody tr").first().waitFor();
    // No horizontal scrolling of the page itself (tables scroll inside their container).
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, "browse-phone");
    await page.locator("tbody tr a").first().click();
    await page.getByRole("button", { name: "Save changes" }).waitFor();
    await shot(page, "memory-phone");
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("shows an agent-bound key only what the API lets it see", async () => {
    const admin = memoryClient(server.baseUrl, server.adminKey);
    const about = { subjectType: "visibility-check", kind: "note" };
    await admin.writeMemory({ memory: { ...about, agentId: "agent-a", content: "agent A's own note" } });
    await admin.writeMemory({ memory: { ...about, agentId: "agent-b", content: "agent B's private note" } });
    await admin.writeMemory({
      memory: { ...about, agentId: "agent-b", content: "agent B's shared note", visibility: 2 },
    });
    const key = await server.createKey({ agentId: "agent-a" });
    const { page, errors } = await openConsole();
    await logIn(page, key);
    // The overview is for admins: an agent's key lands on Browse, which lists what it may read.
    await page.waitForURL(/#\/browse$/);
    await expect.poll(() => page.locator("tbody tr").count()).toBeGreaterThan(0);
    expect(await page.locator("tbody").textContent()).not.toContain("agent B's private note");
    await page.getByRole("link", { name: "Overview" }).click();
    await page.waitForURL(/#\/browse$/);

    await page.getByLabel("Subject type").fill("visibility-check");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(2);
    const text = (await page.locator("tbody").textContent()) ?? "";
    expect(text).toContain("agent A's own note");
    expect(text).toContain("agent B's shared note");
    expect(text).not.toContain("agent B's private note");

    await page.getByRole("link", { name: "Keys" }).click();
    await page.getByText("MISSING_SCOPE").waitFor();
    expect(await page.locator("table").count()).toBe(0);
    // Chromium logs each refused call ("status of 403"); the page itself raised nothing else.
    expect(errors.filter((e) => !e.includes("status of 403"))).toEqual([]);
    await page.context().close();
  });

  it("shows a memory's history, and undoes a supersession", async () => {
    const admin = memoryClient(server.baseUrl, server.adminKey);
    const about = { subjectType: "contact", subjectId: "ines", kind: "fact" };
    const id = (await admin.writeMemory({ memory: { ...about, content: "Ines works at Acme" } })).memory!.id;
    await admin.updateMemory({ id, memory: { content: "Ines works at Globex" }, updateMask: { paths: ["content"] } });
    const { page, errors } = await openConsole();
    await logIn(page, server.adminKey);

    // Two revisions, newest first; the update lists content with its new value.
    await page.goto(`${server.baseUrl}/#/memories/${id}`);
    const entries = page.locator(".history li");
    await expect.poll(() => entries.count()).toBe(2);
    const updated = entries.first();
    expect(await updated.locator(".history-head").textContent()).toMatch(/^Revision 2Updated/);
    expect(await updated.locator(".changes dt").allTextContents()).toContain("content");
    expect(await updated.locator(".changes").textContent()).toContain("Ines works at Globex");
    expect(await entries.nth(1).locator(".history-head").textContent()).toMatch(/^Revision 1Created/);
    await shot(page, "memory-history");

    // A newer memory supersedes it: Browse leaves it out unless asked to include superseded ones.
    const successor = (
      await admin.writeMemory({ memory: { ...about, content: "Ines moved to Initech in May" }, supersedes: [id] })
    ).memory!.id;
    await page.getByRole("link", { name: "Browse" }).click();
    await page.getByLabel("Subject id").fill("ines");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("Initech");
    await page.getByLabel("Include superseded").check();
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByRole("link", { name: "Ines works at Globex" }).click();

    // The old memory: the Superseded badge, a link to its successor, and the change in its history.
    await page.locator(".badge.state-superseded").waitFor();
    await expect.poll(() => entries.count()).toBe(3);
    expect(await entries.first().locator(".history-head").textContent()).toContain("Superseded");
    await shot(page, "memory-superseded");
    await page.getByRole("link", { name: successor }).click();
    await page.waitForURL(new RegExp(`#/memories/${successor}$`));
    await page.locator(".fields code").filter({ hasText: successor }).first().waitFor();
    await page.goBack();
    await page.locator(".badge.state-superseded").waitFor();

    // Undo: active again, the successor link gone, an UNSUPERSEDED entry on top of the history.
    await page.getByRole("button", { name: "Undo supersession" }).click();
    await page.getByRole("status").filter({ hasText: "Supersession undone" }).waitFor();
    await page.locator(".badge.state-active").waitFor();
    expect(await page.getByRole("link", { name: successor }).count()).toBe(0);
    await expect.poll(() => entries.count()).toBe(4);
    expect(await entries.first().locator(".history-head").textContent()).toContain("Supersession undone");
    expect((await admin.getMemory({ id })).memory).toMatchObject({ state: MemoryState.ACTIVE, supersededBy: "" });
    await shot(page, "memory-unsuperseded");
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("shows an agent's key a shared memory's history without its private past or private successor", async () => {
    const a = await clientWithKey(server, { agentId: "history-a" });
    const about = { subjectType: "contact", subjectId: "door", kind: "fact" };
    const secret = `door code ${Date.now()}`;
    const past = (await a.writeMemory({ memory: { ...about, content: secret, visibility: 1 } })).memory!.id;
    await a.updateMemory({
      id: past,
      memory: { content: "the door has a code", visibility: 2 },
      updateMask: { paths: ["content", "visibility"] },
    });
    const old = (await a.writeMemory({ memory: { ...about, content: "the door is blue", visibility: 2 } })).memory!.id;
    const successor = (
      await a.writeMemory({ memory: { ...about, content: "the door is red", visibility: 1 }, supersedes: [old] })
    ).memory!.id;
    const { page, errors } = await openConsole();
    await logIn(page, await server.createKey({ agentId: "history-b" }));
    await page.waitForURL(/#\/browse$/);

    await page.goto(`${server.baseUrl}/#/memories/${past}`);
    const entries = page.locator(".history li");
    await expect.poll(() => entries.count()).toBe(1);
    expect(await entries.first().locator(".history-head").textContent()).toMatch(/^Revision 2Updated/);
    expect(await page.locator("main").textContent()).not.toContain(secret);

    await page.goto(`${server.baseUrl}/#/memories/${old}`);
    await page.locator(".badge.state-superseded").waitFor();
    await expect.poll(() => entries.count()).toBe(2);
    expect(await entries.first().textContent()).toContain("Reason: superseded by another memory");
    expect(await page.locator("main").textContent()).not.toContain(successor);
    await shot(page, "memory-private-successor");
    // Chromium logs the overview's refused call ("status of 403"); the page itself raised nothing else.
    expect(errors.filter((e) => !e.includes("status of 403"))).toEqual([]);
    await page.context().close();
  });

  it("lists staged writes, shows one's writes and preview, applies one and discards another", async () => {
    const stager = createClient(StagedWriteService, transport(server.baseUrl, server.adminKey));
    const about = { subjectType: "contact", subjectId: "lena", kind: "note" };
    const toApply = (
      await stager.createStagedWrite({
        requests: [
          { memory: { ...about, content: "Lena renews in March" } },
          // Only stop words: the preview says the guard would refuse it.
          { memory: { ...about, content: "the of and" } },
        ],
      })
    ).stagedWrite!.id;
    const toDiscard = (
      await stager.createStagedWrite({ requests: [{ memory: { ...about, content: "Lena prefers Slack" } }] })
    ).stagedWrite!.id;
    const admin = memoryClient(server.baseUrl, server.adminKey);
    const aboutLena = async () => (await admin.listMemories({ filter: { subjectId: "lena" } })).memories;
    const { page, errors } = await openConsole();
    await logIn(page, server.adminKey);

    // The list starts on the pending ones, newest first.
    await page.getByRole("link", { name: "Staged writes" }).click();
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain("Lena prefers Slack");
    expect(await rows.nth(1).textContent()).toContain("Lena renews in March and 1 more");
    await shot(page, "staged-writes");

    // One staged write: its two writes, each with what it would do.
    await page.getByRole("link", { name: "Lena renews in March" }).click();
    await page.waitForURL(new RegExp(`#/staged-writes/${toApply}$`));
    const writes = page.locator(".staged-writes > li");
    await expect.poll(() => writes.count()).toBe(2);
    expect(await writes.nth(0).locator(".outcome").textContent()).toContain("PreviewWould be CREATED");
    expect(await writes.nth(1).locator(".outcome").textContent()).toContain("PreviewWould be REJECTED");
    await shot(page, "staged-write");

    // Apply: the outcome of each write confirmed, the results shown beside the preview.
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("status").filter({ hasText: "Applied: CREATED, REJECTED" }).waitFor();
    await page.locator(".badge.staged-applied").waitFor();
    expect(await page.getByRole("button", { name: "Discard" }).count()).toBe(0);
    expect(await writes.nth(0).locator(".outcome").nth(1).textContent()).toContain("ResultCREATED");
    const written = await aboutLena();
    expect(written.map((m) => m.content)).toEqual(["Lena renews in March"]);
    expect(await writes.nth(0).getByRole("link", { name: "Open the memory" }).getAttribute("href")).toBe(
      `#/memories/${written[0]!.id}`,
    );
    await shot(page, "staged-write-applied");

    // Discard the other: nothing written.
    await page.getByRole("link", { name: "Staged writes" }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole("link", { name: "Lena prefers Slack" }).click();
    await page.getByRole("button", { name: "Discard" }).click();
    await page.getByRole("status").filter({ hasText: "Discarded: nothing was written" }).waitFor();
    await page.locator(".badge.staged-discarded").waitFor();
    expect((await stager.getStagedWrite({ id: toDiscard })).stagedWrite?.state).toBe(StagedWriteState.DISCARDED);
    expect((await aboutLena()).map((m) => m.content)).toEqual(["Lena renews in March"]);

    // Every state: both, resolved.
    await page.getByRole("link", { name: "Staged writes" }).click();
    await page.getByLabel("State").selectOption({ label: "Any state" });
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.locator("tbody .badge").allTextContents()).toEqual(["discarded", "applied"]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("follows changes live in the Live view, newest on top, as its filter narrows them", async () => {
    const admin = memoryClient(server.baseUrl, server.adminKey);
    const { page, errors } = await openConsole();
    await logIn(page, server.adminKey);
    await page.getByRole("link", { name: "Live" }).click();
    await page.getByLabel("Subject type").fill("feed-check");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const status = page.getByRole("status");
    await status.filter({ hasText: /^Live/ }).waitFor();

    // Written after the feed opened: no reload, the changes that match appear, the latest first.
    await admin.writeMemory({ memory: { subjectType: "feed-other", kind: "note", content: "Not in this feed" } });
    const about = { subjectType: "feed-check", subjectId: "ana", kind: "preference", agentId: "sales" };
    const id = (await admin.writeMemory({ memory: { ...about, content: "Ana prefers email" } })).memory!.id;
    await admin.deleteMemory({ id, reason: "wrong contact" });
    const entries = page.locator(".feed li");
    await expect.poll(() => entries.count()).toBe(2);
    expect(await entries.locator(".badge").allTextContents()).toEqual(["deleted", "created"]);
    expect(await entries.first().textContent()).toContain("Reason: wrong contact");
    expect(await entries.nth(1).textContent()).toMatch(
      /Revision 1 · feed-check\/ana · preference · by key .+ as agent sales/,
    );
    const link = entries.nth(1).getByRole("link", { name: "Ana prefers email" });
    expect(await link.getAttribute("href")).toBe(`#/memories/${id}`);
    expect(await page.locator(".feed").textContent()).not.toContain("Not in this feed");
    expect(await page.locator(".feed-state code").textContent()).toMatch(/^\d+$/);
    await shot(page, "live");

    // Its link leads to the memory's page.
    await link.click();
    await page.getByText(id).waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("resumes the Live view from its last cursor after a drop, and from now once that cursor expired", async () => {
    const admin = memoryClient(server.baseUrl, server.adminKey);
    const about = { subjectType: "resume-check", kind: "note" };
    const before = (await admin.listMemories({ pageSize: 1 })).watchCursor;
    await admin.writeMemory({ memory: { ...about, content: "Written while the feed was down" } });
    const { page, errors } = await openConsole();

    // Each WatchMemories call's after_cursor. A call that finds a cursor in `drops` gets a
    // heartbeat at that cursor and then UNAVAILABLE, as if the connection broke; the rest reach the server.
    const afterCursors: string[] = [];
    const drops = [before];
    await page.route("**/engram.v1.MemoryService/WatchMemories", async (route) => {
      const request = JSON.parse(route.request().postDataBuffer()!.subarray(5).toString());
      afterCursors.push(request.afterCursor ?? "");
      const drop = drops.shift();
      if (drop === undefined) return route.continue();
      await route.fulfill({
        contentType: "application/connect+json",
        body: connectStream([{ heartbeat: { cursor: drop } }], { error: { code: "unavailable", message: "dropped" } }),
      });
    });
    await logIn(page, server.adminKey);
    await page.getByRole("link", { name: "Live" }).click();

    // Dropped after the heartbeat at `before`: the retry resumes there, so the write made
    // before the console even opened arrives.
    await page
      .getByRole("status")
      .filter({ hasText: /^Reconnecting/ })
      .waitFor();
    expect(await page.locator(".error").textContent()).toContain("Unavailable");
    const entries = page.locator(".feed li");
    await entries.filter({ hasText: "Written while the feed was down" }).waitFor();
    await page.getByRole("status").filter({ hasText: /^Live/ }).waitFor();
    expect(await page.locator(".error").count()).toBe(0);
    expect(afterCursors).toEqual(["", before]);

    // A cursor the change log does not hold (FAILED_PRECONDITION, CURSOR_EXPIRED): said so, and watched from now.
    const unheld = String(BigInt(before) + 1_000_000n);
    drops.push(unheld);
    await page.getByRole("button", { name: "Apply filters" }).click();
    const notice = page.getByRole("alert").filter({ hasText: "no longer reaches back" });
    await notice.waitFor();
    expect(await notice.textContent()).toContain(unheld);
    await page.getByRole("status").filter({ hasText: /^Live/ }).waitFor();
    expect(afterCursors).toEqual(["", before, "", unheld, ""]);
    await admin.writeMemory({ memory: { ...about, content: "Written after the restart" } });
    await entries.filter({ hasText: "Written after the restart" }).waitFor();
    await shot(page, "live-restarted");
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
