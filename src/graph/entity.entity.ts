import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `entities` table: what the workspace chose to call an entity (UpdateEntity's name,
 * aliases and attributes); an entity nobody has named has no row, and goes by the names its
 * mentions give it (entity_names). A row never says whether the entity exists for a reader:
 * that, its counts and its times come from the memories the reader may read (entity.repository.ts).
 */
export const EntityEntity = defineEntity({
  name: "Entity",
  tableName: "entities",
  properties: {
    workspaceId: p.text().primary(),
    type: p.text().primary(),
    id: p.text().primary(),
    // Null when UpdateEntity set aliases or attributes but no name: the mentions' names show.
    name: p.text().nullable(),
    aliases: p.array().defaultRaw("'{}'"),
    // The lower-cased name, id and aliases: what a name found in content is matched against.
    matchKeys: p.array().defaultRaw("'{}'"),
    attributes: p.json<Record<string, unknown>>().defaultRaw("'{}'"),
    createTime: p.datetime(),
    updateTime: p.datetime(),
  },
  indexes: [
    {
      name: "entities_match_keys",
      expression: "create index entities_match_keys on entities using gin (match_keys) with (fastupdate = off)",
    },
  ],
});

export type EntityRow = InferEntity<typeof EntityEntity>;
