import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import {
  EntityPathSchema,
  FindEntityPathsResponseSchema,
  GetEntityGraphResponseSchema,
  GetEntityResponseSchema,
  ListEntitiesResponseSchema,
  MergeEntitiesResponseSchema,
  UndoEntityMergeResponseSchema,
  UpdateEntityResponseSchema,
  type EntityService,
  type FindEntityPathsRequest,
  type GetEntityGraphRequest,
  type GetEntityRequest,
  type ListEntitiesRequest,
  type MergeEntitiesRequest,
  type UndoEntityMergeRequest,
  type UpdateEntityRequest,
} from "../../gen/ts/engram/v1/entity_service_pb.js";
import { actingViewer, type Viewer } from "../auth/principal.js";
import { toProto } from "../memory/mapper.js";
import { tokenScope, type PageTokens } from "../memory/page-token.js";
import { requiredField } from "../errors/domain-error.js";
import { EdgeRepository } from "./edge.repository.js";
import { EntityMergeRepository } from "./entity-merge.repository.js";
import { mergeEntities, undoEntityMerge } from "./entity-merges.js";
import { shortestPaths } from "./entity-paths.js";
import { entityFieldsOf } from "./entity-update.js";
import {
  edgeToProto,
  entityNotFound,
  entityToProto,
  ENTITY_ORDERS,
  graphTimeOf,
  mergeToProto,
} from "./entity.mapper.js";
import { EntityRepository, type EntityRef, type SeenEntity } from "./entity.repository.js";
import { graphSource, type GraphSource } from "./graph-source.js";
import { keyOf, neighbourhood, type Expand } from "./graph-walk.js";
import { talliedEdges } from "./tallies/tallied-edges.js";

export interface EntityServiceDeps {
  em: EntityManager;
  /** Signs and checks ListEntities page tokens with the cluster's secret. */
  pageTokens: PageTokens;
  now: () => Date;
}

const DEFAULT_PAGE_SIZE = 50;
const DEFAULT_MEMORY_LIMIT = 20;
const DEFAULT_GRAPH_LIMIT = 50;
const DEFAULT_MAX_DEPTH = 3;
const DEFAULT_MAX_PATHS = 5;

/**
 * engram.v1.EntityService: the knowledge graph, read through the memories the caller may read
 * (graph-source.ts). An entity the caller's memories do not mention is NOT_FOUND, exactly as one
 * that was never mentioned, on every method.
 */
export class EntityServiceImpl implements ServiceImpl<typeof EntityService> {
  constructor(private readonly deps: EntityServiceDeps) {}

  async listEntities(req: ListEntitiesRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const { source, entities } = this.reader(viewer, req.time);
    const pageSize = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : req.pageSize;
    const prefix = req.namePrefix.trim().replace(/\s+/g, " ").toLowerCase();
    const q = {
      type: req.type === "" ? undefined : req.type,
      namePrefix: prefix === "" ? undefined : prefix,
      words: req.query.toLowerCase().split(/\s+/).filter(Boolean),
      order: ENTITY_ORDERS[req.orderBy],
    };
    const tokenQuery = [tokenScope(viewer), q, req.time?.validAt ?? null, req.time?.asOf ?? null];
    const offset =
      req.pageToken === "" ? 0 : Number(this.deps.pageTokens.decode(req.pageToken, tokenQuery, "offset").value);
    const rows = await entities.list({ ...q, source, workspaceId: viewer.workspaceId, offset, limit: pageSize + 1 });
    const page = rows.slice(0, pageSize);
    return create(ListEntitiesResponseSchema, {
      entities: page.map(entityToProto),
      nextPageToken:
        rows.length > pageSize ? this.deps.pageTokens.encode(tokenQuery, { value: offset + pageSize, id: "" }) : "",
    });
  }

  async getEntity(req: GetEntityRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const { source, entities, time } = this.reader(viewer, req.time);
    const ref = { type: req.type, id: req.id };
    const entity = await seenOrNotFound(entities, source, viewer, ref);
    const memories = await entities.newestMentioning(source, ref, req.memoryLimit || DEFAULT_MEMORY_LIMIT);
    const merges = await new EntityMergeRepository(this.deps.em.fork()).inForceInto(
      source,
      viewer.workspaceId,
      ref,
      time.asOf,
    );
    return create(GetEntityResponseSchema, {
      entity: entityToProto(entity),
      memories: memories.map((m) => toProto(m, time.asOf ?? this.deps.now())),
      merges: merges.map(mergeToProto),
    });
  }

