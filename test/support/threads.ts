import { readdirSync, readFileSync } from "node:fs";

/** How many threads of this process run at each nice value (field 19 of /proc/self/task/<tid>/stat). */
export function threadsByNice(): Map<number, number> {
  const counts = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    const nice = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
    counts.set(nice, (counts.get(nice) ?? 0) + 1);
  }
  return counts;
}
