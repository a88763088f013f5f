/** test/sandbox/output.test.ts again, every run served by a warm process (see ../helpers.ts). */
process.env.FLUXBASE_TEST_ISOLATION = "warm";
await import("../output.test.ts");
