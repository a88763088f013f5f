/**
 * Schedules: the SQL behind the admin API, run as the caller so RLS keeps everyone but admins and
 * the service role out. next_run_at is computed here from the database clock whenever the cron,
 * the time zone or the enabled flag changes.
 */
import type { Tx } from "../db/createSql.ts";
import { conflict, forbidden, notFound } from "../errors.ts";
import { nextFireTime } from "./cronExpression.ts";
import { enqueueScheduleRun } from "./enqueueScheduleRun.ts";
import { type ScheduleRow, scheduleColumns } from "./scheduleRow.ts";

export type ScheduleInput = Pick<
  ScheduleRow,
  | "name"
  | "namespace"
  | "job_name"
  | "cron"
  | "timezone"
  | "payload"
  | "enabled"
  | "max_retries"
  | "backoff"
  | "overlap"
  | "misfire"
>;

/** Fields that come from the function's annotation on an annotation row. */
const annotationOwned = ["name", "namespace", "job_name", "cron"] as const;

export const scheduleNotFound = (id: string) => notFound("SCHEDULE_NOT_FOUND", `No schedule ${id}`, { id });

export function listSchedules(
  tx: Tx,
  filter: { namespace?: string; job_name?: string; source?: string },
): Promise<ScheduleRow[]> {
  return tx<ScheduleRow[]>`
    select ${tx(scheduleColumns)} from jobs.schedules
    where (${filter.namespace ?? null}::text is null or namespace = ${filter.namespace ?? null})
      and (${filter.job_name ?? null}::text is null or job_name = ${filter.job_name ?? null})
      and (${filter.source ?? null}::text is null or source = ${filter.source ?? null})
    order by namespace, name`;
}

export async function findSchedule(tx: Tx, id: string, lock = false): Promise<ScheduleRow> {
  const [row] = await tx<ScheduleRow[]>`
    select ${tx(scheduleColumns)} from jobs.schedules where id = ${id} ${lock ? tx`for update` : tx``}`;
  if (!row) throw scheduleNotFound(id);
  return row;
}

async function nextRun(
  tx: Tx,
  row: Pick<ScheduleRow, "cron" | "timezone" | "enabled">,
): Promise<Date | null> {
  if (!row.enabled) return null;
  const [{ now }] = await tx<{ now: Date }[]>`select now() as now`;
  return nextFireTime(row.cron, row.timezone, now);
}

async function assertFunction(tx: Tx, namespace: string, jobName: string): Promise<void> {
  const [fn] = await tx`select 1 from jobs.functions where namespace = ${namespace} and name = ${jobName}`;
  if (!fn)
    throw notFound("FUNCTION_NOT_FOUND", `No job function "${jobName}" in namespace "${namespace}"`, {
      job_name: jobName,
      namespace,
    });
}

async function assertNameFree(tx: Tx, namespace: string, name: string, except?: string): Promise<void> {
  const [taken] = await tx<{ id: string; source: string }[]>`
    select id, source from jobs.schedules
    where namespace = ${namespace} and name = ${name} and id is distinct from ${except ?? null}::uuid`;
  if (taken)
    throw conflict(
      "SCHEDULE_EXISTS",
      `A schedule named "${name}" already exists in namespace "${namespace}"${taken.source === "annotation" ? " (the @fluxbase:schedule of the function of that name)" : ""}`,
      { id: taken.id, name, namespace },
    );
}

/**
 * A function whose @fluxbase:schedule could not take its name (an API schedule held it) gets its
 * row once the name is free: rewriting setup_error runs the functions' schedule trigger again.
 */
async function releaseName(tx: Tx, namespace: string, name: string): Promise<void> {
  await tx`update jobs.functions set setup_error = null
    where namespace = ${namespace} and name = ${name} and schedule is not null and setup_error is not null`;
}

