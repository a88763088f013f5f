/** Builds the package: ESM JavaScript and bundled .d.ts in dist/, dependencies left as imports. */
import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", job: "src/job.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "neutral",
  tsconfig: "tsconfig.json",
});
