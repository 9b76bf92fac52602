import "./graph.css";
import type { Entity, GraphEdge } from "../../gen/ts/engram/v1/entity_service_pb.js";
import { entityHref, refText } from "./entity-route.js";
import { layoutGraph, type Placed } from "./graph-layout.js";

const NODE_RADIUS = 12;
/** Room around the outermost nodes for their labels. */
const MARGIN = 80;
/** The least the picture spans, so a graph of two nodes is not drawn huge. */
const MIN_SPAN = 400;
/** Apart, in SVG units, the relations between the same two entities are drawn. */
const PARALLEL_GAP = 12;
const LABEL_LENGTH = 20;
/** How many colours the stylesheet has for entity types (.type-c0 …). */
const PALETTE = 8;

/**
 * A colour class per type, in the order the types first appear (the start's type first), so the
 * few types of one picture get distinct colours; the legend says which is which.
 */
export function typeClasses(entities: readonly Entity[]): Map<string, string> {
  const classes = new Map<string, string>();
  for (const e of entities) {
    const type = e.ref?.type ?? "";
    if (!classes.has(type)) classes.set(type, `type-c${classes.size % PALETTE}`);
  }
  return classes;
}

export const displayName = (e: Entity) => e.name || e.ref?.id || "(unnamed)";

const short = (text: string) => (text.length <= LABEL_LENGTH ? text : `${text.slice(0, LABEL_LENGTH - 1)}…`);

/**
 * A graph as SVG: nodes as circles coloured by type, each a link to its entity's page (the start
 * excepted: it is this page), stated relations as arrows labelled with their predicate,
 * co-mentions as dashed lines, thicker the more memories give them. Everything is styled by
 * class: the console's CSP allows no inline style.
 */
export function GraphPicture({ entities, edges, label }: { entities: Entity[]; edges: GraphEdge[]; label: string }) {
  const byKey = new Map(entities.map((e) => [refText(e.ref), e] as const));
  const layout = layoutGraph({
    keys: [...byKey.keys()],
    links: edges.map((e) => [refText(e.subject), refText(e.object)] as const),
  });
  const classes = typeClasses(entities);
  const startKey = entities[0] ? refText(entities[0].ref) : "";
  return (
    <svg class="graph" viewBox={viewBox([...layout.nodes.values()])} role="group" aria-label={label}>
      <defs>
        <marker id="graph-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" />
        </marker>
      </defs>
      <g>
        {placedEdges(edges, layout.nodes).map(({ edge, from, to, key }) => (
          <Edge key={key} edge={edge} from={from} to={to} names={byKey} />
        ))}
      </g>
      <g>
        {[...byKey].map(([key, entity]) => {
          const at = layout.nodes.get(key);
          const colour = classes.get(entity.ref?.type ?? "") ?? "";
          return at && <Node key={key} entity={entity} at={at} start={key === startKey} colour={colour} />;
        })}
      </g>
    </svg>
  );
}

/** The nodes' bounds with room for labels: rings are often half empty, and the picture should not be. */
function viewBox(nodes: Placed[]): string {
  const span = (values: number[]) => {
    const [low, high] = [Math.min(0, ...values) - MARGIN, Math.max(0, ...values) + MARGIN];
    const grow = Math.max(0, MIN_SPAN - (high - low)) / 2;
    return [low - grow, high - low + 2 * grow] as const;
  };
  const [x, width] = span(nodes.map((n) => n.x));
  const [y, height] = span(nodes.map((n) => n.y));
  return `${x} ${y} ${width} ${height}`;
}

interface PlacedEdge {
  key: string;
  edge: GraphEdge;
  from: { x: number; y: number };
  to: { x: number; y: number };
}

/**
 * Each relation's two ends, moved off the nodes' centres (so arrowheads show) and, when two
 * entities have several relations, side by side rather than on top of each other.
 */
function placedEdges(edges: GraphEdge[], nodes: Map<string, Placed>): PlacedEdge[] {
  const pairOf = (e: GraphEdge) => [refText(e.subject), refText(e.object)].sort().join("\n");
  const perPair = new Map<string, number>();
  for (const e of edges) perPair.set(pairOf(e), (perPair.get(pairOf(e)) ?? 0) + 1);
  const seen = new Map<string, number>();
  return edges.flatMap((edge) => {
    const a = nodes.get(refText(edge.subject));
    const b = nodes.get(refText(edge.object));
    if (a === undefined || b === undefined) return [];
    const pair = pairOf(edge);
    const index = seen.get(pair) ?? 0;
    seen.set(pair, index + 1);
    const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const [ux, uy] = [(b.x - a.x) / length, (b.y - a.y) / length];
    // The offset's side follows the pair, not the edge's direction, so opposite edges do not meet.
    const sign = refText(edge.subject) < refText(edge.object) ? 1 : -1;
    const offset = (index - ((perPair.get(pair) ?? 1) - 1) / 2) * PARALLEL_GAP * sign;
    const [px, py] = [-uy * offset, ux * offset];
    const trim = NODE_RADIUS + 3;
    return [
      {
        key: `${pair}\n${edge.predicate}\n${index}`,
        edge,
        from: { x: a.x + ux * trim + px, y: a.y + uy * trim + py },
        to: { x: b.x - ux * trim + px, y: b.y - uy * trim + py },
      },
    ];
  });
}

function Edge({ edge, from, to, names }: Omit<PlacedEdge, "key"> & { names: Map<string, Entity> }) {
  const coMentioned = edge.predicate === "co_mentioned";
  const name = (ref: GraphEdge["subject"]) => {
    const entity = names.get(refText(ref));
    return entity ? displayName(entity) : refText(ref);
  };
  // 1, 2, 3 or 4 memories and more: a thicker line, never one that hides its neighbours.
  const weight = Math.min(4, Math.max(1, edge.weight));
  return (
    <g class={`graph-edge ${coMentioned ? "co-mentioned" : "stated"} weight-${weight}`}>
      <title>{`${name(edge.subject)} ${edge.predicate} ${name(edge.object)} (${edge.weight} memories)`}</title>
      <line x1={from.x} y1={from.y} x2={to.x} y2={to.y} />
      {!coMentioned && (
        <text x={(from.x + to.x) / 2} y={(from.y + to.y) / 2 - 4}>
          {edge.predicate}
        </text>
      )}
    </g>
  );
}

function Node({ entity, at, start, colour }: { entity: Entity; at: Placed; start: boolean; colour: string }) {
  const ref = entity.ref ?? { type: "", id: "" };
  const label = `${displayName(entity)} (${refText(ref)})`;
  const body = (
    <>
      <title>{`${label}: ${entity.mentionCount} memories`}</title>
      <circle cx={at.x} cy={at.y} r={start ? NODE_RADIUS + 4 : NODE_RADIUS} class={colour} />
      <text x={at.x} y={at.y + NODE_RADIUS + (start ? 20 : 16)}>
        {short(displayName(entity))}
      </text>
    </>
  );
  // The start is this page: a link to it would go nowhere.
  if (start) {
    return (
      <g class="graph-node graph-start" aria-label={label}>
        {body}
      </g>
    );
  }
  return (
    <a class="graph-node" href={entityHref(ref)} aria-label={label}>
      {body}
    </a>
  );
}
