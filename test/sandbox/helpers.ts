/** Shared set-up for the sandbox tests: a prepared sandbox in a temporary data dir, and a job runner. */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CreateSandboxOptions,
  createSandbox,
  type Isolation,
  type JobProgress,
  type Sandbox,
  type SandboxLogLine,
  type SandboxOutcome,
  type SandboxRun,
  type SandboxRunOptions,
} from "../../sandbox/index.ts";

const realSdk = fileURLToPath(new URL("../../sdk/src/index.ts", import.meta.url));
const stubSdk = fileURLToPath(new URL("./fixtures/sdkStub.ts", import.meta.url));
/** The real SDK once it exists; the stub keeps these tests independent of its progress. */
export const sdkEntry = existsSync(realSdk) ? realSdk : stubSdk;

export interface TestSandbox {
  sandbox: Sandbox;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Which isolation `startJob` asks for unless told: the sandbox's own tests run once per isolation
 * (test/sandbox/warm/ re-runs them with FLUXBASE_TEST_ISOLATION=warm, see vitest config).
 */
export const defaultIsolation: Isolation =
  process.env.FLUXBASE_TEST_ISOLATION === "warm" ? "warm" : "process";

/** Both ways a job can run; tests of a guarantee that each mode keeps differently run in both. */
export const JOB_THREADS = ["main", "worker"] as const;

export async function startSandbox(
  limits?: CreateSandboxOptions["limits"],
  options: Omit<CreateSandboxOptions, "dataDir" | "limits"> = {},
): Promise<TestSandbox> {
  const dataDir = mkdtempSync(join(tmpdir(), "fluxbase-sandbox-"));
  const sandbox = createSandbox({ dataDir, sdkEntry, limits, ...options });
  await sandbox.prepare();
  return {
    sandbox,
    dataDir,
    async close() {
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Finished {
  outcome: SandboxOutcome;
  logs: SandboxLogLine[];
  progress: JobProgress[];
  ms: number;
}

export type JobOverrides = Partial<Omit<SandboxRunOptions, "input">> & {
  input?: Partial<SandboxRunOptions["input"]>;
};

/** Starts `code` with small limits suited to tests; `overrides` replace any option. */
export function startJob(sandbox: Sandbox, code: string, overrides: JobOverrides = {}) {
  const logs: SandboxLogLine[] = [];
  const progress: JobProgress[] = [];
  const payload = overrides.input?.payload ?? { hello: "world" };
  const started = Date.now();
  const run: SandboxRun = sandbox.run({
    code,
    codeHash: createHash("sha256").update(code).digest("hex"),
    permissions: { net: false, env: [], read: [], write: [] },
    serverUrl: "http://127.0.0.1:9",
    env: {},
    memoryMb: 64,
    timeoutMs: 10_000,
    progressTimeoutMs: 0,
    onProgress: (p) => progress.push(p),
    onLog: (line) => logs.push(line),
    isolation: defaultIsolation,
    ...overrides,
    input: {
      payload,
      context: {
        job_id: "00000000-0000-0000-0000-000000000001",
        job_name: "test-job",
        namespace: "default",
        retry_count: 0,
        payload,
        user: { id: "u1", email: "u1@example.com", role: "authenticated" },
      },
      userToken: "user-token",
      serviceToken: "service-token",
      ...overrides.input,
    },
  });
  const finished: Promise<Finished> = run.outcome.then((outcome) => ({
    outcome,
    logs,
    progress,
    ms: Date.now() - started,
  }));
  return { run, finished, logs, progress };
}

export function runCode(sandbox: Sandbox, code: string, overrides?: JobOverrides): Promise<Finished> {
  return startJob(sandbox, code, overrides).finished;
}

export function logText(logs: SandboxLogLine[]): string {
  return logs.map((l) => `${l.level}: ${l.message}`).join("\n");
}
