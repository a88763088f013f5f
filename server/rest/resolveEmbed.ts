/**
 * Which foreign key an embedded resource (`select=*,author(name)`) goes through: a to-one
 * relationship when the parent holds the key (also when the embed is named after the key's column,
 * `author_id(name)`), a to-many one when the embedded relation holds it. A hint (`author!fk_name(...)`
 * or `author!author_id(...)`) picks between several.
 */
import { type Catalog, type ForeignKey, findRelation, type Relation } from "./catalog.ts";
import { RestError } from "./restError.ts";

export interface Relationship {
  fk: ForeignKey;
  /** True when the parent holds the foreign key (many-to-one / one-to-one). */
  toOne: boolean;
  target: Relation;
}

export function resolveEmbed(
  catalog: Catalog,
  parent: Relation | undefined,
  name: string,
  hint: string | undefined,
): Relationship {
  const label = parent?.name ?? "the function result";
  const candidates: { fk: ForeignKey; toOne: boolean }[] = [];
  for (const fk of parent ? catalog.foreignKeys : []) {
    const parentHolds = fk.schema === parent!.schema && fk.table === parent!.name;
    const childHolds = fk.refSchema === parent!.schema && fk.refTable === parent!.name;
    if (parentHolds && fk.refSchema === parent!.schema) {
      const byColumn = fk.columns.length === 1 && fk.columns[0] === name;
      if (fk.refTable === name || byColumn) candidates.push({ fk, toOne: true });
    }
    if (childHolds && fk.schema === parent!.schema && fk.table === name)
      candidates.push({ fk, toOne: false });
  }
  const matching = hint
    ? candidates.filter(
        ({ fk }) => fk.name === hint || fk.columns.includes(hint) || fk.refColumns.includes(hint),
      )
    : candidates;
  if (matching.length === 0) {
    throw new RestError(
      400,
      "PGRST200",
      `Could not find a relationship between '${label}' and '${name}' in the schema cache`,
      {
        hint: hint ? `No foreign key named or through '${hint}'` : null,
        catalogMiss: true,
      },
    );
  }
  if (matching.length > 1) {
    throw new RestError(
      300,
      "PGRST201",
      `Could not embed because more than one relationship was found for '${label}' and '${name}'`,
      {
        details: matching.map(({ fk }) => `${fk.name} (${fk.table}(${fk.columns.join(", ")}))`).join("; "),
        hint: `Pick one with '${name}!<foreign key name>'`,
      },
    );
  }
  const { fk, toOne } = matching[0]!;
  const target = toOne
    ? findRelation(catalog, fk.refSchema, fk.refTable)
    : findRelation(catalog, fk.schema, fk.table);
  return { fk, toOne, target };
}
