import { RateLimitEntity } from "./api/rate-limit.entity.js";
import { ApiKeyEntity } from "./auth/api-key.entity.js";
import type { DatabaseSchema } from "./db/orm.js";
import { tagsText } from "./db/routines.js";
import { CITUS_ROW_TRIGGERS } from "./memory/citus-row-triggers.js";
import { ServerSecretEntity } from "./db/server-secret.entity.js";
import { MemoryEntity } from "./memory/memory.entity.js";
import { MemoryRevisionEntity } from "./history/memory-revision.entity.js";
import { FeedHeadEntity, MemoryChangeEntity } from "./feed/memory-change.entity.js";
import { sequenceChanges } from "./feed/sequence-changes.routine.js";
import { StagedWriteEntity } from "./staging/staged-write.entity.js";
import { WriteRequestEntity } from "./memory/write/write-request.entity.js";
import { EntityEntity } from "./graph/entity.entity.js";
import { EntityNameEntity } from "./graph/entity-name.entity.js";
import { EntityMergeEntity } from "./graph/entity-merge.entity.js";
import { EntityTallyEntity } from "./graph/tallies/entity-tally.entity.js";
import { RelationTallyEntity } from "./graph/tallies/relation-tally.entity.js";
import { entityMergedMentions, entityMergeTarget } from "./graph/merge-routines.js";
import { ErasureReceiptEntity } from "./erasure/erasure-receipt.entity.js";
import { WebhookDeliveryEntity, WebhookEntity } from "./webhooks/webhook.entity.js";
import { SearchSettingsRevisionEntity } from "./search-settings/search-settings-revision.entity.js";

/**
 * Every table and SQL function the database holds: the one definition of the schema, handed to
 * the ORM by the composition root. Migrations are generated from it (npm run db:migration).
 */
export const SCHEMA: DatabaseSchema = {
  entities: [
    MemoryEntity,
    ApiKeyEntity,
    WriteRequestEntity,
    ServerSecretEntity,
    RateLimitEntity,
    StagedWriteEntity,
    MemoryRevisionEntity,
    MemoryChangeEntity,
    FeedHeadEntity,
    EntityEntity,
    EntityNameEntity,
    EntityMergeEntity,
    EntityTallyEntity,
    RelationTallyEntity,
    ErasureReceiptEntity,
    WebhookEntity,
    WebhookDeliveryEntity,
    SearchSettingsRevisionEntity,
  ],
  routines: [tagsText, sequenceChanges, entityMergeTarget, entityMergedMentions],
  citusTriggers: CITUS_ROW_TRIGGERS,
};
