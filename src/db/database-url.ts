/** A DATABASE_URL checked to name Postgres, with what may be shown of it (never the password). */
export interface DatabaseUrl {
  url: string;
  /** host:port, for messages and logs. */
  address: string;
  database: string;
}

const SCHEMES = new Set(["postgres:", "postgresql:"]);

/**
 * Parses DATABASE_URL or throws an error that names what is wrong without echoing the URL:
 * pg reads any scheme as Postgres on 127.0.0.1:5432, so mysql://... would silently go there.
 */
export function parseDatabaseUrl(url: string): DatabaseUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("DATABASE_URL is not a URL: expected postgresql://user:password@host:port/database");
  }
  if (!SCHEMES.has(parsed.protocol)) {
    throw new Error(
      `DATABASE_URL has the scheme ${parsed.protocol}//, expected postgres:// or postgresql:// (Engram stores its data in Postgres)`,
    );
  }
  // What pg falls back to when the URL leaves them out.
  const host = parsed.searchParams.get("host") ?? (decodeURIComponent(parsed.hostname) || "localhost");
  const port = parsed.searchParams.get("port") ?? (parsed.port || "5432");
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || decodeURIComponent(parsed.username);
  return { url, address: `${host}:${port}`, database };
}

/**
 * The database `databaseUrl` names, on the server `serverUrl` names (its host, port and
 * credentials): the same database on a standby of the primary.
 */
export function sameDatabaseOn(serverUrl: string, databaseUrl: string): string {
  const url = new URL(serverUrl);
  url.pathname = new URL(databaseUrl).pathname;
  return url.toString();
}
