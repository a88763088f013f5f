import { describe, expect, it } from "vitest";
import { curlCommands, submit, useDocsServer } from "./support.ts";

const docs = useDocsServer();

describe("curl examples", () => {
  it("use routes that exist, with bodies those routes accept", async () => {
    const commands = curlCommands();
    expect(commands.length).toBeGreaterThan(10);
    const jobId = await submit(docs, docs.ada.token, { job_name: "hello" });
    const admin = await docs.server.user("admin");
    const vars: Record<string, string> = {
      FLUXBASE_URL: docs.server.url,
      TOKEN: docs.ada.token,
      ADMIN_TOKEN: admin.token,
      SERVICE_KEY: docs.server.serviceKey,
      ANON_KEY: docs.server.anonKey,
      JOB_ID: jobId,
    };
    const expand = (text: string) =>
      text.replace(/\$(\w+)/g, (whole, name: string) => {
        if (vars[name] === undefined) throw new Error(`unknown variable ${whole} in a curl example`);
        return vars[name]!;
      });
    for (const curl of commands) {
      const headers = Object.fromEntries(Object.entries(curl.headers).map(([k, v]) => [k, expand(v)]));
      const res = await fetch(`${docs.server.url}${expand(curl.route)}`, {
        method: curl.method,
        headers,
        body: curl.body,
      });
      const text = await res.text();
      const what = `${curl.where}: ${curl.method} ${curl.route} answered ${res.status} ${text.slice(0, 300)}`;
      expect(res.status, what).toBeLessThan(500);
      const code = text.startsWith("{") ? JSON.parse(text).code : undefined;
      expect(
        ["ROUTE_NOT_FOUND", "VALIDATION_ERROR", "INVALID_JSON", "INVALID_TOKEN", "TOKEN_MISSING"],
        what,
      ).not.toContain(code);
    }
  }, 60_000);
});
