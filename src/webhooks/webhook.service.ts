import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import { v7 as uuidv7 } from "uuid";
import { MemoryFilterSchema } from "../../gen/ts/engram/v1/memory_pb.js";
import {
  CreateWebhookResponseSchema,
  DeleteWebhookResponseSchema,
  GetWebhookResponseSchema,
  ListWebhookDeliveriesResponseSchema,
  ListWebhooksResponseSchema,
  TestWebhookResponseSchema,
  WebhookDeliverySchema,
  UpdateWebhookResponseSchema,
  WebhookSchema,
  type CreateWebhookRequest,
  type DeleteWebhookRequest,
  type GetWebhookRequest,
  type ListWebhookDeliveriesRequest,
  type ListWebhooksRequest,
  type TestWebhookRequest,
  type UpdateWebhookRequest,
  type WebhookService,
} from "../../gen/ts/engram/v1/webhook_service_pb.js";
import { principalOf } from "../auth/principal.js";
import { DomainError, invalidArgument, requiredField } from "../errors/domain-error.js";
import { ChangeLogRepository } from "../feed/change-log.repository.js";
import { encodeCursor } from "../feed/cursor.js";
import { idAfter, idPage, pageSizeOf } from "../paging.js";
import { pingMessage } from "./delivery-body.js";
import { DeliveryRepository } from "./delivery.repository.js";
import { attempt } from "./attempt.js";
import { newSecret, secretKey } from "./signature.js";
import type { WebhookDeliveryRow } from "./webhook.entity.js";
import { checkWebhookUrl, type Resolver } from "./url-policy.js";
import type { WebhookRow } from "./webhook.entity.js";
import { WebhookRepository, type WebhookOwner } from "./webhook.repository.js";

export interface WebhookServiceOptions {
  em: EntityManager;
  /** --webhook-allow-private: loopback, private and link-local URLs too. */
  allowPrivate: boolean;
  resolve: Resolver;
}

/** How long TestWebhook waits for the receiver. */
const PING_TIMEOUT_MS = 10_000;

/** engram.v1.WebhookService: a key's webhooks (an admin's: the workspace's), their test and their log. */
export class WebhookServiceImpl implements ServiceImpl<typeof WebhookService> {
  constructor(private readonly o: WebhookServiceOptions) {}

  async createWebhook(req: CreateWebhookRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    const webhook = requiredField(req.webhook, "webhook");
    await this.checkUrl(webhook.url);
    const secret = webhook.secret === "" ? newSecret() : webhook.secret;
    if (secretKey(secret) === null) {
      throw invalidArgument(
        "webhook.secret",
        "WEBHOOK_SECRET_INVALID",
        "a secret is whsec_ and 24 to 64 bytes in base64",
      );
    }
    const em = this.o.em.fork();
    // From now on: the changes already in the log are not this webhook's.
    const head = await new ChangeLogRepository(em).head(principal.workspaceId);
    const now = new Date();
    const row = await new WebhookRepository(em).add({
      workspaceId: principal.workspaceId,
      id: uuidv7(),
      url: webhook.url,
      filter: Buffer.from(toBinary(MemoryFilterSchema, webhook.filter ?? create(MemoryFilterSchema))),
      secret,
      description: webhook.description,
      enabled: true,
      disabledReason: "",
      consecutiveFailures: 0,
      createdByKeyId: principal.keyId,
      position: head.last,
      nextAttemptTime: now,
      leaseOwner: null,
      leaseUntil: null,
      createTime: now,
      updateTime: now,
      lastDeliveryTime: null,
    });
    return create(CreateWebhookResponseSchema, { webhook: toProto(row), secret });
  }

  async listWebhooks(req: ListWebhooksRequest, ctx: HandlerContext) {
    const pageSize = pageSizeOf(req.pageSize);
    const rows = await this.repository().listOwned(ownerOf(ctx), idAfter(req.pageToken), pageSize + 1);
    const { page, nextPageToken } = idPage(rows, pageSize);
    return create(ListWebhooksResponseSchema, { webhooks: page.map(toProto), nextPageToken });
  }

  async getWebhook(req: GetWebhookRequest, ctx: HandlerContext) {
    const row = await this.repository().findOwned(ownerOf(ctx), req.id);
    return create(GetWebhookResponseSchema, { webhook: toProto(found(row, req.id)) });
  }

