import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `webhooks` table: where a workspace's changes are delivered.
 * `filter` is the engram.v1.MemoryFilter in its binary form, judged as WatchMemories judges it,
 * through the eyes of the key that created the webhook (`createdByKeyId`): a revoked key's
 * webhooks stop. `position` is the last change delivered (the feed's position); a lease
 * (`leaseOwner`, `leaseUntil`) lets one server at a time deliver a webhook's changes, in order.
 */
export const WebhookEntity = defineEntity({
  name: "Webhook",
  tableName: "webhooks",
  properties: {
    workspaceId: p.text().primary(),
    id: p.uuid().primary(),
    url: p.text(),
    filter: p.blob(),
    secret: p.text(),
    description: p.text().default(""),
    enabled: p.boolean().default(true),
    disabledReason: p.text().default(""),
    consecutiveFailures: p.integer().default(0),
    createdByKeyId: p.text(),
    position: p.bigint().default(0),
    nextAttemptTime: p.datetime(),
    leaseOwner: p.text().nullable(),
    leaseUntil: p.datetime().nullable(),
    createTime: p.datetime(),
    updateTime: p.datetime(),
    lastDeliveryTime: p.datetime().nullable(),
  },
  indexes: [{ name: "webhooks_due", properties: ["enabled", "nextAttemptTime"] }],
});

export type WebhookRow = InferEntity<typeof WebhookEntity>;

/** The delivery log: one row per attempt, kept DELIVERY_LOG_DAYS (delivery.repository.ts). */
export const WebhookDeliveryEntity = defineEntity({
  name: "WebhookDelivery",
  tableName: "webhook_deliveries",
  properties: {
    workspaceId: p.text().primary(),
    id: p.uuid().primary(),
    webhookId: p.uuid(),
    messageId: p.text(),
    eventType: p.text(),
    memoryId: p.text().nullable(),
    position: p.bigint().nullable(),
    attempt: p.integer(),
    statusCode: p.integer(),
    outcome: p.enum(["delivered", "failed", "timed_out", "refused"] as const),
    error: p.text().default(""),
    durationMs: p.integer(),
    attemptTime: p.datetime(),
  },
  indexes: [
    { name: "webhook_deliveries_listing", properties: ["workspaceId", "webhookId", "attemptTime"] },
    { name: "webhook_deliveries_purge", properties: ["attemptTime"] },
  ],
});

export type WebhookDeliveryRow = InferEntity<typeof WebhookDeliveryEntity>;
