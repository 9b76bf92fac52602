import type { Entity } from "../../gen/ts/engram/v1/entity_service_pb.js";
import { invalidArgument } from "../errors/domain-error.js";
import type { EntityFields } from "./entity.repository.js";

/** The encoded size attributes may take (the proto says so). */
export const ATTRIBUTES_MAX_BYTES = 16 * 1024;

const UPDATABLE = ["name", "aliases", "attributes"] as const;
type Updatable = (typeof UPDATABLE)[number];

/**
 * The entity's fields once the paths of update_mask take the request's values, the others
 * staying as the workspace set them (`stored`, undefined if it never did). Not as the caller
 * sees them: the name a caller sees may come from memories only it may read, and what is stored
 * here every reader sees.
 */
export function entityFieldsOf(
  stored: EntityFields | undefined,
  entity: Entity | undefined,
  paths: readonly string[],
): EntityFields {
  if (paths.length === 0) throw invalidArgument("update_mask", "INVALID_UPDATE", "name at least one field to update");
  const unknown = paths.find((p) => !(UPDATABLE as readonly string[]).includes(p));
  if (unknown !== undefined) {
    throw invalidArgument("update_mask", "INVALID_UPDATE", `${unknown} is not a field UpdateEntity can change`);
  }
  const asked = new Set(paths as Updatable[]);
  return checkedFields(
    {
      name: asked.has("name") ? (entity?.name ?? "") : (stored?.name ?? null),
      aliases: asked.has("aliases") ? (entity?.aliases ?? []) : (stored?.aliases ?? []),
      attributes: asked.has("attributes") ? (entity?.attributes ?? {}) : (stored?.attributes ?? {}),
    },
    "entity",
    "INVALID_UPDATE",
  );
}

/**
 * An entity's name (null: none chosen), aliases and attributes as stored, or INVALID_ARGUMENT
 * naming `field`'s part that is not: a blank name or alias, attributes over ATTRIBUTES_MAX_BYTES
 * encoded.
 */
export function checkedFields(fields: EntityFields, field: string, reason: string): EntityFields {
  const name = fields.name === null ? null : fields.name.trim();
  if (name === "") throw invalidArgument(`${field}.name`, reason, "name cannot be empty");
  const aliases = [...new Set(fields.aliases.map((a) => a.trim()))];
  if (aliases.includes("")) throw invalidArgument(`${field}.aliases`, reason, "an alias cannot be blank");
  const bytes = Buffer.byteLength(JSON.stringify(fields.attributes));
  if (bytes > ATTRIBUTES_MAX_BYTES) {
    throw invalidArgument(
      `${field}.attributes`,
      "ATTRIBUTES_TOO_LARGE",
      `attributes are ${bytes} bytes encoded; the limit is ${ATTRIBUTES_MAX_BYTES}`,
    );
  }
  return { name, aliases, attributes: fields.attributes };
}
