/**
 * What the sandbox lets a job see and do: which environment variables, which files, which hosts.
 * @fluxbase:description Reports what the sandbox allows
 * @fluxbase:allow-env APP_REGION, APP_SECRET_TOKEN
 * @fluxbase:allow-read ./docs/examples/jobs/_shared
 * @fluxbase:max-retries 0
 * @fluxbase:timeout 30
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

/** The value, or "denied (<error name>)" when the sandbox refuses. */
async function attempt(work: () => unknown): Promise<unknown> {
  try {
    return await work();
  } catch (error) {
    return `denied (${(error as Error).name})`;
  }
}

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  _job: JobUtils,
) {
  const env = (name: string) => attempt(() => Deno.env.get(name) ?? null);
  const server = Deno.env.get("FLUXBASE_URL")!;
  return {
    env: {
      FLUXBASE_JOB_NAME: await env("FLUXBASE_JOB_NAME"), // set for every run
      FLUXBASE_GREETING: await env("FLUXBASE_GREETING"), // other FLUXBASE_* variables pass
      FLUXBASE_SMTP_PASSWORD: await env("FLUXBASE_SMTP_PASSWORD"), // ...unless they look secret
      APP_REGION: await env("APP_REGION"), // granted by @fluxbase:allow-env
      APP_SECRET_TOKEN: await env("APP_SECRET_TOKEN"), // granted, but looks secret: withheld
      HOME: await env("HOME"), // never granted
    },
    read: {
      shared: await attempt(
        async () => (await Deno.readTextFile("./docs/examples/jobs/_shared/format.ts")).length > 0,
      ),
      package_json: await attempt(() => Deno.readTextFile("./package.json")),
    },
    net: {
      server: await attempt(async () => (await fetch(`${server}/health`)).status), // always reachable
      elsewhere: await attempt(() => fetch("https://example.com/")), // needs @fluxbase:allow-net
    },
  };
}
