import type { MessageInitShape } from "@bufbuild/protobuf";
import type { EraseMemoriesRequestSchema, EraseMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { Scope } from "../../src/auth/principal.js";
import type { Database } from "../../src/db/orm.js";
import type { MemoryClient } from "./factories/memory.js";

/** What a key that erases holds besides reading and writing. */
export const ERASER_SCOPES: Scope[] = ["memory:read", "memory:write", "memory:erase"];

export type EraseRequest = MessageInitShape<typeof EraseMemoriesRequestSchema>;

/** Runs EraseMemories to its end: the receipt, and the progress events before it. */
export async function erase(client: MemoryClient, req: EraseRequest) {
  const events: EraseMemoriesResponse[] = [];
  for await (const event of client.eraseMemories(req)) events.push(event);
  const last = events.at(-1)?.event;
  if (last?.case !== "receipt") throw new Error("the erasure ended without a receipt");
  return { receipt: last.value, progress: events.slice(0, -1) };
}

/** How many rows of a table a query's condition (one `?` parameter) takes. */
export async function countWhere(db: Database, table: string, condition: string, value: string): Promise<number> {
  const rows = await db.em
    .fork()
    .execute<{ n: string | number }[]>(`select count(*) as n from ${table} where ${condition}`, [value]);
  return Number(rows[0]?.n ?? 0);
}

/** Rows whose protobuf bytes name the id (staged writes' bodies, recorded write responses). */
export const naming = (column: string) => `position(convert_to(?, 'UTF8') in ${column}) > 0`;
