import { useEffect, useState } from "preact/hooks";
import type { GetMemoryStatsResponse } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { ErrorBox } from "../error-box.js";
import { Section } from "../field.js";

/** The workspace at a glance (admin keys): states, kinds, agents, the backlog and writes per day. */
export function Overview({ api }: { api: Api }) {
  const [stats, setStats] = useState<GetMemoryStatsResponse | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  useEffect(() => {
    api.memories.getMemoryStats({}).then(setStats, (err: unknown) => {
      const shown = shownError(err);
      // A key without the admin scope (an agent's, say) has nothing to see here: it starts on Browse.
      if (shown.reason === "MISSING_SCOPE") location.replace("#/browse");
      else setError(shown);
    });
  }, [api]);

  if (stats === null) {
    return (
      <Section title="Overview">
        <ErrorBox error={error} />
      </Section>
    );
  }
  return (
    <Section title="Overview">
      <p>
        Workspace <code>{stats.workspaceId}</code>; embedder{" "}
        {stats.embeddingModel || (stats.embedderConfigured ? "not ready yet" : "none (keyword search only)")}
      </p>
      <div class="cards">
        <Card label="Active" value={stats.active} />
        <Card label="Deleted" value={stats.deleted} />
        <Card label="Expired" value={stats.expired} />
        <Card label="Superseded" value={stats.superseded} />
        <Card label="Embedding backlog" value={stats.embeddingBacklog} />
        <Card label="Embedding failed" value={stats.embeddingFailed} />
      </div>
      <h2>Memories created per day (UTC, last 30 days)</h2>
      <DailyChart days={stats.createdByDay.map((d) => ({ day: d.day, count: Number(d.count) }))} />
      <div class="columns">
        <Counts title="Active by kind" rows={stats.kinds} />
        <Counts title="Active by agent" rows={stats.agents} />
      </div>
    </Section>
  );
}

function Card({ label, value }: { label: string; value: bigint }) {
  return (
    <div class="card">
      <span class="card-value">{String(value)}</span>
      <span class="card-label">{label}</span>
    </div>
  );
}

function Counts({ title, rows }: { title: string; rows: { name: string; count: bigint }[] }) {
  return (
    <div>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <table>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name}>
                <th scope="row">{r.name || "(no agent)"}</th>
                <td>{String(r.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Bars in an inline SVG, with a text summary for screen readers. */
function DailyChart({ days }: { days: { day: string; count: number }[] }) {
  const max = Math.max(1, ...days.map((d) => d.count));
  const total = days.reduce((n, d) => n + d.count, 0);
  const width = 300;
  const height = 80;
  const step = width / Math.max(1, days.length);
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${total} memories created`}
    >
      {days.map((d, i) => {
        const h = (d.count / max) * (height - 4);
        return (
          <rect key={d.day} x={i * step + 1} y={height - h} width={step - 2} height={h}>
            <title>{`${d.day}: ${d.count}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}
