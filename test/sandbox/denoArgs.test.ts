/** The Deno command line: explicit, minimal, and never a blanket grant. */
import { describe, expect, it } from "vitest";
import { buildDenoArgs, serverHost, widenLoopback } from "../../sandbox/host/denoArgs.ts";

const base = {
  serverUrl: "http://127.0.0.1:8080",
  deniedNet: [] as string[],
  envNames: ["FLUXBASE_URL"],
  memoryMb: 128,
  cwd: "/srv/app",
  guestFiles: ["/data/sandbox/guest/abc/worker.js", "/data/sandbox/code/h.mjs"],
  protectedDirs: ["/data"],
  location: "http://run-1a2b.fluxbase.invalid",
  mainPath: "/data/sandbox/guest/abc/main.js",
};
const none = { net: false, env: [], read: [], write: [] };

describe("buildDenoArgs", () => {
  it("grants only the server, the guest files and the set variables by default", () => {
    expect(buildDenoArgs({ ...base, permissions: none })).toEqual([
      "run",
      "--no-prompt",
      "--no-config",
      "--no-lock",
      "--cached-only",
      "--allow-import",
      "--location=http://run-1a2b.fluxbase.invalid",
      "--v8-flags=--max-old-space-size=128",
      "--allow-read=/data/sandbox/guest/abc/worker.js,/data/sandbox/code/h.mjs",
      "--deny-read=/data",
      "--deny-write=/data",
      "--allow-net=127.0.0.1:8080",
      "--allow-env=FLUXBASE_URL",
      "/data/sandbox/guest/abc/main.js",
    ]);
  });

  it("never emits a blanket or dangerous grant, whatever the permissions", () => {
    const args = buildDenoArgs({
      ...base,
      deniedNet: ["127.0.0.1:5432"],
      permissions: { net: true, env: ["X"], read: ["/", "rel/dir"], write: ["/tmp/out"] },
    });
    for (const arg of args) expect(arg).not.toMatch(/^(-A|--allow-all|--allow-run|--allow-ffi|--allow-sys)/);
    expect(args).toContain("--allow-net");
    expect(args).toContain(
      "--allow-read=/data/sandbox/guest/abc/worker.js,/data/sandbox/code/h.mjs,/,/srv/app/rel/dir",
    );
    expect(args).toContain("--allow-write=/tmp/out");
    expect(args).toContain("--deny-net=127.0.0.0/8:5432,[::1]:5432,0.0.0.0:5432,[::]:5432,localhost:5432");
  });

  it("adds annotated hosts to the server and rejects values that could smuggle flags", () => {
    const args = buildDenoArgs({ ...base, permissions: { ...none, net: ["api.example.com", "[::1]:9000"] } });
    expect(args).toContain("--allow-net=127.0.0.1:8080,api.example.com,[::1]:9000");
    expect(() => buildDenoArgs({ ...base, permissions: { ...none, net: ["a.com,--allow-all"] } })).toThrow(
      TypeError,
    );
    expect(() => buildDenoArgs({ ...base, permissions: { ...none, read: ["/a,/b"] } })).toThrow(TypeError);
  });
});

describe("serverHost and widenLoopback", () => {
  it("makes the default port explicit", () => {
    expect(serverHost("http://example.com")).toBe("example.com:80");
    expect(serverHost("https://example.com/base")).toBe("example.com:443");
    expect(serverHost("http://[::1]:8080")).toBe("[::1]:8080");
  });

  it("widens loopback host:port entries only", () => {
    expect(widenLoopback("localhost:5432")).toHaveLength(5);
    expect(widenLoopback("[::1]:5432")).toHaveLength(5);
    expect(widenLoopback("db.internal:5432")).toEqual(["db.internal:5432"]);
    expect(widenLoopback("127.0.0.1")).toEqual(["127.0.0.1"]);
  });
});
