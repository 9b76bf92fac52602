import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { query, Sql, sql } from "../db/sql.js";
import { RECORD_COLUMNS, toRecord, type MemoryColumns } from "../memory/columns.js";
import { allOf, mentioning } from "../memory/filters.js";
import type { MemoryRecord } from "../memory/record.js";
import { EntityEntity, type EntityRow } from "./entity.entity.js";
import {
  allMentions,
  namedMentions,
  nameSeen,
  seenEntities,
  type EntityListQuery,
  type EntityOrderValue,
} from "./entity-sql.js";
import type { GraphSource } from "./graph-source.js";

export interface EntityRef {
  type: string;
  id: string;
}

/** An entity as a reader sees it: the workspace's record, and what the reader's memories say of it. */
export interface SeenEntity extends EntityRef {
  name: string;
  aliases: string[];
  attributes: Record<string, unknown>;
  mentionCount: number;
  firstSeen: Date;
  lastSeen: Date;
}

const ORDERS: Record<EntityOrderValue, Sql> = {
  last_seen: sql`last_seen desc, type, id`,
  mention_count: sql`mention_count desc, last_seen desc, type, id`,
  // The name the workspace gave, else the id (a name found in content: the name in lower case).
  name: sql`lower(coalesce(chosen, id)), type, id`,
};

/** A row of seenEntities (entity-sql.ts). */
export type SeenColumns = {
  type: string;
  id: string;
  name: string | null;
  aliases: string[] | null;
  attributes: Record<string, unknown> | string | null;
  mention_count: number | string;
  first_seen: Date | string;
  last_seen: Date | string;
};

/**
 * Reads of entities, each through a GraphSource: the counts and times of an entity are those of
 * the memories the source holds, and an entity none of them mentions is not returned at all.
 */
export class EntityRepository extends SqlEntityRepository<EntityRow> {
  constructor(em: EntityManager) {
    super(em, EntityEntity);
  }

  /** A page of the entities the source's memories mention, narrowed and ordered as asked. */
  async list(q: EntityListQuery): Promise<SeenEntity[]> {
    const named = q.namePrefix !== undefined || q.words.length > 0;
    const mentions = named ? namedMentions(q) : allMentions(q);
    const order = ORDERS[q.order];
    const joined = (from: string) =>
      sql`select s.*, e.name as chosen, e.aliases, e.attributes
        from ${Sql.raw(from)} s left join entities e on e.workspace_id = ${q.workspaceId} and e.type = s.type and e.id = s.id`;
    // Only the name order needs the workspace's names of every entity: the others join them to
    // the page alone (a prefix matching 1,111 entities at 100k memories: 1.2 ms of probes).
    const paged =
      q.order === "name"
        ? sql`joined as (${joined("seen")}), page as (select * from joined order by ${order} limit ${q.limit} offset ${q.offset})`
        : sql`found as (select * from seen order by ${order} limit ${q.limit} offset ${q.offset}), page as (${joined("found")})`;
    const rows = await query<SeenColumns>(
      this.em,
      sql`with seen as (${mentions}), ${paged}
        select page.*, coalesce(page.chosen, ${nameSeen(q.source, q.workspaceId, "page")}, page.id) as name
        from page order by ${order}`,
    );
    return rows.map(toSeen);
  }

  /** These entities as the source sees them, leaving out any it does not. */
  async seen(source: GraphSource, workspaceId: string, refs: readonly EntityRef[]): Promise<SeenEntity[]> {
    if (refs.length === 0) return [];
    const rows = await query<SeenColumns>(
      this.em,
      seenEntities(
        source,
        workspaceId,
        sql`unnest(${refs.map((r) => r.type)}::text[], ${refs.map((r) => r.id)}::text[])`,
      ),
    );
    return rows.map(toSeen);
  }

  /** The newest of the source's memories that mention the entity. */
  async newestMentioning(source: GraphSource, ref: EntityRef, limit: number): Promise<MemoryRecord[]> {
    if (limit === 0) return [];
    const rows = await query<MemoryColumns>(
      this.em,
      sql`select ${RECORD_COLUMNS} from ${source.from} where ${allOf([...source.where, mentioning(ref)])}
        order by memories.create_time desc, memories.id desc limit ${limit}`,
    );
    return rows.map(toRecord);
  }

  /** The workspace's names for these entities (UpdateEntity's), for those it named. */
  async named(workspaceId: string, refs: readonly EntityRef[]): Promise<NamedEntity[]> {
    if (refs.length === 0) return [];
    const rows = await query<Pick<SeenColumns, "type" | "id" | "name" | "aliases" | "attributes">>(
      this.em,
      sql`select e.type, e.id, e.name, e.aliases, e.attributes from entities e
        join unnest(${refs.map((r) => r.type)}::text[], ${refs.map((r) => r.id)}::text[]) as c(type, id)
          on e.type = c.type and e.id = c.id
        where e.workspace_id = ${workspaceId}`,
    );
    return rows.map((row) => ({
      type: row.type,
      id: row.id,
      name: row.name,
      aliases: row.aliases ?? [],
      attributes: attributesOf(row.attributes),
    }));
  }

  /** Sets an entity's name, aliases and attributes; the names content is matched against follow. */
  async update(workspaceId: string, ref: EntityRef, fields: EntityFields, now: Date): Promise<void> {
    await query(
      this.em,
      sql`insert into entities (workspace_id, type, id, name, aliases, attributes, match_keys, create_time, update_time)
        values (${workspaceId}, ${ref.type}, ${ref.id}, ${fields.name}, ${fields.aliases}::text[],
          ${JSON.stringify(fields.attributes)}::jsonb, ${matchKeys(ref, fields)}::text[], ${now}, ${now})
        on conflict (workspace_id, type, id) do update set name = excluded.name, aliases = excluded.aliases,
          attributes = excluded.attributes, match_keys = excluded.match_keys, update_time = excluded.update_time`,
    );
  }
}

/** An entity the workspace named, as export carries it. */
export type NamedEntity = EntityRef & EntityFields;

export interface EntityFields {
  /** Null when the workspace chose none: the entity goes by the names its mentions give it. */
  name: string | null;
  aliases: string[];
  attributes: Record<string, unknown>;
}

/** The names a content name is matched against (mention-trigger.ts): lower case, single spaces. */
function matchKeys(ref: EntityRef, fields: EntityFields): string[] {
  const names = [fields.name, ref.id, ...fields.aliases].filter((k) => k !== null);
  const keys = names.map((k) => k.trim().replace(/\s+/g, " ").toLowerCase());
  return [...new Set(keys)];
}

/** The attributes column as a driver gives it: parsed (pg, PGlite), a JSON literal, or null (no row). */
function attributesOf(value: SeenColumns["attributes"]): Record<string, unknown> {
  return (typeof value === "string" ? (JSON.parse(value) as Record<string, unknown>) : value) ?? {};
}

export function toSeen(row: SeenColumns): SeenEntity {
  return {
    type: row.type,
    id: row.id,
    name: row.name ?? row.id,
    aliases: row.aliases ?? [],
    attributes: attributesOf(row.attributes),
    mentionCount: Number(row.mention_count),
    firstSeen: new Date(row.first_seen),
    lastSeen: new Date(row.last_seen),
  };
}
