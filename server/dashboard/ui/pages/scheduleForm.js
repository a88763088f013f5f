/** The form that creates a schedule, or edits one: function, cron, time zone, payload, overlap. */
import { problem } from "../format.js";
import { html, useState } from "../html.js";

export function ScheduleForm({ client, schedule, onSaved }) {
  const [message, setMessage] = useState("");
  const save = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    let payload;
    try {
      payload = JSON.parse(String(form.get("payload") || "{}"));
    } catch (error) {
      return setMessage(`The payload is not JSON: ${error.message}`);
    }
    const input = {
      cron: String(form.get("cron")),
      timezone: String(form.get("timezone")) || "UTC",
      payload,
      overlap: String(form.get("overlap")),
    };
    const { data, error } = schedule
      ? await client.admin.jobs.schedules.update(schedule.id, input)
      : await client.admin.jobs.schedules.create({
          ...input,
          name: String(form.get("name")),
          job_name: String(form.get("job_name")),
          namespace: String(form.get("namespace")) || undefined,
        });
    if (error) return setMessage(problem(error));
    setMessage("");
    onSaved(data);
  };
  return html`<form class="filters schedule-form" onSubmit=${save}>
    ${
      !schedule &&
      html`<label>Name <input name="name" required /></label>
      <label>Function <input name="job_name" required /></label>
      <label>Namespace <input name="namespace" placeholder="default" /></label>`
    }
    <label>Cron <input name="cron" required placeholder="0 3 * * * or @daily" value=${schedule?.cron ?? ""} /></label>
    <label>Time zone <input name="timezone" placeholder="UTC" value=${schedule?.timezone ?? ""} /></label>
    <label>Payload (JSON) <input name="payload" value=${JSON.stringify(schedule?.payload ?? {})} /></label>
    <label>While a run is active <select name="overlap" value=${schedule?.overlap ?? "skip"}>
      <option value="skip">skip</option><option value="allow">start another</option>
    </select></label>
    <button type="submit">${schedule ? "Save" : "Create schedule"}</button>
    ${message && html`<p role="alert">${message}</p>`}
  </form>`;
}
