import "./styles.css";
import { render } from "preact";
import { useMemo, useState } from "preact/hooks";
import { apiFor } from "./api.js";
import { entityOfRoute } from "./entity-route.js";
import { useHashRoute } from "./route.js";
import { forgetKey, storeKey, storedKey } from "./session.js";
import { Browse } from "./views/browse.js";
import { Create } from "./views/create.js";
import { Entities } from "./views/entities.js";
import { EntityPage } from "./views/entity-page.js";
import { Keys } from "./views/keys.js";
import { Live } from "./views/live.js";
import { Login } from "./views/login.js";
import { MemoryPage } from "./views/memory-page.js";
import { Overview } from "./views/overview.js";
import { Search } from "./views/search.js";
import { SearchSettings } from "./views/search-settings.js";
import { StagedWritePage } from "./views/staged-write-page.js";
import { StagedWrites } from "./views/staged-writes.js";

const SECTIONS = [
  ["/", "Overview"],
  ["/browse", "Browse"],
  ["/search", "Search"],
  ["/search-settings", "Search settings"],
  ["/entities", "Entities"],
  ["/live", "Live"],
  ["/create", "Create"],
  ["/staged-writes", "Staged writes"],
  ["/keys", "Keys"],
] as const;

function App() {
  const [key, setKey] = useState(storedKey());
  const route = useHashRoute();
  const api = useMemo(() => (key === null ? null : apiFor(key)), [key]);
  if (api === null) {
    return (
      <Login
        onLogin={(k) => {
          storeKey(k);
          setKey(k);
        }}
      />
    );
  }
  const memoryId = /^\/memories\/(.+)$/.exec(route)?.[1];
  const stagedId = /^\/staged-writes\/(.+)$/.exec(route)?.[1];
  const entity = entityOfRoute(route);
  return (
    <>
      <header>
        <span class="brand">Engram</span>
        <nav aria-label="Sections">
          {SECTIONS.map(([path, label]) => (
            // A staged write's page is still in the Staged writes section.
            <a
              key={path}
              href={`#${path}`}
              aria-current={route === path || route.startsWith(`${path}/`) ? "page" : undefined}
            >
              {label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          onClick={() => {
            forgetKey();
            setKey(null);
          }}
        >
          Log out
        </button>
      </header>
      <main>
        {memoryId !== undefined ? (
          <MemoryPage api={api} id={decodeURIComponent(memoryId)} />
        ) : stagedId !== undefined ? (
          <StagedWritePage api={api} id={decodeURIComponent(stagedId)} />
        ) : entity !== undefined ? (
          // Keyed by route: another entity's page starts afresh (its graph controls included).
          <EntityPage key={route} api={api} entity={entity} />
        ) : route === "/entities" ? (
          <Entities api={api} />
        ) : route === "/browse" ? (
          <Browse api={api} />
        ) : route === "/search" ? (
          <Search api={api} />
        ) : route === "/search-settings" ? (
          <SearchSettings api={api} />
        ) : route === "/live" ? (
          <Live api={api} />
        ) : route === "/create" ? (
          <Create api={api} />
        ) : route === "/staged-writes" ? (
          <StagedWrites api={api} />
        ) : route === "/keys" ? (
          <Keys api={api} />
        ) : (
          <Overview api={api} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
