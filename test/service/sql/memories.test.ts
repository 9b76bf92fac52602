/**
 * The statements of the memories table's write and read repositories, as sent to a real
 * database, against their committed .sql files (test/support/sql-snapshots.ts).
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import type { Change } from "../../../src/memory/change.js";
import type { ListQuery } from "../../../src/memory/filters.js";
import { MemoryRepository } from "../../../src/memory/memory.repository.js";
import type { MemoryRecord } from "../../../src/memory/record.js";
import { MemoryStatsRepository } from "../../../src/memory/stats/stats.repository.js";
import { NeighbourRepository } from "../../../src/memory/write/guard/neighbour.repository.js";
import { StoredVectorRepository } from "../../../src/memory/write/stored-vector.repository.js";
import { SupersessionRepository } from "../../../src/memory/write/supersession.repository.js";
import { wordHashVector } from "../../support/embedders.js";
import { aDraft } from "../../support/records.js";
import {
  EVERY_FILTER,
  expectEveryMethodSnapshotted,
  expectSqlSnapshot,
  NO_FILTER,
  openRecordedDatabase,
  SNAPSHOT_NOW as NOW,
  SNAPSHOT_MODEL as MODEL,
  SNAPSHOT_VIEWER as viewer,
  SNAPSHOT_CHANGE as change,
  snapshotId,
  type RecordedDatabase,
} from "../../support/sql-snapshots.js";

const updated: Change = { ...change, kind: "updated" };
const draft = aDraft({
  agentId: "agent-1",
  subjectType: "account",
  subjectId: "acme",
  content: "renewal due in march",
});
const keyed = { ...draft, key: "renewal-date" };
const embedded = { vector: wordHashVector(draft.content), model: MODEL };
const page: ListQuery = { ...NO_FILTER, order: { field: "update_time", descending: true }, limit: 10 };

let recorded: RecordedDatabase;
const em = () => recorded.db.em.fork();
/** Memories the methods below act on, written by insertDrafts. */
let first: MemoryRecord;
let second: MemoryRecord;

beforeAll(async () => {
  recorded = await openRecordedDatabase();
});
afterAll(() => recorded.close());

describe("src/memory/memory.repository.ts", () => {
  const FILE = "src/memory/memory.repository.ts";
  const memories = () => new MemoryRepository(em());

  it("covers every method", () =>
    expectEveryMethodSnapshotted(
      MemoryRepository,
      [
        "upsertByKey",
        "findByNaturalKey",
        "lockIdentities",
        "repeatedMemories",
        "insertDrafts",
        "replace",
        "findVisible",
        "setDeleted",
        "list",
        "findMany",
        "readableIds",
      ],
      ["all", "first", "only"],
    ));

  it("insertDrafts", () =>
    expectSqlSnapshot(recorded, FILE, "insertDrafts", {
      "two memories, one with its vector, one held for it": async () => {
        [first, second] = (await memories().insertDrafts({
          workspaceId: viewer.workspaceId,
          items: [
            { id: snapshotId(1), draft, embedded, change },
            {
              id: snapshotId(2),
              draft: { ...draft, content: "pricing call booked", tags: ["pricing"] },
              embedded: { heldUntil: NOW },
              change,
            },
          ],
          now: NOW,
        })) as [MemoryRecord, MemoryRecord];
      },
    }));

  it("upsertByKey", () =>
    expectSqlSnapshot(recorded, FILE, "upsertByKey", {
      "a new key": () =>
        memories().upsertByKey({
          workspaceId: viewer.workspaceId,
          id: snapshotId(3),
          draft: keyed,
          embedded,
          now: NOW,
          change,
        }),
      "the same draft again: nothing changes, the memory is read back": () =>
        memories().upsertByKey({
          workspaceId: viewer.workspaceId,
          id: snapshotId(4),
          draft: keyed,
          embedded,
          now: NOW,
          change,
        }),
    }));

  it("findByNaturalKey", () =>
    expectSqlSnapshot(recorded, FILE, "findByNaturalKey", {
      "a keyed draft": () => memories().findByNaturalKey(viewer.workspaceId, keyed),
    }));

  it("lockIdentities", () =>
    expectSqlSnapshot(recorded, FILE, "lockIdentities", {
      "two identities": () => memories().lockIdentities(["b", "a"]),
    }));

  it("repeatedMemories", () =>
    expectSqlSnapshot(recorded, FILE, "repeatedMemories", {
      "a draft repeating a memory": () =>
        memories().repeatedMemories({ workspaceId: viewer.workspaceId, drafts: [draft], now: NOW }),
    }));

  it("replace", () =>
    expectSqlSnapshot(recorded, FILE, "replace", {
      "same content": () =>
        memories().replace({
          target: first,
          draft: { ...draft, title: "Renewal" },
          embedded,
          now: NOW,
          change: updated,
        }),
      "new content": () =>
        memories().replace({
          target: first,
          draft: { ...draft, content: "renewal moved to april" },
          embedded: null,
          now: NOW,
          change: updated,
        }),
    }));

  it("findVisible", () =>
    expectSqlSnapshot(recorded, FILE, "findVisible", {
      "a read": () => memories().findVisible(viewer, first.id),
      "for update": () => memories().findVisible(viewer, first.id, { forUpdate: true }),
    }));

  it("setDeleted", () =>
    expectSqlSnapshot(recorded, FILE, "setDeleted", {
      "a deletion": () =>
        memories().setDeleted({
          target: second,
          deleteTime: NOW,
          now: NOW,
          change: { ...change, kind: "deleted", reason: "wrong" },
        }),
    }));

  it("list", () =>
    expectSqlSnapshot(recorded, FILE, "list", {
      "a first page": () => memories().list(viewer, page, NOW),
      "every filter, after a keyset position": () =>
        memories().list(viewer, { ...page, ...EVERY_FILTER, after: { value: NOW.toISOString(), id: first.id } }, NOW),
    }));

  it("findMany", () =>
    expectSqlSnapshot(recorded, FILE, "findMany", {
      "two ids": () => memories().findMany(viewer, [first.id, second.id]),
    }));

  it("readableIds", () =>
    expectSqlSnapshot(recorded, FILE, "readableIds", {
      "two ids": () => memories().readableIds(viewer, [first.id, second.id]),
    }));
});

