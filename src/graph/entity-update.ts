import type { JsonObject } from "@bufbuild/protobuf";
import type { Entity } from "../../gen/ts/engram/v1/entity_service_pb.js";
import { invalidArgument } from "../errors/domain-error.js";
import type { EntityFields, SeenEntity } from "./entity.repository.js";

/** The encoded size attributes may take (the proto says so). */
export const ATTRIBUTES_MAX_BYTES = 16 * 1024;

const UPDATABLE = ["name", "aliases", "attributes"] as const;
type Updatable = (typeof UPDATABLE)[number];

/** The entity's fields once the paths of update_mask take the request's values. */
export function entityFieldsOf(
  current: SeenEntity,
  entity: Entity | undefined,
  paths: readonly string[],
): EntityFields {
  if (paths.length === 0) throw invalidArgument("update_mask", "INVALID_UPDATE", "name at least one field to update");
  const unknown = paths.find((p) => !(UPDATABLE as readonly string[]).includes(p));
  if (unknown !== undefined) {
    throw invalidArgument("update_mask", "INVALID_UPDATE", `${unknown} is not a field UpdateEntity can change`);
  }
  const asked = new Set(paths as Updatable[]);
  const name = asked.has("name") ? (entity?.name ?? "").trim() : current.name;
  if (name === "") throw invalidArgument("entity.name", "INVALID_UPDATE", "name cannot be empty");
  const attributes: JsonObject = asked.has("attributes")
    ? (entity?.attributes ?? {})
    : (current.attributes as JsonObject);
  const bytes = Buffer.byteLength(JSON.stringify(attributes));
  if (bytes > ATTRIBUTES_MAX_BYTES) {
    throw invalidArgument(
      "entity.attributes",
      "ATTRIBUTES_TOO_LARGE",
      `attributes are ${bytes} bytes encoded; the limit is ${ATTRIBUTES_MAX_BYTES}`,
    );
  }
  const aliases = asked.has("aliases") ? [...new Set((entity?.aliases ?? []).map((a) => a.trim()))] : current.aliases;
  if (aliases.includes("")) throw invalidArgument("entity.aliases", "INVALID_UPDATE", "an alias cannot be blank");
  return { name, aliases, attributes };
}