  async updateWebhook(req: UpdateWebhookRequest, ctx: HandlerContext) {
    const webhook = requiredField(req.webhook, "webhook");
    const changes: Partial<WebhookRow> = { updateTime: new Date() };
    for (const path of requiredField(req.updateMask, "update_mask").paths) {
      if (path === "url") {
        await this.checkUrl(webhook.url);
        changes.url = webhook.url;
      } else if (path === "filter") {
        changes.filter = Buffer.from(toBinary(MemoryFilterSchema, webhook.filter ?? create(MemoryFilterSchema)));
      } else if (path === "description") {
        changes.description = webhook.description;
      } else if (path === "enabled") {
        // Enabling starts afresh: the failures that disabled it are forgiven.
        Object.assign(changes, { enabled: webhook.enabled, disabledReason: "", consecutiveFailures: 0 });
      } else {
        throw invalidArgument("update_mask", "UPDATE_MASK_INVALID", `${path} cannot be updated`);
      }
    }
    const row = await this.repository().updateOwned(ownerOf(ctx), req.id, changes);
    return create(UpdateWebhookResponseSchema, { webhook: toProto(found(row, req.id)) });
  }

  async deleteWebhook(req: DeleteWebhookRequest, ctx: HandlerContext) {
    if (!(await this.repository().deleteOwned(ownerOf(ctx), req.id))) found(null, req.id);
    return create(DeleteWebhookResponseSchema);
  }

  async testWebhook(req: TestWebhookRequest, ctx: HandlerContext) {
    const webhook = found(await this.repository().findOwned(ownerOf(ctx), req.id), req.id);
    const verdict = await checkWebhookUrl(webhook.url, this.o.allowPrivate, this.o.resolve);
    const now = new Date();
    const message = pingMessage(webhook.id, now);
    const sent = await attempt(verdict, webhook.secret, message, now, PING_TIMEOUT_MS);
    await new DeliveryRepository(this.o.em.fork()).record(webhook, message, sent, 1, now);
    return create(TestWebhookResponseSchema, {
      delivery: {
        messageId: message.messageId,
        eventType: message.eventType,
        attempt: 1,
        ...attemptFields(sent),
        attemptTime: timestampFromDate(now),
      },
    });
  }

  async listWebhookDeliveries(req: ListWebhookDeliveriesRequest, ctx: HandlerContext) {
    const em = this.o.em.fork();
    const webhook = found(await new WebhookRepository(em).findOwned(ownerOf(ctx), req.id), req.id);
    const pageSize = pageSizeOf(req.pageSize);
    const rows = await new DeliveryRepository(em).listNewestFirst(webhook, idAfter(req.pageToken), pageSize + 1);
    const { page, nextPageToken } = idPage(rows, pageSize);
    return create(ListWebhookDeliveriesResponseSchema, { deliveries: page.map(deliveryToProto), nextPageToken });
  }

  private repository(): WebhookRepository {
    return new WebhookRepository(this.o.em.fork());
  }

  private async checkUrl(url: string): Promise<void> {
    const verdict = await checkWebhookUrl(url, this.o.allowPrivate, this.o.resolve);
    if ("refused" in verdict) throw invalidArgument("webhook.url", "WEBHOOK_URL_REFUSED", verdict.refused);
  }
}

function ownerOf(ctx: HandlerContext): WebhookOwner {
  const principal = principalOf(ctx);
  return { workspaceId: principal.workspaceId, keyId: principal.scopes.has("admin") ? null : principal.keyId };
}

function found(row: WebhookRow | null, id: string): WebhookRow {
  if (row === null) throw new DomainError("not_found", "WEBHOOK_NOT_FOUND", `webhook ${id} not found`);
  return row;
}

function toProto(row: WebhookRow) {
  return create(WebhookSchema, {
    id: row.id,
    url: row.url,
    filter: fromBinary(MemoryFilterSchema, row.filter),
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    consecutiveFailures: row.consecutiveFailures,
    createTime: timestampFromDate(row.createTime),
    updateTime: timestampFromDate(row.updateTime),
    lastDeliveryTime: row.lastDeliveryTime ? timestampFromDate(row.lastDeliveryTime) : undefined,
  });
}

function attemptFields(attempt: { statusCode: number; outcome: string; error: string; durationMs: number }) {
  return {
    statusCode: attempt.statusCode,
    outcome: attempt.outcome,
    error: attempt.error,
    durationMs: attempt.durationMs,
  };
}

function deliveryToProto(row: WebhookDeliveryRow) {
  return create(WebhookDeliverySchema, {
    messageId: row.messageId,
    eventType: row.eventType,
    memoryId: row.memoryId ?? "",
    cursor: row.position === null || row.position === undefined ? "" : encodeCursor(BigInt(row.position)),
    attempt: row.attempt,
    ...attemptFields(row),
    attemptTime: timestampFromDate(row.attemptTime),
  });
}
