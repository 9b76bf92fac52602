import type { EntityManager } from "@mikro-orm/sql";

/**
 * `em` as a repository uses it (execute, getConnection), telling `seen` each statement's text
 * and parameters before running it.
 */
export function watchingStatements(em: EntityManager, seen: (text: string, params: unknown[]) => void): EntityManager {
  return {
    execute: (text: string, params: unknown[] = []) => {
      seen(text, params);
      return em.execute(text, params);
    },
    // Which database it is decides how planner settings are set (src/db/local-settings.ts).
    getConnection: () => em.getConnection(),
  } as unknown as EntityManager;
}
