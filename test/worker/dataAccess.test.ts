/**
 * A job reads and writes user tables the way the spec shows: `fluxbase` sees what the submitting
 * user may see (RLS), `fluxbaseService` sees everything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertFunction,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  server = await startTestServer({ workers: true });
  [alice, bob] = [await server.user(), await server.user()];
  await server.db.sql.unsafe(`
    create schema if not exists app;
    grant usage on schema app to anon, authenticated, service_role;
    create table app.notes (
      id bigint generated always as identity primary key,
      user_id uuid not null default auth.uid(),
      body text not null
    );
    alter table app.notes enable row level security;
    alter table app.notes force row level security;
    create policy "own notes" on app.notes for all to authenticated
      using (user_id = auth.uid()) with check (user_id = auth.uid());
    create policy "service" on app.notes for all to service_role using (true) with check (true);
    grant select, insert, update, delete on app.notes to authenticated, service_role;
  `);
  await server.db.sql`insert into app.notes (user_id, body) values
    (${alice.id}, 'alice 1'), (${alice.id}, 'alice 2'), (${bob.id}, 'bob 1')`;
  await insertFunction(server, {
    name: "notes-report",
    code: `export async function handler(req, fluxbase, fluxbaseService, job) {
      const user = job.getJobContext().user;
      const mine = await fluxbase.from("app.notes").select("body").order("body");
      if (mine.error) throw new Error("user read failed: " + mine.error.message);
      const all = await fluxbaseService.from("app.notes").select("body", { count: "exact" });
      if (all.error) throw new Error("service read failed: " + all.error.message);
      const own = await fluxbase.from("app.notes").insert({ user_id: user.id, body: "written by job" }).select("body").single();
      const forged = await fluxbase.from("app.notes").insert({ user_id: job.getJobPayload().victim, body: "forged" });
      const others = await fluxbase.from("app.notes").delete().eq("user_id", job.getJobPayload().victim).select();
      return {
        mine: mine.data.map((n) => n.body),
        total: all.count,
        own: own.data?.body ?? own.error?.message,
        forged_error: forged.error?.code ?? null,
        deleted_of_others: others.data?.length ?? others.error?.code,
      };
    }`,
  });
});
afterAll(() => server.stop());

describe("data access from jobs", () => {
  it("fluxbase acts as the submitting user and fluxbaseService bypasses RLS", async () => {
    const res = await server.request("POST", "/api/v1/jobs/submit", {
      token: alice.token,
      body: { job_name: "notes-report", payload: { victim: bob.id } },
    });
    const job = await waitForJob(server, (await res.json()).id);
    expect(job.error_message).toBeNull();
    expect(job.result).toEqual({
      mine: ["alice 1", "alice 2"],
      total: 3,
      own: "written by job",
      forged_error: "42501",
      deleted_of_others: 0,
    });
    const bobs = await server.db.sql`select body from app.notes where user_id = ${bob.id}`;
    expect(bobs).toEqual([{ body: "bob 1" }]);
  });
});
