/**
 * The console's entity pages in Chromium against a live server: reached from a memory's mentions,
 * their graph, timeline and edits, and merges made and undone from them. Screenshots go with the
 * rest of the console's (artifacts/console, or $ENGRAM_ARTIFACTS/console); no console error anywhere.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Code, createClient } from "@connectrpc/connect";
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
    // On a whole minute the field's value drops its seconds (HTML's normalised form, "T00:00");
    // the summary still writes them out. A time after every write draws Borealis again.
    await page.getByLabel("As of (UTC; empty: now)").fill("2999-01-01T00:00:00");
    await page.getByRole("status").filter({ hasText: "as of 2999-01-01T00:00:00Z" }).waitFor();
    await expect.poll(drawn).toContain("company/borealis");
    await page.getByRole("button", { name: "Now" }).click();
    await page.getByRole("status").filter({ hasText: "relations, now" }).waitFor();

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

  it("merges an entity into another from its page, lists the merge there, and undoes it", async () => {
    const admin = memoryClient(server.baseUrl, server.adminKey);
    const entities = createClient(EntityService, transport(server.baseUrl, server.adminKey));
    const from = { type: "person", id: "j-smith" };
    const into = { type: "person", id: "john-smith" };
    const moved = (
      await admin.writeMemory({
        memory: {
          subjectType: "person",
          subjectId: "j-smith",
          kind: "fact",
          content: "Asked for the enterprise quote",
        },
      })
    ).memory!;
    await admin.writeMemory({
      memory: { subjectType: "person", subjectId: "john-smith", kind: "fact", content: "Signed the annual renewal" },
    });
    const { page, errors } = await openConsole(harness);
    await logIn(page, server.adminKey);
    const timeline = page.locator(".timeline ol > li");
    const merges = page.getByRole("list", { name: "Merged into this entity" });

    // Merge from `from`'s page: the console lands on `into`'s, which now has both memories and the merge.
    await page.goto(`${server.baseUrl}/#/entities/person/j-smith`);
    await expect.poll(() => timeline.count()).toBe(1);
    expect(await page.getByText("No other entity is merged into this one.").count()).toBe(1);
    expect(await page.getByLabel("Into type").inputValue()).toBe("person");
    await page.getByLabel("Into id").fill("john-smith");
    await shot(page, "entity-merge");
    await page.getByRole("button", { name: "Merge", exact: true }).click();
    await page.waitForURL(/#\/entities\/person\/john-smith$/);
    await expect
      .poll(() => timeline.locator(".timeline-head a").allTextContents())
      .toEqual(["Signed the annual renewal", "Asked for the enterprise quote"]);
    expect(await timeline.nth(1).locator(".hint").textContent()).toContain("here as subject (was person/j-smith)");
    expect(await merges.locator("li").count()).toBe(1);
    expect(await merges.textContent()).toMatch(/^person\/j-smith merged here on \d{4}-\d\d-\d\dT[\d:.]+Z/);
    await shot(page, "entity-merged");
    const merge = (await entities.getEntity(into)).merges;
    expect(merge.map((m) => [m.from?.id, m.into?.id, m.undoTime])).toEqual([["j-smith", "john-smith", undefined]]);
    await expect(entities.getEntity(from)).rejects.toMatchObject({ code: Code.NotFound });
    const mention = (await admin.getMemory({ id: moved.id })).memory!.mentions.find(
      (m) => m.entity?.id === "john-smith",
    );
    expect(mention?.mergedFrom).toMatchObject(from);

    // The moved memory's page names the entity its mention was before.
    await page.goto(`${server.baseUrl}/#/memories/${moved.id}`);
    const link = page.getByRole("link", { name: "person/john-smith", exact: true });
    expect(await link.getAttribute("title")).toBe("merged from person/j-smith");
    expect(await page.locator(".mentions").textContent()).toContain("(was person/j-smith)");
    await link.click();
    await page.waitForURL(/#\/entities\/person\/john-smith$/);

    // Merging it back would close a cycle: refused, said so, nothing changed.
    await page.getByLabel("Into id").fill("j-smith");
    await page.getByRole("button", { name: "Merge", exact: true }).click();
    const refused = page.getByRole("alert");
    await refused.filter({ hasText: "MERGE_CYCLE" }).waitFor();
    expect(await refused.locator("strong").textContent()).toBe("FailedPrecondition");
    expect(page.url()).toMatch(/#\/entities\/person\/john-smith$/);
    expect((await entities.getEntity(into)).merges).toHaveLength(1);

    // Undo: this page read again, without the merge or the memory; `from` an entity again.
    await page.getByRole("button", { name: "Undo merge of person/j-smith" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: "Undone: person/j-smith is an entity of its own again" })
      .waitFor();
    await expect
      .poll(() => timeline.locator(".timeline-head a").allTextContents())
      .toEqual(["Signed the annual renewal"]);
    expect(await merges.count()).toBe(0);
    expect(await page.getByText("No other entity is merged into this one.").count()).toBe(1);
    expect((await entities.getEntity(into)).merges).toEqual([]);
    expect((await entities.getEntity(from)).entity?.mentionCount).toBe(1n);
    expect((await admin.getMemory({ id: moved.id })).memory!.mentions.some((m) => m.mergedFrom !== undefined)).toBe(
      false,
    );

    // `from`'s page works again, with its memory, and nothing is merged into it.
    await page.goto(`${server.baseUrl}/#/entities/person/j-smith`);
    await expect
      .poll(() => timeline.locator(".timeline-head a").allTextContents())
      .toEqual(["Asked for the enterprise quote"]);
    expect(await timeline.first().locator(".hint").textContent()).not.toContain("(was");
    expect(await page.locator(".fields code").first().textContent()).toBe("person/j-smith");
    expect(await page.getByRole("alert").count()).toBe(0);
    await shot(page, "entity-merge-undone");

    // A merge into a ref nothing mentioned (a rename): undone, that ref is gone again, and the
    // console goes back to the entity it was merged from.
    await page.getByLabel("Into id").fill("jon-smith");
    await page.getByRole("button", { name: "Merge", exact: true }).click();
    await page.waitForURL(/#\/entities\/person\/jon-smith$/);
    await page.getByRole("button", { name: "Undo merge of person/j-smith" }).click();
    await page.waitForURL(/#\/entities\/person\/j-smith$/);
    await expect
      .poll(() => timeline.locator(".timeline-head a").allTextContents())
      .toEqual(["Asked for the enterprise quote"]);
    await expect(entities.getEntity({ type: "person", id: "jon-smith" })).rejects.toMatchObject({
      code: Code.NotFound,
    });
    // Chromium logs the refused merge ("status of 400") and the renamed entity read again after
    // its undo ("status of 404"); the page itself raised nothing else.
    expect(errors.filter((e) => !/status of 40[04]/.test(e))).toEqual([]);
    await page.context().close();
  });
});
