import "./entities.css";
import { MentionRole, type Mention } from "../../gen/ts/engram/v1/memory_pb.js";
import { entityHref, refText, sameRef } from "./entity-route.js";

const ROLES: Record<MentionRole, string> = {
  [MentionRole.UNSPECIFIED]: "mentioned",
  [MentionRole.SUBJECT]: "subject",
  [MentionRole.LINKED]: "linked",
  [MentionRole.CONTENT]: "named",
  [MentionRole.TAG]: "tag",
  [MentionRole.RELATION]: "relation",
};

/** How a memory mentions an entity, in words: "subject", "named “Sarah”". A newer role reads "mentioned". */
export function roleText(mention: Mention): string {
  const role = ROLES[mention.role] ?? ROLES[MentionRole.UNSPECIFIED];
  return mention.role === MentionRole.CONTENT && mention.text !== "" ? `${role} “${mention.text}”` : role;
}

/** The entity a merge moved the mention from, as type/id; undefined when no merge moved it. */
export function mergedFromText(mention: Mention): string | undefined {
  return mention.mergedFrom === undefined ? undefined : refText(mention.mergedFrom);
}

/** One entity, every way the memory mentions it, and the entities a merge made it (type/id). */
interface Mentioned {
  ref: { type: string; id: string };
  roles: string[];
  was: string[];
}

/**
 * A memory's mentions, each entity once (a memory often mentions its subject again by name),
 * in the order the server gave them, with the roles it plays.
 */
export function mentionedEntities(mentions: readonly Mention[]): Mentioned[] {
  const byKey = new Map<string, Mentioned>();
  for (const mention of mentions) {
    if (mention.entity === undefined) continue;
    const key = refText(mention.entity);
    const found = byKey.get(key) ?? { ref: mention.entity, roles: [], was: [] };
    const role = roleText(mention);
    if (!found.roles.includes(role)) found.roles.push(role);
    const was = mergedFromText(mention);
    if (was !== undefined && !found.was.includes(was)) found.was.push(was);
    byKey.set(key, found);
  }
  return [...byKey.values()];
}

/**
 * The entities a memory mentions, each a link to its page: how the console gets from a memory to
 * the graph. `except` leaves out the entity whose page lists the memory: it is mentioned by
 * definition. `labelled` says "Mentions:" first, where no heading already does. A mention a
 * merge moved says which entity it named before: "(was person/j-smith)". A paragraph of
 * links rather than a list, so it nests in the console's lists of memories without joining them.
 */
export function Mentions({
  mentions,
  except,
  labelled = true,
}: {
  mentions: readonly Mention[];
  except?: { type: string; id: string };
  labelled?: boolean;
}) {
  const shown = mentionedEntities(mentions).filter((m) => except === undefined || !sameRef(m.ref, except));
  if (shown.length === 0) return null;
  return (
    <p class="mentions">
      {labelled && <span class="mention-role">Mentions:</span>}
      {shown.map((m) => (
        <span key={refText(m.ref)}>
          <a href={entityHref(m.ref)} title={m.was.length > 0 ? `merged from ${m.was.join(", ")}` : undefined}>
            {refText(m.ref)}
          </a>{" "}
          <span class="mention-role">
            {m.roles.join(", ")}
            {m.was.length > 0 && ` (was ${m.was.join(", ")})`}
          </span>
        </span>
      ))}
    </p>
  );
}
