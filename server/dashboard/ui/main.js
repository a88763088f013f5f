/**
 * The Fluxbase Jobs dashboard: sign-in with an admin token or the service key (kept for the browser
 * session), then one page per hash route. Data is read through the SDK; job data is rendered as text.
 */
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { problem } from "./format.js";
import { html, render, useEffect, useState } from "./html.js";
import { Functions } from "./pages/functions.js";
import { JobPage } from "./pages/job.js";
import { Jobs } from "./pages/jobs.js";
import { Storage, Webhooks, Workers } from "./pages/more.js";
import { Overview } from "./pages/overview.js";
import { Queues } from "./pages/queues.js";
import { Schedules } from "./pages/schedules.js";
import { Api, Keys, Secrets } from "./pages/settings.js";
import { signedIn, signIn, signOut } from "./session.js";

const pages = [
  ["overview", "Overview", Overview],
  ["jobs", "Jobs", Jobs],
  ["functions", "Functions", Functions],
  ["schedules", "Schedules", Schedules],
  ["queues", "Queues", Queues],
  ["workers", "Workers", Workers],
  ["webhooks", "Webhooks", Webhooks],
  ["storage", "Storage", Storage],
  ["secrets", "Secrets", Secrets],
  ["keys", "API keys", Keys],
  ["api", "API", Api],
];

function parseRoute() {
  const [path, search = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [page = "overview", id] = path.split("/");
  return { page, id: id ? decodeURIComponent(id) : undefined, query: new URLSearchParams(search) };
}

function SignIn({ onDone }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  const submit = async (event) => {
    event.preventDefault();
    setError("Checking the token…");
    const refused = await signIn(token);
    if (!refused) return onDone();
    setError(
      refused.code === "ADMIN_REQUIRED"
        ? "This token may not use the admin API. Sign in with an admin's token or the service key."
        : `Sign-in failed: ${problem(refused)}`,
    );
  };
  return html`<main class="sign-in">
    <h1>Fluxbase Jobs</h1>
    <form onSubmit=${submit}>
      <label for="token">Admin token or service key</label>
      <textarea id="token" name="token" rows="4" required value=${token} onInput=${(e) => setToken(e.currentTarget.value)}></textarea>
      <p class="hint">Print the service key with <code>npx fluxbase keys</code>. It is kept for this browser tab only.</p>
      <button type="submit">Sign in</button>
      <p role="alert">${error}</p>
    </form>
  </main>`;
}

function App() {
  const [client, setClient] = useState(signedIn());
  const [route, setRoute] = useState(parseRoute());
  useEffect(() => {
    const onHash = () => setRoute(parseRoute());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  if (!client) return html`<${SignIn} onDone=${() => setClient(signedIn())} />`;
  const current = pages.find(([name]) => name === route.page) ?? pages[0];
  const Page = route.page === "jobs" && route.id ? JobPage : current[2];
  return html`<div class="shell">
    <header>
      <strong class="brand">Fluxbase Jobs</strong>
      <nav aria-label="Pages">
        ${pages.map(
          ([name, label]) =>
            html`<a href=${`#/${name}`} aria-current=${name === current[0] ? "page" : undefined}>${label}</a>`,
        )}
      </nav>
      <button type="button" class="sign-out" onClick=${() => {
        signOut();
        setClient(null);
      }}>Sign out</button>
    </header>
    <main><${Page} key=${`${route.page}/${route.id ?? ""}`} client=${client} id=${route.id} query=${route.query} /></main>
  </div>`;
}

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
