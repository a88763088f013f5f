/** Secrets (names only), API keys (list, create, revoke) and the API's OpenAPI description. */
import { ago, problem, when } from "../format.js";
import { html, useState } from "../html.js";
import { getJson, useLive, useRows } from "../session.js";

export function Secrets() {
  const state = useRows(async () => {
    const { data, error } = await getJson("/api/v1/admin/secrets");
    return { data: data?.secrets, error };
  });
  return html`<section aria-labelledby="secrets-title">
    <h1 id="secrets-title">Secrets</h1>
    <p class="hint">Names only: values never leave the server. Set them with <code>npx fluxbase settings secrets set</code>.</p>
    ${state.message && html`<p role="alert">${state.message}</p>`}
    <div class="scroll" tabindex="0"><table>
      <thead><tr><th scope="col">Name</th><th scope="col">Scope</th><th scope="col">Namespace</th><th scope="col">Updated</th></tr></thead>
      <tbody>${state.rows.map(
        (s) => html`<tr class="secret" data-name=${s.name}><th scope="row">${s.name}</th>
          <td>${s.scope === "user" ? `user ${s.user_id}` : "system"}</td><td>${s.namespace ?? "all"}</td><td>${ago(s.updated_at)}</td></tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}

export function Keys({ client }) {
  const [rows, setRows] = useState([]);
  const [message, setMessage] = useState("");
  const [created, setCreated] = useState(null);
  const reload = useLive(async () => {
    const { data, error } = await client.admin.keys.list();
    if (error) return setMessage(problem(error));
    setRows(data);
  });
  const create = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const scopes = ["jobs:read", "jobs:write"].filter((scope) => form.get(scope));
    const { data, error } = await client.admin.keys.create({
      name: String(form.get("name")),
      scopes,
      namespace: String(form.get("namespace")) || undefined,
      expiresIn: String(form.get("expires")) || undefined,
    });
    setCreated(error ? null : data);
    setMessage(error ? problem(error) : "");
    reload();
  };
  const revoke = async (name) => {
    const { error } = await client.admin.keys.revoke(name);
    setMessage(error ? problem(error) : `${name} revoked`);
    reload();
  };
  return html`<section aria-labelledby="keys-title">
    <h1 id="keys-title">API keys</h1>
    <form class="filters" onSubmit=${create}>
      <label>Name <input name="name" required /></label>
      <label>Namespace <input name="namespace" placeholder="all" /></label>
      <label>Expires in <input name="expires" placeholder="never, or 90d" /></label>
      <label><span><input type="checkbox" name="jobs:read" checked /> jobs:read</span></label>
      <label><span><input type="checkbox" name="jobs:write" /> jobs:write</span></label>
      <button type="submit">Create key</button>
    </form>
    ${created && html`<p role="status" class="message">Key ${created.name}, shown this once: <code class="new-key">${created.key}</code></p>`}
    ${message && html`<p role="status" class="message">${message}</p>`}
    <div class="scroll" tabindex="0"><table>
      <thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Namespace</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead>
      <tbody>${rows.map(
        (
          k,
        ) => html`<tr class="key" data-name=${k.name}><th scope="row">${k.name}</th><td>${k.scopes.join(", ")}</td>
          <td>${k.namespace ?? "all"}</td><td>${k.expires_at ? when(k.expires_at) : "never"}</td><td>${k.last_used_at ? ago(k.last_used_at) : "never"}</td>
          <td class="state">${k.revoked_at ? "revoked" : html`live <button type="button" data-action="revoke" onClick=${() => revoke(k.name)}>revoke</button>`}</td></tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}

/** A viewer of GET /api/v1/openapi.json: every operation by tag, who may call it, and its errors. */
export function Api() {
  const [doc, setDoc] = useState(null);
  const [message, setMessage] = useState("");
  useLive(async () => {
    const { data, error } = await getJson("/api/v1/openapi.json");
    if (error) return setMessage(problem(error));
    setDoc(data);
  });
  const operations = [];
  for (const [path, methods] of Object.entries(doc?.paths ?? {}))
    for (const [method, op] of Object.entries(methods)) operations.push({ path, method, ...op });
  const tags = [...new Set(operations.map((op) => op.tags?.[0] ?? "Other"))];
  return html`<section aria-labelledby="api-title">
    <h1 id="api-title">API</h1>
    <p>${doc ? `${doc.info.title} ${doc.info.version}: ${operations.length} operations. ` : ""}
      <a href="/api/v1/openapi.json">The OpenAPI 3.1 document</a> works with any OpenAPI tool.</p>
    ${message && html`<p role="alert">${message}</p>`}
    ${tags.map(
      (tag) => html`<h2>${tag}</h2>
        <ul class="operations">${operations
          .filter((op) => (op.tags?.[0] ?? "Other") === tag)
          .map(
            (
              op,
            ) => html`<li class="operation"><code>${op.method.toUpperCase()} ${op.path}</code> — ${op.summary}
              <small>(${Object.keys(op.responses ?? {}).join(", ")})</small></li>`,
          )}</ul>`,
    )}
  </section>`;
}
