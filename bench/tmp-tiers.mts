import { performance } from "node:perf_hooks";
import { PGlite } from "@electric-sql/pglite";
import { memory, question, random } from "./load-data.js";
import { keywordTiers } from "../src/memory/keyword-tiers.js";
const N = Number(process.argv[2] ?? 10000);
const db = new PGlite();
await db.exec(`create table m (id serial primary key, workspace_id text, agent_id text, visibility text, delete_time timestamptz, content text, tags text[],
  search tsvector generated always as (to_tsvector('english', content)) stored);
  create index m_search on m using gin(search);`);
const rand = random(7);
for (let s = 0; s < N; s += 1000) {
  const rows = Array.from({ length: 1000 }, (_, j) => memory(rand, s + j, N));
  await db.query(
    `insert into m (workspace_id, agent_id, visibility, content, tags) select 'w', a, v, c, string_to_array(t, ',') from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as x(a, v, c, t)`,
    [
      rows.map((r) => r.agentId),
      rows.map((r) => r.visibility),
      rows.map((r) => r.content),
      rows.map((r) => r.tags.join(",")),
    ],
  );
}
await db.exec("analyze m");
if (process.env.NOSEQ) await db.exec("set enable_seqscan = off");
if (process.env.CLEAN) console.log(await db.query("select gin_clean_pending_list('m_search')"));
const qrand = random(11);
const L = Number(process.argv[3] ?? 10);
let tOr = 0,
  tTier = 0;
for (let i = 0; i < 20; i++) {
  const q = question(qrand);
  const lex = (await db.query<{ l: string[] }>(`select tsvector_to_array(to_tsvector('english', $1)) l`, [q])).rows[0]!
    .l;
  const t = keywordTiers(lex)!;
  let s = performance.now();
  await db.query(
    `select id, ts_rank_cd(search, $1::tsquery) r from m where workspace_id='w' and search @@ $1::tsquery order by r desc, id limit ${L}`,
    [t.any],
  );
  const or = performance.now() - s;
  tOr += or;
  s = performance.now();
  const counts: string[] = [];
  for (const tier of t.tiers) {
    const s1 = performance.now();
    const rows = (
      await db.query(
        `select id, ts_rank_cd(search, $1::tsquery) r from m where workspace_id='w' and search @@ $2::tsquery order by r desc, id limit ${L}`,
        [t.any, tier],
      )
    ).rows;
    const c = rows.length;
    counts.push(`${c}:${(performance.now() - s1).toFixed(1)}`);
    if (rows.length === L) break;
  }
  const tier = performance.now() - s;
  tTier += tier;
  console.log(q, lex.length, `or ${or.toFixed(1)}`, counts.join(" "));
}
console.log("total or", tOr.toFixed(0), "tiers(+counts)", tTier.toFixed(0));
