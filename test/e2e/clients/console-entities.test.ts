/**
 * The console's entity pages in Chromium against a live server: reached from a memory's mentions,
 * their graph, timeline and edits. Screenshots go with the rest of the console's (artifacts/console,
 * or $ENGRAM_ARTIFACTS/console); no console error anywhere.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntityService } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { memoryClient, transport } from "../../support/clients.js";
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

describe("the web console's entity pages", () => {
  it("opens an entity from a memory's mentions: its timeline, aliases, and a graph by depth, relation and time", async () => {
    const admin = memoryClient(server.baseUrl, server.adminKey);
    const entities = createClient(EntityService, transport(server.baseUrl, server.adminKey));
    const nadia = { type: "person", id: "nadia" };
    const about = { subjectType: "contact", subjectId: "nadia", kind: "fact" };
    const worksAt = (id: string) => ({ subject: nadia, predicate: "works_at", object: { type: "company", id } });
    const first = (
      await admin.writeMemory({
        memory: { ...about, content: "Nadia runs sales at Halcyon", relations: [worksAt("halcyon")] },
      })
    ).memory!;
    await admin.writeMemory({
      memory: {
        subjectType: "company",
        subjectId: "halcyon",
        kind: "fact",
        content: "Halcyon opened an office in Oslo",
        relations: [
          {
            subject: { type: "company", id: "halcyon" },
            predicate: "located_in",
            object: { type: "place", id: "oslo" },
          },
        ],
      },
    });
    // A whole second that follows every write so far and precedes the next: the graph as of then has no Borealis.
    const before = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);
    await sleep(before.getTime() - Date.now() + 50);
    await admin.writeMemory({
      memory: { ...about, content: "Nadia signed with Borealis", relations: [worksAt("borealis")] },
    });
    await entities.updateEntity({ ...nadia, entity: { aliases: ["Nadia K."] }, updateMask: { paths: ["aliases"] } });
    const { page, errors } = await openConsole(harness);
    await logIn(page, server.adminKey);

    // The memory lists what it mentions; one of those links opens the entity's page.
    await page.goto(`${server.baseUrl}/#/memories/${first.id}`);
    await page.getByRole("link", { name: "person/nadia", exact: true }).click();
    await page.waitForURL(/#\/entities\/person\/nadia$/);
    expect(await page.getByRole("list", { name: "Aliases" }).textContent()).toBe("Nadia K.");
    const timeline = page.locator(".timeline ol > li");
    await expect.poll(() => timeline.count()).toBe(2);
    expect(await timeline.locator(".timeline-head a").allTextContents()).toEqual([
      "Nadia signed with Borealis",
      "Nadia runs sales at Halcyon",
    ]);
    expect(await timeline.first().getByRole("link", { name: "company/borealis", exact: true }).count()).toBe(1);

    // The graph: one relation away now, then two, then only works_at, then as of the second before Borealis.
    const drawn = async () =>
      (
        await page
          .locator("svg.graph .graph-node")
          .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("aria-label")))
      )
        .map((label) => /\(([^()]+)\)$/.exec(label ?? "")?.[1])
        .sort();
    await expect.poll(drawn).toEqual(["company/borealis", "company/halcyon", "contact/nadia", "person/nadia"]);
    await shot(page, "entity");
    await page.getByLabel("Depth").selectOption("2");
    await expect
      .poll(drawn)
      .toEqual(["company/borealis", "company/halcyon", "contact/nadia", "person/nadia", "place/oslo"]);
    await shot(page, "entity-graph-depth-2");
    await page.getByLabel("works_at", { exact: true }).check();
    await expect.poll(drawn).toEqual(["company/borealis", "company/halcyon", "person/nadia"]);
    await page.getByLabel("works_at", { exact: true }).uncheck();
    await page.getByLabel("As of (UTC; empty: now)").fill(before.toISOString().slice(0, 19));
    await expect.poll(drawn).toEqual(["company/halcyon", "contact/nadia", "person/nadia", "place/oslo"]);
    await page
      .getByRole("status")
      .filter({ hasText: `as of ${before.toISOString().slice(0, 19)}Z` })
      .waitFor();
    await shot(page, "entity-graph-as-of");
    await page.getByRole("button", { name: "Now" }).click();
    await expect.poll(drawn).toContain("company/borealis");

    // Aliases edited here are the entity's: the Entities view finds it by one.
    await page.getByLabel("Aliases (comma-separated)").fill("Nadia K., Nadia Kowalski");
    await page.getByRole("button", { name: "Save entity" }).click();
    await page.getByRole("status").filter({ hasText: "Saved: aliases" }).waitFor();
    expect((await entities.getEntity(nadia)).entity?.aliases).toEqual(["Nadia K.", "Nadia Kowalski"]);
    await page.getByRole("link", { name: "Entities" }).click();
    await page.getByLabel("Name starts with").fill("nadia kow");
    await page.getByRole("button", { name: "Find entities" }).click();
    await expect.poll(() => page.locator("tbody tr code").allTextContents()).toEqual(["person/nadia"]);
    await shot(page, "entities");

    // A node of the graph is a link to its entity's page.
    await page.locator("tbody tr a").click();
    await page.getByRole("link", { name: /\(company\/halcyon\)$/ }).click();
    await page.waitForURL(/#\/entities\/company\/halcyon$/);
    await expect
      .poll(() => timeline.locator(".timeline-head a").allTextContents())
      .toEqual(["Halcyon opened an office in Oslo", "Nadia runs sales at Halcyon"]);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
