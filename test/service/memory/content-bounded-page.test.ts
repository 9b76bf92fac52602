/**
 * A page of ListMemories (now and as of an instant) and of ListMemoryRevisions holds at most
 * PAGE_BYTES of content before its last item, on either engine: it ends at the memory whose
 * content brings it there, and its next_page_token goes on from there, nothing skipped or
 * repeated. 500 memories at the content limit were 100 MB in one answer. Export's pages are cut
 * the same way.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Memory, MemoryRevision } from "../../../gen/ts/engram/v1/memory_pb.js";
import { PAGE_BYTES } from "../../../src/paging.js";
import { ACTIVE_MEMORIES } from "../../../src/memory/filters.js";
import { MemoryTransferRepository } from "../../../src/memory/transfer/transfer.repository.js";
import { unique } from "../../engine/memory/write-list-support.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { ADMIN } from "../../support/factories/key.js";
import { aNote, aNoteWrite, largestContent } from "../../support/factories/memory.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services?.close());

const bytes = (texts: string[]) => texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);

/** Each page's items, following next_page_token to the end. */
async function pages<T>(read: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>): Promise<T[][]> {
  const all: T[][] = [];
  let token = "";
  do {
    const page = await read(token);
    all.push(page.items);
    token = page.nextPageToken;
  } while (token !== "" && all.length < 10);
  return all;
}

/** The first page ends at the item that brings it to PAGE_BYTES: one fewer stays under. */
function expectCutAtPageBytes(contents: string[]): void {
  expect(bytes(contents)).toBeGreaterThanOrEqual(PAGE_BYTES);
  expect(bytes(contents.slice(0, -1))).toBeLessThan(PAGE_BYTES);
}

describe("a page of large memories", () => {
  it("ListMemories ends where the contents reach PAGE_BYTES, now and as of an instant", async () => {
    const subjectId = unique("large");
    // 24 of about 200 KB: 4.8 MB, more than PAGE_BYTES (4 MiB) in all.
    const { results } = await services.memories(ADMIN).batchWriteMemories({
      requests: Array.from({ length: 24 }, (_, i) => aNoteWrite(subjectId, largestContent(`${subjectId} ${i}`))),
    });
    const written = results.map((r) => (r.result.case === "response" ? r.result.value.memory?.id : undefined));
    const asOf = timestampFromDate(new Date());
    for (const when of [{}, { asOf }]) {
      const listed = await pages<Memory>(async (pageToken) => {
        const page = await services
          .memories(ADMIN)
          .listMemories({ filter: { subjectType: "contact", subjectId }, pageSize: 50, pageToken, ...when });
        return { items: page.memories, nextPageToken: page.nextPageToken };
      });
      expect(listed.map((p) => p.length)).toEqual([21, 3]);
      expectCutAtPageBytes(listed[0]!.map((m) => m.content));
      expect(
        listed
          .flat()
          .map((m) => m.id)
          .sort(),
      ).toEqual([...written].sort());
    }
    // Export reads them in pages cut the same way, and streams every one once, oldest first.
    const exportPage = await new MemoryTransferRepository(services.db.em.fork()).page({
      viewer: { workspaceId: services.workspaceId, agentId: null, admin: true },
      query: { ...ACTIVE_MEMORIES, subjectType: "contact", subjectId, limit: 200 },
      now: new Date(),
    });
    expect([exportPage.rows.length, exportPage.cut]).toEqual([21, true]);
    const exported: string[] = [];
    for await (const item of services
      .memories(ADMIN)
      .exportMemories({ filter: { subjectType: "contact", subjectId } })) {
      exported.push(item.memory?.id ?? "");
    }
    expect(exported).toEqual([...written].sort());
  });

  it("small memories still fill a page to page_size", async () => {
    const subjectId = unique("small");
    await services.memories(ADMIN).batchWriteMemories({
      requests: Array.from({ length: 7 }, (_, i) => aNoteWrite(subjectId, `small note ${i}`)),
    });
    const { memories, nextPageToken } = await services
      .memories(ADMIN)
      .listMemories({ filter: { subjectType: "contact", subjectId }, pageSize: 5 });
    expect(memories).toHaveLength(5);
    expect(nextPageToken).not.toBe("");
  });

  it("ListMemoryRevisions ends where the contents reach PAGE_BYTES, each still compared with the one before it", async () => {
    const subjectId = unique("revised");
    let id = "";
    for (let i = 0; i < 24; i++) {
      const { memory } = await services
        .memories(ADMIN)
        .writeMemory({ memory: aNote(subjectId, largestContent(`${subjectId} revision ${i}`), { key: "the-one" }) });
      id = memory?.id ?? "";
    }
    const listed = await pages<MemoryRevision>(async (pageToken) => {
      const page = await services.memories(ADMIN).listMemoryRevisions({ id, pageSize: 50, pageToken });
      return { items: page.revisions, nextPageToken: page.nextPageToken };
    });
    expect(listed.map((p) => p.length)).toEqual([21, 3]);
    expectCutAtPageBytes(listed[0]!.map((r) => r.memory?.content ?? ""));
    const revisions = listed.flat();
    expect(revisions.map((r) => Number(r.revision))).toEqual(Array.from({ length: 24 }, (_, i) => 24 - i));
    // The last of the first page is compared with the first of the second: its content changed.
    for (const revision of revisions.slice(0, -1)) expect(revision.changedFields).toContain("content");
  });
});
