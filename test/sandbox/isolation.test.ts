/** What a job cannot reach: the server's secrets, files, hosts and the database port. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildJobEnv } from "../../sandbox/index.ts";
import { runCode, startSandbox, type TestSandbox } from "./helpers.ts";

let t: TestSandbox;
let outside: string;
let server: Server;
let other: Server;
let database: TcpServer;
let serverUrl: string;
let otherPort: number;
let dbPort: number;

const listen = (s: Server | TcpServer) =>
  new Promise<number>((resolve) =>
    s.listen(0, "0.0.0.0", () => resolve((s.address() as { port: number }).port)),
  );

beforeAll(async () => {
  t = await startSandbox();
  outside = mkdtempSync(join(tmpdir(), "fluxbase-outside-"));
  writeFileSync(join(outside, "readable.txt"), "hello from outside");
  writeFileSync(join(t.dataDir, "jwt-secret"), "do-not-read-me");
  server = createHttpServer((_req, res) => res.end("pong"));
  other = createHttpServer((_req, res) => res.end("other"));
  database = createTcpServer((socket) => socket.end("postgres"));
  serverUrl = `http://127.0.0.1:${await listen(server)}`;
  otherPort = await listen(other);
  dbPort = await listen(database);
}, 60_000);

afterAll(async () => {
  for (const s of [server, other, database]) s?.close();
  rmSync(outside, { recursive: true, force: true });
  await t?.close();
});

describe("environment", { timeout: 20_000 }, () => {
  const serverEnv = {
    FLUXBASE_AUTH_JWT_SECRET: "jwt-secret-value",
    FLUXBASE_DATABASE_URL: "postgres://u:p@127.0.0.1/db",
    FLUXBASE_LOG_LEVEL: "debug",
    MY_SETTING: "visible",
    STRIPE_API_KEY: "sk_live_x",
    UNLISTED: "hidden",
    PATH: "/usr/bin",
  };
  const env = buildJobEnv(
    serverEnv,
    { serverUrl: "http://127.0.0.1:9", jobId: "j1", jobName: "envy", namespace: "default", cancelled: false },
    ["MY_SETTING", "STRIPE_API_KEY", "FLUXBASE_AUTH_JWT_SECRET", "NOT_SET"],
  );
  const permissions = {
    net: false,
    env: ["MY_SETTING", "STRIPE_API_KEY", "FLUXBASE_AUTH_JWT_SECRET", "NOT_SET"],
    read: [],
    write: [],
  };

  it("shows the job its own variables and nothing else", async () => {
    const { outcome } = await runCode(
      t.sandbox,
      `import process from "node:process";
      export default () => {
        const get = (name) => { try { return Deno.env.get(name) ?? null; } catch (e) { return e.name; } };
        let all; try { all = Deno.env.toObject(); } catch (e) { all = e.name; }
        let viaNode; try { viaNode = process.env.FLUXBASE_AUTH_JWT_SECRET ?? null; } catch (e) { viaNode = e.name; }
        return { url: get("FLUXBASE_URL"), job: get("FLUXBASE_JOB_NAME"), level: get("FLUXBASE_LOG_LEVEL"),
          mine: get("MY_SETTING"), notSet: get("NOT_SET"), jwt: get("FLUXBASE_AUTH_JWT_SECRET"),
          db: get("FLUXBASE_DATABASE_URL"), stripe: get("STRIPE_API_KEY"), unlisted: get("UNLISTED"),
          home: get("HOME"), denoDir: get("DENO_DIR"), all, viaNode };
      }`,
      { env, permissions, serverUrl: "http://127.0.0.1:9" },
    );
    expect(outcome).toEqual({
      status: "completed",
      result: {
        url: "http://127.0.0.1:9",
        job: "envy",
        level: "debug",
        mine: "visible",
        notSet: null,
        jwt: "NotCapable",
        db: "NotCapable",
        stripe: "NotCapable",
        unlisted: "NotCapable",
        home: "NotCapable",
        denoDir: "NotCapable",
        all: "NotCapable",
        viaNode: "NotCapable",
      },
    });
  });

  it("fails the job with the permission error when it reaches for the JWT secret", async () => {
    // Even a caller that forgets to filter cannot hand it over: the host drops secret-looking names.
    const { outcome } = await runCode(
      t.sandbox,
      `export default () => Deno.env.get("FLUXBASE_AUTH_JWT_SECRET")`,
      {
        env: { ...env, FLUXBASE_AUTH_JWT_SECRET: "jwt-secret-value" },
        permissions,
      },
    );
    expect(outcome).toMatchObject({ status: "failed", reason: "error" });
    expect(outcome.status === "failed" && outcome.message).toMatch(
      /Requires env access to "FLUXBASE_AUTH_JWT_SECRET"/,
    );
  });

  it("cannot read /proc/self/environ, even with read access to /", async () => {
    const { outcome } = await runCode(
      t.sandbox,
      `export default () => Deno.readTextFileSync("/proc/self/environ")`,
      {
        permissions: { net: false, env: [], read: ["/"], write: [] },
      },
    );
    expect(outcome).toMatchObject({ status: "failed", reason: "error" });
    expect(outcome.status === "failed" && outcome.message).toMatch(
      /Requires all access to "\/proc\/self\/environ"/,
    );
  });
});

describe("files", { timeout: 20_000 }, () => {
  it("denies reads and writes outside the granted paths", async () => {
    const { outcome } = await runCode(
      t.sandbox,
      `export default () => {
        const attempt = (fn) => { try { return fn(); } catch (e) { return e.name; } };
        return {
          read: attempt(() => Deno.readTextFileSync(${JSON.stringify(join(outside, "readable.txt"))})),
          write: attempt(() => Deno.writeTextFileSync(${JSON.stringify(join(outside, "new.txt"))}, "x")),
          etc: attempt(() => Deno.readTextFileSync("/etc/passwd").length),
        };
      }`,
    );
    expect(outcome).toEqual({
      status: "completed",
      result: { read: "NotCapable", write: "NotCapable", etc: "NotCapable" },
    });
  });

  it("allows exactly the annotated paths", async () => {
    const writable = join(outside, "out");
    mkdirSync(writable, { recursive: true });
    const { outcome } = await runCode(
      t.sandbox,
      `export default () => {
        Deno.writeTextFileSync(${JSON.stringify(join(writable, "result.txt"))}, "written by job");
        return Deno.readTextFileSync(${JSON.stringify(join(outside, "readable.txt"))});
      }`,
      { permissions: { net: false, env: [], read: [outside], write: [writable] } },
    );
    expect(outcome).toEqual({ status: "completed", result: "hello from outside" });
    expect(readFileSync(join(writable, "result.txt"), "utf8")).toBe("written by job");
  });

  it("keeps the data dir closed even to a job granted / (JWT secret, other jobs' code)", async () => {
    const { outcome } = await runCode(
      t.sandbox,
      `export default () => {
        const attempt = (fn) => { try { return fn(); } catch (e) { return e.name; } };
        return {
          secret: attempt(() => Deno.readTextFileSync(${JSON.stringify(join(t.dataDir, "jwt-secret"))})),
          code: attempt(() => [...Deno.readDirSync(${JSON.stringify(join(t.dataDir, "sandbox", "code"))})].length),
          plant: attempt(() => Deno.writeTextFileSync(${JSON.stringify(join(t.dataDir, "sandbox", "code", "x.mjs"))}, "")),
          etc: attempt(() => Deno.readTextFileSync("/etc/passwd").length > 0),
        };
      }`,
      { permissions: { net: false, env: [], read: ["/"], write: ["/"] } },
    );
    expect(outcome).toEqual({
      status: "completed",
      result: { secret: "NotCapable", code: "NotCapable", plant: "NotCapable", etc: true },
    });
  });
});

describe("network", { timeout: 20_000 }, () => {
  const probe = (targets: Record<string, string>) => `export default async () => {
    const out = {};
    for (const [name, target] of Object.entries(${JSON.stringify(targets)})) {
      try {
        if (target.startsWith("http")) out[name] = await (await fetch(target)).text();
        else { const [hostname, port] = target.split("@"); const c = await Deno.connect({ hostname, port: Number(port) }); c.close(); out[name] = "connected"; }
      } catch (e) { out[name] = e.name; }
    }
    return out;
  }`;

  it("reaches the server and nothing else by default", async () => {
    const { outcome } = await runCode(
      t.sandbox,
      probe({
        server: `${serverUrl}/ping`,
        other: `http://127.0.0.1:${otherPort}/`,
        db: `127.0.0.1@${dbPort}`,
      }),
      { serverUrl },
    );
    expect(outcome).toEqual({
      status: "completed",
      result: { server: "pong", other: "NotCapable", db: "NotCapable" },
    });
  });

  it("surfaces a denied fetch as the job's error", async () => {
    const { outcome } = await runCode(
      t.sandbox,
      `export default () => fetch("http://127.0.0.1:${otherPort}/")`,
      {
        serverUrl,
      },
    );
    expect(outcome).toMatchObject({ status: "failed", reason: "error" });
    expect(outcome.status === "failed" && outcome.message).toMatch(
      /Requires net access to "127\.0\.0\.1:\d+"/,
    );
  });

  it("allows annotated hosts plus the server", async () => {
    const { outcome } = await runCode(
      t.sandbox,
      probe({ server: `${serverUrl}/`, other: `http://127.0.0.1:${otherPort}/`, db: `127.0.0.1@${dbPort}` }),
      { serverUrl, permissions: { net: [`127.0.0.1:${otherPort}`], env: [], read: [], write: [] } },
    );
    expect(outcome).toEqual({
      status: "completed",
      result: { server: "pong", other: "other", db: "NotCapable" },
    });
  });

  it("never reaches the denied database port, under any loopback name, even with net: true", async () => {
    const targets = {
      other: `http://127.0.0.1:${otherPort}/`,
      v4: `127.0.0.1@${dbPort}`,
      localhost: `localhost@${dbPort}`,
      v4alias: `127.0.0.2@${dbPort}`,
      any: `0.0.0.0@${dbPort}`,
      v6: `::1@${dbPort}`,
    };
    for (const net of [true, ["localhost", "127.0.0.1"]]) {
      const { outcome } = await runCode(t.sandbox, probe(targets), {
        serverUrl,
        deniedNet: [`127.0.0.1:${dbPort}`],
        permissions: { net, env: [], read: [], write: [] },
      });
      expect(outcome.status).toBe("completed");
      const result = (outcome as { result: Record<string, string> }).result;
      expect(result.other).toBe("other");
      for (const name of ["v4", "localhost", "v4alias", "any", "v6"])
        expect([name, result[name]]).toEqual([name, "NotCapable"]);
    }
  });
});
