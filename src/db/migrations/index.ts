import { Migration20261121000000Initial } from "./20261121000000-initial.js";
import { Migration20261121120000EmbeddingQueue } from "./20261121120000-embedding-queue.js";
import { Migration20261122000000ServerSecrets } from "./20261122000000-server-secrets.js";
import { Migration20261123000000ContentLookup } from "./20261123000000-content-lookup.js";
import { Migration20261123010000RateLimits } from "./20261123010000-rate-limits.js";
import { Migration20261123020000HotUpdates } from "./20261123020000-hot-updates.js";
import { Migration20261123030000GinPendingLists } from "./20261123030000-gin-pending-lists.js";
import { Migration20261123164008EntityChecks } from "./20261123164008-entity-checks.js";
import { Migration20261124000000GinDirectUpdates } from "./20261124000000-gin-direct-updates.js";
import { Migration20261124115546StagedWrites } from "./20261124115546-staged-writes.js";
import { Migration20261124220610StagedWriteAgents } from "./20261124220610-staged-write-agents.js";
import { Migration20261125033732MemoryRevisions } from "./20261125033732-memory-revisions.js";
import { Migration20261125053634ChangeFeed } from "./20261125053634-change-feed.js";
import { Migration20261126163601KnowledgeGraph } from "./20261126163601-knowledge-graph.js";
import { Migration20261126184919EntityMerges } from "./20261126184919-entity-merges.js";
import { Migration20261126220000NameLookupProbes } from "./20261126220000-name-lookup-probes.js";
import { Migration20261127063146EntityNamesMirrorMemories } from "./20261127063146-entity-names-mirror-memories.js";
import { Migration20261127082236Erasure } from "./20261127082236-erasure.js";
import { Migration20261127092028ErasureMemoryIds } from "./20261127092028-erasure-memory-ids.js";
import { Migration20261127113827GraphTallies } from "./20261127113827-graph-tallies.js";
import { Migration20261127144944NamesTriggersSkipNothing } from "./20261127144944-names-triggers-skip-nothing.js";
import { Migration20261127202240Webhooks } from "./20261127202240-webhooks.js";

/** Every migration, oldest first. Applied on start; never edit one that has shipped. */
export const migrations = [
  { name: "20261121000000-initial", class: Migration20261121000000Initial },
  { name: "20261121120000-embedding-queue", class: Migration20261121120000EmbeddingQueue },
  { name: "20261122000000-server-secrets", class: Migration20261122000000ServerSecrets },
  { name: "20261123000000-content-lookup", class: Migration20261123000000ContentLookup },
  { name: "20261123010000-rate-limits", class: Migration20261123010000RateLimits },
  { name: "20261123020000-hot-updates", class: Migration20261123020000HotUpdates },
  { name: "20261123030000-gin-pending-lists", class: Migration20261123030000GinPendingLists },
  { name: "20261123164008-entity-checks", class: Migration20261123164008EntityChecks },
  { name: "20261124000000-gin-direct-updates", class: Migration20261124000000GinDirectUpdates },
  { name: "20261124115546-staged-writes", class: Migration20261124115546StagedWrites },
  { name: "20261124220610-staged-write-agents", class: Migration20261124220610StagedWriteAgents },
  { name: "20261125033732-memory-revisions", class: Migration20261125033732MemoryRevisions },
  { name: "20261125053634-change-feed", class: Migration20261125053634ChangeFeed },
  { name: "20261126163601-knowledge-graph", class: Migration20261126163601KnowledgeGraph },
  { name: "20261126184919-entity-merges", class: Migration20261126184919EntityMerges },
  { name: "20261126220000-name-lookup-probes", class: Migration20261126220000NameLookupProbes },
  { name: "20261127063146-entity-names-mirror-memories", class: Migration20261127063146EntityNamesMirrorMemories },
  { name: "20261127082236-erasure", class: Migration20261127082236Erasure },
  { name: "20261127092028-erasure-memory-ids", class: Migration20261127092028ErasureMemoryIds },
  { name: "20261127113827-graph-tallies", class: Migration20261127113827GraphTallies },
  { name: "20261127144944-names-triggers-skip-nothing", class: Migration20261127144944NamesTriggersSkipNothing },
  { name: "20261127202240-webhooks", class: Migration20261127202240Webhooks },
];
