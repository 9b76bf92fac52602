/**
 * The statements of the embedding queue, retention, idempotent writes, staged writes, API keys,
 * server secrets and table statistics, as sent to a real database, against their committed .sql
 * files (test/support/sql-snapshots.ts).
 */
import pino from "pino";
import { afterAll, beforeAll, describe, it } from "vitest";
import { ApiKeyRepository } from "../../../src/auth/api-key.repository.js";
import { ServerSecretRepository } from "../../../src/db/server-secret.repository.js";
import { DEFAULT_TABLE_STATISTICS_OPTIONS, TableStatistics } from "../../../src/db/table-statistics.js";
import { EmbeddingQueueRepository } from "../../../src/memory/queue/embedding-queue.repository.js";
import { RetentionRepository } from "../../../src/memory/queue/retention.repository.js";
import { WriteRequestRepository } from "../../../src/memory/write/write-request.repository.js";
import { StagedWriteRepository } from "../../../src/staging/staged-write.repository.js";
import type { StagedWriteDraft } from "../../../src/staging/staged-write.entity.js";
import { wordHashVector } from "../../support/embedders.js";
import { aDraft } from "../../support/records.js";
import {
  expectEveryMethodSnapshotted,
  expectSqlSnapshot,
  openSeededDatabase,
  SNAPSHOT_NOW as NOW,
  SNAPSHOT_MODEL as MODEL,
  SNAPSHOT_VIEWER as viewer,
  snapshotId,
  type RecordedDatabase,
} from "../../support/sql-snapshots.js";

let recorded: RecordedDatabase;
const em = () => recorded.db.em.fork();

beforeAll(async () => {
  recorded = await openSeededDatabase([
    {
      draft: aDraft({ content: "renewal due in march", expireTime: NOW }),
      pending: true,
      change: { kind: "created", keyId: "key-1", agentId: null, reason: null },
    },
  ]);
});
afterAll(() => recorded.close());

describe("src/memory/queue/embedding-queue.repository.ts", () => {
  const FILE = "src/memory/queue/embedding-queue.repository.ts";
  const queue = () => new EmbeddingQueueRepository(em());
  const job = { workspaceId: viewer.workspaceId, id: snapshotId(1), content: "renewal due in march", attempts: 1 };

  it("covers every method", () =>
    expectEveryMethodSnapshotted(
      EmbeddingQueueRepository,
      ["claim", "renew", "attach", "nextRetryTime", "release", "requeue", "countPending", "columnDimensions"],
      ["claimIn"],
    ));

  it("countPending", () => expectSqlSnapshot(recorded, FILE, "countPending", { count: () => queue().countPending() }));

  it("claim", () => expectSqlSnapshot(recorded, FILE, "claim", { "a batch": () => queue().claim(8, 60_000, NOW) }));

  it("renew", () =>
    expectSqlSnapshot(recorded, FILE, "renew", {
      "a claim's lease": () => queue().renew([job], NOW, new Date(NOW.getTime() + 60_000)),
    }));

  it("nextRetryTime", () =>
    expectSqlSnapshot(recorded, FILE, "nextRetryTime", { "the first": () => queue().nextRetryTime() }));

  it("release", () =>
    expectSqlSnapshot(recorded, FILE, "release", {
      "to retry": () => queue().release(job, NOW, false),
      "failed for good": () => queue().release(job, NOW, true),
    }));

  it("requeue", () =>
    expectSqlSnapshot(recorded, FILE, "requeue", {
      "another model's": () => queue().requeue({ model: MODEL, everything: false }),
      everything: () => queue().requeue({ model: MODEL, everything: true }),
    }));

  it("attach", () =>
    expectSqlSnapshot(recorded, FILE, "attach", {
      "a job's vector": () => queue().attach([job], [wordHashVector(job.content)], MODEL),
    }));

  it("columnDimensions", () =>
    expectSqlSnapshot(recorded, FILE, "columnDimensions", { "the column": () => queue().columnDimensions() }));
});

describe("src/memory/queue/retention.repository.ts", () => {
  const FILE = "src/memory/queue/retention.repository.ts";
  const retention = () => new RetentionRepository(em());

  it("covers every method", () => expectEveryMethodSnapshotted(RetentionRepository, ["recordExpiries", "purge"]));

  it("recordExpiries", () =>
    expectSqlSnapshot(recorded, FILE, "recordExpiries", {
      "a batch": () => retention().recordExpiries({ now: NOW, batchSize: 100 }),
    }));

  it("purge", () =>
    expectSqlSnapshot(recorded, FILE, "purge", {
      "a batch": () => retention().purge({ cutoff: NOW, batchSize: 100 }),
    }));
});

describe("src/memory/write/write-request.repository.ts", () => {
  const FILE = "src/memory/write/write-request.repository.ts";
  const requests = () => new WriteRequestRepository(em());
  const key = { workspaceId: viewer.workspaceId, agentScope: "agent-1", requestId: "request-1" };

  it("covers every method", () =>
    expectEveryMethodSnapshotted(WriteRequestRepository, ["claim", "findRequest", "saveResponse", "release", "purge"]));

  it("claim", () =>
    expectSqlSnapshot(recorded, FILE, "claim", {
      "a request": () => requests().claim({ key, requestHash: "hash", now: NOW }),
    }));

  it("findRequest", () =>
    expectSqlSnapshot(recorded, FILE, "findRequest", { "a request": () => requests().findRequest(key) }));

  it("saveResponse", () =>
    expectSqlSnapshot(recorded, FILE, "saveResponse", {
      "a response": () => requests().saveResponse(key, new Uint8Array([1, 2, 3])),
    }));

  it("release", () => expectSqlSnapshot(recorded, FILE, "release", { "a request": () => requests().release(key) }));

  it("purge", () => expectSqlSnapshot(recorded, FILE, "purge", { "before a cutoff": () => requests().purge(NOW) }));
});

