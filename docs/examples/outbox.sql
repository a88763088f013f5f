-- The table the trusted-handler examples write: only the server (service role) uses it.
create table if not exists app.outbox (
  id bigint generated always as identity primary key,
  recipient text not null,
  body text not null,
  created_at timestamptz not null default now()
);
alter table app.outbox enable row level security;
alter table app.outbox force row level security;
grant select, insert on app.outbox to service_role;