  async mergeEntities(req: MergeEntitiesRequest, ctx: HandlerContext) {
    const from = requiredField(req.from, "from");
    const into = requiredField(req.into, "into");
    const merge = await mergeEntities(this.deps, actingViewer(ctx, req.agentId), from, into);
    return create(MergeEntitiesResponseSchema, { merge: mergeToProto(merge) });
  }

  async undoEntityMerge(req: UndoEntityMergeRequest, ctx: HandlerContext) {
    const merge = await undoEntityMerge(this.deps, actingViewer(ctx, req.agentId), req.mergeId);
    return create(UndoEntityMergeResponseSchema, { merge: mergeToProto(merge) });
  }

  async updateEntity(req: UpdateEntityRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const { source, entities } = this.reader(viewer, undefined);
    const ref = { type: req.type, id: req.id };
    const current = await seenOrNotFound(entities, source, viewer, ref);
    const [stored] = await entities.named(viewer.workspaceId, [ref]);
    const fields = entityFieldsOf(stored, req.entity, req.updateMask?.paths ?? []);
    await entities.update(viewer.workspaceId, ref, fields, this.deps.now());
    const entity = { ...current, ...fields, name: fields.name ?? current.name };
    return create(UpdateEntityResponseSchema, { entity: entityToProto(entity) });
  }

  async getEntityGraph(req: GetEntityGraphRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const { source, entities, expand, edges } = this.reader(viewer, req.time, req.predicates);
    const start = { type: req.type, id: req.id };
    const limit = req.limit || DEFAULT_GRAPH_LIMIT;
    // Read now, the tallies answer (decision 0029); at another time, the memories.
    const tallied =
      source.live && source.tallied
        ? talliedEdges(edges, source, { predicates: req.predicates, types: req.types, limit })
        : { expand };
    // Whether the start exists for the caller is asked last, of the entities the walk read (one
    // statement fewer, 5 ms of a read on PGlite): the walk reads only the caller's memories and
    // tallies, and whatever it found, a start they do not mention is NOT_FOUND, as it was first.
    const found = await neighbourhood(start, { depth: req.depth || 1, limit, types: req.types, ...tallied });
    // The tallies' last read of the relations among the entities read them too.
    const read =
      ("seen" in tallied ? tallied.seen() : undefined) ??
      (await entities.seen(source, viewer.workspaceId, found.entities));
    const seen = new Map(read.map((e) => [keyOf(e), e] as const));
    if (!seen.has(keyOf(start))) throw entityNotFound(start);
    return create(GetEntityGraphResponseSchema, {
      entities: found.entities.flatMap((ref) => {
        const entity = seen.get(keyOf(ref));
        return entity === undefined ? [] : [entityToProto(entity)];
      }),
      edges: found.edges.map(edgeToProto),
      truncated: found.truncated,
    });
  }

  async findEntityPaths(req: FindEntityPathsRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    const { source, entities, expand } = this.reader(viewer, req.time, req.predicates);
    const from = { type: req.type, id: req.id };
    const to = { type: req.toType, id: req.toId };
    await seenOrNotFound(entities, source, viewer, from);
    await seenOrNotFound(entities, source, viewer, to);
    const paths = await shortestPaths(from, to, {
      maxDepth: req.maxDepth || DEFAULT_MAX_DEPTH,
      maxPaths: req.maxPaths || DEFAULT_MAX_PATHS,
      expand,
    });
    return create(FindEntityPathsResponseSchema, {
      paths: paths.map((p) => create(EntityPathSchema, { entities: p.entities, edges: p.edges.map(edgeToProto) })),
    });
  }

  /** One request's view of the graph: its memories, and the repositories that read them. */
  private reader(viewer: Viewer, requested: Parameters<typeof graphTimeOf>[0], predicates: readonly string[] = []) {
    const now = this.deps.now();
    const time = graphTimeOf(requested, now);
    const source = graphSource(viewer, time, now);
    const em = this.deps.em.fork();
    const edges = new EdgeRepository(em);
    const expand: Expand = (refs) => edges.touching(source, refs, predicates);
    return { time, source, entities: new EntityRepository(em), expand, edges };
  }
}

async function seenOrNotFound(
  entities: EntityRepository,
  source: GraphSource,
  viewer: Viewer,
  ref: EntityRef,
): Promise<SeenEntity> {
  const [entity] = await entities.seen(source, viewer.workspaceId, [ref]);
  if (entity === undefined) throw entityNotFound(ref);
  return entity;
}
