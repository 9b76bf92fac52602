import { create, type JsonObject } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/sql";
import { EntitySchema, type Entity } from "../../gen/ts/engram/v1/entity_service_pb.js";
import type { ExportMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { invalidArgument } from "../errors/domain-error.js";
import type { MemoryRecord } from "../memory/record.js";
import { checkedFields } from "./entity-update.js";
import { EntityRepository, type NamedEntity } from "./entity.repository.js";
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
  const fields = { name: entity.name, aliases: entity.aliases, attributes: entity.attributes ?? {} };
  return { type: ref.type, id: ref.id, ...checkedFields(fields, field, "INVALID_ENTITY") };
}

function entityProto(entity: NamedEntity): Entity {
  return create(EntitySchema, {
    ref: { type: entity.type, id: entity.id },
    name: entity.name,
    aliases: entity.aliases,
    attributes: entity.attributes as JsonObject,
  });
}
