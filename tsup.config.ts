/**
 * The package build (`npm run build`, run by `npm install` through `prepare`): the CLI and the server
 * it starts, compiled to ESM JavaScript in dist/, so no TypeScript is compiled when a command runs.
 *
 * The server finds its files next to its sources (migrations/, sandbox/guest/, docs/examples/, the
 * deno package) through `import.meta.url`. In a bundle that URL would be the chunk's, so the plugin
 * below gives each module the URL of its source file instead, relative to dist/: paths work the same
 * from the sources (tests, tsx) and from the build, and the package stays relocatable.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { defineConfig, type Options } from "tsup";
import { writeDashboard } from "./server/dashboard/bundleDashboard.ts";

/** Entries sit at the top of dist/ (chunks too), which the relative source URLs below rely on. */
const entry: Record<string, string> = {
  cli: "cli/main.ts",
  index: "server/index.ts",
};

type EsbuildPlugin = NonNullable<Options["esbuildPlugins"]>[number];

const sourceUrls = (outDir: string): EsbuildPlugin => ({
  name: "fluxbase-source-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const contents = await readFile(args.path, "utf8");
      if (!contents.includes("import.meta.url")) return undefined;
      const fromDist = path.relative(path.resolve(outDir), args.path).split(path.sep).join("/");
      return {
        contents: contents.replaceAll(
          "import.meta.url",
          `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`,
        ),
        loader: "ts",
      };
    });
  },
});

/** The build's options; test/cli/build.test.ts builds into a folder of its own with them. */
export function packageBuild(outDir = "dist"): Options {
  return {
    entry,
    outDir,
    format: "esm",
    platform: "node",
    target: "node20",
    splitting: true,
    sourcemap: true,
    clean: true,
    // Types for the library only (`import { createFluxbase } from "fluxbase-jobs"`), one bundled file.
    dts: { entry: { index: "server/index.ts" } },
    // package.json's dependencies stay imports; the SDK's sources (a workspace) are bundled in.
    // commander is bundled: loading it as CommonJS at run time costs `fluxbase --help` more than parsing
    // it. Bundled CommonJS requires node builtins through this `require`.
    // postgres is bundled too: the build carries patches/postgres+3.4.7.patch (writes to a closed
    // socket settle instead of crashing), which an app installing the package would not apply.
    noExternal: ["commander", "postgres"],
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
    esbuildPlugins: [sourceUrls(outDir)],
    // The dashboard's browser bundle (/admin), built here so a server never compiles it at run time.
    onSuccess: () => writeDashboard(path.join(outDir, "dashboard"), path.resolve("server/dashboard/ui")),
  };
}

export default defineConfig(packageBuild());
