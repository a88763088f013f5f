/** Schedules: every cron schedule with its next and last run; run now, pause, resume. */
import { ago, problem, when } from "../format.js";
import { html, useState } from "../html.js";
import { useLive } from "../session.js";
import { ScheduleForm } from "./scheduleForm.js";

export function Schedules({ client }) {
  const [rows, setRows] = useState([]);
  const [message, setMessage] = useState("");
  const [editing, setEditing] = useState(null);
  const reload = useLive(async () => {
    const { data, error } = await client.admin.jobs.schedules.list();
    if (error) return setMessage(problem(error));
    setRows(data);
  });
  const act = async (schedule, action) => {
    const { data, error } = await client.admin.jobs.schedules[action](schedule.id);
    if (error) setMessage(problem(error));
    else if (action === "trigger") setMessage(`${schedule.name}: started job ${data.id}`);
    else setMessage(`${schedule.name}: ${action === "pause" ? "paused" : "resumed"}`);
    reload();
  };
  return html`<section aria-labelledby="schedules-title">
    <h1 id="schedules-title">Schedules</h1>
    <details>
      <summary>New schedule</summary>
      <${ScheduleForm} client=${client} onSaved=${(s) => {
        setMessage(`${s.name}: created, next run ${when(s.next_run_at)}`);
        reload();
      }} />
    </details>
    ${message && html`<p role="status" class="message">${message}</p>`}
    ${rows.length === 0 && html`<p>No schedules. Add <code>@fluxbase:schedule</code> to a function, or create one with <code>fluxbase schedules create</code>.</p>`}
    <div class="scroll" tabindex="0"><table>
      <thead><tr><th scope="col">Schedule</th><th scope="col">Cron</th><th scope="col">State</th><th scope="col">Next run</th><th scope="col">Last run</th><th scope="col">Actions</th></tr></thead>
      <tbody>${rows.map(
        (s) => html`<tr class="schedule" data-name=${s.name}>
          <th scope="row">${s.name}<br /><small>${s.namespace}/${s.job_name} · ${s.source}</small></th>
          <td><code>${s.cron}</code> ${s.timezone}</td>
          <td class="state">${s.enabled ? "enabled" : "paused"}</td>
          <td>${when(s.next_run_at)}</td>
          <td>${s.last_job_id ? html`<a href=${`#/jobs/${s.last_job_id}`}>${ago(s.last_run_at)}</a>` : "never"}</td>
          <td class="row-actions">
            <button type="button" data-action="trigger" onClick=${() => act(s, "trigger")}>run now</button>
            <button type="button" data-action="pause" onClick=${() => act(s, s.enabled ? "pause" : "resume")}>${s.enabled ? "pause" : "resume"}</button>
            <button type="button" data-action="edit" aria-expanded=${editing === s.id} onClick=${() => setEditing(editing === s.id ? null : s.id)}>edit</button>
          </td>
        </tr>
        ${
          editing === s.id &&
          html`<tr class="details"><td colspan="6"><${ScheduleForm} client=${client} schedule=${s} onSaved=${(
            saved,
          ) => {
            setEditing(null);
            setMessage(`${saved.name}: saved, next run ${when(saved.next_run_at)}`);
            reload();
          }} /></td></tr>`
        }`,
      )}</tbody>
    </table></div>
  </section>`;
}
