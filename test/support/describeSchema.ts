/**
 * A deterministic text description of the database objects the migrations create (tables, columns,
 * constraints, indexes, RLS, policies, functions, triggers, grants): the checked-in schema dump that
 * a test compares with a freshly migrated database.
 */
import type { Sql } from "../../server/db/createSql.ts";

const schemas = ["auth", "jobs", "toggles", "fluxbase", "app", "public"];

export async function describeSchema(sql: Sql): Promise<string> {
  const sections: [string, Promise<{ line: string }[]>][] = [
    [
      "tables",
      sql`select format('%s.%s rls=%s force=%s', n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity) as line
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind in ('r', 'p', 'v') and n.nspname = any(${schemas}) order by 1`,
    ],
    [
      "columns",
      sql`select format('%s.%s.%s %s%s%s', table_schema, table_name, column_name, data_type,
                 case when is_nullable = 'NO' then ' not null' else '' end,
                 coalesce(' default ' || column_default, '')) as line
          from information_schema.columns where table_schema = any(${schemas}) order by 1`,
    ],
    [
      "constraints",
      sql`select format('%s.%s %s', n.nspname, c.conname, pg_get_constraintdef(c.oid)) as line
          from pg_constraint c join pg_namespace n on n.oid = c.connamespace
          where n.nspname = any(${schemas}) order by 1`,
    ],
    ["indexes", sql`select indexdef as line from pg_indexes where schemaname = any(${schemas}) order by 1`],
    [
      "policies",
      sql`select format('%s.%s "%s" %s to %s using (%s) check (%s)', schemaname, tablename, policyname, cmd,
                 array_to_string(roles, ','), coalesce(qual, ''), coalesce(with_check, '')) as line
          from pg_policies where schemaname = any(${schemas}) order by 1`,
    ],
    [
      "functions",
      sql`select format('%s.%s(%s) returns %s security_definer=%s body_md5=%s', n.nspname, p.proname,
                 pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid), p.prosecdef,
                 md5(p.prosrc)) as line
          from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname = any(${schemas}) order by 1`,
    ],
    [
      "triggers",
      sql`select pg_get_triggerdef(t.oid) as line from pg_trigger t
          join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
          where not t.tgisinternal and n.nspname = any(${schemas}) order by 1`,
    ],
    [
      "grants",
      sql`select format('%s.%s %s to %s', table_schema, table_name, privilege_type, grantee) as line
          from information_schema.role_table_grants
          where table_schema = any(${schemas}) and grantee in ('anon', 'authenticated', 'service_role', 'PUBLIC')
          order by 1`,
    ],
    [
      "column grants",
      sql`select format('%s.%s.%s %s to %s', table_schema, table_name, column_name, privilege_type, grantee) as line
          from information_schema.column_privileges
          where table_schema = any(${schemas}) and grantee in ('anon', 'authenticated', 'PUBLIC')
            and (table_schema, table_name, privilege_type, grantee) not in (
              select table_schema, table_name, privilege_type, grantee from information_schema.role_table_grants)
          order by 1`,
    ],
  ];
  const parts: string[] = [];
  for (const [title, rows] of sections) {
    parts.push(`-- ${title}`, ...(await rows).map((row) => row.line), "");
  }
  return parts.join("\n");
}
