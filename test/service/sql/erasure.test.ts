/**
 * The statements of an erasure and of its receipts, as sent to a real database, against their
 * committed .sql files (test/support/sql-snapshots.ts).
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, it } from "vitest";
import { ErasureReceiptSchema } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { ErasureReceiptRepository } from "../../../src/erasure/erasure-receipt.repository.js";
import { ErasureRepository } from "../../../src/erasure/erasure.repository.js";
import { ACTIVE_MEMORIES } from "../../../src/memory/filters.js";
import { aDraft } from "../../support/records.js";
import {
  expectEveryMethodSnapshotted,
  expectSqlSnapshot,
  openSeededDatabase,
  SNAPSHOT_NOW as NOW,
  SNAPSHOT_VIEWER as viewer,
  snapshotId,
  type RecordedDatabase,
} from "../../support/sql-snapshots.js";

let recorded: RecordedDatabase;
const em = () => recorded.db.em.fork();

beforeAll(async () => {
  recorded = await openSeededDatabase([{ draft: aDraft({ content: "renewal due in march" }) }]);
});
afterAll(() => recorded.close());

describe("src/erasure/erasure.repository.ts", () => {
  const FILE = "src/erasure/erasure.repository.ts";
  const erasure = () => new ErasureRepository(em());
  const selection = { filter: { ...ACTIVE_MEMORIES, subjectType: "account", subjectId: "acme" } };
  const bounded = { ...selection, ownerAgentId: "agent-1", createdAfter: NOW, createdBefore: NOW };

  it("covers every method", () =>
    expectEveryMethodSnapshotted(
      ErasureRepository,
      ["selected", "countSelected", "readable", "counts", "countSelection", "eraseBatch"],
      ["countsOf"],
    ));

  it("selected", () =>
    expectSqlSnapshot(recorded, FILE, "selected", {
      "the first batch": () => erasure().selected(viewer, selection, { now: NOW, after: null, limit: 200 }),
      "a later page, every bound": () =>
        erasure().selected({ ...viewer, admin: true }, bounded, { now: NOW, after: snapshotId(1), limit: 200 }),
    }));

  it("countSelected", () =>
    expectSqlSnapshot(recorded, FILE, "countSelected", {
      "a filter": () => erasure().countSelected(viewer, selection, NOW),
    }));

  it("readable", () =>
    expectSqlSnapshot(recorded, FILE, "readable", { "listed ids": () => erasure().readable(viewer, [snapshotId(1)]) }));

  it("counts", () =>
    expectSqlSnapshot(recorded, FILE, "counts", {
      "a batch": () => erasure().counts(viewer.workspaceId, [snapshotId(1)]),
    }));

  it("countSelection", () =>
    expectSqlSnapshot(recorded, FILE, "countSelection", {
      "a dry run's filter": () => erasure().countSelection(viewer, selection, NOW),
    }));

  it("eraseBatch", () =>
    expectSqlSnapshot(recorded, FILE, "eraseBatch", {
      "a batch": () => erasure().eraseBatch(viewer.workspaceId, [snapshotId(1)]),
    }));
});

describe("src/erasure/erasure-receipt.repository.ts", () => {
  const FILE = "src/erasure/erasure-receipt.repository.ts";
  const receipts = () => new ErasureReceiptRepository(em());
  const reader = { workspaceId: viewer.workspaceId, admin: false, keyId: "key-1" };
  const receipt = create(ErasureReceiptSchema, { id: snapshotId(9), time: timestampFromDate(NOW), keyId: "key-1" });

  it("covers every method", () => expectEveryMethodSnapshotted(ErasureReceiptRepository, ["save", "list", "find"]));

  it("save", () =>
    expectSqlSnapshot(recorded, FILE, "save", { "a receipt": () => receipts().save(viewer.workspaceId, receipt) }));

  it("list", () =>
    expectSqlSnapshot(recorded, FILE, "list", {
      "the first page": () => receipts().list(reader, null, 51),
      "a later page, as an admin": () => receipts().list({ ...reader, admin: true }, snapshotId(9), 51),
    }));

  it("find", () =>
    expectSqlSnapshot(recorded, FILE, "find", { "by id": () => receipts().find(reader, snapshotId(9)) }));
});
