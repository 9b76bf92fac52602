import { AsyncLocalStorage } from "node:async_hooks";
import type { EntityManager } from "@mikro-orm/sql";

/**
 * Where a call's reads go. The consistency interceptor chooses a replica (or the primary) for a
 * call that only reads, and runs its handler here; the services' entity manager forks from that
 * choice. Everything else (writes, the reads inside a write, background work) forks from the
 * primary, as it would without replicas.
 */
const route = new AsyncLocalStorage<EntityManager | undefined>();

/**
 * Runs `work` with its reads on `em`, or on the primary (undefined): a call made from inside
 * another (an in-process call from a routed read) routes afresh rather than inheriting.
 */
export function readingFrom<T>(em: EntityManager | undefined, work: () => T): T {
  return route.run(em, work);
}

/** The entity manager a routed read uses, or undefined outside one (or when it reads the primary). */
export function routedReads(): EntityManager | undefined {
  return route.getStore();
}

/**
 * The primary's entity manager for the services, except that fork() (how every unit of work
 * starts) forks the routed one inside a routed read.
 */
export function routingEntityManager(primary: EntityManager): EntityManager {
  return new Proxy(primary, {
    get(target, property, receiver) {
      if (property === "fork") {
        return (...args: Parameters<EntityManager["fork"]>) => (route.getStore() ?? target).fork(...args);
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
