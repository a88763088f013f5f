// Your own rows through /rest/v1 (postgrest-js queries): row-level security decides what you see.
import { createClient } from "@fluxbase/sdk";

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!);
const notes = () => client.from("app.notes"); // "schema.table"; an undotted name means "public"

const { data: added, error } = await notes()
  .insert([{ body: "first" }, { body: "second" }])
  .select("id, body");
if (error) throw new Error(`${error.code} ${error.message}`);
console.log(`added ${added.length} notes`);

const { data: page, count } = await notes().select("id, body", { count: "exact" }).order("id").limit(10);
console.log(`${count} notes visible to me:`, page?.map((note) => note.body).join(", "));

await notes().update({ body: "first, edited" }).eq("id", added[0]!.id);
const { data: one } = await notes().select("body").eq("id", added[0]!.id).single();
console.log("after update:", one?.body);

const unfiltered = await notes().delete(); // a DELETE or PATCH without a filter is refused
console.log("unfiltered delete:", unfiltered.error?.code);

const { data: removed } = await notes()
  .delete()
  .in(
    "id",
    added.map((note) => note.id),
  )
  .select("id");
console.log(`deleted ${removed?.length} notes`);