describe("src/memory/write/supersession.repository.ts", () => {
  const FILE = "src/memory/write/supersession.repository.ts";
  const supersessions = () => new SupersessionRepository(em());

  it("covers every method", () =>
    expectEveryMethodSnapshotted(SupersessionRepository, ["supersede", "unsupersede"], ["all"]));

  it("supersede", () =>
    expectSqlSnapshot(recorded, FILE, "supersede", {
      "by a private memory": async () => {
        const successor = { ...first, id: snapshotId(3) };
        await supersessions().supersede({
          workspaceId: viewer.workspaceId,
          ids: [first.id],
          successor,
          now: NOW,
          change: { ...change, kind: "superseded" },
        });
      },
    }));

  it("unsupersede", () =>
    expectSqlSnapshot(recorded, FILE, "unsupersede", {
      "the undo": () =>
        supersessions().unsupersede({ target: first, now: NOW, change: { ...change, kind: "unsuperseded" } }),
    }));
});

describe("src/memory/write/stored-vector.repository.ts", () => {
  const FILE = "src/memory/write/stored-vector.repository.ts";
  const vectors = () => new StoredVectorRepository(em());
  const contents = ["pricing call booked"];

  it("covers every method", () =>
    expectEveryMethodSnapshotted(StoredVectorRepository, ["vectorsByContent", "attachByContent", "releaseHeld"]));

  it("releaseHeld", () =>
    expectSqlSnapshot(recorded, FILE, "releaseHeld", {
      "a held content": () => vectors().releaseHeld({ workspaceId: viewer.workspaceId, contents }),
    }));

  it("attachByContent", () =>
    expectSqlSnapshot(recorded, FILE, "attachByContent", {
      "a held content's vector": () =>
        vectors().attachByContent({
          workspaceId: viewer.workspaceId,
          contents,
          vectors: contents.map(wordHashVector),
          model: MODEL,
        }),
    }));

  it("vectorsByContent", () =>
    expectSqlSnapshot(recorded, FILE, "vectorsByContent", {
      "a stored content": () => vectors().vectorsByContent({ workspaceId: viewer.workspaceId, contents, model: MODEL }),
    }));
});

describe("src/memory/write/guard/neighbour.repository.ts", () => {
  const FILE = "src/memory/write/guard/neighbour.repository.ts";

  it("covers every method", () => expectEveryMethodSnapshotted(NeighbourRepository, ["nearest"]));

  it("nearest", () =>
    expectSqlSnapshot(recorded, FILE, "nearest", {
      "an agent's probe": () =>
        new NeighbourRepository(em()).nearest({
          workspaceId: viewer.workspaceId,
          admin: false,
          probes: [{ agentId: "agent-1", subjectType: "account", subjectId: "acme", vector: embedded.vector }],
          model: MODEL,
          now: NOW,
        }),
      "an admin's probe of a subject without id": () =>
        new NeighbourRepository(em()).nearest({
          workspaceId: viewer.workspaceId,
          admin: true,
          probes: [{ agentId: null, subjectType: "account", subjectId: null, vector: embedded.vector }],
          model: MODEL,
          now: NOW,
        }),
    }));
});

describe("src/memory/stats/stats.repository.ts", () => {
  const FILE = "src/memory/stats/stats.repository.ts";
  const stats = () => new MemoryStatsRepository(em());

  it("covers every method", () =>
    expectEveryMethodSnapshotted(MemoryStatsRepository, ["counts", "activeBy", "createdByDay", "embeddingModels"]));

  it("counts", () =>
    expectSqlSnapshot(recorded, FILE, "counts", {
      "every workspace": () => stats().counts(NOW),
      "one workspace": () => stats().counts(NOW, viewer.workspaceId),
    }));

  it("activeBy", () =>
    expectSqlSnapshot(recorded, FILE, "activeBy", {
      kind: () => stats().activeBy({ workspaceId: viewer.workspaceId, by: "kind", now: NOW, limit: 10 }),
      agent: () => stats().activeBy({ workspaceId: viewer.workspaceId, by: "agent", now: NOW, limit: 10 }),
    }));

  it("createdByDay", () =>
    expectSqlSnapshot(recorded, FILE, "createdByDay", {
      "a week": () => stats().createdByDay({ workspaceId: viewer.workspaceId, days: 7, now: NOW }),
    }));

  it("embeddingModels", () =>
    expectSqlSnapshot(recorded, FILE, "embeddingModels", { "every model": () => stats().embeddingModels() }));
});
