-- A table of your own for the REST API: each user sees and changes only their own notes.
create table app.notes (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid(),
  body text not null,
  created_at timestamptz not null default now()
);
alter table app.notes enable row level security;
alter table app.notes force row level security;
create policy "own notes" on app.notes for all to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());
grant select, insert, update, delete on app.notes to authenticated, service_role;
