import { ApiKeyServiceImpl } from "../auth/api-key.service.js";
import type { ApiKeys } from "../auth/api-keys.js";
import { EntityServiceImpl } from "../graph/entity.service.js";
import type { Services } from "../server/routes.js";
import { StagedWriteServiceImpl } from "../staging/staged-write.service.js";
import { systemResolver } from "../webhooks/url-policy.js";
import { WebhookServiceImpl } from "../webhooks/webhook.service.js";
import { composeMemory, type MemoryOptions, type MemoryParts } from "./memory.js";

export interface ServicesOptions extends MemoryOptions {
  /** The key store behind ApiKeyService. */
  apiKeys: ApiKeys;
  /** The longest a staged write may wait (ENGRAM_STAGED_WRITE_TTL_HOURS). */
  stagedWriteTtlMs: number;
  /** --webhook-allow-private. */
  webhookAllowPrivate?: boolean;
}

/** The API's services, wired: StagedWriteService writes through MemoryService's pipeline. */
export function composeServices(
  options: ServicesOptions,
): Omit<Services, "isServing"> & Pick<MemoryParts, "forgetCached"> {
  const { apiKeys, stagedWriteTtlMs, webhookAllowPrivate = false, ...memoryOptions } = options;
  const { writes, memory, search, readableIds, forgetCached } = composeMemory(memoryOptions);
  return {
    forgetCached,
    memory,
    search,
    stagedWrites: new StagedWriteServiceImpl({ em: options.em, writes, readableIds, ttlMs: stagedWriteTtlMs }),
    entities: new EntityServiceImpl({
      em: options.em,
      pageTokens: options.pageTokens,
      now: options.now ?? (() => new Date()),
    }),
    apiKeys: new ApiKeyServiceImpl(apiKeys),
    webhooks: new WebhookServiceImpl({ em: options.em, allowPrivate: webhookAllowPrivate, resolve: systemResolver }),
  };
}
