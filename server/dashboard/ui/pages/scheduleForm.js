/**
 * The form that creates a schedule, or edits one: function, cron, time zone, payload, overlap. Its
 * fields live in the form's own state, taken once from the schedule, so a live refresh of the page
 * never overwrites what is being typed.
 */
import { problem } from "../format.js";
import { html, useState } from "../html.js";

export function ScheduleForm({ client, schedule, onSaved }) {
  const [message, setMessage] = useState("");
  const [fields, setFields] = useState(() => ({
    name: "",
    job_name: "",
    namespace: "",
    cron: schedule?.cron ?? "",
    timezone: schedule?.timezone ?? "",
    payload: JSON.stringify(schedule?.payload ?? {}),
    overlap: schedule?.overlap ?? "skip",
  }));
  const field = (key) => ({
    name: key,
    value: fields[key],
    onInput: (event) => setFields({ ...fields, [key]: event.currentTarget.value }),
  });
  const save = async (event) => {
    event.preventDefault();
    let payload;
    try {
      payload = JSON.parse(fields.payload || "{}");
    } catch (error) {
      return setMessage(`The payload is not JSON: ${error.message}`);
    }
    const input = { cron: fields.cron, timezone: fields.timezone || "UTC", payload, overlap: fields.overlap };
    const { data, error } = schedule
      ? await client.admin.jobs.schedules.update(schedule.id, input)
      : await client.admin.jobs.schedules.create({
          ...input,
          name: fields.name,
          job_name: fields.job_name,
          namespace: fields.namespace || undefined,
        });
    if (error) return setMessage(problem(error));
    setMessage("");
    onSaved(data);
  };
  return html`<form class="filters schedule-form" onSubmit=${save}>
    ${
      !schedule &&
      html`<label>Name <input required ...${field("name")} /></label>
      <label>Function <input required ...${field("job_name")} /></label>
      <label>Namespace <input placeholder="default" ...${field("namespace")} /></label>`
    }
    <label>Cron <input required placeholder="0 3 * * * or @daily" ...${field("cron")} /></label>
    <label>Time zone <input placeholder="UTC" ...${field("timezone")} /></label>
    <label>Payload (JSON) <input ...${field("payload")} /></label>
    <label>While a run is active <select ...${field("overlap")} onChange=${field("overlap").onInput}>
      <option value="skip">skip</option><option value="allow">start another</option>
    </select></label>
    <button type="submit">${schedule ? "Save" : "Create schedule"}</button>
    ${message && html`<p role="alert">${message}</p>`}
  </form>`;
}
