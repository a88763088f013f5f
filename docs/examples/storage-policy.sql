-- A team bucket: anyone signed in reads what is under `shared/`; each user writes only under
-- `shared/` or a folder named after their own id. Permissive policies add up (OR) with the owner
-- policies storage ships with; a restrictive one must hold as well.
create policy "Signed-in users read shared team files" on storage.objects
  for select to authenticated
  using (bucket_id = 'team-files' and (storage.foldername(name))[1] = 'shared');

create policy "Team files go in shared/ or the user's own folder" on storage.objects
  as restrictive for insert to authenticated
  with check (
    bucket_id <> 'team-files'
    or (storage.foldername(name))[1] in ('shared', auth.uid()::text)
  );
