import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts", "test/support/buildSdk.ts", "test/support/buildPackage.ts"],
    // Each file gets its own database and server; two cores run two files at a time comfortably.
    // `npm test` runs test/faults/outage.test.ts on its own afterwards: it starts 200 job processes at
    // once, which starves whatever test file would run beside it (and that file starves it back).
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
