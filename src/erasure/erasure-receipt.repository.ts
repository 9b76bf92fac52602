import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { EntityManager } from "@mikro-orm/sql";
import { ErasureReceiptSchema, type ErasureReceipt } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { query, sql } from "../db/sql.js";

/** Who may read a receipt: an admin every receipt of its workspace, another key those it asked for. */
export interface ReceiptReader {
  workspaceId: string;
  admin: boolean;
  keyId: string;
}

/** Receipts are kept for good: one row each, the message itself in `body` (erasure-receipt.entity.ts). */
export class ErasureReceiptRepository {
  constructor(private readonly em: EntityManager) {}

  /** Stores the receipt, or its later state: an erasure keeps its receipt with every batch. */
  async save(workspaceId: string, receipt: ErasureReceipt): Promise<void> {
    const time = receipt.time === undefined ? new Date() : timestampDate(receipt.time);
    await query(
      this.em,
      sql`insert into erasure_receipts (workspace_id, id, time, key_id, agent_id, body)
        values (${workspaceId}, ${receipt.id}, ${time}, ${receipt.keyId}, ${receipt.agentId || null},
          ${Buffer.from(toBinary(ErasureReceiptSchema, receipt))})
        on conflict (workspace_id, id) do update set body = excluded.body`,
    );
  }

  /** Newest first (ids are UUIDv7), after the id `after`. */
  async list(reader: ReceiptReader, after: string | null, limit: number): Promise<ErasureReceipt[]> {
    const rows = await query<{ body: Uint8Array }>(
      this.em,
      sql`select body from erasure_receipts
        where workspace_id = ${reader.workspaceId} and (${reader.admin} or key_id = ${reader.keyId})
          and (${after}::uuid is null or id < ${after}::uuid)
        order by id desc limit ${limit}`,
    );
    return rows.map((r) => fromBinary(ErasureReceiptSchema, r.body));
  }

  async find(reader: ReceiptReader, id: string): Promise<ErasureReceipt | null> {
    const rows = await query<{ body: Uint8Array }>(
      this.em,
      sql`select body from erasure_receipts
        where workspace_id = ${reader.workspaceId} and id = ${id}::uuid and (${reader.admin} or key_id = ${reader.keyId})`,
    );
    return rows[0] === undefined ? null : fromBinary(ErasureReceiptSchema, rows[0].body);
  }
}
