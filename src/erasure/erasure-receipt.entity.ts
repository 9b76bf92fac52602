import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `erasure_receipts` table: one row per erasure carried out, kept for good. `body` is the
 * ErasureReceipt message (binary): counts, who asked, what they asked for and a digest of the
 * erased ids, never content. The other columns are what listing a workspace's receipts reads.
 */
export const ErasureReceiptEntity = defineEntity({
  name: "ErasureReceipt",
  tableName: "erasure_receipts",
  properties: {
    workspaceId: p.text().primary(),
    id: p.uuid().primary(),
    time: p.datetime(),
    keyId: p.text(),
    agentId: p.text().nullable(),
    body: p.blob(),
  },
  indexes: [{ name: "erasure_receipts_time", properties: ["workspaceId", "time", "id"] }],
});

export type ErasureReceiptRow = InferEntity<typeof ErasureReceiptEntity>;
