/**
 * A page of ListStagedWrites ends where its staged writes' bodies reach PAGE_BYTES, on either
 * engine: one staged write holds up to 100 writes with their preview, tens of MB, and a page
 * held up to 500 of them. One larger than that still makes a page of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unique } from "../../engine/memory/write-list-support.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { ADMIN } from "../../support/factories/key.js";
import { aNoteWrite, largestContent } from "../../support/factories/memory.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services?.close());

describe("a page of large staged writes", () => {
  it("holds one staged write when each is larger than PAGE_BYTES, and goes on to the next", async () => {
    const staged: string[] = [];
    for (let s = 0; s < 2; s++) {
      const subjectId = unique("staged");
      // 12 writes of about 200 KB, and their preview: about 5 MB of body, over 4 MiB.
      const { stagedWrite } = await services.stagedWrites(ADMIN).createStagedWrite({
        requests: Array.from({ length: 12 }, (_, i) => aNoteWrite(subjectId, largestContent(`${subjectId} ${i}`))),
      });
      staged.push(stagedWrite?.id ?? "");
    }
    const pages: string[][] = [];
    let pageToken = "";
    do {
      const page = await services.stagedWrites(ADMIN).listStagedWrites({ pageSize: 500, pageToken });
      pages.push(page.stagedWrites.map((w) => w.id));
      expect(page.stagedWrites.every((w) => w.requests.length === 12)).toBe(true);
      pageToken = page.nextPageToken;
    } while (pageToken !== "" && pages.length < 10);
    // Newest first, one a page.
    expect(pages).toEqual([...staged].reverse().map((id) => [id]));
  });

  it("small staged writes still fill a page to page_size", async () => {
    for (let s = 0; s < 3; s++) {
      await services.stagedWrites(ADMIN).createStagedWrite({ requests: [aNoteWrite(unique("small"), "a small note")] });
    }
    const page = await services.stagedWrites(ADMIN).listStagedWrites({ pageSize: 2 });
    expect(page.stagedWrites).toHaveLength(2);
    expect(page.nextPageToken).not.toBe("");
  });
});
