/**
 * Tables, views and functions the REST tests share, created as superuser with RLS enabled and forced,
 * and a postgrest-js client for a token.
 */
import { PostgrestClient } from "@supabase/postgrest-js";
import type { TestServer } from "../support/server.ts";

export const fixtureSql = `
create table app.todos (
  id bigserial primary key,
  user_id uuid not null default auth.uid(),
  title text not null check (length(title) <= 200),
  done boolean not null default false,
  priority int,
  tags text[] not null default '{}',
  data jsonb not null default '{}',
  slot int4range,
  created_at timestamptz not null default now(),
  search tsvector generated always as (to_tsvector('english', title)) stored
);
alter table app.todos enable row level security;
alter table app.todos force row level security;
create policy todos_own on app.todos for all to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy todos_service on app.todos for all to service_role using (true) with check (true);
grant select, insert, update, delete on app.todos to authenticated, service_role;
grant usage on sequence app.todos_id_seq to authenticated, service_role;

create table public.authors (
  id int primary key,
  name text not null unique
);
create table public.posts (
  id serial primary key,
  author_id int references public.authors (id),
  editor_id int references public.authors (id),
  title text not null,
  published boolean not null default false,
  body text
);
create table public.comments (
  id serial primary key,
  post_id int not null references public.posts (id) on delete cascade,
  text text not null
);
alter table public.authors enable row level security;
alter table public.authors force row level security;
alter table public.posts enable row level security;
alter table public.posts force row level security;
alter table public.comments enable row level security;
alter table public.comments force row level security;
create policy authors_read on public.authors for select to anon, authenticated, service_role using (true);
create policy posts_published on public.posts for select to anon, authenticated using (published);
create policy posts_service on public.posts for all to service_role using (true) with check (true);
create policy comments_read on public.comments for select to anon, authenticated, service_role using (true);
grant select on public.authors, public.posts, public.comments to anon, authenticated;
grant select, insert, update, delete on public.authors, public.posts, public.comments to service_role;
grant usage on all sequences in schema public to service_role;

create view app.my_open_todos with (security_invoker = true) as
  select id, title, priority from app.todos where not done;
grant select on app.my_open_todos to authenticated, service_role;
`;

export async function createFixtures(server: TestServer): Promise<void> {
  await server.db.sql.unsafe(fixtureSql);
}

/** A postgrest-js client as `token` (the apikey header carries the same token, as the SDK does). */
export function restClient(
  server: TestServer,
  token: string,
  schema = "app",
): PostgrestClient<any, any, any> {
  return new PostgrestClient<any, any, any>(`${server.url}/rest/v1`, {
    headers: { apikey: token, Authorization: `Bearer ${token}` },
    schema,
  });
}

/** Inserts todos as superuser for `userId`; returns their ids in order. */
export async function seedTodos(
  server: TestServer,
  userId: string,
  rows: { title: string; done?: boolean; priority?: number | null; tags?: string[]; data?: unknown }[],
): Promise<number[]> {
  const ids: number[] = [];
  for (const row of rows) {
    const [inserted] = await server.db.sql<{ id: string }[]>`
      insert into app.todos (user_id, title, done, priority, tags, data)
      values (${userId}, ${row.title}, ${row.done ?? false}, ${row.priority ?? null}, ${row.tags ?? []},
              ${server.db.sql.json((row.data ?? {}) as never)})
      returning id`;
    ids.push(Number(inserted!.id));
  }
  return ids;
}
