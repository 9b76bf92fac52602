import { EntityService } from "../../gen/ts/engram/v1/entity_service_pb.js";
import type { MemoryTool } from "./tool.js";

const AGENT =
  "agent_registry_id is the acting agent's own id: pass it so that its private memories count (keys bound to an agent always act as that agent).";
const TIME =
  "time.valid_at reads the facts valid at another instant; time.as_of reads the graph as the memories stood at that time.";
const ENTITY =
  'An entity is {type, id}: people, organizations and places found in content have ids in lower case (type person, id "john smith"); subjects, linked entities and "<facet>:<value>" tags keep their own.';

/** The knowledge graph's tools: EntityService's RPCs, with the words a model needs. */
export const ENTITY_TOOLS: MemoryTool[] = [
  {
    name: "list_entities",
    title: "List entities",
    description: [
      "List the entities your memories mention (people, organizations, places, subjects, linked entities, facet",
      "tags), most recently seen first; order_by mention_count for the most talked about. Narrow by type, by",
      `name_prefix, or by query (words of the name or an alias). ${ENTITY} ${AGENT}`,
    ].join(" "),
    method: EntityService.method.listEntities,
    hidden: [],
    readOnly: true,
  },
  {
    name: "get_entity",
    title: "Everything about an entity",
    description: [
      "Everything known about one entity: its name, aliases, attributes, how many memories mention it, and the",
      `newest of those memories. ${ENTITY} ${TIME} ${AGENT}`,
    ].join(" "),
    method: EntityService.method.getEntity,
    hidden: [],
    readOnly: true,
  },
  {
    name: "entity_graph",
    title: "Who and what an entity is connected to",
    description: [
      "The entities related to one entity within depth steps (1 to 3), strongest first: relations memories state",
      '(e.g. "works_at") and co_mentioned for entities the same memories name. Narrow by predicates and types.',
      `${TIME} ${AGENT}`,
    ].join(" "),
    method: EntityService.method.getEntityGraph,
    hidden: [],
    readOnly: true,
  },
  {
    name: "entity_paths",
    title: "How two entities are connected",
    description: [
      "The shortest chains of relations joining two entities (type/id to to_type/to_id), up to max_depth steps.",
      `${TIME} ${AGENT}`,
    ].join(" "),
    method: EntityService.method.findEntityPaths,
    hidden: [],
    readOnly: true,
  },
  {
    name: "merge_entities",
    title: "Make two entities one",
    description: [
      "Record that two entities are the same one (from becomes into), for the whole workspace: every memory that",
      "mentions from now mentions into, its relations move with it, and later memories follow. Returns the merge,",
      `whose id undo_entity_merge takes. ${ENTITY} ${AGENT}`,
    ].join(" "),
    method: EntityService.method.mergeEntities,
    hidden: [],
    whole: ["from", "into"],
    readOnly: false,
  },
  {
    name: "undo_entity_merge",
    title: "Undo a merge of entities",
    description: `Undo a merge_entities by its merge_id: the memories it moved mention the entity they named before. ${AGENT}`,
    method: EntityService.method.undoEntityMerge,
    hidden: [],
    readOnly: false,
  },
];
