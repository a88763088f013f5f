/**
 * A job refused a permission is told, in its error and its logs, which `@fluxbase:` annotation
 * grants it (or why none can), never Deno's "run again with the --allow-net flag". Real Deno runs.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adviseOnPermissions } from "../../sandbox/host/permissionAdvice.ts";
import { logText, runCode, startSandbox, type TestSandbox } from "./helpers.ts";

let t: TestSandbox;
beforeAll(async () => {
  t = await startSandbox();
}, 60_000);
afterAll(() => t?.close());

const failure = async (code: string, deniedNet: string[] = []) => {
  const { outcome, logs } = await runCode(t.sandbox, code, { deniedNet });
  expect(outcome.status).toBe("failed");
  const message = outcome.status === "failed" ? outcome.message : "";
  expect(message).not.toContain("run again with");
  expect(logText(logs)).not.toContain("run again with");
  return { message, logs: logText(logs) };
};

describe("permission advice", { timeout: 30_000 }, () => {
  it("net: names the annotation with the host", async () => {
    const { message, logs } = await failure(
      `export default async () => { await fetch("https://example.com/data"); }`,
    );
    expect(message).toContain(
      'Requires net access to "example.com:443": add `@fluxbase:allow-net example.com` to the function\'s annotations',
    );
    expect(logs).toContain("add `@fluxbase:allow-net example.com`");
  });

  it("net on another port: host:port", async () => {
    const { message } = await failure(
      `export default async () => { await fetch("http://example.com:8081/"); }`,
    );
    expect(message).toContain("add `@fluxbase:allow-net example.com:8081`");
  });

  it("the database: says no annotation can open it", async () => {
    const { message } = await failure(
      `export default async () => { await fetch("http://localhost:5999/"); }`,
      ["127.0.0.1:5999"],
    );
    expect(message).toContain('Requires net access to "localhost:5999": that is the server\'s database');
    expect(message).not.toContain("add `@fluxbase:allow-net");
  });

  it("read, write and env: the annotation with the path or name; a job that logs the error gets it too", async () => {
    const read = await failure(`export default () => Deno.readTextFileSync("/etc/hostname")`);
    expect(read.message).toContain("add `@fluxbase:allow-read /etc/hostname`");
    const write = await failure(
      `export default () => Deno.writeTextFileSync("/tmp/fluxbase-advice.txt", "x")`,
    );
    expect(write.message).toContain("add `@fluxbase:allow-write /tmp/fluxbase-advice.txt`");
    const env = await failure(`export default () => Deno.env.get("APP_REGION")`);
    expect(env.message).toContain("add `@fluxbase:allow-env APP_REGION`");

    const caught = await runCode(
      t.sandbox,
      `export default async () => {
        try { await fetch("https://api.example.org/"); } catch (error) { console.error("fetch failed:", error.message); }
        return "went on";
      }`,
    );
    expect(caught.outcome).toMatchObject({ status: "completed", result: "went on" });
    expect(logText(caught.logs)).toContain(
      'fetch failed: Requires net access to "api.example.org:443": add `@fluxbase:allow-net api.example.org`',
    );
  });

  it("the data dir, /proc, programs: says nothing can grant them", async () => {
    const secret = await failure(
      `export default () => Deno.readTextFileSync(${JSON.stringify(join(t.dataDir, "jwt_secret"))})`,
    );
    expect(secret.message).toContain("no job may read there");
    const run = await failure(`export default () => new Deno.Command("/bin/ls").outputSync()`);
    expect(run.message).toContain('Requires run access to "/bin/ls": jobs may not start programs');
  });
});

describe("adviseOnPermissions", () => {
  it("leaves other text alone and rewrites each refusal in a longer text", () => {
    const scope = { deniedNet: [], protectedDirs: ["/srv/data"] };
    expect(adviseOnPermissions("plain failure", scope)).toBe("plain failure");
    const two =
      'NotCapable: Requires env access to "A", run again with the --allow-env flag\n' +
      'NotCapable: Requires sys access to "hostname", run again with the --allow-sys flag';
    const out = adviseOnPermissions(two, scope);
    expect(out).toContain("add `@fluxbase:allow-env A`");
    expect(out).toContain("jobs may not read system information");
    expect(
      adviseOnPermissions(
        'Requires write access to "/srv/data/x", run again with the --allow-write flag',
        scope,
      ),
    ).toContain("no job may write there");
  });
});
