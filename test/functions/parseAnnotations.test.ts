import { describe, expect, it } from "vitest";
import { parseAnnotations } from "../../server/functions/parseAnnotations.ts";
import { resolveFunctionSettings } from "../../server/functions/resolveFunctionSettings.ts";

const jobsConfig = {
  defaultTimeout: 300,
  maxTimeout: 3600,
  defaultMaxRetries: 3,
  defaultProgressTimeout: 300,
  defaultMemory: 256,
};

describe("parseAnnotations", () => {
  it("reads the documented example", () => {
    const source = `/**
 * Process user data
 * @fluxbase:timeout 300
 * @fluxbase:description Processes user-specific data items
 */
export async function handler(req: Request) {}
`;
    expect(parseAnnotations(source, "process.ts")).toEqual({
      settings: { timeout: 300, description: "Processes user-specific data items" },
      errors: [],
      blocking: [],
    });
  });

  it("reads every annotation", () => {
    const source = `/**
 * @fluxbase:namespace billing
 * @fluxbase:require-role admin, editor
 * @fluxbase:timeout 600
 * @fluxbase:max-retries 0
 * @fluxbase:schedule 0 2 * * *
 * @fluxbase:description Nightly invoices
 * @fluxbase:memory 512
 * @fluxbase:progress-timeout 45
 * @fluxbase:enabled false
 * @fluxbase:allow-net api.stripe.com,localhost:8080
 * @fluxbase:allow-env STRIPE_KEY, APP_*
 * @fluxbase:allow-read /tmp/in,./data
 * @fluxbase:allow-write /tmp/out
 * @fluxbase:run-in api
 */
export async function handler() {}
`;
    const { settings, errors } = parseAnnotations(source, "invoices.ts");
    expect(errors).toEqual([]);
    expect(settings).toEqual({
      namespace: "billing",
      requireRoles: ["admin", "editor"],
      timeout: 600,
      maxRetries: 0,
      schedule: "0 2 * * *",
      description: "Nightly invoices",
      memory: 512,
      progressTimeout: 45,
      enabled: false,
      allowNet: ["api.stripe.com", "localhost:8080"],
      allowEnv: ["STRIPE_KEY", "APP_*"],
      allowRead: ["/tmp/in", "./data"],
      allowWrite: ["/tmp/out"],
      runIn: "api",
    });
  });

  it("reads event subscriptions: named events, table changes, several of each, and who may emit", () => {
    const source = [
      "// @fluxbase:on incident:created",
      "// @fluxbase:on insert app.orders",
      "// @fluxbase:on update, delete app.orders",
      "// @fluxbase:on incident:resolved",
      "// @fluxbase:on-role admin, support",
      "export default () => 1;",
    ].join("\n");
    const parsed = parseAnnotations(source, "on.ts");
    expect(parsed.errors).toEqual([]);
    expect(parsed.settings).toEqual({
      onEvents: ["incident:created", "incident:resolved"],
      onTables: [
        { op: "insert", schema: "app", table: "orders" },
        { op: "update", schema: "app", table: "orders" },
        { op: "delete", schema: "app", table: "orders" },
      ],
      onRoles: ["admin", "support"],
    });
  });

  it("says what is wrong with a subscription, an overlap or a concurrency", () => {
    const source = [
      "// @fluxbase:on upsert app.orders",
      "// @fluxbase:on insert orders",
      "// @fluxbase:on bad name!",
      "// @fluxbase:overlap sometimes",
      "// @fluxbase:concurrency 0",
      "// @fluxbase:overlap-scope global",
      "export default () => 1;",
    ].join("\n");
    const messages = parseAnnotations(source, "bad.ts").errors.map((e) => `${e.line}: ${e.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^1: @fluxbase:on: expected insert, update or delete/),
      expect.stringMatching(/^2: @fluxbase:on: expected the table as schema.table/),
      expect.stringMatching(/^3: @fluxbase:on: expected insert, update or delete/),
      expect.stringMatching(/^4: @fluxbase:overlap: expected allow, reject, queue or supersede/),
      expect.stringMatching(/^5: @fluxbase:concurrency: /),
      "6: @fluxbase:overlap-scope has no effect without @fluxbase:overlap reject, queue or supersede",
    ]);
  });

  it("refuses a lane other than api or worker", () => {
    const { settings, errors } = parseAnnotations(
      "/** @fluxbase:run-in web */\nexport function handler() {}",
      "x.ts",
    );
    expect(settings).toEqual({});
    expect(errors.map((e) => e.message)).toEqual(['@fluxbase:run-in: expected api or worker, got "web"']);
  });

  it("reads // comments after a shebang, and several leading blocks", () => {
    const source = `#!/usr/bin/env -S deno run
// Cleans up old rows.
// @fluxbase:schedule */10 * * * * *
// @fluxbase:require-role admin service_role

/** @fluxbase:enabled TRUE */
import { x } from "./x.ts";
`;
    const { settings, errors } = parseAnnotations(source, "cleanup.ts");
    expect(errors).toEqual([]);
    expect(settings).toEqual({
      schedule: "*/10 * * * * *",
      requireRoles: ["admin", "service_role"],
      enabled: true,
    });
  });

  it("treats a bare allow-net as every host, and merges repeated lists", () => {
    const source =
      "// @fluxbase:allow-net a.example\n// @fluxbase:allow-net\n// @fluxbase:require-role a\n// @fluxbase:require-role b,a\n";
    expect(parseAnnotations(source, "f.ts").settings).toEqual({ allowNet: true, requireRoles: ["a", "b"] });
  });

  it("reads booleans in permission annotations as booleans, never as a host or path", () => {
    const parse = (lines: string[]) =>
      parseAnnotations(`${lines.map((line) => `// @fluxbase:${line}`).join("\n")}\n`, "f.ts");
    expect(parse(["allow-net true"]).settings).toEqual({ allowNet: true });
    expect(parse(["allow-net false"])).toEqual({ settings: { allowNet: [] }, errors: [], blocking: [] });
    expect(
      parse(["allow-net FALSE", "allow-read false", "allow-write false", "allow-env false"]).settings,
    ).toEqual({
      allowNet: [],
      allowRead: [],
      allowWrite: [],
      allowEnv: [],
    });
    const contradicting = parse([
      "allow-net a.example",
      "allow-net false",
      "allow-read false",
      "allow-read ./x",
    ]);
    expect(contradicting.settings).toEqual({ allowNet: ["a.example"], allowRead: [] });
    expect(contradicting.errors.map((e) => [e.line, e.message])).toEqual([
      [2, expect.stringMatching(/allow-net: `false` contradicts the grant/)],
      [4, expect.stringMatching(/allow-read: contradicts `false`/)],
    ]);
    expect(parse(["allow-read true"]).errors[0]!.message).toMatch(/no grant of everything/);
  });

  it("ignores annotations in code, in strings and in later comments (and says a later comment is ignored)", () => {
    const source = `import { helper } from "./helper.ts";
/**
 * @fluxbase:timeout 5
 */
export async function handler() {
  const note = "@fluxbase:allow-net";
  const text = \`
@fluxbase:memory 1024\`;
  return { note, text }; // @fluxbase:max-retries 9
}
`;
    const { settings, errors } = parseAnnotations(source, "late.ts");
    expect(settings).toEqual({});
    expect(errors).toEqual([
      {
        file: "late.ts",
        line: 3,
        message: expect.stringContaining(
          "@fluxbase:timeout is ignored: annotations only count in the comment block at the top",
        ),
      },
    ]);
  });

  it("ignores an annotation that does not start its comment line", () => {
    const source = "/**\n * See @fluxbase:timeout in the docs.\n */\nexport const handler = () => 1;\n";
    expect(parseAnnotations(source, "f.ts")).toEqual({ settings: {}, errors: [], blocking: [] });
  });

  it("reports malformed annotations with file and line, and still reads the rest", () => {
    const source = [
      "/**", // 1
      " * @fluxbase:timeout soon", // 2
      " * @fluxbase:description Still read", // 3
      " * @fluxbase:retries 3", // 4
      " * @fluxbase:max-retries -1", // 5
      " * @fluxbase:namespace -bad", // 6
      " * @fluxbase:memory 8", // 7
      " * @fluxbase:enabled yes", // 8
      " * @fluxbase:allow-net http://example.com", // 9
      " * @fluxbase:allow-env", // 10
      " * @fluxbase:require-role admin;drop", // 11
      " * @fluxbase:progress-timeout 0", // 12
      " * @fluxbase:timeout 60", // 13
      " */",
      "export async function handler() {}",
    ].join("\r\n");
    const { settings, errors } = parseAnnotations(source, "jobs/bad.ts");
    expect(settings).toEqual({ description: "Still read", timeout: 60 });
    expect(errors.map((e) => [e.file, e.line])).toEqual(
      [2, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => ["jobs/bad.ts", n]),
    );
    expect(errors[0]!.message).toBe(
      '@fluxbase:timeout: expected a whole number of seconds from 1 to 2147483647, got "soon"',
    );
    expect(errors[1]!.message).toBe("unknown annotation @fluxbase:retries");
    expect(errors[5]!.message).toBe('@fluxbase:enabled: expected true or false, got "yes"');
  });

  it("counts the first of a repeated setting and reports the repeat", () => {
    const { settings, errors } = parseAnnotations(
      "// @fluxbase:timeout 10\n// @fluxbase:timeout 20\n",
      "f.ts",
    );
    expect(settings).toEqual({ timeout: 10 });
    expect(errors).toEqual([
      { file: "f.ts", line: 2, message: "duplicate @fluxbase:timeout (the one on line 1 counts)" },
    ]);
  });

  it.each([
    ["0 2 * * *", undefined],
    ["*/5 * * * * *", undefined],
    ["0 9 * * MON-FRI", undefined],
    ["@daily", undefined],
    ["@yearly", undefined],
    ["@monthly", undefined],
    ["@weekly", undefined],
    ["@hourly", undefined],
    [
      "0 2 * *",
      "expected a cron expression of 5 fields (minute hour day month weekday) or 6 (seconds first), or one of @yearly, @annually, @monthly, @weekly, @daily, @hourly; found 4 fields",
    ],
    ["@reboot", "expected one of @yearly"],
    ["0 0 2 * * * 2030", "found 7"],
    ["61 * * * *", "invalid cron expression (Invalid value for minute: 61)"],
    ["0 0 31 2 *", "this one never does"],
  ])("validates the cron expression %s", (cron, problem) => {
    const { settings, errors, blocking } = parseAnnotations(`// @fluxbase:schedule ${cron}\n`, "cron.ts");
    if (problem === undefined) {
      expect(errors).toEqual([]);
      expect(settings.schedule).toBe(cron);
    } else {
      expect(settings.schedule).toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ file: "cron.ts", line: 1 });
      expect(errors[0]!.message).toContain(problem);
      // A schedule that cannot fire keeps the function from loading, unlike other annotation errors.
      expect(blocking).toEqual(errors);
    }
  });

  it("explains a */ that ended the /** */ comment around a schedule, and reads the // form", () => {
    const trapped =
      "/**\n * Every five minutes.\n * @fluxbase:schedule */5 * * * *\n */\nexport default () => 1;\n";
    const { errors, blocking } = parseAnnotations(trapped, "every5.ts");
    expect(errors).toEqual([
      {
        file: "every5.ts",
        line: 3,
        message: expect.stringContaining('the "*/" in the expression ended the /** */ comment'),
      },
    ]);
    expect(errors[0]!.message).toContain("// @fluxbase:schedule */5 * * * *");
    expect(blocking).toEqual(errors);
    const slashes = "// Every five minutes.\n// @fluxbase:schedule */5 * * * *\nexport default () => 1;\n";
    expect(parseAnnotations(slashes, "every5.ts")).toEqual({
      settings: { schedule: "*/5 * * * *" },
      errors: [],
      blocking: [],
    });
  });

  it("normalizes a schedule's spacing and a nickname's case", () => {
    expect(parseAnnotations("// @fluxbase:schedule   0  2 * * *\n", "a.ts").settings.schedule).toBe(
      "0 2 * * *",
    );
    expect(parseAnnotations("// @fluxbase:schedule @Daily\n", "a.ts").settings.schedule).toBe("@daily");
  });
});

describe("resolveFunctionSettings", () => {
  it("fills every column from the server defaults", () => {
    expect(resolveFunctionSettings({}, jobsConfig)).toEqual({
      description: null,
      enabled: true,
      schedule: null,
      timeoutSeconds: 300,
      memoryMb: 256,
      maxRetries: 3,
      progressTimeoutSeconds: 300,
      requireRoles: [],
      permissions: { net: false, env: [], read: [], write: [] },
      runIn: "worker",
      isolation: "warm",
      overlap: null,
      concurrency: null,
      onEvents: [],
      onTables: [],
      onRoles: null,
    });
  });

  it("keeps annotated values and clamps the timeout to the maximum", () => {
    const resolved = resolveFunctionSettings(
      { timeout: 7200, maxRetries: 0, memory: 128, allowNet: true, allowEnv: ["A"], enabled: false },
      jobsConfig,
    );
    expect(resolved).toMatchObject({ timeoutSeconds: 3600, maxRetries: 0, memoryMb: 128, enabled: false });
    expect(resolved.permissions).toEqual({ net: true, env: ["A"], read: [], write: [] });
  });
});
