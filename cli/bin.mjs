#!/usr/bin/env node
// Entry point of the `fluxbase` command: the JavaScript that `npm run build` compiles into dist/
// (`npm install` runs it through `prepare`). Tests run the TypeScript sources instead (cli/main.ts).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("fluxbase: the CLI is not built yet; run `npm run build` (npm install does it)\n");
  process.exit(1);
}
await import(entry.href);
