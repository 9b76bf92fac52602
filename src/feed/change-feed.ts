import { routedReads } from "../db/replicas/read-route.js";
import type { WatchMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import type { Viewer } from "../auth/principal.js";
import { DomainError } from "../errors/domain-error.js";
import { loggableError } from "../logger.js";
import type { FilterQuery } from "../memory/filters.js";
import type { SuccessorNames } from "../memory/successors.js";
import { ChangeLogRepository } from "./change-log.repository.js";
import { decodeCursor } from "./cursor.js";
import { checkCursor, shuttingDown } from "./feed-errors.js";
import { LogReads, PAGE } from "./log-reads.js";
import type { Sequencer } from "./sequencer.js";
import { changeEvent, heartbeat } from "./feed.mapper.js";
import { Watcher } from "./watcher.js";

/** Positions scanned per query, so that a narrow filter never reads a whole backlog at once. */
const SCAN_WINDOW = 10_000n;

export interface FeedOptions {
  /** The longest a stream stays silent: a heartbeat follows (the API promises at most 15 s). */
  heartbeatMs: number;
  /** Streams one API key may hold open on one server; RESOURCE_EXHAUSTED beyond. */
  maxStreamsPerKey: number;
  /** How often open streams' keys are checked for revocation besides when a revocation is announced. */
  keyCheckMs: number;
}

export const DEFAULT_FEED_OPTIONS: FeedOptions = { heartbeatMs: 10_000, maxStreamsPerKey: 16, keyCheckMs: 5_000 };

export interface ChangeFeedDeps {
  em: EntityManager;
  logger: Logger;
  /** Of these key ids, the ones revoked by now. */
  revokedKeys: (keyIds: string[]) => Promise<Set<string>>;
  /** Numbering the change log: kick() numbers every change committed before the call, settle() what this server owes. */
  sequencer: Pick<Sequencer, "kick" | "settle">;
  /** What change events may name to the watcher (successors.ts). */
  successors: SuccessorNames;
  options?: Partial<FeedOptions>;
  /** The change log's repository (tests observe what streams read). */
  changeLog?: (em: EntityManager) => ChangeLogRepository;
}

export interface WatchRequest {
  filter: FilterQuery;
  afterCursor: string;
}

/**
 * WatchMemories on one server: the open streams, woken when their workspace's change log
 * grows (here or, through NOTIFY, on another server), and ended when their key is revoked or
 * the server stops. The log in the database is the truth; a wake-up only says "read it".
 */
export class ChangeFeed {
  private readonly watchers = new Set<Watcher>();
  private readonly reads: LogReads;
  /** Each workspace's head as the wake-ups told it (ListMemories' watch_cursor). */
  private readonly knownHeads = new Map<string, bigint>();
  private readonly options: FeedOptions;
  private closed = false;
  private keyCheck: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ChangeFeedDeps) {
    this.options = { ...DEFAULT_FEED_OPTIONS, ...deps.options };
    this.reads = new LogReads(deps.logger, deps.successors);
  }

  get openStreams(): number {
    return this.watchers.size;
  }

  /**
   * Where a list read now leaves a watcher to take over: the workspace's latest position, or
   * one a little behind it. Known from the wake-ups once read; behind only means a watcher from
   * there sees again a few changes the list showed (the API says to skip those by revision).
   */
  async head(workspaceId: string): Promise<bigint> {
    // Numbered first, so that a watcher from here is not sent again what the list is about to show.
    await this.deps.sequencer.settle();
    // On a replica the page shows what it has replayed: the head must be its own, else a watcher
    // from the primary's newer head would skip what the page did not show yet.
    const replica = routedReads();
    if (replica !== undefined) return (await this.changeLogOn(replica.fork()).head(workspaceId)).last;
    const known = this.knownHeads.get(workspaceId);
    if (known !== undefined) return known;
    const { last } = await this.changeLog().head(workspaceId);
    this.learnHead(workspaceId, last);
    return last;
  }

  private learnHead(workspaceId: string, head: bigint): void {
    const known = this.knownHeads.get(workspaceId);
    if (known === undefined || head > known) this.knownHeads.set(workspaceId, head);
  }

  /** Wakes the streams of these workspaces with their new heads (every stream, for null: read the heads). */
  wake(heads: ReadonlyMap<string, bigint> | null): void {
    // Without heads, news may have been missed for a while: what was known may be far behind.
    if (heads === null) this.knownHeads.clear();
    else for (const [workspaceId, head] of heads) this.learnHead(workspaceId, head);
    for (const watcher of this.watchers) {
      if (heads === null) watcher.ring();
      else {
        const head = heads.get(watcher.workspaceId);
        if (head !== undefined) watcher.ring(head);
      }
    }
  }

  /** A key was revoked somewhere: streams on revoked keys end now rather than at the next check. */
  keysChanged(): void {
    void this.checkKeys();
  }

  /** Ends every stream with UNAVAILABLE, which clients retry on (from their last cursor), and refuses new ones. */
  close(): void {
    this.closed = true;
    clearInterval(this.keyCheck);
    for (const watcher of this.watchers) watcher.end(shuttingDown());
  }

  async *watch(viewer: Viewer, keyId: string, req: WatchRequest, signal: AbortSignal) {
    const after = req.afterCursor === "" ? null : decodeCursor(req.afterCursor);
    const watcher = this.open(viewer.workspaceId, keyId);
    // A client gone while its stream waits to be read ends the stream's hold on its key at
    // once, whenever the transport gets round to closing the stream itself.
    const forget = () => this.forget(watcher);
    signal.addEventListener("abort", forget, { once: true });
    try {
      yield* this.stream(viewer, req.filter, after, watcher, signal);
    } finally {
      signal.removeEventListener("abort", forget);
      this.forget(watcher);
    }
  }

  private forget(watcher: Watcher): void {
    this.watchers.delete(watcher);
    if (this.watchers.size === 0) clearInterval(this.keyCheck);
  }

  private open(workspaceId: string, keyId: string): Watcher {
    if (this.closed) throw shuttingDown();
    let streams = 0;
    for (const w of this.watchers) if (w.keyId === keyId) streams += 1;
    if (streams >= this.options.maxStreamsPerKey) {
      throw new DomainError(
        "resource_exhausted",
        "TOO_MANY_STREAMS",
        `this API key already has ${streams} WatchMemories streams open on this server, the most it may; close one first`,
      );
    }
    const watcher = new Watcher(workspaceId, keyId);
    this.watchers.add(watcher);
    if (this.watchers.size === 1) {
      this.keyCheck = setInterval(() => void this.checkKeys(), this.options.keyCheckMs);
      this.keyCheck.unref();
    }
    return watcher;
  }

  private async *stream(
    viewer: Viewer,
    filter: FilterQuery,
    after: bigint | null,
    watcher: Watcher,
    signal: AbortSignal,
  ): AsyncGenerator<WatchMemoriesResponse> {
    const changeLog = this.changeLog();
    // Everything committed before the call numbered first: "from now" leaves it out, and a
    // resume delivers it at once (while nobody watched, numbering may have been left owed).
    await this.reads.fromLog(() => this.deps.sequencer.kick());
    const opening = await this.reads.fromLog(() => changeLog.head(viewer.workspaceId));
    if (after !== null) checkCursor(after, opening);
    watcher.know(opening.last);
    let cursor = after ?? opening.last;
    yield heartbeat(cursor, new Date());
    let lastSent = Date.now();
    for (;;) {
      watcher.listen();
      // News names the new head; without it (a lost notification, a quiet spell) read it. A
      // stream the sweeper's purge overtook finds out from its next page (LogReads).
      if (watcher.head === null) {
        const head = await this.reads.fromLog(() => changeLog.head(viewer.workspaceId));
        watcher.know(head.last);
      }
      const target = watcher.head ?? cursor;
      while (cursor < target && watcher.ended === null && !signal.aborted) {
        const upto = target < cursor + SCAN_WINDOW ? target : cursor + SCAN_WINDOW;
        const changes = await this.reads.page(changeLog, viewer, { after: cursor, upto }, filter);
        for (const change of changes) {
          // A revoked key or a shutdown stops a page at once, not after up to PAGE more events.
          watcher.throwIfEnded();
          yield changeEvent(change);
          cursor = change.position;
          lastSent = Date.now();
        }
        if (changes.length < PAGE) cursor = upto;
      }
      watcher.throwIfEnded();
      if (signal.aborted) return;
      await watcher.wait(this.options.heartbeatMs - (Date.now() - lastSent), signal);
      watcher.throwIfEnded();
      if (signal.aborted) return;
      // Due whatever woke the stream: news for others under a narrow filter must not starve it.
      if (Date.now() - lastSent >= this.options.heartbeatMs) {
        watcher.forgetHead();
        yield heartbeat(cursor, new Date());
        lastSent = Date.now();
      }
    }
  }

  private async checkKeys(): Promise<void> {
    if (this.watchers.size === 0) return;
    try {
      const revoked = await this.deps.revokedKeys([...new Set([...this.watchers].map((w) => w.keyId))]);
      for (const watcher of this.watchers) {
        if (revoked.has(watcher.keyId)) {
          watcher.end(new DomainError("unauthenticated", "KEY_REVOKED", "the API key of this stream was revoked"));
        }
      }
    } catch (err) {
      this.deps.logger.warn({ error: loggableError(err) }, "could not check the keys of open WatchMemories streams");
    }
  }

  private changeLog(): ChangeLogRepository {
    return this.changeLogOn(this.deps.em.fork());
  }

  private changeLogOn(em: EntityManager): ChangeLogRepository {
    return this.deps.changeLog?.(em) ?? new ChangeLogRepository(em);
  }
}
