/**
 * The embedded database runs on a thread of its own (src/db/pglite.ts), and a transaction there
 * begins with its first statement, in the same request. Its semantics must be Postgres' all the
 * same: its statements see each other, a throw rolls all of them back, a failed statement aborts
 * the rest of it, and a transaction that runs nothing leaves the database free.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgliteThread } from "../../../src/db/pglite.js";

let dir: string;
let db: PgliteThread;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "engram-pglite-tx-"));
  db = await PgliteThread.open(dir);
  await db.exec("create table notes (id int primary key, body text not null)");
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const ids = async () => (await db.query<{ id: number }>("select id from notes order by id")).rows.map((r) => r.id);

describe("a transaction on the embedded database's thread", () => {
  it("sees its own statements and commits them together", async () => {
    const seen = await db.transaction(async (tx) => {
      await tx.query("insert into notes values (1, 'one')");
      await tx.exec("insert into notes values (2, 'two')");
      return (await tx.query<{ n: number }>("select count(*)::int as n from notes")).rows[0]?.n;
    });
    expect(seen).toBe(2);
    expect(await ids()).toEqual([1, 2]);
  });

  it("rolls back every statement when its work throws", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("insert into notes values (3, 'three')");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await ids()).toEqual([1, 2]);
  });

  it("is aborted by a failed first statement, as Postgres aborts it, and rolled back", async () => {
    let after: unknown;
    await expect(
      db.transaction(async (tx) => {
        await tx.query("insert into notes values (1, 'again')").catch(() => undefined);
        after = await tx.query("insert into notes values (4, 'four')").catch((err: Error) => err.message);
        throw new Error("give up");
      }),
    ).rejects.toThrow("give up");
    expect(after).toMatch(/current transaction is aborted/);
    expect(await ids()).toEqual([1, 2]);
  });

  it("that runs no statement holds nothing: the next statements run", async () => {
    expect(await db.transaction(() => Promise.resolve("nothing"))).toBe("nothing");
    await expect(db.transaction(() => Promise.reject(new Error("before any statement")))).rejects.toThrow(
      "before any statement",
    );
    await db.query("insert into notes values (5, 'five')");
    expect(await ids()).toEqual([1, 2, 5]);
  });

  it("keeps concurrent transactions apart: each commits or rolls back alone", async () => {
    const results = await Promise.allSettled([
      db.transaction(async (tx) => {
        await tx.query("insert into notes values (6, 'six')");
        await tx.query("insert into notes values (7, 'seven')");
      }),
      db.transaction(async (tx) => {
        await tx.query("insert into notes values (8, 'eight')");
        throw new Error("only mine");
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    expect(await ids()).toEqual([1, 2, 5, 6, 7]);
  });
});
