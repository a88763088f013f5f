// Trusted handlers for the standalone server: `npm start` loads this module when it is
// ./handlers/index.ts, or wherever FLUXBASE_HANDLERS points.
import { defineJob } from "fluxbase-jobs";
import { z } from "zod";

export const sendWelcome = defineJob({
  name: "send-welcome",
  runIn: "worker",
  payload: z.object({ to: z.string().email(), name: z.string().min(1) }),
  maxRetries: 5,
  timeout: 30,
  handler: async (ctx, payload) => {
    ctx.progress(50, "rendering");
    ctx.log.info("sending", { to: payload.to });
    // Trusted SQL as the service role, in your own tables.
    await ctx.sql`insert into app.outbox ${ctx.sql({ recipient: payload.to, body: `Welcome, ${payload.name}!` })}`;
    if (ctx.signal.aborted) return { sent: false };
    return { sent: true, attempt: ctx.job.attempt };
  },
});

export const myNoteCount = defineJob({
  name: "my-note-count",
  runIn: "api",
  timeout: 10,
  handler: async (ctx) => {
    // As the user who submitted the job: their role, their claims, their row-level security.
    const [row] = await ctx.sqlAsUser((tx) => tx`select count(*)::int as notes from app.notes`);
    // A follow-up job in the same transaction as a write: both happen, or neither.
    await ctx.sql.begin(async (tx) => {
      await tx`insert into app.outbox ${tx({ recipient: ctx.job.user?.email ?? "nobody", body: `${row?.notes} notes` })}`;
      await ctx.jobs.enqueue("send-welcome", { to: "ops@example.com", name: "Ops" }, { sql: tx, delay: 0 });
    });
    return { notes: row?.notes ?? 0, user: ctx.job.user?.email ?? null };
  },
});

export default [sendWelcome, myNoteCount];