describe("src/staging/staged-write.repository.ts", () => {
  const FILE = "src/staging/staged-write.repository.ts";
  const staged = () => new StagedWriteRepository(em());
  const row: StagedWriteDraft = {
    workspaceId: viewer.workspaceId,
    id: snapshotId(9),
    agentId: "agent-1",
    agentIds: ["agent-1"],
    stagedByKeyId: "key-1",
    state: "pending",
    body: Buffer.from([1, 2, 3]),
    createTime: NOW,
    expireTime: NOW,
    resolveTime: null,
  };
  const reader = { viewer, keyId: "key-1" };

  it("covers every method", () =>
    expectEveryMethodSnapshotted(StagedWriteRepository, ["add", "findVisible", "listVisible", "resolve", "purge"]));

  it("add", () => expectSqlSnapshot(recorded, FILE, "add", { "a staged write": () => staged().add(row) }));

  it("findVisible", () =>
    expectSqlSnapshot(recorded, FILE, "findVisible", {
      "an agent's read": () => staged().findVisible(reader, row.id),
      "an admin's, for update": () =>
        // A lock is taken in the transaction that resolves the staged write.
        em().transactional((tem) =>
          new StagedWriteRepository(tem).findVisible({ ...reader, viewer: { ...viewer, admin: true } }, row.id, {
            forUpdate: true,
          }),
        ),
    }));

  it("listVisible", () =>
    expectSqlSnapshot(recorded, FILE, "listVisible", {
      pending: () => staged().listVisible({ reader, state: "pending", after: null, pageSize: 10, now: NOW }),
      "expired, after an id": () =>
        staged().listVisible({ reader, state: "expired", after: row.id, pageSize: 10, now: NOW }),
      applied: () => staged().listVisible({ reader, state: "applied", after: null, pageSize: 10, now: NOW }),
      any: () => staged().listVisible({ reader, state: "any", after: null, pageSize: 10, now: NOW }),
    }));

  it("resolve", () =>
    expectSqlSnapshot(recorded, FILE, "resolve", {
      applied: () => staged().resolve({ ...row, state: "applied", resolveTime: NOW }),
    }));

  it("purge", () => expectSqlSnapshot(recorded, FILE, "purge", { "before a cutoff": () => staged().purge(NOW) }));
});

describe("src/auth/api-key.repository.ts", () => {
  const FILE = "src/auth/api-key.repository.ts";
  const keys = () => new ApiKeyRepository(em());
  const key = {
    workspaceId: viewer.workspaceId,
    id: snapshotId(7),
    displayName: "ci",
    scopes: ["memory:read"],
    agentId: "agent-1",
    createTime: NOW,
    revokeTime: null,
  };

  it("covers every method", () =>
    expectEveryMethodSnapshotted(ApiKeyRepository, [
      "add",
      "findActiveByHash",
      "countAll",
      "list",
      "revokedAmong",
      "revoke",
    ]));

  it("add", () => expectSqlSnapshot(recorded, FILE, "add", { "a key": () => keys().add(key, "hash-of-secret") }));

  it("findActiveByHash", () =>
    expectSqlSnapshot(recorded, FILE, "findActiveByHash", {
      "a hash": () => keys().findActiveByHash("hash-of-secret"),
    }));

  it("countAll", () => expectSqlSnapshot(recorded, FILE, "countAll", { "every key": () => keys().countAll() }));

  it("list", () =>
    expectSqlSnapshot(recorded, FILE, "list", {
      "unrevoked, first page": () => keys().list(viewer.workspaceId, { showRevoked: false, limit: 10 }),
      "revoked too, after an id": () =>
        keys().list(viewer.workspaceId, { showRevoked: true, afterId: snapshotId(1), limit: 10 }),
    }));

  it("revokedAmong", () =>
    expectSqlSnapshot(recorded, FILE, "revokedAmong", {
      "two ids": () => keys().revokedAmong([key.id, snapshotId(8)]),
    }));

  it("revoke", () =>
    expectSqlSnapshot(recorded, FILE, "revoke", {
      "a key": () => keys().revoke({ workspaceId: viewer.workspaceId, id: key.id, now: NOW }),
    }));
});

describe("src/db/server-secret.repository.ts", () => {
  const FILE = "src/db/server-secret.repository.ts";

  it("covers every method", () => expectEveryMethodSnapshotted(ServerSecretRepository, ["getOrCreate"]));

  it("getOrCreate", () =>
    expectSqlSnapshot(recorded, FILE, "getOrCreate", {
      "the page token secret": () => new ServerSecretRepository(em()).getOrCreate("page_tokens"),
    }));
});

describe("src/db/table-statistics.ts", () => {
  it("analyze", () =>
    expectSqlSnapshot(recorded, "src/db/table-statistics.ts", "analyze", {
      "the memories table": () => new TableStatistics(em(), "memories", pino({ level: "silent" })).analyze(),
      "with the tables its writes make": () =>
        new TableStatistics(em(), "memories", pino({ level: "silent" }), {
          ...DEFAULT_TABLE_STATISTICS_OPTIONS,
          alongside: ["entity_names"],
        }).analyze(),
      "vacuuming the graph tallies (PGlite)": () =>
        new TableStatistics(em(), "memories", pino({ level: "silent" }), {
          ...DEFAULT_TABLE_STATISTICS_OPTIONS,
          alongside: ["entity_names"],
          vacuumed: ["entity_tallies", "relation_tallies"],
        }).analyze(),
    }));
});
