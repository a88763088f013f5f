/** buildJobEnv: an allow-list, never a copy of the server's environment. */
import { describe, expect, it } from "vitest";
import { buildJobEnv, isSecretEnvName } from "../../sandbox/index.ts";

const extra = {
  serverUrl: "http://127.0.0.1:8080",
  jobId: "j1",
  jobName: "report",
  namespace: "ops",
  cancelled: false,
};

describe("buildJobEnv", () => {
  it("sets the job's own variables and passes non-secret FLUXBASE_* ones", () => {
    const env = buildJobEnv(
      {
        FLUXBASE_LOG_LEVEL: "debug",
        FLUXBASE_JOBS_DIR: "./jobs",
        FLUXBASE_DATA_DIR: "/srv/app/.fluxbase",
        FLUXBASE_STORAGE_DIR: "/srv/app/files",
        FLUXBASE_CONFIG: "/srv/app/fluxbase.yaml",
        FLUXBASE_URL: "http://overridden",
        FLUXBASE_JOB_CANCELLED: "true",
        HOME: "/root",
        PATH: "/usr/bin",
        SHELL: "/bin/bash",
      },
      extra,
      [],
    );
    expect(env).toEqual({
      // The server's own paths (data dir, config, jobs folder, storage) are withheld.
      FLUXBASE_LOG_LEVEL: "debug",
      FLUXBASE_URL: "http://127.0.0.1:8080",
      FLUXBASE_JOB_ID: "j1",
      FLUXBASE_JOB_NAME: "report",
      FLUXBASE_JOB_NAMESPACE: "ops",
      FLUXBASE_JOB_CANCELLED: "false",
    });
    expect(buildJobEnv({}, { ...extra, cancelled: true }, []).FLUXBASE_JOB_CANCELLED).toBe("true");
  });

  it("withholds secrets, listed or not", () => {
    const secrets = {
      FLUXBASE_AUTH_JWT_SECRET: "a",
      FLUXBASE_ENCRYPTION_KEY: "b",
      FLUXBASE_DATABASE_URL: "c",
      FLUXBASE_SERVICE_TOKEN: "d",
      FLUXBASE_SMTP_PASSWORD: "e",
      FLUXBASE_TLS_PRIVATE_PEM: "f",
      FLUXBASE_GCP_CREDENTIALS: "g",
      FLUXBASE_SENTRY_DSN: "h",
      REPLICA_DATABASE_URL: "i",
      STRIPE_API_KEY: "j",
    };
    const env = buildJobEnv(secrets, extra, Object.keys(secrets));
    for (const name of Object.keys(secrets)) {
      expect(env[name]).toBeUndefined();
      expect(isSecretEnvName(name)).toBe(true);
    }
  });

  it("passes names listed by allow-env, exactly or by prefix, but never runtime-steering ones", () => {
    const env = buildJobEnv(
      {
        REPORT_BUCKET: "b1",
        APP_REGION: "eu",
        APP_MODE: "fast",
        OTHER: "no",
        DENO_DIR: "/x",
        LD_PRELOAD: "/evil.so",
        NODE_OPTIONS: "--x",
        HOME: "/root",
      },
      extra,
      ["REPORT_BUCKET", "APP_*", "DENO_DIR", "LD_PRELOAD", "NODE_OPTIONS", "HOME"],
    );
    expect(env.REPORT_BUCKET).toBe("b1");
    expect(env.APP_REGION).toBe("eu");
    expect(env.APP_MODE).toBe("fast");
    for (const name of ["OTHER", "DENO_DIR", "LD_PRELOAD", "NODE_OPTIONS", "HOME"])
      expect(env[name]).toBeUndefined();
  });
});
