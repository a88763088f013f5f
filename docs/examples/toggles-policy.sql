-- Rows only tenants on the new billing see: toggles.is_on() reads the request's claims, so the
-- policy follows every flip at once, for REST, realtime and jobs' clients alike.
create table app.invoices_v2 (
  id bigserial primary key,
  tenant text not null,
  total_cents integer not null
);
alter table app.invoices_v2 enable row level security;
grant select on app.invoices_v2 to authenticated;
create policy "Tenants on new billing read their v2 invoices" on app.invoices_v2
  for select to authenticated
  using (tenant = auth.jwt() ->> 'tenant_id' and toggles.is_on('new-billing'));
