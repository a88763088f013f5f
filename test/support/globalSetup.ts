/**
 * Starts one embedded Postgres for the whole suite and migrates a template database; every test file
 * clones the template into a database of its own (see createTestDatabase).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { createSql } from "../../server/db/createSql.ts";
import { startEmbeddedPostgres } from "../../server/db/embeddedPostgres.ts";
import { migrate } from "../../server/db/migrate.ts";
import { createLogger } from "../../server/log.ts";

export const templateDatabase = "fluxbase_template";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const external = process.env.FLUXBASE_TEST_DATABASE_URL;
  let dir: string | undefined;
  let stop = async () => {};
  let adminUrl: string;
  if (external) {
    adminUrl = external;
  } else {
    dir = mkdtempSync(path.join(tmpdir(), "fluxbase-test-"));
    chmodSync(dir, 0o755); // as root, Postgres runs as the postgres user and must enter this folder
    const db = await startEmbeddedPostgres(dir, createLogger("warn"));
    adminUrl = db.url;
    stop = db.stop;
  }
  const admin = createSql(adminUrl, { max: 1 });
  await admin.unsafe(`drop database if exists ${templateDatabase}`);
  await admin.unsafe(`create database ${templateDatabase}`);
  await admin.end();
  const template = createSql(withDatabase(adminUrl, templateDatabase), { max: 1 });
  await migrate(template);
  await template.end();
  project.provide("pgAdminUrl", adminUrl);
  return async () => {
    await stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
