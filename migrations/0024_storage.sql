-- File storage compatible with Supabase Storage: buckets and the metadata of their objects. The bytes
-- live outside the database (a driver; on disk by default), keyed by `version`, never by `name`, so an
-- object's name can never address a file of the host. Row-level security decides every access: the
-- server reads and writes these rows as the caller (or checks a signed URL, then acts as the service).
CREATE SCHEMA IF NOT EXISTS storage;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;

CREATE TABLE storage.buckets (
  -- Words the routes use after /object/ can't be bucket ids (`/object/public/...` is a route).
  id text PRIMARY KEY CHECK (
    id ~ '^[a-z0-9][a-z0-9._-]{0,62}$'
    AND id NOT IN ('public', 'sign', 'info', 'list', 'list-v2', 'move', 'copy', 'upload', 'authenticated', 'render')
  ),
  name text NOT NULL UNIQUE,
  owner uuid DEFAULT auth.uid(),
  public boolean NOT NULL DEFAULT false,
  -- Bytes; NULL: the server's FLUXBASE_STORAGE_MAX_FILE_SIZE.
  file_size_limit bigint CHECK (file_size_limit > 0),
  -- e.g. {image/png, image/*}; NULL: any type.
  allowed_mime_types text[],
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE storage.objects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  bucket_id text NOT NULL REFERENCES storage.buckets (id),
  -- The object's path inside its bucket (`folder/file.png`); checked by the server as well.
  name text NOT NULL CHECK (
    octet_length(name) BETWEEN 1 AND 1024
    AND name !~ '[\x01-\x1f\x7f\\]'
    AND name !~ '(^|/)\.{1,2}(/|$)'
    AND name !~ '(^/|//|/$)'
  ),
  owner uuid DEFAULT auth.uid(),
  -- Where the bytes are: a new uuid each time the content changes (upload, upsert, copy).
  version uuid NOT NULL DEFAULT gen_random_uuid(),
  -- What the server knows of the bytes: size, mimetype, eTag, cacheControl, lastModified.
  metadata jsonb NOT NULL DEFAULT '{}',
  user_metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_accessed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (bucket_id, name)
);
-- Listing a folder: `name LIKE 'prefix%'` inside one bucket.
CREATE INDEX objects_bucket_name_prefix_idx ON storage.objects (bucket_id, name text_pattern_ops);

-- Helpers for policies, as in Supabase: (storage.foldername(name))[1] = auth.uid()::text.
CREATE FUNCTION storage.foldername(name text) RETURNS text[]
  LANGUAGE sql IMMUTABLE AS $$ SELECT (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1] $$;
CREATE FUNCTION storage.filename(name text) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)] $$;
CREATE FUNCTION storage.extension(name text) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN storage.filename(name) LIKE '%.%'
    THEN lower(regexp_replace(storage.filename(name), '^.*\.', '')) ELSE '' END $$;

ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.buckets FORCE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects FORCE ROW LEVEL SECURITY;

GRANT SELECT, INSERT, UPDATE, DELETE ON storage.buckets, storage.objects TO authenticated, service_role;
-- Reads only, so an anonymous caller finds nothing (404) rather than a permission error; an app's
-- policies may open public folders to it.
GRANT SELECT ON storage.buckets, storage.objects TO anon;

-- Buckets are the operator's (service role, admins); an app may add policies for its users.
CREATE POLICY "Admins manage buckets" ON storage.buckets
  FOR ALL TO authenticated USING (auth.is_admin()) WITH CHECK (auth.is_admin());
CREATE POLICY "Service role manages buckets" ON storage.buckets
  FOR ALL TO service_role USING (true) WITH CHECK (true);

-- Objects belong to whoever uploaded them (the owner policies Supabase suggests); admins see all.
CREATE POLICY "Owners read their objects" ON storage.objects
  FOR SELECT TO authenticated USING (owner = auth.uid() OR auth.is_admin());
CREATE POLICY "Users upload as themselves" ON storage.objects
  FOR INSERT TO authenticated WITH CHECK (owner = auth.uid() OR auth.is_admin());
CREATE POLICY "Owners change their objects" ON storage.objects
  FOR UPDATE TO authenticated USING (owner = auth.uid() OR auth.is_admin())
  WITH CHECK (owner = auth.uid() OR auth.is_admin());
CREATE POLICY "Owners delete their objects" ON storage.objects
  FOR DELETE TO authenticated USING (owner = auth.uid() OR auth.is_admin());
CREATE POLICY "Service role manages objects" ON storage.objects
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE FUNCTION storage.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;
CREATE TRIGGER buckets_updated_at BEFORE UPDATE ON storage.buckets
  FOR EACH ROW EXECUTE FUNCTION storage.touch_updated_at();
CREATE TRIGGER objects_updated_at BEFORE UPDATE ON storage.objects
  FOR EACH ROW EXECUTE FUNCTION storage.touch_updated_at();
