import { randomBytes, randomUUID } from "node:crypto";
import { SearchService } from "../../gen/ts/engram/v1/search_service_pb.js";
import { rm } from "node:fs/promises";
import { createClient, createRouterTransport, type Client, type Interceptor } from "@connectrpc/connect";
import { pino } from "pino";
import { Registry } from "prom-client";
import { ApiKeyService } from "../../gen/ts/engram/v1/api_key_service_pb.js";
import { EntityService } from "../../gen/ts/engram/v1/entity_service_pb.js";
import { MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { apiInterceptors } from "../../src/api-handlers.js";
import { ApiKeys } from "../../src/auth/api-keys.js";
import { composeFeed, type FeedOptions } from "../../src/compose/feed.js";
import type { MemoryOptions } from "../../src/compose/memory.js";
import { openReadReplicas } from "../../src/compose/replicas.js";
import { composeServices } from "../../src/compose/services.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { routingEntityManager } from "../../src/db/replicas/read-route.js";
import { createMetrics } from "../../src/metrics.js";
import { WebhookService } from "../../gen/ts/engram/v1/webhook_service_pb.js";
import { principalKey, type Principal, type Scope } from "../../src/auth/principal.js";
import { scrubEmbedded } from "../../src/erasure/embedded-scrub.js";
import { EmbeddedScrubber } from "../../src/erasure/embedded-scrubber.js";
import { openDatabase, type Database } from "../../src/db/orm.js";
import type { StorageReserve } from "../../src/db/storage-reserve.js";
import type { Embedder } from "../../src/embedding/embedder.js";
import type { ChangeFeed } from "../../src/feed/change-feed.js";
import type { Sequencer } from "../../src/feed/sequencer.js";
import { Embeddings } from "../../src/embedding/embeddings.js";
import { StagedWriteService } from "../../gen/ts/engram/v1/staged_write_service_pb.js";
import { PageTokens } from "../../src/memory/page-token.js";
import { SCHEMA } from "../../src/schema.js";
import { SETTINGS } from "../../src/server-settings.js";
import { createTestDatabase } from "./database.js";
import { newDataDir } from "./templates.js";

/** The server's default. */
const STAGED_WRITE_TTL_MS = SETTINGS.stagedWriteTtlHours.initial * 3_600_000;

/** Parts of MemoryService's wiring a test replaces (to observe or steer them). */
export type MemoryHarnessOptions = Partial<Omit<MemoryOptions, "em" | "embeddings" | "pageTokens" | "feed">>;

export interface Caller {
  scopes?: Scope[];
  /** Binds the caller to one agent, as an agent-bound key does. */
  agentId?: string;
  workspaceId?: string;
  /** The API key the caller holds (a new id when unset): a real key's id lets its revocation show. */
  keyId?: string;
}

/**
 * The real MemoryService, StagedWriteService, EntityService and ApiKeyService over a database of their own, called through
 * Connect's in-memory router transport with the server's interceptors (errors, validation,
 * scopes): no HTTP, no authentication, so a file starts in a second or two.
 */
export interface ServiceHarness {
  db: Database;
  /** WatchMemories' streams on this "server" (close() ends them as a shutdown does). */
  feed: ChangeFeed;
  /** Numbers the change log; writes kick it as the server's do. */
  sequencer: Sequencer;
  /** The key store behind ApiKeyService, as the request gate would consult it. */
  keys: ApiKeys;
  /** The workspace callers act in unless they name another. */
  workspaceId: string;
  memories(caller?: Caller): Client<typeof MemoryService>;
  search(caller?: Caller): Client<typeof SearchService>;
  stagedWrites(caller?: Caller): Client<typeof StagedWriteService>;
  entities(caller?: Caller): Client<typeof EntityService>;
  apiKeys(caller?: Caller): Client<typeof ApiKeyService>;
  webhooks(caller?: Caller): Client<typeof WebhookService>;
  /** Resolves once the scrub owed after erasures (on PGlite) has run, as the server runs it a while after. */
  scrubbed(): Promise<void>;
  /** Closes the database, then lets `inspect` read its data directory (on PGlite, its files) before it goes. */
  close(inspect?: (dataDir: string) => Promise<void>): Promise<void>;
}

/**
 * On PGlite in a temporary directory, or a fresh database on DATABASE_URL's server when set;
 * `storage` gates writes as the server's free-space reserve does (on either engine).
 */
export async function startServices(
  options: {
    embedder?: Embedder;
    storage?: StorageReserve;
    /** Parts of MemoryService's wiring to replace (tests observe or steer them). */
    memory?: MemoryHarnessOptions;
    /** The feed's timings and limits, and its change-log repository. */
    feed?: Pick<FeedOptions, "options" | "changeLog">;
    /** --webhook-allow-private. */
    webhookAllowPrivate?: boolean;
  } = {},
): Promise<ServiceHarness> {
  const dataDir = await newDataDir("engram-service-");
  const database = process.env.DATABASE_URL ? await createTestDatabase(process.env.DATABASE_URL) : undefined;
  const db = await openDatabase({ schema: SCHEMA, dataDir, databaseUrl: database?.url });
  // CI's pass with a hot standby: the services' reads go to it, as a server's do.
  const consistency = await openReadReplicas(
    { ...DEFAULT_CONFIG, readDatabaseUrls: database?.replicaUrls ?? [] },
    db.em,
    SCHEMA,
    createMetrics(),
    pino({ level: "silent" }),
  );
  // TEST_LOG=error (or another level) shows what the services log, to see why a call failed.
  const logger = pino({ level: process.env.TEST_LOG ?? "silent" });
  const embeddings = new Embeddings(options.embedder ?? null, { budgetMs: 2_000, logger });
  await embeddings.start(384);
  const keys = new ApiKeys(db.em);
  // The sequencer polls rarely: writes kick it, as the server's do.
  const { feed, sequencer } = composeFeed({
    em: db.em,
    logger,
    apiKeys: keys,
    pollMs: 60_000,
    announceAs: null,
    ...options.feed,
  });
  // As the server does on the embedded engine; a test awaits it with scrubbed().
  const scrubber = db.kind === "pglite" ? new EmbeddedScrubber(() => scrubEmbedded(db.em.fork()), logger) : null;
  const { memory, search, stagedWrites, entities, apiKeys, webhooks } = composeServices({
    ...options.memory,
    em: consistency ? routingEntityManager(db.em) : db.em,
    embeddings,
    pageTokens: new PageTokens(randomBytes(32)),
    feed,
    onWritten: (count: number) => {
      options.memory?.onWritten?.(count);
      if (count > 0) sequencer.written();
    },
    onErasureFinished: () => scrubber?.request(),
    apiKeys: keys,
    stagedWriteTtlMs: STAGED_WRITE_TTL_MS,
    webhookAllowPrivate: options.webhookAllowPrivate ?? false,
  });
  const workspaceId = `ws-${randomUUID()}`;
  const interceptors = apiInterceptors(logger, new Registry(), options.storage, consistency);

  function transportFor(caller: Caller) {
    const principal: Principal = {
      keyId: caller.keyId ?? randomUUID(),
      workspaceId: caller.workspaceId ?? workspaceId,
      scopes: new Set(caller.scopes ?? ["memory:read", "memory:write"]),
      boundAgentId: caller.agentId ?? null,
    };
    return createRouterTransport(
      (router) => {
        router.service(MemoryService, memory);
        router.service(SearchService, search);
        router.service(StagedWriteService, stagedWrites);
        router.service(EntityService, entities);
        router.service(ApiKeyService, apiKeys);
        router.service(WebhookService, webhooks);
      },
      { router: { interceptors: [withPrincipal(principal), ...interceptors] } },
    );
  }

  return {
    db,
    feed,
    sequencer,
    keys,
    workspaceId,
    memories: (caller = {}) => createClient(MemoryService, transportFor(caller)),
    search: (caller = {}) => createClient(SearchService, transportFor(caller)),
    stagedWrites: (caller = {}) => createClient(StagedWriteService, transportFor(caller)),
    entities: (caller = {}) => createClient(EntityService, transportFor(caller)),
    apiKeys: (caller = {}) => createClient(ApiKeyService, transportFor(caller)),
    webhooks: (caller = {}) => createClient(WebhookService, transportFor(caller)),
    scrubbed: async () => scrubber?.flush(),
    async close(inspect) {
      // As the server's shutdown does: a scrub an erasure left owed runs before the database closes.
      await scrubber?.flush();
      feed.close();
      await sequencer.stop();
      await consistency?.replicas.stop();
      await db.close();
      await database?.drop();
      await inspect?.(dataDir);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Puts the caller's principal where the request gate would. */
function withPrincipal(principal: Principal): Interceptor {
  return (next) => (req) => {
    req.contextValues.set(principalKey, principal);
    return next(req);
  };
}
