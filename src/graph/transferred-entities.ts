import { create, type JsonObject } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/sql";
import { EntitySchema, type Entity, type EntityMerge } from "../../gen/ts/engram/v1/entity_service_pb.js";
import type { EntityRef as EntityRefProto } from "../../gen/ts/engram/v1/memory_pb.js";
import type { ExportMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { invalidArgument } from "../errors/domain-error.js";
import type { MemoryRecord } from "../memory/record.js";
import { truncatedDate } from "../memory/mapper.js";
import { checkedFields } from "./entity-update.js";
import { EntityMergeRepository } from "./entity-merge.repository.js";
import { mergeToProto } from "./entity.mapper.js";
import { EntityRepository, type EntityRef, type NamedEntity } from "./entity.repository.js";
import { keyOf } from "./graph-walk.js";

/**
 * The entities an export carries: those the workspace named (UpdateEntity) that its memories
 * mention, each once, with the first memory that mentions it. Entities nobody named need no
 * carrying: their mentions are in the memories.
 */
export class ExportedEntities {
  private readonly sent = new Set<string>();

  constructor(
    private readonly em: () => EntityManager,
    private readonly workspaceId: string,
  ) {}

  /** For a page of exported memories: the named entities each carries, by memory id. */
  async ofPage(records: readonly MemoryRecord[]): Promise<Map<string, Entity[]>> {
    const mentioned = new Map(records.flatMap((r) => r.mentions.map((m) => [keyOf(m), { type: m.type, id: m.id }])));
    for (const key of this.sent) mentioned.delete(key);
    const named = new Map(
      (await new EntityRepository(this.em()).named(this.workspaceId, [...mentioned.values()])).map((e) => [
        keyOf(e),
        e,
      ]),
    );
    const carried = new Map<string, Entity[]>();
    for (const record of records) {
      for (const m of record.mentions) {
        const entity = named.get(keyOf(m));
        if (entity === undefined || this.sent.has(keyOf(m))) continue;
        this.sent.add(keyOf(m));
        carried.set(record.id, [...(carried.get(record.id) ?? []), entityProto(entity)]);
      }
    }
    return carried;
  }
}

/**
 * The merges an export carries: for each memory, those in force its mentions went through (from
 * each mention's merged_from to the entity it names now), each once per export, so an import
 * records them before storing the memory and its mentions come out the same.
 */
export class ExportedMerges {
  private readonly sent = new Set<string>();

  constructor(
    private readonly em: () => EntityManager,
    private readonly workspaceId: string,
  ) {}

  async ofPage(records: readonly MemoryRecord[]): Promise<Map<string, EntityMerge[]>> {
    const carried = new Map<string, EntityMerge[]>();
    const merges = new EntityMergeRepository(this.em());
    for (const record of records) {
      const moved = record.mentions.flatMap((m) => (m.from === undefined ? [] : [m.from]));
      const leading = (await merges.leadingFrom(this.workspaceId, moved)).filter((m) => !this.sent.has(m.id));
      for (const merge of leading) this.sent.add(merge.id);
      if (leading.length > 0) carried.set(record.id, leading.map(mergeToProto));
    }
    return carried;
  }
}

/** Records the merges an import carries, in the import's transaction, before its memories are stored. */
export async function importMerges(
  em: EntityManager,
  workspaceId: string,
  items: readonly ExportMemoriesResponse[],
): Promise<void> {
  const merges = items.flatMap((item, i) =>
    item.merges.map((merge, j) => {
      const at = `memories[${i}].merges[${j}]`;
      const from = checkedRef(merge.from, `${at}.from`);
      const into = checkedRef(merge.into, `${at}.into`);
      if (from.type === into.type && from.id === into.id) {
        throw invalidArgument(`${at}.into`, "INVALID_MERGE", "an entity cannot be merged into itself");
      }
      const createTime = merge.createTime === undefined ? new Date() : truncatedDate(merge.createTime);
      return { id: merge.id, from, into, createTime, undoTime: null };
    }),
  );
  await new EntityMergeRepository(em).imported(workspaceId, merges);
}

function checkedRef(ref: EntityRefProto | undefined, field: string): EntityRef {
  if (ref === undefined || ref.type === "" || ref.id === "") {
    throw invalidArgument(field, "INVALID_MERGE", "a merge needs both entities: type and id");
  }
  return { type: ref.type, id: ref.id };
}

/** Names the entities an import carries, in the import's transaction. */
export async function importEntities(
  em: EntityManager,
  workspaceId: string,
  items: readonly ExportMemoriesResponse[],
  now: Date,
): Promise<void> {
  const entities = new EntityRepository(em);
  for (const [i, item] of items.entries()) {
    for (const [j, entity] of item.entities.entries()) {
      const fields = namedFields(entity, `memories[${i}].entities[${j}]`);
      await entities.update(workspaceId, { type: fields.type, id: fields.id }, fields, now);
    }
  }
}

function namedFields(entity: Entity, field: string): NamedEntity {
  const { ref } = entity;
  if (ref === undefined || ref.type === "" || ref.id === "") {
    throw invalidArgument(`${field}.ref`, "INVALID_ENTITY", "an entity needs its ref: type and id");
  }
  // An entity the workspace gave aliases or attributes but no name is exported with none.
  const fields = {
    name: entity.name === "" ? null : entity.name,
    aliases: entity.aliases,
    attributes: entity.attributes ?? {},
  };
  return { type: ref.type, id: ref.id, ...checkedFields(fields, field, "INVALID_ENTITY") };
}

function entityProto(entity: NamedEntity): Entity {
  return create(EntitySchema, {
    ref: { type: entity.type, id: entity.id },
    name: entity.name ?? "",
    aliases: entity.aliases,
    attributes: entity.attributes as JsonObject,
  });
}
