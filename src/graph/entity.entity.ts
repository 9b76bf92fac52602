import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `entities` table: what the workspace calls each entity its memories mention (display
 * name, aliases, attributes). A row is made by the mention trigger (mention-trigger.ts) the first
 * time a memory mentions the entity, and never says whether the entity exists for a reader:
 * that, its counts and its times come from the memories the reader may read (entity.repository.ts).
 */
export const EntityEntity = defineEntity({
  name: "Entity",
  tableName: "entities",
  properties: {
    workspaceId: p.text().primary(),
    type: p.text().primary(),
    id: p.text().primary(),
    name: p.text(),
    aliases: p.array().defaultRaw("'{}'"),
    // The lower-cased name, id and aliases: what a name found in content is matched against.
    matchKeys: p.array().defaultRaw("'{}'"),
    attributes: p.json<Record<string, unknown>>().defaultRaw("'{}'"),
    createTime: p.datetime(),
    updateTime: p.datetime(),
  },
  indexes: [
    {
      name: "entities_name_prefix",
      expression: "create index entities_name_prefix on entities (workspace_id, lower(name) text_pattern_ops)",
    },
    {
      name: "entities_id_prefix",
      expression: "create index entities_id_prefix on entities (workspace_id, id text_pattern_ops)",
    },
    {
      name: "entities_match_keys",
      expression: "create index entities_match_keys on entities using gin (match_keys) with (fastupdate = off)",
    },
  ],
});

export type EntityRow = InferEntity<typeof EntityEntity>;
