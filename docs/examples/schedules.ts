// Schedules as data: create one with a payload and a time zone, run it now, pause and resume it.
import { createClient } from "@fluxbase/sdk";

const admin = createClient(process.env.FLUXBASE_URL!, { serviceKey: process.env.FLUXBASE_SERVICE_KEY! });
const schedules = admin.admin.jobs.schedules;

const { data: schedule, error } = await schedules.create({
  name: "morning-hello",
  job_name: "hello",
  cron: "0 8 * * MON-FRI", // 08:00 on weekdays...
  timezone: "Europe/Paris", // ...in Paris, summer time included
  payload: { name: "team" },
});
if (error) throw error;
console.log(`${schedule.name}: next run at ${schedule.next_run_at}`);

// A bad expression is refused with the reason.
const bad = await schedules.create({ name: "typo", job_name: "hello", cron: "0 8 * *" });
console.log(bad.error?.code, bad.error?.message.includes("found 4 fields"));

// Run it now: the job has the schedule's payload, plus the time it was started for.
const { data: job } = await schedules.trigger(schedule.id);
console.log(`started ${job?.job_name} with`, job?.payload.name);

const { data: paused } = await schedules.pause(schedule.id);
console.log(`paused: next run ${paused?.next_run_at}`);
await schedules.resume(schedule.id);

// Every schedule, from the API and from @fluxbase:schedule annotations alike.
const { data: all } = await schedules.list();
for (const s of all ?? []) console.log(`${s.name} (${s.source}): ${s.cron} ${s.timezone}`);

await schedules.delete(schedule.id);
