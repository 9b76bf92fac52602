/**
 * Response headers MemoryService sets, part of the API as much as its messages: every
 * transport passes them on (REST, CORS's exposed headers, MCP's search result).
 */

/**
 * The mode a search ran in (hybrid, semantic or keyword): set before the first result, so
 * that a search finding nothing says it too.
 */
export const SEARCH_MODE_HEADER = "engram-search-mode";
