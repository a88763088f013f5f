import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDuration, resolveConfig } from "../../server/config/resolveConfig.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fluxbase-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveConfig", () => {
  it("has the documented defaults", () => {
    const config = resolveConfig({ env: {}, cwd: dir });
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      role: "all",
      maxBodyBytes: 1024 * 1024,
      databaseWait: 30_000,
    });
    expect(config.dataDir).toBe(path.join(dir, ".fluxbase"));
    expect(config.jobs).toMatchObject({
      enabled: true,
      dir: path.join(dir, "jobs"),
      autoLoadOnBoot: true,
      embeddedWorkerCount: 4,
      maxConcurrentPerWorker: 5,
      maxConcurrentPerNamespace: 20,
      pollInterval: 1000,
      workerHeartbeatInterval: 10_000,
      workerTimeout: 30_000,
      defaultTimeout: 300,
      defaultMaxRetries: 3,
      defaultProgressTimeout: 300,
    });
  });

  it("reads fluxbase.yaml shaped like the spec's jobs block, and env wins over it", () => {
    const yamlDir = mkdtempSync(path.join(dir, "yaml-"));
    writeFileSync(
      path.join(yamlDir, "fluxbase.yaml"),
      'jobs:\n  embedded_worker_count: 8\n  max_concurrent_per_worker: 10\n  poll_interval: "500ms"\n  worker_timeout: "1m"\n',
    );
    const config = resolveConfig({ env: { FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT: "2" }, cwd: yamlDir });
    expect(config.jobs).toMatchObject({
      embeddedWorkerCount: 2,
      maxConcurrentPerWorker: 10,
      pollInterval: 500,
      workerTimeout: 60_000,
    });
  });

  it("explicit options win over env", () => {
    const config = resolveConfig({ env: { FLUXBASE_PORT: "9000" }, options: { port: 9100 }, cwd: dir });
    expect(config.port).toBe(9100);
  });

  it.each([
    [{ FLUXBASE_PORT: "eighty" }, /FLUXBASE_PORT: expected a whole number, got "eighty"/],
    [{ FLUXBASE_PORT: "70000" }, /above 65535/],
    [{ FLUXBASE_JOBS_ENABLED: "sometimes" }, /FLUXBASE_JOBS_ENABLED: expected true or false/],
    [{ FLUXBASE_JOBS_POLL_INTERVAL: "soon" }, /FLUXBASE_JOBS_POLL_INTERVAL: expected a duration/],
    [{ FLUXBASE_AUTH_JWT_SECRET: "short" }, /at least 32 characters/],
    [{ FLUXBASE_DATABASE_URL: "mysql://x" }, /postgres:\/\//],
    [{ FLUXBASE_ROLE: "boss" }, /FLUXBASE_ROLE/],
  ])("fails start-up with one clear line for %j", (env, message) => {
    expect(() => resolveConfig({ env, cwd: dir })).toThrow(message);
  });

  it("reports an unreadable fluxbase.yaml", () => {
    const bad = mkdtempSync(path.join(dir, "bad-"));
    writeFileSync(path.join(bad, "fluxbase.yaml"), "jobs: [unclosed");
    expect(() => resolveConfig({ env: {}, cwd: bad })).toThrow(/Invalid .*fluxbase.yaml/);
  });

  it.each([
    ["server:\n  prot: 9000\n", /Unknown key server\.prot in .*fluxbase\.yaml: did you mean server\.port\?$/],
    ["jobs:\n  pol_interval: 1s\n", /Unknown key jobs\.pol_interval .*did you mean jobs\.poll_interval\?/],
    ["jobs:\n  port: 9000\n", /Unknown key jobs\.port .*did you mean server\.port\?/],
    [
      "log_levle: debug\nserver:\n  hots: x\n",
      /Unknown key log_levle in .* \(also unknown: server\.hots\): did you mean log_level\?$/,
    ],
    ["databse:\n  url: postgres://x\n", /Unknown key databse in .*: did you mean database\?$/],
    ["whatever: 1\n", /Unknown key whatever in .*: the keys are listed in docs\/configuration\.md$/],
    ["server: 9000\n", /Unknown key server in /],
  ])("stops start-up on an unknown key in fluxbase.yaml: %j", (yaml, message) => {
    const yamlDir = mkdtempSync(path.join(dir, "typo-"));
    writeFileSync(path.join(yamlDir, "fluxbase.yaml"), yaml);
    expect(() => resolveConfig({ env: {}, cwd: yamlDir })).toThrow(message);
  });

  it("accepts every documented key in fluxbase.yaml", () => {
    const yamlDir = mkdtempSync(path.join(dir, "known-"));
    writeFileSync(
      path.join(yamlDir, "fluxbase.yaml"),
      "server:\n  port: 9001\n  host: 127.0.0.1\ndatabase:\n  wait: 5s\ndata_dir: ./d\nlog_level: warn\nrest:\n  schemas: [public]\njobs:\n  watch: false\n",
    );
    expect(resolveConfig({ env: {}, cwd: yamlDir })).toMatchObject({ port: 9001, databaseWait: 5000 });
  });

  it("parses durations", () => {
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("10s")).toBe(10_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("30")).toBe(30_000);
    expect(parseDuration("x")).toBeUndefined();
  });
});
