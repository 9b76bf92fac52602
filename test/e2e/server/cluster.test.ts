/**
 * What a server on a shared Postgres does when its notification connection is cut: whatever
 * was announced meanwhile is lost, so every handler is told to look again, and once the
 * connection is back, announcements arrive again. Runs on the Postgres that global-setup
 * provides, whichever engine the rest of the suite uses.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { postgresCluster, type Cluster } from "../../../src/cluster.js";
import { createTestDatabase } from "../../support/database.js";
import { withClient } from "../../support/pg-client.js";
import { eventually } from "../../engine/search/search-support.js";

describe("a server's notification connection, cut and back", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let cluster: Cluster;
  let other: Cluster;
  const heard = { keysChanged: 0, backlog: 0, changes: [] as unknown[], erased: [] as (string | null)[] };

  beforeAll(async () => {
    database = await createTestDatabase(inject("postgresUrl"));
    cluster = postgresCluster(database.url, pino({ level: "silent" }));
    other = postgresCluster(database.url, pino({ level: "silent" }));
    await cluster.listen({
      keysChanged: () => heard.keysChanged++,
      backlog: () => heard.backlog++,
      changes: (heads) => heard.changes.push(heads),
      erased: (workspaceId) => heard.erased.push(workspaceId),
    });
  });
  afterAll(async () => {
    await cluster?.close();
    await other?.close();
    await database?.drop();
  });

  it("tells every handler to look again, then hears announcements again", async () => {
    Object.assign(heard, { keysChanged: 0, backlog: 0, changes: [], erased: [] });
    const cut = await withClient(database.url, (client) =>
      client.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and query like 'listen %'`,
      ),
    );
    expect(cut.rowCount).toBe(1);
    // Nothing was announced: each handler hears of the cut alone, once when lost and once when back.
    await eventually(async () => (heard.backlog >= 2 ? true : undefined), { attempts: 100, intervalMs: 100 });
    expect(heard.keysChanged).toBeGreaterThanOrEqual(2);
    expect(heard.changes).toContain(null);
    expect(heard.erased).toContain(null);

    const before = heard.backlog;
    other.announceErasure("ws-after-the-cut");
    other.announceBacklog();
    await eventually(async () => (heard.erased.includes("ws-after-the-cut") ? true : undefined), {
      attempts: 100,
      intervalMs: 100,
    });
    await eventually(async () => (heard.backlog > before ? true : undefined), { attempts: 100, intervalMs: 100 });
  });
});
