-- A MINIMAL STAND-IN for src/sql/tviews.sql, used by the script tests ONLY with
-- -Dtviews.scripts.fixtureRuntime=true while the real runtime is not written yet. It implements just the
-- public contract the backup scripts rely on (pg_tview_meta/helpers/audit_log, pg_tviews_create,
-- pg_tviews_check_consistency, pg_tviews_health_check, pg_tviews_reinstall_triggers) with full refreshes.
CREATE TABLE IF NOT EXISTS pg_tview_meta (entity text PRIMARY KEY, schema_name text NOT NULL, table_name text NOT NULL,
    definition text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), seq serial);
CREATE TABLE IF NOT EXISTS pg_tview_helpers (helper_name text PRIMARY KEY, entity text);
CREATE TABLE IF NOT EXISTS pg_tview_audit_log (log_id bigserial PRIMARY KEY, operation text, entity text,
    performed_at timestamptz DEFAULT now(), details jsonb);

CREATE OR REPLACE FUNCTION pg_tviews_refresh_all_fixture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE m record;
BEGIN
  FOR m IN SELECT * FROM pg_tview_meta ORDER BY seq LOOP
    EXECUTE format('DELETE FROM %I.%I', m.schema_name, m.table_name);
    EXECUTE format('INSERT INTO %I.%I %s', m.schema_name, m.table_name, m.definition);
  END LOOP;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION pg_tviews_reinstall_triggers(tview text DEFAULT NULL) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t record;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'tb\_%' LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS fixture_refresh ON %I', t.relname);
    EXECUTE format('CREATE TRIGGER fixture_refresh AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH STATEMENT EXECUTE FUNCTION pg_tviews_refresh_all_fixture()', t.relname);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION pg_tviews_create(tview text, query text, options jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
DECLARE e text := regexp_replace(regexp_replace(tview, '^.*\.', ''), '^tv_', '');
BEGIN
  EXECUTE format('CREATE TABLE %I AS %s', 'tv_' || e, query);
  INSERT INTO pg_tview_meta (entity, schema_name, table_name, definition) VALUES (e, 'public', 'tv_' || e, query);
  INSERT INTO pg_tview_audit_log (operation, entity) VALUES ('create', e);
  PERFORM pg_tviews_reinstall_triggers(NULL);
  RETURN 'created';
END $$;

CREATE OR REPLACE FUNCTION pg_tviews_check_consistency(tview text) RETURNS TABLE(missing bigint, extra bigint,
    different bigint, sample_keys text[], checked_rows bigint, duration_ms numeric) LANGUAGE plpgsql AS $$
DECLARE m record; e text := regexp_replace(regexp_replace(tview, '^.*\.', ''), '^tv_', '');
BEGIN
  SELECT * INTO m FROM pg_tview_meta WHERE entity = e;
  IF NOT FOUND THEN RAISE EXCEPTION 'unknown TVIEW %', tview USING ERRCODE = '42704'; END IF;
  EXECUTE format('SELECT (SELECT count(*) FROM (%1$s EXCEPT ALL SELECT * FROM %2$I.%3$I) a),
                         (SELECT count(*) FROM (SELECT * FROM %2$I.%3$I EXCEPT ALL %1$s) b), 0::bigint, ''{}''::text[],
                         (SELECT count(*) FROM %2$I.%3$I), 0::numeric', m.definition, m.schema_name, m.table_name)
    INTO missing, extra, different, sample_keys, checked_rows, duration_ms;
  RETURN NEXT;
END $$;

CREATE OR REPLACE FUNCTION pg_tviews_health_check() RETURNS TABLE(status text, component text, message text, severity text)
LANGUAGE sql AS $$ SELECT 'ok', 'fixture', 'stand-in runtime', 'info' $$;
