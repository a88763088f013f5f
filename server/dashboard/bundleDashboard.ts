/**
 * The dashboard's browser bundle: Preact, uPlot and the SDK compiled by esbuild into one app.js and
 * one app.css, no CDN. `npm run build` writes them to dist/dashboard/; a server running from its
 * sources bundles them in memory instead when the sources are newer than that build.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export interface DashboardAssets {
  html: string;
  js: string;
  css: string;
}

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const dashboardSources = path.join(repoRoot, "server/dashboard/ui");
export const dashboardBuildDir = path.join(repoRoot, "dist/dashboard");

export async function bundleDashboard(sources = dashboardSources): Promise<DashboardAssets> {
  const result = await build({
    entryPoints: { app: path.join(sources, "main.js") },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    outdir: "out",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  const output = (ext: string) =>
    new TextDecoder().decode(result.outputFiles.find((file) => file.path.endsWith(ext))!.contents);
  return {
    html: await readFile(path.join(sources, "index.html"), "utf8"),
    js: output(".js"),
    css: output(".css"),
  };
}

/** Writes the bundle where the package's server looks for it (the build step). */
export async function writeDashboard(dir = dashboardBuildDir, sources = dashboardSources): Promise<void> {
  const assets = await bundleDashboard(sources);
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(path.join(dir, "index.html"), assets.html),
    writeFile(path.join(dir, "app.js"), assets.js),
    writeFile(path.join(dir, "app.css"), assets.css),
  ]);
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** The built assets when they are there and current; otherwise a fresh bundle of the sources. */
export async function loadDashboard(): Promise<DashboardAssets> {
  const built = path.join(dashboardBuildDir, "app.js");
  const sourcesThere = existsSync(dashboardSources);
  if (existsSync(built) && (!sourcesThere || statSync(built).mtimeMs >= newestSource(dashboardSources))) {
    const read = (file: string) => readFile(path.join(dashboardBuildDir, file), "utf8");
    return { html: await read("index.html"), js: await read("app.js"), css: await read("app.css") };
  }
  return bundleDashboard();
}
