/**
 * At start-up: records which claim names the tenant (so SQL's `toggles.current_tenant()` reads the
 * same one) and stores the toggles the code declares with their defaults. An operator's value,
 * rollout and overrides are kept; only the code's default and description follow the code.
 */
import type { Sql } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import type { ToggleDefinition } from "./types.ts";

export async function syncToggles(
  sql: Sql,
  declared: readonly ToggleDefinition[],
  tenantClaim: string,
): Promise<void> {
  await asService(sql, async (tx) => {
    await tx`update toggles.settings set tenant_claim = ${tenantClaim} where tenant_claim <> ${tenantClaim}`;
    for (const toggle of declared) {
      await tx`
        insert into toggles.flags (id, description, code_default)
        values (${toggle.id}, ${toggle.description}, ${toggle.default})
        on conflict (id) do update set code_default = excluded.code_default,
          description = case when excluded.description = '' then toggles.flags.description
                             else excluded.description end
        where toggles.flags.code_default is distinct from excluded.code_default
           or (excluded.description <> '' and toggles.flags.description <> excluded.description)`;
    }
  });
}
