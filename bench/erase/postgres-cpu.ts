/**
 * CPU time of the one Postgres this benchmark runs on. load-server.ts's postgresCpuMs counts
 * every postgres process on the machine, which on a machine shared with a test run counts that
 * run's servers too; here only the postmaster that serves DATABASE_URL and its backends count.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { cpuMs, postgresCpuMs } from "../load-server.js";

export interface DatabaseCpu {
  /** CPU ms so far of the database's processes (0 on PGlite, which runs inside the server). */
  read(): number;
  /** What read() counts, for the report. */
  scope: string;
}

export async function databaseCpu(databaseUrl: string | undefined): Promise<DatabaseCpu> {
  if (databaseUrl === undefined) return { read: () => 0, scope: "none (PGlite runs in the server process)" };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ data_directory: string }>("show data_directory");
  await client.end();
  try {
    // The postmaster's pid is the first line of postmaster.pid in its data directory.
    const postmaster = Number(readFileSync(join(rows[0]!.data_directory, "postmaster.pid"), "utf8").split("\n")[0]);
    if (!Number.isInteger(postmaster) || postmaster <= 0) throw new Error("no postmaster pid");
    return { read: () => postmasterCpuMs(postmaster), scope: `postmaster ${postmaster} and its backends` };
  } catch {
    return { read: postgresCpuMs, scope: "every postgres process on the machine (postmaster.pid unreadable)" };
  }
}

/**
 * The postmaster, its live children (backends, autovacuum, writers), and what it has reaped from
 * children that exited: a closed connection's backend would otherwise take its CPU time with it.
 */
function postmasterCpuMs(postmaster: number): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name (which may hold spaces): state, ppid, ...
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const pid = Number(entry);
      if (pid === postmaster) total += cpuMs(pid) + ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
      else if (Number(fields[1]) === postmaster) total += cpuMs(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}
