/**
 * The console's search settings page in Chromium against a live server: an admin changes a
 * setting with a reason and sees the new revision, what searches now use and the history; a save
 * over another admin's change is refused; a key without admin reads the settings but may not
 * change them. Screenshots go with the rest of the console's; no console error anywhere.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchClient } from "../../support/clients.js";
import { logIn, openConsole, shot, startConsoleHarness, type ConsoleHarness } from "../../support/console.js";
import type { TestServer } from "../../support/server.js";

let harness: ConsoleHarness;
let server: TestServer;
beforeAll(async () => {
  harness = await startConsoleHarness();
  server = harness.server;
});
afterAll(async () => {
  await harness?.close();
});

/** The value the page shows for a setting under "In effect" (the first list of fields). */
const inEffect = (page: Page, label: string) =>
  page.locator("dl.fields").first().locator(`dt:text-is("${label}") + dd`).textContent();

/** Chromium logs each refused call ("status of 403", "of 409"); the page itself must raise nothing else. */
const pageErrors = (errors: string[]) => errors.filter((e) => !/status of 40[39]/.test(e));

describe("the web console's search settings", () => {
  it("lets an admin change a setting with a reason, and refuses a save over a newer revision", async () => {
    const admin = searchClient(server.baseUrl, server.adminKey);
    const { page, errors } = await openConsole(harness);
    await logIn(page, server.adminKey);
    await page.getByRole("link", { name: "Search settings" }).click();
    await page.getByText("Revision 0: the server's defaults, never changed.").waitFor();
    expect(await inEffect(page, "Semantic weight")).toBe("0.6 (server default)");
    expect(await inEffect(page, "Rerank by default")).toBe("no (server default)");
    await page.getByText("Never changed: every setting is the server's default.").waitFor();

    await page.getByLabel("Semantic weight (0 to 1)").fill("0.75");
    await page.getByLabel("Reason for the change").fill("held-out nDCG up 3 points");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("status").filter({ hasText: "Saved: revision 1" }).waitFor();
    await page.getByText(/^Revision 1, set \S+ by key \S+\.$/).waitFor();
    expect(await inEffect(page, "Semantic weight")).toBe("0.75");
    expect(await inEffect(page, "Candidate pool")).toBe("50 (server default)");
    const history = page.getByRole("list", { name: "Search settings revisions" }).locator("li");
    await expect.poll(() => history.count()).toBe(1);
    const entry = (await history.first().textContent()) ?? "";
    expect(entry).toContain("Revision 1");
    expect(entry).toContain("Reason: held-out nDCG up 3 points");
    expect(entry).toContain("Semantic weight0.75");
    expect(entry).not.toContain("Candidate pool");
    await shot(page, "search-settings");

    // The API says the same: the setting as given, the rest at the server's defaults.
    const { current } = await admin.getSearchSettings({});
    expect(current).toMatchObject({
      revision: 1,
      settings: { semanticWeight: 0.75 },
      effective: { semanticWeight: 0.75, candidatePool: 50, rerankCandidates: 40, rerankWeight: 0.8 },
      reason: "held-out nDCG up 3 points",
    });
    expect(current!.settings!.candidatePool).toBeUndefined();
    expect(current!.updatedByKeyId).not.toBe("");

    // Another admin changes the settings behind the page's back: the page's save, made against
    // revision 1, is refused, and the page then shows the revision that is in force.
    await admin.updateSearchSettings({ settings: { candidatePool: 80 }, expectedRevision: 1, reason: "elsewhere" });
    await page.getByLabel("Rerank weight (0 to 1)").fill("0.5");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("alert").filter({ hasText: "SEARCH_SETTINGS_CHANGED" }).waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("Aborted");
    await expect.poll(() => inEffect(page, "Candidate pool")).toBe("80");
    await expect.poll(() => history.count()).toBe(2);
    expect((await admin.getSearchSettings({})).current).toMatchObject({ revision: 2, settings: { candidatePool: 80 } });
    expect(pageErrors(errors)).toEqual([]);
    await page.context().close();
  });

  it("shows the settings to a key without admin, and refuses its change", async () => {
    const admin = searchClient(server.baseUrl, server.adminKey);
    // Settings of the admin's making (whatever the test before left), for the page to show.
    const settings = { semanticWeight: 0.75, candidatePool: 80 };
    const before = (await admin.updateSearchSettings({ settings, reason: "set by an admin" })).current!;
    const key = await server.createKey({ scopes: ["memory:read", "memory:write"] });
    const { page, errors } = await openConsole(harness);
    await logIn(page, key);
    await page.getByRole("link", { name: "Search settings" }).click();
    await page.getByText(new RegExp(`^Revision ${before.revision}, set `)).waitFor();
    expect(await inEffect(page, "Semantic weight")).toBe("0.75");
    await page.getByText("Reason: set by an admin").waitFor();
    await page.getByText("Only an admin key may read the history.").waitFor();

    await page.getByLabel("Semantic weight (0 to 1)").fill("0.1");
    await page.getByLabel("Reason for the change").fill("not allowed");
    await page.getByRole("button", { name: "Save settings" }).click();
    const refused = page.getByRole("alert").filter({ hasText: "MISSING_SCOPE" });
    await refused.waitFor();
    expect(await refused.textContent()).toContain("PermissionDenied");
    await shot(page, "search-settings-read-only");

    expect(await inEffect(page, "Semantic weight")).toBe("0.75");
    expect((await admin.getSearchSettings({})).current).toEqual(before);
    expect(pageErrors(errors)).toEqual([]);
    await page.context().close();
  });
});
