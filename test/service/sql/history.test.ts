/**
 * The statements of history, the change feed's log and transfer, as sent to a real database,
 * against their committed .sql files (test/support/sql-snapshots.ts).
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { ChangeLogRepository } from "../../../src/feed/change-log.repository.js";
import { MemoryRevisionRepository } from "../../../src/history/revision.repository.js";
import type { ListQuery } from "../../../src/memory/filters.js";
import { MemoryTransferRepository } from "../../../src/memory/transfer/transfer.repository.js";
import { wordHashVector } from "../../support/embedders.js";
import { aDraft } from "../../support/records.js";
import {
  EVERY_FILTER,
  expectEveryMethodSnapshotted,
  expectSqlSnapshot,
  NO_FILTER,
  openSeededDatabase,
  SNAPSHOT_NOW as NOW,
  SNAPSHOT_MODEL as MODEL,
  SNAPSHOT_VIEWER as viewer,
  SNAPSHOT_CHANGE as change,
  snapshotId,
  type RecordedDatabase,
} from "../../support/sql-snapshots.js";

const draft = aDraft({
  agentId: "agent-1",
  subjectType: "account",
  subjectId: "acme",
  content: "renewal due in march",
});
const page: ListQuery = { ...NO_FILTER, order: { field: "create_time", descending: false }, limit: 10 };

let recorded: RecordedDatabase;
const em = () => recorded.db.em.fork();

beforeAll(async () => {
  recorded = await openSeededDatabase([{ draft }]);
});
afterAll(() => recorded.close());

describe("src/history/revision.repository.ts", () => {
  const FILE = "src/history/revision.repository.ts";
  const revisions = () => new MemoryRevisionRepository(em());

  it("covers every method", () =>
    expectEveryMethodSnapshotted(MemoryRevisionRepository, ["page", "at", "ofMemories", "store", "list"]));

  it("page", () =>
    expectSqlSnapshot(recorded, FILE, "page", {
      "the newest": () => revisions().page({ viewer, id: snapshotId(1), before: null, limit: 10 }),
      "before a revision": () => revisions().page({ viewer, id: snapshotId(1), before: 2n, limit: 10 }),
    }));

  it("at", () =>
    expectSqlSnapshot(recorded, FILE, "at", {
      "a past time": () => revisions().at({ viewer, id: snapshotId(1), asOf: NOW }),
    }));

  it("ofMemories", () =>
    expectSqlSnapshot(recorded, FILE, "ofMemories", {
      "one memory": () => revisions().ofMemories(viewer, [snapshotId(1)]),
    }));

  it("store", () =>
    expectSqlSnapshot(recorded, FILE, "store", {
      "an imported revision": () =>
        revisions().store(viewer.workspaceId, [
          {
            memoryId: snapshotId(1),
            revision: 1n,
            change: "imported",
            changeTime: NOW,
            keyId: "key-1",
            agentId: "agent-1",
            reason: null,
            snapshot: { id: snapshotId(1), content: draft.content },
          },
        ]),
    }));

  it("list", () =>
    expectSqlSnapshot(recorded, FILE, "list", {
      "a first page": () => revisions().list({ viewer, query: page, asOf: NOW }),
      "every filter, after a keyset position": () =>
        revisions().list({
          viewer,
          query: { ...page, ...EVERY_FILTER, after: { value: NOW.toISOString(), id: snapshotId(1) } },
          asOf: NOW,
        }),
    }));
});

describe("src/feed/change-log.repository.ts", () => {
  const FILE = "src/feed/change-log.repository.ts";
  const log = () => new ChangeLogRepository(em());

  it("covers every method", () =>
    expectEveryMethodSnapshotted(ChangeLogRepository, ["sequence", "hasUnsequenced", "head", "changes", "purge"]));

  it("hasUnsequenced", () =>
    expectSqlSnapshot(recorded, FILE, "hasUnsequenced", { "any change": () => log().hasUnsequenced() }));

  it("sequence", () =>
    expectSqlSnapshot(recorded, FILE, "sequence", {
      announced: () => log().sequence({ limit: 100, announceAs: "server-1" }),
      "not announced": () => log().sequence({ limit: 100, announceAs: null }),
    }));

  it("head", () => expectSqlSnapshot(recorded, FILE, "head", { "a workspace": () => log().head(viewer.workspaceId) }));

  it("changes", () =>
    expectSqlSnapshot(recorded, FILE, "changes", {
      "every state": () =>
        log().changes({
          viewer,
          range: { after: 0n, upto: 10n },
          filter: { ...NO_FILTER, showDeleted: true, showExpired: true, includeSuperseded: true },
          limit: 10,
        }),
      "active memories, every filter": () =>
        log().changes({ viewer, range: { after: 0n, upto: 10n }, filter: EVERY_FILTER, limit: 10 }),
    }));

  it("purge", () =>
    expectSqlSnapshot(recorded, FILE, "purge", { "before a cutoff": () => log().purge({ cutoff: NOW, limit: 100 }) }));
});

describe("src/memory/transfer/transfer.repository.ts", () => {
  const FILE = "src/memory/transfer/transfer.repository.ts";
  const transfer = () => new MemoryTransferRepository(em());

  it("covers every method", () =>
    expectEveryMethodSnapshotted(MemoryTransferRepository, ["page", "store", "naturalKeyHolder"]));

  it("page", () =>
    expectSqlSnapshot(recorded, FILE, "page", {
      "a first page": () => transfer().page({ viewer, query: { ...NO_FILTER, limit: 10 }, now: NOW }),
      "an owner's, after a position": () =>
        transfer().page({
          viewer,
          query: { ...EVERY_FILTER, ownerAgentId: "agent-1", after: { createTime: NOW, id: snapshotId(1) }, limit: 10 },
          now: NOW,
        }),
    }));

  it("store", () =>
    expectSqlSnapshot(recorded, FILE, "store", {
      "with and without a vector": () =>
        transfer().store(viewer.workspaceId, [
          {
            id: snapshotId(1),
            draft,
            revision: 2n,
            createTime: NOW,
            updateTime: NOW,
            deleteTime: null,
            forgetReason: null,
            supersededBy: null,
            change: { ...change, kind: "imported" },
            vector: { values: wordHashVector(draft.content), model: MODEL },
            contentMentions: [],
          },
          {
            id: snapshotId(2),
            draft: { ...draft, content: "pricing call booked" },
            revision: 1n,
            createTime: NOW,
            updateTime: NOW,
            deleteTime: null,
            forgetReason: null,
            supersededBy: null,
            change: { ...change, kind: "imported" },
            vector: null,
            contentMentions: [{ type: "person", id: "ana", role: "content", text: "Ana" }],
          },
        ]),
    }));

  it("naturalKeyHolder", () =>
    expectSqlSnapshot(recorded, FILE, "naturalKeyHolder", {
      "a keyed draft": () =>
        transfer().naturalKeyHolder({
          workspaceId: viewer.workspaceId,
          id: snapshotId(3),
          draft: { ...draft, key: "renewal-date" },
        }),
    }));
});