export async function insertSchedule(tx: Tx, input: ScheduleInput): Promise<ScheduleRow> {
  await assertFunction(tx, input.namespace, input.job_name);
  await assertNameFree(tx, input.namespace, input.name);
  const next = await nextRun(tx, input);
  const [row] = await tx<ScheduleRow[]>`
    insert into jobs.schedules ${tx({
      ...input,
      payload: tx.json(input.payload as never),
      backoff: input.backoff ? tx.json(input.backoff as never) : null,
      source: "api",
      next_run_at: next,
    } as never)}
    returning ${tx(scheduleColumns)}`;
  return row!;
}

export async function updateSchedule(
  tx: Tx,
  id: string,
  patch: Partial<ScheduleInput>,
): Promise<ScheduleRow> {
  const current = await findSchedule(tx, id, true);
  if (current.source === "annotation") {
    const owned = annotationOwned.filter((key) => patch[key] !== undefined && patch[key] !== current[key]);
    if (owned.length > 0)
      throw conflict(
        "SCHEDULE_FROM_ANNOTATION",
        `Schedule "${current.name}" comes from the @fluxbase:schedule of function "${current.job_name}": change ${owned.join(", ")} there`,
        { id, fields: owned },
      );
  }
  const merged = { ...current, ...patch };
  if (patch.namespace !== undefined || patch.job_name !== undefined)
    await assertFunction(tx, merged.namespace, merged.job_name);
  if (patch.namespace !== undefined || patch.name !== undefined)
    await assertNameFree(tx, merged.namespace, merged.name, id);
  const set: Record<string, unknown> = { ...patch };
  if (patch.payload) set.payload = tx.json(patch.payload as never);
  if (patch.backoff) set.backoff = tx.json(patch.backoff as never);
  if (patch.cron !== undefined || patch.timezone !== undefined || patch.enabled !== undefined)
    set.next_run_at = await nextRun(tx, merged);
  const [row] = await tx<ScheduleRow[]>`
    update jobs.schedules set ${tx(set, Object.keys(set) as never)}, updated_at = now() where id = ${id}
    returning ${tx(scheduleColumns)}`;
  if (current.name !== row!.name || current.namespace !== row!.namespace)
    await releaseName(tx, current.namespace, current.name);
  return row!;
}

export async function deleteSchedule(tx: Tx, id: string): Promise<void> {
  const current = await findSchedule(tx, id, true);
  if (current.source === "annotation")
    throw conflict(
      "SCHEDULE_FROM_ANNOTATION",
      `Schedule "${current.name}" comes from the @fluxbase:schedule of function "${current.job_name}": remove the annotation to delete it, or pause it`,
      { id },
    );
  await tx`delete from jobs.schedules where id = ${id}`;
  await releaseName(tx, current.namespace, current.name);
}

/** Runs a schedule now (paused or not); with overlap "skip" an active run makes it a 409. */
export async function triggerSchedule(tx: Tx, id: string) {
  const schedule = await findSchedule(tx, id, true);
  const outcome = await enqueueScheduleRun(tx, schedule, "now");
  if (!outcome.started) {
    const context = { schedule_id: id, job_name: schedule.job_name, namespace: schedule.namespace };
    switch (outcome.reason) {
      case "overlap":
        throw conflict("SCHEDULE_RUN_ACTIVE", `Not started: ${outcome.message}`, {
          ...context,
          existing_run_id: outcome.existing_run_id,
        });
      case "function_missing":
        throw notFound("FUNCTION_NOT_FOUND", `Not started: ${outcome.message}`, context);
      case "function_disabled":
        throw forbidden("FUNCTION_DISABLED", `Not started: ${outcome.message}`, context);
      default:
        throw conflict("FUNCTION_NOT_READY", `Not started: ${outcome.message}`, context);
    }
  }
  await tx`update jobs.schedules set last_run_at = now(), last_job_id = ${outcome.job.id} where id = ${id}`;
  return outcome.job;
}
