import { create } from "@bufbuild/protobuf";
import {
  MentionRole,
  MentionSchema,
  RelationSchema,
  type Mention,
  type Relation,
} from "../../gen/ts/engram/v1/memory_pb.js";
import type { MentionRoleValue, MentionRow, RelationRow } from "../memory/memory.entity.js";

/** A request's relations, each stated once (the first of any repeats). */
export function relationsFromProto(relations: readonly Relation[]): RelationRow[] {
  return uniqueRelations(
    relations.map((r) => ({
      subject: { type: r.subject?.type ?? "", id: r.subject?.id ?? "" },
      predicate: r.predicate,
      object: { type: r.object?.type ?? "", id: r.object?.id ?? "" },
    })),
  );
}

export function uniqueRelations(relations: readonly RelationRow[]): RelationRow[] {
  const seen = new Set<string>();
  return relations.filter((r) => {
    const key = JSON.stringify([r.subject.type, r.subject.id, r.predicate, r.object.type, r.object.id]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function relationsToProto(relations: readonly RelationRow[]): Relation[] {
  return relations.map((r) => create(RelationSchema, r));
}

const ROLES: Record<MentionRoleValue, MentionRole> = {
  subject: MentionRole.SUBJECT,
  linked: MentionRole.LINKED,
  content: MentionRole.CONTENT,
  tag: MentionRole.TAG,
  relation: MentionRole.RELATION,
};

export function mentionsToProto(mentions: readonly MentionRow[]): Mention[] {
  return mentions.map((m) =>
    create(MentionSchema, {
      entity: { type: m.type, id: m.id },
      role: ROLES[m.role],
      text: m.text ?? "",
      mergedFrom: m.from === undefined ? undefined : { type: m.from.type, id: m.from.id },
    }),
  );
}

const ROLE_VALUES = new Map(Object.entries(ROLES).map(([value, role]) => [role, value as MentionRoleValue]));

/** An imported memory's mentions, as its export recorded them (unknown roles dropped; a merged one with its own entity). */
export function mentionsFromProto(mentions: readonly Mention[]): MentionRow[] {
  return mentions.flatMap((m) => {
    const role = ROLE_VALUES.get(m.role);
    if (role === undefined || m.entity === undefined) return [];
    const from = m.mergedFrom === undefined ? {} : { from: { type: m.mergedFrom.type, id: m.mergedFrom.id } };
    const row: MentionRow = { type: m.entity.type, id: m.entity.id, role, ...from };
    return role === "content" ? [{ ...row, text: m.text }] : [row];
  });
}
