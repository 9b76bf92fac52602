/**
 * The expiry sweeper: sweep(em, retention, now) purges what was deleted or expired
 * longer ago than the retention and keeps everything else.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { sweep } from "../../../src/memory/queue/sweeper.js";
import { expectError } from "../../support/codes.js";
import { hoursFromNow, unique, useServer } from "./write-list-support.js";

const ctx = useServer();
const DAY_HOURS = 24;
const daysFromNow = (days: number) => new Date(Date.now() + days * DAY_HOURS * 3600_000);

/** Writes one memory per case about a fresh subject, deleting those marked so; returns name -> id. */
async function scenario(cases: Record<string, { expiresInDays?: number; deleted?: boolean; undeleted?: boolean }>) {
  const subjectId = unique("sweep");
  const ids: Record<string, string> = {};
  for (const [name, c] of Object.entries(cases)) {
    const res = await ctx.admin.writeMemory({
      memory: {
        subjectType: "contact",
        subjectId,
        kind: "note",
        key: name,
        content: name,
        expireTime: c.expiresInDays === undefined ? undefined : hoursFromNow(c.expiresInDays * DAY_HOURS),
      },
    });
    ids[name] = res.memory!.id;
    if (c.deleted || c.undeleted) await ctx.admin.deleteMemory({ id: ids[name] });
    if (c.undeleted) await ctx.admin.undeleteMemory({ id: ids[name] });
  }
  return { subjectId, ids };
}

/** Which of the scenario's memories still exist (GetMemory returns deleted and expired ones too). */
async function surviving(ids: Record<string, string>): Promise<string[]> {
  const alive: string[] = [];
  for (const [name, id] of Object.entries(ids)) {
    const exists = await ctx.admin.getMemory({ id }).then(
      () => true,
      (err: unknown) => {
        expect(Code[ConnectError.from(err).code]).toBe("NotFound");
        return false;
      },
    );
    if (exists) alive.push(name);
  }
  return alive.sort();
}

describe("sweep", () => {
  const cases = {
    active: {},
    undeleted: { undeleted: true },
    deletedNow: { deleted: true },
    deletedWithFarExpiry: { deleted: true, expiresInDays: 365 },
    expiredAnHourAgo: { expiresInDays: -1 / DAY_HOURS },
    expiresIn5Days: { expiresInDays: 5 },
    expiresIn20Days: { expiresInDays: 20 },
    expiresIn100Days: { expiresInDays: 100 },
  };

  it("keeps recently deleted and expired memories", async () => {
    const { ids } = await scenario(cases);
    await sweep(ctx.server.engram.db.em, { memoryDays: 30, changeDays: 7 }, new Date());
    expect(await surviving(ids)).toEqual(Object.keys(cases).sort());
  });

  it("40 days on with 30 days retention: purges what was deleted or expired over 30 days before, keeps the rest", async () => {
    const { ids } = await scenario(cases);
    const { purged } = await sweep(ctx.server.engram.db.em, { memoryDays: 30, changeDays: 7 }, daysFromNow(40));
    // Other suites' leftovers on a shared Postgres may be purged too, so at least ours.
    expect(purged).toBeGreaterThanOrEqual(4);
    expect(await surviving(ids)).toEqual(["active", "expiresIn100Days", "expiresIn20Days", "undeleted"]);
  });

  it("the retention is honoured: 40 days on with 60 days retention purges nothing of ours", async () => {
    const { ids } = await scenario(cases);
    await sweep(ctx.server.engram.db.em, { memoryDays: 60, changeDays: 7 }, daysFromNow(40));
    expect(await surviving(ids)).toEqual(Object.keys(cases).sort());
  });

  it("a purged key is free again: writing it is CREATED with a new id", async () => {
    const { subjectId, ids } = await scenario({ gone: { deleted: true } });
    await sweep(ctx.server.engram.db.em, { memoryDays: 30, changeDays: 7 }, daysFromNow(31));
    await expectError(ctx.admin.getMemory({ id: ids.gone! }), Code.NotFound, "MEMORY_NOT_FOUND");
    const res = await ctx.admin.writeMemory({
      memory: { subjectType: "contact", subjectId, kind: "note", key: "gone", content: "back" },
    });
    expect(WriteOutcome[res.outcome]).toBe("CREATED");
    expect(res.memory?.id).not.toBe(ids.gone);
  });

  it("forgets request ids older than a day, so the id can be used for a new request", async () => {
    const requestId = unique("req");
    const memory = (content: string) => ({ subjectType: "contact", subjectId: unique("sweep"), kind: "note", content });
    await ctx.admin.writeMemory({ memory: memory("first"), requestId });
    await expectError(
      ctx.admin.writeMemory({ memory: memory("second"), requestId }),
      Code.AlreadyExists,
      "REQUEST_ID_REUSED",
    );

    await sweep(ctx.server.engram.db.em, { memoryDays: 30, changeDays: 7 }, daysFromNow(0.5));
    await expectError(
      ctx.admin.writeMemory({ memory: memory("second"), requestId }),
      Code.AlreadyExists,
      "REQUEST_ID_REUSED",
    );

    await sweep(ctx.server.engram.db.em, { memoryDays: 30, changeDays: 7 }, daysFromNow(2));
    const res = await ctx.admin.writeMemory({ memory: memory("second"), requestId });
    expect(WriteOutcome[res.outcome]).toBe("CREATED");
    expect(res.memory?.content).toBe("second");
  });
});
