/**
 * Response headers MemoryService sets, part of the API as much as its messages: every
 * transport passes them on (REST, CORS's exposed headers, MCP's search result).
 */

/**
 * The mode a search ran in (hybrid, semantic or keyword): set before the first result, so
 * that a search finding nothing says it too.
 */
export const SEARCH_MODE_HEADER = "engram-search-mode";

/**
 * Set on a search that asked for rerank: "applied", or "unavailable" when the results kept
 * their order (no reranker, its model not loaded yet, too many searches waiting for it, or it
 * failed).
 */
export const RERANK_HEADER = "engram-rerank";

/** Every header above, for the transports that pass them on. */
export const SEARCH_HEADERS = [SEARCH_MODE_HEADER, RERANK_HEADER];

/**
 * With read replicas: a write's position in the primary's log, in its response header and
 * trailer. A read that sends it back in the same request header sees that write (and all
 * before it) whichever server and replica answers.
 */
export const CONSISTENCY_TOKEN_HEADER = "engram-consistency-token";
