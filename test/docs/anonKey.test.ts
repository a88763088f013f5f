/**
 * What the README says of the anon key holds: it sees no jobs, cannot submit one (and nothing is
 * written), and over /rest/v1 reaches only what the app's SQL grants to `anon`. (That realtime sends
 * it no job rows is in test/realtime/rls.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { submit, useDocsServer } from "./support.ts";

const docs = useDocsServer();

describe("the anon key, as the README describes it", () => {
  it("lists no jobs, even when there are some", async () => {
    await submit(docs, docs.ada.token, { job_name: "hello" });
    const res = await docs.server.request("GET", "/api/v1/jobs", { token: docs.server.anonKey });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ jobs: [], total: 0 });
  });

  it("cannot submit: 403 PERMISSION_DENIED and no row written", async () => {
    const [{ count: before }] = await docs.server.db.sql`select count(*)::int as count from jobs.queue`;
    const res = await docs.server.request("POST", "/api/v1/jobs/submit", {
      token: docs.server.anonKey,
      body: { job_name: "hello" },
    });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("PERMISSION_DENIED");
    const [{ count: after }] = await docs.server.db.sql`select count(*)::int as count from jobs.queue`;
    expect(after).toBe(before);
  });

  it("reaches over /rest/v1 only the tables granted to anon", async () => {
    await docs.server.db.sql.unsafe(`
      create table app.announcements (id int primary key, body text not null);
      alter table app.announcements enable row level security;
      alter table app.announcements force row level security;
      create policy "everyone reads" on app.announcements for select to anon, authenticated using (true);
      grant select on app.announcements to anon, authenticated;
      insert into app.announcements values (1, 'hello');`);
    const headers = { "accept-profile": "app" };
    const granted = await docs.server.request("GET", "/rest/v1/announcements?select=body", {
      token: docs.server.anonKey,
      headers,
    });
    expect(granted.status).toBe(200);
    expect(await granted.json()).toEqual([{ body: "hello" }]);
    const notes = await docs.server.request("GET", "/rest/v1/notes", { token: docs.server.anonKey, headers });
    expect(notes.status).toBe(401);
    expect((await notes.json()).code).toBe("42501");
    const write = await docs.server.request("POST", "/rest/v1/announcements", {
      token: docs.server.anonKey,
      headers: { "content-profile": "app" },
      body: { id: 2, body: "spam" },
    });
    expect(write.status).toBe(401);
    expect((await write.json()).code).toBe("42501");
    const [{ count }] = await docs.server.db.sql`select count(*)::int as count from app.announcements`;
    expect(count).toBe(1);
  });
});
