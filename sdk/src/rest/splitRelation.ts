/** Splits `"app.my_table"` into schema and table; an undotted name gets the default schema. */

/** `"app.my_table"` → `{ schema: "app", table: "my_table" }`; `"todos"` → `{ schema: defaultSchema, table: "todos" }`. */
export function splitRelation(name: string, defaultSchema: string): { schema: string; table: string } {
  const dot = name.indexOf(".");
  if (dot <= 0 || dot === name.length - 1) return { schema: defaultSchema, table: name };
  return { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}
