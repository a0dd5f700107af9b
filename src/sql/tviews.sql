-- tviews-runtime-version: 0.3.35
--
-- TVIEW runtime: incrementally maintained read-model tables in pure SQL + PL/pgSQL.
-- Install or upgrade in place:  psql -v ON_ERROR_STOP=1 -f tviews.sql
-- The whole script is one transaction serialized by an advisory lock, so concurrent installs are safe
-- and a failed install changes nothing. Re-running it regenerates the maintenance functions and
-- triggers of every existing TVIEW. See docs/runtime.md.

BEGIN;
DO $lock$ BEGIN PERFORM pg_advisory_xact_lock(1953064302, 1); END $lock$;   -- serializes concurrent installs
SET LOCAL client_min_messages = warning;
SET LOCAL check_function_bodies = off;   -- functions may refer to ones defined further down
SET LOCAL standard_conforming_strings = on;   -- the installer's upgrade regenerates code from printed definitions,
SET LOCAL quote_all_identifiers = off;         -- which both settings change (since 0.3.23)
SET LOCAL pg_tviews.busy = 'on';         -- the DDL event triggers skip the installer's own DDL (functions it drops and recreates)

-- The installer owns every runtime object. An object it would create that exists with another owner
-- (e.g. a pg_tviews_version() planted by another role) stops the install before anything changes.
DO $owners$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(format('%s (owner %s)', x.what, x.owner), ', ') INTO bad FROM (
        SELECT p.oid::regprocedure::text AS what, pg_get_userbyid(p.proowner) AS owner FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
           AND (p.proname LIKE 'pg\_tviews\_\_%' OR p.proname IN ('pg_tviews_version', 'pg_tviews_create', 'pg_tviews_create_or_replace',
                'pg_tviews_drop', 'pg_tviews_refresh', 'pg_tviews_refresh_all', 'pg_tviews_check_consistency', 'pg_tviews_repair',
                'pg_tviews_health_check', 'pg_tviews_reinstall_triggers', 'pg_tviews_convert_existing_table', 'pg_tviews_show_cascade_path',
                'pg_tviews_get_queue', 'pg_tviews_flush', 'pg_tviews_flush_and_report', 'pg_tviews_suspend_triggers',
                'pg_tviews_resume_triggers', 'pg_tviews_suspended_entities'))
        UNION ALL
        SELECT c.oid::regclass::text, pg_get_userbyid(c.relowner) FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
           AND c.relname IN ('pg_tview_meta', 'pg_tview_helpers', 'pg_tview_audit_log', 'pg_tview_rr_stamp', 'pg_tviews_metadata',
                             'pg_tviews_queue_realtime', 'pg_tviews_performance_summary', 'pg_tviews__user_functions')) x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'TVIEW runtime objects exist with another owner: %', bad USING ERRCODE = '42501',
            HINT = 'Install as the role that owns them, or have their owner drop them (or ALTER ... OWNER TO the installer) after checking what they do.';
    END IF;
END
$owners$;

-- ---------------------------------------------------------------------------------------------
-- Catalog
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS public.pg_tview_meta (
    entity          text PRIMARY KEY,
    schema_name     text NOT NULL,
    table_name      text NOT NULL,
    definition      text NOT NULL,
    key_column      text NOT NULL,
    key_type        text NOT NULL,
    dependencies    jsonb NOT NULL DEFAULT '[]'::jsonb,
    options         jsonb NOT NULL DEFAULT '{}'::jsonb,
    definition_hash text,
    runtime_version text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE public.pg_tview_meta ADD COLUMN IF NOT EXISTS qualified_definition text;
ALTER TABLE public.pg_tview_meta ADD COLUMN IF NOT EXISTS dependent_on text[] NOT NULL DEFAULT '{}';
ALTER TABLE public.pg_tview_meta ADD COLUMN IF NOT EXISTS last_refreshed_at timestamptz;
ALTER TABLE public.pg_tview_meta ADD COLUMN IF NOT EXISTS last_error text;
-- the session settings a TVIEW's values are computed under (when its query reads a type whose text depends on them)
ALTER TABLE public.pg_tview_meta ADD COLUMN IF NOT EXISTS settings jsonb;
-- a digest of the functions and types the query uses, as they were when the rows were last computed in full
-- (pg_tviews__objects_hash): the health check reports a TVIEW whose functions or types changed since
ALTER TABLE public.pg_tview_meta ADD COLUMN IF NOT EXISTS objects_hash text;
CREATE UNIQUE INDEX IF NOT EXISTS pg_tview_meta_table_uq ON public.pg_tview_meta (schema_name, table_name);
COMMENT ON TABLE public.pg_tview_meta IS 'TVIEW runtime: one row per TVIEW (names, never OIDs)';

CREATE TABLE IF NOT EXISTS public.pg_tview_helpers (
    entity      text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('function', 'trigger')),
    schema_name text NOT NULL,
    object_name text NOT NULL,
    on_table    text NOT NULL DEFAULT '',
    signature   text NOT NULL DEFAULT '',
    source      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, schema_name, object_name, on_table)
);
CREATE INDEX IF NOT EXISTS pg_tview_helpers_entity_idx ON public.pg_tview_helpers (entity);
ALTER TABLE public.pg_tview_helpers ADD COLUMN IF NOT EXISTS code_hash text;
COMMENT ON TABLE public.pg_tview_helpers IS 'TVIEW runtime: generated functions and triggers of each TVIEW';

CREATE TABLE IF NOT EXISTS public.pg_tview_audit_log (
    log_id         bigserial PRIMARY KEY,
    operation      text NOT NULL,
    entity         text,
    performed_by   text NOT NULL DEFAULT current_user,
    performed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    details        jsonb,
    client_addr    inet DEFAULT inet_client_addr(),
    client_port    integer DEFAULT inet_client_port(),
    transaction_id bigint DEFAULT txid_current(),
    rows_affected  bigint
);
CREATE INDEX IF NOT EXISTS pg_tview_audit_log_entity_idx ON public.pg_tview_audit_log (entity, performed_at);

-- Conflict stamps used only by REPEATABLE READ / SERIALIZABLE writers: two such transactions that
-- affect the same TVIEW key (or the same parent value of a lookup lineage) write the same stamp row,
-- so the later one gets SQLSTATE 40001 instead of committing a stale TVIEW row.
CREATE TABLE IF NOT EXISTS public.pg_tview_rr_stamp (
    entity text NOT NULL,
    scope  text NOT NULL,
    val    text NOT NULL,
    bumps  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (entity, scope, val)
);

ALTER TABLE public.pg_tview_meta ADD COLUMN IF NOT EXISTS owner name;
UPDATE public.pg_tview_meta m SET owner = coalesce(
        (SELECT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = m.schema_name AND c.relname = m.table_name), current_user)
 WHERE owner IS NULL;
ALTER TABLE public.pg_tview_meta ALTER COLUMN owner SET DEFAULT current_user, ALTER COLUMN owner SET NOT NULL;
-- (a row is deleted by setting it: see the privileges below)
ALTER TABLE public.pg_tview_meta ADD COLUMN IF NOT EXISTS dropping boolean NOT NULL DEFAULT false;
ALTER TABLE public.pg_tview_helpers ADD COLUMN IF NOT EXISTS dropping boolean NOT NULL DEFAULT false;

-- Privileges: any role may read the catalog and create TVIEWs of its own; the rows of one owner can be
-- changed only by members of that owner role (row-level security). The audit log and the conflict stamps
-- are written only through the runtime's own SECURITY DEFINER functions.
-- Whether the current role is a member of role r, false when r does not exist: pg_tview_meta.owner holds a role's name,
-- and ALTER ROLE … RENAME (no event trigger fires for roles) left a name pg_has_role() fails on, which failed every
-- other tenant's health check and catalog read too (0.3.24; hunt 15). The health check reports such a TVIEW (owner:<e>).
CREATE OR REPLACE FUNCTION public.pg_tviews__member(r name) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(pg_catalog.pg_has_role(pg_catalog.to_regrole(pg_catalog.quote_ident(r)), 'MEMBER'), false)
$$;

ALTER TABLE public.pg_tview_meta ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.pg_tview_helpers ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS pg_tview_meta_read ON public.pg_tview_meta;
DROP POLICY IF EXISTS pg_tview_meta_owner ON public.pg_tview_meta;
CREATE POLICY pg_tview_meta_read ON public.pg_tview_meta FOR SELECT USING (true);
CREATE POLICY pg_tview_meta_owner ON public.pg_tview_meta FOR ALL
    USING (public.pg_tviews__member(owner)) WITH CHECK (public.pg_tviews__member(owner));
DROP POLICY IF EXISTS pg_tview_helpers_read ON public.pg_tview_helpers;
DROP POLICY IF EXISTS pg_tview_helpers_owner ON public.pg_tview_helpers;
CREATE POLICY pg_tview_helpers_read ON public.pg_tview_helpers FOR SELECT USING (true);
-- a registry row names objects the runtime drops and alters as the TVIEW's owner: it is written only for a registered
-- TVIEW of an owner the writer is a member of (0.3.4 accepted rows for an entity not registered yet, and a row
-- planted so ran its text as whoever created that TVIEW next, a superuser included)
DROP POLICY IF EXISTS pg_tview_helpers_insert ON public.pg_tview_helpers;
DROP POLICY IF EXISTS pg_tview_helpers_update ON public.pg_tview_helpers;
DROP POLICY IF EXISTS pg_tview_helpers_delete ON public.pg_tview_helpers;
CREATE POLICY pg_tview_helpers_insert ON public.pg_tview_helpers FOR INSERT
    WITH CHECK (NOT dropping AND EXISTS (SELECT 1 FROM public.pg_tview_meta m WHERE m.entity = pg_tview_helpers.entity AND public.pg_tviews__member(m.owner)));
-- (a row marked "dropping" is deleted at once: marking is deleting, allowed wherever deleting was)
CREATE POLICY pg_tview_helpers_update ON public.pg_tview_helpers FOR UPDATE
    USING (NOT EXISTS (SELECT 1 FROM public.pg_tview_meta m WHERE m.entity = pg_tview_helpers.entity AND NOT public.pg_tviews__member(m.owner)))
    WITH CHECK (dropping OR EXISTS (SELECT 1 FROM public.pg_tview_meta m WHERE m.entity = pg_tview_helpers.entity AND public.pg_tviews__member(m.owner)));
CREATE POLICY pg_tview_helpers_delete ON public.pg_tview_helpers FOR DELETE
    USING (NOT EXISTS (SELECT 1 FROM public.pg_tview_meta m WHERE m.entity = pg_tview_helpers.entity AND NOT public.pg_tviews__member(m.owner)));
REVOKE ALL ON public.pg_tview_meta, public.pg_tview_helpers, public.pg_tview_audit_log, public.pg_tview_rr_stamp FROM PUBLIC;
-- UPDATE by column and no DELETE: LOCK TABLE in a mode above ROW EXCLUSIVE needs UPDATE, DELETE or TRUNCATE on the whole
-- table, and 0.3.7's grants let a role with nothing but CONNECT take ACCESS EXCLUSIVE on the catalog, which every DDL
-- (the event trigger reads it) then waited for. A row is deleted by setting "dropping" (row-level security decides who
-- may), and a trigger of the runtime's owner deletes it; the runtime's owner and superusers may still DELETE.
GRANT SELECT, INSERT ON public.pg_tview_meta, public.pg_tview_helpers TO PUBLIC;
DO $grants$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['pg_tview_meta', 'pg_tview_helpers'] LOOP
        EXECUTE format('GRANT UPDATE (%s) ON public.%I TO PUBLIC',
                       (SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
                         WHERE a.attrelid = format('public.%I', t)::regclass AND a.attnum > 0 AND NOT a.attisdropped), t);
    END LOOP;
END
$grants$;
GRANT SELECT ON public.pg_tview_audit_log TO PUBLIC;

CREATE OR REPLACE FUNCTION public.pg_tviews__forget_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF TG_TABLE_NAME = 'pg_tview_meta' THEN
        DELETE FROM public.pg_tview_meta WHERE entity = NEW.entity AND dropping;
    ELSE
        DELETE FROM public.pg_tview_helpers WHERE kind = NEW.kind AND schema_name = NEW.schema_name AND object_name = NEW.object_name
           AND on_table = NEW.on_table AND dropping;
    END IF;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION public.pg_tviews__forget_row() FROM PUBLIC;
DROP TRIGGER IF EXISTS pg_tview_meta_forget ON public.pg_tview_meta;
CREATE TRIGGER pg_tview_meta_forget AFTER UPDATE OF dropping ON public.pg_tview_meta
    FOR EACH ROW WHEN (NEW.dropping) EXECUTE FUNCTION public.pg_tviews__forget_row();
DROP TRIGGER IF EXISTS pg_tview_helpers_forget ON public.pg_tview_helpers;
CREATE TRIGGER pg_tview_helpers_forget AFTER UPDATE OF dropping ON public.pg_tview_helpers
    FOR EACH ROW WHEN (NEW.dropping) EXECUTE FUNCTION public.pg_tviews__forget_row();

-- (Defined before the catalog guard: the installer's first updates of existing rows fire it.)
-- The session settings a value's text can depend on, which a settings-dependent TVIEW's functions run with (see
-- pg_tviews__pin_settings): date/time and interval output, float digits, zone abbreviations read from text (since
-- 0.3.20), bytea's output format, money, to_char()'s
-- locale-dependent patterns, XML's binary encoding, and the text search configuration of to_tsvector(text).
CREATE OR REPLACE FUNCTION public.pg_tviews__setting_names() RETURNS text[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY['TimeZone', 'DateStyle', 'IntervalStyle', 'extra_float_digits', 'timezone_abbreviations', 'array_nulls', 'bytea_output',
                 'lc_monetary', 'lc_numeric', 'lc_time', 'xmlbinary', 'default_text_search_config',
                 'xmloption', 'quote_all_identifiers', 'gin_fuzzy_search_limit',      -- (the last three since 0.3.22)
                 'row_security'];                                                     -- (since 0.3.24)
$$;

-- Values of a catalog row that generated code and the runtime splice into statements are canonical: the key's type is
-- the TVIEW table's own column type (format_type), and settings carry only those pg_tviews__setting_names lists. The row's owner
-- may edit its row (row-level security); 0.3.4 spliced an edited key_type into pg_tviews_flush_and_report (run by any
-- writer, a superuser included) and applied edited settings (e.g. "role") before running the definition.
-- The installer canonicalises existing rows with pg_tviews.canon = 'on'. Any session can set that setting (0.3.7 let a
-- tenant set it to rename its row to another TVIEW's name), so it counts only for a member of the catalog's owner.
CREATE OR REPLACE FUNCTION public.pg_tviews__canonicalising() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT current_setting('pg_tviews.canon', true) = 'on'
       AND pg_has_role((SELECT c.relowner FROM pg_class c WHERE c.oid = 'public.pg_tview_meta'::regclass), 'MEMBER')
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__meta_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    kt text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.dropping := false;
    END IF;
    kt := (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = NEW.schema_name AND c.relname = NEW.table_name AND a.attname = NEW.key_column
              AND a.attnum > 0 AND NOT a.attisdropped);
    IF kt IS NOT NULL THEN
        NEW.key_type := kt;
    ELSIF TG_OP = 'UPDATE' AND NEW.key_type = OLD.key_type AND NOT public.pg_tviews__canonicalising() THEN
        NULL;     -- unchanged, and accepted when it was written (the table is gone: a DDL dropped it)
    ELSIF NEW.key_type !~ E'^[a-z][a-z0-9_ ]*(\\([0-9, ]+\\))?(\\[\\])?$' OR to_regtype(NEW.key_type) IS NULL THEN
        RAISE EXCEPTION 'invalid key type "%" for TVIEW %', NEW.key_type, NEW.entity USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_each(CASE WHEN jsonb_typeof(NEW.settings) = 'object' THEN NEW.settings ELSE '{}' END
                                       || CASE WHEN jsonb_typeof(NEW.options->'settings') = 'object' THEN NEW.options->'settings' ELSE '{}' END) x
                WHERE NOT x.key = ANY(public.pg_tviews__setting_names()) OR jsonb_typeof(x.value) <> 'string')
       OR NEW.settings IS NOT NULL AND jsonb_typeof(NEW.settings) <> 'object'
       OR NEW.options ? 'settings' AND jsonb_typeof(NEW.options->'settings') <> 'object' THEN
        RAISE EXCEPTION 'TVIEW % settings may name only %, as strings', NEW.entity, array_to_string(public.pg_tviews__setting_names(), ', ')
            USING ERRCODE = '22023';
    END IF;
    -- a row names the TVIEW its table is (the entity is derived from the table's name), and only a member of the table's
    -- owner may write it: 0.3.6 let a role write rows it owned under another TVIEW's name (operations on that name then
    -- acted on its decoy) or over another owner's table
    IF NOT public.pg_tviews__canonicalising() AND pg_has_role(NEW.owner, 'MEMBER') THEN   -- (else row-level security refuses it)
        IF NEW.entity IS DISTINCT FROM (public.pg_tviews__parse(format('%I.%I', NEW.schema_name, NEW.table_name))).entity THEN
            RAISE EXCEPTION 'TVIEW catalog row "%" does not name its table %.%', NEW.entity, NEW.schema_name, NEW.table_name
                USING ERRCODE = '22023';
        END IF;
        IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = NEW.schema_name AND c.relname = NEW.table_name AND NOT pg_has_role(NEW.owner, c.relowner, 'MEMBER')) THEN
            RAISE EXCEPTION 'TVIEW catalog row "%": % is not a member of the owner of table %.%', NEW.entity, NEW.owner, NEW.schema_name, NEW.table_name
                USING ERRCODE = '42501';
        END IF;
    END IF;
    RETURN NEW;
END
$fn$;
DROP TRIGGER IF EXISTS pg_tview_meta_guard ON public.pg_tview_meta;
CREATE TRIGGER pg_tview_meta_guard BEFORE INSERT OR UPDATE ON public.pg_tview_meta
    FOR EACH ROW EXECUTE FUNCTION public.pg_tviews__meta_guard();
-- rows written before the guard: made canonical, or (edited into values the runtime would splice) stopped with an error
DO $canon$
DECLARE
    r record;
BEGIN
    PERFORM set_config('pg_tviews.canon', 'on', true);
    FOR r IN SELECT entity FROM public.pg_tview_meta LOOP
        BEGIN
            UPDATE public.pg_tview_meta SET key_type = key_type WHERE entity = r.entity;
        EXCEPTION WHEN invalid_parameter_value THEN
            UPDATE public.pg_tview_meta SET settings = NULL, options = options - 'settings', key_type = 'text',
                   last_error = 'the catalog row held a key type or settings the runtime does not accept: ' || SQLERRM
             WHERE entity = r.entity;
        END;
    END LOOP;
    PERFORM set_config('pg_tviews.canon', '', true);
END
$canon$;

-- ---------------------------------------------------------------------------------------------
-- Small helpers
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.pg_tviews_version() RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT '0.3.35'::text $$;

-- The audit log is written as the role that acts (no SECURITY DEFINER: inside one, the acting role cannot be told
-- from the session's, and 0.3.5's first fix took a tenant's code running in its own maintenance at a superuser's
-- COMMIT for the superuser). Row-level security admits a row only about what that role may have done: an operation on
-- a TVIEW of an owner it is a member of, a pg_tviews_refresh_all summary, an UPGRADE by a member of the runtime's
-- owner. A trigger stamps who, when, from where and in which transaction; no role sets those. The log is trusted:
-- pg_tviews_convert_existing_table recovers lost definitions from it.
CREATE OR REPLACE FUNCTION public.pg_tviews__may_audit(op text, ent text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT op IN ('CREATE', 'CONVERT', 'REBUILD', 'ALTER', 'DROP', 'REFRESH', 'REPAIR', 'REINSTALL', 'UPGRADE')
       AND CASE WHEN ent IS NOT NULL THEN EXISTS (SELECT 1 FROM public.pg_tview_meta m WHERE m.entity = ent AND public.pg_tviews__member(m.owner))
                WHEN op = 'UPGRADE' THEN pg_has_role((SELECT c.relowner FROM pg_class c WHERE c.oid = 'public.pg_tview_audit_log'::regclass), 'MEMBER')
                ELSE op = 'REFRESH' END;
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__audit_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF pg_has_role((SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'MEMBER') THEN
        RETURN NEW;      -- the runtime's owner (its upgrades, a restore of the log from a backup keeps its history)
    END IF;
    NEW.performed_by := session_user;
    NEW.performed_at := clock_timestamp();
    NEW.client_addr := inet_client_addr();
    NEW.client_port := inet_client_port();
    NEW.transaction_id := txid_current();
    RETURN NEW;
END
$fn$;
DROP TRIGGER IF EXISTS pg_tview_audit_stamp ON public.pg_tview_audit_log;
CREATE TRIGGER pg_tview_audit_stamp BEFORE INSERT ON public.pg_tview_audit_log FOR EACH ROW EXECUTE FUNCTION public.pg_tviews__audit_stamp();
ALTER TABLE public.pg_tview_audit_log ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS pg_tview_audit_read ON public.pg_tview_audit_log;
DROP POLICY IF EXISTS pg_tview_audit_write ON public.pg_tview_audit_log;
CREATE POLICY pg_tview_audit_read ON public.pg_tview_audit_log FOR SELECT USING (true);
CREATE POLICY pg_tview_audit_write ON public.pg_tview_audit_log FOR INSERT WITH CHECK (public.pg_tviews__may_audit(operation, entity));
GRANT INSERT (operation, entity, details, rows_affected) ON public.pg_tview_audit_log TO PUBLIC;
GRANT USAGE ON SEQUENCE public.pg_tview_audit_log_log_id_seq TO PUBLIC;

CREATE OR REPLACE FUNCTION public.pg_tviews__audit(op text, ent text, det jsonb, n bigint)
RETURNS void LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF NOT public.pg_tviews__may_audit(op, ent) THEN
        RAISE EXCEPTION 'permission denied to write the TVIEW audit log' USING ERRCODE = '42501',
            DETAIL = 'The runtime records its own operations; no role writes entries for a TVIEW of an owner it is not a member of.';
    END IF;
    INSERT INTO public.pg_tview_audit_log (operation, entity, details, rows_affected) VALUES (op, ent, det, n);
END
$fn$;

-- Parse a TVIEW name ('post', 'tv_post', 'schema.tv_post') into schema, table and entity.
CREATE OR REPLACE FUNCTION public.pg_tviews__parse(name text, OUT schema_name text, OUT table_name text, OUT entity text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    parts text[];
BEGIN
    BEGIN
        parts := parse_ident(name);
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'invalid TVIEW name "%"', name USING ERRCODE = '42602';
    END;
    IF cardinality(parts) = 1 THEN
        schema_name := 'public'; table_name := parts[1];
    ELSIF cardinality(parts) = 2 THEN
        schema_name := parts[1]; table_name := parts[2];
    ELSE
        RAISE EXCEPTION 'invalid TVIEW name "%": use entity, tv_entity or schema.tv_entity', name USING ERRCODE = '42602';
    END IF;
    IF left(table_name, 3) <> 'tv_' THEN
        table_name := 'tv_' || table_name;
    END IF;
    IF table_name = 'tv_' THEN
        RAISE EXCEPTION 'invalid TVIEW name "%": the entity name is empty', name USING ERRCODE = '42602';
    END IF;
    -- (PostgreSQL would cut a longer name to 63 bytes: "tv_<60 bytes>x" would be taken for "tv_<60 bytes>")
    IF octet_length(table_name) > 63 OR octet_length(schema_name) > 63 THEN
        RAISE EXCEPTION 'TVIEW name "%" is too long', name USING ERRCODE = '42622',
            DETAIL = format('The table %s is %s bytes long; PostgreSQL names are at most 63 bytes.',
                            CASE WHEN octet_length(schema_name) > 63 THEN 'schema name' ELSE 'name' END,
                            greatest(octet_length(table_name), octet_length(schema_name))),
            HINT = 'Choose a shorter name (the table is named tv_<entity>).';
    END IF;
    entity := CASE WHEN schema_name = 'public' THEN substr(table_name, 4) ELSE schema_name || '.' || substr(table_name, 4) END;
END
$fn$;

-- Resolve a name to its pg_tview_meta row; unknown names raise 42704.
CREATE OR REPLACE FUNCTION public.pg_tviews__resolve(name text) RETURNS public.pg_tview_meta
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    m public.pg_tview_meta;
    p record;
    n int;
BEGIN
    SELECT * INTO m FROM public.pg_tview_meta WHERE entity = name;
    IF FOUND THEN RETURN m; END IF;
    BEGIN
        p := public.pg_tviews__parse(name);
    EXCEPTION WHEN invalid_name THEN
        RAISE EXCEPTION 'TVIEW "%" does not exist', name USING ERRCODE = '42704';
    END;
    SELECT * INTO m FROM public.pg_tview_meta WHERE schema_name = p.schema_name AND table_name = p.table_name;
    IF FOUND THEN RETURN m; END IF;
    IF position('.' IN name) = 0 THEN
        SELECT count(*) INTO n FROM public.pg_tview_meta WHERE table_name = p.table_name;
        IF n = 1 THEN
            SELECT * INTO m FROM public.pg_tview_meta WHERE table_name = p.table_name;
            RETURN m;
        END IF;
    END IF;
    RAISE EXCEPTION 'TVIEW "%" does not exist', name USING ERRCODE = '42704',
        HINT = 'SELECT entity, schema_name, table_name FROM pg_tview_meta lists the TVIEWs of this database.';
END
$fn$;

-- The columns of a TVIEW's table against its query's (its definition view's), by name and type; NULL when they agree.
-- Their order does not matter: the generated code and the checks name them. (Adoption, the DDL event trigger, the health
-- check and the consistency check use it: 0.3.23 let ALTER TABLE tv ADD/DROP COLUMN through, after which every write
-- failed, or the consistency check did with 42703, under an OK health check.)
CREATE OR REPLACE FUNCTION public.pg_tviews__columns_mismatch(dv regclass, tv regclass) RETURNS text
LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(CASE WHEN y.attname IS NULL THEN format('column %s %s of the query is missing', quote_ident(x.attname), format_type(x.atttypid, x.atttypmod))
                           WHEN x.attname IS NULL THEN format('column %s %s is not in the query', quote_ident(y.attname), format_type(y.atttypid, y.atttypmod))
                           WHEN x.attcollation <> y.attcollation
                           THEN format('column %s has collation %s, the query gives %s', quote_ident(y.attname),
                                       (SELECT quote_ident(c.collname) FROM pg_collation c WHERE c.oid = y.attcollation),
                                       (SELECT quote_ident(c.collname) FROM pg_collation c WHERE c.oid = x.attcollation))
                           ELSE format('column %s is %s, the query gives %s', quote_ident(y.attname), format_type(y.atttypid, y.atttypmod),
                                       format_type(x.atttypid, x.atttypmod)) END, '; ' ORDER BY coalesce(x.attname, y.attname))
      FROM (SELECT attname, atttypid, atttypmod, attcollation FROM pg_attribute WHERE attrelid = dv AND attnum > 0 AND NOT attisdropped) x
      FULL JOIN (SELECT attname, atttypid, atttypmod, attcollation FROM pg_attribute WHERE attrelid = tv AND attnum > 0 AND NOT attisdropped) y
        ON x.attname = y.attname
     -- (a type modifier or a collation of its own would round, cut or merge what the query gives: since 0.3.24)
     WHERE x.attname IS NULL OR y.attname IS NULL OR x.atttypid <> y.atttypid OR x.atttypmod <> y.atttypmod OR x.attcollation <> y.attcollation;
$$;

-- Does the table have a valid unique index on the key column alone (no predicate, no expression), the arbiter of its
-- maintenance's upserts? (Adoption adds one where it does not; the DDL event trigger keeps it.)
CREATE OR REPLACE FUNCTION public.pg_tviews__has_key_index(tv regclass, key_col text) RETURNS boolean
LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    WHERE i.indrelid = tv AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL
                      AND i.indisvalid AND a.attname = key_col)
$$;

-- A TVIEW's table owned by another role than the TVIEW (ALTER TABLE … OWNER TO): its maintenance, which runs as the
-- TVIEW's owner, may no longer write it (0.3.24 accepted it, and every write to its sources failed under an OK health
-- check; hunt 15). NULL when the owners are the same.
CREATE OR REPLACE FUNCTION public.pg_tviews__other_owner(m public.pg_tview_meta, tv oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('an owner other than the TVIEW''s (%I, not %I)', r.rolname, m.owner)
      FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE c.oid = tv AND r.rolname <> m.owner
$$;

-- What else a TVIEW's table must keep (NULL when it does): the unique index on its key alone that its maintenance's
-- upserts name, no inheritance parent and no type of its own (DDL on those reaches its columns) (since 0.3.24); and
-- since 0.3.25 (hunt 14), nothing that changes what its maintenance's statements do: no inheritance child (a query of
-- the table returns the child's rows too, and a key twice), no rule (DELETE … RETURNING and INSERT … ON CONFLICT fail
-- on a table with one), no identity or generated column (an insert of the key's value fails), no enabled BEFORE row
-- trigger of the user's (it can change or skip the rows written), no FORCE ROW LEVEL SECURITY (hunt 15: a restrictive
-- policy kept rows the maintenance deleted). Row-level security without FORCE filters readers only, not its owner.
CREATE OR REPLACE FUNCTION public.pg_tviews__table_shape(tv regclass, key_col text) RETURNS text
LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT nullif(concat_ws('; ',
        CASE WHEN NOT public.pg_tviews__has_key_index(tv, key_col)
             THEN format('no unique index on its key %s alone', quote_ident(key_col)) END,
        CASE WHEN EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = tv) THEN 'an inheritance parent (INHERIT, ATTACH PARTITION)' END,
        CASE WHEN (SELECT c.reloftype FROM pg_class c WHERE c.oid = tv) <> 0 THEN 'a type of its own (OF)' END,
        CASE WHEN (SELECT c.relforcerowsecurity FROM pg_class c WHERE c.oid = tv)
             THEN 'FORCE ROW LEVEL SECURITY (its policies would filter what its own maintenance updates and deletes)' END,
        (SELECT 'an inheritance child: ' || string_agg(h.inhrelid::regclass::text, ', ' ORDER BY h.inhrelid::regclass::text)
           FROM pg_inherits h WHERE h.inhparent = tv HAVING count(*) > 0),
        (SELECT 'a rule: ' || string_agg(quote_ident(r.rulename), ', ' ORDER BY r.rulename)
           FROM pg_rewrite r WHERE r.ev_class = tv HAVING count(*) > 0),
        (SELECT 'an identity or generated column: ' || string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
           FROM pg_attribute a WHERE a.attrelid = tv AND a.attnum > 0 AND NOT a.attisdropped AND (a.attidentity <> '' OR a.attgenerated <> '')
         HAVING count(*) > 0),
        (SELECT 'a BEFORE row trigger: ' || string_agg(quote_ident(t.tgname), ', ' ORDER BY t.tgname)
           FROM pg_trigger t WHERE t.tgrelid = tv AND NOT t.tgisinternal AND t.tgtype & 3 = 3 AND t.tgenabled <> 'D'
         HAVING count(*) > 0)), '')
$$;

DROP FUNCTION IF EXISTS public.pg_tviews__has_eq(oid);     -- until 0.3.4 (rows were compared by IS DISTINCT FROM)

-- "ROW(a.c1, a.c2)::record *<> ROW(b.c1, b.c2)::record" over the columns of a TVIEW table, its key too: the values'
-- binary images differ. Finer than IS DISTINCT FROM, so a value that stays equal but prints differently
-- (numeric 1.0 -> 1.00, also inside jsonb; -0 -> 0) is rewritten, and types without an equality compare too.
CREATE OR REPLACE FUNCTION public.pg_tviews__distinct_expr(tv regclass, key_col text, a text, b text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    la text; lb text;
BEGIN
    SELECT string_agg(format('%s.%I', a, attname), ', ' ORDER BY attnum),
           string_agg(format('%s.%I', b, attname), ', ' ORDER BY attnum)
      INTO la, lb
      FROM pg_attribute WHERE attrelid = tv AND attnum > 0 AND NOT attisdropped;     -- the key too (0.3.6 left it out)
    IF la IS NULL THEN RETURN 'false'; END IF;
    -- the casts keep the parser from comparing the two rows column by column (there is no numeric *<> numeric)
    RETURN format('ROW(%s)::record OPERATOR(pg_catalog.*<>) ROW(%s)::record', la, lb);
END
$fn$;

-- Key locks of runtime 0.1/0.2 generated code (dropped at the end of this script when no TVIEW still runs such code).
-- READ COMMITTED: sorted transaction-level advisory locks on the keys, after a shared
-- TVIEW-wide lock that a full refresh (or a bulk of over 1,000 keys) takes exclusively.
-- REPEATABLE READ / SERIALIZABLE: conflict stamps (a concurrent writer of the same key gets 40001),
-- and a share lock on the TVIEW's 'all' stamp that a full refresh updates.
CREATE OR REPLACE FUNCTION public.pg_tviews__stamp(ent text, scope text, vals text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO public.pg_tview_rr_stamp AS s (entity, scope, val)
    SELECT ent, scope, v FROM (SELECT DISTINCT v FROM unnest(vals) v WHERE v IS NOT NULL ORDER BY 1) x
    ON CONFLICT (entity, scope, val) DO UPDATE SET bumps = s.bumps + 1;
$$;

-- exclusive_all: the TVIEW also has sources refreshed fully; under REPEATABLE READ a keyed writer then
-- writes the 'all' stamp too, so it conflicts with a full refresh whichever commits first.
CREATE OR REPLACE FUNCTION public.pg_tviews__lock_keys(ent text, keys text[], exclusive_all boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF current_setting('transaction_isolation') = 'read committed' THEN
        IF cardinality(keys) > 1000 THEN
            PERFORM pg_advisory_xact_lock(hashtext(ent || '#all'), 0);
            RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock_shared(hashtext(ent || '#all'), 0);
        PERFORM pg_advisory_xact_lock(hashtext(ent), s.h)
           FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(keys) k ORDER BY 1) s;
    ELSIF exclusive_all THEN
        PERFORM public.pg_tviews__stamp(ent, 'all', ARRAY['*']);
        PERFORM public.pg_tviews__stamp(ent, 'k', keys);
    ELSE
        PERFORM 1 FROM public.pg_tview_rr_stamp WHERE entity = ent AND scope = 'all' AND val = '*' FOR SHARE;
        PERFORM public.pg_tviews__stamp(ent, 'k', keys);
    END IF;
END
$fn$;

-- 0.1.x generated code calls this signature until its TVIEW is regenerated
CREATE OR REPLACE FUNCTION public.pg_tviews__lock_keys(ent text, keys text[]) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$ SELECT public.pg_tviews__lock_keys(ent, keys, false) $$;

CREATE OR REPLACE FUNCTION public.pg_tviews__lock_all(ent text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF current_setting('transaction_isolation') = 'read committed' THEN
        PERFORM pg_advisory_xact_lock(hashtext(ent || '#all'), 0);
    ELSE
        PERFORM public.pg_tviews__stamp(ent, 'all', ARRAY['*']);
    END IF;
END
$fn$;

-- Hop locks: a hop is one equality (X.a = Y.b) on a path from a source to the key. The writer of X
-- locks the joined values exclusively before it reads Y to find keys; the writer of Y locks the same
-- values shared. So a writer that moves a Y row onto a value and a writer that changes the X row with
-- that value never both miss each other: the later one reads after the earlier commits. Over 1,000
-- values take the hop's lock (hop, 0) exclusively instead; everyone else takes it shared.
CREATE OR REPLACE FUNCTION public.pg_tviews__lock_hop(ent text, hop int, vals text[], excl boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF vals IS NULL OR cardinality(vals) = 0 THEN RETURN; END IF;
    IF current_setting('transaction_isolation') = 'read committed' THEN
        IF cardinality(vals) > 1000 THEN
            PERFORM pg_advisory_xact_lock(hop, 0);
            RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock_shared(hop, 0);
        IF excl THEN
            PERFORM pg_advisory_xact_lock(hop, s.h) FROM (SELECT DISTINCT hashtext(v) AS h FROM unnest(vals) v ORDER BY 1) s;
        ELSE
            PERFORM pg_advisory_xact_lock_shared(hop, s.h) FROM (SELECT DISTINCT hashtext(v) AS h FROM unnest(vals) v ORDER BY 1) s;
        END IF;
    ELSE
        PERFORM public.pg_tviews__stamp(ent, 'h' || hop, vals);
    END IF;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Commit-time maintenance: the transaction's flush
-- ---------------------------------------------------------------------------------------------
-- A TVIEW's triggers record what changed in its queue table and enlist it in the transaction-local
-- setting pg_tviews.pending (ROLLBACK TO SAVEPOINT and abort forget both). The queue's deferred
-- constraint trigger runs the flush at COMMIT and at PREPARE TRANSACTION.

-- The flush function behind an enlisted token ('<level>:<entity hash>:<hex of its qualified name>;'), or NULL when
-- the TVIEW is gone. Only a runtime flush function (SECURITY DEFINER: it runs as its owner) qualifies.
-- The one order of flushes (and of everything that takes several TVIEWs' lock rows): level in the dependency graph
-- (TVIEWs read by others first), then the entity's hash. It starts every enlisting token, compared under "C".
CREATE OR REPLACE FUNCTION public.pg_tviews__flush_rank(depth int, ent text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT lpad(depth::text, 4, '0') || ':' || substr(md5(ent), 1, 8) $$;

-- The flush function a token names, quoted as the catalog spells it (the token's own text, session state, is never
-- spliced); '' when the current role cannot use its schema, NULL when there is no such function.
CREATE OR REPLACE FUNCTION public.pg_tviews__flush_target(tok text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    fn text := convert_from(decode(split_part(rtrim(tok, ';'), ':', 3), 'hex'), 'UTF8');
    parts text[] := parse_ident(fn);
BEGIN
    -- the flush function lives in the TVIEW's schema: calling it needs USAGE there (a COMMIT event does not: it is a
    -- trigger)
    IF cardinality(parts) = 2 AND NOT has_schema_privilege(parts[1], 'USAGE') THEN
        RETURN '';
    END IF;
    RETURN (SELECT format('%I.%I', n.nspname, f.proname) FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
             WHERE f.oid = to_regprocedure(fn || '(boolean)') AND f.prosecdef AND f.proname LIKE E'pg\\_tviews\\_%\\_fl');
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__flush_fn(tok text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    fn text := public.pg_tviews__flush_target(tok);
    sch text;
BEGIN
    IF fn = '' THEN     -- say so rather than fail inside the call with a bare 42501
        sch := (parse_ident(convert_from(decode(split_part(rtrim(tok, ';'), ':', 3), 'hex'), 'UTF8')))[1];
        RAISE EXCEPTION 'pg_tviews_flush() needs USAGE on schema % to run the pending maintenance of its TVIEWs now', sch
            USING ERRCODE = '42501',
            HINT = format('GRANT USAGE ON SCHEMA %I TO the writer (no privilege on the TVIEW itself is needed), or read the TVIEW after COMMIT, which maintains it without.', sch);
    END IF;
    RETURN fn;
END
$fn$;

-- Before the first lock row of a flush of several TVIEWs: what each of them reads, locked in ACCESS SHARE mode (by
-- its own flush function, as its owner: see the flush). A transaction holding one of those relations exclusively is
-- then waited for before the flush holds any lock row, not between two TVIEWs' flushes. The first TVIEW in the order
-- locks its own when it flushes, and a TVIEW that reads nothing the ones before it do not is skipped: the token
-- carries the hashes of the relations its definition view reads (forging the session's registry can only cost the
-- session such a wait, never a row). False when a TVIEW whose schema the caller cannot use had to be skipped: its own
-- COMMIT event locks what it reads (see pg_tviews__flush_all).
CREATE OR REPLACE FUNCTION public.pg_tviews__locked_reads(reg text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    tok text;
    fn text;
    covered text;
    all_locked boolean := true;
BEGIN
    FOR tok IN SELECT t FROM unnest(string_to_array(coalesce(reg, ''), ';')) t WHERE t <> '' ORDER BY t COLLATE "C" LOOP
        IF covered IS NOT NULL AND NOT public.pg_tviews__reads_covered(tok, covered) THEN
            BEGIN
                fn := public.pg_tviews__flush_target(tok);
                IF fn = '' THEN
                    all_locked := false;
                ELSIF fn IS NOT NULL THEN
                    EXECUTE format('SELECT %s(NULL)', fn);
                END IF;
            EXCEPTION WHEN insufficient_privilege THEN
                NULL;     -- (its owner lost a privilege on what it reads: its own flush reports it)
            END;
        END IF;
        covered := coalesce(covered, '.') || split_part(tok, ':', 4) || '.';
    END LOOP;
    RETURN all_locked;
END
$fn$;

-- (what 0.3.11's generated code calls)
CREATE OR REPLACE FUNCTION public.pg_tviews__lock_reads(reg text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$ SELECT public.pg_tviews__locked_reads(reg) $$;

-- Does every relation hash of a token (its fourth part) appear in covered ('.h1.h2.')?
CREATE OR REPLACE FUNCTION public.pg_tviews__reads_covered(tok text, covered text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT NOT EXISTS (SELECT 1 FROM unnest(string_to_array(split_part(rtrim(tok, ';'), ':', 4), '.')) h
                        WHERE h <> '' AND strpos(covered, '.' || h || '.') = 0)
$$;

-- Flush every enlisted TVIEW, lowest level first, then by entity hash: one global order, so two flushes
-- never wait for each other in a cycle. Writing a TVIEW that another one reads enlists that one (its
-- triggers), and it is flushed in the same loop, once, after everything it reads. At COMMIT (called by a TVIEW's
-- event, as its owner) a TVIEW whose schema that owner cannot use, if it must be flushed first or if what it reads
-- could not be locked (once per transaction), stops the loop and the result is NULL: that TVIEW's own event flushes it
-- or locks what it reads, and the caller's event comes again after it (see the flush trigger).
CREATE OR REPLACE FUNCTION public.pg_tviews__flush_all(at_commit boolean) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    reg text;
    tok text;
    fn text;
    n bigint;
    total bigint := 0;
    was text := current_setting('pg_tviews.flushing', true);
BEGIN
    PERFORM set_config('pg_tviews.flushing', 'on', true);
    IF NOT public.pg_tviews__locked_reads(current_setting('pg_tviews.pending', true)) THEN
        IF at_commit AND coalesce(current_setting('pg_tviews.waited', true), '') = '' THEN
            PERFORM set_config('pg_tviews.waited', 'on', true);
            PERFORM set_config('pg_tviews.flushing', coalesce(was, ''), true);
            RETURN NULL;
        END IF;
    END IF;
    LOOP
        reg := coalesce(current_setting('pg_tviews.pending', true), '');
        EXIT WHEN reg = '';
        tok := (SELECT t FROM unnest(string_to_array(reg, ';')) t WHERE t <> '' ORDER BY t COLLATE "C" LIMIT 1);
        fn := CASE WHEN at_commit THEN public.pg_tviews__flush_target(tok) ELSE public.pg_tviews__flush_fn(tok) END;
        IF fn = '' THEN
            PERFORM set_config('pg_tviews.flushing', coalesce(was, ''), true);
            RETURN NULL;
        END IF;
        PERFORM set_config('pg_tviews.pending', replace(reg, tok || ';', ''), true);
        IF fn IS NOT NULL THEN
            EXECUTE format('SELECT %s($1)', fn) INTO n USING at_commit;
            total := total + n;
        END IF;
    END LOOP;
    IF at_commit THEN
        -- keys kept for pg_tviews_flush_and_report() leave with their queue
        reg := coalesce(current_setting('pg_tviews.reported', true), '');
        PERFORM set_config('pg_tviews.reported', '', true);
        FOR tok IN SELECT t FROM unnest(string_to_array(reg, ';')) t WHERE t <> '' ORDER BY t LOOP
            fn := public.pg_tviews__flush_target(tok);
            IF fn <> '' THEN     -- ('': its own COMMIT event, which its report's queue row carries, clears them)
                EXECUTE format('SELECT %s(true)', fn);
            END IF;
        END LOOP;
    END IF;
    PERFORM set_config('pg_tviews.flushing', coalesce(was, ''), true);
    RETURN total;
END
$fn$;

-- Read-your-writes: apply this transaction's pending maintenance now. Returns the TVIEW rows changed.
CREATE OR REPLACE FUNCTION public.pg_tviews_flush() RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$ SELECT public.pg_tviews__flush_all(false) $$;

-- The TVIEWs enlisted by a registry setting, with their queue.
CREATE OR REPLACE FUNCTION public.pg_tviews__enlisted(reg text)
RETURNS TABLE(tok text, entity text, schema_name text, table_name text, key_column text, key_type text, q regclass, rp text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT t.tok, m.entity, m.schema_name, m.table_name, m.key_column, m.key_type, c.oid::regclass, nm.rp
      FROM unnest(string_to_array(coalesce(reg, ''), ';')) t(tok)
      JOIN public.pg_tview_meta m ON true
      CROSS JOIN LATERAL public.pg_tviews__names(m.entity, m.table_name) nm
      JOIN pg_class c ON c.oid = to_regclass(format('%I.%I', m.schema_name, nm.q))
     WHERE t.tok <> '' AND public.pg_tviews__flush_fn(t.tok) = format('%I.%I', m.schema_name, nm.fl)
     ORDER BY t.tok;
$$;

-- Flush, then report the TVIEW rows this transaction changed (since the last reset): entity, id, op
-- (upsert | delete), data (the row, when asked and readable by the caller). Past max_entities rows the
-- report stops and says truncated.
CREATE OR REPLACE FUNCTION public.pg_tviews_flush_and_report(max_entities integer DEFAULT 500, include_data boolean DEFAULT true,
                                                             reset boolean DEFAULT true)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET row_security = on AS $fn$
DECLARE
    e record;
    id text;
    items jsonb := '[]';
    n int := 0;
    truncated boolean := false;
    flushed bigint;
    row_data jsonb;
    readable boolean;
    hidden boolean;
    got jsonb;
    key jsonb;
    lookup text;
BEGIN
    PERFORM public.pg_tviews__not_null('max_entities', max_entities::text, 'include_data', include_data::text, 'reset', reset::text);
    IF max_entities < 0 THEN
        RAISE EXCEPTION 'max_entities must not be negative' USING ERRCODE = '22023';
    END IF;
    flushed := public.pg_tviews__flush_all(false);
    FOR e IN SELECT * FROM public.pg_tviews__enlisted(current_setting('pg_tviews.reported', true)) LOOP
        -- a TVIEW the caller cannot read is not reported: 0.3.7 listed its keys ("op": "changed"), found through the
        -- owner's lineage over tables the caller may not read either
        readable := has_table_privilege(format('%I.%I', e.schema_name, e.table_name), 'SELECT');
        CONTINUE WHEN NOT readable;
        -- row-level security on the TVIEW's table hides rows from the caller: a key whose row it cannot see is not reported
        -- (0.3.21's first cut reported another tenant's key, as "delete"), and since a deleted row cannot be checked, no
        -- deletion either
        hidden := row_security_active(format('%I.%I', e.schema_name, e.table_name)::regclass);
        -- the key's type as the catalog of the table spells it, never the catalog row's text; the row as a whole
        -- (t.*: a column named t would be read instead of the row) and its key both printed under the caller's settings
        lookup := format('SELECT to_jsonb(x.k) #>> ''{}'', (SELECT to_jsonb(t.*) FROM %I.%I t WHERE t.%I = x.k) FROM (SELECT ($1 #>> ''{}'')::%s AS k) x',
                         e.schema_name, e.table_name, e.key_column,
                         (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                           WHERE a.attrelid = public.pg_tviews__relid(e.schema_name, e.table_name) AND a.attname = e.key_column));
        EXECUTE format('SELECT %I.%I($1, $2, current_user)', e.schema_name, e.rp) INTO got USING reset, max_entities - n;
        truncated := truncated OR (got->>'more')::boolean;
        FOR key IN SELECT jsonb_array_elements(got->'ids') LOOP
            EXECUTE lookup INTO id, row_data USING key;
            CONTINUE WHEN hidden AND row_data IS NULL;
            n := n + 1;
            -- (no jsonb_strip_nulls: a null inside the row's own jsonb columns is part of its data)
            items := items || (jsonb_build_object('entity', e.entity, 'table', format('%I.%I', e.schema_name, e.table_name),
                                                  'id', id, 'op', CASE WHEN row_data IS NULL THEN 'delete' ELSE 'upsert' END)
                               || CASE WHEN include_data AND row_data IS NOT NULL THEN jsonb_build_object('data', row_data) ELSE '{}' END);
        END LOOP;
    END LOOP;
    RETURN jsonb_build_object('flushed_rows', flushed, 'count', n, 'truncated', truncated, 'changes', items);
END
$fn$;

-- Bulk loads: while suspended, TVIEWs with options.refresh = 'statement' do not flush after each
-- statement either; resume (the outermost one) or COMMIT flushes everything queued meanwhile. Nesting
-- counts; ROLLBACK TO SAVEPOINT restores the depth.
CREATE OR REPLACE FUNCTION public.pg_tviews_suspend_triggers() RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    depth int := coalesce(nullif(current_setting('pg_tviews.suspended', true), ''), '0')::int + 1;
BEGIN
    PERFORM set_config('pg_tviews.suspended', depth::text, true);
    RETURN depth;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_resume_triggers() RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET row_security = on AS $fn$
DECLARE
    depth int := coalesce(nullif(current_setting('pg_tviews.suspended', true), ''), '0')::int;
BEGIN
    IF depth = 0 THEN
        RAISE EXCEPTION 'TVIEW maintenance is not suspended in this transaction' USING ERRCODE = '55000',
            HINT = 'pg_tviews_suspend_triggers() and pg_tviews_resume_triggers() pair up inside one transaction.';
    END IF;
    PERFORM set_config('pg_tviews.suspended', (depth - 1)::text, true);
    IF depth = 1 THEN
        RETURN public.pg_tviews__flush_all(false);
    END IF;
    RETURN 0;
END
$fn$;

-- The TVIEWs with maintenance pending in this transaction, and how many queued changes each has
-- (NULL where the caller may not read the TVIEW's queue).
CREATE OR REPLACE FUNCTION public.pg_tviews_suspended_entities() RETURNS TABLE(entity text, queued_changes bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET row_security = on AS $fn$
DECLARE
    e record;
BEGIN
    FOR e IN SELECT * FROM public.pg_tviews__enlisted(current_setting('pg_tviews.pending', true)) LOOP
        entity := e.entity;
        queued_changes := public.pg_tviews__queued(e.q);
        RETURN NEXT;
    END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__queued(q regclass) RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    n bigint;
BEGIN
    IF q IS NULL OR NOT has_table_privilege(q, 'SELECT')
       OR NOT has_schema_privilege((SELECT c.relnamespace FROM pg_class c WHERE c.oid = q), 'USAGE') THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT count(*) FROM %s WHERE tx = pg_current_xact_id_if_assigned() AND scope NOT IN (''r'', ''e'', ''w'')', q) INTO n;
    RETURN n;
END
$fn$;

-- A recompute that found a key twice: fail naming the TVIEW and the key (nothing is written).
CREATE OR REPLACE FUNCTION public.pg_tviews__no_dup(ent text, key_col text, dup text, has_null boolean DEFAULT false) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF has_null THEN
        RAISE EXCEPTION 'null value in key column "%" of TVIEW %', key_col, ent USING ERRCODE = '23502',
            HINT = format('The write makes the TVIEW query yield a row whose key %s is NULL; the TVIEW cannot hold it.', key_col);
    END IF;
    IF dup IS NOT NULL THEN
        -- the value only for a session that may read it (as PostgreSQL's own unique violation does): maintenance runs as
        -- the owner, and the key may come from tables the writer cannot read
        IF NOT coalesce((SELECT has_table_privilege(session_user, format('%I.%I', m.schema_name, m.table_name), 'SELECT')
                           FROM public.pg_tview_meta m WHERE m.entity = ent), false) THEN
            RAISE EXCEPTION 'duplicate key value in key column "%" of TVIEW %', key_col, ent USING ERRCODE = '23505',
                DETAIL = 'The value is not shown: the session may not read the TVIEW.',
                HINT = 'The write makes the TVIEW query yield a key twice; the key must stay unique in the query result.';
        END IF;
        RAISE EXCEPTION 'duplicate key value % in key column "%" of TVIEW %', dup, key_col, ent USING ERRCODE = '23505',
            HINT = 'The write makes the TVIEW query yield this key twice; the key must stay unique in the query result.';
    END IF;
    RETURN true;
END
$fn$;

-- A change produced a NULL key candidate: fail if the query now yields a row with a NULL key.
CREATE OR REPLACE FUNCTION public.pg_tviews__null_key_check(ent text, dv regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    k text := (SELECT key_column FROM public.pg_tview_meta WHERE entity = ent);
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s q WHERE q.%I IS NULL', dv, k) INTO n;
    IF n > 0 THEN
        PERFORM public.pg_tviews__no_dup(ent, k, NULL, true);
    END IF;
END
$fn$;

-- Operate on a TVIEW as its owner: only members of the owner role may (42501 otherwise), and stored
-- definitions and generated code then run with the owner's privileges, never with the caller's (a
-- superuser repairing a tenant's TVIEW runs the tenant's SQL as the tenant). Returns the setting of
-- "role" to give back to pg_tviews__restore_role.
CREATE OR REPLACE FUNCTION public.pg_tviews__as_owner(owner name, what text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    prev text := current_setting('role');
BEGIN
    IF NOT public.pg_tviews__member(owner) THEN
        RAISE EXCEPTION 'permission denied for TVIEW %', what USING ERRCODE = '42501',
            DETAIL = format('It is owned by role %I; only members of that role may operate on it.', owner);
    END IF;
    IF owner <> current_user THEN
        PERFORM set_config('role', owner, true);
    END IF;
    RETURN prev;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__restore_role(prev text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$ SELECT set_config('role', prev, true) $$;

-- Conflict stamps of runtime 0.1/0.2 (pg_tview_rr_stamp) of a TVIEW that no longer exists (pg_tviews_drop calls it
-- after removing the catalog row; a caller cannot touch a live TVIEW's stamps through it).
CREATE OR REPLACE FUNCTION public.pg_tviews__forget_stamps(ent text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DELETE FROM public.pg_tview_rr_stamp s WHERE s.entity = ent
       AND NOT EXISTS (SELECT 1 FROM public.pg_tview_meta m WHERE m.entity = ent);
$$;

-- Names of the generated objects of a TVIEW (all carry md5(entity) so a lost registry can be rebuilt).
-- q: the transaction's pending work (unlogged; rows never outlive their transaction), lk: key locks
-- that only the TVIEW's owner can take, fl: the flush, rp: the report of changed keys.
DROP VIEW IF EXISTS public.pg_tviews_queue_realtime CASCADE;   -- reads the names; created again below
-- The longest prefix of s that fits in n bytes: generated names must stay under PostgreSQL's 63-byte limit
-- whatever the characters (a Cyrillic TVIEW name cut by characters ran over it, and its objects' names collided).
CREATE OR REPLACE FUNCTION public.pg_tviews__left_bytes(s text, n int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN octet_length(s) <= n THEN s
                ELSE (SELECT left(s, k) FROM generate_series(n, 0, -1) k WHERE octet_length(left(s, k)) <= n LIMIT 1) END;
$$;

DROP FUNCTION IF EXISTS public.pg_tviews__names(text, text);
-- A relation by schema and name without privilege checks: to_regclass() needs USAGE on the schema, and the DDL
-- event triggers run as whoever runs the DDL (0.3.4: any DROP TABLE by a role without USAGE on some TVIEW's
-- schema failed with 42501).
CREATE OR REPLACE FUNCTION public.pg_tviews__relid(sch text, rel text) RETURNS oid
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = sch AND c.relname = rel;
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__names(ent text, tbl text,
    OUT rk text, OUT fr text, OUT ft text, OUT trg_prefix text, OUT dv text, OUT src_prefix text,
    OUT trg_like text, OUT fn_like text, OUT q text, OUT lk text, OUT fl text, OUT rp text)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
-- (PL/pgSQL, not SQL: a SQL function that cannot be inlined is parsed and planned again in every new expression that
-- calls it, ~1 ms here, and the runtime calls this one thousands of times in a DDL or a reinstall)
DECLARE
    h constant text := substr(md5(ent), 1, 8);
    t40 text := tbl;
    t30 text := tbl;
    t20 text := tbl;
BEGIN
    -- the table name cut to 40, 30 and 20 bytes (by characters it could run over PostgreSQL's 63-byte limit)
    WHILE octet_length(t40) > 40 LOOP t40 := left(t40, -1); END LOOP;
    WHILE octet_length(t30) > 30 LOOP t30 := left(t30, -1); END LOOP;
    WHILE octet_length(t20) > 20 LOOP t20 := left(t20, -1); END LOOP;
    rk := 'pg_tviews_' || t40 || '_' || h || '_rk';
    fr := 'pg_tviews_' || t40 || '_' || h || '_fr';
    ft := 'pg_tviews_' || t40 || '_' || h || '_ft';
    trg_prefix := 'pg_tviews_' || h || '_' || t30;
    dv := 'pg_tviews_' || t40 || '_' || h || '_dv';
    src_prefix := 'pg_tviews_' || t20 || '_' || h || '_';
    trg_like := E'pg\\_tviews\\_' || h || E'\\_%';
    fn_like := E'pg\\_tviews\\_%\\_' || h || E'\\_%';
    q := 'pg_tviews_' || t40 || '_' || h || '_q';
    lk := 'pg_tviews_' || t40 || '_' || h || '_lk';
    fl := 'pg_tviews_' || t40 || '_' || h || '_fl';
    rp := 'pg_tviews_' || t40 || '_' || h || '_rp';
END
$fn$;

-- The query text to store (pg_tview_meta.definition, the table's comment, the audit log), read back later with
-- standard_conforming_strings = on (pg_tviews_convert_existing_table(name), a restore): typed in a session with it off
-- and holding a backslash, the definition as PostgreSQL prints it, which reads the same (0.3.23's first cut stored the
-- typed text, and a re-adoption read '\t' otherwise: hunt 10).
CREATE OR REPLACE FUNCTION public.pg_tviews__conforming(query text, a jsonb) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN current_setting('pg_tviews.caller_scs', true) = 'off' AND strpos(query, chr(92)) > 0 THEN a->>'qualified' ELSE query END
$$;

-- NULL arguments to API functions are refused rather than read as true or false.
CREATE OR REPLACE FUNCTION public.pg_tviews__not_null(VARIADIC args text[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    i int;
BEGIN
    FOR i IN 1 .. cardinality(args) / 2 LOOP
        IF args[2 * i] IS NULL THEN
            RAISE EXCEPTION 'argument % must not be NULL', args[2 * i - 1] USING ERRCODE = '22004';
        END IF;
    END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__node_json(src text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
    -- PostgreSQL's node-tree text (pg_rewrite.ev_action) as jsonb: {NODE :f v} -> {"_":"NODE","f":v},
    -- (a b) -> ["a","b"], <> -> absent field (or null in a list), every scalar a string. Tokens as the server's own reader splits them.
    WITH tok AS (
        SELECT t[1] AS tok, i FROM regexp_matches(src, E'[0-9]+ \\[(?: -?[0-9]+)* \\]|[(){}]|(?:[^\\s(){}\\\\]|\\\\.)+', 'g') WITH ORDINALITY m(t, i)
    ), kinded AS (
        SELECT tok, i,
               CASE WHEN tok = '{' THEN 'open' WHEN tok = '}' THEN 'close' WHEN tok = '(' THEN 'lopen' WHEN tok = ')' THEN 'lclose'
                    WHEN left(tok, 1) = ':' AND lag(tok) OVER w IS DISTINCT FROM '{' THEN 'field' ELSE 'scalar' END AS kind
          FROM tok WINDOW w AS (ORDER BY i)
    ), piece AS (
        SELECT i, CASE kind
            WHEN 'open' THEN CASE WHEN lag(kind) OVER w IN ('scalar', 'close', 'lclose') THEN ',' ELSE '' END || '{"_":'
            WHEN 'close' THEN CASE WHEN lag(kind) OVER w = 'field' THEN 'null' ELSE '' END || '}'
            WHEN 'lopen' THEN CASE WHEN lag(kind) OVER w IN ('scalar', 'close', 'lclose') THEN ',' ELSE '' END || '['
            WHEN 'lclose' THEN ']'
            WHEN 'field' THEN CASE WHEN lag(kind) OVER w = 'field' THEN 'null' ELSE '' END || ',' || to_json(substr(tok, 2))::text || ':'
            ELSE CASE WHEN lag(kind) OVER w IN ('scalar', 'close', 'lclose') THEN ',' ELSE '' END
                 || CASE WHEN tok = '<>' THEN 'null'
                         WHEN tok ~ '^".*"$' AND length(tok) > 1 THEN to_json(regexp_replace(substr(tok, 2, length(tok) - 2), E'\\\\(.)', E'\\1', 'g'))::text
                         ELSE to_json(regexp_replace(tok, E'\\\\(.)', E'\\1', 'g'))::text END
            END AS p
          FROM kinded WINDOW w AS (ORDER BY i)
    )
    SELECT jsonb_strip_nulls(string_agg(p, '' ORDER BY i)::jsonb) FROM piece
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Lineage analysis: proven from the analysed query tree (the definition view's pg_rewrite rule)
-- ---------------------------------------------------------------------------------------------
-- Scopes are paths ('0', '0/r3', '0/r3/l1'); a column node is 'scope:rti:attno' (rti 0 = the scope's
-- output). Edges are equalities that hold for every tuple that contributes to an output row.

CREATE OR REPLACE FUNCTION public.pg_tviews__an_scope_up(scope text, levels int) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT array_to_string((string_to_array(scope, '/'))[1:cardinality(string_to_array(scope, '/')) - levels], '/')
$$;

-- The type of an expression node, for the nodes that name it (NULL for the others).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_exprtype(e jsonb) RETURNS oid
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (CASE e->>'_' WHEN 'VAR' THEN e->>'vartype' WHEN 'RELABELTYPE' THEN e->>'resulttype' WHEN 'COERCEVIAIO' THEN e->>'resulttype'
                         WHEN 'FUNCEXPR' THEN e->>'funcresulttype' WHEN 'OPEXPR' THEN e->>'opresulttype' WHEN 'CONST' THEN e->>'consttype'
                         WHEN 'PARAM' THEN e->>'paramtype' END)::oid
$$;

-- What "=" means for values of type t, as the default btree operator family that decides it: through domains; for a
-- type without a default class of its own (varchar), that of the preferred type it is binary-coercible to (text); for an
-- array, its element type's, marked. Two types with the same answer compare their values alike (varchar, text and
-- name; integer and bigint; oid and regclass); text and char(n), integer and oid do not.
CREATE OR REPLACE FUNCTION public.pg_tviews__eq_family(t oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE d(oid, depth) AS (
        SELECT t, 0 UNION ALL SELECT ty.typbasetype, d.depth + 1 FROM d JOIN pg_type ty ON ty.oid = d.oid WHERE ty.typtype = 'd'
    ), b AS (
        SELECT ty.oid, ty.typelem, ty.typcategory FROM d JOIN pg_type ty ON ty.oid = d.oid ORDER BY d.depth DESC LIMIT 1
    )
    SELECT CASE WHEN b.typcategory = 'A' AND b.typelem <> 0 THEN 'A' || public.pg_tviews__eq_family(b.typelem)
                ELSE coalesce((SELECT c.opcfamily FROM pg_opclass c WHERE c.opcintype = b.oid AND c.opcmethod = 403 AND c.opcdefault),
                              (SELECT c.opcfamily FROM pg_cast k JOIN pg_type tt ON tt.oid = k.casttarget
                                 JOIN pg_opclass c ON c.opcintype = k.casttarget AND c.opcmethod = 403 AND c.opcdefault
                                WHERE k.castsource = b.oid AND k.castmethod = 'b'
                                ORDER BY tt.typispreferred DESC, k.casttarget LIMIT 1))::text END
      FROM b
$$;

-- An expression without the casts that keep a value's equality: binary-compatible relabelling (varchar to text) and
-- integer widening (int2 to int4 or int8, int4 to int8: OIDs 313, 754, 481 of int4(smallint), int8(smallint),
-- int8(integer), fixed in PostgreSQL's catalog). x::bigint = y holds exactly when x = y does, and the generated code
-- compares integers of any width (hop values are passed as bigint), so such a column is followed as the column.
-- A relabelling that changes equality is kept: text to char(n) (trailing spaces stop counting), integer to oid
-- (unsigned); 0.3.21 removed every one, and looked values compared as char(n) up by text equality. Kept unless the
-- argument's and the result's default btree families are the same (pg_tviews__eq_family).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_strip(e jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    LOOP
        IF e->>'_' = 'RELABELTYPE'
           AND public.pg_tviews__eq_family((e->>'resulttype')::oid) = public.pg_tviews__eq_family(public.pg_tviews__an_exprtype(e->'arg')) THEN
            e := e->'arg';
        ELSIF e->>'_' = 'FUNCEXPR' AND e->>'funcid' IN ('313', '754', '481') AND jsonb_array_length(e->'args') = 1 THEN
            e := e->'args'->0;
        ELSE
            RETURN e;
        END IF;
    END LOOP;
END
$fn$;

-- Is expression e an array (its type's base type)? An equality of two arrays links nothing: a hop passes single values.
-- NULL when e's type is not known.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_is_array(e jsonb) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT t.typcategory = 'A' FROM pg_type t WHERE t.oid = public.pg_tviews__base_type(public.pg_tviews__an_expr_type(e))
$$;

-- The column node a Var denotes (through the casts pg_tviews__an_strip removes), or NULL for any other expression.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_var(e jsonb, scope text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    e := public.pg_tviews__an_strip(e);
    IF e->>'_' IS DISTINCT FROM 'VAR' OR (e->>'varattno')::int <= 0 THEN
        RETURN NULL;
    END IF;
    RETURN public.pg_tviews__an_scope_up(scope, (e->>'varlevelsup')::int) || ':' || (e->>'varno') || ':' || (e->>'varattno');
END
$fn$;

-- SubLinks of an expression, not descending into their subqueries.
-- The subqueries in an expression. aggs: NULL for all of them; 'inside' for those in the arguments (or FILTER) of an
-- aggregate of the expression's own level, which run once per row the level's WHERE keeps; 'outside' for the others.
DROP FUNCTION IF EXISTS public.pg_tviews__an_sublinks(jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_sublinks(e jsonb, aggs text DEFAULT NULL) RETURNS SETOF jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    x jsonb;
BEGIN
    IF jsonb_typeof(e) = 'object' THEN
        IF e->>'_' = 'AGGREF' AND e->>'agglevelsup' = '0' AND aggs IS NOT NULL THEN
            IF aggs = 'inside' THEN
                RETURN QUERY SELECT public.pg_tviews__an_sublinks(e);
            END IF;
            RETURN;
        END IF;
        IF e->>'_' = 'SUBLINK' THEN
            IF aggs IS DISTINCT FROM 'inside' THEN
                RETURN NEXT e;
            END IF;
            RETURN QUERY SELECT public.pg_tviews__an_sublinks(e->'testexpr', aggs);
            RETURN;
        END IF;
        IF e->>'_' = 'QUERY' THEN RETURN; END IF;
        FOR x IN SELECT v FROM jsonb_each(e) j(k, v) WHERE jsonb_typeof(v) IN ('object', 'array') LOOP
            RETURN QUERY SELECT public.pg_tviews__an_sublinks(x, aggs);
        END LOOP;
    ELSIF jsonb_typeof(e) = 'array' THEN
        FOR x IN SELECT v FROM jsonb_array_elements(e) v WHERE jsonb_typeof(v) IN ('object', 'array') LOOP
            RETURN QUERY SELECT public.pg_tviews__an_sublinks(x, aggs);
        END LOOP;
    END IF;
END
$fn$;

-- Range-table indexes under a join tree node (with those of subqueries in its conditions: their equalities are read
-- with it).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_rtis(n jsonb) RETURNS int[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(DISTINCT (x #>> '{}')::int), '{}')
      FROM jsonb_path_query(n, 'strict $.** ? (@._ == "RANGETBLREF" || @._ == "JOINEXPR").rtindex') x
     WHERE x <> 'null'::jsonb
$$;

-- The nodes of a join tree (its lists, joins and items), never those of subqueries in its conditions (whose range tables
-- number their own entries: a view's EXISTS named the view's own *OLD* entry to the order check, which then recursed
-- into the view until the stack ran out, 54001 in 0.3.28; hunt 26).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_tree_nodes(n jsonb) RETURNS SETOF jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE t(node) AS (
        SELECT n WHERE jsonb_typeof(n) = 'object'
        UNION ALL
        SELECT c FROM t CROSS JOIN LATERAL (
            SELECT e FROM jsonb_array_elements(CASE WHEN t.node->>'_' = 'FROMEXPR' AND jsonb_typeof(t.node->'fromlist') = 'array'
                                                    THEN t.node->'fromlist' ELSE '[]' END) e
            UNION ALL SELECT t.node->'larg' WHERE t.node->>'_' = 'JOINEXPR'
            UNION ALL SELECT t.node->'rarg' WHERE t.node->>'_' = 'JOINEXPR') x(c)
         WHERE jsonb_typeof(c) = 'object'
    )
    SELECT node FROM t
$$;

-- The range-table indexes of a join tree's own items and joins (pg_tviews__an_tree_nodes)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_items(n jsonb) RETURNS int[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(DISTINCT (t.node->>'rtindex')::int), '{}')
      FROM public.pg_tviews__an_tree_nodes(n) t(node) WHERE t.node->>'_' IN ('RANGETBLREF', 'JOINEXPR') AND t.node->>'rtindex' ~ '^[0-9]+$'
$$;

-- An equality edge. need: where it holds, when not in every output row (0.3.6 used every edge everywhere: an equality
-- between two outer columns inside a subquery linked an outer table to the key through the wrong column). It is a list
-- of token sets; an occurrence may use the edge when, for each set, a token of it is among the occurrence's (see
-- pg_tviews__an_lineage): a subquery in an expression (correlated scalar subquery, EXISTS, IN, a LATERAL subquery) holds
-- its equalities only for its own tuples, so only occurrences inside it; an outer join's ON only where it matched, so
-- occurrences whose rows imply the nullable side (both sides for a FULL JOIN).
DROP FUNCTION IF EXISTS public.pg_tviews__an_edge(jsonb, text, text, boolean);
DROP FUNCTION IF EXISTS public.pg_tviews__an_edge(jsonb, text, text, boolean, text, jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_edge(acc jsonb, a text, b text, directed boolean DEFAULT false, need jsonb DEFAULT NULL)
RETURNS jsonb LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN a IS NULL OR b IS NULL OR a = b THEN acc
                ELSE jsonb_set(acc, '{edges}', (acc->'edges') || jsonb_build_array(jsonb_build_array(a, b, directed, coalesce(need, '[]')))) END
$$;

-- A membership edge (0.3.14): column node s equals an element of array column node arr ("t.pk_tag = ANY(p.tag_ids)").
-- Not an equality: pg_tviews__an_edges leaves it out (no chain of equalities runs through it, no key is found through
-- it); pg_tviews__an_path may cross one between two occurrences as a hop of its own (pg_tviews__an_members).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_member_edge(acc jsonb, s text, arr text, need jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN s IS NULL OR arr IS NULL OR s = arr THEN acc
                ELSE jsonb_set(acc, '{edges}', (acc->'edges') || jsonb_build_array(jsonb_build_array(s, arr, true, coalesce(need, '[]'), 'member'))) END
$$;

-- Where a scope sits: the subqueries in expressions (their scopes) and the range-table entries ("scope:rti") it is
-- nested in, outermost first. A CTE's scope sits where it is referenced, not where it is defined.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_nest(acc jsonb, inner_scope text, outer_scope text, token text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_set(CASE WHEN acc ? 'anc' THEN acc ELSE acc || '{"anc": {}}' END, ARRAY['anc', inner_scope],
                     coalesce(acc->'anc'->outer_scope, '[]') || to_jsonb(token))
$$;

-- The innermost subquery in an expression that a scope is inside of (NULL: none)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_ctx(acc jsonb, scope text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT t FROM jsonb_array_elements_text(coalesce(acc->'anc'->scope, '[]')) WITH ORDINALITY x(t, i)
     WHERE strpos(t, ':') = 0 ORDER BY i DESC LIMIT 1
$$;

-- Does an equality compare under the collation of each of its operands? A lineage walk looks values up in a column
-- under that column's collation: "b.t = a.name" with b.t case-insensitive compares under b.t's collation, so looking
-- b.t's values up in a.name (default collation) would miss 'a' for 'A' (0.3.8 did). Such an equality links nothing.
-- The collation of an expression's result (its node's own collation field; '0': none)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_result_coll(e jsonb) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(e->>'varcollid', e->>'paramcollid', e->>'resultcollid', e->>'collOid', e->>'funccollid', e->>'opcollid',
                    e->>'coalescecollid', e->>'casecollid', e->>'minmaxcollid', '0')
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__an_same_collation(e jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(e->>'inputcollid', '0') = '0'
        OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements(e->'args') x
                        WHERE x->>'_' IS DISTINCT FROM 'CONST'     -- a constant takes the comparison's collation
                          AND public.pg_tviews__an_result_coll(x) <> e->>'inputcollid')
$$;

-- Is x a column and arr an array column of x's own type (no cast on arr; on x only the ones pg_tviews__an_strip removes,
-- which must leave x's type the element type)?
CREATE OR REPLACE FUNCTION public.pg_tviews__an_member_of(x jsonb, arr jsonb) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT arr->>'_' = 'VAR' AND public.pg_tviews__an_strip(x)->>'_' = 'VAR'
       AND (public.pg_tviews__an_strip(x)->>'vartype')::oid
           = (SELECT t.typelem FROM pg_type t WHERE t.oid = (arr->>'vartype')::oid AND t.typcategory = 'A')
$$;

-- Is expression e NULL whenever the columns it reads are? When it has a column pg_tviews__an_null_vars finds (since
-- 0.3.31 one mechanism for both questions, which also follows NOT)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_null_strict(e jsonb) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM public.pg_tviews__an_null_vars(e))
$$;

-- An expression node (0.3.19): an equality side (or, 0.3.20, a selected column) that is an expression of one table
-- occurrence's columns, read through nodes that read nothing else (pg_tviews__an_plain_expr: operators, casts,
-- immutable functions; no subquery). NULL for anything else. Its "col" names it among the occurrence's columns: 70
-- characters, which no column name can be (63 at most), from the expression's tree, so the same expression of the
-- same occurrence is one node.
-- (acc: the analysis so far, whose "nullable" lists each level's range-table indexes on the nullable side of an outer
-- join, pg_tviews__an_query)
-- (extended: in a join's ON, the range-table indexes of the level an outer join below it has null-extended, as for
-- pg_tviews__an_quals; NULL elsewhere)
DROP FUNCTION IF EXISTS public.pg_tviews__an_xnode(jsonb, text);
DROP FUNCTION IF EXISTS public.pg_tviews__an_xnode(jsonb, text, jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_xnode(e jsonb, scope text, acc jsonb, extended int[] DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    vars jsonb;
    norm jsonb;
    occ text;
    lvl text;
BEGIN
    IF e IS NULL OR public.pg_tviews__an_strip(e)->>'_' = 'VAR' OR NOT public.pg_tviews__an_plain_expr(e)
       OR jsonb_path_exists(e, 'strict $.** ? (@.funcretset == "true" || @.opretset == "true")') THEN
        RETURN NULL;     -- (a set-returning function gives rows, not a value: its lookup, in WHERE, would fail)
    END IF;
    vars := (SELECT jsonb_agg(x) FROM jsonb_path_query(e, 'strict $.** ? (@."_" == "VAR")') x);
    IF vars IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements(vars) x WHERE (x->>'varattno')::int <= 0)
       OR (SELECT count(DISTINCT (x->>'varno') || '/' || (x->>'varlevelsup')) FROM jsonb_array_elements(vars) x) <> 1 THEN
        RETURN NULL;
    END IF;
    lvl := public.pg_tviews__an_scope_up(scope, (vars->0->>'varlevelsup')::int);
    occ := lvl || ':' || (vars->0->>'varno');
    -- On the nullable side of an outer join the expression is also evaluated over the NULLs of a missing row, where
    -- (u.name IS NULL)::text or coalesce(u.nick, 'none') give a value no row of u has: no change of u leads to the rows
    -- matched so. A column gives NULL there, which equals nothing; so does an expression that is NULL whenever its
    -- columns are (pg_tviews__an_null_strict). 0.3.19 linked the others too, and missed those rows. In the ON of the
    -- outer join that null-extends the table, the expression reads the table's own rows (coalesce(u.alt, 0) = p.fk in
    -- "LEFT JOIN u ON ..."): only an outer join below that ON counts there (0.3.28; 0.3.27 refused it)
    IF (CASE WHEN extended IS NOT NULL AND (vars->0->>'varlevelsup')::int = 0 THEN (vars->0->>'varno')::int = ANY(extended)
             ELSE coalesce(acc->'nullable'->lvl, '[]') ? (vars->0->>'varno') END)
       AND NOT public.pg_tviews__an_null_strict(e) THEN
        RETURN NULL;
    END IF;
    -- (as over the table alone: the proof parses the text over it, pg_tviews__parses_to)
    norm := regexp_replace(regexp_replace(e::text, '"location": "-?[0-9]+"', '"location": "-1"', 'g'),
                           '"varlevelsup": "[0-9]+"', '"varlevelsup": "0"', 'g')::jsonb;
    RETURN jsonb_build_object('occ', occ, 'col', '#expr#' || md5(occ || '|' || norm::text) || md5(norm::text || '|' || occ),
                              'expr', norm, 'type', public.pg_tviews__an_expr_type(e)::oid,
                              'attnos', (SELECT jsonb_agg(DISTINCT (x->>'varattno')::int) FROM jsonb_array_elements(vars) x));
END
$fn$;

-- acc with expression node x (pg_tviews__an_xnode) among its "xnodes"
CREATE OR REPLACE FUNCTION public.pg_tviews__an_add_xnode(acc jsonb, x jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_set(CASE WHEN acc ? 'xnodes' THEN acc ELSE acc || '{"xnodes": {}}' END, ARRAY['xnodes', x->>'col'], x)
$$;

-- Equalities of the conjuncts of a qual. side_l/side_r: for outer joins, the range-table indexes of the
-- two inputs and which ones are nullable ('l', 'r', 'b'); an equality is used only when it holds for
-- every contributing pair (one side each, or both in the nullable side).
-- (extended: the range-table indexes of the level that an outer join below the condition has null-extended where it is
-- tested, for a join's ON; NULL for WHERE, where every nullable one is, pg_tviews__an_not_null_col)
DROP FUNCTION IF EXISTS public.pg_tviews__an_quals(jsonb, text, jsonb, jsonb, int[], int[], text);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_quals(e jsonb, scope text, ctes jsonb, acc jsonb,
                                                      side_l int[] DEFAULT NULL, side_r int[] DEFAULT NULL, nullable text DEFAULT NULL,
                                                      extended int[] DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    x jsonb;
    a text; b text;
    ra int; rb int;
    ok boolean;
    disjuncts jsonb;
    member boolean;
    need jsonb;
    pairs jsonb;
    pr jsonb;
    arr jsonb;
    lit jsonb;
    j int;
BEGIN
    IF e IS NULL OR jsonb_typeof(e) <> 'object' THEN RETURN acc; END IF;
    IF e->>'_' = 'BOOLEXPR' AND e->>'boolop' = 'and' THEN
        FOR x IN SELECT v FROM jsonb_array_elements(e->'args') v LOOP
            acc := public.pg_tviews__an_quals(x, scope, ctes, acc, side_l, side_r, nullable, extended);
        END LOOP;
        RETURN acc;
    END IF;
    -- an OR conjunct: the equalities each disjunct would add, kept apart (pg_tviews__an_or_paths); in an outer join's ON
    -- under the same conditions as the ON's own equalities
    IF e->>'_' = 'BOOLEXPR' AND e->>'boolop' = 'or' THEN
        disjuncts := '[]';
        FOR x IN SELECT v FROM jsonb_array_elements(e->'args') v LOOP
            arr := public.pg_tviews__an_quals(x, scope, ctes, acc, side_l, side_r, nullable, extended);
            disjuncts := disjuncts || jsonb_build_array(coalesce(jsonb_path_query_array(arr->'edges',
                                                                                      '$[$n to last]', jsonb_build_object('n', jsonb_array_length(acc->'edges'))), '[]'));
            IF arr ? 'xnodes' THEN
                acc := jsonb_set(acc, '{xnodes}', coalesce(acc->'xnodes', '{}') || (arr->'xnodes'));
            END IF;
            -- an IN (SELECT ...) disjunct links the outer value to the subquery's output for the subquery's own tables
            -- (pg_tviews__an_sublink confines that edge to them): their rows decide its truth only for the outer rows
            -- holding their values, and under AND and OR in a WHERE or an ON a NULL filters like false (0.3.27; 0.3.26
            -- dropped it: "o.fk IN (SELECT u.pk ...) OR o.status = 'paid'" was refused as untraceable)
            IF arr ? 'pending_in' THEN
                acc := jsonb_set(acc, '{pending_in}', coalesce(acc->'pending_in', '{}') || (arr->'pending_in'));
            END IF;
        END LOOP;
        RETURN jsonb_set(acc, '{ors}', coalesce(acc->'ors', '[]') || jsonb_build_array(disjuncts));
    END IF;
    -- coalesce(a, b) = x: every row it keeps has a = x or b = x (a when a is not NULL, b otherwise), an OR of equalities,
    -- whose paths reach every key its changes affect, and some more (x = coalesce(p.editor, p.author)). With an argument
    -- that is not a column (coalesce(o.fk_user, 0)) that OR has a branch without an equality: the coalesce is then an
    -- expression node like any other of one table's columns, below (0.3.27; 0.3.26 refused it)
    IF e->>'_' = 'OPEXPR' AND jsonb_array_length(e->'args') = 2 AND 'COALESCEEXPR' IN (e->'args'->0->>'_', e->'args'->1->>'_')
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(e->'args'->(CASE WHEN e->'args'->0->>'_' = 'COALESCEEXPR' THEN 0 ELSE 1 END)->'args') ca
                        WHERE public.pg_tviews__an_var(ca, scope) IS NULL)
       AND EXISTS (SELECT 1 FROM pg_operator o WHERE o.oid = (e->>'opno')::oid AND o.oprname = '=' AND (o.oprcanhash OR o.oprcanmerge)) THEN
        j := CASE WHEN e->'args'->0->>'_' = 'COALESCEEXPR' THEN 0 ELSE 1 END;
        RETURN public.pg_tviews__an_quals(jsonb_build_object('_', 'BOOLEXPR', 'boolop', 'or', 'args',
                   (SELECT jsonb_agg(e || jsonb_build_object('args', CASE j WHEN 0 THEN jsonb_build_array(ca.arg, e->'args'->1)
                                                                           ELSE jsonb_build_array(e->'args'->0, ca.arg) END) ORDER BY ca.o)
                      FROM jsonb_array_elements(e->'args'->j->'args') WITH ORDINALITY ca(arg, o))),
                   scope, ctes, acc, side_l, side_r, nullable, extended);
    END IF;
    -- a IS NOT DISTINCT FROM b with a column on one side that is never NULL where it is tested (a NOT NULL column of a
    -- table no outer join below has null-extended): true exactly when a = b is, an equality (0.3.27; an ORM's way of
    -- writing a join on a nullable foreign key). With NULL possible on both sides it also pairs the NULLs, which no
    -- lookup by value finds: not an equality
    IF e->>'_' = 'BOOLEXPR' AND e->>'boolop' = 'not' AND e->'args'->0->>'_' = 'DISTINCTEXPR'
       AND public.pg_tviews__an_var(e->'args'->0->'args'->0, scope) IS NOT NULL AND public.pg_tviews__an_var(e->'args'->0->'args'->1, scope) IS NOT NULL
       AND (public.pg_tviews__an_not_null_col(e->'args'->0->'args'->0, scope, acc, extended)
            OR public.pg_tviews__an_not_null_col(e->'args'->0->'args'->1, scope, acc, extended)) THEN
        RETURN public.pg_tviews__an_quals(e->'args'->0 || '{"_": "OPEXPR"}', scope, ctes, acc, side_l, side_r, nullable, extended);
    END IF;
    pairs := '[]';
    IF e->>'_' IN ('OPEXPR', 'SCALARARRAYOPEXPR') AND jsonb_array_length(e->'args') = 2 AND public.pg_tviews__an_same_collation(e)
       AND EXISTS (SELECT 1 FROM pg_operator o WHERE o.oid = (e->>'opno')::oid AND o.oprname = '=' AND (o.oprcanhash OR o.oprcanmerge)) THEN
        -- x = ANY(arr) with a column x and an array column arr of x's own element type (no cast on either side): a
        -- membership edge (pg_tviews__an_member_edge), under the same conditions as an equality
        member := e->>'_' = 'SCALARARRAYOPEXPR';
        -- (not an equality of two arrays: a hop passes single values, and 0.3.19 failed every write that passed two arrays)
        IF NOT member AND public.pg_tviews__an_is_array(e->'args'->0) THEN
            NULL;
        ELSIF NOT member OR e->>'useOr' = 'true' AND public.pg_tviews__an_member_of(e->'args'->0, e->'args'->1) THEN
            pairs := jsonb_build_array(jsonb_build_array(public.pg_tviews__an_var(e->'args'->0, scope), public.pg_tviews__an_var(e->'args'->1, scope), member));
            -- a side that is an expression of one table's columns (lower(u.email), (p.meta->>'author_id')::int): a node of
            -- its own (pg_tviews__an_xnode), an equality like a column's; its text is proven when a path uses it
            IF NOT member THEN
                FOR j IN 0 .. 1 LOOP
                    IF pairs->0->>j IS NULL THEN
                        lit := public.pg_tviews__an_xnode(e->'args'->j, scope, acc, extended);
                        IF lit IS NOT NULL THEN
                            acc := public.pg_tviews__an_add_xnode(acc, lit);
                            pairs := jsonb_set(pairs, ARRAY['0', j::text], to_jsonb((lit->>'occ') || ':' || (lit->>'col')));
                        END IF;
                    END IF;
                END LOOP;
            END IF;
        END IF;
    ELSIF e->>'_' = 'OPEXPR' AND e->>'opno' IN ('2750', '2751', '2752') AND jsonb_array_length(e->'args') = 2 THEN
        -- arr @> ARRAY[x, y] (each element a member of arr), ARRAY[x] <@ arr, and arr && ARRAY[x] (one element only: an
        -- overlap with two is an OR); OIDs of anyarray's &&, @> and <@, fixed in PostgreSQL's catalog
        arr := e->'args'->(CASE WHEN e->>'opno' = '2752' THEN 1 ELSE 0 END);
        lit := e->'args'->(CASE WHEN e->>'opno' = '2752' THEN 0 ELSE 1 END);
        IF lit->>'_' = 'ARRAYEXPR' AND (e->>'opno' <> '2750' OR jsonb_array_length(lit->'elements') = 1) THEN
            pairs := coalesce((SELECT jsonb_agg(jsonb_build_array(public.pg_tviews__an_var(el, scope), public.pg_tviews__an_var(arr, scope), true))
                                 FROM jsonb_array_elements(lit->'elements') el
                                WHERE public.pg_tviews__an_member_of(el, arr)
                                  AND coalesce(public.pg_tviews__an_strip(el)->>'varcollid', '0') = coalesce(e->>'inputcollid', '0')
                                  AND coalesce(arr->>'varcollid', '0') = coalesce(e->>'inputcollid', '0')), '[]');
        END IF;
    END IF;
    FOR pr IN SELECT v FROM jsonb_array_elements(pairs) v LOOP
        a := pr->>0;
        b := pr->>1;
        member := (pr->>2)::boolean;
        IF a IS NOT NULL AND b IS NOT NULL THEN
            ok := side_l IS NULL;
            IF NOT ok AND split_part(a, ':', 1) = scope AND split_part(b, ':', 1) = scope THEN
                ra := split_part(a, ':', 2)::int; rb := split_part(b, ':', 2)::int;
                ok := (ra = ANY(side_l) AND rb = ANY(side_r)) OR (ra = ANY(side_r) AND rb = ANY(side_l))
                      OR (nullable = 'r' AND ra = ANY(side_r) AND rb = ANY(side_r))
                      OR (nullable = 'l' AND ra = ANY(side_l) AND rb = ANY(side_l));
            END IF;
            IF ok THEN
                -- the nullable side(s) of an outer join must be present (unless the WHERE clause requires them:
                -- "p.pk IS NOT NULL", "p.x > 0")
                need := coalesce((SELECT jsonb_build_array(jsonb_build_array(public.pg_tviews__an_ctx(acc, scope)))
                                      WHERE public.pg_tviews__an_ctx(acc, scope) IS NOT NULL), '[]')
                           || CASE WHEN side_l IS NULL THEN '[]'::jsonb
                                   ELSE coalesce((SELECT jsonb_agg(sd.toks) FROM (
                                            SELECT (SELECT jsonb_agg(scope || ':' || r) FROM unnest(sd.rtis) r) AS toks
                                              FROM (VALUES (side_r, nullable IN ('r', 'b')), (side_l, nullable IN ('l', 'b'))) sd(rtis, is_nullable)
                                             WHERE sd.is_nullable
                                               AND NOT EXISTS (SELECT 1 FROM unnest(sd.rtis) r WHERE coalesce(acc->'forced'->scope, '[]') ? r::text)) sd), '[]') END;
                acc := CASE WHEN member THEN public.pg_tviews__an_member_edge(acc, a, b, need)
                            ELSE public.pg_tviews__an_edge(acc, a, b, false, need) END;
            END IF;
        END IF;
    END LOOP;
    -- a positive EXISTS or IN conjunct (of WHERE, or an inner join's ON) is a semi-join: its conditions hold for every row
    -- of this level, so its equalities are not confined to it (pg_tviews__an_sublink)
    -- (only when each of its rows satisfies its conditions: not over an aggregate without GROUP BY, whose one row exists
    -- whatever its WHERE matched, nor over a UNION, whose rows may come from a branch without the condition; 0.3.7 took
    -- those for semi-joins too)
    IF e->>'_' = 'SUBLINK' AND e->>'subLinkType' IN ('0', '2') AND side_l IS NULL AND public.pg_tviews__an_filters(e->'subselect') THEN
        acc := jsonb_set(CASE WHEN acc ? 'semi' THEN acc ELSE acc || '{"semi": {}}' END, ARRAY['semi', md5(e::text)], 'true');
    END IF;
    -- a positive IN (SELECT ...) conjunct links the outer value to the subquery's output; a row (a, b) IN (SELECT x, y ...)
    -- links each column (its test is an AND of equalities)
    IF e->>'_' = 'SUBLINK' AND e->>'subLinkType' = '2' AND side_l IS NULL THEN
        acc := public.pg_tviews__an_in_links(acc, e, scope, NULL);
    END IF;
    RETURN acc;
END
$fn$;

-- The equalities of an IN (SELECT ...) test ("a = out1", a row (a, b) IN (SELECT x, y ...): each column), recorded for
-- pg_tviews__an_sublink, which links each outer value to the subquery's output. With q (the outer query level) the
-- test is under a NOT (or is a <> ALL): only equalities whose two sides can never be NULL are kept, and none unless all are.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_in_links(acc jsonb, sl jsonb, scope text, q jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    tests jsonb := CASE WHEN sl->'testexpr'->>'_' = 'BOOLEXPR' AND sl->'testexpr'->>'boolop' = 'and'
                        THEN sl->'testexpr'->'args' ELSE jsonb_build_array(sl->'testexpr') END;
    x jsonb;
    te jsonb;
    lit jsonb;
    xtoks jsonb := '{}';
BEGIN
    -- (an outer side that is an expression of one table's columns, coalesce(o.fk_user, 0) or lower(p.email), is a node of
    -- its own, pg_tviews__an_xnode, as in a join; 0.3.27 refused it. Not under a NOT, whose proofs need columns)
    IF q IS NULL THEN
        FOR te IN SELECT v FROM jsonb_array_elements(tests) v
                   WHERE v->>'_' = 'OPEXPR' AND jsonb_array_length(v->'args') = 2 AND public.pg_tviews__an_var(v->'args'->0, scope) IS NULL LOOP
            lit := public.pg_tviews__an_xnode(te->'args'->0, scope, acc);
            IF lit IS NOT NULL THEN
                acc := public.pg_tviews__an_add_xnode(acc, lit);
                xtoks := xtoks || jsonb_build_object(md5((te->'args'->0)::text), (lit->>'occ') || ':' || (lit->>'col'));
            END IF;
        END LOOP;
    END IF;
    -- (the subquery's side through the casts that keep equality: a domain's relabelling to its base type; since 0.3.35)
    -- (never NULL on the outer side: a NOT NULL column of a table, or of a plain view or a subquery in FROM that selects
    -- one (pg_tviews__an_not_null_col; since 0.3.35), or one WHERE tests IS NOT NULL. The subquery's own column, whose
    -- level is analysed later, is proven the same way by pg_tviews__an_sublink when not already here: the third element)
    x := (SELECT jsonb_agg(jsonb_build_array(coalesce(public.pg_tviews__an_var(t->'args'->0, scope), xtoks->>md5((t->'args'->0)::text)),
                                             s.p->>'paramid')
                           || CASE WHEN q IS NOT NULL AND NOT public.pg_tviews__an_never_null(sl->'subselect', s.inner_expr)
                                   THEN jsonb_build_array(s.inner_expr) ELSE '[]' END)
            FROM jsonb_array_elements(tests) t
           CROSS JOIN LATERAL (SELECT x.p, sl->'subselect'->'targetList'->((x.p->>'paramid')::int - 1)->'expr' AS inner_expr
                                 FROM (SELECT public.pg_tviews__an_strip(t->'args'->1) AS p) x) s
           WHERE t->>'_' = 'OPEXPR' AND jsonb_array_length(t->'args') = 2 AND s.p->>'_' = 'PARAM'
             AND public.pg_tviews__an_same_collation(t)
             -- (not an equality of two arrays, as in a join: a hop passes single values; hunt 41 found 0.3.35's first cut,
             -- and the IN of WHERE before it, failing such writes with 42883)
             AND public.pg_tviews__an_is_array(t->'args'->0) IS FALSE
             AND EXISTS (SELECT 1 FROM pg_operator o LEFT JOIN pg_operator n ON n.oid = o.oprnegate
                          WHERE o.oid = (t->>'opno')::oid
                            AND CASE WHEN sl->>'subLinkType' = '1' THEN o.oprname = '<>' AND n.oprname = '=' AND (n.oprcanhash OR n.oprcanmerge)
                                     ELSE o.oprname = '=' AND (o.oprcanhash OR o.oprcanmerge) END)
             AND (q IS NULL OR public.pg_tviews__an_never_null(q, t->'args'->0) OR public.pg_tviews__an_not_null_col(t->'args'->0, scope, acc, NULL)));
    IF x IS NULL OR q IS NOT NULL AND jsonb_array_length(x) < jsonb_array_length(tests) THEN
        RETURN acc;
    END IF;
    RETURN jsonb_set(acc, '{pending_in}', coalesce(acc->'pending_in', '{}') || jsonb_build_object(md5(sl::text), x));
END
$fn$;

-- The IN, = ANY and <> ALL (SELECT ...) tests of expression e (of query level q) whose value counts, not only whether it
-- is true: in the SELECT list (p.pk IN (SELECT l.fk_post ...) AS liked), under a CASE or a NOT, compared in HAVING.
-- Where neither side can be NULL the value is whether a row of the subquery equals the outer value (an EXISTS correlated
-- by that equality, or a NOT EXISTS), so its equalities link as a NOT IN conjunct's do; with a NULL on either side it
-- depends on whether the subquery returns a NULL or any row at all, and stays unlinked (refused). Those a conjunct of
-- WHERE already linked are left as they are. (Since 0.3.35, refused before.)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_valued_in_links(acc jsonb, e jsonb, scope text, q jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    sl jsonb;
BEGIN
    IF NOT jsonb_path_exists(e, 'strict $.** ? (@._ == "SUBLINK" && (@.subLinkType == "1" || @.subLinkType == "2"))') THEN
        RETURN acc;
    END IF;
    FOR sl IN SELECT x FROM public.pg_tviews__an_sublinks(e) x
               WHERE x->>'subLinkType' IN ('1', '2') AND NOT coalesce(acc->'pending_in', '{}') ? md5(x::text) LOOP
        acc := public.pg_tviews__an_in_links(acc, sl, scope, q);
    END LOOP;
    RETURN acc;
END
$fn$;

-- Can expression e (of query level q) never be NULL in a row that level filters? A column (of this level) of a table
-- that is NOT NULL there and on no nullable side of an outer join, or one that WHERE tests IS NOT NULL.
-- The range-table indexes of query level q on the nullable side of one of its outer joins.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_nullable_rtis(q jsonb) RETURNS int[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(r), '{}')
      FROM jsonb_path_query(q->'jointree', 'strict $.**') j,
           unnest(CASE j->>'jointype' WHEN '1' THEN public.pg_tviews__an_rtis(j->'rarg')
                                      WHEN '3' THEN public.pg_tviews__an_rtis(j->'larg')
                                      WHEN '2' THEN public.pg_tviews__an_rtis(j->'larg') || public.pg_tviews__an_rtis(j->'rarg')
                                      ELSE '{}'::int[] END) r
     WHERE j->>'_' = 'JOINEXPR'
$$;

-- pg_tviews__an_nullable_rtis without those a strict conjunct of WHERE requires ("WHERE s.j > 0", "s.i IS NOT NULL"):
-- the rows where an outer join null-extended them never pass, so in every row of the level they are present (0.3.31:
-- a key read from such a table, through a FULL JOIN too, was refused unless WHERE tested the key itself)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_key_nullable_rtis(q jsonb) RETURNS int[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(r), '{}') FROM unnest(public.pg_tviews__an_nullable_rtis(q)) r
     WHERE NOT public.pg_tviews__an_required(q->'jointree'->'quals') ? r::text
$$;

-- The range-table indexes an outer join inside join n's inputs null-extends: where n's ON is tested, their columns may
-- be NULL; the others' are the tables' own values (the nullable side of n itself is extended after its ON).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_extended_below(n jsonb) RETURNS int[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT public.pg_tviews__an_nullable_rtis(jsonb_build_object('jointree', n->'larg'))
           || public.pg_tviews__an_nullable_rtis(jsonb_build_object('jointree', n->'rarg'))
$$;

-- Is e (through the casts pg_tviews__an_strip removes) a NOT NULL column of a table occurrence (of its own level or
-- one around it) that no outer join has null-extended where e is tested? extended: those of e's own level that are
-- (pg_tviews__an_quals); NULL, or a level around it: every range-table index on a nullable side (acc's "nullable").
-- (A later DROP NOT NULL changes the TVIEW's digest, and the DDL fails if the lineage needed the column.)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_not_null_col(e jsonb, scope text, acc jsonb, extended int[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((
        SELECT NOT w.rti = ANY(CASE WHEN w.up = 0 AND extended IS NOT NULL THEN extended
                                    ELSE ARRAY(SELECT x::int FROM jsonb_array_elements_text(coalesce(acc->'nullable'->w.s, '[]')) x) END)
               AND public.pg_tviews__an_never_null_column(acc, w.s, w.rti, w.attno)
          FROM (SELECT (v->>'varlevelsup')::int AS up, public.pg_tviews__an_scope_up(scope, (v->>'varlevelsup')::int) AS s,
                       (v->>'varno')::int AS rti, (v->>'varattno')::int AS attno
                  FROM public.pg_tviews__an_strip(e) v WHERE v->>'_' = 'VAR' AND (v->>'varattno')::int > 0) w), false)
$$;

-- Is column attno of range-table entry rti of scope s never NULL in its rows? A NOT NULL column of a table
-- (pg_tviews__not_null_everywhere), or an output column of a plain view or subquery in FROM that is one such column of
-- its own level, on no nullable side of an outer join there (0.3.28: "LEFT JOIN v_user u ON u.code IS NOT DISTINCT FROM
-- p.code" through a view; 0.3.27 refused it). An output linked to anything else (an expression, a set operation's
-- branches) is not.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_never_null_column(acc jsonb, s text, rti int, attno int) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    occ jsonb := (SELECT o FROM jsonb_array_elements(acc->'occs') o WHERE o->>'scope' = s AND (o->>'rti')::int = rti);
    iscope text := s || '/r' || rti;
    outs jsonb;
    inner_node text[];
BEGIN
    IF occ IS NOT NULL THEN
        RETURN public.pg_tviews__not_null_everywhere((occ->>'relid')::oid, attno);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(acc->'edges') x WHERE x->>0 = s || ':' || rti || ':' || attno AND x->>1 = iscope || ':0:' || attno) THEN
        RETURN false;
    END IF;
    outs := (SELECT jsonb_agg(x->>1) FROM jsonb_array_elements(acc->'edges') x WHERE x->>0 = iscope || ':0:' || attno);
    IF jsonb_array_length(coalesce(outs, '[]')) <> 1 THEN
        RETURN false;
    END IF;
    inner_node := regexp_match(outs->>0, '^(.*):([0-9]+):([0-9]+)$');
    IF inner_node IS NULL OR inner_node[1] <> iscope OR inner_node[2]::int = 0
       OR inner_node[2]::int = ANY(ARRAY(SELECT x::int FROM jsonb_array_elements_text(coalesce(acc->'nullable'->iscope, '[]')) x)) THEN
        RETURN false;
    END IF;
    RETURN public.pg_tviews__an_never_null_column(acc, iscope, inner_node[2]::int, inner_node[3]::int);
END
$fn$;

-- Is column attnum of table rel NOT NULL in it and in every inheritance child below it (found by name)? A partition
-- cannot drop its parent's NOT NULL, a plain inheritance child can (hunt 22: NOT IN and IS NOT DISTINCT FROM proofs read
-- the parent's alone, and a NULL in the child's rows went unseen).
CREATE OR REPLACE FUNCTION public.pg_tviews__not_null_everywhere(rel oid, col int) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE t(oid) AS (SELECT rel UNION SELECT i.inhrelid FROM t JOIN pg_inherits i ON i.inhparent = t.oid)
    SELECT coalesce(bool_and(coalesce(c.attnotnull, false)), false)
      FROM pg_attribute a CROSS JOIN t LEFT JOIN pg_attribute c ON c.attrelid = t.oid AND c.attname = a.attname AND NOT c.attisdropped
     WHERE a.attrelid = rel AND a.attnum = col AND NOT a.attisdropped
$$;

-- Does a conjunct of query level q's WHERE test column v (a VAR of that level) IS NOT NULL?
-- (since 0.3.31 any conjunct of WHERE that cannot be true when the column is NULL, pg_tviews__an_required: "p.score > 0"
-- proves p.score as "p.score IS NOT NULL" does; hunt 33)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_tested_not_null(q jsonb, v jsonb) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (v->>'varlevelsup')::int = 0 AND public.pg_tviews__an_required(q->'jointree'->'quals', true) ? ((v->>'varno') || ':' || (v->>'varattno'))
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__an_never_null(q jsonb, e jsonb) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    rte jsonb;
BEGIN
    e := public.pg_tviews__an_strip(e);
    IF e->>'_' IS DISTINCT FROM 'VAR' OR e->>'varlevelsup' <> '0' OR (e->>'varattno')::int <= 0 THEN
        RETURN false;
    END IF;
    IF public.pg_tviews__an_tested_not_null(q, e) THEN
        RETURN true;
    END IF;
    rte := q->'rtable'->((e->>'varno')::int - 1);
    IF rte->>'rtekind' IS DISTINCT FROM '0' OR (e->>'varno')::int = ANY(public.pg_tviews__an_nullable_rtis(q)) THEN
        RETURN false;
    END IF;
    RETURN public.pg_tviews__not_null_everywhere((rte->>'relid')::oid, (e->>'varattno')::int);
END
$fn$;

-- Does every row of query q satisfy the conditions (WHERE, join ON) of each of its levels? Not when a level reached
-- through FROM (a subquery, a CTE) aggregates without GROUP BY (its one row exists whatever its WHERE matched) or is a
-- set operation (a row of one branch satisfies none of the other's conditions).
-- Are a query level's LIMIT and OFFSET (if any) constants: no column, subquery or parameter in them?
CREATE OR REPLACE FUNCTION public.pg_tviews__an_constant_limit(q jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT NOT jsonb_path_exists(jsonb_build_array(q->'limitCount', q->'limitOffset'),
                                 'strict $.** ? (@._ == "VAR" || @._ == "SUBLINK" || @._ == "PARAM")')
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__an_filters(q jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    x jsonb;
BEGIN
    IF q IS NULL OR q->>'_' IS DISTINCT FROM 'QUERY' THEN
        RETURN true;
    END IF;
    IF q ? 'setOperations'
       OR coalesce(jsonb_array_length(q->'groupClause'), 0) = 0 AND (q->>'hasAggs' = 'true' OR q ? 'havingQual' OR q ? 'groupingSets') THEN
        RETURN false;
    END IF;
    FOR x IN SELECT r->'subquery' FROM jsonb_array_elements(coalesce(q->'rtable', '[]')) r WHERE r->>'rtekind' = '1'
             UNION ALL SELECT c->'ctequery' FROM jsonb_array_elements(coalesce(q->'cteList', '[]')) c LOOP
        IF NOT public.pg_tviews__an_filters(x) THEN
            RETURN false;
        END IF;
    END LOOP;
    RETURN true;
END
$fn$;

-- Aggregates whose result may depend on the order of their input rows: the built-in ones that collect them (array_agg,
-- string_agg, json[b]_agg, json[b]_object_agg, which keeps the last value of a repeated key, xmlagg), those that add
-- float4 / float8 values (sum, avg and the statistics: each addition rounds, so another order gives another last digit:
-- 0.3 + 0.2 + 0.1 is 0.6, 0.1 + 0.2 + 0.3 is 0.6000000000000001; 0.3.25 accepted them, and a keyed recompute read
-- through an index disagreed with the query, hunt 16), and every plain aggregate of the user's, whose code the runtime
-- cannot read (a first() or last() aggregate is order-dependent; one that is not loses nothing by an ORDER BY that
-- tells its rows apart).
CREATE OR REPLACE FUNCTION public.pg_tviews__order_dependent_agg(f oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid
                    WHERE p.oid = f
                      AND (p.pronamespace = 'pg_catalog'::regnamespace
                           AND (p.proname IN ('array_agg', 'string_agg', 'json_agg', 'jsonb_agg', 'json_agg_strict', 'jsonb_agg_strict',
                                              'json_object_agg', 'jsonb_object_agg', 'json_object_agg_strict', 'jsonb_object_agg_strict',
                                              'json_object_agg_unique', 'jsonb_object_agg_unique', 'json_object_agg_unique_strict',
                                              'jsonb_object_agg_unique_strict', 'xmlagg', 'json_objectagg', 'json_arrayagg')
                                OR p.proname IN ('sum', 'avg', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp',
                                                 'corr', 'covar_pop', 'covar_samp', 'regr_avgx', 'regr_avgy', 'regr_intercept', 'regr_r2',
                                                 'regr_slope', 'regr_sxx', 'regr_sxy', 'regr_syy')
                                   AND p.proargtypes::oid[] && ARRAY['float4'::regtype, 'float8'::regtype]::oid[])
                           OR p.pronamespace <> 'pg_catalog'::regnamespace AND a.aggkind = 'n'));
$$;

-- Types whose equal values print the same (integers, text under a deterministic collation, dates and times, uuid,
-- bool): rows tied on such a value show the same whichever comes first. Not numeric (1.0 = 1.00), float (-0 = 0),
-- jsonb (its numbers), nor text under a nondeterministic collation.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_prints_as_equal(e jsonb, coll oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT public.pg_tviews__an_expr_type(e) IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'bool'::regtype, 'date'::regtype,
                                                 'timestamp'::regtype, 'timestamptz'::regtype, 'uuid'::regtype, 'oid'::regtype,
                                                 'text'::regtype, 'varchar'::regtype)
           AND coalesce((SELECT c.collisdeterministic FROM pg_collation c WHERE c.oid = nullif(coll, 0)), true);
$$;

-- Does e give values of a fixed scale: a numeric column with a type modifier (numeric(12,2)), or a cast to one, round()
-- or trunc() to a constant number of digits? Equal numerics then print alike (2.50 and 2.50, never 2.5). Likewise a
-- char(n) column under a deterministic collation: it prints padded to its length ('ab' and 'ab ' both as 'ab  '; since
-- 0.3.28, 0.3.27 refused it).
-- (OIDs of numeric(numeric, integer), round(numeric, integer) and trunc(numeric, integer), fixed in PostgreSQL's catalog)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_fixed_scale(e jsonb) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT e->>'_' = 'VAR' AND e->>'vartype' = '1700' AND (e->>'vartypmod')::int >= 0
        OR e->>'_' = 'FUNCEXPR' AND e->>'funcid' IN ('1703', '1707', '1709') AND jsonb_array_length(e->'args') = 2 AND e->'args'->1->>'_' = 'CONST'
        OR e->>'_' = 'VAR' AND e->>'vartype' = 'bpchar'::regtype::oid::text AND (e->>'vartypmod')::int >= 0
           AND coalesce((SELECT c.collisdeterministic FROM pg_collation c WHERE c.oid = nullif((e->>'varcollid')::oid, 0)), true)
$$;

-- Do equal values of type t (under collation coll) always print alike? The types of pg_tviews__an_prints_as_equal,
-- through domains, enums (a label prints as itself), and ranges of such types (a range is equal to another when its
-- bounds are, and discrete ones print canonically: daterange, int4range, tstzrange; not numrange's 1.0 and 1.00), when
-- the range compares its bounds by the subtype's default btree class (since 0.3.30: a range type of the user's over
-- int4 whose class equates -1 and 1 was taken for one that prints alike; hunt 27).
CREATE OR REPLACE FUNCTION public.pg_tviews__prints_alike(t oid, coll oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN ty.typtype = 'e' THEN true
                WHEN ty.typtype = 'r' THEN EXISTS (SELECT 1 FROM pg_range r JOIN pg_opclass oc ON oc.oid = r.rngsubopc
                                                     JOIN pg_am am ON am.oid = oc.opcmethod AND am.amname = 'btree'
                                                    WHERE r.rngtypid = ty.oid AND oc.opcdefault AND oc.opcintype = r.rngsubtype)
                                      AND public.pg_tviews__prints_alike((SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = ty.oid),
                                                                         (SELECT r.rngcollation FROM pg_range r WHERE r.rngtypid = ty.oid))
                ELSE public.pg_tviews__an_prints_as_equal(jsonb_build_object('_', 'VAR', 'vartype', ty.oid::text), coll) END
      FROM pg_type ty WHERE ty.oid = public.pg_tviews__base_type(t)
$$;

-- Is e a column of a table (range-table entry of level q) whose primary key, or a unique index of NOT NULL columns, the
-- grouping or DISTINCT clause (sort-group references refs) holds column by column? A group then has one row of it.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_one_row_of(q jsonb, e jsonb, refs text[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH v AS (SELECT public.pg_tviews__an_strip(e) AS x),
         held AS (SELECT (t->'expr'->>'varattno')::int AS attno
                    FROM jsonb_array_elements(q->'targetList') t, v
                   WHERE t->>'ressortgroupref' = ANY(refs) AND t->'expr'->>'_' = 'VAR' AND t->'expr'->>'varlevelsup' = '0'
                     AND t->'expr'->>'varno' = v.x->>'varno')
    SELECT EXISTS (SELECT 1 FROM v JOIN pg_index i ON i.indrelid = (q->'rtable'->((v.x->>'varno')::int - 1)->>'relid')::oid
                    WHERE v.x->>'_' = 'VAR' AND v.x->>'varlevelsup' = '0' AND q->'rtable'->((v.x->>'varno')::int - 1)->>'rtekind' = '0'
                      AND i.indisunique AND i.indisvalid AND i.indisready AND i.indislive AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indimmediate
                      -- (a plain inheritance parent's key is unique in the parent alone: a child can repeat it; hunt 22)
                      AND (q->'rtable'->((v.x->>'varno')::int - 1)->>'inh' = 'false'
                           OR (SELECT c.relkind FROM pg_class c WHERE c.oid = i.indrelid) = 'p'
                           OR NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhparent = i.indrelid))
                      AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey[0:i.indnkeyatts - 1]) k
                                       WHERE NOT k IN (SELECT attno FROM held)
                                          OR NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = k AND a.attnotnull)))
$$;

-- A GROUP BY or DISTINCT column whose equal values can print differently (numeric 2.5 and 2.50, a float's 0 and -0, text
-- under a nondeterministic collation, jsonb, an interval's '1 day' and '24 hours') shows whichever value of its group the
-- plan reads first: a keyed recompute reading through an index and the query's own scan show two (0.3.26 kept 2.5 where
-- the query gave 2.50, and 'Ann' for 'ann', and a repair could not mend it; hunt 21). Refused where the level shows it
-- (its SELECT list, outside aggregates), unless its equal values print alike (pg_tviews__prints_alike, a fixed numeric
-- scale) or a group has one row of its table (pg_tviews__an_one_row_of).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_grouped_prints(q jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    so jsonb;
    i int;
    clause jsonb := CASE WHEN coalesce(jsonb_array_length(q->'groupClause'), 0) > 0 THEN q->'groupClause'
                         WHEN q->>'hasDistinctOn' IS DISTINCT FROM 'true' THEN q->'distinctClause' END;
    refs text[];
    te jsonb;
    shown text[];
BEGIN
    -- a UNION, INTERSECT or EXCEPT without ALL removes duplicate rows like DISTINCT: one of equal rows is shown (hunt 22)
    FOR so IN SELECT x FROM jsonb_path_query(q->'setOperations', 'strict $.** ? (@."_" == "SETOPERATIONSTMT")') x WHERE x->>'all' IS DISTINCT FROM 'true' LOOP
        -- (OID lists print with a leading "o")
        FOR i IN 1 .. jsonb_array_length(coalesce(so->'colTypes', '[]')) - 1 LOOP
            IF NOT public.pg_tviews__prints_alike((so->'colTypes'->>i)::oid, coalesce(so->'colCollations'->>i, '0')::oid) THEN
                RAISE EXCEPTION 'column % of a UNION, INTERSECT or EXCEPT without ALL is of type %, whose equal values can print differently: a TVIEW would show whichever of equal rows its recompute reads first',
                        i, (so->'colTypes'->>i)::oid::regtype
                    USING ERRCODE = '0A000',
                          HINT = 'Write UNION ALL (with branches whose keys differ), or give the column a form whose equal values print alike (x::numeric(12,2), round(x, 2), x::text).';
            END IF;
        END LOOP;
    END LOOP;
    IF clause IS NULL OR jsonb_typeof(clause) <> 'array' OR jsonb_array_length(clause) = 0 OR q ? 'groupingSets' THEN
        RETURN;
    END IF;
    refs := ARRAY(SELECT c->>'tleSortGroupRef' FROM jsonb_array_elements(clause) c);
    -- the nodes the SELECT list shows, outside aggregates and window functions (without their locations)
    shown := ARRAY(WITH RECURSIVE n(x) AS (
                       SELECT t->'expr' FROM jsonb_array_elements(q->'targetList') t WHERE t->>'resjunk' = 'false'
                       UNION ALL
                       SELECT c.v FROM n, LATERAL (SELECT kv.value AS v FROM jsonb_each(CASE WHEN jsonb_typeof(n.x) = 'object' AND n.x->>'_' NOT IN ('AGGREF', 'WINDOWFUNC', 'SUBLINK')
                                                                                              THEN n.x END) kv
                                                   UNION ALL SELECT a.v FROM jsonb_array_elements(CASE WHEN jsonb_typeof(n.x) = 'array' THEN n.x END) a(v)) c
                        WHERE jsonb_typeof(c.v) IN ('object', 'array'))
                   SELECT DISTINCT regexp_replace(x::text, '"location": "-?[0-9]+"', '', 'g') FROM n);
    -- (and the columns of this level that a subquery of the SELECT list reads: (SELECT t.amt) shows the group's amt; hunt 22)
    shown := shown || ARRAY(SELECT DISTINCT 'outer:' || (v->>'varno') || ':' || (v->>'varattno')
                              FROM jsonb_array_elements(q->'targetList') t,
                                   jsonb_path_query(t->'expr', 'strict $.** ? (@."_" == "SUBLINK")') sl,
                                   jsonb_path_query(sl, 'strict $.** ? (@."_" == "VAR")') v
                             WHERE t->>'resjunk' = 'false' AND (v->>'varlevelsup')::int >= 1);
    FOR te IN SELECT t FROM jsonb_array_elements(q->'targetList') t WHERE t->>'ressortgroupref' = ANY(refs) LOOP
        CONTINUE WHEN public.pg_tviews__prints_alike(public.pg_tviews__an_expr_type(CASE WHEN te->'expr'->>'_' = 'COLLATEEXPR' THEN te->'expr'->'arg' ELSE te->'expr' END),
                                                     public.pg_tviews__an_result_coll(te->'expr')::oid)
                   OR public.pg_tviews__an_fixed_scale(public.pg_tviews__an_strip(te->'expr'))
                   OR public.pg_tviews__an_one_row_of(q, te->'expr', refs)
                   OR NOT regexp_replace((te->'expr')::text, '"location": "-?[0-9]+"', '', 'g') = ANY(shown)
                      AND NOT (te->'expr'->>'_' = 'VAR' AND 'outer:' || (te->'expr'->>'varno') || ':' || (te->'expr'->>'varattno') = ANY(shown));
        RAISE EXCEPTION 'the % %, of type %, is of a type whose equal values can print differently: a TVIEW would show whichever of a group''s values its recompute reads first',
                CASE WHEN coalesce(jsonb_array_length(q->'groupClause'), 0) > 0 THEN 'GROUP BY' ELSE 'DISTINCT' END,
                CASE WHEN te->>'resjunk' = 'false' THEN 'column ' || quote_ident(te->>'resname') ELSE 'expression that a column of the SELECT list shows' END,
                coalesce(format_type(public.pg_tviews__an_expr_type(CASE WHEN te->'expr'->>'_' = 'COLLATEEXPR' THEN te->'expr'->'arg' ELSE te->'expr' END), NULL)
                         || coalesce((SELECT ' COLLATE ' || quote_ident(c.collname) FROM pg_collation c
                                       WHERE c.oid = public.pg_tviews__an_result_coll(te->'expr')::oid AND NOT c.collisdeterministic), ''), 'unknown')
            USING ERRCODE = '0A000',
                  DETAIL = 'Values such as numeric 2.5 and 2.50, float 0 and -0, an interval''s 1 day and 24 hours, jsonb numbers, or text under a nondeterministic collation (ann, Ann) fall into one group, which shows one of them: which one depends on the order the rows are read in.',
                  HINT = 'Group by a form whose equal values print alike: a fixed scale (x::numeric(12,2), round(x, 2)), x::text if 2.5 and 2.50 are different groups, lower(x) COLLATE "C" for case-insensitive text, a char(n) column under a deterministic collation; or add the table''s primary key to the GROUP BY if each group is one of its rows.';
    END LOOP;
END
$fn$;

-- ARRAY(SELECT ...) lists its rows in the order they come: without an ORDER BY that tells them apart where it shows
-- (the tables its value reads, as for an ordered aggregate), a keyed recompute and a full one, or the same query
-- before and after CLUSTER, list tied rows differently (0.3.14 accepted ARRAY(SELECT c.body ... ORDER BY c.created)).
DROP FUNCTION IF EXISTS public.pg_tviews__an_array_order(jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_array_order(q jsonb, ctes jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    sort_refs text[] := public.pg_tviews__an_refs(q->'sortClause');
    out jsonb := (SELECT te FROM jsonb_array_elements(q->'targetList') te WHERE te->>'resjunk' = 'false' LIMIT 1);
    untold text;
BEGIN
    IF q ? 'setOperations' THEN
        untold := 'It lists the rows of a set operation.';
    ELSIF q->>'hasAggs' = 'true' AND coalesce(jsonb_array_length(q->'groupClause'), 0) = 0 THEN
        RETURN;     -- one row
    ELSIF out->'expr'->>'_' = 'CONST'
          OR coalesce(out->>'ressortgroupref' = ANY(sort_refs), false)
             AND public.pg_tviews__an_prints_as_equal(out->'expr', coalesce(out->'expr'->>'varcollid', out->'expr'->>'funccollid', out->'expr'->>'opcollid',
                                                                            out->'expr'->>'resultcollid', out->'expr'->>'constcollid', '0')::oid) THEN
        RETURN;     -- tied rows list the same value
    ELSIF coalesce(jsonb_array_length(q->'groupClause'), 0) > 0 OR q ? 'distinctClause' THEN
        untold := CASE WHEN NOT public.pg_tviews__an_covers(coalesce(q->'groupClause', q->'distinctClause'), sort_refs)
                       THEN 'Its rows are groups (or DISTINCT rows): the ORDER BY must include every GROUP BY (or DISTINCT) column.' END;
    ELSE
        untold := public.pg_tviews__an_untold(q, public.pg_tviews__an_sort_exprs(q), public.pg_tviews__an_var_rtis(q, out->'expr'), ctes);
        untold := CASE WHEN untold IS NOT NULL THEN
                      format('It does not order %s by all columns of a unique index without NULLs, nor fixes them by an equality to such a row (a function or VALUES never are).', untold) END;
    END IF;
    IF untold IS NOT NULL THEN
        RAISE EXCEPTION 'the ORDER BY of an ARRAY(SELECT ...) must tell its rows apart: the array lists them in the order they are read in'
            USING ERRCODE = '0A000', DETAIL = untold,
            HINT = 'End its ORDER BY with the primary key of every table it reads, e.g. ARRAY(SELECT c.body FROM tb_comment c WHERE … ORDER BY c.created, c.pk_comment).';
    END IF;
END
$fn$;

-- Does tree j (a query when depth is -1) refer to nothing outside itself: no column, aggregate or CTE of a level around
-- it? Such a subquery has one value for the whole query (pg_tviews__an_sublink).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_closed(j jsonb, depth int) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    CASE jsonb_typeof(j)
    WHEN 'object' THEN
        IF j->>'_' = 'VAR' AND (j->>'varlevelsup')::int > depth OR (j->>'agglevelsup')::int > depth OR (j->>'ctelevelsup')::int > depth THEN
            RETURN false;
        END IF;
        IF j->>'_' = 'QUERY' THEN
            depth := depth + 1;
        END IF;
        RETURN NOT EXISTS (SELECT 1 FROM jsonb_each(j) e WHERE jsonb_typeof(e.value) IN ('object', 'array')
                                                           AND NOT public.pg_tviews__an_closed(e.value, depth));
    WHEN 'array' THEN
        RETURN NOT EXISTS (SELECT 1 FROM jsonb_array_elements(j) e WHERE jsonb_typeof(e) IN ('object', 'array')
                                                                     AND NOT public.pg_tviews__an_closed(e, depth));
    ELSE
        RETURN true;
    END CASE;
END
$fn$;

-- A subquery or CTE of a FROM clause that reads nothing of the levels around it and yields at most one row (an aggregate
-- without GROUP BY or with GROUP BY (), with or without HAVING, and no set operations, set-returning functions, LIMIT or
-- OFFSET: FROM tb_product p CROSS JOIN (SELECT max(n) AS mx FROM b) m, WITH m AS (SELECT ...) ... FROM p, m WHERE p.n <=
-- m.mx) is one row, or none, that every row of its level reads, like an uncorrelated scalar subquery
-- (pg_tviews__an_sublink): its scope is global, and a table it reads without a path to the key is refreshed in full on
-- its changes (since 0.3.34, refused before; HAVING and GROUP BY () since 0.3.35).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_one_row_scope(acc jsonb, q jsonb, iscope text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN q->>'hasAggs' = 'true' AND coalesce(jsonb_array_length(q->'groupClause'), 0) = 0
                     AND NOT jsonb_path_exists(coalesce(q->'groupingSets', '[]'), 'strict $[*] ? (@.kind != "0")')
                     AND NOT q ? 'setOperations' AND q->>'hasTargetSRFs' IS DISTINCT FROM 'true'
                     AND coalesce(q->>'limitCount', 'null') = 'null' AND coalesce(q->>'limitOffset', 'null') = 'null'
                     AND public.pg_tviews__an_closed(q, -1)
                THEN jsonb_set(acc, '{global}', coalesce(acc->'global', '[]') || to_jsonb(iscope)) ELSE acc END
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__an_sublink(sl jsonb, scope text, ctes jsonb, acc jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    n int := (acc->>'n')::int + 1;
    lscope text := scope || '/l' || n;
    pin jsonb;
    pins jsonb;
BEGIN
    acc := jsonb_set(acc, '{n}', to_jsonb(n));
    -- (a scalar, EXISTS or ARRAY subquery that reads nothing of the rows around it, (SELECT max(k) FROM b) or EXISTS
    -- (SELECT 1 FROM b): one value that every row may read, so a change of its tables reaches every key: refreshed in
    -- full, pg_tviews__analyze_view. Not IN, ANY or ALL, whose rows are compared with each row's own values, unless
    -- what they compare reads no column either: 'admin' = ANY (SELECT r.name FROM tb_role r), since 0.3.35)
    IF (sl->>'subLinkType' IN ('0', '4', '6')
        OR sl->>'subLinkType' IN ('1', '2') AND public.pg_tviews__an_closed(sl->'testexpr', -1))
       AND public.pg_tviews__an_closed(sl->'subselect', -1) THEN
        acc := jsonb_set(acc, '{global}', coalesce(acc->'global', '[]') || to_jsonb(lscope));
    END IF;
    IF coalesce(acc->'semi'->>md5(sl::text), '') = 'true' THEN
        acc := jsonb_set(CASE WHEN acc ? 'anc' THEN acc ELSE acc || '{"anc": {}}' END, ARRAY['anc', lscope], coalesce(acc->'anc'->scope, '[]'));
    ELSE
        acc := public.pg_tviews__an_nest(acc, lscope, scope, lscope);
    END IF;
    IF acc->'detach' ? scope THEN
        acc := jsonb_set(acc, ARRAY['anc', lscope], (acc->'anc'->lscope) - scope);
    END IF;
    -- (not for the array of x = ANY (ARRAY(SELECT ...)) or op ALL: whether some or every element compares true does not
    -- depend on their order; since 0.3.34, refused before)
    IF sl->>'subLinkType' = '6' AND NOT coalesce(acc->'unordered' ? md5(sl::text), false) THEN
        PERFORM public.pg_tviews__an_array_order(sl->'subselect', ctes || jsonb_build_array(coalesce(sl->'subselect'->'cteList', '[]')));
    END IF;
    -- a positive IN conjunct (a semi-join) matches no row of its subquery whose output is NULL under a strict equality:
    -- those columns are required non-NULL in it (o.id IN (SELECT v.order_id FROM v_line v), v_line's nullable side; since
    -- 0.3.30, refused before), as a level's own condition requires them (pg_tviews__an_forced_inside)
    IF sl->>'subLinkType' = '2' AND coalesce(acc->'semi'->>md5(sl::text), '') = 'true' THEN
        acc := jsonb_set(CASE WHEN acc ? 'forced_in' THEN acc ELSE acc || '{"forced_in": {}}' END, ARRAY['forced_in', lscope],
                         coalesce(acc->'forced_in'->lscope, '[]') || public.pg_tviews__an_forced_inside(sl->'subselect', ARRAY(
                             SELECT (s.p->>'paramid')::int
                               FROM jsonb_array_elements(CASE WHEN sl->'testexpr'->>'_' = 'BOOLEXPR' AND sl->'testexpr'->>'boolop' = 'and'
                                                              THEN sl->'testexpr'->'args' ELSE jsonb_build_array(sl->'testexpr') END) t
                              CROSS JOIN LATERAL (SELECT public.pg_tviews__an_strip(t->'args'->1) AS p) s
                               JOIN pg_operator o ON o.oid = (t->>'opno')::oid JOIN pg_proc f ON f.oid = o.oprcode
                              WHERE t->>'_' = 'OPEXPR' AND jsonb_array_length(t->'args') = 2 AND s.p->>'_' = 'PARAM' AND f.proisstrict)));
    END IF;
    -- (EXISTS depends on whether its rows are there, not on which ones LIMIT/OFFSET keep)
    acc := public.pg_tviews__an_query(CASE WHEN sl->>'subLinkType' = '0' AND public.pg_tviews__an_constant_limit(sl->'subselect')
                                           THEN (sl->'subselect') - 'limitCount' - 'limitOffset' ELSE sl->'subselect' END,
                                      lscope, ctes, acc);
    -- (none when a subquery column that must never be NULL, pg_tviews__an_in_links, can be: it is of this level, now analysed)
    pins := coalesce(acc->'pending_in'->md5(sl::text), '[]');
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(pins) c
                WHERE jsonb_array_length(c) > 2 AND NOT public.pg_tviews__an_not_null_col(c->2, lscope, acc, NULL)) THEN
        pins := '[]';
    END IF;
    FOR pin IN SELECT p FROM jsonb_array_elements(pins) p LOOP
        acc := public.pg_tviews__an_edge(acc, pin->>0, lscope || ':0:' || (pin->>1), false,
                   coalesce((SELECT jsonb_build_array(jsonb_build_array(public.pg_tviews__an_ctx(acc, lscope))) WHERE public.pg_tviews__an_ctx(acc, lscope) IS NOT NULL), '[]'));
    END LOOP;
    RETURN acc;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__an_exprs(e jsonb, scope text, ctes jsonb, acc jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    sl jsonb;
BEGIN
    -- (the arrays of ANY and ALL comparisons, whose order does not count: pg_tviews__an_sublink)
    FOR sl IN SELECT x->'args'->1 FROM jsonb_path_query(e, 'strict $.** ? (@._ == "SCALARARRAYOPEXPR")') x
               WHERE x->'args'->1->>'_' = 'SUBLINK' AND x->'args'->1->>'subLinkType' = '6' LOOP
        acc := jsonb_set(CASE WHEN acc ? 'unordered' THEN acc ELSE acc || '{"unordered": {}}' END, ARRAY['unordered', md5(sl::text)], 'true');
    END LOOP;
    -- (in the SELECT list and HAVING of an aggregate without GROUP BY, pg_tviews__an_query: a subquery in an aggregate's
    -- arguments runs for each row the WHERE keeps, inside the scope's conditions; one outside runs once, also when the
    -- WHERE kept no row. 0.3.25 took both for the latter: user -> posts -> tags, jsonb_agg((SELECT ... FROM tb_post_tag
    -- pt JOIN tb_tag t ...)), was refused as untraceable; hunt 16)
    IF acc->'detach' ? scope THEN
        acc := acc #- ARRAY['detach', scope];
        FOR sl IN SELECT public.pg_tviews__an_sublinks(e, 'inside') LOOP
            acc := public.pg_tviews__an_sublink(sl, scope, ctes, acc);
        END LOOP;
        acc := jsonb_set(acc, ARRAY['detach', scope], 'true');
        FOR sl IN SELECT public.pg_tviews__an_sublinks(e, 'outside') LOOP
            acc := public.pg_tviews__an_sublink(sl, scope, ctes, acc);
        END LOOP;
        RETURN acc;
    END IF;
    FOR sl IN SELECT public.pg_tviews__an_sublinks(e) LOOP
        acc := public.pg_tviews__an_sublink(sl, scope, ctes, acc);
    END LOOP;
    RETURN acc;
END
$fn$;

-- Edges of a FULL JOIN's merged USING column (COALESCE(l.k, r.k)) to each side's column, each usable only where that
-- side is present (its occurrence, or one inside that side's subquery, CTE or view): equal where both are, and a side's
-- NULL column matches nothing (its row's merged key would be NULL). A side that is a join's column is followed to the
-- tables under it (a.k for an inner or left join's USING column, every side's for a nested FULL JOIN's).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_merged_column(acc jsonb, q jsonb, merged jsonb, node text, scope text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    side jsonb;
    rte jsonb;
BEGIN
    FOR side IN SELECT x FROM jsonb_array_elements(merged->'args') x LOOP
        rte := NULL;
        LOOP
            WHILE side->>'_' = 'RELABELTYPE' LOOP
                side := side->'arg';
            END LOOP;
            EXIT WHEN side->>'_' IS DISTINCT FROM 'VAR' OR side->>'varlevelsup' <> '0';
            rte := q->'rtable'->((side->>'varno')::int - 1);
            EXIT WHEN rte->>'rtekind' <> '2';
            side := rte->'joinaliasvars'->((side->>'varattno')::int - 1);
        END LOOP;
        IF side->>'_' = 'COALESCEEXPR' AND rte->>'jointype' = '2' THEN
            acc := public.pg_tviews__an_merged_column(acc, q, side, node, scope);
        ELSIF side->>'_' = 'VAR' AND side->>'varlevelsup' = '0' THEN
            acc := public.pg_tviews__an_edge(acc, node, public.pg_tviews__an_var(side, scope), false,
                                             jsonb_build_array(jsonb_build_array(scope || ':' || (side->>'varno'))));
        END IF;
    END LOOP;
    RETURN acc;
END
$fn$;

-- Is analysis node or token n ("scope:rti[:attno]") in scope, or in a scope nested in it?
CREATE OR REPLACE FUNCTION public.pg_tviews__an_within(n text, scope text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT starts_with(n, scope || ':') OR starts_with(n, scope || '/')
$$;

-- The two terms of a recursive CTE's query ("anchor UNION [ALL] recursive term", each a plain query), and the recursive
-- term's range-table index of the CTE itself; NULLs for any other shape.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_recursive_terms(cte jsonb, OUT anchor jsonb, OUT rec jsonb, OUT self int)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    so jsonb := cte->'setOperations';
BEGIN
    IF so->>'_' IS DISTINCT FROM 'SETOPERATIONSTMT' OR so->>'op' <> '1' OR so->'larg'->>'_' <> 'RANGETBLREF' OR so->'rarg'->>'_' <> 'RANGETBLREF' THEN
        RETURN;
    END IF;
    anchor := cte->'rtable'->((so->'larg'->>'rtindex')::int - 1)->'subquery';
    rec := cte->'rtable'->((so->'rarg'->>'rtindex')::int - 1)->'subquery';
    self := (SELECT min(x.i) FROM jsonb_array_elements(rec->'rtable') WITH ORDINALITY x(e, i) WHERE x.e->>'self_reference' = 'true');
    IF anchor ? 'setOperations' OR rec ? 'setOperations' OR anchor->>'hasTargetSRFs' = 'true' OR rec->>'hasTargetSRFs' = 'true' OR self IS NULL THEN
        anchor := NULL; rec := NULL; self := NULL;
    END IF;
END
$fn$;

-- The output columns of a recursive CTE that its recursive term copies from the round before (SELECT t.root, ...): each
-- holds, in every round of a chain, the value the anchor gave it.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_carried(cte jsonb) RETURNS int[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(t.k ORDER BY t.k), '{}')
      FROM public.pg_tviews__an_recursive_terms(cte) rt,
           LATERAL jsonb_array_elements(rt.rec->'targetList') WITH ORDINALITY t(te, k)
     WHERE t.te->>'resjunk' = 'false' AND t.te->'expr'->>'_' = 'VAR' AND t.te->'expr'->>'varno' = rt.self::text
       AND t.te->'expr'->>'varattno' = t.k::text AND t.te->'expr'->>'varlevelsup' = '0'
$$;

-- The tables a chain walk's or a tree's recursive term reads in its subqueries (a label by a scalar subquery, a flag by
-- EXISTS or NOT EXISTS, a count: since 0.3.34, refused before) whose condition equates a column of theirs with a column
-- of T's row of that term (l.fk = c.pk): each decorates T's rows as a joined table does (pg_tviews__an_chain_closure's
-- decor), so its changes reach the rows of T holding their values and what those reach. edges: the analysis' edges before
-- the recursive term's are dropped (pg_tviews__an_rte); only an equality the subquery's occurrence may use from its
-- column to T's own (pg_tviews__an_edges): one through the round before (l.fk = t.pk) relates it to other rows of T.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_sublink_decor(acc jsonb, edges jsonb, cl jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH rs AS (SELECT regexp_replace(cl->>'occ', ':[0-9]+$', '') AS rscope),
    o AS (SELECT x, (x->>'scope') || ':' || (x->>'rti') AS tok,
                 coalesce(acc->'anc'->(x->>'scope'), '[]') || to_jsonb((x->>'scope') || ':' || (x->>'rti')) AS toks
            FROM jsonb_array_elements(acc->'occs') x, rs
           WHERE left(x->>'scope', length(rs.rscope) + 2) = rs.rscope || '/l' AND substr(x->>'scope', length(rs.rscope) + 3) ~ '^[0-9]+$'),
    d AS (SELECT DISTINCT ON (o.tok) jsonb_build_object('occ', o.tok, 'col', ac.attname, 'via', tc.attname) AS dec
            FROM o
            JOIN pg_attribute ac ON ac.attrelid = (o.x->>'relid')::oid AND ac.attnum > 0 AND NOT ac.attisdropped
            JOIN pg_attribute tc ON tc.attrelid = to_regclass(format('%I.%I', cl->>'schema', cl->>'table')) AND tc.attnum > 0 AND NOT tc.attisdropped
            JOIN public.pg_tviews__an_edges(jsonb_set(acc, '{edges}', edges), o.toks) e
              ON e.a = o.tok || ':' || ac.attnum AND e.b = (cl->>'occ') || ':' || tc.attnum
           ORDER BY o.tok, ac.attnum, tc.attnum)
    SELECT coalesce(jsonb_agg(d.dec ORDER BY d.dec->>'occ'), '[]') FROM d
$$;

-- A recursive CTE (scope: where it is analysed) that walks a chain through one table T (0.3.16):
--   WITH RECURSIVE up AS (SELECT ..., q.ya AS j, ... FROM ... q ...                        -- anchor: round 0
--                         UNION [ALL] SELECT ..., p.y AS j, ... FROM up JOIN T p ON p.x = up.j ...)  -- round n + 1
-- A row r of T is in round n + 1 of a chain when r.x equals column j of the chain's round n, which is p'.y of the row p'
-- of round n, or q.ya of the anchor row. So the chains r is in start at the anchor rows q with q.ya among the x values of
-- r and of every row p' reached from r by p'.y = (an x value already reached): a closure hop (from x, to y, repeated
-- until no new value) followed by a hop into the anchor's table (from x, to ya), then the anchor occurrence's own path
-- to the key. Conditions of the recursive term beyond that equality only drop rows: the closure reaches a few keys for
-- nothing, none missed. Returns {occ (the recursive table's occurrence), schema, table, from, to, anchor_occ,
-- anchor_schema, anchor_table, anchor_to, j, decor}, or NULL when the CTE is not such a walk (its recursive table is then
-- unlinked): the recursive term reads T (besides the CTE) and tables joined to T's row by an equality (decor: each one's
-- occurrence, its column and T's column it equals: a name looked up per round, pg_tviews__an_lineage), by inner joins;
-- x, y and ya plain columns of one type (integers of any width) and one collation.
-- An anchor without a table of its own that selects the outer row's column (a correlated subquery's walk up from its
-- row: (WITH RECURSIVE up AS (SELECT c.pk, c.fk_parent UNION ALL ...) SELECT ... FROM up) AS path ... FROM T c; since
-- 0.3.31, refused before) has that outer occurrence of acc for its anchor: its row is round 0 of its own chain.
DROP FUNCTION IF EXISTS public.pg_tviews__an_chain_closure(jsonb, text, jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_chain_closure(cte jsonb, scope text, ctes jsonb, acc jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    so jsonb := cte->'setOperations';
    anchor jsonb;
    rec jsonb;
    self int;
    p int;
    j int;
    x int;
    y text;
    ya text;
    t record;
    qrel record;
    n_tables int;
    n_other int;
    eqs jsonb;
    d int;
    dec jsonb;
    decor jsonb := '[]';
BEGIN
    SELECT rt.anchor, rt.rec, rt.self INTO anchor, rec, self FROM public.pg_tviews__an_recursive_terms(cte) rt;
    IF self IS NULL OR rec->>'hasAggs' = 'true' OR rec ? 'groupClause' AND jsonb_array_length(rec->'groupClause') > 0 THEN
        RETURN NULL;
    END IF;
    -- the recursive term's range table: its CTE once, tables, joins
    SELECT count(*) FILTER (WHERE r.e->>'rtekind' NOT IN ('0', '2') AND r.e->>'self_reference' IS DISTINCT FROM 'true')
      INTO n_other FROM jsonb_array_elements(rec->'rtable') WITH ORDINALITY r(e, i);
    eqs := coalesce((SELECT jsonb_agg(jsonb_build_array(q.a, q.b))
                       FROM public.pg_tviews__an_equalities(rec, rec->'jointree', public.pg_tviews__an_rtis(rec->'jointree')) q
                      WHERE q.a <> 'const' AND q.b <> 'const'), '[]');
    -- T: the one table with an equality p.x = up.j to the round before (WHERE, inner joins)
    SELECT min(z.p), count(DISTINCT z.p) INTO p, n_tables
      FROM (SELECT split_part(CASE WHEN split_part(e->>0, ':', 1) = self::text THEN e->>1 ELSE e->>0 END, ':', 1)::int AS p
              FROM jsonb_array_elements(eqs) e
             WHERE (split_part(e->>0, ':', 1) = self::text) <> (split_part(e->>1, ':', 1) = self::text)) z;
    IF p IS NULL OR n_tables <> 1 OR n_other <> 0 OR rec->'rtable'->(p - 1)->>'rtekind' <> '0' THEN
        RETURN NULL;
    END IF;
    -- (outer joins only of a decorating table, below, on the nullable side: LEFT JOIN tb_label l ON l.fk = c.pk, whose
    -- row a round's row of T may lack; since 0.3.33, refused before. A change of it reaches the same row of T. Also
    -- written the other way round, tb_label l RIGHT JOIN tb_cat c ON ... (since 0.3.34: 0.3.33 took jointype 2, FULL,
    -- for RIGHT, 3); a FULL JOIN with such a table's lone occurrence on either side keeps T's rows as LEFT JOIN does, and
    -- the rows it adds without T fail the strict equality that ties T to the round before)
    IF EXISTS (SELECT 1 FROM jsonb_path_query(rec->'jointree', 'strict $.** ? (@._ == "JOINEXPR" && @.jointype != "0")') jx
                WHERE NOT (jx->>'jointype' IN ('1', '2') AND jx->'rarg'->>'_' = 'RANGETBLREF' AND (jx->'rarg'->>'rtindex')::int NOT IN (p, self)
                           OR jx->>'jointype' IN ('2', '3') AND jx->'larg'->>'_' = 'RANGETBLREF' AND (jx->'larg'->>'rtindex')::int NOT IN (p, self))) THEN
        RETURN NULL;
    END IF;
    SELECT c.oid, n.nspname, c.relname INTO t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = (rec->'rtable'->(p - 1)->>'relid')::oid AND c.relkind IN ('r', 'p');
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT split_part(CASE WHEN split_part(e->>0, ':', 1) = p::text THEN e->>0 ELSE e->>1 END, ':', 2)::int,
           split_part(CASE WHEN split_part(e->>0, ':', 1) = p::text THEN e->>1 ELSE e->>0 END, ':', 2)::int
      INTO x, j
      FROM jsonb_array_elements(eqs) e
     WHERE (split_part(e->>0, ':', 1) = p::text AND split_part(e->>1, ':', 1) = self::text)
        OR (split_part(e->>1, ':', 1) = p::text AND split_part(e->>0, ':', 1) = self::text)
     ORDER BY 1, 2 LIMIT 1;
    IF x IS NULL OR x <= 0 OR j IS NULL OR j <= 0 THEN
        RETURN NULL;
    END IF;
    -- every other table of the term (0.3.17) is joined to T's row by an equality d.col = p.via: it decorates the round
    -- T's row is in (a name in another table), or drops it
    FOR d IN SELECT r.i FROM jsonb_array_elements(rec->'rtable') WITH ORDINALITY r(e, i) WHERE r.e->>'rtekind' = '0' AND r.i <> p LOOP
        SELECT jsonb_build_object('occ', scope || '/r' || (so->'rarg'->>'rtindex') || ':' || d,
                                  'col', (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = (rec->'rtable'->(d - 1)->>'relid')::oid
                                             AND a.attnum = split_part(CASE WHEN split_part(e->>0, ':', 1) = d::text THEN e->>0 ELSE e->>1 END, ':', 2)::int),
                                  'via', (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = t.oid
                                             AND a.attnum = split_part(CASE WHEN split_part(e->>0, ':', 1) = p::text THEN e->>0 ELSE e->>1 END, ':', 2)::int))
          INTO dec
          FROM jsonb_array_elements(eqs) e
         WHERE ARRAY[split_part(e->>0, ':', 1), split_part(e->>1, ':', 1)] IN (ARRAY[d::text, p::text], ARRAY[p::text, d::text])
           AND split_part(e->>0, ':', 2)::int > 0 AND split_part(e->>1, ':', 2)::int > 0
         ORDER BY e->>0, e->>1 LIMIT 1;
        IF dec->>'col' IS NULL OR dec->>'via' IS NULL THEN
            RETURN NULL;
        END IF;
        decor := decor || jsonb_build_array(dec);
    END LOOP;
    -- round n + 1's column j is p.y; round 0's is q.ya, a column of a table of the anchor
    IF split_part(public.pg_tviews__an_fixed_col(rec, rec->'targetList'->(j - 1)->'expr'), ':', 1) <> p::text
       OR public.pg_tviews__an_strip(rec->'targetList'->(j - 1)->'expr')->>'_' <> 'VAR' THEN
        RETURN NULL;
    END IF;
    y := (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = t.oid
             AND a.attnum = split_part(public.pg_tviews__an_fixed_col(rec, rec->'targetList'->(j - 1)->'expr'), ':', 2)::int);
    -- (text, like the outer row's branch below: a record's field types must not change between calls)
    SELECT c.oid, n.nspname::text AS nspname, c.relname::text AS relname, split_part(f.col, ':', 1)::int AS rti,
           split_part(f.col, ':', 2)::int AS attnum, NULL::text AS scope INTO qrel
      -- (a column of this level only, filtered before any cast reads it: an anchor that selects the outer row's column,
      -- 'const', failed the create with 22P02 in 0.3.22; OFFSET 0 keeps the filter below the join)
      FROM (SELECT x.col FROM (SELECT public.pg_tviews__an_fixed_col(anchor, anchor->'targetList'->(j - 1)->'expr') AS col) x
             WHERE x.col ~ '^[0-9]+:[0-9]+$' OFFSET 0) f
      JOIN pg_class c ON c.oid = (anchor->'rtable'->(split_part(f.col, ':', 1)::int - 1)->>'relid')::oid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE anchor->'rtable'->(split_part(f.col, ':', 1)::int - 1)->>'rtekind' = '0' AND c.relkind IN ('r', 'p')
       AND public.pg_tviews__an_strip(anchor->'targetList'->(j - 1)->'expr')->>'_' = 'VAR';
    IF NOT FOUND THEN
        -- (the outer row's column: a Var of a level around the CTE, whose occurrence acc already holds; the recursive
        -- term reads no outer row, so each chain is its anchor row's alone)
        SELECT (o->>'relid')::oid AS oid, o->>'schema' AS nspname, o->>'table' AS relname, (o->>'rti')::int AS rti,
               (v->>'varattno')::int AS attnum, o->>'scope' AS scope
          INTO qrel
          FROM (SELECT public.pg_tviews__an_strip(anchor->'targetList'->(j - 1)->'expr') AS v) x(v)
          JOIN jsonb_array_elements(coalesce(acc->'occs', '[]')) o
            ON o->>'scope' = public.pg_tviews__an_scope_up(scope || '/r' || (so->'larg'->>'rtindex'), (v->>'varlevelsup')::int)
           AND (o->>'rti')::int = (v->>'varno')::int
         WHERE v->>'_' = 'VAR' AND (v->>'varlevelsup')::int > 0 AND (v->>'varattno')::int > 0
           AND NOT jsonb_path_exists(rec, 'strict $.** ? (@._ == "VAR" && @.varlevelsup != "0")')
           AND jsonb_array_length(coalesce(anchor->'rtable', '[]')) = 0;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    ya := (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = qrel.oid AND a.attnum = qrel.attnum);
    -- one type (integers of any width) and one collation for x, y and ya: the walk then looks values up as the query
    -- compares them (its equalities compare under their columns' collation, pg_tviews__an_equalities)
    IF (SELECT count(DISTINCT CASE WHEN a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN 'int8'::regtype::oid ELSE a.atttypid END) <> 1
               OR count(DISTINCT a.attcollation) <> 1
          FROM pg_attribute a
         WHERE (a.attrelid, a.attnum) IN ((t.oid, x), (t.oid, (SELECT b.attnum FROM pg_attribute b WHERE b.attrelid = t.oid AND b.attname = y)), (qrel.oid, qrel.attnum))) THEN
        RETURN NULL;
    END IF;
    RETURN jsonb_build_object('occ', scope || '/r' || (so->'rarg'->>'rtindex') || ':' || p,
                              'schema', t.nspname, 'table', t.relname,
                              'from', (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = x), 'to', y,
                              'anchor_occ', coalesce(qrel.scope, scope || '/r' || (so->'larg'->>'rtindex')) || ':' || qrel.rti,
                              'anchor_schema', qrel.nspname, 'anchor_table', qrel.relname, 'anchor_to', ya, 'j', j, 'decor', decor);
END
$fn$;

-- Range-table entry rti of query q (scope): base tables become occurrences; subqueries, CTEs and views
-- are analysed as inner scopes whose outputs are linked to this scope's columns.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_rte(q jsonb, rti int, scope text, ctes jsonb, acc jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    rte jsonb := q->'rtable'->(rti - 1);
    inner_q jsonb;
    iscope text;
    icts jsonb;
    up int;
    j int;
    v jsonb;
    rel record;
    recursive boolean;
    saved jsonb;
    rec_edges jsonb;
BEGIN
    IF rte ? 'tablesample' THEN
        RAISE EXCEPTION 'TABLESAMPLE is not deterministic: a TVIEW cannot maintain it' USING ERRCODE = '0A000';
    END IF;
    CASE rte->>'rtekind'
    WHEN '0' THEN
        SELECT c.oid, c.relkind, n.nspname, c.relname INTO rel
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = (rte->>'relid')::oid;
        IF rel.relkind IN ('r', 'p') THEN
            acc := jsonb_set(acc, '{occs}', (acc->'occs') || jsonb_build_array(jsonb_build_object(
                       'scope', scope, 'rti', rti, 'relid', rel.oid, 'schema', rel.nspname, 'table', rel.relname, 'relkind', rel.relkind,
                       'alias', coalesce(rte->'alias'->>'aliasname', rel.relname))));
        ELSIF rel.relkind = 'v' THEN
            SELECT public.pg_tviews__node_json(r.ev_action)->0 INTO inner_q FROM pg_rewrite r WHERE r.ev_class = rel.oid AND r.rulename = '_RETURN';
            PERFORM public.pg_tviews__an_deterministic(inner_q);
            iscope := scope || '/r' || rti;
            acc := public.pg_tviews__an_nest(acc, iscope, scope, scope || ':' || rti);
            acc := jsonb_set(CASE WHEN acc ? 'forced_in' THEN acc ELSE acc || '{"forced_in": {}}' END, ARRAY['forced_in', iscope],
                             public.pg_tviews__an_forced_inside(inner_q, public.pg_tviews__an_strict_cols(q, rti) || public.pg_tviews__an_cols_from_above(acc, scope, rti)));
            acc := public.pg_tviews__an_query(inner_q, iscope, ctes, acc);
            FOR j IN 1 .. jsonb_array_length(rte->'eref'->'colnames') LOOP
                acc := public.pg_tviews__an_edge(acc, scope || ':' || rti || ':' || j, iscope || ':0:' || j);
            END LOOP;
        ELSE
            RAISE EXCEPTION 'source %.% is not a table (relkind %)', rel.nspname, rel.relname, rel.relkind
                USING ERRCODE = '0A000', HINT = 'TVIEWs can read tables, partitioned tables, other TVIEWs and plain views over them; not materialized views, foreign tables or sequences.';
        END IF;
    WHEN '1' THEN
        iscope := scope || '/r' || rti;
        acc := public.pg_tviews__an_nest(acc, iscope, scope, scope || ':' || rti);
        IF rte->>'lateral' = 'true' THEN
            -- (its rows exist whether its conditions on the outer row hold or not: an aggregate, an outer join)
            acc := public.pg_tviews__an_nest(acc, iscope, iscope, iscope);
        END IF;
        acc := jsonb_set(CASE WHEN acc ? 'forced_in' THEN acc ELSE acc || '{"forced_in": {}}' END, ARRAY['forced_in', iscope],
                         public.pg_tviews__an_forced_inside(rte->'subquery', public.pg_tviews__an_strict_cols(q, rti) || public.pg_tviews__an_cols_from_above(acc, scope, rti)));
        acc := public.pg_tviews__an_query(rte->'subquery', iscope, ctes, acc);
        acc := public.pg_tviews__an_one_row_scope(acc, rte->'subquery', iscope);
        FOR j IN 1 .. jsonb_array_length(rte->'eref'->'colnames') LOOP
            acc := public.pg_tviews__an_edge(acc, scope || ':' || rti || ':' || j, iscope || ':0:' || j);
        END LOOP;
    WHEN '2' THEN
        j := 0;
        FOR v IN SELECT x FROM jsonb_array_elements(coalesce(rte->'joinaliasvars', '[]')) x LOOP
            j := j + 1;
            IF v->>'_' = 'COALESCEEXPR' AND rte->>'jointype' = '2' THEN
                -- a FULL JOIN's merged USING column: each side's column where that side is present (equal where both are;
                -- a side's NULL column matches nothing, and its row's merged key would be NULL)
                acc := public.pg_tviews__an_merged_column(acc, q, v, scope || ':' || rti || ':' || j, scope);
            ELSE
                acc := public.pg_tviews__an_edge(acc, scope || ':' || rti || ':' || j, public.pg_tviews__an_var(v, scope));
            END IF;
        END LOOP;
    WHEN '6' THEN
        -- (the recursive term's reference to its own CTE: the rows of the previous round, analysed with the CTE below)
        IF rte->>'self_reference' = 'true' THEN
            RETURN acc;
        END IF;
        up := (rte->>'ctelevelsup')::int;
        -- the CTE lists of the levels down to the one that defines it (the stack without its last 'up' entries)
        icts := (SELECT jsonb_agg(x.l ORDER BY x.i) FROM jsonb_array_elements(ctes) WITH ORDINALITY x(l, i)
                  WHERE x.i <= jsonb_array_length(ctes) - up);
        SELECT x->'ctequery', x->>'cterecursive' = 'true' INTO inner_q, recursive
          FROM jsonb_array_elements(icts->(jsonb_array_length(icts) - 1)) x WHERE x->>'ctename' = rte->>'ctename';
        acc := jsonb_set(acc, '{n}', to_jsonb((acc->>'n')::int + 1));
        iscope := public.pg_tviews__an_scope_up(scope, up) || '/c' || (acc->>'n');
        acc := public.pg_tviews__an_nest(acc, iscope, scope, scope || ':' || rti);
        IF recursive THEN
            -- WITH RECURSIVE: each round joins the previous round's rows, so an equality in the recursive term links
            -- rows of different rounds, not one row of the output (read as an equality, "p.pk = up.par" would equate
            -- a category with its parent), and the CTE's output columns hold rows of every round. Its tables are
            -- analysed (occurrences, and every check of a query level), but only the anchor's equalities are kept (they
            -- hold for its rows, round 0, from which every round of that chain derives): the recursive term's tables
            -- and the CTE's output link to nothing, unless the CTE walks a chain (pg_tviews__an_chain_closure), whose
            -- recursive table is followed by a closure hop (0.3.16). Otherwise unlinked: refused, or (uncascaded_policy)
            -- refreshed in full.
            saved := jsonb_build_object('n', jsonb_array_length(acc->'edges'), 'ors', acc->'ors', 'implied', acc->'implied');
            acc := public.pg_tviews__an_query(inner_q, iscope, icts, acc);
            rec_edges := acc->'edges';
            acc := jsonb_set(acc, '{edges}', coalesce((
                       SELECT jsonb_agg(e ORDER BY i) FROM jsonb_array_elements(acc->'edges') WITH ORDINALITY x(e, i)
                        WHERE i <= (saved->>'n')::int
                           OR NOT EXISTS (SELECT 1 FROM (VALUES (e->>0), (e->>1)) t(node)
                                           WHERE public.pg_tviews__an_within(t.node, iscope)
                                             AND NOT public.pg_tviews__an_within(t.node, iscope || '/r' || (inner_q->'setOperations'->'larg'->>'rtindex')))
                              AND inner_q->'setOperations'->'larg'->>'_' = 'RANGETBLREF'), '[]'))
                   || jsonb_strip_nulls(jsonb_build_object('ors', saved->'ors', 'implied', saved->'implied')) || jsonb_build_object('recursive', true);
            IF saved->'ors' IS NULL THEN acc := acc - 'ors'; END IF;
            IF saved->'implied' IS NULL THEN acc := acc - 'implied'; END IF;
            saved := public.pg_tviews__an_chain_closure(inner_q, iscope, icts || jsonb_build_array(coalesce(inner_q->'cteList', '[]')), acc);
            IF saved IS NOT NULL THEN
                saved := jsonb_set(saved, '{decor}', (saved->'decor') || public.pg_tviews__an_sublink_decor(acc, rec_edges, saved));
                -- (out: this reference's column j, which other tables may be equated with: pg_tviews__an_closure_paths)
                acc := jsonb_set(CASE WHEN acc ? 'closures' THEN acc ELSE acc || '{"closures": {}}' END, ARRAY['closures', saved->>'occ'],
                                 saved || jsonb_build_object('out', scope || ':' || rti || ':' || (saved->>'j')));
            END IF;
            -- a column the recursive term carries unchanged holds its chain's anchor row's value in every round
            -- (0.3.17: WITH RECURSIVE t(root, id) AS (SELECT c.pk, c.pk FROM c UNION ALL SELECT t.root, k.pk ...) ... GROUP BY t.root)
            FOREACH j IN ARRAY public.pg_tviews__an_carried(inner_q) LOOP
                acc := public.pg_tviews__an_edge(acc, scope || ':' || rti || ':' || j, iscope || '/r' || (inner_q->'setOperations'->'larg'->>'rtindex') || ':0:' || j);
            END LOOP;
            RETURN acc;
        END IF;
        acc := public.pg_tviews__an_query(inner_q, iscope, icts, acc);
        acc := public.pg_tviews__an_one_row_scope(acc, inner_q, iscope);
        FOR j IN 1 .. jsonb_array_length(rte->'eref'->'colnames') LOOP
            acc := public.pg_tviews__an_edge(acc, scope || ':' || rti || ':' || j, iscope || ':0:' || j);
        END LOOP;
    WHEN '3' THEN
        -- unnest(a.arr) of one array column (also WITH ORDINALITY): its first column is an element of that array, a
        -- membership (0.3.14: FROM tb_post p, unnest(p.tag_ids) x(id) JOIN tb_tag t ON t.pk_tag = x.id)
        IF jsonb_array_length(rte->'functions') = 1 AND rte->'functions'->0->'funcexpr'->>'funcid' = '2331'   -- unnest(anyarray)
           AND jsonb_array_length(rte->'functions'->0->'funcexpr'->'args') = 1 AND rte->'functions'->0->'funcexpr'->'args'->0->>'_' = 'VAR' THEN
            acc := public.pg_tviews__an_member_edge(acc, scope || ':' || rti || ':1',
                                                    public.pg_tviews__an_var(rte->'functions'->0->'funcexpr'->'args'->0, scope), NULL);
        END IF;
        acc := public.pg_tviews__an_exprs(rte - 'eref' - 'alias', scope, ctes, acc);
    ELSE
        acc := public.pg_tviews__an_exprs(rte - 'eref' - 'alias', scope, ctes, acc);
    END CASE;
    RETURN acc;
END
$fn$;

-- The range-table entries (their indexes, as text) that a condition requires present: a Var of theirs under IS NOT NULL or
-- a strict operator, in a top-level conjunct
DROP FUNCTION IF EXISTS public.pg_tviews__an_required(jsonb);
-- (with_cols: "varno:varattno" of each column required, not only its entry)
-- (since 0.3.31 a conjunct is NULL, so filters its row, whenever such a column is: a strict operator or function over
-- strict expressions of it, NOT of one, x = ANY(array), "c IS TRUE" of one, "e IS NOT NULL" of one: hunt 32's
-- "NOT (b.k < 101)", "(b.k > 1) IS TRUE", "b.k = ANY(ARRAY[5, 6])", "b.s || 'x' <> 'zz'"; 0.3.30 knew a column directly
-- under a strict operator or IS NOT NULL only)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_required(quals jsonb, with_cols boolean DEFAULT false) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(DISTINCT CASE WHEN with_cols THEN (v->>'varno') || ':' || (v->>'varattno') ELSE v->>'varno' END), '[]')
      FROM jsonb_array_elements(CASE WHEN quals->>'_' = 'BOOLEXPR' AND quals->>'boolop' = 'and' THEN quals->'args'
                                     WHEN jsonb_typeof(quals) = 'object' THEN jsonb_build_array(quals) ELSE '[]' END) c0
     -- (NOT (x IS NULL) as x IS NOT NULL, which it implies, also of a row: since 0.3.35; hunt 40)
     CROSS JOIN LATERAL (SELECT CASE WHEN c0->>'_' = 'BOOLEXPR' AND c0->>'boolop' = 'not' AND c0->'args'->0->>'_' = 'NULLTEST'
                                          AND c0->'args'->0->>'nulltesttype' = '0'
                                     THEN jsonb_build_object('_', 'NULLTEST', 'nulltesttype', '1', 'arg', c0->'args'->0->'arg') ELSE c0 END AS c) n
     CROSS JOIN LATERAL (SELECT * FROM public.pg_tviews__an_null_vars(n.c->'arg') WHERE n.c->>'_' = 'NULLTEST' AND n.c->>'nulltesttype' = '1'
                         UNION ALL
                         SELECT * FROM public.pg_tviews__an_untrue_vars(CASE WHEN n.c->>'_' = 'BOOLEANTEST' AND n.c->>'booltesttype' = '0' THEN n.c->'arg' ELSE n.c END)
                          WHERE n.c->>'_' <> 'NULLTEST') v(v)
     WHERE v->>'varlevelsup' = '0'
$$;

-- The columns of condition e that make it not true when NULL (pg_tviews__an_null_vars), and the left side of a strict
-- x = ANY(array), which is NULL or, over an empty array, false (not under NOT: NOT false is true; and not <> ALL, which
-- is true over an empty array)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_untrue_vars(e jsonb) RETURNS SETOF jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT * FROM public.pg_tviews__an_null_vars(e)
    UNION ALL
    SELECT * FROM public.pg_tviews__an_null_vars(e->'args'->0)
     WHERE e->>'_' = 'SCALARARRAYOPEXPR' AND e->>'useOr' = 'true'
       AND EXISTS (SELECT 1 FROM pg_operator o JOIN pg_proc f ON f.oid = o.oprcode WHERE o.oid = (e->>'opno')::oid AND f.proisstrict)
$$;

-- The columns (Var nodes) of expression e such that e is NULL whenever one of them is: the Var itself, through casts,
-- COLLATE, strict operators and functions (each argument's) and NOT. CASE, COALESCE, IS [NOT] NULL, IS DISTINCT FROM,
-- AND/OR, ARRAY[...], NULLIF, GREATEST/LEAST and x = ANY(...) are not followed.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_null_vars(e jsonb) RETURNS SETOF jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    a jsonb;
BEGIN
    CASE e->>'_'
        WHEN 'VAR' THEN
            RETURN NEXT e;
        WHEN 'RELABELTYPE', 'COERCEVIAIO', 'COLLATEEXPR' THEN
            RETURN QUERY SELECT * FROM public.pg_tviews__an_null_vars(e->'arg');
        WHEN 'BOOLEXPR' THEN
            IF e->>'boolop' = 'not' THEN
                RETURN QUERY SELECT * FROM public.pg_tviews__an_null_vars(e->'args'->0);
            END IF;
        WHEN 'FUNCEXPR', 'OPEXPR' THEN
            IF e->>'funcretset' = 'true' OR e->>'opretset' = 'true'
               OR NOT coalesce((SELECT p.proisstrict FROM pg_proc p
                                 WHERE p.oid = CASE WHEN e->>'_' = 'FUNCEXPR' THEN (e->>'funcid')::oid
                                                    ELSE (SELECT o.oprcode FROM pg_operator o WHERE o.oid = (e->>'opno')::oid) END), false) THEN
                RETURN;
            END IF;
            FOR a IN SELECT x FROM jsonb_array_elements(coalesce(e->'args', '[]')) x LOOP
                RETURN QUERY SELECT * FROM public.pg_tviews__an_null_vars(a);
            END LOOP;
        ELSE
            NULL;
    END CASE;
END
$fn$;

-- The columns of range-table entry rti of level q that a strict condition requires non-NULL in every row carrying rti's
-- data: a conjunct of WHERE, of an inner join's ON, or of an outer join's ON when rti is on its nullable side (a row of
-- rti failing it is null-extended away, never shown).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_strict_cols(q jsonb, rti int) RETURNS int[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(DISTINCT split_part(r, ':', 2)::int), '{}')
      FROM (SELECT q->'jointree'->'quals' AS quals
            UNION ALL
            -- (the level's own joins: not those of a subquery in a condition, whose entries are numbered in its own range table)
            SELECT j.node->'quals' FROM public.pg_tviews__an_tree_nodes(q->'jointree') j(node)
             WHERE j.node->>'_' = 'JOINEXPR' AND j.node->>'jointype' = '0'
                OR j.node->>'_' = 'JOINEXPR' AND j.node->>'jointype' = '1' AND rti = ANY(public.pg_tviews__an_items(j.node->'rarg'))
                OR j.node->>'_' = 'JOINEXPR' AND j.node->>'jointype' = '3' AND rti = ANY(public.pg_tviews__an_items(j.node->'larg'))) c
     CROSS JOIN LATERAL jsonb_array_elements_text(public.pg_tviews__an_required(c.quals, true)) r
     WHERE split_part(r, ':', 1) = rti::text
$$;

-- The columns of entry rti of level scope that the level above requires non-NULL through this level's output
-- (pg_tviews__an_forced_inside): a pass-through view or subquery of a view (SELECT * FROM v_line) passes them on.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_cols_from_above(acc jsonb, scope text, rti int) RETURNS int[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(DISTINCT split_part(x, ':', 2)::int), '{}')
      FROM jsonb_array_elements_text(coalesce(acc->'forced_in'->scope, '[]')) x WHERE split_part(x, ':', 1) = rti::text
$$;

-- The range-table entries of subquery (or view) query inner that every row it gives the level above carries, when that
-- level requires its output columns cols non-NULL (pg_tviews__an_strict_cols): each such column that is a plain column
-- of an entry there (0.3.29: "LEFT JOIN tb_order o … o.id AS order_id" in a view, correlated by "v.order_id = o.id"
-- outside, is an inner join for the lineage of the view's other tables; 0.3.28 refused them as untraceable). Only for
-- a level that shows its rows one by one: an aggregate, a window, DISTINCT, LIMIT or a set operation there would let the
-- rows the level above drops weigh on the rows it keeps.
-- (as "varno:varattno" of the columns there: a view that passes them on from a view of its own passes the requirement on)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_forced_inside(inner_q jsonb, cols int[]) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(DISTINCT (s.v->>'varno') || ':' || (s.v->>'varattno')), '[]')
      FROM jsonb_array_elements(inner_q->'targetList') te
     CROSS JOIN LATERAL (SELECT public.pg_tviews__an_strip(te->'expr') AS v) s
     WHERE (te->>'resno')::int = ANY(cols) AND te->>'resjunk' = 'false'
       AND s.v->>'_' = 'VAR' AND s.v->>'varlevelsup' = '0' AND (s.v->>'varattno')::int > 0
       AND inner_q->'rtable'->((s.v->>'varno')::int - 1)->>'rtekind' IN ('0', '1')
       AND inner_q->>'hasAggs' IS DISTINCT FROM 'true' AND inner_q->>'hasWindowFuncs' IS DISTINCT FROM 'true'
       AND inner_q->>'hasTargetSRFs' IS DISTINCT FROM 'true'
       AND coalesce(jsonb_array_length(inner_q->'groupClause'), 0) = 0 AND coalesce(jsonb_array_length(inner_q->'distinctClause'), 0) = 0
       AND NOT inner_q ? 'havingQual' AND NOT inner_q ? 'groupingSets' AND NOT inner_q ? 'setOperations'
       AND NOT inner_q ? 'limitCount' AND NOT inner_q ? 'limitOffset'
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__an_from(q jsonb, n jsonb, scope text, ctes jsonb, acc jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    x jsonb;
    jt text;
    saved jsonb;
BEGIN
    IF n IS NULL OR jsonb_typeof(n) <> 'object' THEN RETURN acc; END IF;
    CASE n->>'_'
    WHEN 'RANGETBLREF' THEN
        acc := public.pg_tviews__an_rte(q, (n->>'rtindex')::int, scope, ctes, acc);
    WHEN 'FROMEXPR' THEN
        FOR x IN SELECT v FROM jsonb_array_elements(coalesce(n->'fromlist', '[]')) v LOOP
            acc := public.pg_tviews__an_from(q, x, scope, ctes, acc);
        END LOOP;
    WHEN 'JOINEXPR' THEN
        -- an inner join's conditions require their tables present in every row it makes: outer joins below it whose
        -- nullable side they require are inner joins there (put back after its inputs)
        saved := acc->'forced'->scope;
        -- (so do an outer join's, once its nullable side is required: it matched there)
        IF n->>'jointype' = '0'
           OR EXISTS (SELECT 1 FROM unnest(CASE n->>'jointype' WHEN '1' THEN public.pg_tviews__an_rtis(n->'rarg')
                                                               WHEN '3' THEN public.pg_tviews__an_rtis(n->'larg') END) r
                       WHERE coalesce(saved, '[]') ? r::text) THEN
            acc := jsonb_set(CASE WHEN acc ? 'forced' THEN acc ELSE acc || '{"forced": {}}' END, ARRAY['forced', scope],
                             coalesce(saved, '[]') || public.pg_tviews__an_required(n->'quals'));
        END IF;
        acc := public.pg_tviews__an_from(q, n->'larg', scope, ctes, acc);
        acc := public.pg_tviews__an_from(q, n->'rarg', scope, ctes, acc);
        acc := jsonb_set(CASE WHEN acc ? 'forced' THEN acc ELSE acc || '{"forced": {}}' END, ARRAY['forced', scope], coalesce(saved, '[]'));
        IF n->>'rtindex' IS NOT NULL AND n->>'rtindex' <> '0' THEN
            acc := public.pg_tviews__an_rte(q, (n->>'rtindex')::int, scope, ctes, acc);
        END IF;
        jt := n->>'jointype';
        IF jt IN ('1', '2', '3') THEN
            -- where an outer join's nullable side is present, the join matched and its ON holds: the tables its strict
            -- conditions require are present too (pg_tviews__an_lineage); for a FULL join, where both sides are (or one
            -- is and the other is required from above). 0.3.7 refused "(p LEFT JOIN u ON ...) RIGHT JOIN t ON t.pk =
            -- u.fk", whose p rows all have u.
            acc := jsonb_set(acc, '{implied}', coalesce(acc->'implied', '[]') || jsonb_build_array(
                       jsonb_build_object('mode', CASE jt WHEN '1' THEN 'r' WHEN '3' THEN 'l' ELSE 'b' END,
                           'a', (SELECT coalesce(jsonb_agg(scope || ':' || r), '[]') FROM unnest(public.pg_tviews__an_rtis(n->'larg')) r),
                           'b', (SELECT coalesce(jsonb_agg(scope || ':' || r), '[]') FROM unnest(public.pg_tviews__an_rtis(n->'rarg')) r),
                           'af', EXISTS (SELECT 1 FROM unnest(public.pg_tviews__an_rtis(n->'larg')) r WHERE coalesce(saved, '[]') ? r::text),
                           'bf', EXISTS (SELECT 1 FROM unnest(public.pg_tviews__an_rtis(n->'rarg')) r WHERE coalesce(saved, '[]') ? r::text),
                           'req', (SELECT coalesce(jsonb_agg(scope || ':' || (r #>> '{}')), '[]')
                                     FROM jsonb_array_elements(public.pg_tviews__an_required(n->'quals')) r))));
        END IF;
        IF jt IN ('0', '4') THEN       -- inner, semi
            acc := public.pg_tviews__an_quals(n->'quals', scope, ctes, acc, extended => public.pg_tviews__an_extended_below(n));
        ELSE
            acc := public.pg_tviews__an_quals(n->'quals', scope, ctes, acc,
                       public.pg_tviews__an_rtis(n->'larg'), public.pg_tviews__an_rtis(n->'rarg'),
                       CASE jt WHEN '1' THEN 'r' WHEN '3' THEN 'l' WHEN '5' THEN 'r' ELSE 'b' END, public.pg_tviews__an_extended_below(n));
        END IF;
        acc := public.pg_tviews__an_exprs(n->'quals', scope, ctes, acc);
    ELSE
        NULL;
    END CASE;
    RETURN acc;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__an_setop(q jsonb, n jsonb, scope text, ctes jsonb, acc jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    iscope text;
    te jsonb;
BEGIN
    IF n->>'_' = 'SETOPERATIONSTMT' THEN
        acc := public.pg_tviews__an_setop(q, n->'larg', scope, ctes, acc);
        RETURN public.pg_tviews__an_setop(q, n->'rarg', scope, ctes, acc);
    END IF;
    iscope := scope || '/r' || (n->>'rtindex');
    acc := public.pg_tviews__an_nest(acc, iscope, scope, scope || ':' || (n->>'rtindex'));
    acc := public.pg_tviews__an_query(q->'rtable'->((n->>'rtindex')::int - 1)->'subquery', iscope, ctes, acc);
    FOR te IN SELECT x FROM jsonb_array_elements(coalesce(q->'targetList', '[]')) x WHERE x->>'resjunk' = 'false' LOOP
        acc := public.pg_tviews__an_edge(acc, iscope || ':0:' || (te->>'resno'), scope || ':0:' || (te->>'resno'), true);
    END LOOP;
    RETURN acc;
END
$fn$;

-- The sort/group references of a SortGroupClause list (a level's sortClause, groupClause, distinctClause).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_refs(clause jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY(SELECT x->>'tleSortGroupRef' FROM jsonb_array_elements(coalesce(clause, '[]')) x);
$$;

-- Is every column of a GROUP BY (or DISTINCT) clause among refs, e.g. ordered by? Then the level's groups (distinct
-- rows) are told apart by them.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_covers(clause jsonb, refs text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT public.pg_tviews__an_refs(clause) <@ refs;
$$;

-- Does an ORDER BY (sort-group references sort_refs) tell the groups of level q apart? It orders by every GROUP BY column,
-- or by enough of them: a grouped column of a table whose primary key (or a unique index of NOT NULL columns) the ordered
-- grouped columns hold has one value per group of those (GROUP BY c.pk_category, c.name ORDER BY count(*) DESC,
-- c.pk_category; since 0.3.28, 0.3.27 wanted c.name in the ORDER BY too).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_groups_ordered(q jsonb, sort_refs text[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT q->'groupingSets' IS NULL
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(q->'targetList') te
                        WHERE te->>'ressortgroupref' = ANY(public.pg_tviews__an_refs(q->'groupClause'))
                          AND NOT te->>'ressortgroupref' = ANY(sort_refs)
                          AND NOT public.pg_tviews__an_one_row_of(q, te->'expr', ARRAY(SELECT r FROM unnest(sort_refs) r
                                                                                       WHERE r = ANY(public.pg_tviews__an_refs(q->'groupClause')))))
$$;

-- The column a Var of query level q stands for (through join aliases, binary-compatible and integer widening casts,
-- which keep values apart: pg_tviews__an_strip): "rti:attno" of a range-table entry of that level, "const" for a
-- constant, a parameter or a column of an outer level, NULL otherwise.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_fixed_col(q jsonb, v jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    rte jsonb;
BEGIN
    LOOP
        v := public.pg_tviews__an_strip(v);
        IF v->>'_' IN ('CONST', 'PARAM') OR v->>'_' = 'VAR' AND (v->>'varlevelsup')::int > 0 THEN
            RETURN 'const';
        END IF;
        EXIT WHEN v->>'_' IS DISTINCT FROM 'VAR';
        rte := q->'rtable'->((v->>'varno')::int - 1);
        EXIT WHEN rte->>'rtekind' <> '2';
        v := rte->'joinaliasvars'->((v->>'varattno')::int - 1);
    END LOOP;
    RETURN CASE WHEN v->>'_' = 'VAR' THEN (v->>'varno') || ':' || (v->>'varattno') END;
END
$fn$;

-- The equality conjuncts of a level's WHERE and join conditions, each with the range-table indexes whose rows it
-- restricts: all of them for WHERE and an inner join's ON; an outer join's ON restricts its nullable side only. Only equalities
-- under their columns' collation: "a.name = b.name COLLATE ci" could equal two rows that a unique index under "C" tells apart.
-- (opno: the equality's operator, since 0.3.30)
DROP FUNCTION IF EXISTS public.pg_tviews__an_equalities(jsonb, jsonb, int[]);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_equalities(q jsonb, n jsonb, restricts int[]) RETURNS TABLE(a text, b text, rtis int[], opno oid)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    c jsonb;
    x jsonb;
BEGIN
    IF n IS NULL OR jsonb_typeof(n) <> 'object' THEN
        RETURN;
    END IF;
    IF n->>'_' = 'FROMEXPR' THEN
        FOR x IN SELECT f FROM jsonb_array_elements(coalesce(n->'fromlist', '[]')) f LOOP
            RETURN QUERY SELECT * FROM public.pg_tviews__an_equalities(q, x, restricts);
        END LOOP;
    ELSIF n->>'_' = 'JOINEXPR' THEN
        -- (jointype 1 is LEFT, 2 FULL, 3 RIGHT: 0.3.33 read 2 as RIGHT, so a FULL JOIN's ON was said to restrict its left
        -- side, whose unmatched rows it does not restrict, and a RIGHT JOIN's ON nothing)
        RETURN QUERY SELECT * FROM public.pg_tviews__an_equalities(q, n->'larg', CASE WHEN n->>'jointype' IN ('0', '1') THEN restricts ELSE '{}' END);
        RETURN QUERY SELECT * FROM public.pg_tviews__an_equalities(q, n->'rarg', CASE WHEN n->>'jointype' IN ('0', '3') THEN restricts ELSE '{}' END);
        restricts := CASE n->>'jointype' WHEN '0' THEN restricts
                                         WHEN '1' THEN public.pg_tviews__an_rtis(n->'rarg')
                                         WHEN '3' THEN public.pg_tviews__an_rtis(n->'larg') ELSE '{}' END;
    ELSE
        RETURN;
    END IF;
    FOR c IN SELECT y FROM jsonb_array_elements(CASE WHEN n->'quals'->>'_' = 'BOOLEXPR' AND n->'quals'->>'boolop' = 'and'
                                                     THEN n->'quals'->'args' WHEN n->'quals' IS NULL OR n->'quals' = 'null'
                                                     THEN '[]' ELSE jsonb_build_array(n->'quals') END) y
               WHERE y->>'_' = 'OPEXPR' AND jsonb_array_length(y->'args') = 2 AND public.pg_tviews__an_same_collation(y)
                 AND EXISTS (SELECT 1 FROM pg_operator o WHERE o.oid = (y->>'opno')::oid AND o.oprname = '=' AND (o.oprcanhash OR o.oprcanmerge)) LOOP
        RETURN QUERY SELECT public.pg_tviews__an_fixed_col(q, c->'args'->0), public.pg_tviews__an_fixed_col(q, c->'args'->1), restricts,
                            (c->>'opno')::oid;
    END LOOP;
END
$fn$;

-- Is e coalesce(a.x, b.y) of the two sides of a FULL JOIN whose ON has a.x = b.y (an AND-ed conjunct)? Then it is what
-- FULL JOIN ... USING merges (pg_tviews__an_merged_column): a.x where a is present, b.y where b is, equal where both are.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_full_join_coalesce(q jsonb, e jsonb) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    a0 text;
    a1 text;
    j jsonb;
    l int[];
    r int[];
BEGIN
    IF e->>'_' IS DISTINCT FROM 'COALESCEEXPR' OR jsonb_array_length(e->'args') <> 2 THEN
        RETURN false;     -- (called for every output column of every level: nothing else is read)
    END IF;
    a0 := public.pg_tviews__an_fixed_col(q, e->'args'->0);
    a1 := public.pg_tviews__an_fixed_col(q, e->'args'->1);
    IF a0 IS NULL OR a1 IS NULL OR 'const' IN (a0, a1) OR split_part(a0, ':', 2)::int <= 0 OR split_part(a1, ':', 2)::int <= 0 THEN
        RETURN false;
    END IF;
    -- (a level's equalities between a column of each side of a FULL JOIN can only be that join's own ON's)
    FOR j IN SELECT x FROM jsonb_path_query(q->'jointree', 'strict $.** ? (@."_" == "JOINEXPR" && @.jointype == "2")') x LOOP
        l := public.pg_tviews__an_rtis(j->'larg');
        r := public.pg_tviews__an_rtis(j->'rarg');
        IF (split_part(a0, ':', 1)::int = ANY(l) AND split_part(a1, ':', 1)::int = ANY(r)
            OR split_part(a1, ':', 1)::int = ANY(l) AND split_part(a0, ':', 1)::int = ANY(r))
           AND EXISTS (SELECT 1 FROM public.pg_tviews__an_equalities(q, j, '{}') eq WHERE (eq.a, eq.b) IN ((a0, a1), (a1, a0))) THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END
$fn$;

-- The value of an integer constant of an analysed query (int2, int4 and int8 constants print their Datum's bytes:
-- "8 [ 3 0 0 0 0 0 0 0 ]"), read as little-endian bytes; NULL for any other node. A negative number or another byte order
-- reads as a huge one, so a proof that needs a small positive number fails rather than holds wrongly.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_int_const(c jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN c->>'_' = 'CONST' AND c->>'consttype' IN ('20', '21', '23') AND c->>'constisnull' = 'false' THEN
        (SELECT sum(z.b::numeric * 256 ^ (z.o - 1))
           FROM unnest(string_to_array(btrim((regexp_match(c->>'constvalue', E'\\[ ((?:[0-9]+ )+)\\]'))[1]), ' ')) WITH ORDINALITY z(b, o))
    END
$$;

-- A recursive CTE that walks a chain, one row per round, numbering its rounds (breadcrumbs: a category, its parent,
-- the parent's parent, with the depth): its anchor gives at most one row (every table of it fixed by equalities to
-- constants or outer columns), its recursive term at most one row for each row of the round before (every table fixed by
-- equalities to that row's columns), and one output column is an integer constant in the anchor and the round before's
-- value plus a positive integer constant in the recursive term. That column's values then differ between the CTE's rows
-- and tell them apart: its number, or NULL.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_chain_depth(cte jsonb, ctes jsonb) RETURNS int
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    anchor jsonb;
    rec jsonb;
    self int;
    a jsonb;
    r jsonb;
    k int;
BEGIN
    SELECT rt.anchor, rt.rec, rt.self INTO anchor, rec, self FROM public.pg_tviews__an_recursive_terms(cte) rt;
    IF self IS NULL
       OR public.pg_tviews__an_untold(anchor, '[]', NULL, ctes || jsonb_build_array(coalesce(anchor->'cteList', '[]'))) IS NOT NULL
       OR public.pg_tviews__an_untold(rec, '[]', NULL, ctes || jsonb_build_array(coalesce(rec->'cteList', '[]')), ARRAY[self]) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    FOR k IN 1 .. jsonb_array_length(coalesce(anchor->'targetList', '[]')) LOOP
        a := public.pg_tviews__an_strip(anchor->'targetList'->(k - 1)->'expr');
        r := rec->'targetList'->(k - 1)->'expr';
        IF public.pg_tviews__an_int_const(a) IS NOT NULL
           AND r->>'_' = 'OPEXPR' AND r->>'opno' IN ('551', '684', '688')                 -- int4 + int4, int8 + int8, int8 + int4
           AND public.pg_tviews__an_strip(r->'args'->0)->>'_' = 'VAR'
           AND public.pg_tviews__an_strip(r->'args'->0)->>'varno' = self::text
           AND public.pg_tviews__an_strip(r->'args'->0)->>'varattno' = k::text
           AND public.pg_tviews__an_strip(r->'args'->0)->>'varlevelsup' = '0'
           AND public.pg_tviews__an_int_const(public.pg_tviews__an_strip(r->'args'->1)) BETWEEN 1 AND 1000000 THEN
            RETURN k;
        END IF;
    END LOOP;
    RETURN NULL;
END
$fn$;

-- Does an order by these expressions (a level's ORDER BY, an aggregate's) tell the rows of query level q apart? Every
-- table of the level (or of need, when given) must have all columns of one of its unique indexes without NULLs (NOT NULL
-- columns or NULLS NOT DISTINCT) among the ordered ones, or equal to a constant, an outer column or columns of tables
-- already told apart (a comment's author: u.pk_user = c.fk_user gives each comment one user row). A subquery or view
-- is told apart when those of its output columns are told its rows apart (or it returns one row, or groups by them).
-- A CTE is followed the same way (ctes: the WITH lists from the outermost level to q's own). Rows ordered alike then
-- come from the same rows of those tables. NULL when they are told apart; otherwise the name of a row source they are
-- not (a function or VALUES never is).
-- A recursive CTE (0.3.16) is told apart by the round number of a chain (pg_tviews__an_chain_depth). pretold: range-table
-- entries whose row is fixed already (a recursive term's previous round).
DROP FUNCTION IF EXISTS public.pg_tviews__an_untold(jsonb, jsonb);
DROP FUNCTION IF EXISTS public.pg_tviews__an_untold(jsonb, jsonb, int[]);
DROP FUNCTION IF EXISTS public.pg_tviews__an_untold(jsonb, jsonb, int[], jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_untold(q jsonb, exprs jsonb, need int[], ctes jsonb, pretold int[] DEFAULT '{}') RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    sorted text[];
    told int[] := coalesce(pretold, '{}');
    recursive boolean;
    rtis int[];
    cols int[];
    eqs jsonb;
    rte jsonb;
    sub jsonb;
    sub_ctes jsonb;
    up int;
    rti int;
    ok boolean;
    grew boolean := true;
BEGIN
    sorted := ARRAY(SELECT public.pg_tviews__an_fixed_col(q, x) FROM jsonb_array_elements(exprs) x);
    SELECT coalesce(jsonb_agg(jsonb_build_array(e.a, e.b, e.rtis)), '[]') INTO eqs
      FROM public.pg_tviews__an_equalities(q, q->'jointree', public.pg_tviews__an_rtis(q->'jointree')) e
     WHERE e.a IS NOT NULL AND e.b IS NOT NULL;
    rtis := ARRAY(SELECT r FROM unnest(public.pg_tviews__an_items(q->'jointree')) r WHERE q->'rtable'->(r - 1)->>'rtekind' <> '2');
    WHILE grew LOOP
        grew := false;
        FOREACH rti IN ARRAY rtis LOOP
            CONTINUE WHEN rti = ANY(told);
            rte := q->'rtable'->(rti - 1);
            -- the columns of rti whose value the order fixes
            cols := ARRAY(SELECT split_part(x, ':', 2)::int FROM unnest(sorted) x WHERE split_part(x, ':', 1) = rti::text
                          UNION
                          SELECT split_part(CASE WHEN split_part(e->>0, ':', 1) = rti::text THEN e->>0 ELSE e->>1 END, ':', 2)::int
                            FROM jsonb_array_elements(eqs) e
                           WHERE rti = ANY(ARRAY(SELECT jsonb_array_elements_text(e->2)::int))
                             AND (split_part(e->>0, ':', 1) = rti::text AND (e->>1 = 'const' OR e->>1 = ANY(sorted) OR split_part(e->>1, ':', 1)::int = ANY(told))
                                  OR split_part(e->>1, ':', 1) = rti::text AND (e->>0 = 'const' OR e->>0 = ANY(sorted) OR split_part(e->>0, ':', 1)::int = ANY(told))));
            sub := NULL;
            recursive := false;
            IF rte->>'rtekind' = '1' THEN
                sub := rte->'subquery';
                sub_ctes := ctes || jsonb_build_array(coalesce(sub->'cteList', '[]'));
            ELSIF rte->>'rtekind' = '6' AND rte->>'self_reference' = 'true' THEN
                sub := NULL;                       -- (a recursive term's previous round: told only when pretold)
            ELSIF rte->>'rtekind' = '6' THEN
                -- a CTE: ctes holds the WITH lists from the outermost level to q's own (ctelevelsup counts back)
                up := jsonb_array_length(ctes) - 1 - (rte->>'ctelevelsup')::int;
                SELECT x->'ctequery', x->>'cterecursive' = 'true' INTO sub, recursive
                  FROM jsonb_array_elements(CASE WHEN up >= 0 THEN ctes->up END) x WHERE x->>'ctename' = rte->>'ctename';
                sub_ctes := jsonb_path_query_array(ctes, '$[0 to $n]', jsonb_build_object('n', up - 1))
                            || jsonb_build_array(ctes->up) || jsonb_build_array(coalesce(sub->'cteList', '[]'));
            ELSIF rte->>'rtekind' = '0' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = (rte->>'relid')::oid AND c.relkind = 'v') THEN
                SELECT public.pg_tviews__node_json(r.ev_action)->0 INTO sub FROM pg_rewrite r
                 WHERE r.ev_class = (rte->>'relid')::oid AND r.rulename = '_RETURN';
                sub_ctes := jsonb_build_array(coalesce(sub->'cteList', '[]'));
            END IF;
            IF recursive THEN
                ok := public.pg_tviews__an_chain_depth(sub, sub_ctes) = ANY(cols);
            ELSIF sub IS NOT NULL THEN
                -- (LIMIT/OFFSET keep some of the rows: those are told apart as all of them are)
                ok := NOT sub ? 'setOperations'
                      AND CASE WHEN sub->>'hasAggs' = 'true' AND coalesce(jsonb_array_length(sub->'groupClause'), 0) = 0 THEN true
                               WHEN coalesce(jsonb_array_length(sub->'groupClause'), 0) > 0 OR sub ? 'distinctClause' THEN
                                    public.pg_tviews__an_covers(coalesce(sub->'groupClause', sub->'distinctClause'),
                                                                ARRAY(SELECT te->>'ressortgroupref' FROM jsonb_array_elements(sub->'targetList') te
                                                                       WHERE te->>'resjunk' = 'false' AND (te->>'resno')::int = ANY(cols)))
                               ELSE public.pg_tviews__an_untold(sub, (SELECT coalesce(jsonb_agg(te->'expr'), '[]') FROM jsonb_array_elements(sub->'targetList') te
                                                                       WHERE te->>'resjunk' = 'false' AND (te->>'resno')::int = ANY(cols)), NULL, sub_ctes) IS NULL END;
            ELSE
                ok := rte->>'rtekind' = '0'
                      AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = (rte->>'relid')::oid AND c.relkind IN ('r', 'p'))
                      AND NOT (rte->>'inh' = 'true' AND EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent
                                                                 WHERE i.inhparent = (rte->>'relid')::oid AND c.relkind = 'r'))
                      AND EXISTS (SELECT 1 FROM pg_index i
                                   WHERE i.indrelid = (rte->>'relid')::oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
                                     AND i.indexprs IS NULL
                                     -- unique under another collation than a nondeterministic column's ('a', 'A')
                                     AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[], i.indcollation::oid[]) u(k, coll)
                                                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.k
                                                      JOIN pg_collation co ON co.oid = a.attcollation
                                                     WHERE NOT co.collisdeterministic AND u.coll <> a.attcollation)
                                     AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) k
                                                      WHERE NOT k = ANY(cols)
                                                         OR NOT (i.indnullsnotdistinct OR EXISTS (SELECT 1 FROM pg_attribute a
                                                                  WHERE a.attrelid = i.indrelid AND a.attnum = k AND a.attnotnull))));
            END IF;
            IF ok THEN
                told := told || rti;
                grew := true;
            END IF;
        END LOOP;
    END LOOP;
    FOREACH rti IN ARRAY rtis LOOP
        IF NOT rti = ANY(told) AND (need IS NULL OR rti = ANY(need)) THEN
            RETURN coalesce(q->'rtable'->(rti - 1)->'eref'->>'aliasname', 'a row source');
        END IF;
    END LOOP;
    RETURN NULL;
END
$fn$;

-- The range-table indexes of query level q whose columns expression e reads (through join aliases); NULL when it
-- reads a whole joined row or has a subquery (whose outer references are not followed here): then every one.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_var_rtis(q jsonb, e jsonb) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v jsonb;
    rte jsonb;
    got int[] := '{}';
    more int[];
BEGIN
    IF jsonb_path_exists(e, 'strict $.** ? (@._ == "SUBLINK")') THEN
        RETURN NULL;
    END IF;
    FOR v IN SELECT x FROM jsonb_path_query(e, 'strict $.** ? (@._ == "VAR" && @.varlevelsup == "0")') x LOOP
        rte := q->'rtable'->((v->>'varno')::int - 1);
        IF rte->>'rtekind' = '2' THEN
            IF v->>'varattno' = '0' THEN
                RETURN NULL;
            END IF;
            more := public.pg_tviews__an_var_rtis(q, rte->'joinaliasvars'->((v->>'varattno')::int - 1));
            IF more IS NULL THEN
                RETURN NULL;
            END IF;
            got := got || more;
        ELSE
            got := got || (v->>'varno')::int;
        END IF;
    END LOOP;
    RETURN got;
END
$fn$;

-- The expressions of a level's ORDER BY.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_sort_exprs(q jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(te->'expr'), '[]')
      FROM jsonb_array_elements(coalesce(q->'targetList', '[]')) te
     WHERE te->>'ressortgroupref' = ANY(public.pg_tviews__an_refs(q->'sortClause'));
$$;

-- LIMIT/OFFSET in a query level (0.3.8). Its rows depend on the other rows of that level, so the level must be a
-- subquery evaluated per outer row (correlated, LATERAL or in an expression; its occurrences then reach the key only
-- through that correlation: pg_tviews__an_query does not link its output columns), and its ORDER BY must tell its rows
-- apart, or a keyed recompute and a full one could keep different rows. Refuses otherwise.
DROP FUNCTION IF EXISTS public.pg_tviews__an_limited(jsonb, text);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_limited(q jsonb, scope text, ctes jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    sort_refs text[];
    untold text;
BEGIN
    IF scope = '0' OR q ? 'setOperations' THEN
        RAISE EXCEPTION 'LIMIT/OFFSET over the whole result make rows depend on the order of other rows: a TVIEW cannot maintain them'
            USING ERRCODE = '0A000',
            HINT = 'Apply LIMIT/OFFSET when reading the TVIEW. Inside a correlated subquery (the latest comment of each post) they are maintained.';
    END IF;
    IF NOT public.pg_tviews__an_constant_limit(q) THEN
        RAISE EXCEPTION 'LIMIT/OFFSET of a TVIEW query must be constants' USING ERRCODE = '0A000';
    END IF;
    sort_refs := public.pg_tviews__an_refs(q->'sortClause');
    IF cardinality(sort_refs) = 0 THEN
        RAISE EXCEPTION 'LIMIT/OFFSET without ORDER BY keep arbitrary rows: a TVIEW cannot maintain them' USING ERRCODE = '0A000',
            HINT = 'Order the subquery by columns that tell its rows apart, e.g. ORDER BY c.created_at DESC, c.pk_comment DESC LIMIT 1.';
    END IF;
    -- one row per group: ordered by every GROUP BY column, groups are told apart
    IF q->>'hasAggs' = 'true' OR coalesce(jsonb_array_length(q->'groupClause'), 0) > 0 THEN
        IF public.pg_tviews__an_groups_ordered(q, sort_refs) THEN
            RETURN;
        END IF;
        RAISE EXCEPTION 'the ORDER BY of a grouped LIMIT/OFFSET subquery must include every GROUP BY column, or the primary key of the table of those it leaves out' USING ERRCODE = '0A000',
            HINT = 'Ties would let a keyed recompute and a full one keep different groups: order by the grouped columns last (a table''s primary key stands for its other grouped columns).';
    END IF;
    untold := public.pg_tviews__an_untold(q, public.pg_tviews__an_sort_exprs(q), NULL, ctes);
    IF untold IS NOT NULL THEN
        RAISE EXCEPTION 'the ORDER BY of a LIMIT/OFFSET subquery must tell its rows apart' USING ERRCODE = '0A000',
            DETAIL = format('It does not order %s by all columns of a unique index without NULLs, nor fixes them by an equality to such a row (a function or VALUES never are).', untold),
            HINT = 'Ties would let a keyed recompute and a full one keep different rows: end the ORDER BY with the primary key of every table the subquery reads.';
    END IF;
END
$fn$;

-- DISTINCT ON keeps the first row of each group in ORDER BY order: unless the ORDER BY tells the rows of a group apart
-- (or the level outputs nothing but the DISTINCT ON columns), which row that is depends on the order rows are read in,
-- and a keyed recompute and a full one could keep different rows (0.3.14 accepted DISTINCT ON (x) ... ORDER BY x).
DROP FUNCTION IF EXISTS public.pg_tviews__an_distinct_on(jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_distinct_on(q jsonb, ctes jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    refs text[] := public.pg_tviews__an_refs(q->'distinctClause');
    sort_refs text[] := public.pg_tviews__an_refs(q->'sortClause');
    untold text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(q->'targetList') te
                    WHERE te->>'resjunk' = 'false' AND NOT coalesce(te->>'ressortgroupref' = ANY(refs), false)) THEN
        RETURN;
    END IF;
    IF q->>'hasAggs' = 'true' OR coalesce(jsonb_array_length(q->'groupClause'), 0) > 0 THEN
        untold := CASE WHEN NOT public.pg_tviews__an_groups_ordered(q, sort_refs)
                       THEN 'Its rows are groups: the ORDER BY must include every GROUP BY column, or the primary key of the table of those it leaves out.' END;
    ELSE
        -- (rows ordered alike need only come from the same rows of the tables the other output columns read)
        untold := public.pg_tviews__an_untold(q, public.pg_tviews__an_sort_exprs(q),
                                              public.pg_tviews__an_var_rtis(q, (SELECT coalesce(jsonb_agg(te->'expr'), '[]') FROM jsonb_array_elements(q->'targetList') te
                                                                                 WHERE te->>'resjunk' = 'false' AND NOT coalesce(te->>'ressortgroupref' = ANY(refs), false))),
                                              ctes);
        untold := CASE WHEN untold IS NOT NULL THEN
                      format('It does not order %s by all columns of a unique index without NULLs, nor fixes them by an equality to such a row (a function or VALUES never are).', untold) END;
    END IF;
    IF untold IS NOT NULL THEN
        RAISE EXCEPTION 'the ORDER BY of a DISTINCT ON query must tell the rows of each group apart' USING ERRCODE = '0A000',
            DETAIL = untold,
            HINT = 'Ties would let a keyed recompute and a full one keep different rows: end the ORDER BY with the primary key of every table the query reads, e.g. ORDER BY c.fk_post, c.created_at DESC, c.pk_comment DESC.';
    END IF;
END
$fn$;

-- The type of an expression node of an analysed query tree, for the nodes that carry it; NULL for others.
-- (a subquery's: its column's, an array of it, or boolean; since 0.3.34, which named the type of a DISTINCT column
-- (SELECT max(rate) FROM tb_setting) "unknown" in its refusal)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_expr_type(e jsonb) RETURNS regtype
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(e->>'vartype', e->>'consttype', e->>'funcresulttype', e->>'opresulttype', e->>'resulttype',
                    e->>'casetype', e->>'coalescetype', e->>'minmaxtype', e->>'aggtype', e->>'wintype', e->>'paramtype',
                    e->>'array_typeid', e->>'row_typeid', e->>'refrestype',
                    CASE WHEN e->>'_' IN ('BOOLEXPR', 'NULLTEST', 'BOOLEANTEST', 'SCALARARRAYOPEXPR') OR e->>'_' = 'SUBLINK' AND e->>'subLinkType' IN ('0', '1', '2')
                         THEN 'bool'::regtype::oid::text END,
                    CASE WHEN e->>'_' = 'SUBLINK' AND e->>'subLinkType' IN ('4', '6') THEN (
                        SELECT CASE WHEN e->>'subLinkType' = '4' THEN t.oid ELSE nullif(t.typarray, 0) END::text
                          FROM pg_type t
                         WHERE t.oid = public.pg_tviews__an_expr_type((SELECT x->'expr' FROM jsonb_array_elements(e->'subselect'->'targetList') x
                                                                        WHERE x->>'resjunk' = 'false' LIMIT 1))) END)::oid::regtype;
$$;

-- Query level q as seen by the rows that condition cond keeps (an aggregate's FILTER): an outer join whose nullable side
-- holds a table that cond tests IS NOT NULL (a conjunct) is an inner join there, since such a row's table is present and
-- the join's ON held for it. (COALESCE(jsonb_agg(... ORDER BY i.pk_item) FILTER (WHERE i.pk_item IS NOT NULL), '[]') over
-- LEFT JOINs: the rows without an item, whose order the ORDER BY leaves open, are not aggregated; 0.3.28, 0.3.27 refused it)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_present_level(q jsonb, cond jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN cardinality(p.rtis) = 0 THEN q ELSE jsonb_set(q, '{jointree}', public.pg_tviews__an_inner_joins(q->'jointree', p.rtis)) END
      FROM (SELECT ARRAY(SELECT (c->'arg'->>'varno')::int
                           FROM jsonb_array_elements(CASE WHEN cond->>'_' = 'BOOLEXPR' AND cond->>'boolop' = 'and' THEN cond->'args'
                                                          WHEN cond IS NULL THEN '[]' ELSE jsonb_build_array(cond) END) c
                          WHERE c->>'_' = 'NULLTEST' AND c->>'nulltesttype' = '1' AND c->'arg'->>'_' = 'VAR' AND c->'arg'->>'varlevelsup' = '0'
                            AND q->'rtable'->((c->'arg'->>'varno')::int - 1)->>'rtekind' = '0') AS rtis) p
$$;

-- Join tree node n with its LEFT (RIGHT) joins made inner where one of rtis is on their right (left), nullable, side
CREATE OR REPLACE FUNCTION public.pg_tviews__an_inner_joins(n jsonb, rtis int[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF n->>'_' = 'FROMEXPR' THEN
        RETURN jsonb_set(n, '{fromlist}', coalesce((SELECT jsonb_agg(public.pg_tviews__an_inner_joins(x, rtis) ORDER BY o)
                                                      FROM jsonb_array_elements(n->'fromlist') WITH ORDINALITY f(x, o)), '[]'));
    ELSIF n->>'_' = 'JOINEXPR' THEN
        n := jsonb_set(jsonb_set(n, '{larg}', public.pg_tviews__an_inner_joins(n->'larg', rtis)), '{rarg}', public.pg_tviews__an_inner_joins(n->'rarg', rtis));
        IF n->>'jointype' = '1' AND public.pg_tviews__an_rtis(n->'rarg') && rtis
           OR n->>'jointype' = '3' AND public.pg_tviews__an_rtis(n->'larg') && rtis THEN
            n := jsonb_set(n, '{jointype}', '"0"');
        END IF;
    END IF;
    RETURN n;
END
$fn$;

-- An order-dependent aggregate (jsonb_agg, string_agg, array_agg, ...) with an ORDER BY that leaves ties: the order of
-- tied rows is the order they are read in, which a keyed recompute and a full one need not share (0.3.14 accepted
-- jsonb_agg(c.body ORDER BY c.created_at), and comments written in one transaction share created_at). Accepted when
-- the ORDER BY tells the level's rows apart (pg_tviews__an_untold), or sorts every aggregated value itself and those
-- values are of types whose equal values print the same (tied rows then aggregate to the same result).
DROP FUNCTION IF EXISTS public.pg_tviews__an_ordered_aggs(jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_ordered_aggs(q jsonb, ctes jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    agg jsonb;
    refs text[];
    untold text;
BEGIN
    FOR agg IN
        WITH RECURSIVE w(n) AS (
            SELECT x FROM (VALUES (q->'targetList'), (q->'havingQual')) v(x) WHERE x IS NOT NULL
            UNION ALL
            SELECT c.c FROM w, LATERAL (SELECT e.value FROM jsonb_each(CASE WHEN jsonb_typeof(w.n) = 'object' THEN w.n ELSE '{}' END) e
                                         WHERE e.key <> 'subselect'
                                        UNION ALL SELECT a.value FROM jsonb_array_elements(CASE WHEN jsonb_typeof(w.n) = 'array' THEN w.n ELSE '[]' END) a) c(c)
             WHERE jsonb_typeof(w.n) IN ('object', 'array') AND NOT (jsonb_typeof(w.n) = 'object' AND w.n->>'_' = 'AGGREF'))
        SELECT n FROM w
         WHERE jsonb_typeof(n) = 'object' AND n->>'_' = 'AGGREF' AND n->>'agglevelsup' = '0'
           AND (n ? 'aggorder' OR n ? 'aggdistinct') AND public.pg_tviews__order_dependent_agg((n->>'aggfnoid')::oid)
    LOOP
        refs := public.pg_tviews__an_refs(coalesce(agg->'aggorder', agg->'aggdistinct'));
        -- (also sorted by itself under a deterministic COLLATE, string_agg(x, ',' ORDER BY x COLLATE "C"): values equal under
        -- it are the same bytes; since 0.3.22, refused before)
        CONTINUE WHEN NOT EXISTS (
                SELECT 1 FROM jsonb_array_elements(agg->'args') te
                 WHERE te->>'resjunk' = 'false' AND te->'expr'->>'_' <> 'CONST'
                   AND NOT (coalesce(te->>'ressortgroupref' = ANY(refs), false)
                            AND public.pg_tviews__an_prints_as_equal(te->'expr', (agg->>'inputcollid')::oid))
                   AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(agg->'args') so JOIN pg_collation co ON co.oid = (so->'expr'->>'collOid')::oid
                                    WHERE so->>'ressortgroupref' = ANY(refs) AND so->'expr'->>'_' = 'COLLATEEXPR'
                                      AND regexp_replace((so->'expr'->'arg')::text, '"location": "-?[0-9]+"', '', 'g')
                                          = regexp_replace((te->'expr')::text, '"location": "-?[0-9]+"', '', 'g')
                                      AND co.collisdeterministic AND public.pg_tviews__an_prints_as_equal(te->'expr', co.oid)));
        -- (tied rows only need the same values of the tables the aggregated values read; within a group, its GROUP BY
        -- values are fixed too)
        untold := public.pg_tviews__an_untold(public.pg_tviews__an_present_level(q, agg->'aggfilter'),
                                              (SELECT coalesce(jsonb_agg(te->'expr'), '[]') FROM jsonb_array_elements(agg->'args') te
                                                   WHERE te->>'ressortgroupref' = ANY(refs))
                                                 || (SELECT coalesce(jsonb_agg(te->'expr'), '[]') FROM jsonb_array_elements(q->'targetList') te
                                                      WHERE te->>'ressortgroupref' = ANY(public.pg_tviews__an_refs(q->'groupClause'))),
                                              public.pg_tviews__an_var_rtis(q, (SELECT coalesce(jsonb_agg(te->'expr'), '[]') FROM jsonb_array_elements(agg->'args') te
                                                                                 WHERE te->>'resjunk' = 'false')),
                                              ctes);
        IF untold IS NOT NULL THEN
            RAISE EXCEPTION 'the ORDER BY of % leaves ties, whose order is the order rows are read in: a keyed recompute and a full one could differ',
                (SELECT proname FROM pg_proc WHERE oid = (agg->>'aggfnoid')::oid) USING ERRCODE = '0A000',
                DETAIL = format('It does not order %s by all columns of a unique index without NULLs, nor fixes them by an equality to such a row (a function or VALUES never are).', untold),
                HINT = 'End the aggregate''s ORDER BY with the primary key of every table it reads, e.g. jsonb_agg(c.body ORDER BY c.created_at, c.pk_comment).';
        END IF;
    END LOOP;
END
$fn$;

-- Does window function wf (of window clause wc) read the order among its partition's rows? rank, dense_rank,
-- percent_rank and cume_dist give tied rows one value, and so does an aggregate that is not order-dependent over the
-- whole partition or a RANGE / GROUPS frame; a ROWS frame (FRAMEOPTION_ROWS = 4) cuts between tied rows.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_reads_row_order(wf jsonb, wc jsonb) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.oid = (wf->>'winfnoid')::oid AND p.pronamespace = 'pg_catalog'::regnamespace
                          AND p.proname IN ('rank', 'dense_rank', 'percent_rank', 'cume_dist'))
       AND NOT (wf->>'winagg' = 'true' AND NOT public.pg_tviews__order_dependent_agg((wf->>'winfnoid')::oid)
                AND (jsonb_array_length(coalesce(wc->'orderClause', '[]')) = 0 OR ((wc->>'frameOptions')::int & 4) = 0))
$$;

-- Window functions (0.3.18): accepted in a level that reads tables only (no view, subquery, function or grouping; joins
-- since 0.3.29) when every window is partitioned by a never-NULL column c of one of them, X. A row's window values then
-- depend only on the level's rows whose X row has the same c, which a change enters or leaves with its old and new c:
-- X's paths get twins that first hop into X by c, and every other table's paths twins that reach X's c, hop into X's
-- rows by it, then follow X's path (pg_tviews__an_lineage; acc.windows lists c per occurrence). Functions that read the
-- order among rows need an ORDER BY that tells the level's rows apart (row_number, lag, first_value, ROWS frames,
-- order-dependent aggregates); rank, dense_rank, percent_rank, cume_dist and other aggregates over a RANGE or GROUPS
-- frame give tied rows the same value. A window over the whole set (no PARTITION BY), or partitioned by an expression,
-- is refused.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_window(q jsonb, scope text, ctes jsonb, acc jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    -- (the level's tables: a join's own entry, whose columns are its inputs', does not count)
    rtis constant int[] := ARRAY(SELECT r FROM unnest(public.pg_tviews__an_items(q->'jointree')) r WHERE q->'rtable'->(r - 1)->>'rtekind' <> '2');
    hit record;
    wc jsonb;
    wf jsonb;
    why text;
    untold text;
BEGIN
    IF cardinality(rtis) = 0 OR EXISTS (SELECT 1 FROM unnest(rtis) r
                                          WHERE q->'rtable'->(r - 1)->>'rtekind' <> '0'
                                             OR NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = (q->'rtable'->(r - 1)->>'relid')::oid AND c.relkind IN ('r', 'p'))) THEN
        why := 'Its level reads a view, a subquery or a function: window functions are followed over tables only.';
    ELSIF q->>'hasAggs' = 'true' OR jsonb_array_length(coalesce(q->'groupClause', '[]')) > 0 OR q->>'hasSubLinks' = 'true' THEN
        why := 'Its level groups rows or has subqueries: window functions are followed over one table''s rows only.';
    END IF;
    FOR wc IN SELECT x FROM jsonb_array_elements(coalesce(q->'windowClause', '[]')) x WHERE why IS NULL LOOP
        SELECT (s.v->>'varno')::int AS rti, a.attname::text AS col INTO hit
          FROM jsonb_array_elements(q->'targetList') te
         CROSS JOIN LATERAL (SELECT public.pg_tviews__an_strip(te->'expr') AS v) s
          JOIN pg_attribute a ON a.attrelid = (q->'rtable'->((s.v->>'varno')::int - 1)->>'relid')::oid AND a.attnum = (s.v->>'varattno')::int
         WHERE te->>'ressortgroupref' = ANY(public.pg_tviews__an_refs(wc->'partitionClause'))
           AND s.v->>'_' = 'VAR' AND s.v->>'varlevelsup' = '0' AND (s.v->>'varno')::int = ANY(rtis) AND (s.v->>'varattno')::int > 0
           -- (the rows where it is NULL share a partition too, which no hop by value reaches; so do a nullable side's)
           AND public.pg_tviews__an_never_null(q, s.v)
         ORDER BY (te->>'resno')::int LIMIT 1;
        IF hit.col IS NULL THEN
            why := 'A window is not partitioned by a column of one of its level''s tables that is never NULL (NOT NULL and not on the nullable side of an outer join, or IS NOT NULL in the WHERE clause): each row''s value would depend on rows no change names.';
            EXIT;
        END IF;
        acc := jsonb_set(CASE WHEN acc ? 'windows' THEN acc ELSE acc || '{"windows": {}}' END, ARRAY['windows', scope || ':' || hit.rti],
                         coalesce(acc->'windows'->(scope || ':' || hit.rti), '[]') || to_jsonb(hit.col));
        untold := public.pg_tviews__an_untold(q, (SELECT coalesce(jsonb_agg(te->'expr'), '[]') FROM jsonb_array_elements(q->'targetList') te
                                                   WHERE te->>'ressortgroupref' = ANY(public.pg_tviews__an_refs(wc->'partitionClause')
                                                                                      || public.pg_tviews__an_refs(wc->'orderClause'))),
                                              rtis, ctes);
        CONTINUE WHEN untold IS NULL;
        FOR wf IN SELECT x FROM jsonb_path_query(q->'targetList', 'strict $.** ? (@."_" == "WINDOWFUNC")') x WHERE x->>'winref' = wc->>'winref' LOOP
            CONTINUE WHEN NOT public.pg_tviews__an_reads_row_order(wf, wc);
            why := format('%s reads the order of rows its window''s ORDER BY leaves tied (%s): a keyed recompute and a full one could differ. End the ORDER BY with the primary key.',
                          (SELECT proname FROM pg_proc WHERE oid = (wf->>'winfnoid')::oid), untold);
            EXIT;
        END LOOP;
        EXIT WHEN why IS NOT NULL;
    END LOOP;
    IF why IS NOT NULL THEN
        RAISE EXCEPTION 'window functions make a row depend on other rows: a TVIEW cannot maintain them by key' USING ERRCODE = '0A000',
            DETAIL = why,
            HINT = 'Partition each window by a column of a table its level reads (row_number() OVER (PARTITION BY c.fk_post ORDER BY c.created, c.pk_comment)), or compute the value with a correlated subquery over the rows it depends on.';
    END IF;
    RETURN acc;
END
$fn$;

-- GROUPING SETS, ROLLUP and CUBE (anywhere in the query): each grouping set gives rows of its own, with NULL in the
-- columns it does not group by, and a key built from those columns (coalesce(region, '*') || '/' || ...) is not a key any
-- lineage maps a changed row to. Refused; with options.uncascaded_policy = 'full_refresh' every source is refreshed in
-- full (since 0.3.26; 0.3.25 refused them whatever the policy).
-- Window functions that no key follows (over the whole result, or partitioned by what no change names) and LIMIT/OFFSET
-- in the query's top level make each row depend on every other: refused, unless options.uncascaded_policy =
-- 'full_refresh' recomputes the whole TVIEW when a source changes (since 0.3.28; 0.3.27 refused them whatever the
-- policy). The recompute must then give the rows the query gives: every window function that reads the order of rows,
-- and a LIMIT/OFFSET, need an ORDER BY (with the window's PARTITION BY) that tells the level's rows apart. Noted in acc
-- ("whole"), refused or refreshed by pg_tviews__an_grouping_sets.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_whole(acc jsonb, q jsonb, ctes jsonb, what text, msg text, detail text, hint text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    wc jsonb;
    untold text;
    sort_refs text[];
BEGIN
    IF what = 'LIMIT/OFFSET' THEN
        sort_refs := public.pg_tviews__an_refs(q->'sortClause');
        untold := CASE WHEN cardinality(sort_refs) = 0 THEN 'a query without ORDER BY'
                       WHEN q->>'hasAggs' = 'true' OR coalesce(jsonb_array_length(q->'groupClause'), 0) > 0
                       THEN CASE WHEN NOT public.pg_tviews__an_groups_ordered(q, sort_refs) THEN 'its groups' END
                       ELSE public.pg_tviews__an_untold(q, public.pg_tviews__an_sort_exprs(q), NULL, ctes) END;
    ELSE
        FOR wc IN SELECT x FROM jsonb_array_elements(coalesce(q->'windowClause', '[]')) x
                   WHERE EXISTS (SELECT 1 FROM jsonb_path_query(q->'targetList', 'strict $.** ? (@."_" == "WINDOWFUNC")') wf
                                  WHERE wf->>'winref' = x->>'winref' AND public.pg_tviews__an_reads_row_order(wf, x)) LOOP
            untold := public.pg_tviews__an_untold(q, (SELECT coalesce(jsonb_agg(te->'expr'), '[]') FROM jsonb_array_elements(q->'targetList') te
                                                       WHERE te->>'ressortgroupref' = ANY(public.pg_tviews__an_refs(wc->'partitionClause')
                                                                                          || public.pg_tviews__an_refs(wc->'orderClause'))),
                                                  NULL, ctes);
            EXIT WHEN untold IS NOT NULL;
        END LOOP;
    END IF;
    IF untold IS NOT NULL THEN
        RAISE EXCEPTION '%', msg USING ERRCODE = '0A000',
            DETAIL = format('The order leaves rows of %s tied: even a full recompute would not give the rows the query gives.', untold),
            HINT = 'End the ORDER BY (of the window, or of the query) with the primary key of every table the query reads.';
    END IF;
    RETURN acc || jsonb_build_object('whole', jsonb_build_object('what', what, 'message', msg, 'detail', detail, 'hint', hint));
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__an_grouping_sets(lin jsonb, acc jsonb, policy text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF acc ? 'whole' AND policy IS DISTINCT FROM 'full_refresh' THEN
        RAISE EXCEPTION '%', acc->'whole'->>'message' USING ERRCODE = '0A000', DETAIL = coalesce(acc->'whole'->>'detail', ''),
            HINT = (acc->'whole'->>'hint') || ' Or set options.uncascaded_policy = ''full_refresh'' to recompute the whole TVIEW when a source changes.';
    ELSIF acc ? 'whole' THEN
        RETURN (SELECT jsonb_object_agg(e.k, jsonb_set(jsonb_set(e.x, '{paths}', '[]'), '{unlinked}', (e.x->'unlinked') || jsonb_build_array(acc->'whole'->>'what')))
                  FROM jsonb_each(lin) e(k, x));
    END IF;
    IF acc->>'grouping_sets' IS DISTINCT FROM 'true' THEN
        RETURN lin;
    ELSIF policy IS DISTINCT FROM 'full_refresh' THEN
        RAISE EXCEPTION 'GROUPING SETS, ROLLUP and CUBE are not maintained by key in a TVIEW definition' USING ERRCODE = '0A000',
            DETAIL = 'Each grouping set gives rows of its own, NULL in the columns it does not group by.',
            HINT = 'Write one UNION ALL branch per grouping set, keyed so that the branches'' keys differ (''total'', or an expression per branch), which is maintained by key; or set options.uncascaded_policy = ''full_refresh'' to recompute the whole TVIEW when a source changes.';
    END IF;
    RETURN (SELECT jsonb_object_agg(e.k, jsonb_set(jsonb_set(e.x, '{paths}', '[]'), '{unlinked}', (e.x->'unlinked') || '["grouping sets"]'))
              FROM jsonb_each(lin) e(k, x));
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__an_query(q jsonb, scope text, ctes jsonb, acc jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    te jsonb;
    xn jsonb;
    distinct_refs text[];
    limited boolean := false;
    msg text;
    detail text;
    hint text;
BEGIN
    IF q->>'_' IS DISTINCT FROM 'QUERY' OR q->>'commandType' <> '1' OR q->>'hasModifyingCTE' = 'true' OR q->>'utilityStmt' IS NOT NULL THEN
        RAISE EXCEPTION 'a TVIEW definition must be exactly one SELECT' USING ERRCODE = '42601';
    END IF;
    -- (a WITH query nobody reads is never run, and the tables or views it names would get no lineage; 0.3.27 failed with
    -- XX000. One that reads none changes nothing)
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(q->'cteList', '[]')) c
                WHERE c->>'cterefcount' = '0' AND jsonb_path_exists(c->'ctequery', 'strict $.** ? (@.rtekind == "0")')) THEN
        RAISE EXCEPTION 'WITH query % of the TVIEW query is never read', (SELECT quote_ident(c->>'ctename') FROM jsonb_array_elements(q->'cteList') c
                                                                         WHERE c->>'cterefcount' = '0' AND jsonb_path_exists(c->'ctequery', 'strict $.** ? (@.rtekind == "0")')
                                                                         LIMIT 1)
            USING ERRCODE = '0A000', HINT = 'Remove it from the query: the tables it reads would be watched for nothing.';
    END IF;
    -- range-table entries on the nullable side of an outer join (pg_tviews__an_xnode)
    acc := jsonb_set(CASE WHEN acc ? 'nullable' THEN acc ELSE acc || '{"nullable": {}}' END, ARRAY['nullable', scope],
                     to_jsonb(ARRAY(SELECT r::text FROM unnest(public.pg_tviews__an_nullable_rtis(q)) r)));
    IF q->>'hasWindowFuncs' = 'true' AND scope = '0' AND NOT q ? 'setOperations' THEN
        -- (over the whole result: refreshed in full with uncascaded_policy = 'full_refresh', pg_tviews__an_whole)
        BEGIN
            acc := public.pg_tviews__an_window(q, scope, ctes || jsonb_build_array(coalesce(q->'cteList', '[]')), acc);
        EXCEPTION WHEN feature_not_supported THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
            -- (ties within a partition: no policy makes a recompute give the query's rows)
            IF detail LIKE '%leaves tied%' THEN
                RAISE EXCEPTION '%', msg USING ERRCODE = '0A000', DETAIL = detail, HINT = hint;
            END IF;
            acc := public.pg_tviews__an_whole(acc, q, ctes || jsonb_build_array(coalesce(q->'cteList', '[]')), 'window functions', msg, detail, hint);
        END;
    ELSIF q->>'hasWindowFuncs' = 'true' THEN
        acc := public.pg_tviews__an_window(q, scope, ctes || jsonb_build_array(coalesce(q->'cteList', '[]')), acc);
    END IF;
    IF (q ? 'limitCount' OR q ? 'limitOffset') AND scope = '0' AND NOT q ? 'setOperations' THEN
        IF NOT public.pg_tviews__an_constant_limit(q) THEN
            RAISE EXCEPTION 'LIMIT/OFFSET of a TVIEW query must be constants' USING ERRCODE = '0A000';
        END IF;
        acc := public.pg_tviews__an_whole(acc, q, ctes || jsonb_build_array(coalesce(q->'cteList', '[]')), 'LIMIT/OFFSET',
                   'LIMIT/OFFSET over the whole result make rows depend on the order of other rows: a TVIEW cannot maintain them by key', NULL,
                   'Apply LIMIT/OFFSET when reading the TVIEW. Inside a correlated subquery (the latest comment of each post) they are maintained.');
        limited := true;
    ELSIF q ? 'limitCount' OR q ? 'limitOffset' THEN
        PERFORM public.pg_tviews__an_limited(q, scope, ctes || jsonb_build_array(coalesce(q->'cteList', '[]')));
        limited := true;
    END IF;
    IF q->>'hasForUpdate' = 'true' THEN
        RAISE EXCEPTION 'FOR UPDATE/SHARE is not supported in a TVIEW definition' USING ERRCODE = '0A000';
    END IF;
    -- GROUP BY () over aggregates is one group of all rows: the same as no GROUP BY, which the analysis proves. Other
    -- grouping sets are followed by no key: noted here, refused or refreshed fully by pg_tviews__an_grouping_sets
    IF q ? 'groupingSets' AND (q->>'hasAggs' IS DISTINCT FROM 'true'
                               OR EXISTS (SELECT 1 FROM jsonb_array_elements(q->'groupingSets') g WHERE g->>'kind' <> '0')) THEN
        acc := acc || '{"grouping_sets": true}';
    END IF;
    ctes := ctes || jsonb_build_array(coalesce(q->'cteList', '[]'));
    IF q ? 'setOperations' THEN
        PERFORM public.pg_tviews__an_grouped_prints(q);
        RETURN public.pg_tviews__an_setop(q, q->'setOperations', scope, ctes, acc);
    END IF;
    -- range-table entries the WHERE clause requires present
    -- (and those the level above requires through this one's output columns: pg_tviews__an_forced_inside)
    acc := jsonb_set(CASE WHEN acc ? 'forced' THEN acc ELSE acc || '{"forced": {}}' END, ARRAY['forced', scope],
                     public.pg_tviews__an_required(q->'jointree'->'quals')
                     || coalesce((SELECT jsonb_agg(DISTINCT split_part(x, ':', 1)) FROM jsonb_array_elements_text(acc->'forced_in'->scope) x), '[]'));
    acc := public.pg_tviews__an_from(q, q->'jointree', scope, ctes, acc);
    acc := public.pg_tviews__an_quals(q->'jointree'->'quals', scope, ctes, acc);
    -- a NOT IN (SELECT ...) conjunct of WHERE whose sides are never NULL is an anti-join on its equalities (with a NULL
    -- on either side the test depends on whether the subquery returns a NULL, or any row at all: no key leads there)
    -- (x <> ALL (SELECT y ...) is the same test)
    FOR te IN SELECT CASE WHEN c->>'_' = 'SUBLINK' THEN c ELSE c->'args'->0 END
                FROM jsonb_array_elements(CASE WHEN q->'jointree'->'quals'->>'_' = 'BOOLEXPR' AND q->'jointree'->'quals'->>'boolop' = 'and'
                                               THEN q->'jointree'->'quals'->'args' ELSE jsonb_build_array(q->'jointree'->'quals') END) c
               WHERE c->>'_' = 'BOOLEXPR' AND c->>'boolop' = 'not' AND c->'args'->0->>'_' = 'SUBLINK' AND c->'args'->0->>'subLinkType' = '2'
                  OR c->>'_' = 'SUBLINK' AND c->>'subLinkType' = '1' LOOP
        acc := public.pg_tviews__an_in_links(acc, te, scope, q);
    END LOOP;
    acc := public.pg_tviews__an_valued_in_links(acc, q->'jointree'->'quals', scope, q);
    acc := public.pg_tviews__an_exprs(q->'jointree'->'quals', scope, ctes, acc);
    -- an aggregate without GROUP BY evaluates its SELECT list and HAVING once, also when its WHERE matched no row: a
    -- subquery there is not inside this scope's conditions
    IF q->>'hasAggs' = 'true' AND coalesce(jsonb_array_length(q->'groupClause'), 0) = 0 THEN
        acc := jsonb_set(CASE WHEN acc ? 'detach' THEN acc ELSE acc || '{"detach": {}}' END, ARRAY['detach', scope], 'true');
    END IF;
    acc := public.pg_tviews__an_valued_in_links(acc, q->'havingQual', scope, q);
    acc := public.pg_tviews__an_exprs(q->'havingQual', scope, ctes, acc);
    IF q->>'hasAggs' = 'true' THEN
        PERFORM public.pg_tviews__an_ordered_aggs(q, ctes);
    END IF;
    PERFORM public.pg_tviews__an_grouped_prints(q);
    IF q->>'hasDistinctOn' = 'true' THEN
        PERFORM public.pg_tviews__an_distinct_on(q, ctes);
        distinct_refs := public.pg_tviews__an_refs(q->'distinctClause');
    END IF;
    FOR te IN SELECT x FROM jsonb_array_elements(coalesce(q->'targetList', '[]')) x LOOP
        acc := public.pg_tviews__an_valued_in_links(acc, te->'expr', scope, q);
        acc := public.pg_tviews__an_exprs(te->'expr', scope, ctes, acc);
        -- (a LIMIT/OFFSET level's rows are not all in its output: what it projects says nothing about the rows it cut, so
        -- its occurrences link to the key only through their own correlation with the outer row)
        IF te->>'resjunk' = 'false' AND NOT limited AND (distinct_refs IS NULL OR te->>'ressortgroupref' = ANY(distinct_refs)) THEN
            IF public.pg_tviews__an_full_join_coalesce(q, te->'expr') THEN
                acc := public.pg_tviews__an_merged_column(acc, q, te->'expr', scope || ':0:' || (te->>'resno'), scope);
            ELSIF public.pg_tviews__an_var(te->'expr', scope) IS NOT NULL THEN
                acc := public.pg_tviews__an_edge(acc, scope || ':0:' || (te->>'resno'), public.pg_tviews__an_var(te->'expr', scope));
            ELSE
                -- an expression of one table's columns ((e.ref)::integer AS uid, joined outside): its node, as in an equality
                xn := public.pg_tviews__an_xnode(te->'expr', scope, acc);
                IF xn IS NOT NULL THEN
                    acc := public.pg_tviews__an_edge(public.pg_tviews__an_add_xnode(acc, xn), scope || ':0:' || (te->>'resno'),
                                                     (xn->>'occ') || ':' || (xn->>'col'));
                END IF;
            END IF;
        ELSIF te->>'resjunk' = 'false' AND NOT limited AND public.pg_tviews__an_var(te->'expr', scope) IS NOT NULL THEN
            -- (another column of a DISTINCT ON level: its value is the kept row's, which the other rows of the group
            -- decide, so no change of this level's tables is followed through it. A table outside may still look up by it
            -- the rows that could be kept (every row holding its value: the kept one among them), and from there reach
            -- the key through the DISTINCT ON columns: an edge from the output to the column only, one way. First-row
            -- joins, a customer's first order's product renamed; since 0.3.28, 0.3.27 refused them)
            acc := public.pg_tviews__an_edge(acc, scope || ':0:' || (te->>'resno'), public.pg_tviews__an_var(te->'expr', scope), true);
        END IF;
    END LOOP;
    RETURN acc;
END
$fn$;

-- The analysis graph: equality edges (both directions unless directed) and the base-table column nodes.
-- The edges an occurrence (its nesting tokens: pg_tviews__an_nest, then "scope:rti") may use: see pg_tviews__an_edge.
DROP FUNCTION IF EXISTS public.pg_tviews__an_edges(jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_edges(acc jsonb, toks jsonb) RETURNS TABLE(a text, b text)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH e AS (SELECT x FROM jsonb_array_elements(acc->'edges') x
                WHERE x->4 IS NULL
                  AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(x->3, '[]')) n
                                   WHERE NOT toks ?| ARRAY(SELECT jsonb_array_elements_text(n))))
    SELECT x->>0, x->>1 FROM e
    UNION SELECT x->>1, x->>0 FROM e WHERE NOT (x->>2)::boolean
$$;

-- The membership edges (pg_tviews__an_member_edge) an occurrence with tokens toks may use: column s is an element of arr.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_members(acc jsonb, toks jsonb) RETURNS TABLE(s text, arr text)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT x->>0, x->>1 FROM jsonb_array_elements(acc->'edges') x
     WHERE x->>4 = 'member'
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(x->3, '[]')) n
                        WHERE NOT toks ?| ARRAY(SELECT jsonb_array_elements_text(n)))
$$;

-- (each occurrence's columns read through pg_attribute's index: joined, the planner hashed the whole of pg_attribute at
-- every call, 1.5 ms in a fresh database and more with every table the database holds)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_base(acc jsonb) RETURNS TABLE(node text, occ text, col text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (o->>'scope') || ':' || (o->>'rti') || ':' || a.attnum, (o->>'scope') || ':' || (o->>'rti'), a.attname::text
      FROM jsonb_array_elements(acc->'occs') o
     CROSS JOIN LATERAL (SELECT a.attnum, a.attname FROM pg_attribute a
                          WHERE a.attrelid = (o->>'relid')::oid AND a.attnum > 0 AND NOT a.attisdropped OFFSET 0) a
    UNION ALL
    SELECT (x.v->>'occ') || ':' || x.col, x.v->>'occ', x.col
      FROM jsonb_each(coalesce(acc->'xnodes', '{}')) x(col, v)
     WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(acc->'occs') o WHERE (o->>'scope') || ':' || (o->>'rti') = x.v->>'occ')
$$;

-- Per source table: how each of its occurrences maps changed rows to TVIEW keys.
--   path = {"key": col} when a column of the occurrence equals the key, or
--          {"hops": [{"from": col, "schema", "table", "to": col}, ...], "key": col of the last hop's table};
--   with a key that is an expression of one occurrence's columns (kx: pg_tviews__an_key_expr), a path to that occurrence
--   or to a hop into its table has "key_expr" (the expression over "key_alias") and "key_cols" (the columns it reads).
-- Occurrences with no proven path are listed in "unlinked" (pg_tviews__an_lineage, below).
DROP FUNCTION IF EXISTS public.pg_tviews__an_lineage(jsonb, int);

-- The path of one occurrence over the edges of acc (NULL: none within six hops).
-- (kx: one key expression, or a set operation's list, one per branch)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_path(acc jsonb, occ jsonb, key_node text, kx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    -- (the search for membership hops costs as much as the one for equalities: only when there are memberships)
    has_members constant boolean := jsonb_path_exists(acc, 'strict $.edges[*] ? (@.size() > 4 && @[4] == "member")');
    k jsonb;
    path jsonb;
    frontier jsonb;
    nxt jsonb;
    f jsonb;
    visited text[];
    depth int;
    hit record;
    toks jsonb;
    me text;
BEGIN
    me := (occ->>'scope') || ':' || (occ->>'rti');
    -- (assume: occurrences taken as present, pg_tviews__an_via)
    toks := coalesce(acc->'anc'->(occ->>'scope'), '[]') || to_jsonb(me) || coalesce(acc->'assume', '[]');
    -- an occurrence whose column equals another's (by an edge it may use) implies that one's presence in every row
    -- it makes: the other's tokens become its own, which may make more edges usable
    LOOP
        nxt := (SELECT coalesce(jsonb_agg(DISTINCT t), '[]') FROM (
                    WITH RECURSIVE fw(node) AS (
                        SELECT b.node FROM public.pg_tviews__an_base(acc) b WHERE b.occ = me
                        UNION SELECT e.b FROM fw JOIN public.pg_tviews__an_edges(acc, toks) e ON e.a = fw.node
                    )
                    SELECT jsonb_array_elements_text(coalesce(acc->'anc'->regexp_replace(b.occ, ':[0-9]+$', ''), '[]')) AS t
                      FROM fw JOIN public.pg_tviews__an_base(acc) b ON b.node = fw.node
                    UNION SELECT b.occ FROM fw JOIN public.pg_tviews__an_base(acc) b ON b.node = fw.node
                    -- (an outer join whose nullable side it implies matched: its ON's required tables)
                    UNION SELECT jsonb_array_elements_text(r->'req') FROM jsonb_array_elements(coalesce(acc->'implied', '[]')) r
                     WHERE CASE r->>'mode'
                               WHEN 'r' THEN toks ?| ARRAY(SELECT jsonb_array_elements_text(r->'b'))
                               WHEN 'l' THEN toks ?| ARRAY(SELECT jsonb_array_elements_text(r->'a'))
                               ELSE ((r->>'af')::boolean OR toks ?| ARRAY(SELECT jsonb_array_elements_text(r->'a')))
                                AND ((r->>'bf')::boolean OR toks ?| ARRAY(SELECT jsonb_array_elements_text(r->'b'))) END) x
                 WHERE NOT toks ? t);
        EXIT WHEN jsonb_array_length(nxt) = 0;
        toks := toks || nxt;
    END LOOP;
    frontier := jsonb_build_array(jsonb_build_object('occ', me, 'hops', '[]'::jsonb));
    visited := ARRAY[me];
    depth := 0;
    WHILE path IS NULL AND jsonb_array_length(frontier) > 0 AND depth <= 6 LOOP
        -- does an occurrence of the frontier hold a column equal to the key?
        FOR f IN SELECT x FROM jsonb_array_elements(frontier) x LOOP
            SELECT x INTO k FROM jsonb_array_elements(CASE jsonb_typeof(kx) WHEN 'array' THEN kx WHEN 'object' THEN jsonb_build_array(kx) ELSE '[]' END) x
             WHERE x->>'occ' = f->>'occ'
                OR right(x->>'occ', 2) = ':*' AND (starts_with(f->>'occ', left(x->>'occ', -1)) OR starts_with(f->>'occ', left(x->>'occ', -2) || '/'))
             LIMIT 1;
            IF k IS NOT NULL THEN
                path := jsonb_build_object('hops', f->'hops', 'key', NULL, 'key_expr', k->'expr', 'key_alias', k->'alias', 'key_cols', k->'cols')
                        || CASE WHEN k ? 'srf' THEN '{"key_srf": true}' ELSE '{}' END::jsonb
                        || CASE WHEN k ? 'from' THEN jsonb_build_object('key_from', k->'from') ELSE '{}' END::jsonb;
                EXIT;
            END IF;
            WITH RECURSIVE r(node) AS (
                SELECT key_node UNION SELECT e.a FROM r JOIN public.pg_tviews__an_edges(acc, toks) e ON e.b = r.node
            )
            SELECT b.col INTO hit FROM r JOIN public.pg_tviews__an_base(acc) b ON b.node = r.node WHERE b.occ = f->>'occ'
             ORDER BY b.col LIKE '#expr#%', b.node LIMIT 1;
            IF FOUND THEN
                path := jsonb_build_object('hops', f->'hops', 'key', hit.col);
                EXIT;
            END IF;
        END LOOP;
        EXIT WHEN path IS NOT NULL;
        nxt := '[]';
        FOR f IN SELECT x FROM jsonb_array_elements(frontier) x LOOP
            FOR hit IN
                WITH RECURSIVE fw(start, node) AS (
                    SELECT b.node, b.node FROM public.pg_tviews__an_base(acc) b WHERE b.occ = f->>'occ'
                    UNION SELECT fw.start, e.b FROM fw JOIN public.pg_tviews__an_edges(acc, toks) e ON e.a = fw.node
                )
                SELECT DISTINCT ON (t.occ) s.col AS from_col, t.occ, t.col AS to_col, o->>'schema' AS sch, o->>'table' AS tbl
                  FROM fw JOIN public.pg_tviews__an_base(acc) s ON s.node = fw.start
                  JOIN public.pg_tviews__an_base(acc) t ON t.node = fw.node AND t.occ <> f->>'occ'
                  JOIN jsonb_array_elements(acc->'occs') o ON (o->>'scope') || ':' || (o->>'rti') = t.occ
                 WHERE NOT t.occ = ANY(visited)
                 ORDER BY t.occ, s.col LIKE '#expr#%' OR t.col LIKE '#expr#%', s.node, t.node
            LOOP
                visited := visited || hit.occ;
                nxt := nxt || jsonb_build_array(jsonb_build_object('occ', hit.occ, 'hops', (f->'hops') || jsonb_build_array(
                           jsonb_build_object('from', hit.from_col, 'schema', hit.sch, 'table', hit.tbl, 'to', hit.to_col))));
            END LOOP;
        END LOOP;
        -- then hops across one membership edge, with equalities on either side (0.3.14): "arr" says which end is the
        -- array, 'to' (rows of the next table whose array holds the value) or 'from' (the elements of this one's array)
        FOR f IN SELECT x FROM jsonb_array_elements(frontier) x WHERE has_members LOOP
            FOR hit IN
                WITH RECURSIVE fw(start, node) AS (
                    SELECT b.node, b.node FROM public.pg_tviews__an_base(acc) b WHERE b.occ = f->>'occ'
                    UNION SELECT fw.start, e.b FROM fw JOIN public.pg_tviews__an_edges(acc, toks) e ON e.a = fw.node
                ), bw(start, node, arr) AS (
                    SELECT fw.start, m.arr, 'to' FROM fw JOIN public.pg_tviews__an_members(acc, toks) m ON m.s = fw.node
                    UNION SELECT fw.start, m.s, 'from' FROM fw JOIN public.pg_tviews__an_members(acc, toks) m ON m.arr = fw.node
                    UNION SELECT bw.start, e.b, bw.arr FROM bw JOIN public.pg_tviews__an_edges(acc, toks) e ON e.a = bw.node
                )
                SELECT DISTINCT ON (t.occ) s.col AS from_col, t.occ, t.col AS to_col, o->>'schema' AS sch, o->>'table' AS tbl, bw.arr
                  FROM bw JOIN public.pg_tviews__an_base(acc) s ON s.node = bw.start
                  JOIN public.pg_tviews__an_base(acc) t ON t.node = bw.node AND t.occ <> f->>'occ'
                  JOIN jsonb_array_elements(acc->'occs') o ON (o->>'scope') || ':' || (o->>'rti') = t.occ
                 WHERE NOT t.occ = ANY(visited)
                 ORDER BY t.occ, s.col LIKE '#expr#%' OR t.col LIKE '#expr#%', s.node, t.node, bw.arr
            LOOP
                visited := visited || hit.occ;
                nxt := nxt || jsonb_build_array(jsonb_build_object('occ', hit.occ, 'hops', (f->'hops') || jsonb_build_array(
                           jsonb_build_object('from', hit.from_col, 'schema', hit.sch, 'table', hit.tbl, 'to', hit.to_col, 'arr', hit.arr))));
            END LOOP;
        END LOOP;
        frontier := nxt;
        depth := depth + 1;
    END LOOP;
    RETURN path;
END
$fn$;

-- An occurrence linked to the key only through an OR of conditions (m.fk_sender = u.pk_user OR m.fk_recipient = u.pk_user):
-- every row it contributes satisfies one of the disjuncts, whose equalities then hold, so the keys its changes affect
-- are among those of the paths found with each disjunct's equalities in turn. Linked only when every disjunct of one
-- OR gives a path (a disjunct without one, "OR m.public", reaches rows of every key); then all those paths are its.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_or_paths(acc jsonb, occ jsonb, key_node text, kx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    grp jsonb;
    disjunct jsonb;
    path jsonb;
    paths jsonb;
BEGIN
    FOR grp IN SELECT x FROM jsonb_array_elements(coalesce(acc->'ors', '[]')) x LOOP
        paths := '[]';
        FOR disjunct IN SELECT x FROM jsonb_array_elements(grp) x LOOP
            path := public.pg_tviews__an_path(jsonb_set(acc, '{edges}', (acc->'edges') || disjunct), occ, key_node, kx);
            IF path IS NULL THEN
                paths := NULL;
                EXIT;
            END IF;
            paths := paths || jsonb_build_array(path);
        END LOOP;
        IF paths IS NOT NULL THEN
            RETURN paths;
        END IF;
    END LOOP;
    RETURN NULL;
END
$fn$;

-- The hop from column col of the rows at hand into a chain walk's anchor table (pg_tviews__an_chain_closure): the anchor
-- rows whose column ya holds their values start the chains those values are in.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_anchor_hop(cl jsonb, col jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('from', col, 'schema', cl->'anchor_schema', 'table', cl->'anchor_table', 'to', cl->'anchor_to')
$$;

-- A chain walk's hops from rows of its table T: the closure hop from their x, then the hop into the anchor's table. With
-- col (a column of the rows at hand) and to (a column of T), a hop into T's rows whose column to equals col comes first.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_closure_hops(cl jsonb, col jsonb DEFAULT NULL, "to" jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN col IS NULL THEN '[]'::jsonb
                ELSE jsonb_build_array(jsonb_build_object('from', col, 'schema', cl->'schema', 'table', cl->'table', 'to', "to")) END
        || jsonb_build_array(jsonb_build_object('from', cl->'from', 'schema', cl->'schema', 'table', cl->'table', 'to', cl->'to', 'closure', true),
                             public.pg_tviews__an_anchor_hop(cl, cl->'from'))
$$;

-- The path of a chain walk's anchor occurrence to the key.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_anchor_path(acc jsonb, cl jsonb, key_node text, kx jsonb) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT public.pg_tviews__an_path(acc, (SELECT o FROM jsonb_array_elements(acc->'occs') o WHERE (o->>'scope') || ':' || (o->>'rti') = cl->>'anchor_occ'),
                                     key_node, kx)
$$;

-- A tree listed from its roots (since 0.3.30, refused before): WITH RECURSIVE t AS (SELECT c.pk, … FROM T c WHERE
-- c.fk_parent IS NULL UNION ALL SELECT c.pk, t.path || … FROM T c JOIN t ON c.fk_parent = t.pk) SELECT t.pk, … FROM t.
-- Each row of the CTE is one node (its column j: the anchor's ya in round 0, T's y after), and its values derive from
-- the chain of rows from its root down to it: a changed row of T (or of the anchor's table: anchor) reaches its own node
-- and every node below it: T's rows whose x holds its value, theirs, and so on (the closure hop in the walk's own
-- direction, y to x; from the anchor's table, its row's children first, x = ya). Those nodes are the keys when the key
-- is the reference's column j (cl->'out'); otherwise the keys of the rows of a table equated with that column that
-- holds the key itself (JOIN tb_item i ON i.fk_category = t.pk, keyed i.pk_item). NULL when the key is neither, or the
-- recursive term joins other tables.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_subtree_paths(acc jsonb, cl jsonb, key_node text, kx jsonb, anchor boolean) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    start_col jsonb := CASE WHEN anchor THEN cl->'anchor_to' ELSE cl->'to' END;
    below jsonb := CASE WHEN anchor THEN jsonb_build_array(public.pg_tviews__an_hop_into(cl, cl->'anchor_to', cl->'from')) ELSE '[]' END
                   || jsonb_build_array(public.pg_tviews__an_hop_into(cl, cl->'to', cl->'from') || '{"closure": true}');
    o jsonb;
    to_out jsonb;
    op jsonb;
BEGIN
    IF NOT cl ? 'out' THEN
        RETURN NULL;
    END IF;
    IF kx IS NULL AND EXISTS (WITH RECURSIVE r(node) AS (
                                  SELECT key_node UNION SELECT e.a FROM r JOIN public.pg_tviews__an_edges(acc, '[]') e ON e.b = r.node
                              )
                              SELECT 1 FROM r WHERE r.node = cl->>'out') THEN
        RETURN jsonb_build_array(jsonb_build_object('hops', '[]'::jsonb, 'key', start_col),
                                 jsonb_build_object('hops', below || jsonb_build_array(public.pg_tviews__an_hop_into(cl, cl->'to', cl->'to')), 'key', cl->'to'));
    END IF;
    FOR o IN SELECT x FROM jsonb_array_elements(acc->'occs') x ORDER BY x->>'scope', (x->>'rti')::int LOOP
        CONTINUE WHEN (o->>'scope') || ':' || (o->>'rti') IN (cl->>'occ', cl->>'anchor_occ');
        to_out := public.pg_tviews__an_path(acc, o, cl->>'out', NULL);
        CONTINUE WHEN to_out->>'key' IS NULL OR jsonb_array_length(to_out->'hops') > 0;
        op := public.pg_tviews__an_path(acc, o, key_node, kx);
        -- (a table that holds the key itself: every row of the TVIEW has one of its rows, where a table reaching the key
        -- through others may be null-extended in some: LEFT JOIN tb_item i ... JOIN tb_x x, keyed by x, reached through i,
        -- missed the nodes without items in this release's first cut)
        CONTINUE WHEN op IS NULL OR jsonb_array_length(op->'hops') > 0;
        RETURN jsonb_build_array(jsonb_set(op, '{hops}', jsonb_build_array(public.pg_tviews__an_hop_into(o, start_col, to_out->'key'))),
                                 jsonb_set(op, '{hops}', below || jsonb_build_array(public.pg_tviews__an_hop_into(o, cl->'to', to_out->'key'))));
    END LOOP;
    RETURN NULL;
END
$fn$;

-- A hop into the rows of rel (an object with its schema and table) whose column "to" holds the values of "from"
CREATE OR REPLACE FUNCTION public.pg_tviews__an_hop_into(rel jsonb, "from" jsonb, "to" jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('from', "from", 'schema', rel->'schema', 'table', rel->'table', 'to', "to")
$$;

-- Paths through a chain walk's output (0.3.17): an occurrence equated with column j of a recursive CTE that walks a chain
-- (items of a subtree: WITH RECURSIVE dn(id) AS (SELECT c2.pk ... UNION ALL SELECT k.pk FROM dn JOIN T k ON k.fk_parent =
-- dn.id) ... WHERE i.fk_cat = dn.id). A value v of column j is the anchor's ya (round 0) or the y of a row k of T (a later
-- round), and k's chains are the ones the chain's own path finds from k. So the occurrence's rows reach the key by two
-- paths: into the anchor's table (ya = v), then the anchor's path; into T (y = v), then the closure hop from k's x, the
-- hop into the anchor's table and the anchor's path. NULL when no such CTE column is equated with the occurrence.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_closure_paths(acc jsonb, occ jsonb, key_node text, kx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    cl jsonb;
    to_out jsonb;
    anchor jsonb;
BEGIN
    FOR cl IN SELECT x FROM jsonb_each(coalesce(acc->'closures', '{}')) e(k, x) WHERE x ? 'out' ORDER BY k LOOP
        to_out := public.pg_tviews__an_path(acc, occ, cl->>'out', NULL);
        CONTINUE WHEN to_out->>'key' IS NULL;
        anchor := public.pg_tviews__an_anchor_path(acc, cl, key_node, kx);
        CONTINUE WHEN anchor IS NULL;
        RETURN jsonb_build_array(
            jsonb_set(anchor, '{hops}', (to_out->'hops') || jsonb_build_array(public.pg_tviews__an_anchor_hop(cl, to_out->'key')) || (anchor->'hops')),
            jsonb_set(anchor, '{hops}', (to_out->'hops') || public.pg_tviews__an_closure_hops(cl, to_out->'key', cl->'to') || (anchor->'hops')));
    END LOOP;
    RETURN NULL;
END
$fn$;

-- The paths of occurrence occ with, for each window partitioned by column c of another table X of its level
-- (pg_tviews__an_window), a twin: occ's way to X's c, the hop into X's rows holding its values, then X's own path. NULL
-- when one cannot be made (occ's changes would move rows between partitions that no walk finds).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_window_twins(acc jsonb, occ jsonb, key_node text, kx jsonb, paths jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    w record;
    x jsonb;
    to_c jsonb;
    x_path jsonb;
BEGIN
    FOR w IN SELECT e.k, c.col FROM jsonb_each(coalesce(acc->'windows', '{}')) e(k, v) CROSS JOIN LATERAL jsonb_array_elements_text(e.v) c(col)
              WHERE e.k = (occ->>'scope') || ':' || split_part(e.k, ':', -1) AND split_part(e.k, ':', -1) <> occ->>'rti' ORDER BY e.k, c.col LOOP
        x := (SELECT o FROM jsonb_array_elements(acc->'occs') o WHERE (o->>'scope') || ':' || (o->>'rti') = w.k);
        to_c := public.pg_tviews__an_path(acc, occ, w.k || ':' || (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = (x->>'relid')::oid AND a.attname = w.col), NULL);
        x_path := public.pg_tviews__an_path(acc, x, key_node, kx);
        IF to_c->>'key' IS NULL OR to_c->>'key' LIKE '#expr#%' OR x_path IS NULL THEN
            RETURN NULL;
        END IF;
        paths := paths || jsonb_build_array(jsonb_set(x_path, '{hops}', (to_c->'hops')
                     || jsonb_build_array(jsonb_build_object('from', to_c->>'key', 'schema', x->>'schema', 'table', x->>'table', 'to', w.col))
                     || (x_path->'hops')));
    END LOOP;
    RETURN paths;
END
$fn$;

-- The paths of a table D that decorates the rows of a chain walk's or a tree's table T in its recursive term (dec: {cl:
-- the closure, d: {occ, col: D's column, via: T's column it equals}}): a hop into T's rows by that equality, then T's
-- path (0.3.17), or, for a tree listed from its roots, their subtrees' paths (since 0.3.33)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_decor_paths(acc jsonb, deco jsonb, key_node text, kx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    path jsonb := public.pg_tviews__an_anchor_path(acc, deco->'cl', key_node, kx);
BEGIN
    IF path IS NOT NULL THEN
        RETURN jsonb_build_array(jsonb_set(path, '{hops}', public.pg_tviews__an_closure_hops(deco->'cl', deco->'d'->'col', deco->'d'->'via') || (path->'hops')));
    END IF;
    RETURN public.pg_tviews__an_after_hop(public.pg_tviews__an_hop_into(deco->'cl', deco->'d'->'col', deco->'d'->'via'),
                                          public.pg_tviews__an_subtree_paths(acc, deco->'cl', key_node, kx, false));
END
$fn$;

-- Paths (NULL: none) each preceded by hop h
CREATE OR REPLACE FUNCTION public.pg_tviews__an_after_hop(h jsonb, paths jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_agg(jsonb_set(x, '{hops}', jsonb_build_array(h) || (x->'hops')) ORDER BY o) FROM jsonb_array_elements(paths) WITH ORDINALITY s(x, o)
$$;

-- An occurrence of a table D equated with a column of the anchor's row of a tree listed from its roots, by equalities
-- that hold in every row D is in: joined in the anchor (FROM tb_cat c LEFT JOIN tb_label l ON l.fk = c.pk WHERE
-- c.fk_parent IS NULL), or read through a column the recursive term carries from it (l.fk = t.root). Its rows decorate
-- the anchor's rows holding their values, and through them every node of their trees: a hop into those rows, then the
-- anchor's subtree paths (pg_tviews__an_subtree_paths). NULL when no such equality reaches D (since 0.3.34, refused before).
CREATE OR REPLACE FUNCTION public.pg_tviews__an_anchor_decor_paths(acc jsonb, occ jsonb, key_node text, kx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    cl jsonb;
    col record;
    to_c jsonb;
    below jsonb;
BEGIN
    FOR cl IN SELECT c.x FROM jsonb_each(coalesce(acc->'closures', '{}')) c(k, x) WHERE c.x ? 'out' ORDER BY c.k LOOP
        below := public.pg_tviews__an_subtree_paths(acc, cl, key_node, kx, true);
        CONTINUE WHEN below IS NULL;
        FOR col IN SELECT a.attnum, a.attname::text AS attname FROM pg_attribute a
                    WHERE a.attrelid = to_regclass(format('%I.%I', cl->>'anchor_schema', cl->>'anchor_table')) AND a.attnum > 0 AND NOT a.attisdropped
                    ORDER BY a.attnum LOOP
            to_c := public.pg_tviews__an_path(acc, occ, (cl->>'anchor_occ') || ':' || col.attnum, NULL);
            CONTINUE WHEN to_c->>'key' IS NULL OR to_c->>'key' LIKE '#expr#%' OR jsonb_array_length(coalesce(to_c->'hops', '[]')) > 0;
            RETURN public.pg_tviews__an_after_hop(public.pg_tviews__an_hop_into(jsonb_build_object('schema', cl->'anchor_schema', 'table', cl->'anchor_table'),
                                                                                 to_c->'key', to_jsonb(col.attname)), below);
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__an_lineage(acc jsonb, key_attno int, kx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    key_node text := '0:0:' || key_attno;
    occ jsonb;
    result jsonb := '{}';
    srckey text;
    path jsonb;
    paths jsonb;
    cl jsonb;
    dec jsonb;
BEGIN
    FOR occ IN SELECT o FROM jsonb_array_elements(acc->'occs') o LOOP
        srckey := (occ->>'schema') || '.' || (occ->>'table');
        IF NOT result ? srckey THEN
            result := result || jsonb_build_object(srckey, jsonb_build_object('schema', occ->>'schema', 'table', occ->>'table',
                          'relid', occ->>'relid', 'relkind', occ->>'relkind', 'paths', '[]'::jsonb, 'unlinked', '[]'::jsonb));
        END IF;
        cl := acc->'closures'->((occ->>'scope') || ':' || (occ->>'rti'));
        dec := (SELECT jsonb_build_object('cl', c.x, 'd', d) FROM jsonb_each(coalesce(acc->'closures', '{}')) c(k, x),
                       jsonb_array_elements(coalesce(c.x->'decor', '[]')) d
                 WHERE d->>'occ' = (occ->>'scope') || ':' || (occ->>'rti') LIMIT 1);
        IF dec IS NOT NULL THEN
            -- a table joined to T's row in the recursive term (0.3.17): a hop into T by that equality, then T's path
            paths := public.pg_tviews__an_decor_paths(acc, dec, key_node, kx);
        ELSIF cl IS NOT NULL THEN
            -- the recursive table of a chain walk (pg_tviews__an_chain_closure): the closure hop, the hop into the
            -- anchor's table, then the anchor occurrence's own path
            path := public.pg_tviews__an_anchor_path(acc, cl, key_node, kx);
            paths := CASE WHEN path IS NOT NULL THEN jsonb_build_array(jsonb_set(path, '{hops}', public.pg_tviews__an_closure_hops(cl) || (path->'hops')))
                          ELSE public.pg_tviews__an_subtree_paths(acc, cl, key_node, kx, false) END;
        ELSE
            path := public.pg_tviews__an_path(acc, occ, key_node, kx);
            paths := CASE WHEN path IS NOT NULL THEN jsonb_build_array(path)
                          ELSE coalesce(public.pg_tviews__an_or_paths(acc, occ, key_node, kx), public.pg_tviews__an_closure_paths(acc, occ, key_node, kx)) END;
            -- (the anchor's table of a tree keyed by its walk's column)
            IF paths IS NULL THEN
                paths := (SELECT public.pg_tviews__an_subtree_paths(acc, c.x, key_node, kx, true) FROM jsonb_each(coalesce(acc->'closures', '{}')) c(k, x)
                           WHERE c.x->>'anchor_occ' = (occ->>'scope') || ':' || (occ->>'rti') ORDER BY c.k LIMIT 1);
            END IF;
            -- (a table equated with a column of that anchor's row: since 0.3.34, refused before)
            IF paths IS NULL THEN
                paths := public.pg_tviews__an_anchor_decor_paths(acc, occ, key_node, kx);
            END IF;
        END IF;
        IF paths IS NOT NULL AND acc->'windows' ? ((occ->>'scope') || ':' || (occ->>'rti')) THEN
            -- (the rows of the window partitions a changed row leaves and enters: pg_tviews__an_window)
            paths := paths || (SELECT jsonb_agg(jsonb_set(p, '{hops}', jsonb_build_array(jsonb_build_object('from', c, 'schema', occ->>'schema',
                                                                                                             'table', occ->>'table', 'to', c)) || (p->'hops')))
                                 FROM jsonb_array_elements(paths) p, jsonb_array_elements_text(acc->'windows'->((occ->>'scope') || ':' || (occ->>'rti'))) c);
        END IF;
        IF paths IS NOT NULL THEN
            -- (a table joined in a window's level: the partitions of the rows its changes reach, pg_tviews__an_window)
            paths := public.pg_tviews__an_window_twins(acc, occ, key_node, kx, paths);
        END IF;
        IF paths IS NULL THEN
            result := jsonb_set(result, ARRAY[srckey, 'unlinked'], (result->srckey->'unlinked') || to_jsonb(occ->>'scope'));
        END IF;
        FOR path IN SELECT x FROM jsonb_array_elements(coalesce(paths, '[]')) x LOOP
            -- (not jsonb @>: containment ignores order and repeats, and [] is contained in every array, so a direct
            -- path would pass for a part of a hop path, and a two-hop self-join path for its one-hop prefix)
            IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(result->srckey->'paths') known WHERE known = path) THEN
                result := jsonb_set(result, ARRAY[srckey, 'paths'], (result->srckey->'paths') || jsonb_build_array(path));
            END IF;
        END LOOP;
    END LOOP;
    RETURN result;
END
$fn$;

-- A type name that resolves with search_path = pg_catalog (generated code pins it).
CREATE OR REPLACE FUNCTION public.pg_tviews__type_name(t oid, typmod int) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT format_type(t, typmod) $$;

-- Refuses a query text that is not exactly one statement (a ';' outside strings, quoted identifiers,
-- dollar quotes and comments), before anything runs it. Returns it without trailing ';' and blanks.
DROP FUNCTION IF EXISTS public.pg_tviews__one_statement(text);
-- (escapes: standard_conforming_strings = off, where a backslash escapes a quote in '...' too)
CREATE OR REPLACE FUNCTION public.pg_tviews__one_statement(q text, escapes boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    i int := 1;
    n int;
    c text;
    tag text;
    depth int;
    body text;
    tail text;
BEGIN
    IF q IS NULL OR btrim(q) = '' THEN
        RAISE EXCEPTION 'the TVIEW query is empty' USING ERRCODE = '42601';
    END IF;
    n := length(q);
    WHILE i <= n LOOP
        c := substr(q, i, 1);
        IF c = '''' THEN                                   -- '...' ('' is two strings; E'...' also has \')
            IF escapes OR i > 1 AND upper(substr(q, i - 1, 1)) = 'E' AND (i = 2 OR substr(q, i - 2, 1) !~ '[[:alnum:]_]') THEN
                i := i + 1;
                WHILE i <= n AND substr(q, i, 1) <> '''' LOOP
                    IF substr(q, i, 1) = E'\\' THEN i := i + 1; END IF;
                    i := i + 1;
                END LOOP;
            ELSE
                i := CASE WHEN position('''' IN substr(q, i + 1)) = 0 THEN n ELSE i + position('''' IN substr(q, i + 1)) END;
            END IF;
        ELSIF c = '"' THEN
            i := CASE WHEN position('"' IN substr(q, i + 1)) = 0 THEN n ELSE i + position('"' IN substr(q, i + 1)) END;
        ELSIF c = '-' AND substr(q, i + 1, 1) = '-' THEN
            i := coalesce(nullif(position(E'\n' IN substr(q, i)), 0) + i - 1, n);
        ELSIF c = '/' AND substr(q, i + 1, 1) = '*' THEN
            depth := 1; i := i + 2;
            WHILE i <= n AND depth > 0 LOOP
                IF substr(q, i, 2) = '/*' THEN depth := depth + 1; i := i + 2;
                ELSIF substr(q, i, 2) = '*/' THEN depth := depth - 1; i := i + 2;
                ELSE i := i + 1; END IF;
            END LOOP;
            CONTINUE;
        -- ('$' after an identifier character, '$' and non-ASCII letters included, continues the identifier: k$$$)
        ELSIF c = '$' AND (i = 1 OR (substr(q, i - 1, 1) !~ '[A-Za-z0-9_$]' AND ascii(substr(q, i - 1, 1)) < 128)) THEN
            tag := substring(substr(q, i) FROM E'^\\$([A-Za-z_][A-Za-z_0-9]*)?\\$');
            IF tag IS NOT NULL OR substr(q, i, 2) = '$$' THEN
                tag := '$' || coalesce(tag, '') || '$';
                body := substr(q, i + length(tag));
                IF position(tag IN body) = 0 THEN
                    RAISE EXCEPTION 'unterminated dollar-quoted string in the TVIEW query' USING ERRCODE = '42601';
                END IF;
                i := i + length(tag) + position(tag IN body) + length(tag) - 1;
                CONTINUE;
            END IF;
        ELSIF c = ';' THEN
            tail := substr(q, i);
            IF tail ~ '^[;[:space:]]*$' THEN
                RETURN rtrim(substr(q, 1, i - 1));
            END IF;
            RAISE EXCEPTION 'a TVIEW definition must be exactly one SELECT; found another statement after ";"'
                USING ERRCODE = '42601', DETAIL = format('Text after the first statement: %s', left(btrim(substr(q, i + 1)), 80));
        END IF;
        i := i + 1;
    END LOOP;
    RETURN rtrim(q);
END
$fn$;


-- The functions of an analysed query tree (or policy expression) whose result can change without any write to a
-- table: volatile ones, and every STABLE function of pg_catalog except those whose result depends on their arguments
-- and the settings pg_tviews__setting_names lists only (which a TVIEW's functions pin). The others read the clock
-- (now(), age(x)), the transaction (txid_current()), the session (current_setting(), pg_backend_pid(),
-- pg_trigger_depth()), the catalog (has_table_privilege(), pg_get_viewdef(), format_type(), to_regclass(), text to
-- regclass) or the server (version(), pg_relation_filenode(), pg_stat_get_*). An allowlist, so that a function
-- nobody thought of is refused rather than maintained wrong (0.3.14 refused a list of ten and accepted age(x) and
-- txid_current()). NULL when there are none.
CREATE OR REPLACE FUNCTION public.pg_tviews__unstable_functions(q jsonb) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(DISTINCT p.oid::regprocedure::text, ', ')
      FROM (SELECT jsonb_path_query(q, 'strict $.**.funcid') f UNION ALL SELECT jsonb_path_query(q, 'strict $.**.opfuncid')
            UNION ALL SELECT jsonb_path_query(q, 'strict $.**.aggfnoid')) x
      JOIN pg_proc p ON p.oid = (x.f #>> '{}')::oid
     WHERE p.provolatile = 'v'
        OR (p.provolatile = 's' AND p.pronamespace = 'pg_catalog'::regnamespace
            AND NOT (p.proname IN ('anytextcat', 'textanycat', 'array_to_json', 'array_to_string', 'concat', 'concat_ws',
                                   'convert', 'convert_from', 'convert_to', 'date', 'date_part', 'date_trunc', 'extract',
                                   'format', 'generate_series', 'in_range', 'interval_pl_timestamptz', 'length', 'make_timestamptz',
                                   'money', 'numeric', 'overlaps', 'quote_literal', 'quote_nullable', 'row_to_json', 'time',
                                   'timestamp', 'timestamptz', 'to_char', 'to_date', 'to_json', 'to_jsonb',
                                   'to_number', 'to_timestamp', 'to_tsquery', 'to_tsvector', 'phraseto_tsquery', 'plainto_tsquery',
                                   'websearch_to_tsquery', 'ts_headline', 'ts_match_tq', 'ts_match_tt', 'json_to_tsvector',
                                   'jsonb_to_tsvector', 'xml', 'xml_is_well_formed', 'getdatabaseencoding', 'pg_char_to_encoding',
                                   'pg_encoding_to_char', 'json_agg', 'json_agg_strict', 'json_object_agg', 'json_object_agg_strict',
                                   'json_object_agg_unique', 'json_object_agg_unique_strict', 'jsonb_agg', 'jsonb_agg_strict',
                                   'jsonb_object_agg', 'jsonb_object_agg_strict', 'jsonb_object_agg_unique',
                                   'jsonb_object_agg_unique_strict', 'json_agg_transfn', 'json_object_agg_transfn',
                                   'jsonb_agg_transfn', 'jsonb_agg_finalfn', 'jsonb_object_agg_transfn', 'jsonb_object_agg_finalfn',
                                   'json_build_array', 'json_build_object', 'jsonb_build_array', 'jsonb_build_object',
                                   'json_populate_record', 'json_populate_recordset', 'json_to_record', 'json_to_recordset',
                                   'jsonb_populate_record', 'jsonb_populate_recordset', 'jsonb_to_record', 'jsonb_to_recordset',
                                   'jsonb_path_exists_tz', 'jsonb_path_match_tz', 'jsonb_path_query_array_tz',
                                   'jsonb_path_query_first_tz', 'jsonb_path_query_tz')
                     OR p.proname ~ '^(date|timestamp|timestamptz)_(cmp|eq|ne|lt|le|gt|ge|mi|pl)_(date|timestamp|timestamptz|interval)$'
                     -- age(a, b) is a difference; age(x) is measured from now; a time with time zone takes its
                     -- offset from today's date (timetz(time), timezone(zone, timetz))
                     OR (p.proname = 'age' AND p.pronargs = 2)
                     OR (p.proname = 'timezone' AND NOT 'time with time zone'::regtype = ANY (p.proargtypes::oid[]))));
$$;

-- Refuses what cannot be maintained deterministically: volatile or time-dependent functions,
-- SQL value functions (CURRENT_TIMESTAMP, CURRENT_USER, ...), order-dependent aggregates without ORDER BY.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_deterministic(q jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    bad text;
BEGIN
    bad := public.pg_tviews__unstable_functions(q);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'the TVIEW query calls functions whose result changes without any write: %', bad USING ERRCODE = '0A000',
            HINT = 'A TVIEW row is recomputed only when its sources change. Store such values in a source column, or compute them when reading.';
    END IF;
    -- a STABLE function of the user's may read tables (PostgreSQL lets it): their writes would change the TVIEW's rows
    -- without any trigger seeing them (pg_catalog's STABLE functions depend on settings, which the TVIEW pins)
    SELECT string_agg(DISTINCT p.oid::regprocedure::text, ', ') INTO bad
      FROM (SELECT jsonb_path_query(q, 'strict $.**.funcid') f UNION ALL SELECT jsonb_path_query(q, 'strict $.**.opfuncid')
            UNION ALL SELECT jsonb_path_query(q, 'strict $.**.aggfnoid')) x
      JOIN pg_proc p ON p.oid = (x.f #>> '{}')::oid
     WHERE p.provolatile = 's' AND p.pronamespace <> 'pg_catalog'::regnamespace;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'the TVIEW query calls STABLE functions, which may read tables whose writes no trigger of the TVIEW sees: %', bad
            USING ERRCODE = '0A000',
            HINT = 'Join the tables such a function reads in the TVIEW query itself, or declare the function IMMUTABLE if its result depends on its arguments only.';
    END IF;
    -- system columns change without any write a trigger sees (ctid: VACUUM FULL, CLUSTER; xmax: SELECT ... FOR UPDATE;
    -- oids and transaction ids: a dump restored elsewhere)
    IF jsonb_path_exists(q, 'strict $.** ? (@._ == "VAR" && @.varattno starts with "-")') THEN
        RAISE EXCEPTION 'the TVIEW query reads a system column (ctid, xmin, xmax, cmin, cmax or tableoid), whose value changes without any write'
            USING ERRCODE = '0A000', HINT = 'Read a column of the table instead (the partition a row is in: the partition key).';
    END IF;
    -- a regclass, regtype, regrole, ... value prints as a name looked up in the catalog (renamed without any write to a
    -- source); a constant of such a type is its oid, folded when the view was created
    IF q::text ~ '"(vartype|funcresulttype|resulttype|opresulttype|aggtype|casetype|coalescetype|minmaxtype|array_typeid|element_typeid|paramtype|row_typeid)": "(24|2202|2203|2204|2205|2206|3734|3769|4089|4096|4191|1008|2207|2208|2209|2210|2211|3735|3770|4090|4097|4192)"' THEN
        RAISE EXCEPTION 'the TVIEW query computes a value of an object identifier type (regclass, regtype, regrole, ...), whose text is a name read from the catalog that changes without any write'
            USING ERRCODE = '0A000', HINT = 'Store the name in a source column, or read the object identifier as oid.';
    END IF;
    IF jsonb_path_exists(q, 'strict $.** ? (@._ == "SQLVALUEFUNCTION")') THEN
        RAISE EXCEPTION 'the TVIEW query uses CURRENT_DATE/CURRENT_TIMESTAMP/CURRENT_USER or a similar value that changes without any write'
            USING ERRCODE = '0A000', HINT = 'Store such values in a source column, or compute them when reading the TVIEW.';
    END IF;
    -- (the test on the aggregates the query calls, not on every row of pg_proc, where the planner put it: 33 ms a TVIEW)
    SELECT string_agg(DISTINCT p.proname, ', ') INTO bad
      FROM (SELECT DISTINCT (x #>> '{}')::oid AS f
              FROM jsonb_path_query(q, 'lax $.** ? (@._ == "AGGREF" && !exists(@.aggorder) && !exists(@.aggdistinct)).aggfnoid') x) a
      JOIN pg_proc p ON p.oid = a.f
     WHERE public.pg_tviews__order_dependent_agg(a.f);
    -- (jsonb_object_agg keeps the last value of a repeated key: the order decides which; 0.3.9 accepted it)
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'the result of % may depend on the order rows are read in, which differs between a full and a keyed recompute', bad
            USING ERRCODE = '0A000',
            HINT = 'Give the aggregate an ORDER BY that makes its order total, e.g. jsonb_agg(x ORDER BY x.pk) (an aggregate of your own whose result does not depend on the order loses nothing by one). A sum, avg or statistic of float4 / float8 values rounds at each addition: add them as numeric (sum(x::numeric)), or in a total order (sum(x ORDER BY x.pk)).';
    END IF;
END
$fn$;

-- Sources of one TVIEW where one is a partition or an inheritance child (at any depth) of another: their rows are
-- rows of both, and one table cannot carry the TVIEW's triggers for two sources. NULL when there are none.
CREATE OR REPLACE FUNCTION public.pg_tviews__nested_sources(srcs jsonb) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE src(oid) AS (
        SELECT DISTINCT public.pg_tviews__relid(s->>'schema', s->>'table') FROM jsonb_array_elements(srcs) s
    ), tree(root, oid) AS (
        SELECT src.oid, i.inhrelid FROM src JOIN pg_inherits i ON i.inhparent = src.oid
        UNION SELECT tree.root, i.inhrelid FROM tree JOIN pg_inherits i ON i.inhparent = tree.oid
    )
    SELECT string_agg(format('%s is a partition or child of %s', tree.oid::regclass, tree.root::regclass), '; ' ORDER BY tree.oid::regclass::text)
      FROM tree JOIN src ON src.oid = tree.oid;
$$;

-- The sources ([{"schema", "table"}]) with their partitions and inheritance children, at any depth.
CREATE OR REPLACE FUNCTION public.pg_tviews__source_tree(srcs jsonb) RETURNS SETOF oid
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE tree(oid) AS (
        SELECT public.pg_tviews__relid(s->>'schema', s->>'table') FROM jsonb_array_elements(srcs) s
        UNION SELECT i.inhrelid FROM tree JOIN pg_inherits i ON i.inhparent = tree.oid
    )
    SELECT oid FROM tree;
$$;

-- Inheritance children of the sources (at any depth) with a parent outside the sources' trees (CREATE TABLE … INHERITS
-- (a, b), ALTER TABLE … INHERIT): a statement that names that parent changes their rows and fires none of the TVIEW's
-- triggers, which are statement triggers of the table a statement names (0.3.21 accepted them and went stale). A
-- diamond inside one source's tree (tb_dd INHERITS (tb_da, tb_db), both children of tb_d) is fine: every parent
-- carries the triggers. NULL when there are none.
CREATE OR REPLACE FUNCTION public.pg_tviews__shared_children(srcs jsonb) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH tree AS (SELECT DISTINCT x AS oid FROM public.pg_tviews__source_tree(srcs) x)
    SELECT string_agg(format('%s inherits from %s', t.oid::regclass, p.parents), '; ' ORDER BY t.oid::regclass::text)
      FROM tree t
     CROSS JOIN LATERAL (SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno) AS parents,
                                bool_or(NOT EXISTS (SELECT 1 FROM tree o WHERE o.oid = i.inhparent)) AS outside
                           FROM pg_inherits i WHERE i.inhrelid = t.oid) p
     WHERE p.outside
$$;

-- The sources read directly that are a partition or an inheritance child of another table (NULL when none): a
-- statement that names the parent fires no statement trigger on them, so the TVIEW would miss every write made
-- through the parent (0.3.19 accepted them). A partitioned source is fine: its row triggers are cloned onto every
-- partition and fire whichever table a statement names.
CREATE OR REPLACE FUNCTION public.pg_tviews__child_sources(srcs jsonb) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text)
      FROM jsonb_array_elements(srcs) s JOIN pg_class c ON c.oid = public.pg_tviews__relid(s->>'schema', s->>'table')
     WHERE c.relkind IN ('r', 'p') AND (c.relispartition OR EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid));
$$;

-- The unlogged tables among the sources, their partitions and inheritance children (NULL when there are none). Crash
-- recovery empties an unlogged table and a standby never has its rows, and no trigger fires for either: a TVIEW, which
-- is logged, would keep rows its query no longer returns.
CREATE OR REPLACE FUNCTION public.pg_tviews__unlogged_sources(srcs jsonb) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text)
      FROM public.pg_tviews__source_tree(srcs) t(oid) JOIN pg_class c ON c.oid = t.oid WHERE c.relpersistence = 'u';
$$;

-- The sources, partitions and inheritance children that a logical replication subscription writes (NULL when none). Its
-- apply worker fires no statement trigger, whatever the trigger's ENABLE mode: the TVIEW would never see those writes.
-- With enabled_only, only enabled subscriptions count (the DDL watch: a subscription being disabled or altered otherwise).
CREATE OR REPLACE FUNCTION public.pg_tviews__subscribed_sources(srcs jsonb, enabled_only boolean DEFAULT false) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(DISTINCT t.oid::regclass::text, ', ')
      FROM public.pg_tviews__source_tree(srcs) t(oid) JOIN pg_subscription_rel sr ON sr.srrelid = t.oid
     WHERE NOT enabled_only OR EXISTS (SELECT 1 FROM pg_subscription su WHERE su.oid = sr.srsubid AND su.subenabled);
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__subscribed_why() RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'The subscription''s apply worker fires no statement trigger (not even ENABLE ALWAYS ones): the TVIEW would never see the rows it copies or applies.'::text
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__unlogged_why() RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'Crash recovery empties an unlogged table and a standby never has its rows, without any trigger firing: the TVIEW would keep rows its query no longer returns.'::text
$$;

-- Row-level security policies that apply to a role that reads a source for the TVIEW and depend on the session that
-- writes: current_setting() (a policy on current_setting('app.tenant')), SESSION_USER, the time, volatile functions, or
-- a STABLE function of the user's, which may read anything. What that role reads of the source, and so the TVIEW's rows,
-- would then depend on the writer. Policies on the rows' own values or on CURRENT_USER (the owner, in maintenance) are
-- fine. NULL when there are none.
-- The readers: the TVIEW's owner and the owners of the views its query reads (a view reads its tables as its owner).
-- A policy applies to a reader that is neither superuser nor BYPASSRLS when the table is FORCE ROW LEVEL SECURITY, or
-- when the reader does not have its owner's rights (a NOINHERIT member, another role's view); 0.3.20 looked at FORCE only.
CREATE OR REPLACE FUNCTION public.pg_tviews__view_owners(dv oid) RETURNS name[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY(SELECT DISTINCT r.rolname FROM public.pg_tviews__view_closure(dv) vc(oid)
                   JOIN pg_class c ON c.oid = vc.oid AND c.relkind = 'v' JOIN pg_roles r ON r.oid = c.relowner ORDER BY 1)
$$;

DROP FUNCTION IF EXISTS public.pg_tviews__session_policies(jsonb, name);
CREATE OR REPLACE FUNCTION public.pg_tviews__session_policies(srcs jsonb, owner name, readers name[]) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    pol record;
    q jsonb;
    bad text[] := '{}';
BEGIN
    FOR pol IN
        SELECT DISTINCT p.oid, p.polname, c.oid::regclass AS rel, p.polqual
          FROM jsonb_array_elements(srcs) s
          JOIN pg_class c ON c.oid = public.pg_tviews__relid(s->>'schema', s->>'table')
          JOIN pg_policy p ON p.polrelid = c.oid AND p.polcmd IN ('r', '*') AND p.polqual IS NOT NULL
          JOIN pg_roles r ON r.rolname = owner OR r.rolname = ANY(readers)
         WHERE c.relrowsecurity AND NOT r.rolsuper AND NOT r.rolbypassrls
           AND (c.relforcerowsecurity OR NOT pg_has_role(r.oid, c.relowner, 'USAGE'))
           AND (p.polroles = '{0}' OR EXISTS (SELECT 1 FROM unnest(p.polroles) pr WHERE pg_has_role(r.oid, pr, 'MEMBER')))
    LOOP
        q := public.pg_tviews__node_json(pol.polqual::text);
        IF public.pg_tviews__unstable_functions(q) IS NOT NULL
           OR EXISTS (SELECT 1 FROM (SELECT jsonb_path_query(q, 'strict $.**.funcid') f UNION ALL SELECT jsonb_path_query(q, 'strict $.**.opfuncid')) x
                     JOIN pg_proc p ON p.oid = (x.f #>> '{}')::oid
                    WHERE p.provolatile = 's' AND p.pronamespace <> 'pg_catalog'::regnamespace)
           OR jsonb_path_exists(q, 'strict $.** ? (@._ == "SQLVALUEFUNCTION" && !(@.op == "9" || @.op == "10" || @.op == "11" || @.op == "13" || @.op == "14"))')
           -- (a policy that reads another table, EXISTS (SELECT … FROM acl …): no trigger sees that table's writes, which
           -- change the rows the reader reads; 0.3.21's first cut accepted it and went stale)
           OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_policy'::regclass AND d.objid = pol.oid
                         AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> pol.rel) THEN
            bad := bad || format('%I on %s', pol.polname, pol.rel);
        END IF;
    END LOOP;
    RETURN nullif(array_to_string(bad, ', '), '');
END
$fn$;

-- Analyse a TVIEW query: creates its definition view (sch.view_name) and returns columns, key,
-- qualified definition, sources with proven lineage, the TVIEWs it reads, and the sources whose
-- changes cannot be traced to keys ("refused").
CREATE OR REPLACE FUNCTION public.pg_tviews__analyze(sch text, tbl text, ent text, query text, options jsonb, view_name text)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    cur refcursor;
    policy text := coalesce(options->>'uncascaded_policy', 'error');
    escapes boolean;
BEGIN
    IF options IS NOT NULL AND jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'options must be a JSON object' USING ERRCODE = '22023';
    END IF;
    IF policy NOT IN ('error', 'full_refresh') THEN
        RAISE EXCEPTION 'options.uncascaded_policy must be "error" or "full_refresh", not "%"', policy USING ERRCODE = '22023';
    END IF;
    IF coalesce(options->>'refresh', 'commit') NOT IN ('commit', 'statement') THEN
        RAISE EXCEPTION 'options.refresh must be "commit" or "statement", not "%"', options->>'refresh' USING ERRCODE = '22023';
    END IF;
    IF options ? 'fillfactor' AND (jsonb_typeof(options->'fillfactor') <> 'number' OR (options->>'fillfactor')::numeric NOT BETWEEN 10 AND 100) THEN
        RAISE EXCEPTION 'options.fillfactor must be a number between 10 and 100' USING ERRCODE = '22023';
    END IF;
    IF options ? 'keys' AND jsonb_typeof(options->'keys') <> 'object' THEN
        RAISE EXCEPTION 'options.keys must be a JSON object' USING ERRCODE = '22023';
    END IF;
    IF options ? 'settings' AND (jsonb_typeof(options->'settings') <> 'object'
            OR EXISTS (SELECT 1 FROM jsonb_each(options->'settings') x WHERE NOT x.key = ANY(public.pg_tviews__setting_names())
                                                                            OR jsonb_typeof(x.value) <> 'string')) THEN
        RAISE EXCEPTION 'options.settings must map % to a string', array_to_string(public.pg_tviews__setting_names(), ', ') USING ERRCODE = '22023';
    END IF;
    IF options ? 'key' AND jsonb_typeof(options->'key') <> 'string' THEN
        RAISE EXCEPTION 'options.key must be a column name (string)' USING ERRCODE = '22023';
    END IF;
    PERFORM set_config('search_path', coalesce(nullif(current_setting('pg_tviews.caller_search_path', true), ''), 'pg_catalog'), true);
    -- the query's literals as the caller reads them (the view stores the parsed query; the runtime prints it with
    -- standard_conforming_strings = on: 0.3.22 read a '\d' typed in a session with it off as '\d', where that session reads 'd')
    escapes := current_setting('pg_tviews.caller_scs', true) = 'off';
    PERFORM set_config('standard_conforming_strings', CASE WHEN escapes THEN 'off' ELSE 'on' END, true);
    -- the same check by PostgreSQL's own parser, in the caller's search_path: a cursor cannot be opened on more
    -- than one statement (42P11); the text is parsed and analysed, never run (no row is fetched)
    BEGIN
        OPEN cur FOR EXECUTE public.pg_tviews__one_statement(query, escapes);
        CLOSE cur;
    EXCEPTION WHEN invalid_cursor_definition THEN
        RAISE EXCEPTION 'a TVIEW definition must be exactly one SELECT' USING ERRCODE = '42601', DETAIL = SQLERRM;
    END;
    BEGIN
        EXECUTE format('CREATE VIEW %I.%I AS %s', sch, view_name, public.pg_tviews__one_statement(query, escapes));
    EXCEPTION WHEN invalid_table_definition THEN
        IF SQLERRM LIKE '%temporary%' THEN     -- (PostgreSQL: a view over a temporary table would be temporary)
            RAISE EXCEPTION 'the TVIEW query reads a temporary table: its rows belong to one session and end with it'
                USING ERRCODE = '0A000', HINT = 'Read permanent tables only.';
        END IF;
        RAISE;
    END;
    PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
    PERFORM set_config('standard_conforming_strings', 'on', true);
    EXECUTE format('REVOKE ALL ON %I.%I FROM PUBLIC', sch, view_name);
    RETURN public.pg_tviews__analyze_view(sch, tbl, ent, to_regclass(format('%I.%I', sch, view_name)), options);
END
$fn$;

-- Analyse a definition view: columns, key, qualified definition, sources with proven lineage, the
-- TVIEWs it reads, and the sources whose changes cannot be traced to keys ("refused").
-- A key taken from the nullable side of an outer join (u LEFT JOIN tb_post p ... p.pk_post AS pk_feed) is NULL for
-- every row without a match; such rows have no key to maintain them by, so a write could make the query yield
-- one unnoticed. Refused unless the query's WHERE says the key IS NOT NULL (which makes the join an inner one).
CREATE OR REPLACE FUNCTION public.pg_tviews__refuse_nullable_key(q jsonb, key_attno int, key_col text, sch text, tbl text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    kv jsonb := public.pg_tviews__an_strip((SELECT t->'expr' FROM jsonb_array_elements(q->'targetList') t WHERE (t->>'resno')::int = key_attno));
BEGIN
    IF kv->>'_' IS DISTINCT FROM 'VAR' OR (kv->>'varlevelsup')::int <> 0
       OR NOT (kv->>'varno')::int = ANY(public.pg_tviews__an_key_nullable_rtis(q)) OR public.pg_tviews__an_tested_not_null(q, kv) THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'the key column % of TVIEW %.% comes from the nullable side of an outer join', key_col, sch, tbl
        USING ERRCODE = '0A000',
              DETAIL = 'Rows without a match would have a NULL key: the TVIEW could not hold them, and no key leads maintenance to them.',
              HINT = format('Use an inner join for that table, or add WHERE %s.%s IS NOT NULL.',
                            q->'rtable'->((kv->>'varno')::int - 1)->'eref'->>'aliasname',
                            q->'rtable'->((kv->>'varno')::int - 1)->'eref'->'colnames'->>((kv->>'varattno')::int - 1));
END
$fn$;

-- The resno-th item of the top-level SELECT list of a definition as PostgreSQL prints it (past a WITH clause, whose
-- CTEs are in parentheses; items end at a comma outside quotes, parentheses and brackets, the list before FROM), or
-- NULL (SELECT DISTINCT, or no such item).
DROP FUNCTION IF EXISTS public.pg_tviews__select_item(text, int);
-- (branch: of a set operation printed without parentheses, the branch-th SELECT; NULL when it is in parentheses)
CREATE OR REPLACE FUNCTION public.pg_tviews__select_item(def text, resno int, branch int DEFAULT 1) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    n int := length(def);
    i int := 1;
    c text;
    depth int := 0;
    k int := 1;
    start int;
    selects int := 0;
BEGIN
    WHILE i <= n LOOP
        c := substr(def, i, 1);
        IF c IN ('''', '"') THEN
            i := i + coalesce(nullif(position(c IN substr(def, i + 1)), 0), n);
        ELSIF c IN ('(', '[') THEN
            depth := depth + 1;
        ELSIF c IN (')', ']') THEN
            depth := depth - 1;
        ELSIF depth = 0 AND start IS NULL AND substr(def, i, 7) ~ E'^SELECT\\s' AND (i = 1 OR substr(def, i - 1, 1) ~ E'\\s') THEN
            selects := selects + 1;
            IF selects = branch THEN
                EXIT WHEN substr(def, i) ~ E'^SELECT\\s+DISTINCT\\s';
                i := i + 6;
                start := i;
            END IF;
        ELSIF depth = 0 AND start IS NOT NULL AND (c = ',' OR c ~ E'\\s' AND substr(def, i, 12) ~ E'^\\s+FROM\\s') THEN
            IF k = resno THEN
                RETURN btrim(substr(def, start, i - start), E' \n\t');
            END IF;
            EXIT WHEN c <> ',';
            k := k + 1;
            start := i + 1;
        END IF;
        i := i + 1;
    END LOOP;
    RETURN NULL;
END
$fn$;

-- The query tree of a SELECT text, as PostgreSQL analyses it: a view made from it in TVIEW view v's schema and dropped
-- again (its range table starts with the view's two placeholders, so the SELECT's own entries are 3, 4, ...)
-- (xmloption content: the fragments a definition prints parse under it; a session's document refused them, hunt 13)
CREATE OR REPLACE FUNCTION public.pg_tviews__parsed(sel text, v regclass) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET xmloption = content AS $fn$
DECLARE
    chk text := format('%I.%I', (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = v),
                       'pg_tviews_kx_' || v::oid);
    got jsonb;
BEGIN
    EXECUTE format('CREATE VIEW %s AS %s', chk, sel);
    got := (SELECT public.pg_tviews__node_json(r.ev_action)->0 FROM pg_rewrite r WHERE r.ev_class = chk::regclass AND r.rulename = '_RETURN');
    EXECUTE format('DROP VIEW %s', chk);
    RETURN got;
END
$fn$;

-- Does the expression text, over table rel under alias, parse to the tree e? (the positions and range-table numbers of
-- the two trees may differ)
CREATE OR REPLACE FUNCTION public.pg_tviews__parses_to(expr text, rel regclass, alias text, e jsonb, v regclass) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    -- (how a cast or call is shown, implicit or explicit, is no part of what it computes: a definition prints the
    -- implicit cast of COALESCE(b.nm, '?') to text as an explicit one)
    RETURN regexp_replace((public.pg_tviews__parsed(format('SELECT (%s) AS k FROM %s AS %I', expr, rel, alias), v)->'targetList'->0->'expr')::text,
                          '"(location|varno|varnosyn|relabelformat|coerceformat|funcformat|convertformat)": "-?[0-9]+"', '', 'g')
           = regexp_replace(e::text, '"(location|varno|varnosyn|relabelformat|coerceformat|funcformat|convertformat)": "-?[0-9]+"', '', 'g');
EXCEPTION WHEN OTHERS THEN
    RETURN false;
END
$fn$;

-- pg_tviews__parses_to for a key that reads a set-returning function's ORDINALITY column (0.3.27): expr over rel AS alias
-- , LATERAL from_sql parses back to e, and from_sql to the function of fn_rte, the table's columns and the
-- function's (range-table indexes tab and fn in e's query; 3 and 4 in the check's) told apart.
CREATE OR REPLACE FUNCTION public.pg_tviews__parses_to_lateral(expr text, from_sql text, rel regclass, alias text, e jsonb, fn_rte jsonb,
                                                               tab int, fn int, v regclass) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    got jsonb;
BEGIN
    got := public.pg_tviews__parsed(format('SELECT (%s) AS k FROM %s AS %I, LATERAL %s', expr, rel, alias, from_sql), v);
    RETURN jsonb_array_length(got->'rtable') = 4 AND got->'rtable'->3->>'funcordinality' = 'true'
       AND public.pg_tviews__varnos_as(jsonb_build_array(got->'targetList'->0->'expr', got->'rtable'->3->'functions'), 3, 4)
           = public.pg_tviews__varnos_as(jsonb_build_array(e, fn_rte->'functions'), tab, fn);
EXCEPTION WHEN OTHERS THEN
    RETURN false;
END
$fn$;

-- A tree's text without locations, its table's Vars (range-table index tab) marked T and its function's (fn) marked F
CREATE OR REPLACE FUNCTION public.pg_tviews__varnos_as(e jsonb, tab int, fn int) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(e::text, '"(location|varnosyn|varattnosyn)": "-?[0-9]+"', '', 'g'),
                                         '"varno": "' || tab || '"', '"varno": "T"', 'g'),
                          '"varno": "' || fn || '"', '"varno": "F"', 'g')
$$;

-- Does expression e read nothing but columns of its own row and constants? Operators, casts, CASE, COALESCE and calls of
-- IMMUTABLE or built-in STABLE functions (which read the TVIEW's pinned settings): no subquery, aggregate or window.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_plain_expr(e jsonb) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT NOT EXISTS (SELECT 1 FROM jsonb_path_query(e, 'strict $.**."_"') x
                        WHERE NOT (x #>> '{}') = ANY(ARRAY['VAR', 'CONST', 'FUNCEXPR', 'OPEXPR', 'RELABELTYPE', 'COERCEVIAIO', 'COALESCEEXPR',
                                                           'CASEEXPR', 'CASEWHEN', 'CASETESTEXPR', 'BOOLEXPR', 'NULLTEST', 'BOOLEANTEST', 'NULLIFEXPR',
                                                           'DISTINCTEXPR', 'SCALARARRAYOPEXPR', 'ARRAYEXPR', 'COLLATEEXPR', 'MINMAXEXPR']))
       AND NOT EXISTS (SELECT 1 FROM (SELECT (x #>> '{}')::oid AS f FROM jsonb_path_query(e, 'strict $.**.funcid') x
                                      UNION ALL SELECT o.oprcode FROM jsonb_path_query(e, 'strict $.**.opno') x JOIN pg_operator o ON o.oid = (x #>> '{}')::oid) u
                        LEFT JOIN pg_proc p ON p.oid = u.f
                       WHERE p.oid IS NULL OR NOT (p.provolatile = 'i' OR p.provolatile = 's' AND p.pronamespace = 'pg_catalog'::regnamespace))
$$;

-- A key that is an expression of one table's columns (GROUP BY date_trunc('day', o.created), lower(u.email) AS pk_x): a
-- changed row of that table maps to the key the expression gives it, and rows that reach that table through a hop do
-- so likewise. Proven, not guessed: the expression reads one table of the top level (no outer join's nullable side)
-- through nodes that read nothing else (no subquery, aggregate, window or parameter) and calls only immutable functions
-- or built-in stable ones (the settings those read are pinned in every generated function); and its SQL text, as
-- PostgreSQL prints the definition, parses back over that table to the very same expression tree. That proof is made
-- when code is generated (prove); the health check compares the text with the catalog's copy, proven then, and creates
-- nothing. NULL otherwise: the key then has no lineage and the TVIEW is refused, as before.
DROP FUNCTION IF EXISTS public.pg_tviews__an_key_expr(jsonb, int, text, regclass);
-- Of a set operation (0.3.14: an activity feed, 'post-' || p.pk_post in one branch and 'comment-' || c.pk_comment in
-- another), a list: each branch whose key is an expression gives one, proven over that branch's table and the text of
-- that branch as PostgreSQL prints it (branches printed in parentheses, nested set operations, give none: refused).
DROP FUNCTION IF EXISTS public.pg_tviews__an_key_expr(jsonb, int, text, regclass, boolean);
-- (ent: without prove, the TVIEW whose catalog row holds the proven texts)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_key_expr(q jsonb, key_attno int, key_col text, v regclass, prove boolean, ent text) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    leaf record;
    kx jsonb;
    kxs jsonb := '[]';
BEGIN
    IF NOT q ? 'setOperations' THEN
        RETURN public.pg_tviews__an_key_expr_of_level(q, key_attno, key_col, v, prove, '0', 1, ent);
    END IF;
    FOR leaf IN SELECT (r #>> '{}')::int AS rti, o::int AS branch
                  FROM jsonb_path_query(q->'setOperations', 'strict $.** ? (@."_" == "RANGETBLREF").rtindex') WITH ORDINALITY x(r, o) LOOP
        kx := public.pg_tviews__an_key_expr_of_level(q->'rtable'->(leaf.rti - 1)->'subquery', key_attno, key_col, v, prove,
                                                     '0/r' || leaf.rti, leaf.branch, ent);
        IF kx IS NOT NULL THEN
            kxs := kxs || jsonb_build_array(kx);
        END IF;
    END LOOP;
    RETURN CASE WHEN jsonb_array_length(kxs) > 0 THEN kxs END;
END
$fn$;

-- A key read from a set-returning function in FROM over one table's columns (the elements of an array, a tag cloud:
-- SELECT t.tag AS pk_tag, count(*) ... FROM tb_post p, unnest(p.tags) t(tag) GROUP BY t.tag; since 0.3.24, refused
-- before): the key expression with the function's output column replaced by the call (unnest(p.tags)), which gives a
-- changed row the keys it gives in the query (a set of them). One function of one output column (and its ORDINALITY
-- column, below), its arguments columns of one table: two functions in one expression would run in step, not as the FROM
-- clause's product. NULL when the key reads no such function. (var: the output column as the definition prints it)
-- A key that reads the function's ORDINALITY column (a line item's number, p.pk_order || '-' || i.n; since 0.3.27,
-- refused before) has no call to stand for it: expr is then the key as it is, and from the function's FROM item
-- (call WITH ORDINALITY alias(out, n)) that a changed row's keys are read over (pg_tviews__key_expr_of); fn its call,
-- tab and fn_rti the range-table indexes of the table and of the function.
DROP FUNCTION IF EXISTS public.pg_tviews__an_srf_key(jsonb, jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_srf_key(q jsonb, e jsonb, OUT expr jsonb, OUT var text, OUT call text,
                                                       OUT "from" text, OUT fn jsonb, OUT tab int, OUT fn_rti int)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    fvars jsonb := (SELECT jsonb_agg(DISTINCT x) FROM jsonb_path_query(e, 'strict $.** ? (@."_" == "VAR")') x
                     WHERE (x->>'varlevelsup')::int = 0 AND q->'rtable'->((x->>'varno')::int - 1)->>'rtekind' = '3');
    rte jsonb;
    fe jsonb;
    args jsonb;
    r jsonb;
    fv jsonb;
BEGIN
    IF fvars IS NULL THEN
        RETURN;
    END IF;
    rte := q->'rtable'->((fvars->0->>'varno')::int - 1);
    fe := rte->'functions'->0->'funcexpr';
    args := (SELECT jsonb_agg(a) FROM jsonb_array_elements(fe->'args') a);
    IF (SELECT count(DISTINCT x->>'varno') FROM jsonb_array_elements(fvars) x) <> 1
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(fvars) x
                   WHERE (x->>'varattno')::int <> 1 AND NOT ((x->>'varattno')::int = 2 AND rte->>'funcordinality' = 'true'))
       OR jsonb_array_length(rte->'functions') <> 1 OR (rte->'functions'->0->>'funccolcount')::int <> 1
       OR fe->>'_' IS DISTINCT FROM 'FUNCEXPR' OR fe->>'funcretset' <> 'true' OR fe->>'funcvariadic' <> 'false'
       OR args IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements(args) a WHERE a->>'_' <> 'VAR' OR (a->>'varlevelsup')::int <> 0
                                                                              OR (a->>'varattno')::int <= 0 OR a->>'varno' <> args->0->>'varno')
       OR (fvars->0->>'varno')::int = ANY(public.pg_tviews__an_nullable_rtis(q)) THEN
        RETURN;
    END IF;
    r := q->'rtable'->((args->0->>'varno')::int - 1);
    IF r->>'rtekind' <> '0' THEN
        RETURN;
    END IF;
    SELECT CASE WHEN n.nspname = 'pg_catalog' THEN quote_ident(f.proname) ELSE format('%I.%I', n.nspname, f.proname) END
           || '(' || (SELECT string_agg(format('%I.%I', coalesce(r->'alias'->>'aliasname', c.relname), at.attname), ', ' ORDER BY o)
                        FROM jsonb_array_elements(args) WITH ORDINALITY a(v, o)
                        JOIN pg_class c ON c.oid = (r->>'relid')::oid
                        JOIN pg_attribute at ON at.attrelid = c.oid AND at.attnum = (a.v->>'varattno')::int) || ')'
      INTO call FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace WHERE f.oid = (fe->>'funcid')::oid;
    var := format('%I.%I', rte->'eref'->>'aliasname', rte->'eref'->'colnames'->>0);
    expr := e;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(fvars) x WHERE (x->>'varattno')::int = 2) THEN
        "from" := format('%s WITH ORDINALITY %I(%I, %I)', call, rte->'eref'->>'aliasname', rte->'eref'->'colnames'->>0, rte->'eref'->'colnames'->>1);
        fn := fe;
        tab := (args->0->>'varno')::int;
        fn_rti := (fvars->0->>'varno')::int;
        var := NULL;
        call := NULL;
        RETURN;
    END IF;
    FOR fv IN SELECT v FROM jsonb_array_elements(fvars) v LOOP
        expr := replace(expr::text, fv::text, fe::text)::jsonb;
    END LOOP;
END
$fn$;

-- The key expression of one query level (scope: its scope; branch: which SELECT of the printed definition it is)
DROP FUNCTION IF EXISTS public.pg_tviews__an_key_expr_of_level(jsonb, int, text, regclass, boolean, text, int);
-- A key of two or more tables' columns joined by equality (pg_ivm's flat joins: a.i || '/' || b.k over a JOIN b USING (i);
-- since 0.3.30, refused before): where every column of the other tables that the key reads equals, in every row of the
-- result, a column of one table T, the key is that expression over T alone (b.i || '/' || b.k), and is followed as a
-- key expression of T's (a change of a maps to its keys through the hop a.i -> b.i). Equal in every row: the equality
-- is a conjunct of WHERE or of an inner join's ON of the level (pg_tviews__an_equalities), directly or through other
-- such equalities, and neither table is on the nullable side of an outer join. The same value, not only an equal one:
-- both columns of one type, type modifier and collation, a type whose equal values are identical
-- (pg_tviews__prints_alike: integers, text under a deterministic collation, uuid, dates, enums; not numeric's 1.0 and
-- 1.00), compared by PostgreSQL's own '='. A Var of a join's merged column (USING) counts as the column it stands for.
-- expr: the expression over T; renames: the [from, to] column references of the SELECT list's text to replace, whose
-- result pg_tviews__an_key_expr_of_level proves to parse back to expr over T (a wrong replacement is refused). NULL when
-- the key reads one table already, or no T serves.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_key_onto_one(q jsonb, e jsonb, OUT expr jsonb, OUT renames jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    x jsonb;
    y jsonb;
    t int;
    vars jsonb;
    same jsonb;
    got jsonb;
    nullable int[] := public.pg_tviews__an_key_nullable_rtis(q);
BEGIN
    -- (merged columns of inner and left joins are their input's column)
    FOR x IN SELECT DISTINCT z FROM jsonb_path_query(e, 'strict $.** ? (@."_" == "VAR")') z
              WHERE (z->>'varlevelsup')::int = 0 AND q->'rtable'->((z->>'varno')::int - 1)->>'rtekind' = '2' LOOP
        y := q->'rtable'->((x->>'varno')::int - 1)->'joinaliasvars'->((x->>'varattno')::int - 1);
        IF y->>'_' IS DISTINCT FROM 'VAR' OR (y->>'varlevelsup')::int <> 0 OR q->'rtable'->((y->>'varno')::int - 1)->>'rtekind' <> '0' THEN
            RETURN;
        END IF;
        e := replace(e::text, x::text, (y || jsonb_build_object('location', x->'location'))::text)::jsonb;
    END LOOP;
    vars := (SELECT jsonb_agg(DISTINCT jsonb_build_object('varno', (z->>'varno')::int, 'varattno', (z->>'varattno')::int))
               FROM jsonb_path_query(e, 'strict $.** ? (@."_" == "VAR")') z WHERE (z->>'varlevelsup')::int = 0);
    IF vars IS NULL OR (SELECT count(DISTINCT z->>'varno') FROM jsonb_array_elements(vars) z) < 2
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(vars) z
                   WHERE (z->>'varattno')::int <= 0 OR (z->>'varno')::int = ANY(nullable)
                      OR q->'rtable'->((z->>'varno')::int - 1)->>'rtekind' <> '0') THEN
        RETURN;
    END IF;
    -- pairs of columns equal and identical in every row, both ways, closed over chains (a.i = c.i, c.i = b.i)
    WITH RECURSIVE cols AS (
        SELECT r.i AS rti, a.attnum, a.atttypid, a.atttypmod, a.attcollation
          FROM jsonb_array_elements(q->'rtable') WITH ORDINALITY r(e, i)
          JOIN pg_attribute a ON a.attrelid = (r.e->>'relid')::oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE r.e->>'rtekind' = '0' AND NOT r.i = ANY(nullable)),
    eq AS (
        SELECT ca.rti AS ra, ca.attnum AS aa, cb.rti AS rb, cb.attnum AS ab
          FROM public.pg_tviews__an_equalities(q, q->'jointree', public.pg_tviews__an_rtis(q->'jointree')) e
          JOIN pg_operator o ON o.oid = e.opno AND o.oprnamespace = 'pg_catalog'::regnamespace AND o.oprname = '='
          JOIN cols ca ON e.a = ca.rti || ':' || ca.attnum AND ca.rti = ANY(e.rtis)
          JOIN cols cb ON e.b = cb.rti || ':' || cb.attnum AND cb.rti = ANY(e.rtis)
         WHERE (ca.atttypid, ca.atttypmod, ca.attcollation) = (cb.atttypid, cb.atttypmod, cb.attcollation)
           AND public.pg_tviews__prints_alike(ca.atttypid, ca.attcollation)),
    sym AS (SELECT ra, aa, rb, ab FROM eq UNION SELECT rb, ab, ra, aa FROM eq),
    reach AS (SELECT ra, aa, rb, ab FROM sym
              UNION SELECT r.ra, r.aa, s.rb, s.ab FROM reach r JOIN sym s ON (s.ra, s.aa) = (r.rb, r.ab))
    SELECT jsonb_agg(jsonb_build_array(ra, aa, rb, ab)) INTO same FROM reach WHERE (ra, aa) <> (rb, ab);
    IF same IS NULL THEN
        RETURN;
    END IF;
    -- T: the first table of the key onto which every other column it reads has an identical one
    FOR t IN SELECT DISTINCT (z->>'varno')::int FROM jsonb_array_elements(vars) z ORDER BY 1 LOOP
        got := (SELECT jsonb_agg(jsonb_build_array(z->'varno', z->'varattno',
                                                    (SELECT min((s->>3)::int) FROM jsonb_array_elements(same) s
                                                      WHERE (s->>0)::int = (z->>'varno')::int AND (s->>1)::int = (z->>'varattno')::int
                                                        AND (s->>2)::int = t)))
                  FROM jsonb_array_elements(vars) z WHERE (z->>'varno')::int <> t);
        CONTINUE WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(got) g WHERE g->2 = 'null');
        expr := e;
        -- (a column may print under the name it had when the query was stored: a renamed USING column, a.i of
        -- FROM a a(i, j); T's own then get their names of now, first)
        renames := coalesce((SELECT jsonb_agg(jsonb_build_array(public.pg_tviews__an_printed_col(q, t, z.a, true),
                                                                 public.pg_tviews__an_printed_col(q, t, z.a)))
                               FROM (SELECT DISTINCT (v->>'varattno')::int AS a FROM jsonb_array_elements(vars) v WHERE (v->>'varno')::int = t) z
                              WHERE public.pg_tviews__an_printed_col(q, t, z.a, true) <> public.pg_tviews__an_printed_col(q, t, z.a)), '[]');
        FOR x IN SELECT DISTINCT z FROM jsonb_path_query(e, 'strict $.** ? (@."_" == "VAR")') z WHERE (z->>'varlevelsup')::int = 0 AND (z->>'varno')::int <> t LOOP
            y := (SELECT g FROM jsonb_array_elements(got) g WHERE (g->>0)::int = (x->>'varno')::int AND (g->>1)::int = (x->>'varattno')::int);
            expr := replace(expr::text, x::text,
                            (x || jsonb_build_object('varno', t::text, 'varnosyn', t::text, 'varattno', y->>2, 'varattnosyn', y->>2))::text)::jsonb;
            renames := renames || jsonb_build_array(jsonb_build_array(public.pg_tviews__an_printed_col(q, (x->>'varno')::int, (x->>'varattno')::int, true),
                                                                      public.pg_tviews__an_printed_col(q, t, (y->>2)::int)))
                               || jsonb_build_array(jsonb_build_array(public.pg_tviews__an_printed_col(q, (x->>'varno')::int, (x->>'varattno')::int),
                                                                      public.pg_tviews__an_printed_col(q, t, (y->>2)::int)));
        END LOOP;
        RETURN;
    END LOOP;
END
$fn$;

-- A column of range-table entry rti (a table) as a definition prints it: its alias, or the table's name, and its name
-- (stored: the name it had when the query was stored)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_printed_col(q jsonb, rti int, attno int, stored boolean DEFAULT false) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT quote_ident(coalesce(q->'rtable'->(rti - 1)->'alias'->>'aliasname', r.relname)) || '.'
           || quote_ident(CASE WHEN stored THEN coalesce(q->'rtable'->(rti - 1)->'eref'->'colnames'->>(attno - 1), a.attname) ELSE a.attname END)
      FROM pg_class r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = attno
     WHERE r.oid = (q->'rtable'->(rti - 1)->>'relid')::oid
$$;

-- text with each whole reference renames[i][0] replaced by renames[i][1] (not inside a longer name: a.i in a.id)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_renamed(txt text, renames jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    r jsonb;
BEGIN
    FOR r IN SELECT z FROM jsonb_array_elements(coalesce(renames, '[]')) z LOOP
        txt := regexp_replace(txt, '(?<![[:alnum:]_$."])' || regexp_replace(r->>0, '([.^$*+?()[\]{}|\\])', '\\\1', 'g') || '(?![[:alnum:]_$"])',
                              replace(r->>1, '\', '\\'), 'g');
    END LOOP;
    RETURN txt;
END
$fn$;

-- A key that reads the nullable side of one outer join (a.i || '/' || coalesce(b.k, 0) over a LEFT JOIN b ON b.i = a.i;
-- since 0.3.31, refused before). Each row of the result is a matched row or a null-extended one, so the keys a change can
-- reach are those of two keys that are each followed as any other: over the matched rows, which are the rows of the
-- query with that join made inner (q_matched), the key as it is; over the null-extended rows, the key with the
-- nullable side's columns read as NULL (pg_tviews__an_key_nulled). rti: the nullable table, a table of the main query
-- that one LEFT or RIGHT JOIN null-extends, alone on its side and under no other outer join. NULL otherwise.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_outer_key(q jsonb, key_attno int, OUT q_matched jsonb, OUT rti int)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    e jsonb := (SELECT t->'expr' FROM jsonb_array_elements(q->'targetList') t WHERE (t->>'resno')::int = key_attno);
    nullable int[] := public.pg_tviews__an_key_nullable_rtis(q);
    read int[];
    j jsonb;
BEGIN
    IF e IS NULL OR q ? 'setOperations' OR cardinality(nullable) = 0 THEN
        RETURN;
    END IF;
    -- (the tables the key reads, a join's merged column counting as the column it stands for)
    read := ARRAY(SELECT DISTINCT CASE WHEN q->'rtable'->((z->>'varno')::int - 1)->>'rtekind' = '2'
                                       THEN (q->'rtable'->((z->>'varno')::int - 1)->'joinaliasvars'->((z->>'varattno')::int - 1)->>'varno')::int
                                       ELSE (z->>'varno')::int END
                    FROM jsonb_path_query(e, 'strict $.** ? (@."_" == "VAR")') z WHERE (z->>'varlevelsup')::int = 0);
    IF (SELECT count(*) FROM unnest(read) r WHERE r IS NULL OR r = ANY(nullable)) <> 1 THEN
        RETURN;
    END IF;
    rti := (SELECT r FROM unnest(read) r WHERE r = ANY(nullable));
    IF q->'rtable'->(rti - 1)->>'rtekind' <> '0' THEN
        rti := NULL;
        RETURN;
    END IF;
    SELECT x INTO j FROM jsonb_path_query(q->'jointree', 'strict $.** ? (@."_" == "JOINEXPR")') x
     WHERE x->>'jointype' = '1' AND x->'rarg'->>'_' = 'RANGETBLREF' AND (x->'rarg'->>'rtindex')::int = rti
        OR x->>'jointype' = '3' AND x->'larg'->>'_' = 'RANGETBLREF' AND (x->'larg'->>'rtindex')::int = rti
     LIMIT 1;
    IF j IS NOT NULL THEN
        q_matched := replace(q::text, j::text, (j || '{"jointype": "0"}')::text)::jsonb;
    END IF;
    IF q_matched IS NULL OR rti = ANY(public.pg_tviews__an_key_nullable_rtis(q_matched)) THEN
        q_matched := NULL;
        rti := NULL;
    END IF;
END
$fn$;

-- The key expression e of a null-extended row: the columns of table rti (the nullable side, pg_tviews__an_outer_key)
-- read as the NULL constants they are there; renames: their references in the SELECT list's text, to NULL::type (proven
-- by parsing back, like every key expression). NULL when e reads that table as a whole row. (Without prove, which the
-- health check passes, the constants are not parsed, which would create a view: only the text is compared then.)
DROP FUNCTION IF EXISTS public.pg_tviews__an_key_nulled(jsonb, jsonb, int, regclass);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_key_nulled(q jsonb, e jsonb, rti int, v regclass, prove boolean,
                                                          OUT expr jsonb, OUT renames jsonb)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    x jsonb;
    y jsonb;
    ty text;
BEGIN
    FOR x IN SELECT DISTINCT z FROM jsonb_path_query(e, 'strict $.** ? (@."_" == "VAR")') z
              WHERE (z->>'varlevelsup')::int = 0 AND q->'rtable'->((z->>'varno')::int - 1)->>'rtekind' = '2' LOOP
        y := q->'rtable'->((x->>'varno')::int - 1)->'joinaliasvars'->((x->>'varattno')::int - 1);
        IF y->>'_' IS DISTINCT FROM 'VAR' OR (y->>'varlevelsup')::int <> 0 THEN
            RETURN;
        END IF;
        e := replace(e::text, x::text, (y || jsonb_build_object('location', x->'location'))::text)::jsonb;
    END LOOP;
    renames := '[]';
    FOR x IN SELECT DISTINCT z FROM jsonb_path_query(e, 'strict $.** ? (@."_" == "VAR")') z
              WHERE (z->>'varlevelsup')::int = 0 AND (z->>'varno')::int = rti LOOP
        IF (x->>'varattno')::int <= 0 THEN
            renames := NULL;
            RETURN;
        END IF;
        -- (without its type modifier: NULL::varchar(12) is a call of the length coercion, and a NULL is one at any length)
        -- (and with its column's collation, where that is not its type's: the expression around it takes it)
        ty := '(NULL::' || public.pg_tviews__type_name((x->>'vartype')::oid, -1)
              || coalesce((SELECT format(' COLLATE %I.%I', n.nspname, c.collname) FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
                            WHERE c.oid = (x->>'varcollid')::oid AND c.oid <> (SELECT t.typcollation FROM pg_type t WHERE t.oid = (x->>'vartype')::oid)), '')
              || ')';
        y := CASE WHEN prove THEN public.pg_tviews__parsed(format('SELECT %s AS k', ty), v)->'targetList'->0->'expr'
                  ELSE jsonb_build_object('_', 'CONST', 'consttype', x->'vartype', 'constisnull', 'true') END;
        e := replace(e::text, x::text, y::text)::jsonb;
        renames := renames || jsonb_build_array(jsonb_build_array(public.pg_tviews__an_printed_col(q, rti, (x->>'varattno')::int, true), ty),
                                                jsonb_build_array(public.pg_tviews__an_printed_col(q, rti, (x->>'varattno')::int), ty));
    END LOOP;
    expr := e;
END
$fn$;

DROP FUNCTION IF EXISTS public.pg_tviews__an_key_expr_of_level(jsonb, int, text, regclass, boolean, text, int, text);
-- (nulled: the key of the rows an outer join null-extends, pg_tviews__an_key_nulled)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_key_expr_of_level(q jsonb, key_attno int, key_col text, v regclass, prove boolean,
                                                                 scope text, branch int, ent text, nulled int DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    e jsonb := (SELECT t->'expr' FROM jsonb_array_elements(q->'targetList') t WHERE (t->>'resno')::int = key_attno);
    vars jsonb;
    rte jsonb;
    item text;
    suffix text := ' AS ' || quote_ident(key_col);
    alias text;
    rel regclass;
    constant_key boolean;
    srf record;
    onto jsonb;
    renames jsonb;
    nulls jsonb;
BEGIN
    IF nulled IS NOT NULL AND e IS NOT NULL THEN
        SELECT n.expr, n.renames INTO e, nulls FROM public.pg_tviews__an_key_nulled(q, e, nulled, v, prove) n;
    END IF;
    IF e IS NOT NULL AND NOT q ? 'setOperations' THEN
        srf := public.pg_tviews__an_srf_key(q, e);
        e := coalesce(srf.expr, e);
        IF nulled IS NOT NULL AND srf.expr IS NOT NULL THEN
            RETURN NULL;
        END IF;
    END IF;
    IF e IS NULL OR srf."from" IS NULL AND public.pg_tviews__an_var(e, '0') IS NOT NULL OR q ? 'setOperations' THEN
        RETURN NULL;
    END IF;
    -- (set-returning functions in two items of the SELECT list run in step, the shorter padded with NULLs: the key's own
    -- elements would not give the rows where it is NULL)
    IF srf.var IS NULL AND (SELECT count(*) FROM jsonb_array_elements(q->'targetList') t
                             WHERE jsonb_path_exists(t->'expr', 'strict $.** ? (@.funcretset == "true")')) > 1
       AND jsonb_path_exists(coalesce(srf.fn, e), 'strict $.** ? (@.funcretset == "true")') THEN
        RETURN NULL;
    END IF;
    IF NOT public.pg_tviews__an_plain_expr(e) OR NOT public.pg_tviews__an_plain_expr(coalesce(srf.fn, 'null')) THEN
        RETURN NULL;
    END IF;
    IF srf.var IS NULL AND srf."from" IS NULL THEN
        SELECT o.expr, o.renames INTO onto, renames FROM public.pg_tviews__an_key_onto_one(q, e) o;
        e := coalesce(onto, e);
    END IF;
    -- (an ORDINALITY key: the table's columns it reads, and those the function reads)
    vars := (SELECT jsonb_agg(x) FROM jsonb_path_query(CASE WHEN srf."from" IS NULL THEN e ELSE jsonb_build_array(e, srf.fn) END,
                                                       'strict $.** ? (@."_" == "VAR")') x
              WHERE srf.fn_rti IS NULL OR x->>'varno' <> srf.fn_rti::text);
    -- A set operation's branch keyed by a constant ('total' beside per-group rows; since 0.3.23, refused before): every
    -- table that branch reads, at any depth, maps its changes to that one key (occ 'scope:*': any occurrence of the
    -- branch's scope). Proven like an expression, over the definition view itself, which it does not read.
    constant_key := vars IS NULL AND scope <> '0';
    IF constant_key THEN
        rel := v;
        alias := 'pg_tviews_c';
    ELSE
        IF vars IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements(vars) x WHERE (x->>'varlevelsup')::int <> 0 OR (x->>'varattno')::int <= 0)
           OR (SELECT count(DISTINCT x->>'varno') FROM jsonb_array_elements(vars) x) <> 1 THEN
            RETURN NULL;
        END IF;
        rte := q->'rtable'->((vars->0->>'varno')::int - 1);
        IF rte->>'rtekind' <> '0' OR (vars->0->>'varno')::int = ANY(public.pg_tviews__an_key_nullable_rtis(q))
           OR NOT EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = (rte->>'relid')::oid AND r.relkind IN ('r', 'p')) THEN
            RETURN NULL;
        END IF;
        rel := (rte->>'relid')::oid::regclass;
        -- (without an alias of its own the table is printed by its name as it is now)
        alias := coalesce(rte->'alias'->>'aliasname', (SELECT r.relname FROM pg_class r WHERE r.oid = rel));
        -- (a column the definition prints under another name than it has now: an alias list, FROM ua a(x, j), or a USING
        -- column renamed since, which keeps its old name there; hunt 32, 0.3.30 refused both. Proven below like the rest)
        IF onto IS NULL THEN
            renames := (SELECT jsonb_agg(jsonb_build_array(public.pg_tviews__an_printed_col(q, z.rti, z.a, true), public.pg_tviews__an_printed_col(q, z.rti, z.a)))
                          FROM (SELECT DISTINCT (x->>'varno')::int AS rti, (x->>'varattno')::int AS a FROM jsonb_array_elements(vars) x) z
                         WHERE public.pg_tviews__an_printed_col(q, z.rti, z.a, true) <> public.pg_tviews__an_printed_col(q, z.rti, z.a));
        END IF;
    END IF;
    -- (names outside pg_catalog come qualified: generated code runs with that search_path)
    item := public.pg_tviews__select_item(ltrim(public.pg_tviews__viewdef(v)), key_attno, branch);
    -- (a later branch's column is printed without its name unless it was given one)
    IF branch > 1 AND item IS NOT NULL AND right(item, length(suffix)) IS DISTINCT FROM suffix THEN
        item := item || suffix;
    END IF;
    IF right(item, length(suffix)) IS DISTINCT FROM suffix THEN
        RETURN NULL;
    END IF;
    item := left(item, -length(suffix));
    IF srf.var IS NOT NULL THEN
        -- (a textual replacement, proven below like any key expression: a wrong one is refused, never followed)
        item := replace(item, srf.var, srf.call);
    END IF;
    -- (likewise)
    item := public.pg_tviews__an_renamed(public.pg_tviews__an_renamed(item, nulls), renames);
    IF prove AND srf."from" IS NULL AND NOT public.pg_tviews__parses_to(item, rel, alias, e, v)
       OR prove AND srf."from" IS NOT NULL
          AND NOT public.pg_tviews__parses_to_lateral(item, srf."from", rel, alias, e, q->'rtable'->(srf.fn_rti - 1), srf.tab, srf.fn_rti, v) THEN
        RETURN NULL;
    END IF;
    -- (without the proof, the text must be the one proven for it: the branch-th SELECT the definition prints is not this
    -- branch when the set operation nests in parentheses, and 0.3.19's health check then took another branch's text)
    IF NOT prove AND NOT EXISTS (SELECT 1 FROM public.pg_tview_meta m CROSS JOIN LATERAL jsonb_array_elements(m.dependencies) d
                                  CROSS JOIN LATERAL jsonb_array_elements(coalesce(d->'paths', '[]')) p
                                 WHERE m.entity = ent AND p->>'key_expr' = item AND p->>'key_alias' = alias
                                   AND p->>'key_from' IS NOT DISTINCT FROM srf."from") THEN
        RETURN NULL;
    END IF;
    IF constant_key THEN
        RETURN jsonb_build_object('occ', scope || ':*', 'expr', item, 'alias', alias, 'cols', '[]'::jsonb);
    END IF;
    -- (the names as they are now: a stored view keeps the names its columns had when it was created)
    RETURN jsonb_build_object('occ', scope || ':' || (vars->0->>'varno'), 'expr', item, 'alias', alias,
                              'cols', (SELECT jsonb_agg(DISTINCT a.attname) FROM jsonb_array_elements(vars) x
                                         JOIN pg_attribute a ON a.attrelid = rel AND a.attnum = (x->>'varattno')::int))
           -- (a set of keys per row: unnest(p.tags), in FROM or in the SELECT list; the ORDINALITY of one in FROM)
           || CASE WHEN jsonb_path_exists(e, 'strict $.** ? (@.funcretset == "true")') OR srf."from" IS NOT NULL THEN '{"srf": true}' ELSE '{}' END::jsonb
           || CASE WHEN srf."from" IS NOT NULL THEN jsonb_build_object('from', srf."from") ELSE '{}' END::jsonb;
END
$fn$;

-- Where the quoted string or name that opens at position i of def ends (its closing quote; a doubled quote is part of
-- it), or NULL when it does not end
CREATE OR REPLACE FUNCTION public.pg_tviews__quote_end(def text, i int) RETURNS int
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    c constant text := substr(def, i, 1);
    q int;
BEGIN
    LOOP
        q := position(c IN substr(def, i + 1));
        IF q = 0 THEN RETURN NULL; END IF;
        i := i + q;
        EXIT WHEN substr(def, i + 1, 1) <> c;
        i := i + 1;
    END LOOP;
    RETURN i;
END
$fn$;

-- The two sides of every equality "(a = b)" PostgreSQL prints in a definition (fully parenthesised: each one a group of
-- its own, its " = " outside any inner parenthesis, string or quoted name)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_eq_sides(def text) RETURNS SETOF text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    n int := length(def);
    i int := 1;
    c text;
    opens int[] := '{}';
    eqs int[] := '{}';
    ins int[] := '{}';
    o int;
BEGIN
    WHILE i <= n LOOP
        c := substr(def, i, 1);
        IF c IN ('''', '"') THEN
            i := public.pg_tviews__quote_end(def, i);
            IF i IS NULL THEN RETURN; END IF;
        ELSIF c = '(' THEN
            opens := opens || i;
            eqs := eqs || 0;
            ins := ins || 0;
        ELSIF c = ')' AND cardinality(opens) > 0 THEN
            o := opens[cardinality(opens)];
            IF eqs[cardinality(eqs)] > 0 THEN
                RETURN NEXT substr(def, o + 1, eqs[cardinality(eqs)] - o - 1);
                RETURN NEXT substr(def, eqs[cardinality(eqs)] + 3, i - eqs[cardinality(eqs)] - 3);
            ELSIF ins[cardinality(ins)] > 0 AND eqs[cardinality(eqs)] = 0 THEN
                RETURN NEXT substr(def, o + 1, ins[cardinality(ins)] - o - 1);
            END IF;
            opens := opens[1:cardinality(opens) - 1];
            eqs := eqs[1:cardinality(eqs) - 1];
            ins := ins[1:cardinality(ins) - 1];
        ELSIF c = ' ' AND cardinality(eqs) > 0 AND substr(def, i, 3) = ' = ' THEN
            -- (a second " = " at one level is not one equality: -1 keeps the group out)
            eqs[cardinality(eqs)] := CASE WHEN eqs[cardinality(eqs)] = 0 THEN i ELSE -1 END;
        ELSIF c = ' ' AND cardinality(ins) > 0 AND substr(def, i, 12) = ' IN ( SELECT' THEN
            -- (the outer side of "x IN (SELECT ...)", which PostgreSQL prints in parentheses of its own: 0.3.28)
            ins[cardinality(ins)] := CASE WHEN ins[cardinality(ins)] = 0 THEN i ELSE -1 END;
        END IF;
        i := i + 1;
    END LOOP;
END
$fn$;

-- The items of every SELECT list of a definition as PostgreSQL prints it, without their " AS name" (an item ends at a
-- comma of its own parenthesis level, outside quotes; the list at FROM or at the end of its parentheses)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_select_items(def text) RETURNS SETOF text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    n int := length(def);
    i int := 1;
    c text;
    depth int := 1;
    starts int[] := '{0}';     -- per parenthesis level: where the current item of its SELECT list starts (0: none)
    item text;
BEGIN
    WHILE i <= n + 1 LOOP
        c := substr(def, i, 1);
        item := NULL;
        IF c IN ('''', '"') THEN
            i := public.pg_tviews__quote_end(def, i);
            IF i IS NULL THEN RETURN; END IF;
        ELSIF c IN ('(', '[') THEN
            depth := depth + 1;
            starts := starts || 0;
        ELSIF (c IN (')', ']') AND depth > 1 OR i > n) AND starts[depth] > 0 THEN
            item := substr(def, starts[depth], i - starts[depth]);
        ELSIF c = 'S' AND substr(def, i, 7) ~ E'^SELECT\\s' AND (i = 1 OR substr(def, i - 1, 1) ~ E'[\\s(]') THEN
            i := i + 6;
            starts[depth] := i;
        ELSIF c = ',' AND starts[depth] > 0 THEN
            item := substr(def, starts[depth], i - starts[depth]);
            starts[depth] := i + 1;
        ELSIF starts[depth] > 0 AND c ~ E'\\s' AND substr(def, i, 6) ~ E'^\\s+FROM\\s' THEN
            item := substr(def, starts[depth], i - starts[depth]);
            starts[depth] := 0;
        END IF;
        IF item IS NOT NULL THEN
            item := regexp_replace(btrim(item, E' \n\t;'), E'^DISTINCT\\s+', '');
            RETURN NEXT coalesce(substring(item FROM '^(.*) AS (?:"(?:[^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)$'), item);
        END IF;
        IF c IN (')', ']') AND depth > 1 THEN
            depth := depth - 1;
            starts := starts[1:depth];
        END IF;
        i := i + 1;
    END LOOP;
END
$fn$;

-- The SQL of an expression node (pg_tviews__an_xnode) of occurrence occ, as the definition of view v prints it:
-- {x_sql: over the occurrence's alias, alias, y_sql: over alias y (NULL when the alias cannot be renamed so), cols,
-- typeoid, coll}. Proven, not guessed: the printed text parses back over the table to the very same tree
-- (pg_tviews__parses_to). Without prove (the health check creates nothing): the text stored for it in TVIEW ent's
-- catalog row, if the definition still prints it. NULL: no text (the occurrence is then not linked through it).
-- (eq_sides: the texts the definition prints for expressions: equality sides, pg_tviews__an_eq_sides, and, 0.3.20,
-- SELECT list items, pg_tviews__an_select_items)
DROP FUNCTION IF EXISTS public.pg_tviews__an_x_sql(jsonb, jsonb, regclass, boolean, text);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_x_sql(x jsonb, occ jsonb, v regclass, prove boolean, ent text, eq_sides text[]) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    alias text := occ->>'alias';
    rel regclass := (occ->>'relid')::oid::regclass;
    sides text[];
    found text;
    y text;
    stored jsonb;
BEGIN
    IF x IS NULL OR occ IS NULL THEN
        RETURN NULL;
    END IF;
    sides := ARRAY(SELECT t FROM unnest(eq_sides) t WHERE strpos(t, quote_ident(alias) || '.') > 0);
    IF prove THEN
        found := (SELECT t FROM unnest(sides) t WHERE public.pg_tviews__parses_to(t, rel, alias, x->'expr', v) ORDER BY t LIMIT 1);
    ELSE
        stored := coalesce((SELECT h->(CASE WHEN h->>'from' = x->>'col' THEN 'from_x' ELSE 'to_x' END)
                              FROM public.pg_tview_meta m CROSS JOIN LATERAL jsonb_array_elements(m.dependencies) d
                              CROSS JOIN LATERAL jsonb_array_elements(coalesce(d->'paths', '[]')) p CROSS JOIN LATERAL jsonb_array_elements(p->'hops') h
                             WHERE m.entity = ent AND x->>'col' IN (h->>'from', h->>'to') LIMIT 1),
                           (SELECT jsonb_build_object('x_sql', p->'key_expr', 'y_sql', p->'key_x'->'y_sql')
                              FROM public.pg_tview_meta m CROSS JOIN LATERAL jsonb_array_elements(m.dependencies) d
                              CROSS JOIN LATERAL jsonb_array_elements(coalesce(d->'paths', '[]')) p
                             WHERE m.entity = ent AND p->'key_x'->>'col' = x->>'col' LIMIT 1));
        found := CASE WHEN stored->>'x_sql' = ANY(sides) THEN stored->>'x_sql' END;
    END IF;
    IF found IS NULL THEN
        RETURN NULL;
    END IF;
    y := regexp_replace(found, '(^|[^[:alnum:]_$."])' || regexp_replace(quote_ident(alias), E'([.^$*+?()\\[\\]{}|\\\\])', E'\\\\\\1', 'g') || E'\\.', E'\\1y.', 'g');
    IF prove AND NOT public.pg_tviews__parses_to(y, rel, 'y', x->'expr', v) OR NOT prove AND y IS DISTINCT FROM stored->>'y_sql' THEN
        y := NULL;
    END IF;
    RETURN jsonb_build_object('x_sql', found, 'alias', alias, 'y_sql', y, 'typeoid', x->'type',
                              'cols', (SELECT jsonb_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
                                        WHERE a.attrelid = rel AND a.attnum IN (SELECT (n #>> '{}')::int FROM jsonb_array_elements(x->'attnos') n)),
                              'coll', public.pg_tviews__an_result_coll(x->'expr')::oid);
END
$fn$;

-- Do values of types a and b compare as values of one type: the same type (or domains over it), integers of any width,
-- or a binary-coercible pair (varchar and text)? A hop passes one side's values to the other as the other's type.
CREATE OR REPLACE FUNCTION public.pg_tviews__one_type(a oid, b oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ta.t = tb.t
        OR ta.t IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) AND tb.t IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
        OR EXISTS (SELECT 1 FROM pg_cast c WHERE c.castmethod = 'b' AND (c.castsource, c.casttarget) IN ((ta.t, tb.t), (tb.t, ta.t)))
      FROM (SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END AS t FROM pg_type t WHERE t.oid = a) ta,
           (SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END AS t FROM pg_type t WHERE t.oid = b) tb
$$;

-- Lineage lin with its expression nodes resolved: a hop side that is one gets its SQL ("from_x" / "to_x",
-- pg_tviews__an_x_sql), a key that is one becomes the path's key expression. A source with a path through one that has
-- no proven SQL, that compares values of two types (pg_tviews__one_type), or that a membership or
-- closure hop uses, is unlinked: refused, as before 0.3.19.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_resolve_x(lin jsonb, acc jsonb, v regclass, prove boolean, ent text, key_type text) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    src record;
    p jsonb;
    h jsonb;
    paths jsonb;
    hops jsonb;
    sql jsonb := '{}';
    eq_sides text[];
    ok boolean;
    side text;
    col text;
    prev regclass;
    t_from oid;
    t_to oid;
    ints constant oid[] := ARRAY['int2'::regtype, 'int4'::regtype, 'int8'::regtype]::oid[];
BEGIN
    IF NOT acc ? 'xnodes' OR lin::text NOT LIKE '%#expr#%' THEN
        RETURN lin;
    END IF;
    -- (an expression is printed as an equality's side, or as a SELECT list's item: (e.ref)::integer AS uid)
    -- (also in the plain views it reads: an expression a view selects, a key of a UNION ALL through a view; 0.3.27 looked
    -- at the definition's own text only and refused them)
    eq_sides := ARRAY(SELECT DISTINCT t FROM public.pg_tviews__view_closure(v) vc(oid) JOIN pg_class c ON c.oid = vc.oid AND c.relkind = 'v'
                        CROSS JOIN LATERAL (SELECT public.pg_tviews__an_eq_sides(public.pg_tviews__viewdef(vc.oid::regclass))
                                            UNION ALL SELECT public.pg_tviews__an_select_items(public.pg_tviews__viewdef(vc.oid::regclass))) s(t));
    FOR col IN SELECT DISTINCT m[1] FROM regexp_matches(lin::text, '"(#expr#[0-9a-f]{64})"', 'g') m LOOP
        sql := sql || jsonb_build_object(col, public.pg_tviews__an_x_sql(acc->'xnodes'->col,
                   (SELECT o FROM jsonb_array_elements(acc->'occs') o WHERE (o->>'scope') || ':' || (o->>'rti') = acc->'xnodes'->col->>'occ'),
                   v, prove, ent, eq_sides));
    END LOOP;
    FOR src IN SELECT k, x FROM jsonb_each(lin) e(k, x) WHERE x::text LIKE '%#expr#%' LOOP
        paths := '[]';
        ok := true;
        FOR p IN SELECT x FROM jsonb_array_elements(src.x->'paths') x LOOP
            hops := '[]';
            prev := (src.x->>'relid')::oid::regclass;
            FOR h IN SELECT x FROM jsonb_array_elements(p->'hops') x LOOP
                FOREACH side IN ARRAY ARRAY['from', 'to'] LOOP
                    col := h->>side;
                    CONTINUE WHEN col NOT LIKE '#expr#%';
                    IF jsonb_typeof(sql->col) IS DISTINCT FROM 'object' OR h ? 'arr' OR h ? 'closure' THEN
                        ok := false;
                    ELSE
                        h := h || jsonb_build_object(side || '_x', sql->col);
                    END IF;
                END LOOP;
                t_from := coalesce((h->'from_x'->>'typeoid')::oid, (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = prev AND a.attname = h->>'from'));
                prev := to_regclass(format('%I.%I', h->>'schema', h->>'table'));
                t_to := coalesce((h->'to_x'->>'typeoid')::oid, (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = prev AND a.attname = h->>'to'));
                IF (h ? 'from_x' OR h ? 'to_x') AND NOT public.pg_tviews__one_type(t_from, t_to) THEN
                    ok := false;
                END IF;
                hops := hops || jsonb_build_array(h);
            END LOOP;
            p := jsonb_set(p, '{hops}', hops);
            col := p->>'key';
            IF col LIKE '#expr#%' THEN
                IF jsonb_typeof(sql->col) IS DISTINCT FROM 'object'
                   OR (sql->col->>'typeoid')::oid <> key_type::regtype
                      AND NOT ((sql->col->>'typeoid')::oid = ANY(ints) AND key_type::regtype = ANY(ints)
                               AND public.pg_tviews__key_fits((sql->col->>'typeoid')::oid::regtype, key_type, 'x') IS NULL) THEN
                    ok := false;
                ELSE
                    p := p || jsonb_build_object('key', NULL, 'key_expr', sql->col->'x_sql', 'key_alias', sql->col->'alias', 'key_cols', sql->col->'cols',
                                                 'key_x', jsonb_build_object('col', col, 'y_sql', sql->col->'y_sql'));
                END IF;
            END IF;
            paths := paths || jsonb_build_array(p);
        END LOOP;
        lin := jsonb_set(lin, ARRAY[src.k], CASE WHEN ok THEN jsonb_set(src.x, '{paths}', paths)
                                                 ELSE jsonb_set(jsonb_set(src.x, '{paths}', '[]'), '{unlinked}', (src.x->'unlinked') || '["expr"]') END);
    END LOOP;
    RETURN lin;
END
$fn$;

-- A key that reads nothing (SELECT 1 AS pk_total, count(*) …, a whole-table aggregate): every change of every source
-- maps to that one key, which is what a full refresh recomputes (a pg_tviews__an_plain_expr without columns)
CREATE OR REPLACE FUNCTION public.pg_tviews__an_constant_key(q jsonb, key_attno int) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT e IS NOT NULL AND NOT q ? 'setOperations' AND public.pg_tviews__an_plain_expr(e)
       AND NOT jsonb_path_exists(e, 'strict $.** ? (@."_" == "VAR")')
      FROM (SELECT t->'expr' AS e FROM jsonb_array_elements(q->'targetList') t WHERE (t->>'resno')::int = key_attno) k;
$$;

-- Types and what they are made of: a domain's base type, an array's (or point's) elements, a range's subtype, a
-- multirange's range, a composite's fields (their text is made of their parts' text)
CREATE OR REPLACE FUNCTION public.pg_tviews__type_closure(types oid[]) RETURNS oid[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE t(o) AS (
        SELECT u FROM unnest(types) u
        UNION
        SELECT x.o FROM t JOIN pg_type ty ON ty.oid = t.o
         CROSS JOIN LATERAL (SELECT ty.typbasetype WHERE ty.typtype = 'd'
                             UNION ALL SELECT ty.typelem WHERE ty.typelem <> 0
                             UNION ALL SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = ty.oid
                             UNION ALL SELECT r.rngtypid FROM pg_range r WHERE r.rngmultitypid = ty.oid
                             UNION ALL SELECT a.atttypid FROM pg_attribute a
                                        WHERE ty.typtype = 'c' AND a.attrelid = ty.typrelid AND a.attnum > 0 AND NOT a.attisdropped) x(o))
    SELECT coalesce(array_agg(o), '{}') FROM t
$$;

-- Two lineages of one query's sources (pg_tviews__an_outer_key: its matched and its null-extended rows): each source's
-- paths of both, and an occurrence unlinked in either is unlinked.
CREATE OR REPLACE FUNCTION public.pg_tviews__an_merged_lineage(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_object_agg(k, coalesce(a->k, b->k)
               || jsonb_build_object('paths', coalesce(a->k->'paths', '[]')
                                              || coalesce((SELECT jsonb_agg(p ORDER BY o) FROM jsonb_array_elements(b->k->'paths') WITH ORDINALITY x(p, o)
                                                            WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(a->k->'paths') y WHERE y = p)), '[]'),
                                     'unlinked', (SELECT coalesce(jsonb_agg(DISTINCT u), '[]')
                                                    FROM jsonb_array_elements(coalesce(a->k->'unlinked', '[]') || coalesce(b->k->'unlinked', '[]')) u))), '{}')
      FROM (SELECT jsonb_object_keys(a) UNION SELECT jsonb_object_keys(b)) s(k)
$$;

-- Is output column attno of q a column that no outer join null-extends (pg_tviews__an_via)?
CREATE OR REPLACE FUNCTION public.pg_tviews__an_never_extended(q jsonb, attno int) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    e jsonb := public.pg_tviews__an_strip((SELECT t->'expr' FROM jsonb_array_elements(q->'targetList') t WHERE (t->>'resno')::int = attno));
    rte jsonb;
    -- (an outer join, or a view, which may hold one)
    outer_join constant jsonpath := 'strict $.** ? (@._ == "JOINEXPR" && @.jointype != "0" || @.relkind == "v")';
BEGIN
    IF e->>'_' IS DISTINCT FROM 'VAR' OR (e->>'varlevelsup')::int <> 0 OR (e->>'varattno')::int <= 0 THEN
        RETURN false;
    END IF;
    rte := q->'rtable'->((e->>'varno')::int - 1);
    IF rte->>'rtekind' = '2' THEN
        e := public.pg_tviews__an_strip(rte->'joinaliasvars'->((e->>'varattno')::int - 1));
        -- (a FULL JOIN's merged USING column, coalesce(a.i, b.i): the value of whichever side is present, NULL only as
        -- data, where that join is the level's only outer join and both sides are tables; hunt 34)
        IF public.pg_tviews__an_full_join_coalesce(q, e) THEN
            RETURN (SELECT count(*) FROM jsonb_path_query(q->'jointree', 'strict $.** ? (@._ == "JOINEXPR" && @.jointype != "0")') x) = 1
               AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(e->'args') x
                                WHERE NOT EXISTS (SELECT 1 FROM pg_class r
                                                   WHERE r.oid = (q->'rtable'->((public.pg_tviews__an_strip(x)->>'varno')::int - 1)->>'relid')::oid
                                                     AND r.relkind IN ('r', 'p')));
        END IF;
        IF e->>'_' IS DISTINCT FROM 'VAR' OR (e->>'varlevelsup')::int <> 0 OR (e->>'varattno')::int <= 0 THEN
            RETURN false;
        END IF;
        rte := q->'rtable'->((e->>'varno')::int - 1);
    END IF;
    IF (e->>'varno')::int = ANY(public.pg_tviews__an_key_nullable_rtis(q)) AND NOT public.pg_tviews__an_tested_not_null(q, e) THEN
        RETURN false;
    END IF;
    RETURN CASE rte->>'rtekind'
               WHEN '0' THEN EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = (rte->>'relid')::oid AND r.relkind IN ('r', 'p'))
               WHEN '1' THEN NOT jsonb_path_exists(rte, outer_join)
               WHEN '6' THEN NOT jsonb_path_exists(coalesce(q->'cteList', '[]'), outer_join) AND rte->>'ctelevelsup' = '0'
               ELSE false END;
END
$fn$;

-- A key that no lineage reaches from every table (a composite key of two tables' own ids, a.id || '/' || b.id over
-- a JOIN b USING (i): pg_ivm's flat joins; since 0.3.32, refused before) is followed through another column c of the
-- result that every table's changes do reach, as they would reach a key (i, or a.v AS v1 where b reaches a by
-- b.i = a.i): a changed row gives the c values of the rows it was and is part of, and the flush turns them into keys,
-- the TVIEW's rows holding those values (the old rows, which the TVIEW table itself holds) and the query's (the new
-- ones). Every row a changed row is part of, before or after, holds one of them. No row is missed when another table
-- changed too (the other rows are in the TVIEW as they were), and no delta of old images is needed. One lock row per
-- TVIEW serialises such flushes (scope 'via'): two writers whose rows meet in a new row of the result could each
-- miss it otherwise. c: the first column that every table reaches, of a type with equality that agrees with its hashing
-- (pg_tviews__hash_consistent: the lookups are "= ANY") and is built in (not citext's: pg_tviews__foreign_eq; hunt 35);
-- only a query without set operations, DISTINCT ON, grouping sets, window functions, recursion or set-returning
-- functions in its SELECT lists, at any level. A NULL is a value of c like any other, so c is first sought among the
-- columns that are not NULL where a row is null-extended: an expression of one table (pg_tviews__an_key_expr, which reads
-- no nullable side), or a column of a table that no outer join of the level null-extends (or a strict WHERE requires),
-- or of a subquery, CTE or USING column with no outer join below it, or a FULL JOIN's merged column
-- (pg_tviews__an_never_extended); then among the columns of null-extended tables (nulls, below). NULL lin when none
-- serves.
DROP FUNCTION IF EXISTS public.pg_tviews__an_via(jsonb, jsonb, int, regclass, boolean, text, text);
CREATE OR REPLACE FUNCTION public.pg_tviews__an_via(q jsonb, acc jsonb, key_attno int, v regclass, prove boolean, ent text, policy text,
                                                   OUT lin jsonb, OUT col text, OUT nulls boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    c record;
    kx jsonb;
    l jsonb;
    extended jsonb := '[]';
BEGIN
    IF jsonb_path_exists(q, 'strict $.** ? (exists (@.setOperations) || exists (@.groupingSets))')
       OR jsonb_path_exists(q, 'strict $.** ? (@.hasWindowFuncs == "true" || @.hasRecursive == "true" || @.hasTargetSRFs == "true" || @.hasDistinctOn == "true")') THEN
        RETURN;
    END IF;
    FOR c IN SELECT a.attname::text AS name, a.attnum::int AS attno, public.pg_tviews__type_name(a.atttypid, a.atttypmod) AS typ
               FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
              WHERE a.attrelid = v AND a.attnum > 0 AND NOT a.attisdropped AND a.attnum <> key_attno AND t.typcategory <> 'A'
                AND public.pg_tviews__hash_consistent(a.atttypid) AND public.pg_tviews__foreign_eq(a.atttypid) IS NULL
              ORDER BY a.attnum LOOP
        BEGIN
            EXECUTE format('SELECT 1 FROM (SELECT NULL::%s AS k) x GROUP BY k', c.typ);
        EXCEPTION WHEN undefined_function THEN
            CONTINUE;
        END;
        kx := public.pg_tviews__an_key_expr(q, c.attno, c.name, v, prove, ent);
        IF kx IS NULL AND NOT public.pg_tviews__an_never_extended(q, c.attno) THEN
            extended := extended || coalesce((SELECT jsonb_build_object('name', c.name, 'attno', c.attno, 'typ', c.typ, 'occ', '0:' || r)
                                                FROM public.pg_tviews__an_column_table(q, c.attno) r WHERE r IS NOT NULL), '[]');
            CONTINUE;
        END IF;
        l := public.pg_tviews__an_via_lineage(acc, c.attno, kx, v, prove, ent, c.typ, policy);
        IF l IS NOT NULL THEN
            lin := l;
            col := c.name;
            nulls := false;
            RETURN;
        END IF;
    END LOOP;
    -- A column of a table that an outer join null-extends, only when no other serves (hunt 30's chains of FULL and LEFT
    -- JOINs keyed by all their tables' ids; since 0.3.33). Where that table is present, the edges that need it are
    -- usable (its occurrence is assumed present: pg_tviews__an_path), and a changed row's walk gives the value there;
    -- where it is absent the row holds NULL, which the walk does not give: every changed row queues a NULL too
    -- (pg_tviews__gen_queue), so the flush recomputes the rows holding NULL as well, which reads those rows of the
    -- query (all of a FULL JOIN's: a cost that grows with the query, as a refresh's does; documented).
    FOR c IN SELECT x->>'name' AS name, (x->>'attno')::int AS attno, x->>'typ' AS typ, x->>'occ' AS occ FROM jsonb_array_elements(extended) x LOOP
        l := public.pg_tviews__an_via_lineage(acc || jsonb_build_object('assume', jsonb_build_array(c.occ)), c.attno, NULL, v, prove, ent, c.typ, policy);
        IF l IS NOT NULL THEN
            lin := l;
            col := c.name;
            nulls := true;
            RETURN;
        END IF;
    END LOOP;
END
$fn$;

-- The lineage of sources to column attno as to a key (pg_tviews__an_via), NULL where some table's changes do not reach it
CREATE OR REPLACE FUNCTION public.pg_tviews__an_via_lineage(acc jsonb, attno int, kx jsonb, v regclass, prove boolean, ent text, typ text, policy text)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    l jsonb;
BEGIN
    l := public.pg_tviews__an_lineage(acc, attno, kx);
    l := public.pg_tviews__an_resolve_x(l, acc, v, prove, ent, typ);
    l := public.pg_tviews__an_grouping_sets(l, acc, policy);
    IF EXISTS (SELECT 1 FROM jsonb_each(l) e(k, x) WHERE jsonb_array_length(coalesce(x->'unlinked', '[]')) > 0)
       OR EXISTS (SELECT 1 FROM jsonb_each(l) e(k, x) WHERE jsonb_array_length(coalesce(x->'paths', '[]')) = 0) THEN
        RETURN NULL;
    END IF;
    RETURN l;
END
$fn$;

-- The range-table index of the table (of q's own level) whose column output column attno of q is (or a join's column
-- stands for), NULL when it is none
CREATE OR REPLACE FUNCTION public.pg_tviews__an_column_table(q jsonb, attno int) RETURNS int
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    e jsonb := public.pg_tviews__an_strip((SELECT t->'expr' FROM jsonb_array_elements(q->'targetList') t WHERE (t->>'resno')::int = attno));
    rte jsonb;
BEGIN
    IF e->>'_' IS DISTINCT FROM 'VAR' OR (e->>'varlevelsup')::int <> 0 OR (e->>'varattno')::int <= 0 THEN
        RETURN NULL;
    END IF;
    rte := q->'rtable'->((e->>'varno')::int - 1);
    IF rte->>'rtekind' = '2' THEN
        e := public.pg_tviews__an_strip(rte->'joinaliasvars'->((e->>'varattno')::int - 1));
        IF e->>'_' IS DISTINCT FROM 'VAR' OR (e->>'varlevelsup')::int <> 0 OR (e->>'varattno')::int <= 0 THEN
            RETURN NULL;
        END IF;
        rte := q->'rtable'->((e->>'varno')::int - 1);
    END IF;
    RETURN CASE WHEN rte->>'rtekind' = '0' AND EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = (rte->>'relid')::oid AND r.relkind IN ('r', 'p'))
                THEN (e->>'varno')::int END;
END
$fn$;

-- (prove: see pg_tviews__an_key_expr; the health check passes false)
DROP FUNCTION IF EXISTS public.pg_tviews__analyze_view(text, text, text, regclass, jsonb);
CREATE OR REPLACE FUNCTION public.pg_tviews__analyze_view(sch text, tbl text, ent text, v regclass, options jsonb, prove boolean DEFAULT true)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET jit = off AS $fn$
DECLARE
    key_col text;
    key_attno int;
    key_type text;
    old_sp text;
    qdef text;
    tvcols text[];
    acc jsonb;
    lin jsonb;
    kx jsonb;
    kx_matched jsonb;
    q_matched jsonb;
    acc_matched jsonb;
    nulled int;
    untraced_expr boolean;
    constant_key boolean;
    src jsonb;
    dep jsonb;
    deps jsonb := '[]';
    refused jsonb := '[]';
    dependent_on text[] := '{}';
    p jsonb;
    h jsonb;
    hops jsonb;
    paths jsonb;
    from_tbl text;
    near jsonb := '{}';
    f text;
    policy text := coalesce(options->>'uncascaded_policy', 'error');
    settings_used text[];
    trees jsonb;
    fns oid[];
    tys oid[];
    types_text text;
    q_raw jsonb;
    via text;
    via_nulls boolean;
    lin_via jsonb;
BEGIN
    options := coalesce(options, '{}');
    key_col := coalesce(options->>'key', 'pk_' || substr(tbl, 4));
    SELECT array_agg(attname::text ORDER BY attnum) INTO tvcols
      FROM pg_attribute WHERE attrelid = v AND attnum > 0 AND NOT attisdropped;
    IF NOT key_col = ANY(tvcols) THEN
        RAISE EXCEPTION 'the TVIEW query for %.% has no key column "%"', sch, tbl, key_col USING ERRCODE = '42703',
            DETAIL = format('Query columns: %s', array_to_string(tvcols, ', ')),
            HINT = format('Select the key as a column named %s, or name the key column with options.key.', key_col);
    END IF;
    SELECT public.pg_tviews__type_name(atttypid, atttypmod), attnum INTO key_type, key_attno
      FROM pg_attribute WHERE attrelid = v AND attname = key_col;
    -- a set of keys is an array of the key's type, and an array of arrays is one array (0.3.8 accepted such a key, and
    -- every write to its sources then failed)
    IF EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                WHERE a.attrelid = v AND a.attname = key_col AND t.typcategory = 'A') THEN
        RAISE EXCEPTION 'the key column "%" of TVIEW %.% is an array (%)', key_col, sch, tbl, key_type USING ERRCODE = '0A000',
            HINT = 'Key the TVIEW by a scalar column (the array''s text, array_to_string(…), is one if it is unique).';
    END IF;
    -- (json, point, xml, a row of a json: no equality, so no primary key; 0.3.15 failed with the planner's error about
    -- its own duplicate check)
    BEGIN
        EXECUTE format('SELECT 1 FROM (SELECT NULL::%s AS k) x GROUP BY k', key_type);
    EXCEPTION WHEN undefined_function THEN
        RAISE EXCEPTION 'the key column "%" of TVIEW %.% is of type %, which has no equality operator', key_col, sch, tbl, key_type
            USING ERRCODE = '0A000', HINT = 'Key the TVIEW by a column of a type with equality (jsonb rather than json, or the value''s text if it is unique).';
    END;

    qdef := regexp_replace(public.pg_tviews__viewdef(v), E'[;\\s]+$', '');

    SELECT public.pg_tviews__node_json(r.ev_action)->0 INTO acc FROM pg_rewrite r WHERE r.ev_class = v AND r.rulename = '_RETURN';
    PERFORM public.pg_tviews__an_deterministic(acc);
    PERFORM public.pg_tviews__refuse_nullable_key(acc, key_attno, key_col, sch, tbl);
    kx := public.pg_tviews__an_key_expr(acc, key_attno, key_col, v, prove, ent);
    IF kx IS NULL THEN
        -- a key that reads an outer join's nullable side: its matched and its null-extended rows' keys (0.3.31)
        SELECT o.q_matched, o.rti INTO q_matched, nulled FROM public.pg_tviews__an_outer_key(acc, key_attno) o;
        IF q_matched IS NOT NULL THEN
            kx_matched := public.pg_tviews__an_key_expr(q_matched, key_attno, key_col, v, prove, ent);
        END IF;
        IF kx_matched IS NOT NULL THEN
            kx := public.pg_tviews__an_key_expr_of_level(acc, key_attno, key_col, v, prove, '0', 1, ent, nulled);
        END IF;
    END IF;
    constant_key := public.pg_tviews__an_constant_key(acc, key_attno);
    untraced_expr := kx IS NULL AND public.pg_tviews__an_var((SELECT t->'expr' FROM jsonb_array_elements(acc->'targetList') t
                                                               WHERE (t->>'resno')::int = key_attno), '0') IS NULL;
    -- date/time, interval and float values print according to TimeZone, DateStyle, IntervalStyle, extra_float_digits;
    -- bytea by bytea_output, money by lc_monetary, xml's binary content by xmlbinary; to_char() and the text search
    -- functions that take no configuration depend on lc_numeric, lc_time and default_text_search_config
    -- (only the settings the query's values depend on are pinned: each one a maintenance function sets costs every call)
    -- (the types of the tree, and what they are made of: a domain's base type, an array's elements, a range's, a
    -- composite's fields; 0.3.19 looked at the tree's own type OIDs only, and kept no settings for a domain over
    -- double precision, a daterange or a row type with a timestamptz field)
    -- (the trees of the views it reads too, which may print or join such values themselves; since 0.3.20)
    trees := jsonb_build_array(acc) || coalesce((SELECT jsonb_agg(public.pg_tviews__node_json(r.ev_action))
                                                   FROM public.pg_tviews__view_closure(v) c JOIN pg_rewrite r ON r.ev_class = c AND r.rulename = '_RETURN'
                                                  WHERE c <> v), '[]');
    tys := public.pg_tviews__type_closure(ARRAY(
                              SELECT DISTINCT x[1]::oid FROM regexp_matches(trees::text, '"[a-z_]*type[a-z_]*": "([0-9]+)"', 'g') x
                              UNION SELECT DISTINCT y::oid FROM regexp_matches(trees::text, E'"[a-z_]*types[a-z_]*": \\[([^]]*)\\]', 'g') x
                                                         CROSS JOIN LATERAL regexp_split_to_table(x[1], '[^0-9]+') y WHERE y <> ''));
    types_text := (SELECT string_agg(format('"xtype": "%s"', t), ' ') FROM unnest(tys) t);
    -- the functions called, directly or through an operator (text @@ text reads default_text_search_config)
    fns := ARRAY(SELECT (fi #>> '{}')::oid FROM jsonb_path_query(trees, 'strict $.**.funcid') fi
                 UNION SELECT o.oprcode::oid FROM jsonb_path_query(trees, 'strict $.**.opno') x JOIN pg_operator o ON o.oid = (x #>> '{}')::oid);
    settings_used := ARRAY(SELECT DISTINCT u FROM unnest(
          -- (timezone_abbreviations since 0.3.20: text read as a date/time value, '... IST', is India's or Israel's time as it says)
          CASE WHEN types_text ~ '"xtype": "(1082|1083|1114|1184|1186|1266|700|701|790|1182|1183|1115|1185|1187|1270|1021|1022|791)"'
               THEN ARRAY['TimeZone', 'DateStyle', 'IntervalStyle', 'extra_float_digits', 'timezone_abbreviations'] END
          -- (an array's text reads NULL back as the string 'NULL' under array_nulls = off; since 0.3.20)
          || CASE WHEN EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = ANY(tys) AND t.typcategory = 'A') THEN ARRAY['array_nulls'] END
          || CASE WHEN types_text ~ '"xtype": "(17|1001)"' THEN ARRAY['bytea_output'] END
          || CASE WHEN types_text ~ '"xtype": "(790|791)"' THEN ARRAY['lc_monetary'] END
          -- (xmloption decides which text reads as xml and what xml_is_well_formed() accepts; quote_all_identifiers how
          -- quote_ident(), format('%I') and reg* values print; gin_fuzzy_search_limit cuts what a GIN index scan returns,
          -- also a lookup of the generated code: always pinned to 0; each since 0.3.22, 0.3.21 ran them as the writer had them)
          || CASE WHEN types_text ~ '"xtype": "(142|143)"' THEN ARRAY['xmlbinary', 'xmloption'] END
          || ARRAY(SELECT 'xmloption' FROM unnest(fns) fo(o) JOIN pg_proc pr ON pr.oid = fo.o
                    WHERE pr.pronamespace = 'pg_catalog'::regnamespace AND pr.proname = 'xml_is_well_formed')
          || CASE WHEN types_text ~ '"xtype": "(24|2202|2203|2204|2205|2206|3734|3769|4089|4096|4191)"'
                    OR EXISTS (SELECT 1 FROM unnest(fns) fo(o) JOIN pg_proc pr ON pr.oid = fo.o
                                WHERE pr.pronamespace = 'pg_catalog'::regnamespace
                                  AND (pr.proname IN ('quote_ident', 'format') OR pr.proname LIKE E'pg\\_get\\_%'))
                  THEN ARRAY['quote_all_identifiers'] END
          || CASE WHEN EXISTS (WITH RECURSIVE t(oid) AS (SELECT c FROM public.pg_tviews__view_closure(v) c
                                                         UNION SELECT i.inhrelid FROM t JOIN pg_inherits i ON i.inhparent = t.oid)
                               SELECT 1 FROM t JOIN pg_index x ON x.indrelid = t.oid JOIN pg_class ic ON ic.oid = x.indexrelid
                                 JOIN pg_am am ON am.oid = ic.relam WHERE am.amname = 'gin')
                  THEN ARRAY['gin_fuzzy_search_limit'] END
          -- (row_security = off in a writer's session makes a query that a policy applies to fail, as the TVIEW's owner
          -- too: always pinned on where a table it reads has row-level security; since 0.3.24, 0.3.23 failed such writes
          -- with 42501, also the table owner's, which plain tables accept; only the tables it names: a query of a partitioned
          -- or parent table applies that table's policies, never its partitions' or children's, so a partition's own
          -- ENABLE ROW LEVEL SECURITY changes nothing it reads, and 0.3.24's health check reported it as unpinned)
          || CASE WHEN EXISTS (SELECT 1 FROM public.pg_tviews__view_closure(v) t(oid) JOIN pg_class c ON c.oid = t.oid WHERE c.relrowsecurity)
                  THEN ARRAY['row_security'] END
          || ARRAY(SELECT CASE WHEN pr.proname = 'to_char' THEN x ELSE 'default_text_search_config' END
                     FROM unnest(fns) fo(o) JOIN pg_proc pr ON pr.oid = fo.o
                     CROSS JOIN unnest(ARRAY['lc_numeric', 'lc_time']) x
                    WHERE pr.pronamespace = 'pg_catalog'::regnamespace
                      AND pr.proname IN ('to_char', 'to_tsvector', 'to_tsquery', 'plainto_tsquery', 'phraseto_tsquery', 'websearch_to_tsquery',
                                         'ts_headline', 'json_to_tsvector', 'jsonb_to_tsvector', 'ts_match_tt', 'ts_match_tq'))
          -- (a function of the user's may print or read such values inside, whatever its label says: all of them; since 0.3.20)
          || CASE WHEN EXISTS (SELECT 1 FROM unnest(fns) fo(o) JOIN pg_proc pr ON pr.oid = fo.o WHERE pr.pronamespace <> 'pg_catalog'::regnamespace)
                  THEN public.pg_tviews__setting_names() END
          -- (jsonb_path_*_tz compare and convert datetime() values in TimeZone, with no date/time node in the tree)
          || ARRAY(SELECT 'TimeZone' FROM unnest(fns) fo(o) JOIN pg_proc pr ON pr.oid = fo.o
                    WHERE pr.pronamespace = 'pg_catalog'::regnamespace AND pr.proname LIKE E'jsonb\\_path\\_%\\_tz')) u
        ORDER BY u);
    q_raw := acc;
    acc := public.pg_tviews__an_query(acc, '0', '[]', '{"n": 0, "edges": [], "occs": []}');
    lin := public.pg_tviews__an_lineage(acc, key_attno, kx);
    lin := public.pg_tviews__an_resolve_x(lin, acc, v, prove, ent, key_type);
    IF kx IS NOT NULL AND kx_matched IS NOT NULL THEN
        acc_matched := public.pg_tviews__an_query(q_matched, '0', '[]', '{"n": 0, "edges": [], "occs": []}');
        lin := public.pg_tviews__an_merged_lineage(lin, public.pg_tviews__an_resolve_x(public.pg_tviews__an_lineage(acc_matched, key_attno, kx_matched),
                                                                                        acc_matched, v, prove, ent, key_type));
    END IF;
    lin := public.pg_tviews__an_grouping_sets(lin, acc, policy);
    -- a key that some table's changes do not reach: through another column, if one serves (0.3.32)
    IF NOT constant_key AND kx_matched IS NULL
       AND EXISTS (SELECT 1 FROM jsonb_each(lin) e(k, x) WHERE jsonb_array_length(coalesce(x->'unlinked', '[]')) > 0) THEN
        SELECT a.lin, a.col, a.nulls INTO lin_via, via, via_nulls FROM public.pg_tviews__an_via(q_raw, acc, key_attno, v, prove, ent, policy) a;
        IF via IS NOT NULL THEN
            lin := lin_via;
            untraced_expr := false;
        END IF;

    END IF;

    -- hop identities (lock classes), and the near side of every hop
    -- (not of the paths of a source with an occurrence no path reaches: it is refused or refreshed in full, and its
    -- other occurrences' hops are walked by nobody; 0.3.26 kept their near sides, which a health check that could not
    -- prove an expression's text did not find, and reported the TVIEW's catalog as damaged; hunt 21)
    FOR src IN SELECT x FROM jsonb_each(lin) e(k, x) LOOP
        paths := '[]';
        FOR p IN SELECT x FROM jsonb_array_elements(CASE WHEN jsonb_array_length(coalesce(src->'unlinked', '[]')) = 0 THEN src->'paths' ELSE '[]' END) x LOOP
            hops := '[]';
            from_tbl := (src->>'schema') || '.' || (src->>'table');
            FOR h IN SELECT x FROM jsonb_array_elements(p->'hops') x LOOP
                h := h || jsonb_build_object('id', hashtext(ent || '|' || from_tbl || '.' || (h->>'from') || '=' || (h->>'schema') || '.' || (h->>'table') || '.' || (h->>'to')
                                                            || coalesce('|' || (h->>'arr'), '') || CASE WHEN h ? 'closure' THEN '|closure' ELSE '' END));
                near := jsonb_set(near, ARRAY[(h->>'schema') || '.' || (h->>'table')],
                                  coalesce(near->((h->>'schema') || '.' || (h->>'table')), '[]')
                                  || jsonb_build_array(jsonb_build_object('id', h->'id', 'col', h->'to') || CASE WHEN h->>'arr' = 'to' THEN '{"arr": "to"}' ELSE '{}' END::jsonb
                                                       || CASE WHEN h ? 'to_x' THEN jsonb_build_object('to_x', h->'to_x') ELSE '{}' END));
                hops := hops || jsonb_build_array(h);
                from_tbl := (h->>'schema') || '.' || (h->>'table');
            END LOOP;
            paths := paths || jsonb_build_array(jsonb_build_object('hops', hops, 'key', p->'key')
                                                || jsonb_strip_nulls(jsonb_build_object('key_expr', p->'key_expr', 'key_alias', p->'key_alias', 'key_cols', p->'key_cols',
                                                                                        'key_x', p->'key_x', 'key_srf', p->'key_srf', 'key_from', p->'key_from')));
        END LOOP;
        lin := jsonb_set(lin, ARRAY[(src->>'schema') || '.' || (src->>'table'), 'paths'], paths);
    END LOOP;

    FOR src IN SELECT x FROM jsonb_each(lin) e(k, x) ORDER BY k LOOP
        dep := jsonb_build_object('schema', src->>'schema', 'table', src->>'table', 'relkind', src->>'relkind');
        SELECT m2.entity INTO f FROM public.pg_tview_meta m2 WHERE m2.schema_name = src->>'schema' AND m2.table_name = src->>'table';
        IF FOUND THEN
            dep := dep || jsonb_build_object('tview', f);
            dependent_on := dependent_on || f;
        END IF;
        IF jsonb_array_length(src->'unlinked') > 0 THEN
            IF constant_key THEN
                dep := dep || jsonb_build_object('kind', 'full', 'lineage', 'constant_key');
            ELSIF EXISTS (SELECT 1 FROM jsonb_array_elements_text(src->'unlinked') u
                           JOIN jsonb_array_elements_text(coalesce(acc->'global', '[]')) g ON u = g OR left(u, length(g) + 1) = g || '/') THEN
                -- read by a subquery that reads nothing of the rows around it (pg_tviews__an_sublink): every key reads its
                -- one value, so every change of the table is refreshed in full, which serves its other uses too (since
                -- 0.3.33; refused before unless by uncascaded_policy). (Not: "every use unlinked is such a subquery": the
                -- health check, which proves no expression, leaves more uses unlinked than the create, and would disagree)
                dep := dep || jsonb_build_object('kind', 'full', 'lineage', 'uncorrelated');
            ELSIF policy = 'full_refresh' THEN
                dep := dep || jsonb_build_object('kind', 'full', 'lineage', 'uncascaded_policy');
            ELSE
                refused := refused || jsonb_build_array(format('%I.%I', src->>'schema', src->>'table'));
                CONTINUE;
            END IF;
        ELSE
            dep := dep || jsonb_build_object('kind', 'keyed', 'lineage', 'query', 'paths', src->'paths',
                                             'near', (SELECT coalesce(jsonb_agg(DISTINCT x), '[]') FROM jsonb_array_elements(near->((src->>'schema') || '.' || (src->>'table'))) x))
                       || CASE WHEN via IS NOT NULL THEN jsonb_build_object('via', via) ELSE '{}' END::jsonb
                       || CASE WHEN via_nulls THEN '{"via_nulls": true}' ELSE '{}' END::jsonb;
        END IF;
        deps := deps || jsonb_build_array(dep);
    END LOOP;
    f := public.pg_tviews__session_policies((SELECT jsonb_agg(x) FROM jsonb_each(lin) e(k, x)),
                                       coalesce((SELECT mm.owner FROM public.pg_tview_meta mm WHERE mm.entity = ent), current_user),
                                       public.pg_tviews__view_owners(v));
    IF f IS NOT NULL THEN
        RAISE EXCEPTION 'row-level security policy % applies to a role that reads the table for the TVIEW (its owner, or the owner of a view it reads) and depends on the session that writes or on another table: the TVIEW''s rows would too', f
            USING ERRCODE = '0A000',
            HINT = 'Read the table as its owner or a member that inherits its rights, without FORCE ROW LEVEL SECURITY (not through another role''s view), give that role BYPASSRLS, or write the policy on the rows'' own values and CURRENT_USER only.';
    END IF;
    f := public.pg_tviews__nested_sources((SELECT jsonb_agg(x) FROM jsonb_each(lin) e(k, x)));
    IF f IS NOT NULL THEN
        RAISE EXCEPTION 'the TVIEW query reads a table both on its own and as a partition or child of another table it reads: %', f
            USING ERRCODE = '0A000',
            HINT = 'Read the rows through the parent only (filtering them there), or through the partition only.';
    END IF;
    -- (first: a partition read directly, itself partitioned, also has a parent outside the tables it reads; 0.3.27 said
    -- it was a child with another parent)
    f := public.pg_tviews__child_sources((SELECT jsonb_agg(x) FROM jsonb_each(lin) e(k, x)));
    IF f IS NOT NULL THEN
        RAISE EXCEPTION 'the TVIEW query reads a partition or an inheritance child directly: %', f
            USING ERRCODE = '0A000', DETAIL = 'A statement that names its parent (INSERT, UPDATE, DELETE, MERGE, a cascade) fires no statement trigger on it: the TVIEW would miss those writes.',
            HINT = 'Read the parent table instead, filtered by the partition key or on tableoid: writes through any of its partitions or children are followed.';
    END IF;
    f := public.pg_tviews__shared_children((SELECT jsonb_agg(x) FROM jsonb_each(lin) e(k, x)));
    IF f IS NOT NULL THEN
        RAISE EXCEPTION 'the TVIEW query reads a table through an inheritance child that has another parent too: %', f
            USING ERRCODE = '0A000',
            DETAIL = 'A statement that names the other parent changes the child''s rows and fires none of the TVIEW''s triggers.',
            HINT = 'Give the child one parent (ALTER TABLE … NO INHERIT), or read the rows through a table without such a child.';
    END IF;
    f := public.pg_tviews__subscribed_sources((SELECT jsonb_agg(x) FROM jsonb_each(lin) e(k, x)));
    IF f IS NOT NULL THEN
        RAISE EXCEPTION 'the TVIEW query reads a table that a logical replication subscription writes: %', f
            USING ERRCODE = '0A000', DETAIL = public.pg_tviews__subscribed_why(),
            HINT = 'Create the TVIEW on the publisher (a TVIEW''s table can itself be published), or read tables this database writes.';
    END IF;
    f := public.pg_tviews__unlogged_sources((SELECT jsonb_agg(x) FROM jsonb_each(lin) e(k, x)));
    IF f IS NOT NULL THEN
        RAISE EXCEPTION 'the TVIEW query reads an unlogged table: %', f
            USING ERRCODE = '0A000', DETAIL = public.pg_tviews__unlogged_why(),
            HINT = 'Make it logged (ALTER TABLE ... SET LOGGED), or keep what the TVIEW reads in logged tables.';
    END IF;
    RETURN jsonb_build_object('key_column', key_col, 'key_type', key_type, 'qualified', qdef, 'key_untraced_expression', untraced_expr,
                              'recursive', coalesce((acc->>'recursive')::boolean, false),
                              'dependencies', deps, 'dependent_on', to_jsonb(dependent_on),
                              'columns', to_jsonb(tvcols), 'refused', refused, 'settings_used', to_jsonb(settings_used));
END
$fn$;

-- Refusal of untraceable sources (after the cycle check, so a cycle is reported as such).
-- The "=" of a key or join column's type when it is not built in (citext, ltree): the generated code runs with
-- search_path = pg_catalog, where it would not resolve or would resolve to another type's (citext: text's).
CREATE OR REPLACE FUNCTION public.pg_tviews__foreign_eq(t oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('%s (%I.%s)', format_type(b.oid, NULL), n.nspname, o.oprname)
      FROM (SELECT CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END AS oid FROM pg_type ty WHERE ty.oid = t) b
      JOIN pg_operator o ON o.oprname = '=' AND o.oprleft = b.oid AND o.oprright = b.oid
      JOIN pg_namespace n ON n.oid = o.oprnamespace
     WHERE n.nspname <> 'pg_catalog' LIMIT 1;
$$;

-- Does "=" of type t agree with its hashing? Not for a range (or a multirange, array or domain of one) whose bounds
-- compare by another btree class than the subtype's default: hash_range hashes them by the default's hash function, so
-- a hash join, or a hashed "= ANY", misses equal ranges that a nested loop finds (a range over int4 whose class equates
-- -1 and 1: the query's own result depends on its plan; 0.3.31 joined such columns, found by 0.3.32's tests)
CREATE OR REPLACE FUNCTION public.pg_tviews__hash_consistent(t oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN ty.typtype = 'r' THEN EXISTS (SELECT 1 FROM pg_range r JOIN pg_opclass oc ON oc.oid = r.rngsubopc
                                                    WHERE r.rngtypid = ty.oid AND oc.opcdefault AND oc.opcintype = r.rngsubtype)
                                           AND public.pg_tviews__hash_consistent((SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = ty.oid))
                WHEN ty.typtype = 'm' THEN public.pg_tviews__hash_consistent((SELECT r.rngtypid FROM pg_range r WHERE r.rngmultitypid = ty.oid))
                WHEN ty.typelem <> 0 AND ty.typcategory = 'A' THEN public.pg_tviews__hash_consistent(ty.typelem)
                ELSE true END
      FROM pg_type ty WHERE ty.oid = public.pg_tviews__base_type(t)
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__refuse_foreign_eq(a jsonb, sch text, tbl text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    bad text[] := ARRAY[public.pg_tviews__foreign_eq(to_regtype(a->>'key_type'))];
    d jsonb;
    p jsonb;
    h jsonb;
    prev regclass;
BEGIN
    FOR d IN SELECT x FROM jsonb_array_elements(coalesce(a->'dependencies', '[]')) x LOOP
        FOR p IN SELECT x FROM jsonb_array_elements(coalesce(d->'paths', '[]')) x LOOP
            prev := to_regclass(format('%I.%I', d->>'schema', d->>'table'));
            FOR h IN SELECT x FROM jsonb_array_elements(coalesce(p->'hops', '[]')) x LOOP
                bad := bad || public.pg_tviews__foreign_eq(public.pg_tviews__side_type(h, 'from', prev));
                prev := to_regclass(format('%I.%I', h->>'schema', h->>'table'));
                bad := bad || public.pg_tviews__foreign_eq(public.pg_tviews__side_type(h, 'to', prev));
            END LOOP;
            bad := bad || (SELECT public.pg_tviews__foreign_eq(atttypid) FROM pg_attribute WHERE attrelid = prev AND attname = p->>'key');
        END LOOP;
    END LOOP;
    bad := ARRAY(SELECT DISTINCT x FROM unnest(bad) x WHERE x IS NOT NULL ORDER BY 1);
    FOR d IN SELECT x FROM jsonb_array_elements(coalesce(a->'dependencies', '[]')) x LOOP
        FOR p IN SELECT x FROM jsonb_array_elements(coalesce(d->'paths', '[]')) x LOOP
            prev := to_regclass(format('%I.%I', d->>'schema', d->>'table'));
            FOR h IN SELECT x FROM jsonb_array_elements(coalesce(p->'hops', '[]')) x LOOP
                IF NOT public.pg_tviews__hash_consistent(public.pg_tviews__side_type(h, 'from', prev)) THEN
                    RAISE EXCEPTION 'TVIEW %.% joins on a range type whose bounds compare by another class than its subtype''s default: %', sch, tbl,
                                    format_type(public.pg_tviews__side_type(h, 'from', prev), NULL) USING ERRCODE = '0A000',
                          DETAIL = 'PostgreSQL hashes such ranges by the subtype''s default hash function: a hash join misses equal ranges that a nested loop finds, so the query''s own result depends on its plan.',
                          HINT = 'Join on the bounds (lower(a.r) = lower(b.r) AND upper(a.r) = upper(b.r)), or on a range type over the subtype''s default class.';
                END IF;
                prev := to_regclass(format('%I.%I', h->>'schema', h->>'table'));
            END LOOP;
        END LOOP;
    END LOOP;
    IF cardinality(bad) > 0 THEN
        RAISE EXCEPTION 'TVIEW %.% joins or is keyed on a type whose equality is not built in: %', sch, tbl, array_to_string(bad, ', ')
            USING ERRCODE = '0A000',
                  DETAIL = 'Maintenance runs with search_path = pg_catalog, where that operator is not used, so keys would be compared with another type''s equality (or not at all).',
                  HINT = 'Join and key on a built-in type, e.g. lower(x::text) for citext, or x::text.';
    END IF;
END
$fn$;

-- Column names that would be ambiguous in the generated PL/pgSQL (its variables: _tv_*, _q_k, _w<s>_<i>_<j>, _n<id>),
-- in the query's result or in a source table: every later write would fail (42702) where the name is referenced
CREATE OR REPLACE FUNCTION public.pg_tviews__refuse_reserved_names(a jsonb, sch text, tbl text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(DISTINCT format('%s (%s)', quote_ident(x.col), x.rel), ', ') INTO bad
      FROM (SELECT c AS col, format('%I.%I', sch, tbl) AS rel FROM jsonb_array_elements_text(a->'columns') c
            UNION ALL
            SELECT at.attname::text, format('%I.%I', d->>'schema', d->>'table')
              FROM jsonb_array_elements(a->'dependencies') d
              JOIN pg_attribute at ON at.attrelid = to_regclass(format('%I.%I', d->>'schema', d->>'table')) AND at.attnum > 0 AND NOT at.attisdropped) x
     WHERE x.col ~ '^(_tv_.*|_q_k|_w[0-9]+_[0-9]+(_[0-9]+)?|_nm?[0-9]+|pg_tviews_(n|in))$';     -- (0.3.19 let pg_tviews_n, pg_tviews_in through)
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'column names reserved for the TVIEW runtime''s generated code: %', bad USING ERRCODE = '42939',
            HINT = 'Rename the column in the query (AS ...) or in the source table; names beginning with _tv_, and _q_k, _w<n>_<n>, _n<n>, pg_tviews_n, pg_tviews_in, are the runtime''s.';
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__refuse_untraceable(a jsonb, sch text, tbl text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM public.pg_tviews__refuse_reserved_names(a, sch, tbl);
    PERFORM public.pg_tviews__refuse_foreign_eq(a, sch, tbl);
    IF jsonb_array_length(a->'refused') > 0 THEN
        RAISE EXCEPTION 'cannot trace changes of % to keys of TVIEW %.%',
                (SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(a->'refused') x), sch, tbl
            USING ERRCODE = '0A000',
                  DETAIL = CASE WHEN (a->>'key_untraced_expression')::boolean
                                THEN format('The key column %s is an expression that cannot be traced: a key expression is followed only when it reads the columns of one table of the main query (not through a subquery or a CTE''s output, and in a query without DISTINCT; the nullable side of one LEFT or RIGHT JOIN when the key''s other columns equal that side''s in every matched row, as in a.i || ''/'' || coalesce(b.k, 0) over a LEFT JOIN b ON b.i = a.i; in a UNION, INTERSECT or EXCEPT, each branch''s key over one table of that branch, no branch in parentheses), or also other tables'' columns that each equal one of that table''s columns in every row (a.i || ''/'' || b.k over a JOIN b USING (i): an equality of WHERE or of an inner join, both columns of one type, type modifier and deterministic collation whose equal values are identical: integers, text, uuid, dates, enums, not numeric or float), through operators, casts, CASE, COALESCE and IMMUTABLE or built-in STABLE functions; or the output of one set-returning function in FROM over one table''s columns (unnest(p.tags) t(tag), or its ORDINALITY column, not two functions'' outputs together). When none serves, the tables are followed through another column of the result that every table reaches by such equalities (a.id || ''/'' || b.id AS pk, i over a JOIN b USING (i): through i), read from a table that no outer join null-extends, in a query without UNION, DISTINCT ON, GROUPING SETS, window functions or WITH RECURSIVE.', a->>'key_column')
                                WHEN (a->>'recursive')::boolean
                                THEN format('The query reads them inside WITH RECURSIVE (or they are not joined to the key by equality): the rows of each round of a recursive query join the rows of the round before, so which keys a change reaches cannot be proven from its conditions.')
                                ELSE format('No chain of equality conditions (join, WHERE or correlated subquery conditions) connects every use of these tables to the key column %s.', a->>'key_column') END,
                  HINT = 'Join or correlate each use of the table with the key by equality (e.g. WHERE c.fk_post = p.pk_post) of columns, or of expressions of one table''s columns ((p.meta->>''author'')::int = u.pk_user, lower(u.email) = lower(p.email)), whose two sides have one type (integers of any width) and the comparison''s collation (x = ANY(a.ids) links x to an array column of its own type; an OR links when each of its branches does; a IS NOT DISTINCT FROM b links when a or b is a NOT NULL column; a NOT IN (SELECT ...) links like that when neither side can be NULL: NOT NULL columns, or IS NOT NULL in WHERE), or set options.uncascaded_policy = ''full_refresh'' to recompute the whole TVIEW when it changes.';
    END IF;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Generated objects
-- ---------------------------------------------------------------------------------------------
-- Code generation for commit-time maintenance. Statement triggers only record what changed in the
-- TVIEW's queue table; the flush (at COMMIT / PREPARE TRANSACTION, pg_tviews_flush(), or after every
-- statement with options.refresh = 'statement') turns that into keys, locks and one recompute.
-- ---------------------------------------------------------------------------------------------
DROP FUNCTION IF EXISTS public.pg_tviews__gen_keys(public.pg_tview_meta, jsonb, text, text);

-- A type, or the type a domain (over domains) is made from
CREATE OR REPLACE FUNCTION public.pg_tviews__base_type(t oid) RETURNS oid
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE d(o, n) AS (SELECT t, 0 UNION ALL SELECT ty.typbasetype, d.n + 1 FROM d JOIN pg_type ty ON ty.oid = d.o WHERE ty.typtype = 'd')
    SELECT o FROM d ORDER BY n DESC LIMIT 1
$$;

-- The type an expression node's values are passed on as: its type without a length, where that means no limit
-- (character and bit mean character(1) and bit(1): 0.3.19 cut p.title::char(4) to its first letter and missed the row)
CREATE OR REPLACE FUNCTION public.pg_tviews__x_type(t oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE t WHEN 'bpchar'::regtype THEN 'bpchar' WHEN 'bit'::regtype THEN 'bit varying' ELSE format_type(t, NULL) END
$$;

-- The type keys pass between steps as (queue, walks, the keyed recompute's argument): the key's type without a domain
-- and without a length. A source value that a domain's CHECK or a length refuses equals no key; cast to the key's own
-- type, it failed the write (a child's -5 under a key "posint") or was cut to another key (0.3.20 and earlier).
-- For a key of a plain type without a length this is the key's type itself, so the generated code does not change.
CREATE OR REPLACE FUNCTION public.pg_tviews__key_ctype(key_type text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(public.pg_tviews__x_type(public.pg_tviews__base_type(to_regtype(key_type))), key_type)
$$;

-- Type of the column a hop compares with (its values are locked and passed on as this type's text).
-- (smallint and integer widen to bigint: the other side of the join may be wider, a bigint parent key with an
-- integer foreign key, and its values must not overflow; integers print the same in every width)
-- (the element type, exactly, when "to" is an array column a membership hop looks values up in: "arr && values::type[]"
-- needs the array's own type)
-- (an expression node, 0.3.19: its type)
CREATE OR REPLACE FUNCTION public.pg_tviews__hop_type(h jsonb) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN h ? 'to_x' THEN CASE WHEN (h->'to_x'->>'typeoid')::oid IN ('int2'::regtype, 'int4'::regtype) THEN 'bigint'
                                          ELSE public.pg_tviews__x_type((h->'to_x'->>'typeoid')::oid) END
                -- (a column's values as its base type without a length: values of the other side that its declared type
                -- cannot hold, numeric(3,1) or a domain's CHECK, match none of its rows, and 0.3.19 failed the write on them)
                ELSE (SELECT CASE WHEN h->>'arr' = 'to' THEN format_type(t.typelem, a.atttypmod)
                                  WHEN public.pg_tviews__base_type(a.atttypid) IN ('int2'::regtype, 'int4'::regtype) THEN 'bigint'
                                  ELSE public.pg_tviews__x_type(public.pg_tviews__base_type(a.atttypid)) END
                        FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                       WHERE a.attrelid = to_regclass(format('%I.%I', h->>'schema', h->>'table')) AND a.attname = h->>'to') END;
$$;

-- Does a TVIEW pass enum values as text between statements (its key, or a hop's values)? ALTER TYPE … RENAME VALUE in
-- the transaction that queued them makes their text read as nothing (0.3.20 failed the COMMIT); such a flush falls back
-- to a full refresh when the queued text no longer reads (the rows themselves hold the enum's OID: they read right).
CREATE OR REPLACE FUNCTION public.pg_tviews__enum_transport(m public.pg_tview_meta) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM unnest(public.pg_tviews__type_closure(ARRAY[to_regtype(m.key_type)::oid] || ARRAY(
                       SELECT to_regtype(public.pg_tviews__hop_type(h))::oid
                         FROM jsonb_array_elements(m.dependencies) dd, jsonb_array_elements(coalesce(dd->'paths', '[]')) pp,
                              jsonb_array_elements(coalesce(pp->'hops', '[]')) h
                        WHERE dd->>'kind' = 'keyed'))) o
                     JOIN pg_type t ON t.oid = o
                    WHERE t.typtype = 'e')
$$;

-- The value of a hop's side ('from' or 'to') in the row under alias a: its column, or its expression (0.3.19). The
-- expression's text is proven over alias y (pg_tviews__an_x_sql), which the walk gives the rows it looks up, so that an
-- index on the expression serves it; other rows (transition tables, NEW) bind its own alias to theirs.
CREATE OR REPLACE FUNCTION public.pg_tviews__hop_val(h jsonb, side text, a text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN NOT h ? (side || '_x') THEN format('%s.%I', a, h->>side)
                WHEN a = 'y' AND h->(side || '_x')->>'y_sql' IS NOT NULL THEN '(' || (h->(side || '_x')->>'y_sql') || ')'
                ELSE format('(SELECT %s FROM (SELECT %s.*) %I)', h->(side || '_x')->>'x_sql', a, h->(side || '_x')->>'alias') END
$$;

-- The value a near entry (the side of a hop into this table) has in the row under alias a
CREATE OR REPLACE FUNCTION public.pg_tviews__near_val(nr jsonb, a text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT public.pg_tviews__hop_val(jsonb_build_object('to', nr->'col') || CASE WHEN nr ? 'to_x' THEN jsonb_build_object('to_x', nr->'to_x') ELSE '{}' END,
                                     'to', a)
$$;

-- The type of a hop side's values in its own table (a column's, or an expression's)
CREATE OR REPLACE FUNCTION public.pg_tviews__side_type(h jsonb, side text, rel regclass) RETURNS regtype
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((h->(side || '_x')->>'typeoid')::oid::regtype,
                    (SELECT a.atttypid::regtype FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = h->>side))
$$;

-- The columns a hop side reads
CREATE OR REPLACE FUNCTION public.pg_tviews__side_cols(h jsonb, side text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN h ? (side || '_x') THEN h->(side || '_x')->'cols' ELSE jsonb_build_array(h->side) END
$$;

-- Values of column c (type typ) that a TVIEW key of type key_type can equal: a source column wider than the key
-- (a bigint foreign key of an integer key, a numeric one) may hold values no key equals, and casting them to the
-- key's type would fail the write. NULL: every value fits.
CREATE OR REPLACE FUNCTION public.pg_tviews__key_fits(typ regtype, key_type text, c text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN t = k OR k NOT IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
                  OR t NOT IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype, 'float4'::regtype, 'float8'::regtype)
                  OR (t = 'int2'::regtype) OR (t = 'int4'::regtype AND k = 'int8'::regtype) THEN NULL
                ELSE format('%s::numeric BETWEEN %s AND %s', c,
                            CASE k WHEN 'int2'::regtype THEN '-32768' WHEN 'int4'::regtype THEN '-2147483648' ELSE '-9223372036854775808' END,
                            CASE k WHEN 'int2'::regtype THEN '32767' WHEN 'int4'::regtype THEN '2147483647' ELSE '9223372036854775807' END) END
      FROM (SELECT public.pg_tviews__base_type(key_type::regtype)::regtype AS k, public.pg_tviews__base_type(typ)::regtype AS t) x;     -- (domains too, since 0.3.20)
$$;

-- The keys that rows of rel (aliased a) give through a path's key expression (pg_tviews__an_key_expr): the expression
-- over a row with the table's columns under the alias it was proven with.
-- (a set-returning one, key_srf, gives each row a set of keys: a scalar subquery failed on two, and a fallback to a full
-- refresh followed; 0.3.23) (one that reads a function's ORDINALITY, key_from, over that function's FROM item; 0.3.27)
CREATE OR REPLACE FUNCTION public.pg_tviews__key_expr_of(p jsonb, a text, key_type text, rel text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN p ? 'key_from'
                THEN format('SELECT pg_tviews_k.k::%s::text FROM %s %I CROSS JOIN LATERAL (SELECT %s FROM (SELECT %I.*) %I CROSS JOIN LATERAL %s) pg_tviews_k(k)',
                            key_type, rel, a, p->>'key_expr', a, p->>'key_alias', p->>'key_from')
                WHEN p ? 'key_srf'
                THEN format('SELECT pg_tviews_k.k::%s::text FROM %s %I CROSS JOIN LATERAL (SELECT %s FROM (SELECT %I.*) %I) pg_tviews_k(k)',
                            key_type, rel, a, p->>'key_expr', a, p->>'key_alias')
                ELSE format('SELECT (SELECT %s FROM (SELECT %I.*) %I)::%s::text FROM %s %I', p->>'key_expr', a, p->>'key_alias', key_type, rel, a) END
$$;

-- Statement time: the (scope, values) rows that the changed rows d (transition table, or the trigger's
-- row) of source number s give the queue: 'k' keys read from d itself, 'p<s>.<i>' the first hop's values
-- of path i (walked at flush time), 'n<hop>' the values that rows moved onto on the near side of a hop.
-- Nothing here reads another table or takes a lock. Near values matter only where a row *arrives* at a
-- value (INSERT, or an UPDATE that changed the column): a row that was already there is found by the other
-- side's walk, and the key lock orders the two; so deleted rows and unchanged columns give none (rows of an
-- UPDATE are paired by the source's primary key; without one every new value counts).
-- The new images among changed rows d (the rows an UPDATE's rows arrive as; all of d otherwise)
CREATE OR REPLACE FUNCTION public.pg_tviews__new_rows(d text, op text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN op = 'UPDATE' THEN replace(replace(d, '(SELECT (OLD).* UNION ALL SELECT (NEW).*)', '(SELECT (NEW).*)'),
                                                '(SELECT * FROM pg_tviews_old UNION ALL SELECT * FROM pg_tviews_new)', 'pg_tviews_new')
                ELSE d END
$$;

-- The column a TVIEW's keyed sources are followed through (pg_tviews__an_via), NULL when they reach its key
CREATE OR REPLACE FUNCTION public.pg_tviews__via(m public.pg_tview_meta) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT min(d->>'via') FROM jsonb_array_elements(m.dependencies) d WHERE d->>'kind' = 'keyed'
$$;

-- Is that column one an outer join null-extends (pg_tviews__an_via), whose NULLs every flush recomputes?
CREATE OR REPLACE FUNCTION public.pg_tviews__via_nulls(m public.pg_tview_meta) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(bool_or((d->>'via_nulls')::boolean), false) FROM jsonb_array_elements(m.dependencies) d WHERE d->>'kind' = 'keyed'
$$;

-- The catalog row as the walk and the queue see it: where sources are followed through a column, the values they
-- carry are that column's, of its type, until the flush turns them into keys
CREATE OR REPLACE FUNCTION public.pg_tviews__via_meta(m public.pg_tview_meta) RETURNS public.pg_tview_meta
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    via text := public.pg_tviews__via(m);
BEGIN
    IF via IS NULL THEN
        RETURN m;
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(m.dependencies) d WHERE d->>'kind' = 'keyed' AND d->>'via' IS DISTINCT FROM via) THEN
        RAISE EXCEPTION 'the catalog row of TVIEW % follows its sources through two columns', m.entity USING ERRCODE = 'XX000',
            HINT = 'The row was edited: create the TVIEW again (pg_tviews_create or_replace).';
    END IF;
    m.key_type := (SELECT public.pg_tviews__type_name(a.atttypid, a.atttypmod) FROM pg_attribute a
                    WHERE a.attrelid = format('%I.%I', m.schema_name, m.table_name)::regclass AND a.attname = via AND a.attnum > 0 AND NOT a.attisdropped);
    IF m.key_type IS NULL THEN
        RAISE EXCEPTION 'TVIEW % has no column "%" that its sources are followed through', m.entity, via USING ERRCODE = '42703',
            HINT = 'Create the TVIEW again (pg_tviews_create or_replace).';
    END IF;
    RETURN m;
END
$fn$;

-- The flush's code that turns the values of the column sources are followed through (in _q_k) into keys: the
-- TVIEW's rows holding them and the query's (pg_tviews__an_via). The TVIEW's lock row is taken before the walk
-- (pg_tviews__gen_via_lock), which then reads what the flush before it committed.
CREATE OR REPLACE FUNCTION public.pg_tviews__gen_via_lock(lk text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format(E'\n    INSERT INTO %s AS l (scope, val) VALUES (''via'', ''*'') ON CONFLICT (scope, val) DO UPDATE SET n = l.n + 1;', lk)
$$;

-- The flush's recompute of such a TVIEW's keys: the query's rows with those keys among those holding the values (_tv_v),
-- which the column's indexes serve (the key of two tables' columns does not: 0.3.32's first cut filtered by the keys
-- alone and joined the whole tables, 51 ms a write at 10,000 rows a table). A row of the result that holds no such value
-- reads no row that changed, so it is as it was: where the TVIEW holds one under a key the recompute gives a row too, the
-- query yields that key twice (23505).
CREATE OR REPLACE FUNCTION public.pg_tviews__gen_via_recompute(m public.pg_tview_meta, dv text, cols text, conflict text, no_pruning boolean) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN no_pruning THEN E'\n    _tv_pp := pg_catalog.current_setting(''enable_partition_pruning'');'
                                     || E'\n    PERFORM pg_catalog.set_config(''enable_partition_pruning'', ''off'', true);' ELSE '' END
        || format($s$
    WITH src AS MATERIALIZED (SELECT %1$s FROM %2$s q WHERE %9$s AND q.%3$I = ANY(_tv_keys)),
         del AS (DELETE FROM %5$s t WHERE t.%3$I = ANY(_tv_keys) AND NOT EXISTS (SELECT 1 FROM src WHERE src.%3$I = t.%3$I) RETURNING t.%3$I),
         up AS (INSERT INTO %5$s AS t (%1$s) SELECT %1$s FROM src
                 WHERE public.pg_tviews__no_dup(%6$L, %3$L, (SELECT s.%3$I::text FROM src s GROUP BY s.%3$I HAVING count(*) > 1 LIMIT 1))
                ON CONFLICT (%3$I) %7$s AND (%8$s OR public.pg_tviews__no_dup(%6$L, %3$L, t.%3$I::text)) RETURNING t.%3$I)
    SELECT ARRAY(SELECT %3$I::text FROM up), ARRAY(SELECT %3$I::text FROM del) INTO _tv_up, _tv_del;$s$,
            cols, dv, m.key_column, NULL, format('%I.%I', m.schema_name, m.table_name), m.entity, conflict,
            format(x.held, 't', x.c, x.typ), format(x.held, 'q', x.c, x.typ))
        || CASE WHEN no_pruning THEN E'\n    PERFORM pg_catalog.set_config(''enable_partition_pruning'', _tv_pp, true);' ELSE '' END
      FROM (SELECT '(%1$s.%2$I = ANY(_tv_v::%3$s[]) OR %1$s.%2$I IS NULL AND array_position(_tv_v, NULL) IS NOT NULL)' AS held,
                   public.pg_tviews__via(m) AS c, public.pg_tviews__key_ctype((public.pg_tviews__via_meta(m)).key_type) AS typ) x
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__gen_via(m public.pg_tview_meta, lk text, dv text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format($s$
    IF cardinality(_q_k) > 0 THEN
        _tv_v := _q_k;
        _q_k := ARRAY(SELECT t.%2$I::%3$s::text FROM %4$s t WHERE t.%5$I = ANY(_q_k::%6$s[])
                      UNION SELECT t.%2$I::%3$s::text FROM %4$s t WHERE t.%5$I IS NULL AND array_position(_q_k, NULL) IS NOT NULL
                      UNION SELECT q.%2$I::%3$s::text FROM %7$s q WHERE q.%5$I = ANY(_q_k::%6$s[])
                      UNION SELECT q.%2$I::%3$s::text FROM %7$s q WHERE q.%5$I IS NULL AND array_position(_q_k, NULL) IS NOT NULL);
        IF cardinality(_q_k) = 0 THEN
            EXIT flush;
        END IF;
    END IF;$s$, lk, m.key_column, public.pg_tviews__key_ctype(m.key_type), format('%I.%I', m.schema_name, m.table_name),
        public.pg_tviews__via(m), public.pg_tviews__key_ctype((public.pg_tviews__via_meta(m)).key_type), dv)
$$;

DROP FUNCTION IF EXISTS public.pg_tviews__gen_queue(public.pg_tview_meta, jsonb, int, text);
CREATE OR REPLACE FUNCTION public.pg_tviews__gen_queue(m public.pg_tview_meta, dep jsonb, s int, op text, d text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    p jsonb;
    nr jsonb;
    i int := 0;
    parts text[] := '{}';
    keys text[] := '{}';
    src regclass := to_regclass(format('%I.%I', dep->>'schema', dep->>'table'));
    pk text[];
    reads text[];
BEGIN
    FOR p IN SELECT x FROM jsonb_array_elements(dep->'paths') x LOOP
        IF jsonb_array_length(p->'hops') = 0 AND p ? 'key_expr' THEN
            keys := keys || public.pg_tviews__key_expr_of(p, '_d', public.pg_tviews__key_ctype(m.key_type), d);
        ELSIF jsonb_array_length(p->'hops') = 0 THEN
            keys := keys || (format('SELECT _d.%I::%s::text FROM %s _d', p->>'key', public.pg_tviews__key_ctype(m.key_type), d)
                             || coalesce(' WHERE ' || public.pg_tviews__key_fits(
                                    (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = src AND a.attname = p->>'key'),
                                    m.key_type, format('_d.%I', p->>'key')), ''));
        ELSIF p->'hops'->0->>'arr' = 'from' THEN
            -- (a membership hop from an array column: its elements)
            i := i + 1;
            parts := parts || format('(%L, ARRAY(SELECT DISTINCT _e.v::%s::text FROM %s _d CROSS JOIN LATERAL unnest(_d.%I) _e(v) WHERE _e.v IS NOT NULL))',
                                     'p' || s || '.' || i, public.pg_tviews__hop_type(p->'hops'->0), d, p->'hops'->0->>'from');
        ELSE
            i := i + 1;
            parts := parts || format('(%L, ARRAY(SELECT DISTINCT %s::%s::text FROM %s _d WHERE %s IS NOT NULL%s))',
                                     'p' || s || '.' || i, public.pg_tviews__hop_val(p->'hops'->0, 'from', '_d'), public.pg_tviews__hop_type(p->'hops'->0), d,
                                     public.pg_tviews__hop_val(p->'hops'->0, 'from', '_d'),
                                     coalesce(' AND ' || public.pg_tviews__key_fits(public.pg_tviews__side_type(p->'hops'->0, 'from', src),
                                         public.pg_tviews__hop_type(p->'hops'->0), public.pg_tviews__hop_val(p->'hops'->0, 'from', '_d')), ''));
        END IF;
    END LOOP;
    IF cardinality(keys) > 0 THEN
        parts := format('(''k'', ARRAY(SELECT DISTINCT k FROM (%s) x(k)))', array_to_string(keys, ' UNION ALL ')) || parts;
    END IF;
    IF public.pg_tviews__via_nulls(m) THEN
        -- (a changed row that is part of rows where the column is NULL only, whose walk gives no value: the flush
        -- recomputes those rows; pg_tviews__an_via)
        parts := format('(''k'', ARRAY(SELECT NULL::text FROM %s _d LIMIT 1))', d) || parts;
    END IF;
    IF op = 'DELETE' THEN
        RETURN array_to_string(parts, ', ');
    END IF;
    IF op = 'UPDATE' AND dep->>'relkind' <> 'p' AND NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = src) THEN
        pk := ARRAY(SELECT a.attname FROM pg_index ix CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
                     WHERE ix.indrelid = src AND ix.indisprimary ORDER BY k.ord);
    END IF;
    FOR nr IN SELECT x FROM jsonb_array_elements(coalesce(dep->'near', '[]')) x ORDER BY (x->>'id')::bigint LOOP
        -- the columns a walk through this hop reads next (the key, or the next hop's column): a row whose value
        -- there changes is found by the walk under its old value, so it counts as arriving too
        reads := ARRAY(SELECT DISTINCT r.c
                         FROM jsonb_array_elements(m.dependencies) dd CROSS JOIN LATERAL jsonb_array_elements(coalesce(dd->'paths', '[]')) pp
                         CROSS JOIN LATERAL jsonb_array_elements(pp->'hops') WITH ORDINALITY hh(h, o)
                         CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN hh.o < jsonb_array_length(pp->'hops') THEN public.pg_tviews__side_cols(pp->'hops'->(hh.o::int), 'from')
                                                                           ELSE coalesce(pp->'key_cols', jsonb_build_array(pp->'key')) END) r(c)
                        WHERE hh.h->>'id' = nr->>'id');
        reads := ARRAY(SELECT c FROM unnest(reads) c WHERE c IS NOT NULL AND c <> nr->>'col' AND NOT c = ANY(coalesce(pk, '{}')) ORDER BY 1);
        IF nr->>'arr' = 'to' THEN
            -- (an array column a membership hop looks values up in: every element of the new rows arrives, whether
            -- or not it was there before: a few values locked for nothing, none missed)
            parts := parts || format('(%L, ARRAY(SELECT DISTINCT _e.v::text FROM %s _d CROSS JOIN LATERAL unnest(_d.%I) _e(v) WHERE _e.v IS NOT NULL))',
                                     'n' || (nr->>'id'),
                                     public.pg_tviews__new_rows(d, op), nr->>'col');
        ELSIF op = 'UPDATE' AND dep->>'relkind' = 'p' THEN
            parts := parts || format('(%L, ARRAY(SELECT %2$s::text WHERE %2$s IS NOT NULL AND ROW(%2$s%3$s) IS DISTINCT FROM ROW(%5$s%4$s)))',
                                     'n' || (nr->>'id'), public.pg_tviews__near_val(nr, '(NEW)'),
                                     (SELECT coalesce(string_agg(format(', (NEW).%I', c), ''), '') FROM unnest(reads) c),
                                     (SELECT coalesce(string_agg(format(', (OLD).%I', c), ''), '') FROM unnest(reads) c),
                                     public.pg_tviews__near_val(nr, '(OLD)'));
        ELSIF op = 'UPDATE' AND cardinality(pk) > 0 THEN
            -- (EXCEPT, not an anti-join: this plan is cached for the session with the row counts of the call
            -- that made it, and an anti-join planned for one row is a nested loop, quadratic in a bulk UPDATE)
            parts := parts || format('(%L, ARRAY(SELECT DISTINCT x.v::text FROM (SELECT %3$s, %2$s%6$s FROM pg_tviews_new _n '
                                     'EXCEPT SELECT %4$s, %9$s%7$s FROM pg_tviews_old _o) x(%5$s, v%8$s) WHERE x.v IS NOT NULL))',
                                     'n' || (nr->>'id'), public.pg_tviews__near_val(nr, '_n'),
                                     (SELECT string_agg(format('_n.%I', c), ', ') FROM unnest(pk) c),
                                     (SELECT string_agg(format('_o.%I', c), ', ') FROM unnest(pk) c),
                                     (SELECT string_agg('k' || g, ', ') FROM generate_series(1, cardinality(pk)) g),
                                     (SELECT coalesce(string_agg(format(', _n.%I', c), ''), '') FROM unnest(reads) c),
                                     (SELECT coalesce(string_agg(format(', _o.%I', c), ''), '') FROM unnest(reads) c),
                                     (SELECT coalesce(string_agg(', r' || g, ''), '') FROM generate_series(1, cardinality(reads)) g),
                                     public.pg_tviews__near_val(nr, '_o'));
        ELSE
            parts := parts || format('(%L, ARRAY(SELECT DISTINCT %s::text FROM %s _d WHERE %s IS NOT NULL))',
                                     'n' || (nr->>'id'), public.pg_tviews__near_val(nr, '_d'),
                                     public.pg_tviews__new_rows(d, op), public.pg_tviews__near_val(nr, '_d'));
        END IF;
    END LOOP;
    RETURN array_to_string(parts, ', ');
END
$fn$;

-- One lock statement: rows (scope, value) of the TVIEW's lock table, values sorted, so every flush takes
-- them in the same order. The rows are updated, not only locked, at every isolation level: a REPEATABLE READ
-- or SERIALIZABLE writer that updates a row which a writer it cannot see updated gets 40001, whatever that
-- writer's level (a READ COMMITTED writer that only locked would leave no trace; 0.3.3 and earlier).
-- A row created by a writer it cannot see gives 40001 as well (ON CONFLICT with an invisible row).
-- by_var: arr is a variable (cheap to read twice), so one value (a single-row write) gets a plain VALUES row,
-- with no sort to plan and run.
DROP FUNCTION IF EXISTS public.pg_tviews__gen_lock(text, text, text);
DROP FUNCTION IF EXISTS public.pg_tviews__gen_lock(text, text, text, boolean);
DROP FUNCTION IF EXISTS public.pg_tviews__gen_lock(text, text, text, boolean, boolean);
-- val: the lock value of element @v (NULL: its text). A lock row per text would let two writers of one value that
-- reads two ways ('Bob' and 'bob' under a nondeterministic collation, numeric 1.0 and 1.00, one timestamptz under two
-- TimeZone settings) recompute it side by side, the later one writing what it alone saw (0.3.8 did)
CREATE OR REPLACE FUNCTION public.pg_tviews__gen_lock(lk text, scope text, arr text, by_var boolean, val text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN by_var THEN
                format(E'\n    IF cardinality(%3$s) = 1 THEN'
                       || E'\n        IF (%3$s)[1] IS NOT NULL THEN'
                       || E'\n            INSERT INTO %1$s AS l (scope, val) VALUES (%2$L, %4$s)'
                       || E'\n                ON CONFLICT (scope, val) DO UPDATE SET n = l.n + 1;'
                       || E'\n        END IF;'
                       || E'\n    ELSE%5$s'
                       || E'\n    END IF;', lk, scope, arr, replace(l.val, '@v', format('(%s)[1]', arr)), replace(l.many, E'\n    ', E'\n        '))
           ELSE l.many END
      FROM (SELECT v.val, format(E'\n    INSERT INTO %s AS l (scope, val) SELECT %L, w FROM (SELECT DISTINCT %s AS w FROM unnest(%s) v WHERE v IS NOT NULL) x ORDER BY w COLLATE "C"'
                          || E'\n        ON CONFLICT (scope, val) DO UPDATE SET n = l.n + 1;', lk, scope, replace(v.val, '@v', 'v'), arr) AS many
              -- a key fits in an index row (the TVIEW's primary key holds it); a joined value may not (a long URL):
              -- past 1,000 bytes a hop value is locked by its digest
              FROM (SELECT CASE WHEN val IS NOT NULL THEN val
                                WHEN scope = 'k' THEN '@v'
                                ELSE $v$CASE WHEN octet_length(@v) > 1000 THEN 'md5:' || md5(@v) ELSE @v END$v$ END AS val) v) l;
$$;

-- Can values of type typ be hashed: has it a hash function, and so has every element of an array and every field of
-- a row (an array or row type has a hash operator class whatever its elements)?
CREATE OR REPLACE FUNCTION public.pg_tviews__hashable(typ text) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    EXECUTE format('SELECT pg_catalog.hash_array_extended(ARRAY[NULL::%s], 0)', typ);
    RETURN true;
EXCEPTION WHEN OTHERS THEN
    RETURN false;
END
$fn$;

-- The lock value of element @v of column col of table rel (a TVIEW's key, typed; or a joined value, text cast to
-- cast_to): its hash under the type's hash function and the column's collation, which equal values share whatever
-- their text (a collision only makes two values wait for each other). Its text for a type without a hash function
-- (NULL for a joined value, already text); '*' (one lock row for every value) for such a type under a nondeterministic
-- collation.
DROP FUNCTION IF EXISTS public.pg_tviews__key_lock_value(regclass, text);
-- (x: the hop side's expression, 0.3.19, whose type and collation are its own)
DROP FUNCTION IF EXISTS public.pg_tviews__lock_value(regclass, text, text);
CREATE OR REPLACE FUNCTION public.pg_tviews__lock_value(rel regclass, col text, cast_to text, x jsonb DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    a record;
BEGIN
    SELECT coalesce(cast_to, s.typ) AS typ, co.oid AS coll,
           CASE WHEN co.oid IS NOT NULL THEN format('%I.%I', cn.nspname, co.collname) END AS collname,
           coalesce(NOT co.collisdeterministic, false) AS nondet
      INTO a
      FROM (SELECT public.pg_tviews__x_type((x->>'typeoid')::oid) AS typ, (x->>'coll')::oid AS coll WHERE x IS NOT NULL
            UNION ALL
            SELECT format_type(t.atttypid, t.atttypmod), t.attcollation FROM pg_attribute t
             WHERE x IS NULL AND t.attrelid = rel AND t.attname = col AND NOT t.attisdropped) s
      LEFT JOIN pg_collation co ON co.oid = s.coll LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- where equal values have one text (integers, uuid, text under a deterministic collation), the text is the lock
    -- value: hashing every key of a 100,000-row load cost 10 %
    IF a.typ IN ('smallint', 'integer', 'bigint', 'oid', 'uuid') OR (a.typ IN ('text', 'character varying') AND NOT a.nondet) THEN
        RETURN CASE WHEN cast_to IS NULL THEN '(@v)::text' END;
    END IF;
    IF NOT public.pg_tviews__hashable(a.typ) THEN
        RETURN CASE WHEN a.nondet THEN $v$'*'::text$v$ WHEN cast_to IS NULL THEN '(@v)::text' END;
    END IF;
    RETURN format('pg_catalog.hash_array_extended(ARRAY[%s%s], 0)::text',
                  CASE WHEN cast_to IS NULL THEN '@v' ELSE format('(@v)::%s', cast_to) END,
                  CASE WHEN a.coll IS NOT NULL AND a.coll <> 0 THEN ' COLLATE ' || a.collname ELSE '' END);
END
$fn$;

-- PostgreSQL 15 prunes the DEFAULT partition of a range-partitioned table when a query says "k IS NOT NULL" and
-- compares its partition key k only through an OR or "= ANY(constant array)": a plain SELECT then returns too few
-- rows. Whether one of rels is (or has below it) such a table.
CREATE OR REPLACE FUNCTION public.pg_tviews__meets_pruning_bug(rels regclass[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM unnest(rels) r(rel)
                     JOIN pg_class c ON c.oid = r.rel AND c.relkind = 'p'
                     CROSS JOIN LATERAL pg_partition_tree(r.rel) t
                     JOIN pg_partitioned_table pt ON pt.partrelid = t.relid
                    WHERE pt.partstrat = 'r' AND pt.partdefid <> 0)
$$;

-- The generated expression of a value set compared with "= ANY(...)" in a lineage lookup (a statement the runtime
-- writes itself) that reads tables rels: the set itself, or, where one of rels meets the pruning bug, the set behind a
-- CASE on a stable function, which the planner cannot fold into a constant, so that the values prune no partition
-- (a policy of row-level security may say "IS NOT NULL" where the lookup's text does not). A definition view's
-- recompute runs without partition pruning instead (pg_tviews__install_objects). Creating or attaching a partition
-- regenerates the TVIEWs that read the table.
DROP FUNCTION IF EXISTS public.pg_tviews__value_set(text, regclass[], boolean);
CREATE OR REPLACE FUNCTION public.pg_tviews__value_set(expr text, rels regclass[]) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN public.pg_tviews__meets_pruning_bug(rels)
                THEN format('(CASE WHEN pg_catalog.statement_timestamp() IS NULL THEN NULL ELSE %s END)', expr) ELSE expr END;
$$;

-- The relations view v reads, directly or through other views, and v itself
CREATE OR REPLACE FUNCTION public.pg_tviews__view_closure(v oid) RETURNS SETOF oid
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE rels(oid) AS (
        SELECT v
        UNION
        -- (a view's SELECT rule only: a table's own rule, ON UPDATE … DO ALSO INSERT INTO an audit table, reads nothing
        -- for a query of the table, and 0.3.21 counted the audit table as read: the create failed with XX000)
        -- (a relation its range table names: a field of another table's row type, "(b.u).name" over a column of type tb_u,
        -- records a dependency on tb_u's column too, and 0.3.28 took tb_u for a table the query reads: the create failed
        -- with XX000; hunt 24)
        SELECT d.refobjid FROM rels JOIN pg_rewrite r ON r.ev_class = rels.oid AND r.ev_type = '1'
          JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
         WHERE d.refobjid <> rels.oid AND strpos(r.ev_action::text, ' :relid ' || d.refobjid || ' ') > 0
    )
    SELECT oid FROM rels WHERE oid IS NOT NULL
$$;

DROP FUNCTION IF EXISTS public.pg_tviews__dv_null_tests(oid);

-- A statement over a set of values held in variable var, as "head <predicate> tail" (no placeholder: identifiers
-- in head and tail may contain anything), reading table tbl (NULL: one that cannot meet the pruning bug)
DROP FUNCTION IF EXISTS public.pg_tviews__gen_by_values(text, text, text, text);
CREATE OR REPLACE FUNCTION public.pg_tviews__gen_by_values(var text, typ text, head text, tail text, tbl regclass) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format(E'\n    IF cardinality(%1$s) = 1 THEN\n        %3$s= (%1$s[1])::%2$s%4$s\n    ELSIF cardinality(%1$s) > 1 THEN\n        %3$s= ANY(%5$s)%4$s\n    END IF;',
                  var, typ, head, tail, public.pg_tviews__value_set(format('%s::%s[]', var, typ), ARRAY[tbl]));
$$;

-- The same over a membership hop into array column arr (head ends with it): the rows whose array holds one of the
-- values, by overlap (a GIN index on the column serves it)
CREATE OR REPLACE FUNCTION public.pg_tviews__gen_by_members(var text, typ text, head text, tail text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format(E'\n    IF cardinality(%1$s) > 0 THEN\n        %3$s&& %1$s::%2$s[]%4$s\n    END IF;', var, typ, head, tail);
$$;

-- The lookup of hop h's values held in var: by equality, or by overlap into an array column (a membership hop). The
-- values are hidden from partition pruning whenever the hop's table meets PostgreSQL 15's pruning bug: a policy of
-- row-level security (USING (id IS NOT NULL), USING (id = id)) says "IS NOT NULL" where no text of the runtime's
-- lookup does (0.3.25 and 0.3.26's first cut guarded only lookups that test the column they look up, and a walk
-- through such a table under such a policy found no keys; hunt 18).
DROP FUNCTION IF EXISTS public.pg_tviews__gen_lookup(jsonb, text, text, text, regclass);
CREATE OR REPLACE FUNCTION public.pg_tviews__gen_lookup(h jsonb, var text, head text, tail text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN h->>'arr' = 'to' THEN public.pg_tviews__gen_by_members(var, public.pg_tviews__hop_type(h), head, tail)
                ELSE public.pg_tviews__gen_by_values(var, public.pg_tviews__hop_type(h), head, tail,
                                                     to_regclass(format('%I.%I', h->>'schema', h->>'table'))) END
$$;

DROP FUNCTION IF EXISTS public.pg_tviews__gen_walk(public.pg_tview_meta, text);
-- A closure hop's flush code (pg_tviews__an_chain_closure): _tv_reach := the values it starts from (vars) and every
-- "from" value of the rows whose "to" holds a value already reached, until none is new. Its values cannot be locked
-- round by round, as a hop's are, before the rows holding them are read: two flushes walking one chain (or a cycle in
-- the data) from two rows would take them in two orders and deadlock (measured: 36 deadlocks in 24,813 commits of four
-- writers moving and renaming categories). So one lock row stands for all of them (scope c<hop>): a flush whose rows
-- arrive at a value of the hop's "to" column (near: an insert or a move changes the structure) takes it exclusively,
-- a walk that only reads the structure shares it (exclusively under REPEATABLE READ and SERIALIZABLE, whose walk reads
-- their snapshot: updating the row gives 40001 when a move committed since). The walk reads after it: no move commits
-- during a walk, and a move waiting for it then reads what the walk's transaction committed. Structural writes of one
-- TVIEW's hierarchy wait for each other; renames do not, nor writers of other tables.
CREATE OR REPLACE FUNCTION public.pg_tviews__gen_closure(h jsonb, lk text, scope text, vars text[], near text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    RETURN format(E'\n    _tv_cv := ARRAY(SELECT DISTINCT v FROM unnest(ARRAY(SELECT unnest(%s))) v WHERE v IS NOT NULL);', array_to_string(vars, ') UNION ALL SELECT unnest('))
        || format(E'\n    IF cardinality(_tv_cv) > 0%s THEN', coalesce(format(' OR cardinality(%s) > 0', near), ''))
        || format(E'\n        IF _tv_rr%s THEN', coalesce(format(' OR cardinality(%s) > 0', near), ''))
        || format(E'\n            INSERT INTO %s AS l (scope, val) VALUES (%L, ''*'') ON CONFLICT (scope, val) DO UPDATE SET n = l.n + 1;', lk, scope)
        || E'\n        ELSE'
        || format(E'\n            INSERT INTO %s AS l (scope, val) VALUES (%L, ''*'') ON CONFLICT (scope, val) DO NOTHING;', lk, scope)
        || format(E'\n            PERFORM 1 FROM %s l WHERE l.scope = %L AND l.val = ''*'' FOR SHARE;', lk, scope)
        || E'\n        END IF;'
        || E'\n        _tv_reach := _tv_cv;'
        || E'\n        _tv_cl := _tv_cv;'
        || E'\n        LOOP'
        || E'\n            EXIT WHEN cardinality(_tv_cl) = 0;'
        || replace(public.pg_tviews__gen_lookup(h, '_tv_cl',
                format('_tv_cl := ARRAY(SELECT DISTINCT y.%I::%s::text FROM %I.%I y WHERE y.%I ',
                       h->>'from', public.pg_tviews__hop_type(h), h->>'schema', h->>'table', h->>'to'),
                format(' AND y.%I IS NOT NULL);', h->>'from')), E'\n    ', E'\n            ')
        || E'\n            _tv_cl := ARRAY(SELECT unnest(_tv_cl) EXCEPT SELECT unnest(_tv_reach));'
        || E'\n            _tv_reach := _tv_reach || _tv_cl;'
        || E'\n        END LOOP;'
        || E'\n    ELSE'
        || E'\n        _tv_reach := ''{}'';'
        || E'\n    END IF;';
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__gen_walk(m public.pg_tview_meta, lk text, OUT decl text, OUT gather text, OUT body text, OUT into_list text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    dep jsonb;
    p jsonb;
    h jsonb;
    s int := 0;
    i int;
    j int;
    paths jsonb := '[]';
    rnk jsonb := '{}';
    nears jsonb := '{}';
    lockvals jsonb := '{}';
    ready jsonb := '{}';
    done text[] := '{}';
    hid text;
    stack jsonb;
    it jsonb;
    pa jsonb;
    nxt jsonb;
    vars text[];
    sel text[] := ARRAY['array_agg(v) FILTER (WHERE d.scope = ''k'')'];
    into_ text[] := ARRAY['_q_k'];
BEGIN
    decl := E'\n    _q_k text[];';
    body := '';
    FOR dep IN SELECT x FROM jsonb_array_elements(m.dependencies) x WHERE x->>'kind' = 'keyed' LOOP
        s := s + 1;
        i := 0;
        FOR p IN SELECT x FROM jsonb_array_elements(dep->'paths') x WHERE jsonb_array_length(x->'hops') > 0 LOOP
            i := i + 1;
            paths := paths || jsonb_build_array(p || jsonb_build_object('v', format('_w%s_%s', s, i)));
            sel := sel || format('array_agg(v) FILTER (WHERE d.scope = %L)', 'p' || s || '.' || i);
            into_ := into_ || format('_w%s_%s_1', s, i);
            FOR j IN 1 .. jsonb_array_length(p->'hops') LOOP
                h := p->'hops'->(j - 1);
                decl := decl || format(E'\n    _w%s_%s_%s text[];', s, i, j);
                IF h ? 'closure' AND strpos(decl, ' _tv_cl ') = 0 THEN
                    decl := decl || E'\n    _tv_cv text[];\n    _tv_reach text[];\n    _tv_cl text[];';
                END IF;
                IF NOT lockvals ? (h->>'id') THEN
                    lockvals := lockvals || jsonb_build_object(h->>'id', public.pg_tviews__lock_value(
                                    to_regclass(format('%I.%I', h->>'schema', h->>'table')), h->>'to', public.pg_tviews__hop_type(h), h->'to_x'));
                END IF;
                rnk := jsonb_set(rnk, ARRAY[(h->>'id') || '.' || (jsonb_array_length(p->'hops') - j + 1)],
                                 to_jsonb(jsonb_array_length(p->'hops') - j + 1));
            END LOOP;
        END LOOP;
        FOR h IN SELECT x FROM jsonb_array_elements(coalesce(dep->'near', '[]')) x LOOP
            IF NOT lockvals ? (h->>'id') THEN
                lockvals := lockvals || jsonb_build_object(h->>'id', public.pg_tviews__lock_value(
                                to_regclass(format('%I.%I', dep->>'schema', dep->>'table')), h->>'col',
                                public.pg_tviews__hop_type(jsonb_strip_nulls(jsonb_build_object('schema', dep->>'schema', 'table', dep->>'table', 'to', h->>'col',
                                                                                                'arr', h->'arr', 'to_x', h->'to_x'))), h->'to_x'));
            END IF;
            IF NOT nears ? (h->>'id') THEN
                nears := nears || jsonb_build_object(h->>'id', format('_n%s', replace(h->>'id', '-', 'm')));
                decl := decl || format(E'\n    _n%s text[];', replace(h->>'id', '-', 'm'));
                sel := sel || format('array_agg(v) FILTER (WHERE d.scope = %L)', 'n' || (h->>'id'));
                into_ := into_ || format('_n%s', replace(h->>'id', '-', 'm'));
            END IF;
        END LOOP;
    END LOOP;
    gather := format(E'\n    WITH d AS (DELETE FROM %s q WHERE q.tx = pg_current_xact_id() AND (_tv_at_commit OR q.scope <> ''r'') RETURNING q.scope, q.vals)'
                     || E'\n    SELECT coalesce(bool_or(d.scope = ''all''), false), %s'
                     || E'\n      INTO _tv_all, %s'
                     || E'\n      FROM d LEFT JOIN LATERAL unnest(d.vals) v ON true;',
                     '@@Q@@', array_to_string(sel, ', '), array_to_string(into_, ', '));
    into_list := array_to_string(into_, ', ');
    -- a hop whose moved-onto values no path walks (none in practice) is still locked, at distance 1
    FOR hid IN SELECT k FROM jsonb_object_keys(nears) k LOOP
        IF NOT EXISTS (SELECT 1 FROM jsonb_object_keys(rnk) r WHERE split_part(r, '.', 1) = hid) THEN
            rnk := rnk || jsonb_build_object(hid || '.1', 1);
        END IF;
    END LOOP;
    -- every path starts ready at its first hop
    FOR j IN 0 .. jsonb_array_length(paths) - 1 LOOP
        hid := (paths->j->'hops'->0->>'id') || '.' || jsonb_array_length(paths->j->'hops');
        ready := jsonb_set(ready, ARRAY[hid], coalesce(ready->hid, '[]') || jsonb_build_array(jsonb_build_array(j, 1)));
    END LOOP;
    FOR hid IN SELECT k FROM jsonb_each_text(rnk) r(k, v) ORDER BY v::int DESC, split_part(k, '.', 1)::bigint LOOP
        vars := ARRAY(SELECT format('%s_%s', paths->((x->>0)::int)->>'v', x->>1) FROM jsonb_array_elements(coalesce(ready->hid, '[]')) x);
        h := (SELECT paths->((x->>0)::int)->'hops'->((x->>1)::int - 1) FROM jsonb_array_elements(coalesce(ready->hid, '[]')) x LIMIT 1);
        IF h ? 'closure' THEN
            body := body || public.pg_tviews__gen_closure(h, lk, 'c' || hid, vars, nears->>split_part(hid, '.', 1));
            done := done || hid;
            FOR it IN SELECT x FROM jsonb_array_elements(coalesce(ready->hid, '[]')) x LOOP
                pa := paths->((it->>0)::int);
                j := (it->>1)::int;
                nxt := pa->'hops'->j;
                body := body || format(E'\n    %s_%s := _tv_reach;', pa->>'v', j + 1);
                ready := jsonb_set(ready, ARRAY[(nxt->>'id') || '.' || (jsonb_array_length(pa->'hops') - j)],
                                   coalesce(ready->((nxt->>'id') || '.' || (jsonb_array_length(pa->'hops') - j)), '[]')
                                   || jsonb_build_array(jsonb_build_array((it->>0)::int, j + 1)));
            END LOOP;
            CONTINUE;
        END IF;
        IF nears ? split_part(hid, '.', 1) THEN vars := vars || (nears->>split_part(hid, '.', 1)); END IF;
        body := body || format(E'\n    IF cardinality(%s) > 0 THEN', array_to_string(vars, ') > 0 OR cardinality('))
                     || replace(public.pg_tviews__gen_lock(lk, 'h' || hid,
                            CASE WHEN cardinality(vars) = 1 THEN vars[1]
                                 ELSE format('ARRAY(SELECT unnest(%s))', array_to_string(vars, ') UNION ALL SELECT unnest(')) END,
                            cardinality(vars) = 1, lockvals->>split_part(hid, '.', 1)),
                                E'\n    ', E'\n        ')
                     || E'\n    END IF;';
        done := done || hid;
        stack := coalesce(ready->hid, '[]');
        WHILE jsonb_array_length(stack) > 0 LOOP
            it := stack->0;
            stack := stack - 0;
            pa := paths->((it->>0)::int);
            j := (it->>1)::int;
            h := pa->'hops'->(j - 1);
            IF j = jsonb_array_length(pa->'hops') AND pa ? 'key_expr' THEN
                body := body || public.pg_tviews__gen_lookup(h, format('%s_%s', pa->>'v', j),
                            format('_q_k := coalesce(_q_k, ''{}'') || ARRAY(%s WHERE %s ',
                                   public.pg_tviews__key_expr_of(pa, 'y', public.pg_tviews__key_ctype(m.key_type), format('%I.%I', h->>'schema', h->>'table')),
                                   public.pg_tviews__hop_val(h, 'to', 'y')),
                            ');');
                CONTINUE;
            ELSIF j = jsonb_array_length(pa->'hops') THEN
                body := body || public.pg_tviews__gen_lookup(h, format('%s_%s', pa->>'v', j),
                            format('_q_k := coalesce(_q_k, ''{}'') || ARRAY(SELECT y.%I::%s::text FROM %I.%I y WHERE %s%s ',
                                   pa->>'key', public.pg_tviews__key_ctype(m.key_type), h->>'schema', h->>'table',
                                   coalesce(public.pg_tviews__key_fits(
                                       (SELECT a.atttypid FROM pg_attribute a
                                         WHERE a.attrelid = to_regclass(format('%I.%I', h->>'schema', h->>'table')) AND a.attname = pa->>'key'),
                                       m.key_type, format('y.%I', pa->>'key')) || ' AND ', ''),
                                   public.pg_tviews__hop_val(h, 'to', 'y')), ');');
                CONTINUE;
            END IF;
            nxt := pa->'hops'->j;
            IF nxt->>'arr' = 'from' THEN
                -- (the next hop leaves from an array column: its elements)
                body := body || public.pg_tviews__gen_lookup(h, format('%s_%s', pa->>'v', j),
                            format('%s_%s := ARRAY(SELECT DISTINCT _e.v::%s::text FROM %I.%I y CROSS JOIN LATERAL unnest(y.%I) _e(v) WHERE %s ',
                                   pa->>'v', j + 1, public.pg_tviews__hop_type(nxt), h->>'schema', h->>'table', nxt->>'from',
                                   public.pg_tviews__hop_val(h, 'to', 'y')),
                            ' AND _e.v IS NOT NULL);');
            ELSE
                body := body || public.pg_tviews__gen_lookup(h, format('%s_%s', pa->>'v', j),
                            format('%s_%s := ARRAY(SELECT DISTINCT %s::%s::text FROM %I.%I y WHERE %s ',
                                   pa->>'v', j + 1, public.pg_tviews__hop_val(nxt, 'from', 'y'), public.pg_tviews__hop_type(nxt), h->>'schema', h->>'table',
                                   public.pg_tviews__hop_val(h, 'to', 'y')),
                            format(' AND %s IS NOT NULL%s);', public.pg_tviews__hop_val(nxt, 'from', 'y'),
                                   coalesce(' AND ' || public.pg_tviews__key_fits(
                                       public.pg_tviews__side_type(nxt, 'from', to_regclass(format('%I.%I', h->>'schema', h->>'table'))),
                                       public.pg_tviews__hop_type(nxt), public.pg_tviews__hop_val(nxt, 'from', 'y')), '')));
            END IF;
            -- (the next hop is one closer to the key: its scope ranks lower, so it is locked later, in one statement)
            ready := jsonb_set(ready, ARRAY[(nxt->>'id') || '.' || (jsonb_array_length(pa->'hops') - j)],
                               coalesce(ready->((nxt->>'id') || '.' || (jsonb_array_length(pa->'hops') - j)), '[]')
                               || jsonb_build_array(jsonb_build_array((it->>0)::int, j + 1)));
        END LOOP;
    END LOOP;
END
$fn$;

-- A registered function of a TVIEW, resolved from its registry row (NULL when it does not exist or the row's
-- signature is not one): the row's text is never spliced into a statement.
CREATE OR REPLACE FUNCTION public.pg_tviews__helper_fn(h public.pg_tview_helpers) RETURNS regprocedure
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    RETURN to_regprocedure(format('%I.%I(%s)', h.schema_name, h.object_name, h.signature));
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$fn$;

-- The triggers of a TVIEW: those of its registry (on tables that still exist) and those the registry lost (rows deleted
-- or damaged, a table renamed), found by name among the triggers of functions the caller may drop
CREATE OR REPLACE FUNCTION public.pg_tviews__triggers_of(ent text, trg_like text) RETURNS TABLE(trg text, sch text, tbl text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT x.object_name, x.schema_name, x.on_table FROM public.pg_tview_helpers x
     WHERE x.entity = ent AND x.kind = 'trigger' AND x.object_name LIKE trg_like
       AND to_regclass(format('%I.%I', x.schema_name, x.on_table)) IS NOT NULL
    UNION
    SELECT t.tgname, n.nspname, c.relname
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_proc f ON f.oid = t.tgfoid
     WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgname LIKE trg_like AND pg_has_role(f.proowner, 'MEMBER')
$$;

-- Drops a TVIEW's generated triggers and functions: those its registry names and those named like its objects
-- (the registry lost them), only if they are its own (named for this entity, the functions owned by a role the
-- caller, acting as the TVIEW's owner, is a member of), never by splicing the registry's text.
CREATE OR REPLACE FUNCTION public.pg_tviews__drop_objects(ent text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    h record;
    nm record := public.pg_tviews__names(ent, '');
BEGIN
    -- DROP TRIGGER locks its table (ACCESS EXCLUSIVE): every table first, none waited for while holding another (0.3.8
    -- dropped them in turn, and a writer that had read the second and then wrote the first deadlocked with the drop)
    PERFORM public.pg_tviews__lock_tables(ARRAY(
        SELECT DISTINCT r::text FROM (SELECT to_regclass(format('%I.%I', t.sch, t.tbl)) AS r FROM public.pg_tviews__triggers_of(ent, nm.trg_like) t) x
         WHERE r IS NOT NULL ORDER BY 1), 'ACCESS EXCLUSIVE');
    -- (before the functions they call, which could not be dropped under them)
    FOR h IN SELECT * FROM public.pg_tviews__triggers_of(ent, nm.trg_like) LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I.%I', h.trg, h.sch, h.tbl);
    END LOOP;
    FOR h IN SELECT f.oid::regprocedure AS sig FROM public.pg_tview_helpers x
               JOIN pg_proc f ON f.oid = public.pg_tviews__helper_fn(x)
              WHERE x.entity = ent AND x.kind = 'function' AND f.proname LIKE nm.fn_like AND pg_has_role(f.proowner, 'MEMBER') LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s', h.sig);
    END LOOP;
    UPDATE public.pg_tview_helpers SET dropping = true WHERE entity = ent;
    -- functions of this TVIEW that the registry lost
    FOR h IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
              WHERE p.proname LIKE nm.fn_like AND pg_has_role(p.proowner, 'MEMBER') LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s', h.sig);
    END LOOP;
END
$fn$;

-- What the end of every function that runs a TVIEW owner's code (its definition's functions, its tables' policies and
-- triggers) checks, as the owner, before it returns to a caller that may be another role (a superuser's refresh, check,
-- repair, reinstall; a writer's COMMIT):
-- * that code did not change the session's search_path (set_config(..., false) outlives the functions' own SET clause:
--   the caller would go on resolving operators and functions through the owner's schemas) nor the runtime's flushing
--   state: the transaction fails (0.3.6 went on);
-- * fire: outside a flush, when the session's login role is not the owner, deferred trigger events that code queued
--   fire now, as the owner (SET CONSTRAINTS ALL IMMEDIATE), not at COMMIT as whoever is the current role then (0.3.6:
--   a deferred trigger of the owner's ran as the superuser that had refreshed the TVIEW). This also fires the
--   transaction's other pending events and leaves its constraints immediate for the rest of it.
-- * fire also: that code created no temporary relation or type in the session (pg_temp comes first in the caller's
--   search_path for relations and types: a temporary view named like a table the caller reads later would run the
--   owner's functions as the caller; 0.3.6 let it);
-- Whether a transaction other than this one committed after this transaction's snapshot was taken (REPEATABLE READ,
-- SERIALIZABLE): one that was running then (in the snapshot's list) or started since (from the snapshot's xmax up to
-- the next transaction ID, which pg_xact_status refuses as "in the future"). This transaction's own ID and its
-- subtransactions' ("in progress" until it commits) do not count. A full refresh at these levels runs only when this
-- says no, after it has locked out the TVIEW's keyed flushes: its snapshot then sees everything a READ COMMITTED
-- statement would (since 0.3.25; 0.3.24 refused it, and DDL that needed it committed with a marked TVIEW).
CREATE OR REPLACE FUNCTION public.pg_tviews__commits_after_snapshot() RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    snap pg_snapshot := pg_current_snapshot();
    own xid8 := pg_current_xact_id_if_assigned();
    x bigint := pg_snapshot_xmax(snap)::text::bigint;
    last bigint := x + 1000000;      -- (past this many IDs, say yes rather than scan on)
BEGIN
    IF EXISTS (SELECT 1 FROM pg_snapshot_xip(snap) t WHERE pg_xact_status(t) = 'committed') THEN
        RETURN true;
    END IF;
    BEGIN
        WHILE x < last LOOP
            IF x::text::xid8 IS DISTINCT FROM own AND pg_xact_status(x::text::xid8) = 'committed' THEN
                RETURN true;
            END IF;
            x := x + 1;
        END LOOP;
        RETURN true;
    EXCEPTION WHEN invalid_parameter_value THEN
        RETURN false;                 -- reached the next transaction ID
    END;
END
$fn$;

-- Whether this transaction already holds a TVIEW's lock table in SHARE ROW EXCLUSIVE mode, under REPEATABLE READ or
-- SERIALIZABLE (that mode only: a lock table created or recreated in this transaction is held in ACCESS EXCLUSIVE
-- mode, and proves nothing). The runtime takes that lock at these levels only right before it checks
-- pg_tviews__commits_after_snapshot(), and fails with 40001 when the check says yes; holding it therefore proves the
-- check passed, and since then no flush of that TVIEW could commit. A full refresh at COMMIT queued by a TRUNCATE under
-- REPEATABLE READ reads this and does not count commits made since by unrelated transactions (a lock taken in a
-- subtransaction that was rolled back is no longer held, and the check runs again). False under READ COMMITTED.
CREATE OR REPLACE FUNCTION public.pg_tviews__holds_refresh_lock(rel regclass) RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT current_setting('transaction_isolation') <> 'read committed'
       AND EXISTS (SELECT 1 FROM pg_locks l
                    WHERE l.locktype = 'relation' AND l.pid = pg_backend_pid() AND l.granted
                      AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
                      AND l.relation = rel
                      AND l.mode = 'ShareRowExclusiveLock')
$fn$;

-- The session's temporary relations and types, as a fingerprint (count and newest OID of each); '' while the session has
-- no temporary schema, which the first temporary object creates. The functions that run the owner's code outside the
-- COMMIT event (the keyed recompute _rk, the full refresh _fr, the statement runner) take it twice, so it is inlined
-- into them (no SET clause: every name qualified) and scans only where a temporary schema exists: 0.3.7 – 0.3.34 scanned
-- pg_class and pg_type each time (nothing indexes them by schema), 58 µs a call in the generated code's context in a
-- fresh database and more with every table it holds.
CREATE OR REPLACE FUNCTION public.pg_tviews__temp_objects_listed() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (SELECT count(*) || ':' || coalesce(max(c.oid::bigint), 0) FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema()) || '/'
        || (SELECT count(*) || ':' || coalesce(max(t.oid::bigint), 0) FROM pg_type t WHERE t.typnamespace = pg_my_temp_schema())
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__temp_objects() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN pg_catalog.pg_my_temp_schema() OPERATOR(pg_catalog.=) 0::pg_catalog.oid THEN ''::pg_catalog.text
                ELSE public.pg_tviews__temp_objects_listed() END
$$;

-- (fire: the deferred events the owner's code queued fire first, as the owner, so that the checks see what they did;
-- 0.3.7 – 0.3.34 fired them after the checks, and an event that created a temporary view or set the search_path passed;
-- hunt 41)
CREATE OR REPLACE FUNCTION public.pg_tviews__owner_code_guard(fl0 text, fire boolean) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN fire THEN format($g$
    IF %1$s <> 'on' AND session_user <> current_user THEN
        SET CONSTRAINTS ALL IMMEDIATE;
    END IF;$g$, fl0) ELSE '' END
        || format($g$
    IF current_setting('search_path') <> 'pg_catalog, pg_temp'%2$s THEN
        RAISE EXCEPTION 'code run by TVIEW maintenance as %%, the TVIEW''s owner, changed the session''s search_path or the runtime''s settings', current_user
            USING ERRCODE = '42501', HINT = 'A function the TVIEW query calls (or a trigger or policy on its tables) sets them: remove that.';
    END IF;$g$, fl0, CASE WHEN fire THEN format(' OR coalesce(current_setting(''pg_tviews.flushing'', true), '''') <> %s', fl0) ELSE '' END)
        || CASE WHEN fire THEN format($g$
    IF public.pg_tviews__temp_objects() <> _tv_tmp0 THEN
        RAISE EXCEPTION 'code run by TVIEW maintenance as %%, the TVIEW''s owner, created temporary objects in the session', current_user
            USING ERRCODE = '42501', HINT = 'A function the TVIEW query calls (or a trigger or policy on its tables) creates them: remove that.';
    END IF;$g$) ELSE '' END;
$$;

-- A superuser's session never runs another role's TVIEW code (0.3.7). Inside SECURITY DEFINER functions the owner's
-- code cannot take the caller's role, but in pure SQL it can still leave behind what runs later in the caller's
-- session and transaction: a cursor WITH HOLD (run to completion at COMMIT), a deferred trigger event queued again
-- after any firing, session settings hidden under transaction-local ones, temporary objects. A superuser who
-- refreshes, checks, repairs, rebuilds or creates another role's TVIEW is refused (42501); that role (or a member of
-- it that is not a superuser) connects and does it. Called as the owner (after pg_tviews__as_owner).
CREATE OR REPLACE FUNCTION public.pg_tviews__foreign_to_session(owner name) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT owner <> session_user AND coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__no_foreign_superuser(ent text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF public.pg_tviews__foreign_to_session(current_user) THEN
        RAISE EXCEPTION 'TVIEW % belongs to role %: its maintenance runs that role''s code, which a superuser''s session (%) does not run', ent, current_user, session_user
            USING ERRCODE = '42501',
                  HINT = format('Connect as %I (or as a member of it that is not a superuser) and run it there; the operator connects as the TVIEW''s owner.', current_user);
    END IF;
END
$fn$;

-- Runs one statement (returning one jsonb value) as the TVIEW's owner, inside a SECURITY DEFINER function of that
-- owner (<schema>.pg_tviews_<table>_<hash>_ex, EXECUTE revoked from PUBLIC). Statements that may run the owner's
-- code (its definition's functions, its tables' policies and triggers) go through it: there that code cannot leave
-- the owner's role (RESET ROLE / SET ROLE are refused in a SECURITY DEFINER function), as it could after
-- pg_tviews__as_owner's SET ROLE alone, back to a superuser who runs a check or a refresh of the TVIEW (0.3.4).
-- The caller acts as the owner already (pg_tviews__as_owner).
-- (quote_all_identifiers = off: as pg_tviews__install_objects)
CREATE OR REPLACE FUNCTION public.pg_tviews__owner_exec(sch text, ent text, tbl text, q text) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $fn$
DECLARE
    fn text := left((public.pg_tviews__names(ent, tbl)).fr, -3) || '_ex';
    body constant text := 'DECLARE r jsonb; _tv_fl0 text := coalesce(current_setting(''pg_tviews.flushing'', true), '''');'
                          || ' _tv_tmp0 text := public.pg_tviews__temp_objects(); BEGIN EXECUTE q INTO r;'
                          || public.pg_tviews__owner_code_guard('_tv_fl0', true) || ' RETURN r; END';
    r jsonb;
BEGIN
    IF EXISTS (SELECT 1 FROM public.pg_tview_meta m WHERE m.entity = ent AND m.owner <> current_user) THEN
        RAISE EXCEPTION 'internal error: TVIEW % is run as %, not as its owner', ent, current_user USING ERRCODE = 'XX000';
    END IF;
    PERFORM public.pg_tviews__no_foreign_superuser(ent);
    IF NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = sch AND p.proname = fn AND p.proargtypes = '25'::oidvector AND p.prosecdef
                      AND p.proowner = (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) AND p.prosrc = body AND p.proconfig = ARRAY['search_path=pg_catalog, pg_temp']) THEN
        EXECUTE format('CREATE OR REPLACE FUNCTION %I.%I(q text) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER'
                       ' SET search_path = pg_catalog, pg_temp AS %L', sch, fn, body);
        EXECUTE format('REVOKE ALL ON FUNCTION %I.%I(text) FROM PUBLIC', sch, fn);
    END IF;
    EXECUTE format('SELECT %I.%I($1)', sch, fn) INTO r USING q;
    RETURN r;
END
$fn$;

DROP FUNCTION IF EXISTS public.pg_tviews__has_rows(oid);
CREATE OR REPLACE FUNCTION public.pg_tviews__has_rows(m public.pg_tview_meta, rel oid) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    r boolean;
    prev text;
BEGIN
    IF public.pg_tviews__foreign_to_session(current_user) THEN
        -- (a superuser's session reads as itself: row-level security does not apply to it, and a SELECT runs no trigger,
        -- so no owner code runs)
        prev := current_setting('role');
        PERFORM set_config('role', 'none', true);
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM ONLY %s)', rel::regclass) INTO r;
        PERFORM set_config('role', prev, true);
        RETURN r;
    END IF;
    r := (public.pg_tviews__owner_exec(m.schema_name, m.entity, m.table_name,
              format('SELECT to_jsonb(EXISTS (SELECT 1 FROM ONLY %s))', rel::regclass)))::boolean;
    RETURN r;
END
$fn$;

-- Did DDL change what the generated objects were made from: the definition (a renamed column), or the
-- tables a source spans (a new partition or inheritance child without this TVIEW's triggers)? Other DDL
-- (ADD COLUMN, ENABLE/DISABLE TRIGGER, ...) leaves the TVIEW alone.
-- Tables that carry the TVIEW's TRUNCATE trigger but are no longer one of its sources or their partitions /
-- children (DETACH PARTITION, NO INHERIT): their rows are still in the TVIEW. NULL when there are none.
CREATE OR REPLACE FUNCTION public.pg_tviews__left_tables(m public.pg_tview_meta) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY n.nspname, c.relname)
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE t.tgname = (SELECT (public.pg_tviews__names(m.entity, m.table_name)).trg_prefix || '_trn')   -- (once, not per trigger)
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(m.dependencies) dep
                        CROSS JOIN LATERAL public.pg_tviews__expected_triggers(m.entity, m.table_name, dep) x
                        WHERE x.trg = t.tgname AND public.pg_tviews__relid(x.sch, x.tbl) = t.tgrelid);
$$;

-- Tables that carried this TVIEW's triggers (its registry says) and were dropped while no event trigger followed
-- (DROP TABLE of a partition or an inheritance child by a role that cannot act as the TVIEW's owner, or without the
-- event trigger): their rows may still be in the TVIEW. A full recompute (pg_tviews__full) forgets them.
CREATE OR REPLACE FUNCTION public.pg_tviews__dropped_tables(m public.pg_tview_meta) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(DISTINCT format('%I.%I', h.schema_name, h.on_table), ', ')
      FROM public.pg_tview_helpers h
     WHERE h.entity = m.entity AND h.kind = 'trigger' AND h.on_table <> ''
       AND public.pg_tviews__relid(h.schema_name, h.on_table) IS NULL;
$$;

-- Does the lineage name a column its table no longer has? A column renamed under a view the TVIEW reads leaves the
-- definition's text as it was (the view keeps its column names), but the generated code names the table's column
-- (0.3.13 missed that rename, and every write to the table then failed)
CREATE OR REPLACE FUNCTION public.pg_tviews__lineage_columns_gone(m public.pg_tview_meta) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH cols(sch, tbl, col) AS (
        SELECT d->>'schema', d->>'table', c FROM jsonb_array_elements(m.dependencies) d
         CROSS JOIN LATERAL jsonb_array_elements(coalesce(d->'near', '[]')) n
         CROSS JOIN LATERAL jsonb_array_elements_text(public.pg_tviews__side_cols(jsonb_build_object('to', n->'col') || jsonb_strip_nulls(jsonb_build_object('to_x', n->'to_x')), 'to')) c
        UNION ALL
        SELECT d->>'schema', d->>'table', c
          FROM jsonb_array_elements(m.dependencies) d CROSS JOIN LATERAL jsonb_array_elements(coalesce(d->'paths', '[]')) p
         CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_array_length(p->'hops') > 0 THEN public.pg_tviews__side_cols(p->'hops'->0, 'from')
                                                           ELSE jsonb_build_array(p->'key') END) c
        UNION ALL
        SELECT h->>'schema', h->>'table', c
          FROM jsonb_array_elements(m.dependencies) d CROSS JOIN LATERAL jsonb_array_elements(coalesce(d->'paths', '[]')) p
         CROSS JOIN LATERAL jsonb_array_elements(p->'hops') h CROSS JOIN LATERAL jsonb_array_elements_text(public.pg_tviews__side_cols(h, 'to')) c
        UNION ALL
        SELECT h->>'schema', h->>'table', c
          FROM jsonb_array_elements(m.dependencies) d CROSS JOIN LATERAL jsonb_array_elements(coalesce(d->'paths', '[]')) p
         CROSS JOIN LATERAL jsonb_array_elements(p->'hops') WITH ORDINALITY x(h, o)
         CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN o < jsonb_array_length(p->'hops') THEN public.pg_tviews__side_cols(p->'hops'->(o::int), 'from')
                                                           ELSE '[]' END) c
        UNION ALL
        SELECT coalesce(p->'hops'->-1->>'schema', d->>'schema'), coalesce(p->'hops'->-1->>'table', d->>'table'), k
          FROM jsonb_array_elements(m.dependencies) d CROSS JOIN LATERAL jsonb_array_elements(coalesce(d->'paths', '[]')) p
         CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(p->'key_cols', jsonb_build_array(p->'key'))) k
    )
    SELECT EXISTS (SELECT 1 FROM cols
                    WHERE col IS NOT NULL AND to_regclass(format('%I.%I', sch, tbl)) IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = to_regclass(format('%I.%I', sch, tbl))
                                         AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped))
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__stale_objects(m public.pg_tview_meta) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    dv regclass := to_regclass(format('%I.%I', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv));
BEGIN
    IF dv IS NULL OR md5(regexp_replace(public.pg_tviews__viewdef(dv), E'[;\\s]+$', '')) IS DISTINCT FROM m.definition_hash THEN
        RETURN true;
    END IF;
    RETURN public.pg_tviews__lineage_columns_gone(m)
        OR EXISTS (SELECT 1 FROM jsonb_array_elements(m.dependencies) d
                    CROSS JOIN LATERAL public.pg_tviews__expected_triggers(m.entity, m.table_name, d) x
                    WHERE x.trg LIKE E'%\\_trn' AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = public.pg_tviews__relid(x.sch, x.tbl) AND t.tgname = x.trg))
        -- a table that left a source (DETACH PARTITION, NO INHERIT) still carries its trigger
        OR public.pg_tviews__left_tables(m) IS NOT NULL;
END
$fn$;

-- One regeneration step of a TVIEW (a function of the entity). A deadlock, serialization failure or lock
-- timeout means a writer of its sources waited for this attempt's locks while holding what it needed; rolling
-- the attempt back lets the writer finish, so the step is tried again, up to `attempts` times, then raised.
-- step(ent), or with an action pg_tviews__follow_ddl(ent, action)
DROP FUNCTION IF EXISTS public.pg_tviews__retry_transient(text, text, int);
CREATE OR REPLACE FUNCTION public.pg_tviews__retry_transient(ent text, step text, attempts int, action text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    FOR attempt IN 1 .. attempts LOOP
        BEGIN
            IF action IS NULL THEN
                EXECUTE format('SELECT public.%I($1)', step) USING ent;
            ELSE
                EXECUTE format('SELECT public.%I($1, $2)', step) USING ent, action;
            END IF;
            RETURN;
        EXCEPTION WHEN deadlock_detected OR serialization_failure OR lock_not_available THEN
            -- (a serialization failure under REPEATABLE READ or SERIALIZABLE comes back as long as the snapshot does)
            IF attempt = attempts OR SQLSTATE = '40001' AND current_setting('transaction_isolation') <> 'read committed' THEN
                RAISE;
            END IF;
            PERFORM pg_sleep(0.05 * attempt);
        END;
    END LOOP;
END
$fn$;

-- After source DDL, as the TVIEW's owner: 'regenerate' its objects when what they were made from changed;
-- 'rebuild' them and recompute (a plain view it reads was redefined: the definition view now expands the new
-- definition); 'refresh' (a partition or child of a source was dropped with its rows).
CREATE OR REPLACE FUNCTION public.pg_tviews__follow_ddl(ent text, action text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    m public.pg_tview_meta := (SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = ent);
    prev text := public.pg_tviews__as_owner(m.owner, ent);
BEGIN
    -- ('reinstall': new code for the same rows, e.g. a GIN index now read; 'regenerate': only if stale)
    IF action IN ('rebuild', 'reinstall') OR action = 'regenerate' AND public.pg_tviews__stale_objects(m) THEN
        PERFORM public.pg_tviews__install_objects(ent);
    END IF;
    IF action = 'regenerate' AND m.last_error LIKE 'ddl: maintenance triggers disabled%'
       AND public.pg_tviews__disabled_triggers((SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = ent)) IS NULL THEN
        -- its triggers are enabled again: rows written meanwhile were never maintained. A full (diff-based) refresh is
        -- queued for COMMIT, like a TRUNCATE's (not run now: a data-only restore enables a table's triggers before it
        -- loads the TVIEW tables' own rows)
        EXECUTE format('INSERT INTO %I.%I (scope, vals) VALUES (''all'', ''{}'')', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).q);
        UPDATE public.pg_tview_meta SET last_error = NULL WHERE entity = ent;
    END IF;
    IF action IN ('rebuild', 'refresh') THEN
        PERFORM public.pg_tviews__full((SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = ent), false);
    END IF;
    PERFORM public.pg_tviews__restore_role(prev);
END
$fn$;
DROP FUNCTION IF EXISTS public.pg_tviews__regenerate_if_stale(text);

-- One TVIEW after source DDL (see pg_tviews__follow_ddl), in the DDL's transaction. A transient failure fails the
-- DDL (run it again) rather than leave the TVIEW maintained by code behind its sources; any other is reported and
-- never blocks the DDL (e.g. the role running it is not a member of the TVIEW's owner).
-- DDL (what) after which TVIEW ent could not be maintained: it fails with the analysis's own SQLSTATE, message, detail and
-- hint, naming the TVIEW and the way out (one wording for the regeneration's refusals and the drop checks')
CREATE OR REPLACE FUNCTION public.pg_tviews__refuse_ddl(what text, ent text, st text, msg text, det text, hnt text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    RAISE EXCEPTION 'this % would leave TVIEW % unmaintained: %', what, ent, msg
        USING ERRCODE = st, DETAIL = coalesce(nullif(det, ''), 'Its definition, with this DDL applied, is refused as pg_tviews_create would refuse it.'),
              HINT = format('Change the TVIEW first, to a query or options it accepts (pg_tviews_create_or_replace(%L, …)%s), or drop it (pg_tviews_drop(%L)).',
                            ent, coalesce('; ' || rtrim(nullif(hnt, ''), '.'), ''), ent);
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__follow_each(ent text, action text, what text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    st text;
    msg text;
    det text;
    hnt text;
BEGIN
    PERFORM public.pg_tviews__retry_transient(ent, 'pg_tviews__follow_ddl', 3, action);
EXCEPTION
    WHEN insufficient_privilege THEN
        -- the role running the DDL cannot act as the TVIEW's owner: the DDL is its right on its table; the owner's
        -- health check reports what the DDL left behind (left:, dropped:, missing triggers, definition)
        RAISE WARNING 'TVIEW %: maintenance could not follow this %: % (pg_tviews_health_check() reports it; its owner runs pg_tviews_reinstall_triggers(%))',
            ent, what, SQLERRM, quote_literal(ent);
    WHEN OTHERS THEN
        -- Rows the TVIEW cannot hold (a partition attached with a key it has: 23505 naming it), or a value its query cannot
        -- compute: the DDL fails as a write would, and changes nothing (0.3.22 let it through and left the TVIEW stale;
        -- ninth round). So does a recompute under REPEATABLE READ or SERIALIZABLE whose snapshot a commit outdated (40001,
        -- to be retried; 0.3.24 let the DDL through with a WARNING and marked the TVIEW, and refusing every such DDL had
        -- refused renames and empty partitions too, tenth and eleventh rounds).
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        IF left(st, 2) IN ('22', '23') OR st = '40001' THEN
            RAISE;
        END IF;
        -- A definition the analysis now refuses (a view it reads redefined with a LIMIT, a cycle through a TVIEW…): the TVIEW
        -- would be left behind its sources, so the DDL fails and changes nothing (0.3.28 let it through with a WARNING, and
        -- the rows went stale until someone read the health check)
        -- (also an analysis that failed, 54001 or an internal error: the TVIEW could not be followed either)
        IF st IN ('0A000', '42P17', '54001', 'XX000') THEN
            PERFORM public.pg_tviews__refuse_ddl(what, ent, st, msg, det, hnt);
        END IF;
        -- Otherwise the DDL goes through (it may be what broke the TVIEW, e.g. a raw DROP of its table), and the TVIEW is
        -- marked: its health check reports it until pg_tviews_refresh regenerates and recomputes it (0.3.4 only
        -- warned, and the health check did not see it)
        UPDATE public.pg_tview_meta SET last_error = 'ddl: a ' || what || ' of its sources was not followed: ' || SQLERRM WHERE entity = ent;
        RAISE WARNING 'TVIEW %: maintenance could not follow this %: % (pg_tviews_health_check() reports it; its owner runs pg_tviews_refresh(%))',
            ent, what, SQLERRM, quote_literal(ent);
END
$fn$;

-- ALTER TABLE that rewrites a TVIEW's table (ALTER COLUMN k TYPE int USING k + 100 keeps the type, so the columns
-- still match, but the values are no longer the query's; hunt 13). The runtime itself rewrites none.
CREATE OR REPLACE FUNCTION public.pg_tviews__on_rewrite() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET row_security = on AS $fn$
DECLARE
    tv text;
BEGIN
    -- (a column's values rewritten, reason 4; SET [UN]LOGGED, 1, is the DDL event trigger's to refuse or allow)
    IF current_setting('pg_tviews.busy', true) = 'on' OR pg_event_trigger_table_rewrite_reason() & 4 = 0 THEN
        RETURN;
    END IF;
    SELECT format('%I.%I', m.schema_name, m.table_name) INTO tv FROM public.pg_tview_meta m
     WHERE public.pg_tviews__relid(m.schema_name, m.table_name) = pg_event_trigger_table_rewrite_oid() LIMIT 1;
    IF tv IS NOT NULL THEN
        RAISE EXCEPTION 'a TVIEW''s table cannot be rewritten by ALTER TABLE: %', tv
            USING ERRCODE = '0A000', DETAIL = 'Its rows are its query''s: a rewrite with USING, or of a column''s type, gives it others.',
            HINT = 'Change the query instead (pg_tviews_create_or_replace): the table follows it.';
    END IF;
END
$fn$;

-- DROP TABLE of a partition or an inheritance child of a source: its rows left the source without any
-- statement trigger seeing them; the TVIEWs whose triggers went with it are recomputed.
CREATE OR REPLACE FUNCTION public.pg_tviews__on_drop() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    e record;
    tv text;
BEGIN
    IF current_setting('pg_tviews.busy', true) = 'on' THEN
        RETURN;
    END IF;
    -- a column of a TVIEW's table dropped, also one added back under its name in the same statement (ALTER TABLE tv DROP
    -- COLUMN s, ADD COLUMN s text: the columns then match, but the values and the key's index are gone; hunt 13)
    SELECT string_agg(DISTINCT x.object_identity, ', ') INTO tv
      FROM pg_event_trigger_dropped_objects() x JOIN public.pg_tview_meta m ON public.pg_tviews__relid(m.schema_name, m.table_name) = x.objid
     WHERE x.object_type = 'table column' AND x.classid = 'pg_class'::regclass;
    IF tv IS NOT NULL THEN
        RAISE EXCEPTION 'a column of a TVIEW''s table cannot be dropped: %', tv
            USING ERRCODE = '0A000', DETAIL = 'Its columns are its query''s, and its maintenance writes them by name.',
            HINT = 'Change the query instead (pg_tviews_create_or_replace): the table follows it.';
    END IF;
    -- a TVIEW's definition view dropped by a CASCADE of a column, function, type or view it reads (DROP COLUMN … CASCADE of
    -- a source, DROP FUNCTION … CASCADE) while its table stays: every write to its sources then failed inside the generated
    -- code with 42P01, and no refresh could recreate a definition naming what was gone (0.3.28; hunt 24). Not the runtime's
    -- own DROP VIEW of it (named, not cascaded to), nor a DROP TABLE … CASCADE of a source or of a TVIEW's table, whose
    -- TVIEWs are reported and recovered by pg_tviews_reinstall_triggers, nor a drop of the TVIEW's table with it.
    SELECT string_agg(DISTINCT format('%I.%I', m.schema_name, m.table_name), ', ') INTO tv
      FROM pg_event_trigger_dropped_objects() x
      JOIN public.pg_tview_meta m ON x.schema_name = m.schema_name AND x.object_name = (public.pg_tviews__names(m.entity, m.table_name)).dv
     WHERE x.object_type = 'view' AND x.classid = 'pg_class'::regclass AND NOT x.original
       AND public.pg_tviews__relid(m.schema_name, m.table_name) IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() t WHERE t.original AND t.object_type = 'table');
    IF tv IS NOT NULL THEN
        RAISE EXCEPTION 'this DROP would take the definition of TVIEW %: its maintenance reads it', tv
            USING ERRCODE = '2BP01', DETAIL = 'A CASCADE reached the view that holds the TVIEW''s query; every later write to its sources would fail.',
            HINT = 'Drop the TVIEW first (pg_tviews_drop), or change its query so that it no longer reads what you drop (pg_tviews_create_or_replace), then drop it.';
    END IF;
    -- a unique index or a primary key of a table a TVIEW reads, which its analysis may stand on (an ORDER BY that tells
    -- rows apart by it, a group of one row): analysed again, and refused when it no longer holds (0.3.28 let
    -- "DROP CONSTRAINT tb_tag_pkey" through under jsonb_agg(t.name ORDER BY t.pk_tag), and the rows' order went stale;
    -- hunt 24). (The index's table is gone from the catalog's view of it: TVIEWs reading a table of its schema. Not when
    -- a table goes in the same command, DROP TABLE or DROP SCHEMA, whose indexes go with it: a TVIEW reading that table
    -- needed its CASCADE; and not for the runtime's own drops.)
    FOR e IN
        SELECT o.entity FROM public.pg_tviews__order() o JOIN public.pg_tview_meta m ON m.entity = o.entity
         -- (a TVIEW of an owner the role cannot act as: its health check reports it, as for any DDL that role runs)
         WHERE public.pg_tviews__member(m.owner)
           AND NOT EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() x WHERE x.object_type IN ('table', 'view'))
           AND EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() x
                        JOIN public.pg_tviews__view_closure(public.pg_tviews__relid(m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv)) vc(oid)
                          ON (SELECT c.relnamespace FROM pg_class c WHERE c.oid = vc.oid) = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = x.schema_name)
                       WHERE x.object_type IN ('index', 'table constraint'))
         ORDER BY public.pg_tviews__flush_rank(o.depth, o.entity) COLLATE "C", o.entity
    LOOP
        PERFORM public.pg_tviews__untraced(e.entity, true);
    END LOOP;
    -- a cast dropped: the generated code parses key and join expressions from their text, which may have used it
    IF EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() x WHERE x.object_type = 'cast') THEN
        PERFORM public.pg_tviews__follow_casts('DROP CAST', ARRAY(SELECT to_regtype(t) FROM pg_event_trigger_dropped_objects() x
                                                                  CROSS JOIN LATERAL unnest(x.address_names || x.address_args) t WHERE x.object_type = 'cast'));
    END IF;
    FOR e IN
        SELECT o.entity FROM public.pg_tviews__order() o JOIN public.pg_tview_meta m ON m.entity = o.entity
         WHERE (EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() x
                        WHERE x.object_type = 'trigger'
                          AND starts_with(x.object_identity, quote_ident((public.pg_tviews__names(m.entity, m.table_name)).trg_prefix || '_trn') || ' on '))
                -- a dropped row-level security policy of a table it reads (the owner may now read other rows; 0.3.20 missed it)
                OR EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() x
                            JOIN public.pg_tviews__view_closure(public.pg_tviews__relid(m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv)) vc(oid)
                              ON vc.oid = public.pg_tviews__relid(x.address_names[1], x.address_names[2])
                           WHERE x.object_type = 'policy'))
           AND public.pg_tviews__relid(m.schema_name, m.table_name) IS NOT NULL
         ORDER BY public.pg_tviews__flush_rank(o.depth, o.entity) COLLATE "C", o.entity
    LOOP
        PERFORM public.pg_tviews__follow_each(e.entity, 'refresh', 'DROP');
    END LOOP;
END
$fn$;

-- The maintenance triggers of a TVIEW that are disabled or set to fire only on replicas (NULL: none)
CREATE OR REPLACE FUNCTION public.pg_tviews__disabled_triggers(m public.pg_tview_meta) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(format('%I on %I.%I', x.trg, x.sch, x.tbl), ', ' ORDER BY x.sch, x.tbl, x.trg)
      FROM jsonb_array_elements(m.dependencies) d
     CROSS JOIN LATERAL public.pg_tviews__expected_triggers(m.entity, m.table_name, d) x
      JOIN pg_trigger t ON t.tgrelid = public.pg_tviews__relid(x.sch, x.tbl) AND t.tgname = x.trg
     WHERE t.tgenabled NOT IN ('O', 'A');
$$;

-- ALTER TABLE ... DISABLE TRIGGER (USER, ALL or by name) on a source: writes are not maintained until the trigger
-- is enabled again, so the TVIEW is marked (last_error 'ddl: maintenance triggers disabled ...', an ERROR in the health check
-- until pg_tviews_refresh, which regenerates them), and enabling
-- the trigger again (ENABLE TRIGGER, also in the same transaction) recomputes it: pg_tviews__follow_ddl. SECURITY
-- DEFINER, because the table's owner may not be the TVIEW's; unforgeable like pg_tviews__mark_unfollowed: outside an
-- event trigger pg_event_trigger_ddl_commands() fails, and only a TVIEW with a disabled trigger is marked.
CREATE OR REPLACE FUNCTION public.pg_tviews__mark_disabled(ent text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    m public.pg_tview_meta := (SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = ent);
    dis text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands()) THEN
        RETURN;
    END IF;
    dis := public.pg_tviews__disabled_triggers(m);
    IF dis IS NOT NULL AND m.last_error IS DISTINCT FROM 'ddl: maintenance triggers disabled: ' || dis THEN
        UPDATE public.pg_tview_meta SET last_error = 'ddl: maintenance triggers disabled: ' || dis WHERE entity = ent;
        RAISE WARNING 'TVIEW %: maintenance trigger disabled (%): writes to its sources are not maintained until it is enabled again (ALTER TABLE ... ENABLE TRIGGER), which recomputes the TVIEW', ent, dis;
    END IF;
END
$fn$;

-- The tables a TVIEW's definition view reads (through plain views), as [{"schema", "table"}]: what PostgreSQL recorded
-- when the view was created, not the catalog row's dependencies, which its owner may edit (0.3.7 took a tenant's edited
-- list for the truth, and refused other roles' DDL on tables its TVIEW did not read). Empty when the view is not the
-- owner's.
CREATE OR REPLACE FUNCTION public.pg_tviews__dv_sources(dv oid, owner name) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('schema', n.nspname, 'table', c.relname)), '[]')
      FROM public.pg_tviews__view_closure((SELECT c.oid FROM pg_class c
                                            WHERE c.oid = dv AND c.relkind = 'v' AND pg_has_role(owner, c.relowner, 'MEMBER'))) rels(oid)
      JOIN pg_class c ON c.oid = rels.oid AND c.relkind IN ('r', 'p') JOIN pg_namespace n ON n.oid = c.relnamespace
$$;

-- Source DDL (a renamed column, a new or attached partition, a new inheritance child, a detached one, a redefined
-- view): regenerate the TVIEWs that read the table or one of its ancestors. Installed when the installer is a
-- superuser; otherwise pg_tviews_health_check() reports such DDL and pg_tviews_reinstall_triggers() applies it.
-- The sources whose changes a TVIEW's definition, analysed as it is now, can no longer trace to keys (NULL: none, or the
-- analysis failed, which the regeneration reports). As the health check analyses it: nothing is created.
-- (strict: an analysis that now refuses the definition raises its refusal, naming the TVIEW, instead of giving NULL)
DROP FUNCTION IF EXISTS public.pg_tviews__untraced(text);
CREATE OR REPLACE FUNCTION public.pg_tviews__untraced(ent text, strict boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    det text;
    hnt text;
    m public.pg_tview_meta := (SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = ent);
    a jsonb;
    dv regclass := to_regclass(format('%I.%I', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv));
BEGIN
    -- (a definition whose text changed, a renamed column, is proven again by its regeneration: the stored proofs of its
    -- expressions name the old text)
    IF dv IS NULL OR md5(regexp_replace(public.pg_tviews__viewdef(dv), E'[;\\s]+$', '')) IS DISTINCT FROM m.definition_hash THEN
        RETURN NULL;
    END IF;
    a := public.pg_tviews__analyze_view(m.schema_name, m.table_name, m.entity, dv, m.options, false);
    -- (a key printed under a column alias list, FROM tb_a x(ai, aj), keeps its text when the column is renamed, while its
    -- proof names the column as it is now: proven again, as the regeneration will)
    IF jsonb_array_length(coalesce(a->'refused', '[]')) > 0 THEN
        a := public.pg_tviews__analyze_view(m.schema_name, m.table_name, m.entity, dv, m.options, true);
    END IF;
    RETURN (SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(a->'refused') x);
EXCEPTION WHEN OTHERS THEN
    IF strict AND SQLSTATE IN ('0A000', '42P17') THEN
        GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        PERFORM public.pg_tviews__refuse_ddl('DDL', ent, SQLSTATE, SQLERRM, det, hnt);
    END IF;
    RETURN NULL;
END
$fn$;

-- CREATE CAST or DROP CAST: the generated code parses key and join expressions from their text (x.s::text), and a cast
-- created or dropped since changes what that text calls, while the definition view keeps the function it was made with
-- (0.3.28 kept maintaining with the new cast, and the TVIEW left its query with the health check OK; hunt 24). Every
-- TVIEW is analysed and generated again: a text whose parse no longer gives the query's expression is refused, and the
-- DDL with it.
-- (only the TVIEWs whose query's values or columns have one of the cast's types: another cast changes no text of theirs)
DROP FUNCTION IF EXISTS public.pg_tviews__follow_casts(text);
CREATE OR REPLACE FUNCTION public.pg_tviews__follow_casts(what text, types oid[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    e record;
BEGIN
    FOR e IN SELECT o.entity FROM public.pg_tviews__order() o JOIN public.pg_tview_meta m ON m.entity = o.entity
              WHERE (public.pg_tviews__query_objects(m)).types && types
              ORDER BY public.pg_tviews__flush_rank(o.depth, o.entity) COLLATE "C", o.entity LOOP
        PERFORM public.pg_tviews__follow_each(e.entity, 'reinstall', what);
    END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__on_ddl() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    e record;
    tv text;
    gin oid[];
BEGIN
    -- the runtime's own DDL (its operations set pg_tviews.busy) is skipped; any session can set that setting, so it only
    -- skips DDL on objects named like the runtime's (pg_tview*), never DDL on a source, function or type
    IF current_setting('pg_tviews.busy', true) = 'on' AND NOT EXISTS (
           SELECT 1 FROM pg_event_trigger_ddl_commands() cmd
            WHERE coalesce(CASE cmd.classid WHEN 'pg_class'::regclass THEN (SELECT c.relname FROM pg_class c WHERE c.oid = cmd.objid)
                                            WHEN 'pg_proc'::regclass THEN (SELECT p.proname FROM pg_proc p WHERE p.oid = cmd.objid)
                                            WHEN 'pg_type'::regclass THEN (SELECT t.typname FROM pg_type t WHERE t.oid = cmd.objid)
                                            WHEN 'pg_trigger'::regclass THEN (SELECT t.tgname FROM pg_trigger t WHERE t.oid = cmd.objid) END, '')
                  NOT LIKE E'pg\\_tview%') THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() cmd WHERE cmd.classid = 'pg_subscription'::regclass) THEN
        -- (CREATE SUBSCRIPTION, ALTER SUBSCRIPTION ... REFRESH PUBLICATION or ENABLE: the tables it now writes are in
        -- pg_subscription_rel; only a superuser runs these commands in PostgreSQL 15, and may read pg_subscription)
        SELECT string_agg(format('%s (TVIEW %s)', x.f, x.entity), '; ' ORDER BY x.entity) INTO tv
          FROM (SELECT m.entity, public.pg_tviews__subscribed_sources(public.pg_tviews__dv_sources(
                                     public.pg_tviews__relid(m.schema_name, nm.dv), m.owner), true) AS f
                  FROM public.pg_tview_meta m CROSS JOIN LATERAL public.pg_tviews__names(m.entity, m.table_name) nm) x
         WHERE x.f IS NOT NULL;
        IF tv IS NOT NULL THEN
            RAISE EXCEPTION 'this subscription would write tables that TVIEWs read: %', tv
                USING ERRCODE = '0A000', DETAIL = public.pg_tviews__subscribed_why(),
                HINT = 'Leave those tables out of the publication, or drop the TVIEWs and create them on the publisher.';
        END IF;
        RETURN;
    END IF;
    -- ALTER SCHEMA … RENAME of the schema of a TVIEW or of a source: the catalog, the generated code and the queue name
    -- them, so every write to its sources would fail (0.3.21's first cut let it through). Refused; ALTER TABLE … SET SCHEMA
    -- and RENAME are followed.
    SELECT string_agg(DISTINCT m.entity, ', ') INTO tv
      FROM pg_event_trigger_ddl_commands() cmd JOIN pg_namespace n ON n.oid = cmd.objid
      JOIN public.pg_tview_meta m ON true
     WHERE cmd.classid = 'pg_namespace'::regclass
       AND (m.schema_name IS DISTINCT FROM n.nspname AND NOT EXISTS (SELECT 1 FROM pg_namespace x WHERE x.nspname = m.schema_name)
            AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = m.table_name)
            OR EXISTS (SELECT 1 FROM jsonb_array_elements(m.dependencies) d JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = d->>'table'
                        WHERE d->>'schema' IS DISTINCT FROM n.nspname AND NOT EXISTS (SELECT 1 FROM pg_namespace x WHERE x.nspname = d->>'schema')));
    IF tv IS NOT NULL THEN
        RAISE EXCEPTION 'renaming this schema would break TVIEWs %: their catalog rows and generated code name the schema of their tables and sources', tv
            USING ERRCODE = '0A000',
            HINT = 'Drop those TVIEWs first (pg_tviews_drop), rename the schema and create them again, or move the tables with ALTER TABLE … SET SCHEMA, which is followed.';
    END IF;
    -- column DDL on a TVIEW's own table (ADD, DROP, RENAME COLUMN, ALTER COLUMN … TYPE): its columns are its query's; and
    -- the unique index on its key, which every upsert of its maintenance names (dropped, every write failed with 42P10),
    -- no parent or type of its own, whose DDL would reach its columns (hunt 13); nor a child, a rule, an identity column or
    -- a BEFORE row trigger (hunt 14: the DDL names the child, the rule or the trigger, or the parent it attaches to)
    SELECT string_agg(format('%I.%I: %s', m.schema_name, m.table_name, x.mm), '; ') INTO tv
      FROM (SELECT cmd.objid AS rel FROM pg_event_trigger_ddl_commands() cmd WHERE cmd.classid = 'pg_class'::regclass
            UNION SELECT h.inhparent FROM pg_event_trigger_ddl_commands() cmd JOIN pg_inherits h ON h.inhrelid = cmd.objid
                   WHERE cmd.classid = 'pg_class'::regclass
            UNION SELECT h.inhrelid FROM pg_event_trigger_ddl_commands() cmd JOIN pg_inherits h ON h.inhparent = cmd.objid
                   WHERE cmd.classid = 'pg_class'::regclass
            UNION SELECT r.ev_class FROM pg_event_trigger_ddl_commands() cmd JOIN pg_rewrite r ON r.oid = cmd.objid
                   WHERE cmd.classid = 'pg_rewrite'::regclass
            UNION SELECT t.tgrelid FROM pg_event_trigger_ddl_commands() cmd JOIN pg_trigger t ON t.oid = cmd.objid
                   WHERE cmd.classid = 'pg_trigger'::regclass) a
      JOIN public.pg_tview_meta m ON public.pg_tviews__relid(m.schema_name, m.table_name) = a.rel
     CROSS JOIN LATERAL (SELECT concat_ws('; ', public.pg_tviews__columns_mismatch(
                                    public.pg_tviews__relid(m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv), a.rel),
                                  public.pg_tviews__table_shape(a.rel, m.key_column),
                                  public.pg_tviews__other_owner(m, a.rel)) AS mm) x
     WHERE x.mm <> '' AND current_setting('pg_tviews.busy', true) IS DISTINCT FROM 'on';
    IF tv IS NOT NULL THEN
        RAISE EXCEPTION 'this DDL takes from a TVIEW''s table what its maintenance needs: %', tv
            USING ERRCODE = '0A000', DETAIL = 'Its maintenance writes the query''s columns by name, through the unique index on its key, and its rows must equal the query''s.',
            HINT = 'Change the query instead (pg_tviews_create_or_replace): the table follows it. Triggers of your own on it fire AFTER.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() cmd WHERE cmd.classid = 'pg_cast'::regclass) THEN
        PERFORM public.pg_tviews__follow_casts('CREATE CAST', ARRAY(SELECT t FROM pg_event_trigger_ddl_commands() cmd JOIN pg_cast c ON c.oid = cmd.objid
                                                                   CROSS JOIN LATERAL (VALUES (c.castsource), (c.casttarget)) v(t)
                                                                    WHERE cmd.classid = 'pg_cast'::regclass));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() cmd WHERE cmd.classid IN ('pg_class'::regclass, 'pg_rewrite'::regclass, 'pg_policy'::regclass)) THEN
        PERFORM public.pg_tviews__follow_objects();     -- no table, view or rule: the functions and types it changed
        RETURN;
    END IF;
    -- a GIN index on a table a TVIEW reads, created after it: its generated lookups may now scan it, and a writer's
    -- gin_fuzzy_search_limit would cut what they find (0.3.22 pinned the setting only for indexes there at creation)
    gin := ARRAY(SELECT cmd.objid FROM pg_event_trigger_ddl_commands() cmd JOIN pg_class ic ON ic.oid = cmd.objid
                   JOIN pg_am am ON am.oid = ic.relam
                  WHERE cmd.classid = 'pg_class'::regclass AND cmd.object_type = 'index' AND am.amname = 'gin');
    IF cardinality(gin) > 0 THEN
        FOR e IN SELECT x.entity FROM public.pg_tviews__gin_unpinned(gin) x LOOP
            PERFORM public.pg_tviews__follow_each(e.entity, 'reinstall', 'CREATE INDEX');
        END LOOP;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() cmd WHERE cmd.object_type IS DISTINCT FROM 'index') THEN
        RETURN;
    END IF;
    SELECT string_agg(format('%I.%I', m.schema_name, m.table_name), ', ') INTO tv
      FROM pg_event_trigger_ddl_commands() cmd JOIN pg_class c ON c.oid = cmd.objid AND c.relpersistence = 'u'
      JOIN public.pg_tview_meta m ON public.pg_tviews__relid(m.schema_name, m.table_name) = c.oid
     WHERE cmd.classid = 'pg_class'::regclass;
    IF tv IS NOT NULL THEN
        RAISE EXCEPTION 'a TVIEW''s table cannot be unlogged: %', tv
            USING ERRCODE = '0A000', DETAIL = 'Crash recovery empties an unlogged table and a standby never has its rows: the TVIEW would miss rows its query returns.';
    END IF;
    FOR e IN
        WITH RECURSIVE touched(oid) AS (
            SELECT cmd.objid FROM pg_event_trigger_ddl_commands() cmd
             WHERE cmd.classid = 'pg_class'::regclass AND cmd.object_type IN ('table', 'table column')
            UNION   -- a row-level security policy created or altered: its table
            SELECT p.polrelid FROM pg_event_trigger_ddl_commands() cmd JOIN pg_policy p ON p.oid = cmd.objid WHERE cmd.classid = 'pg_policy'::regclass
            UNION SELECT i.inhparent FROM touched JOIN pg_inherits i ON i.inhrelid = touched.oid
        ), readers(oid) AS (
            -- the views that read a touched table, directly or through other views
            SELECT r.ev_class FROM touched JOIN pg_depend dp ON dp.refclassid = 'pg_class'::regclass AND dp.refobjid = touched.oid
                                                           AND dp.classid = 'pg_rewrite'::regclass
              JOIN pg_rewrite r ON r.oid = dp.objid AND r.ev_class <> touched.oid
            UNION
            SELECT r.ev_class FROM readers JOIN pg_depend dp ON dp.refclassid = 'pg_class'::regclass AND dp.refobjid = readers.oid
                                                            AND dp.classid = 'pg_rewrite'::regclass
              JOIN pg_rewrite r ON r.oid = dp.objid AND r.ev_class <> readers.oid
        ), views(oid) AS (
            -- a view redefined (CREATE OR REPLACE VIEW, or CREATE OR REPLACE RULE "_RETURN"), and every view that reads it
            -- (also ALTER VIEW … RENAME COLUMN, which a whole-row reference prints: 0.3.20 missed it)
            SELECT cmd.objid FROM pg_event_trigger_ddl_commands() cmd WHERE cmd.classid = 'pg_class'::regclass AND cmd.object_type IN ('view', 'view column')
            UNION
            SELECT r.ev_class FROM pg_event_trigger_ddl_commands() cmd JOIN pg_rewrite r ON r.oid = cmd.objid
             WHERE cmd.classid = 'pg_rewrite'::regclass
            UNION
            SELECT r.ev_class FROM views JOIN pg_depend dp ON dp.refclassid = 'pg_class'::regclass AND dp.refobjid = views.oid
                                                         AND dp.classid = 'pg_rewrite'::regclass
              JOIN pg_rewrite r ON r.oid = dp.objid AND r.ev_class <> views.oid
        )
        SELECT o.entity, m.owner, public.pg_tviews__relid(m.schema_name, nm.dv) IN (SELECT oid FROM views) AS view_changed,
               public.pg_tviews__nested_sources(ds.srcs) AS nested,
               public.pg_tviews__shared_children(ds.srcs) AS shared,
               public.pg_tviews__unlogged_sources(ds.srcs) AS unlogged,
               public.pg_tviews__session_policies(ds.srcs, m.owner, public.pg_tviews__view_owners(dv.oid)) AS rls,
               -- a whole-row reference (to_jsonb(e)) takes every column of its table, whatever column DDL did to them:
               -- its rows are recomputed (the stored query has Vars with attribute number 0), also one inside a view the
               -- query reads (0.3.20 looked at the query's own tree only)
               EXISTS (SELECT 1 FROM public.pg_tviews__view_closure(dv.oid) vc(oid) JOIN pg_rewrite r ON r.ev_class = vc.oid
                        WHERE r.ev_action::text LIKE '%:varattno 0 %') AS whole_row,
               -- row-level security (or anything else the digest covers) changed: the rows the owner reads did
               m.objects_hash IS NOT NULL AND m.objects_hash IS DISTINCT FROM public.pg_tviews__objects_hash(m) AS objects_changed
          FROM public.pg_tviews__order() o JOIN public.pg_tview_meta m ON m.entity = o.entity
         CROSS JOIN LATERAL public.pg_tviews__names(m.entity, m.table_name) nm
         CROSS JOIN LATERAL (SELECT public.pg_tviews__relid(m.schema_name, nm.dv) AS oid) dv
         CROSS JOIN LATERAL (SELECT public.pg_tviews__dv_sources(dv.oid, m.owner) AS srcs) ds     -- (once, for the four checks)
         -- (what the definition view reads, not the catalog row's dependencies, which its owner may edit)
         WHERE (dv.oid IN (SELECT oid FROM readers)
                AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = dv.oid AND pg_has_role(m.owner, c.relowner, 'MEMBER')))
            -- a table that carries this TVIEW's trigger but may have left its source (NO INHERIT)
            OR EXISTS (SELECT 1 FROM touched JOIN pg_trigger t ON t.tgrelid = touched.oid WHERE t.tgname = nm.trg_prefix || '_trn')
            -- a plain view it reads was redefined: its lineage and its rows follow the new definition
            OR public.pg_tviews__relid(m.schema_name, nm.dv) IN (SELECT oid FROM views)
         ORDER BY public.pg_tviews__flush_rank(o.depth, o.entity) COLLATE "C", o.entity
    LOOP
        IF e.nested IS NOT NULL THEN
            -- the TVIEW would count the table's rows twice and cannot carry triggers for both: refused, like at creation
            RAISE EXCEPTION 'this DDL makes a source of TVIEW % a partition or child of another of its sources: %', e.entity, e.nested
                USING ERRCODE = '0A000', HINT = format('Drop the TVIEW first (pg_tviews_drop(%L)), or change its query to read the rows through one of the tables.', e.entity);
        END IF;
        IF e.shared IS NOT NULL THEN
            RAISE EXCEPTION 'this DDL gives an inheritance child of a table that TVIEW % reads a second parent: %', e.entity, e.shared
                USING ERRCODE = '0A000', DETAIL = 'A statement that names the other parent would change the child''s rows and fire none of the TVIEW''s triggers.',
                HINT = format('Keep one parent, or drop the TVIEW first (pg_tviews_drop(%L)).', e.entity);
        END IF;
        IF e.unlogged IS NOT NULL THEN
            RAISE EXCEPTION 'this DDL makes a table that TVIEW % reads unlogged: %', e.entity, e.unlogged
                USING ERRCODE = '0A000', DETAIL = public.pg_tviews__unlogged_why(),
                HINT = format('Keep the table logged, or drop the TVIEW first (pg_tviews_drop(%L)).', e.entity);
        END IF;
        IF e.rls IS NOT NULL THEN
            RAISE EXCEPTION 'this DDL makes row-level security policy % apply to a role that reads a table for TVIEW % (its owner, or the owner of a view it reads), and it depends on the session that writes or on another table: the TVIEW''s rows would too', e.rls, e.entity
                USING ERRCODE = '0A000', HINT = format('Drop the TVIEW first (pg_tviews_drop(%L)), or give its owner BYPASSRLS.', e.entity);
        END IF;
        -- DDL that keeps the definition but takes away what its lineage stands on (DROP NOT NULL under a NOT IN anti-join
        -- or a window's partition): the TVIEW would keep rows its query no longer returns; 0.3.20 let it through, and only
        -- the health check said so
        -- (only when the digest changed, which NOT NULL columns of its tables are part of: an analysis costs ~150 ms a
        -- TVIEW, too much for every ALTER TABLE)
        IF e.objects_changed AND NOT e.view_changed THEN
            tv := public.pg_tviews__untraced(e.entity);
            IF tv IS NOT NULL THEN
                RAISE EXCEPTION 'this DDL makes changes of % untraceable to the keys of TVIEW %', tv, e.entity
                    USING ERRCODE = '0A000',
                    HINT = format('Keep what the query''s lineage needs (a NOT NULL column), or drop the TVIEW first (pg_tviews_drop(%L)) and create it again (options.uncascaded_policy = ''full_refresh'' refreshes it fully).', e.entity);
            END IF;
        END IF;
        PERFORM public.pg_tviews__mark_disabled(e.entity);
        PERFORM public.pg_tviews__follow_each(e.entity, CASE WHEN e.view_changed OR e.whole_row OR e.objects_changed THEN 'rebuild' ELSE 'regenerate' END, 'DDL');
    END LOOP;
    PERFORM public.pg_tviews__follow_objects();
END
$fn$;

-- The TVIEWs that read (through views, partitions and inheritance children too) a table with one of these indexes, if
-- it is a GIN index, and that do not pin gin_fuzzy_search_limit yet; in the order they flush.
CREATE OR REPLACE FUNCTION public.pg_tviews__gin_unpinned(idx oid[]) RETURNS TABLE(entity text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT m.entity FROM public.pg_tviews__order() o JOIN public.pg_tview_meta m ON m.entity = o.entity
     CROSS JOIN LATERAL public.pg_tviews__names(m.entity, m.table_name) nm
     WHERE cardinality(idx) > 0 AND NOT coalesce(m.settings, '{}') ? 'gin_fuzzy_search_limit'
       AND EXISTS (WITH RECURSIVE t(oid) AS (SELECT c FROM public.pg_tviews__view_closure(public.pg_tviews__relid(m.schema_name, nm.dv)) c
                                             UNION SELECT i.inhrelid FROM t JOIN pg_inherits i ON i.inhparent = t.oid)
                   SELECT 1 FROM t JOIN pg_index x ON x.indrelid = t.oid JOIN pg_class ic ON ic.oid = x.indexrelid
                     JOIN pg_am am ON am.oid = ic.relam
                    WHERE am.amname = 'gin' AND x.indexrelid = ANY(idx))
     ORDER BY public.pg_tviews__flush_rank(o.depth, o.entity) COLLATE "C", o.entity
$$;

-- A function or type that TVIEW queries use was created, replaced or altered (CREATE OR REPLACE FUNCTION, ALTER TYPE
-- ... RENAME VALUE, ALTER EXTENSION ... UPDATE): the rows computed with the old one are recomputed.
CREATE OR REPLACE FUNCTION public.pg_tviews__follow_objects() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    ch record := public.pg_tviews__changed_objects();
    e record;
    affected text[] := '{}';
    cfgs oid[];
BEGIN
    -- text search configurations changed (ALTER TEXT SEARCH CONFIGURATION, or DICTIONARY of one they map to)
    cfgs := ARRAY(SELECT cmd.objid FROM pg_event_trigger_ddl_commands() cmd WHERE cmd.classid = 'pg_ts_config'::regclass
                  UNION
                  SELECT mp.mapcfg FROM pg_event_trigger_ddl_commands() cmd JOIN pg_ts_config_map mp ON mp.mapdict = cmd.objid
                   WHERE cmd.classid = 'pg_ts_dict'::regclass);
    IF cardinality(cfgs) > 0 THEN
        affected := ARRAY(SELECT m.entity FROM public.pg_tview_meta m WHERE public.pg_tviews__ts_configs(m) && cfgs);
    END IF;
    IF ch.procs IS NOT NULL THEN
        affected := affected || ARRAY(SELECT public.pg_tviews__affected_by(ch.procs, ch.types));
    END IF;
    IF cardinality(affected) = 0 THEN
        RETURN;
    END IF;
    FOR e IN
        SELECT o.entity, m.owner FROM public.pg_tviews__order() o JOIN public.pg_tview_meta m ON m.entity = o.entity
         WHERE m.entity = ANY(affected)
         ORDER BY public.pg_tviews__flush_rank(o.depth, o.entity) COLLATE "C", o.entity
    LOOP
        IF public.pg_tviews__member(e.owner) THEN
            PERFORM public.pg_tviews__follow_each(e.entity, 'rebuild', 'DDL');
        ELSE
            -- the role cannot recompute another owner's TVIEW: the TVIEW is marked, so its owner's health check reports it
            PERFORM public.pg_tviews__mark_unfollowed(e.entity);
            RAISE WARNING 'TVIEW %: its query uses a function or type this DDL changed, and % cannot act as its owner: its rows may be stale until its owner runs pg_tviews_refresh(%)',
                e.entity, current_user, quote_literal(e.entity);
        END IF;
    END LOOP;
END
$fn$;

-- The functions and types the DDL being reported to the event trigger created or changed (NULLs when none, or no
-- TVIEW exists); types with their arrays, domains, ranges and composite types, in which their values also live.
-- pg_event_trigger_ddl_commands() works only inside an event trigger: no caller can make up the list.
CREATE OR REPLACE FUNCTION public.pg_tviews__changed_objects(OUT procs oid[], OUT types oid[])
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    -- a function counts when something may call it: a view, a function with a recorded dependency, an operator or a cast,
    -- or a function body that calls its name (CREATE EXTENSION creates hundreds that nothing calls yet: dismissed here,
    -- before pg_tviews__affected_by walks the catalog)
    procs := ARRAY(SELECT cmd.objid FROM pg_event_trigger_ddl_commands() cmd JOIN pg_proc p ON p.oid = cmd.objid
                    WHERE cmd.classid = 'pg_proc'::regclass AND p.proname NOT LIKE E'pg\\_tviews%'    -- not the runtime's own code
                      AND (EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid
                                      AND d.classid IN ('pg_rewrite'::regclass, 'pg_proc'::regclass, 'pg_operator'::regclass, 'pg_cast'::regclass))
                           OR EXISTS (SELECT 1 FROM public.pg_tviews__user_functions f
                                       WHERE f.has_body AND f.oid <> p.oid AND public.pg_tviews__calls(f.prosrc, p.proname)))
              -- a new overload of a function something calls: the generated code parses key and join expressions from
              -- their text, which may now call it (bucket(integer) beside bucket(anyelement); 0.3.21's first cut dismissed
              -- it and computed keys with the new one): the functions of that name count as changed
              UNION
              SELECT q.oid FROM pg_event_trigger_ddl_commands() cmd JOIN pg_proc p ON p.oid = cmd.objid
                JOIN pg_proc q ON q.proname = p.proname AND q.pronamespace = p.pronamespace AND q.oid <> p.oid
               WHERE cmd.classid = 'pg_proc'::regclass AND p.proname NOT LIKE E'pg\\_tviews%'
                 AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = q.oid
                                AND d.classid IN ('pg_rewrite'::regclass, 'pg_proc'::regclass, 'pg_operator'::regclass, 'pg_cast'::regclass)));
    -- (ALTER TYPE … ADD, RENAME or DROP ATTRIBUTE of a composite type is reported as its pg_class row: what to_jsonb() and
    -- the row's text print changes; 0.3.20 followed enum labels only) (so is ALTER TABLE of a table whose row type is a
    -- column's type elsewhere, tb_b.u of type tb_u: since 0.3.29, 0.3.28 left to_jsonb(b.u) stale; hunt 24)
    types := ARRAY(SELECT cmd.objid FROM pg_event_trigger_ddl_commands() cmd WHERE cmd.classid = 'pg_type'::regclass
                   UNION
                   SELECT c.reltype FROM pg_event_trigger_ddl_commands() cmd JOIN pg_class c ON c.oid = cmd.objid AND c.relkind = 'c'
                    WHERE cmd.classid = 'pg_class'::regclass
                   UNION
                   -- (a table's only when some column has it: every CREATE and ALTER TABLE comes here, and the walk below is
                   -- not free)
                   SELECT c.reltype FROM pg_event_trigger_ddl_commands() cmd JOIN pg_class c ON c.oid = cmd.objid AND c.relkind IN ('r', 'p')
                    WHERE cmd.classid = 'pg_class'::regclass
                      AND EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type t ON t.oid = c.reltype
                                   WHERE a.atttypid IN (t.oid, t.typarray) AND a.attnum > 0 AND NOT a.attisdropped AND a.attrelid <> c.oid));
    IF cardinality(procs) + cardinality(types) = 0 OR NOT EXISTS (SELECT 1 FROM public.pg_tview_meta) THEN
        procs := NULL;
        types := NULL;
        RETURN;
    END IF;
    types := ARRAY(WITH RECURSIVE ty(oid) AS (
                       SELECT unnest(types)
                       UNION
                       SELECT t.oid FROM ty JOIN pg_type t ON t.typelem = ty.oid OR t.typbasetype = ty.oid
                           OR EXISTS (SELECT 1 FROM pg_attribute a WHERE t.typrelid <> 0 AND a.attrelid = t.typrelid AND a.atttypid = ty.oid)
                           OR EXISTS (SELECT 1 FROM pg_range r WHERE r.rngtypid = t.oid AND r.rngsubtype = ty.oid))
                   SELECT oid FROM ty);
END
$fn$;

-- The mark of a TVIEW whose regeneration, in a superuser's session, needed a full recompute it did not run (another
-- role's code): it survives later regenerations, the health check reports it, the owner's refresh clears it.
CREATE OR REPLACE FUNCTION public.pg_tviews__recompute_owed() RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'ddl: its sources gained or lost rows no trigger saw, and a superuser''s session does not recompute another role''s TVIEW'
$$;

-- Marks a TVIEW whose query uses a function or type changed by the DDL now being reported to the event trigger, when
-- the role running the DDL cannot recompute it: last_error 'ddl: ...', which the health check reports as ERROR and
-- pg_tviews_refresh clears. SECURITY DEFINER (the catalog row is another owner's), and unforgeable: outside an event
-- trigger pg_event_trigger_ddl_commands() fails, and a TVIEW that does not use what the DDL changed is not marked.
CREATE OR REPLACE FUNCTION public.pg_tviews__mark_unfollowed(ent text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    ch record := public.pg_tviews__changed_objects();
BEGIN
    UPDATE public.pg_tview_meta m SET last_error = 'ddl: a function or type its query uses was changed by a role that cannot act as its owner'
     WHERE m.entity = ent AND ch.procs IS NOT NULL AND ent IN (SELECT public.pg_tviews__affected_by(ch.procs, ch.types));
END
$fn$;

-- Functions of the user's (not pg_catalog's, information_schema's or the runtime's own), the ones whose calls the
-- runtime follows by name; has_body: a body it can read for such calls (any language but C and internal). A view, so
-- that the planner looks a function up by its oid where a query asks for one.
CREATE OR REPLACE VIEW public.pg_tviews__user_functions AS
    SELECT p.oid, p.proname, p.prosrc, l.lanname NOT IN ('internal', 'c') AS has_body
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
     WHERE p.pronamespace NOT IN ('pg_catalog'::pg_catalog.regnamespace, 'information_schema'::pg_catalog.regnamespace)
       AND p.proname NOT LIKE 'pg\_tview%';
GRANT SELECT ON public.pg_tviews__user_functions TO PUBLIC;     -- the catalog's own data; DDL of any role reads it

-- Does a function body call a function of this name (name( or "name"(, also qualified)? How the runtime sees calls in
-- bodies PostgreSQL records no dependencies of (PL/pgSQL, plain SQL): an over-approximation by name, any overload.
CREATE OR REPLACE FUNCTION public.pg_tviews__calls(body text, fn name) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT body ~* ('(^|[^[:alnum:]_$])"?(' || regexp_replace(fn::text, '([^[:alnum:]_ ])', E'\\\\\\1', 'g') || '|'
                    || regexp_replace(replace(fn::text, '"', '""'), '([^[:alnum:]_ ])', E'\\\\\\1', 'g') || E')"?[[:space:]]*\\(')
$$;

-- The functions and types a TVIEW's query (with the views it reads) uses. Functions: called directly or through an
-- operator, a cast or an aggregate, and those a function it calls may call: by a recorded dependency (SQL bodies in
-- BEGIN ATOMIC), or because its body's text contains their name (an over-approximation: PostgreSQL records no
-- dependencies of PL/pgSQL or plain SQL bodies). Types: those of the query and of every column of the tables and
-- views it reads.
-- (jit = off: the recursive walk over the catalog is estimated far above jit_above_cost once a database holds a few
-- hundred functions, and compiling it took 0.58 s of each TVIEW create's 0.99 s, for a walk that runs in 10 ms)
CREATE OR REPLACE FUNCTION public.pg_tviews__query_objects(m public.pg_tview_meta, OUT fns oid[], OUT types oid[], OUT views oid[])
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
    WITH RECURSIVE rels(oid) AS (
        SELECT public.pg_tviews__view_closure(public.pg_tviews__relid(m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv))
    ), refs AS (
        SELECT DISTINCT d.refclassid, d.refobjid FROM rels JOIN pg_rewrite r ON r.ev_class = rels.oid
          JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
    ), fns(oid) AS (
        SELECT refobjid FROM refs WHERE refclassid = 'pg_proc'::regclass
        UNION SELECT o.oprcode::oid FROM refs JOIN pg_operator o ON o.oid = refs.refobjid WHERE refs.refclassid = 'pg_operator'::regclass
        UNION SELECT c.castfunc FROM refs JOIN pg_cast c ON c.oid = refs.refobjid WHERE refs.refclassid = 'pg_cast'::regclass AND c.castfunc <> 0
        UNION
        SELECT nx.oid FROM fns CROSS JOIN LATERAL (
            SELECT v.x AS oid FROM pg_aggregate a CROSS JOIN LATERAL (VALUES (a.aggtransfn::oid), (a.aggfinalfn::oid), (a.aggcombinefn::oid)) v(x)
             WHERE a.aggfnoid = fns.oid AND v.x <> 0
            UNION ALL
            SELECT d.refobjid FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = fns.oid AND d.refclassid = 'pg_proc'::regclass
            UNION ALL
            SELECT g.oid FROM public.pg_tviews__user_functions f JOIN public.pg_tviews__user_functions g ON public.pg_tviews__calls(f.prosrc, g.proname)
             WHERE f.oid = fns.oid AND f.has_body) nx
    )
    SELECT ARRAY(SELECT oid FROM fns ORDER BY oid),
           ARRAY(SELECT refobjid FROM refs WHERE refclassid = 'pg_type'::regclass
                 UNION SELECT a.atttypid FROM rels JOIN pg_attribute a ON a.attrelid = rels.oid WHERE a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY 1),
           ARRAY(SELECT rels.oid FROM rels JOIN pg_class c ON c.oid = rels.oid
                  WHERE c.relkind = 'v' AND c.relname <> (SELECT (public.pg_tviews__names(m.entity, m.table_name)).dv) ORDER BY 1);
$$;

-- The TVIEWs whose rows these functions and types may change: walked from them, in one query whatever the number of
-- TVIEWs, to what may call the functions (functions by a recorded dependency or by a call of their name in the body,
-- aggregates, operators, casts), then to the tables and views with a column of the types and the views whose queries
-- use any of these, then to the views that read those, up to TVIEW definition views. The same relation as
-- pg_tviews__query_objects, walked the other way.
CREATE OR REPLACE FUNCTION public.pg_tviews__affected_by(procs oid[], types oid[]) RETURNS SETOF text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
    WITH RECURSIVE fns(oid) AS (
        SELECT unnest(pg_tviews__affected_by.procs)
        UNION
        SELECT nx.oid FROM fns CROSS JOIN LATERAL (
            SELECT d.objid AS oid FROM pg_depend d
             WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = fns.oid AND d.classid = 'pg_proc'::regclass
            UNION ALL
            SELECT a.aggfnoid::oid FROM pg_aggregate a WHERE fns.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn)
            UNION ALL
            SELECT f.oid FROM pg_proc g, public.pg_tviews__user_functions f
             WHERE g.oid = fns.oid AND f.has_body AND public.pg_tviews__calls(f.prosrc, g.proname)) nx
    ), objs(classid, oid) AS (
        SELECT 'pg_proc'::regclass::oid, fns.oid FROM fns
        UNION ALL SELECT 'pg_operator'::regclass::oid, o.oid FROM pg_operator o WHERE o.oprcode IN (SELECT fns.oid FROM fns)
        UNION ALL SELECT 'pg_cast'::regclass::oid, c.oid FROM pg_cast c WHERE c.castfunc IN (SELECT fns.oid FROM fns)
        UNION ALL SELECT 'pg_type'::regclass::oid, unnest(pg_tviews__affected_by.types)
    ), rels(oid) AS (
        SELECT a.attrelid FROM pg_attribute a
         WHERE cardinality(pg_tviews__affected_by.types) > 0 AND a.atttypid = ANY(pg_tviews__affected_by.types) AND a.attnum > 0
        UNION
        SELECT r.ev_class FROM objs JOIN pg_depend d ON d.refclassid = objs.classid AND d.refobjid = objs.oid AND d.classid = 'pg_rewrite'::regclass
          JOIN pg_rewrite r ON r.oid = d.objid
        UNION
        SELECT r.ev_class FROM rels JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = rels.oid AND d.classid = 'pg_rewrite'::regclass
          JOIN pg_rewrite r ON r.oid = d.objid
         WHERE r.ev_class <> rels.oid
    )
    SELECT m.entity FROM public.pg_tview_meta m
     WHERE public.pg_tviews__relid(m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv) IN (SELECT rels.oid FROM rels);
$$;

-- The text search configurations a TVIEW's values depend on: those its query or the views it reads name ('my_cfg' in
-- to_tsvector('my_cfg', …), a dependency PostgreSQL records), and the default_text_search_config kept in its settings.
-- ALTER TEXT SEARCH CONFIGURATION / DICTIONARY changes what they compute without any write (0.3.20 did not follow it).
CREATE OR REPLACE FUNCTION public.pg_tviews__ts_configs(m public.pg_tview_meta) RETURNS oid[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY(SELECT d.refobjid
                   FROM public.pg_tviews__view_closure(public.pg_tviews__relid(m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv)) vc(oid)
                   JOIN pg_rewrite r ON r.ev_class = vc.oid
                   JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_ts_config'::regclass
                 UNION
                 SELECT c.oid FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
                  WHERE m.settings->>'default_text_search_config' IN (c.cfgname, n.nspname || '.' || c.cfgname, c.oid::regconfig::text,
                                                                       quote_ident(n.nspname) || '.' || quote_ident(c.cfgname))
                 ORDER BY 1)
$$;

-- The row-level security of the tables a TVIEW's query reads (directly or through views): enabled, forced, the table's
-- owner, and each policy. A change (ALTER TABLE … [NO] FORCE / ENABLE / DISABLE ROW LEVEL SECURITY, DROP POLICY, and
-- since 0.3.29 ALTER TABLE … OWNER TO, which makes the policies apply to a TVIEW owner who no longer owns the table)
-- changes which rows the owner reads without any write (0.3.20 followed CREATE and ALTER POLICY only).
CREATE OR REPLACE FUNCTION public.pg_tviews__rls_state(m public.pg_tview_meta) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET DateStyle = 'ISO, MDY' SET IntervalStyle = 'postgres' SET extra_float_digits = 1 SET TimeZone = 'UTC' SET bytea_output = 'hex' AS $$
    SELECT string_agg(concat_ws(':', c.oid::regclass::text, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner),
                                (SELECT string_agg(concat_ws('/', p.polname, p.polcmd, p.polpermissive, p.polroles::text,
                                                             pg_get_expr(p.polqual, p.polrelid)), ',' ORDER BY p.polname)
                                   FROM pg_policy p WHERE p.polrelid = c.oid)), ',' ORDER BY c.oid::regclass::text)
      FROM public.pg_tviews__view_closure(public.pg_tviews__relid(m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv)) vc(oid)
      JOIN pg_class c ON c.oid = vc.oid AND c.relkind IN ('r', 'p')
     WHERE c.relrowsecurity OR c.relforcerowsecurity OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
$$;

-- A digest of what the functions, types and views a TVIEW's query uses are now: function bodies, language, strictness,
-- volatility, settings and argument defaults; view definitions;
-- enum labels and composite types' attributes (also of the elements, base types and attributes of the types used). Kept in pg_tview_meta.objects_hash
-- when the rows are computed in full; the health check compares it (without the event trigger, or when it could not act).
-- (quote_all_identifiers = off: the names it prints are the same whoever computes it; since 0.3.22)
-- (printed under the fixed settings of pg_tviews__viewdef: a session's DateStyle changed the digest of a policy or a
-- default holding a date, and the health check flipped with whoever ran it)
CREATE OR REPLACE FUNCTION public.pg_tviews__objects_hash(m public.pg_tview_meta) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off SET quote_all_identifiers = off
SET DateStyle = 'ISO, MDY' SET IntervalStyle = 'postgres' SET extra_float_digits = 1 SET TimeZone = 'UTC' SET bytea_output = 'hex' AS $$
    WITH RECURSIVE o AS (SELECT * FROM public.pg_tviews__query_objects(m)),
    ty(oid) AS (
        SELECT unnest(o.types) FROM o
        UNION
        SELECT x.oid FROM ty JOIN pg_type t ON t.oid = ty.oid
         CROSS JOIN LATERAL (SELECT t.typelem AS oid UNION ALL SELECT t.typbasetype
                             UNION ALL SELECT a.atttypid FROM pg_attribute a WHERE t.typrelid <> 0 AND a.attrelid = t.typrelid AND a.attnum > 0) x
         WHERE x.oid <> 0
    )
    SELECT 'v6:' || md5(concat_ws('|',     -- the prefix names this digest's format: the installer recomputes digests of another
        (SELECT string_agg(concat_ws(':', p.oid, p.proname, md5(p.prosrc), p.provolatile, p.proisstrict, p.prolang, p.probin, p.proconfig::text,
                                     p.prorettype, pg_get_expr(p.proargdefaults, 0), pg_get_function_sqlbody(p.oid)), ',' ORDER BY p.oid)
           FROM o CROSS JOIN LATERAL unnest(o.fns) f JOIN pg_proc p ON p.oid = f),
        -- (0.3.21) the overloads of the user functions it calls, which a call's text may resolve to
        (SELECT string_agg(DISTINCT q.oid::regprocedure::text, ',')
           FROM o CROSS JOIN LATERAL unnest(o.fns) f JOIN pg_proc p ON p.oid = f AND p.pronamespace <> 'pg_catalog'::regnamespace
           JOIN pg_proc q ON q.proname = p.proname AND q.pronamespace = p.pronamespace),
        (SELECT string_agg(e.enumtypid || ':' || e.enumlabel, ',' ORDER BY e.enumtypid, e.enumsortorder)
           FROM pg_enum e WHERE e.enumtypid IN (SELECT oid FROM ty)),
        -- (0.3.21: the attributes of row types the query's values have, a composite type's or a table's read as a
        -- view's column, and the column names of the views it reads, which to_jsonb() prints)
        -- (by name, not OID, like every part since 0.3.21: a dump restored elsewhere has the same digest)
        (SELECT string_agg(concat_ws(':', format_type(t.oid, NULL), a.attnum, a.attname, format_type(a.atttypid, a.atttypmod)), ','
                           ORDER BY format_type(t.oid, NULL), a.attnum)
           FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
          WHERE t.oid IN (SELECT oid FROM ty) AND t.typrelid <> 0),
        (SELECT string_agg(concat_ws(':', a.attrelid::regclass::text, a.attnum, a.attname), ',' ORDER BY a.attrelid::regclass::text, a.attnum)
           FROM o CROSS JOIN LATERAL unnest(o.views) v JOIN pg_attribute a ON a.attrelid = v AND a.attnum > 0 AND NOT a.attisdropped),
        -- the views it reads, by their stored query trees (which a renamed column does not change; a redefinition does)
        (SELECT string_agg(r.ev_class || ':' || md5(r.ev_action::text), ',' ORDER BY r.ev_class)
           FROM o CROSS JOIN LATERAL unnest(o.views) v JOIN pg_rewrite r ON r.ev_class = v AND r.rulename = '_RETURN'),
        -- (0.3.21) the text search configurations it uses, with their dictionaries' options, and row-level security
        (SELECT string_agg(concat_ws(':', mp.mapcfg::regconfig::text, mp.maptokentype, mp.mapseqno, mp.mapdict::regdictionary::text, dc.dictinitoption), ','
                           ORDER BY mp.mapcfg::regconfig::text, mp.maptokentype, mp.mapseqno)
           FROM pg_ts_config_map mp JOIN pg_ts_dict dc ON dc.oid = mp.mapdict WHERE mp.mapcfg = ANY(public.pg_tviews__ts_configs(m))),
        public.pg_tviews__rls_state(m),
        -- (0.3.21) the NOT NULL columns of the tables it reads, which a NOT IN anti-join or a window's partition may need
        -- (since 0.3.28 with a mark when a plain inheritance child dropped it: 0.3.27 let that DDL through, and only the
        -- health check said so)
        (SELECT string_agg(a.attrelid::regclass::text || ':' || a.attname
                           || CASE WHEN c.relhassubclass AND c.relkind = 'r' AND NOT public.pg_tviews__not_null_everywhere(c.oid, a.attnum)
                                   THEN ':child-nullable' ELSE '' END, ',' ORDER BY a.attrelid::regclass::text, a.attname)
           FROM public.pg_tviews__view_closure(public.pg_tviews__relid(m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv)) vc(oid)
           JOIN pg_class c ON c.oid = vc.oid AND c.relkind IN ('r', 'p')
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND a.attnotnull AND NOT a.attisdropped)));
$$;

-- (Re)generate the maintenance functions and triggers of one TVIEW from its definition view.
-- A TVIEW whose query reads date/time, interval or float values gets the same text whoever writes: its generated
-- functions run with the settings those values print by (options.settings, else those of the session that
-- created it, kept in pg_tview_meta.settings), not with the writer's (a JDBC writer brings the JVM's TimeZone).
DROP FUNCTION IF EXISTS public.pg_tviews__pin_settings(text, boolean);
CREATE OR REPLACE FUNCTION public.pg_tviews__pin_settings(ent text, used text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    m public.pg_tview_meta := (SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = ent);
    st jsonb;
    h record;
    clause text;
BEGIN
    IF cardinality(used) = 0 THEN
        UPDATE public.pg_tview_meta SET settings = NULL WHERE entity = ent AND settings IS NOT NULL;
        RETURN;
    END IF;
    -- those the query depends on: as the TVIEW was created with them (else as this session has them), or as its
    -- options say
    st := (SELECT jsonb_object_agg(x.k, x.v) FROM jsonb_each(public.pg_tviews__current_settings() || coalesce(m.settings, '{}')) x(k, v)
            WHERE x.k = ANY(used)) || coalesce(m.options->'settings', '{}')
          || CASE WHEN 'gin_fuzzy_search_limit' = ANY(used) THEN '{"gin_fuzzy_search_limit": "0"}'::jsonb ELSE '{}' END
          || CASE WHEN 'row_security' = ANY(used) THEN '{"row_security": "on"}'::jsonb ELSE '{}' END;
    UPDATE public.pg_tview_meta SET settings = st WHERE entity = ent AND settings IS DISTINCT FROM st;
    clause := (SELECT string_agg(format('SET %I = %L', k, v), ' ') FROM jsonb_each_text(st) x(k, v)
                WHERE k = ANY(public.pg_tviews__setting_names()));
    FOR h IN SELECT public.pg_tviews__helper_fn(x) AS fn FROM public.pg_tview_helpers x WHERE x.entity = ent AND x.kind = 'function' LOOP
        IF h.fn IS NOT NULL THEN
            EXECUTE format('ALTER FUNCTION %s %s', h.fn, clause);
        END IF;
    END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__current_settings() RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_object_agg(name, setting) FROM pg_settings WHERE name = ANY(public.pg_tviews__setting_names());
$$;

-- (quote_all_identifiers = off: generated functions keep their SET search_path = pg_catalog, pg_temp as the guard in
-- them expects it; created in a session that had it on, 0.3.21 stored "pg_catalog", "pg_temp" and the guard refused)
CREATE OR REPLACE FUNCTION public.pg_tviews__install_objects(ent text, pre jsonb DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $fn$
DECLARE
    a jsonb;
    m public.pg_tview_meta;
    nm record;
    tv regclass;
    cols text;
    sets text;
    conflict text;
    d jsonb;
    body text;
    decl text;
    g record;
    trgfn text;
    t jsonb;
    kstmt text;
    single text;
    locks_one text;
    dv text;
    covered oid[];
    lost boolean;
    has_full boolean;
    q text;
    q_tx text;
    lk text;
    lvl int;
    tok text;
    stmt_mode boolean;
    after_q text;
    one_event text;
    rr_all text;
    recompute text;
    flush_recompute text;
    via text;
    vm public.pg_tview_meta;     -- (m as the walk and the queue see it: pg_tviews__via_meta, read once)
    flush_block text;
    fr_sync text;
    host_decl text;
    w record;
    srcno int;
    reads_lock text;
    wait_turn text;
    probe text;
    queued text;
    walk text;
    keycast text;
BEGIN
    SELECT * INTO m FROM public.pg_tview_meta WHERE entity = ent;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'TVIEW metadata not found for "%"', ent USING ERRCODE = '42704';
    END IF;
    -- tables that carried this TVIEW's TRUNCATE trigger (never cloned by PostgreSQL) before regeneration, and
    -- whether one that did was dropped unnoticed (the registry forgets it below)
    covered := ARRAY(SELECT t.tgrelid FROM pg_trigger t WHERE t.tgname = (public.pg_tviews__names(ent, m.table_name)).trg_prefix || '_trn');
    lost := public.pg_tviews__dropped_tables(m) IS NOT NULL;
    tv := to_regclass(format('%I.%I', m.schema_name, m.table_name));
    IF tv IS NULL THEN
        RAISE EXCEPTION 'table %.% of TVIEW "%" does not exist', m.schema_name, m.table_name, ent
            USING ERRCODE = '42P01', HINT = format('SELECT pg_tviews_convert_existing_table(%L) recreates it from the metadata.', ent);
    END IF;
    nm := public.pg_tviews__names(ent, m.table_name);
    dv := format('%I.%I', m.schema_name, nm.dv);
    PERFORM public.pg_tviews__drop_objects(ent);
    IF to_regclass(dv) IS NULL THEN
        RAISE EXCEPTION 'definition view % of TVIEW "%" does not exist', dv, ent USING ERRCODE = '42P01',
            HINT = format('SELECT pg_tviews_convert_existing_table(%L) recreates it from the metadata.', ent);
    END IF;
    -- lineage is always derived again from the definition view (never trusted from the catalog row)
    a := coalesce(pre, public.pg_tviews__analyze_view(m.schema_name, m.table_name, ent, dv::regclass, m.options));
    -- (a view it reads, redefined to read this TVIEW's table or one that reads it: 0.3.28 regenerated a TVIEW reading itself)
    PERFORM public.pg_tviews__check_cycle(ent, m.table_name, ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')));
    PERFORM public.pg_tviews__refuse_untraceable(a, m.schema_name, m.table_name);
    -- every table the definition view reads has its lineage (a defect of the analysis must never leave a source
    -- without triggers: refused instead)
    IF a IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements(public.pg_tviews__dv_sources(dv::regclass::oid, m.owner)) x
                             WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(a->'dependencies', '[]')) y
                                                WHERE y->>'schema' = x->>'schema' AND y->>'table' = x->>'table')) THEN
        RAISE EXCEPTION 'internal error: the lineage analysis of TVIEW % missed a table its query reads', ent USING ERRCODE = 'XX000',
            HINT = 'Please report the query; the TVIEW is not created.';
    END IF;
    IF a->>'key_column' <> m.key_column THEN
        RAISE EXCEPTION 'key column of TVIEW % changed from % to %', ent, m.key_column, a->>'key_column' USING ERRCODE = '42P16';
    END IF;
    UPDATE public.pg_tview_meta SET dependencies = a->'dependencies', dependent_on = ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')),
           qualified_definition = a->>'qualified', definition_hash = md5(a->>'qualified'), key_type = a->>'key_type',
           -- (a recompute this regeneration could not run stays owed until a refresh)
           last_error = CASE WHEN last_error = public.pg_tviews__recompute_owed() THEN last_error END
     WHERE entity = ent RETURNING * INTO m;
    has_full := EXISTS (SELECT 1 FROM jsonb_array_elements(m.dependencies) x WHERE x->>'kind' = 'full');
    via := public.pg_tviews__via(m);
    vm := public.pg_tviews__via_meta(m);
    IF public.pg_tviews__via_nulls(m) THEN
        RAISE NOTICE 'TVIEW % is followed through column %, which outer joins null-extend: every write also recomputes the rows where it is NULL, which evaluates the query as a refresh does',
            ent, quote_ident(via)
            USING HINT = 'Select a column that every row of the result holds (a column of a table no outer join null-extends, or a FULL JOIN''s merged USING column): writes then look rows up by it.';
    END IF;

    SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum),
           -- the key too: a key that stays equal but reads differently (1.0 -> 1.000, 'Ann' -> 'ann' under a case-insensitive
           -- collation) is rewritten (0.3.6 kept the old text); a key whose bytes do not change keeps the update HOT
           string_agg(format('%I = EXCLUDED.%I', attname, attname), ', ' ORDER BY attnum)
      INTO cols, sets
      FROM pg_attribute WHERE attrelid = tv AND attnum > 0 AND NOT attisdropped;
    conflict := CASE WHEN sets IS NULL THEN 'DO NOTHING'
                     ELSE format('DO UPDATE SET %s WHERE %s', sets, public.pg_tviews__distinct_expr(tv, m.key_column, 't', 'EXCLUDED')) END;

    -- The queue (the transaction's pending work), the lock table and the deferred flush trigger are kept
    -- across regenerations: a transaction may regenerate a TVIEW while it has pending work. Both tables
    -- belong to the TVIEW's owner and nobody else may touch them, so no other role can take these locks.
    q := format('%I.%I', m.schema_name, nm.q);
    q_tx := CASE WHEN octet_length(nm.q) <= 60 THEN nm.q || '_tx' ELSE left(nm.q || '_tx', 63 - octet_length(nm.q) + length(nm.q)) END;
    lk := format('%I.%I', m.schema_name, nm.lk);
    -- rows are found by transaction through the index (a scan of the table would read every dead row
    -- that finished transactions left until vacuum removes them)
    -- (IF NOT EXISTS guarded: its NOTICE reached every session whose DDL regenerated a TVIEW)
    IF to_regclass(q) IS NULL THEN
        EXECUTE format('CREATE UNLOGGED TABLE %s (tx xid8 NOT NULL DEFAULT pg_current_xact_id(), scope text NOT NULL, vals text[] NOT NULL, ev boolean NOT NULL DEFAULT true)', q);
    END IF;
    -- ev: the row carries a COMMIT-time event (the first row a transaction queues, and an empty 'e' row when
    -- the first one is gone; 0.3.1: the first row of each statement; 0.3.0: every row)
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = q::regclass AND attname = 'ev' AND NOT attisdropped) THEN
        EXECUTE format('ALTER TABLE %s ADD COLUMN ev boolean NOT NULL DEFAULT true', q);   -- (an ALTER locks even when it changes nothing)
    END IF;
    -- (q_tx: "<queue>_tx" cut to 63 bytes, the name PostgreSQL gave it when it cut it itself, with a NOTICE to the
    -- user's session; the queue's name ends in ASCII, so cutting bytes cuts characters)
    IF to_regclass(format('%I.%I', m.schema_name, q_tx)) IS NULL THEN    -- (a transaction with queued rows may not index it)
        EXECUTE format('CREATE INDEX %I ON %s (tx)', q_tx, q);
    END IF;
    IF to_regclass(lk) IS NULL THEN
        EXECUTE format('CREATE TABLE %s (scope text COLLATE "C" NOT NULL, val text COLLATE "C" NOT NULL, n bigint NOT NULL DEFAULT 0, PRIMARY KEY (scope, val))', lk);
    END IF;
    EXECUTE format('INSERT INTO %s (scope, val) VALUES (''all'', ''*'') ON CONFLICT DO NOTHING', lk);
    EXECUTE format('REVOKE ALL ON %s, %s FROM PUBLIC', q, lk);
    EXECUTE format('COMMENT ON TABLE %s IS %L', q, 'TVIEW runtime: pending maintenance of ' || ent || ' (rows never outlive their transaction)');
    EXECUTE format('COMMENT ON TABLE %s IS %L', lk, 'TVIEW runtime: key and hop locks of ' || ent);
    -- the token that enlists this TVIEW in the transaction's flush: its level in the dependency graph
    -- (TVIEWs read by it flush first), then its flush function's name, hex-encoded (no OIDs in
    -- generated code: a dump restored elsewhere keeps working)
    lvl := coalesce((SELECT max(o.depth) FROM public.pg_tviews__order() o WHERE o.entity = ANY(m.dependent_on)) + 1, 0);
    -- (level, then the entity hash that also orders this TVIEW's trigger names, so on a shared source the
    -- queue inserts, and hence the COMMIT-time trigger events, come in flush order)
    tok := public.pg_tviews__flush_rank(lvl, ent) || ':'
           || encode(convert_to(format('%I.%I', m.schema_name, nm.fl), 'UTF8'), 'hex') || ':'
           || coalesce((SELECT string_agg(DISTINCT substr(md5(format('%I.%I', n.nspname, c.relname)), 1, 8), '.')
                          FROM public.pg_tviews__view_closure(dv::regclass) r JOIN pg_class c ON c.oid = r
                          JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE r <> dv::regclass     -- (other TVIEWs' tables: only the runtime locks those)
                           AND NOT EXISTS (SELECT 1 FROM public.pg_tview_meta x
                                            WHERE x.schema_name = n.nspname AND x.table_name = c.relname)), '') || ';';
    stmt_mode := coalesce(m.options->>'refresh', 'commit') = 'statement';
    -- One COMMIT-time event per TVIEW and transaction, not one per statement (or per row, on a partitioned
    -- source): a statement that finds this TVIEW enlisted queues its rows without an event, then makes sure
    -- one is pending. The setting is not proof (the session can write it); a row of this transaction that
    -- carries an event is: whatever rolls that row back (a savepoint) rolls back this statement's rows too.
    -- Otherwise an empty row (scope 'e') carries one.
    one_event := format($s$
    IF _tv_enl THEN
        _tv_seq := current_setting('enable_seqscan');
        _tv_x := set_config('enable_seqscan', 'off', true);     -- the queue's index (see the flush function)
        IF NOT EXISTS (SELECT 1 FROM %1$s q WHERE q.tx = pg_current_xact_id() AND q.ev) THEN
            INSERT INTO %1$s (scope, vals) VALUES ('e', '{}');
        END IF;
        _tv_x := set_config('enable_seqscan', _tv_seq, true);
    END IF;$s$, q);
    -- (a queue row's event that fired inside this statement, under SET CONSTRAINTS ALL IMMEDIATE, flushed the TVIEW and
    -- left its token in pg_tviews.early: enlisting it now would leave a token no event comes for, and a COMMIT flushing a
    -- TVIEW of an owner who cannot call this one's flush waited for it until 55000, 0.3.22 and 0.3.23)
    after_q := format($s$
    IF strpos(coalesce(current_setting('pg_tviews.pending', true), ''), %1$L) = 0 THEN
        IF strpos(coalesce(current_setting('pg_tviews.early', true), ''), %1$L) = 0 THEN
            _tv_x := set_config('pg_tviews.pending', coalesce(current_setting('pg_tviews.pending', true), '') || %1$L, true);
        ELSE
            _tv_x := set_config('pg_tviews.early', replace(current_setting('pg_tviews.early'), %1$L, ''), true);
        END IF;
    END IF;$s$, tok);
    IF stmt_mode THEN
        -- options.refresh = 'statement': flush at the end of every statement (not inside a flush, not suspended)
        after_q := format($s$
    IF coalesce(current_setting('pg_tviews.flushing', true), '') <> 'on' AND coalesce(current_setting('pg_tviews.suspended', true), '') IN ('', '0') THEN
        PERFORM %1$I.%2$I(false);
        IF strpos(coalesce(current_setting('pg_tviews.early', true), ''), %4$L) > 0 THEN
            _tv_x := set_config('pg_tviews.early', replace(current_setting('pg_tviews.early'), %4$L, ''), true);
        END IF;
    ELSE%3$s
    END IF;$s$, m.schema_name, nm.fl, replace(after_q, E'\n    ', E'\n        '), tok);
    END IF;

    -- Locks of a keyed recompute and the 'all' row. A full refresh (any level) updates the 'all' row, so a REPEATABLE
    -- READ keyed writer share-locks it (40001 if a refresh it cannot see committed): after its key rows, so that it
    -- never holds the 'all' row without holding the lock table in ROW EXCLUSIVE mode, which a READ COMMITTED full
    -- refresh locks (SHARE ROW EXCLUSIVE) before it updates the 'all' row (0.3.9 share-locked it first: the two
    -- deadlocked). With a fully refreshed source every keyed flush (any level) updates it, first (it serializes them
    -- before they take any key), so a REPEATABLE READ full refresh conflicts with every keyed writer it cannot see.
    rr_all := CASE WHEN has_full THEN format(E'\n    UPDATE %s SET n = n + 1 WHERE scope = ''all'';', lk) ELSE '' END;
    -- one recompute statement (fresh snapshot under READ COMMITTED): rows the query yields for the keys
    -- are upserted (only when they differ), rows it no longer yields are deleted; a key the query
    -- yields twice fails here, naming the TVIEW
    kstmt := format($s$
    WITH src AS MATERIALIZED (SELECT %1$s FROM %2$s q WHERE q.%3$I = ANY(_tv_keys)),
         del AS (DELETE FROM %5$I.%6$I t WHERE t.%3$I = ANY(_tv_keys) AND NOT EXISTS (SELECT 1 FROM src WHERE src.%3$I = t.%3$I) RETURNING t.%3$I),
         up AS (INSERT INTO %5$I.%6$I AS t (%1$s) SELECT %1$s FROM src
                 WHERE public.pg_tviews__no_dup(%7$L, %3$L, (SELECT s.%3$I::text FROM src s GROUP BY s.%3$I HAVING count(*) > 1 LIMIT 1))
                ON CONFLICT (%3$I) %8$s RETURNING t.%3$I)
    SELECT ARRAY(SELECT %3$I::text FROM up), ARRAY(SELECT %3$I::text FROM del) INTO _tv_up, _tv_del;$s$,
        cols, dv, m.key_column, NULL, m.schema_name, m.table_name, ent, conflict);
    -- over a table that meets PostgreSQL 15's pruning bug (pg_tviews__meets_pruning_bug), the recompute of many keys runs
    -- without partition pruning: whether the planner derives "k IS NOT NULL" cannot be told from the query's text
    -- (e.k = e.k, a LATERAL or subquery alias of a column compared with it, a CASE that folds to the column, a policy of
    -- row-level security). 0.3.9 - 0.3.25 hid the keys from the planner where the text held a NULL test, and 0.3.26's
    -- first cut also where it held a self-comparison or a LATERAL: adversarial rounds found shapes both missed, each
    -- losing the DEFAULT partition's rows of a bulk write. The keys stay a constant the executor hashes; every
    -- partition is read (through its index where it has one), as the hidden keys also made it. A single key's upsert
    -- is not affected and keeps its pruning.
    IF public.pg_tviews__meets_pruning_bug(ARRAY(SELECT to_regclass(format('%I.%I', x->>'schema', x->>'table'))
                                                   FROM jsonb_array_elements(public.pg_tviews__dv_sources(dv::regclass, m.owner)) x)) THEN
        kstmt := E'\n    _tv_pp := pg_catalog.current_setting(''enable_partition_pruning'');'
              || E'\n    PERFORM pg_catalog.set_config(''enable_partition_pruning'', ''off'', true);'
              || kstmt
              || E'\n    PERFORM pg_catalog.set_config(''enable_partition_pruning'', _tv_pp, true);';
    END IF;
    -- one key (single-row writes): a plain upsert whose cached generic plan looks the key up in the
    -- definition view; a key the query yields twice fails (window count); the delete runs only when the
    -- upsert wrote nothing
    single := format($s$
    INSERT INTO %1$I.%2$I AS t (%3$s)
    SELECT %3$s FROM (SELECT q.*, count(*) OVER () AS pg_tviews_n FROM %4$s q WHERE q.%5$I = _tv_key) s
     WHERE CASE WHEN s.pg_tviews_n > 1 THEN public.pg_tviews__no_dup(%6$L, %5$L, s.%5$I::text) ELSE true END
    ON CONFLICT (%5$I) %7$s RETURNING t.%5$I::text INTO _tv_one;
    IF _tv_one IS NOT NULL THEN
        _tv_up := _tv_up || _tv_one;
    ELSE
        DELETE FROM %1$I.%2$I t WHERE t.%5$I = _tv_key AND NOT EXISTS (SELECT 1 FROM %4$s q WHERE q.%5$I = _tv_key) RETURNING t.%5$I::text INTO _tv_one;
        IF _tv_one IS NOT NULL THEN _tv_del := _tv_del || _tv_one; END IF;
    END IF;$s$, m.schema_name, m.table_name, cols, dv, m.key_column, ent, conflict);
    -- up to 8 keys: the single-key upsert per key (its cached plan is cheap; planning the set-based
    -- statement for a few keys costs more than running it)
    recompute := rr_all || public.pg_tviews__gen_lock(lk, 'k', '_tv_keys', true,
                                                      public.pg_tviews__lock_value(format('%I.%I', m.schema_name, m.table_name)::regclass, m.key_column, NULL))
                        || CASE WHEN NOT has_full THEN format(E'\n    IF _tv_rr THEN PERFORM 1 FROM %s WHERE scope = ''all'' FOR SHARE; END IF;', lk) ELSE '' END
                        || format($s$
    IF cardinality(_tv_keys) <= 8 THEN
        FOREACH _tv_key IN ARRAY _tv_keys LOOP%1$s
        END LOOP;
    ELSE%2$s
    END IF;
    _tv_c := cardinality(_tv_up) + cardinality(_tv_del);$s$, replace(single, E'\n    ', E'\n            '), replace(kstmt, E'\n    ', E'\n        '));
    flush_recompute := recompute;
    IF via IS NOT NULL AND sets IS NOT NULL THEN
        flush_recompute := rr_all || public.pg_tviews__gen_lock(lk, 'k', '_tv_keys', true,
                                                                public.pg_tviews__lock_value(format('%I.%I', m.schema_name, m.table_name)::regclass, m.key_column, NULL))
                        || CASE WHEN NOT has_full THEN format(E'\n    IF _tv_rr THEN PERFORM 1 FROM %s WHERE scope = ''all'' FOR SHARE; END IF;', lk) ELSE '' END
                        || public.pg_tviews__gen_via_recompute(m, dv, cols, conflict, kstmt ~ 'enable_partition_pruning')
                        || E'\n    _tv_c := cardinality(_tv_up) + cardinality(_tv_del);';
    END IF;

    -- (the generated functions belong to the current user. One that may read only some columns of a table under a view
    -- it reads cannot LOCK that view: its flushes wait for such a lock at the recompute, as 0.3.10's did)
    reads_lock := format(E'\n    LOCK TABLE %s IN ACCESS SHARE MODE;', dv);
    BEGIN
        EXECUTE format('LOCK TABLE %s IN ACCESS SHARE MODE', dv);
    EXCEPTION WHEN insufficient_privilege OR wrong_object_type THEN
        reads_lock := '';
    END;
    -- keyed refresh now (repair, and callers that hold keys): locks, then one recompute
    EXECUTE format($g$
CREATE OR REPLACE FUNCTION %1$I.%2$I(_tv_keys %3$s[]) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    _tv_key %3$s;
    _tv_c bigint;
    _tv_one text;
    _tv_pp text;
    _tv_up text[] := '{}';
    _tv_del text[] := '{}';
    _tv_rr boolean := current_setting('transaction_isolation') <> 'read committed';
    _tv_fl0 text := coalesce(current_setting('pg_tviews.flushing', true), '');
    _tv_tmp0 text := public.pg_tviews__temp_objects();
BEGIN
    _tv_keys := ARRAY(SELECT DISTINCT k FROM unnest(_tv_keys) k WHERE k IS NOT NULL ORDER BY 1);
    IF cardinality(_tv_keys) = 0 THEN RETURN 0; END IF;%6$s%4$s%5$s
    RETURN _tv_c;
END
$body$
$g$, m.schema_name, nm.rk, public.pg_tviews__key_ctype(m.key_type), recompute, public.pg_tviews__owner_code_guard('_tv_fl0', true), reads_lock);
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature)
    VALUES (ent, 'function', m.schema_name, nm.rk, public.pg_tviews__key_ctype(m.key_type) || '[]');
    EXECUTE format('REVOKE ALL ON FUNCTION %I.%I(%s[]) FROM PUBLIC', m.schema_name, nm.rk, public.pg_tviews__key_ctype(m.key_type));

    -- full refresh (force: delete everything first; report: keep the keys it changed for pg_tviews_flush_and_report)
    fr_sync := format($s$WITH src AS MATERIALIZED (SELECT %1$s FROM %2$s q),
         del AS (DELETE FROM %3$s t WHERE NOT EXISTS (SELECT 1 FROM src WHERE src.%4$I = t.%4$I) RETURNING t.%4$I),
         up AS (INSERT INTO %3$s AS t (%1$s) SELECT %1$s FROM src
                 WHERE public.pg_tviews__no_dup(%5$L, %4$L, (SELECT s.%4$I::text FROM src s GROUP BY s.%4$I HAVING count(*) > 1 LIMIT 1),
                                                  EXISTS (SELECT 1 FROM src s WHERE s.%4$I IS NULL))
                ON CONFLICT (%4$I) %6$s RETURNING t.%4$I)$s$,
        cols, dv, format('%I.%I', m.schema_name, m.table_name), m.key_column, ent, conflict);
    EXECUTE format($g$
CREATE OR REPLACE FUNCTION %1$I.%2$I(_tv_force boolean DEFAULT false, _tv_report boolean DEFAULT false) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    _tv_c bigint;
    _tv_changed text[];
    _tv_held boolean;
    _tv_fl0 text := coalesce(current_setting('pg_tviews.flushing', true), '');
    _tv_tmp0 text := public.pg_tviews__temp_objects();
BEGIN%9$s
    IF current_setting('transaction_isolation') = 'read committed' OR NOT %6$L::boolean THEN
        _tv_held := public.pg_tviews__holds_refresh_lock(%5$L::regclass);
        LOCK TABLE %5$s IN SHARE ROW EXCLUSIVE MODE;     -- waits for keyed flushes in progress, blocks new ones
        -- only a TVIEW with a fully refreshed source has keyed writers that leave a trace on the 'all' row; for the others a
        -- snapshot older than a commit may miss what a writer put in the TVIEW (0.3.23 ran it: a row inserted by a writer
        -- its snapshot could not see was kept, deleted ones came back; 0.3.24 refused it at these levels whatever the case)
        IF current_setting('transaction_isolation') <> 'read committed' AND NOT _tv_held AND public.pg_tviews__commits_after_snapshot() THEN
            RAISE EXCEPTION 'could not serialize a full refresh of %%: a transaction committed after this %% transaction''s snapshot', %7$L, upper(current_setting('transaction_isolation'))
                  USING ERRCODE = '40001',
                        DETAIL = 'Its snapshot cannot see what that transaction wrote; recomputed from it, the TVIEW could keep or lose rows wrongly.',
                        HINT = 'Retry the transaction, or run it in READ COMMITTED (also DDL that makes a TVIEW recompute, or re-enabled triggers).';
        END IF;
        DELETE FROM %5$s WHERE scope <> 'all';            -- nobody holds these rows now
        UPDATE %5$s SET n = n + 1 WHERE scope = 'all';    -- a REPEATABLE READ keyed writer that cannot see this refresh gets 40001
    ELSE
        UPDATE %5$s SET n = n + 1 WHERE scope = 'all';    -- conflicts (40001) with concurrent writers of this TVIEW
    END IF;
    IF _tv_force THEN
        DELETE FROM %7$s;
    END IF;
    IF _tv_report THEN
        %3$s
        SELECT ARRAY(SELECT k::text FROM (SELECT * FROM del UNION ALL SELECT * FROM up) x(k)) INTO _tv_changed;
        _tv_c := cardinality(_tv_changed);
        IF _tv_c > 0 THEN
            INSERT INTO %4$s (scope, vals) VALUES ('r', _tv_changed);
        END IF;
    ELSE
        %3$s
        SELECT (SELECT count(*) FROM del) + (SELECT count(*) FROM up) INTO _tv_c;
    END IF;%8$s
    RETURN _tv_c;
END
$body$
$g$, m.schema_name, nm.fr, fr_sync, q, lk, has_full, format('%I.%I', m.schema_name, m.table_name),
    public.pg_tviews__owner_code_guard('_tv_fl0', true), reads_lock);
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature)
    VALUES (ent, 'function', m.schema_name, nm.fr, 'boolean, boolean');
    EXECUTE format('REVOKE ALL ON FUNCTION %I.%I(boolean, boolean) FROM PUBLIC', m.schema_name, nm.fr);

    -- the flush: take this transaction's queue, lock hop values and walk to the keys, lock the keys,
    -- recompute once; a queued full refresh (TRUNCATE, a source refreshed fully) replaces all of it.
    -- Before its first lock row it locks the definition view, which locks every relation the view reads (its
    -- subqueries, CTEs, views and partitions too) in ACCESS SHARE mode: a transaction holding one of them in ACCESS
    -- EXCLUSIVE mode (LOCK TABLE, ALTER TABLE, TRUNCATE) is waited for while this flush holds no lock row, so it can
    -- take the rows itself (0.3.10 waited for it at the recompute, holding them: a deadlock if it wrote a key too).
    -- Outside COMMIT the keys it changed are kept in the queue for pg_tviews_flush_and_report().
    w := public.pg_tviews__gen_walk(vm, lk);
    walk := w.body;
    IF via IS NOT NULL THEN
        w.decl := w.decl || E'\n    _tv_v text[];';
        walk := public.pg_tviews__gen_via_lock(lk) || walk || public.pg_tviews__gen_via(m, lk, dv);
    END IF;
    keycast := format($s$
    IF cardinality(_q_k) = 1 AND _q_k[1] IS NOT NULL THEN
        _tv_keys := ARRAY[_q_k[1]::%3$s];     -- one key (a single-row write): nothing to sort
    ELSE
        IF array_position(_q_k, NULL) IS NOT NULL THEN
            PERFORM public.pg_tviews__null_key_check(%1$L, %2$L::regclass);
        END IF;
        _tv_keys := ARRAY(SELECT DISTINCT k::%3$s FROM unnest(_q_k) k WHERE k IS NOT NULL ORDER BY 1);
        IF cardinality(_tv_keys) = 0 THEN
            EXIT flush;
        END IF;
    END IF;$s$, ent, dv, public.pg_tviews__key_ctype(m.key_type));
    -- A walk that evaluates an expression over the rows it looks up (a hop into one, or a key expression past a hop)
    -- evaluates it over rows the query may never evaluate it on (rows its WHERE filters out): a data exception there
    -- (a cast of a non-numeric text), or an error or ASSERT of a function of the user's, rolls the walk's lock rows back
    -- and refreshes the TVIEW fully instead, whose query decides (since 0.3.20; 0.3.19 failed the write at COMMIT).
    -- Conflicts, privileges and resources (40001, 40P01, 55P03, 42501, 53xxx, ...) are raised again: they mean what they
    -- mean on every path.
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(m.dependencies) dd CROSS JOIN LATERAL jsonb_array_elements(coalesce(dd->'paths', '[]')) pp
                WHERE dd->>'kind' = 'keyed' AND jsonb_array_length(pp->'hops') > 0
                  AND (pp ? 'key_expr' OR EXISTS (SELECT 1 FROM jsonb_array_elements(pp->'hops') WITH ORDINALITY hh(h, o)
                                                   WHERE hh.h ? 'to_x' OR hh.o > 1 AND hh.h ? 'from_x')))
       OR public.pg_tviews__enum_transport(m) OR public.pg_tviews__enum_transport(vm) THEN
        -- (so is the cast of the values of an enum column that sources are followed through, pg_tviews__an_via)
        -- (the keys' cast too where they are enums: their queued text reads as nothing after ALTER TYPE … RENAME VALUE)
        IF public.pg_tviews__enum_transport(m) THEN
            walk := walk || keycast;
            keycast := '';
        END IF;
        walk := format(E'\n    BEGIN%s\n    EXCEPTION WHEN OTHERS OR assert_failure THEN\n        IF SQLSTATE ~ ''^(40|42|53|54|55|57|58|XX|25|0A)'' THEN\n            RAISE;\n        END IF;\n        _tv_c := %I.%I(false, NOT _tv_at_commit);\n        EXIT flush;\n    END;',
                       replace(walk, E'\n    ', E'\n        '), m.schema_name, nm.fr);
    END IF;
    walk := walk || keycast;
    -- one block, run by the flush function and inlined into the COMMIT event's function (a call less per
    -- transaction); both declare what it reads (_tv_at_commit, _tv_seq, _tv_x) and what it leaves (_tv_c: the
    -- number of rows it changed)
    host_decl := $s$
    _tv_c bigint := 0;
    _tv_seq text := current_setting('enable_seqscan');
    _tv_x text;$s$;
    flush_block := format($s$
    <<flush>>
    DECLARE
        _tv_keys %3$s[];
        _tv_key %3$s;
        _tv_all boolean;
        _tv_one text;
        _tv_pp text;
        _tv_up text[] := '{}';
        _tv_del text[] := '{}';
        _tv_rr boolean := current_setting('transaction_isolation') <> 'read committed';%4$s
    BEGIN
    -- The queue is nearly empty at rest, so its statistics often say "no pages" (vacuum truncates it) while
    -- dead rows pile up until the next vacuum: a plan made then would scan them all on every flush.
    _tv_x := set_config('enable_seqscan', 'off', true);%5$s
    _tv_x := set_config('enable_seqscan', _tv_seq, true);
    IF _tv_all THEN
        _tv_c := %1$I.%6$I(false, NOT _tv_at_commit);     -- (keeps the keys it changed for reports itself)
        EXIT flush;
    END IF;
    IF coalesce(%7$s) IS NULL THEN
        EXIT flush;
    END IF;%14$s%8$s%11$s
    IF NOT _tv_at_commit AND _tv_c > 0 THEN
        INSERT INTO %12$s (scope, vals) VALUES ('r', _tv_up || _tv_del);
    END IF;
    END flush;
    IF NOT _tv_at_commit AND _tv_c > 0 AND strpos(coalesce(current_setting('pg_tviews.reported', true), ''), %13$L) = 0 THEN
        _tv_x := set_config('pg_tviews.reported', coalesce(current_setting('pg_tviews.reported', true), '') || %13$L, true);
    END IF;$s$, m.schema_name, NULL, public.pg_tviews__key_ctype(m.key_type), replace(w.decl, E'\n    ', E'\n        '), replace(w.gather, '@@Q@@', q), nm.fr,
        w.into_list, walk, NULL, NULL, flush_recompute, q, tok, reads_lock);
    EXECUTE format($g$
CREATE OR REPLACE FUNCTION %1$I.%2$I(_tv_at_commit boolean DEFAULT false) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $body$
DECLARE%4$s
    _tv_fl0 text := coalesce(current_setting('pg_tviews.flushing', true), '');
BEGIN
    IF _tv_at_commit IS NULL THEN      -- pg_tviews__lock_reads: only what the flush reads, if there is work for it
        _tv_x := set_config('enable_seqscan', 'off', true);
        PERFORM 1 FROM %6$s q WHERE q.tx = pg_current_xact_id() LIMIT 1;
        _tv_x := set_config('enable_seqscan', _tv_seq, true);
        IF FOUND THEN%7$s
        END IF;
        RETURN 0;
    END IF;%3$s%5$s
    RETURN _tv_c;
END
$body$
$g$, m.schema_name, nm.fl, flush_block, host_decl, public.pg_tviews__owner_code_guard('_tv_fl0', false), q, replace(reads_lock, E'\n    ', E'\n            '));
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature)
    VALUES (ent, 'function', m.schema_name, nm.fl, 'boolean');
    -- callable by anyone: it only processes the calling transaction's own queue, which only this
    -- TVIEW's triggers can write
    EXECUTE format('GRANT EXECUTE ON FUNCTION %I.%I(boolean) TO PUBLIC', m.schema_name, nm.fl);

    -- An event that finds a TVIEW before this one in the global order which its owner cannot flush, or one whose reads
    -- it cannot lock (no USAGE on that TVIEW's schema: the call is by name), leaves it to that TVIEW's own event and
    -- queues this one's again, after it: PostgreSQL fires events queued while it fires deferred ones in the same
    -- COMMIT. Bounded, since the registry is the session's and a forged token has no event.
    -- Under SET CONSTRAINTS ALL IMMEDIATE an event queued now fires at once, inside this one (deeper in the trigger
    -- stack), so waiting cannot work: the TVIEW flushes now, out of the global order (the early flushes that mode makes
    -- are a documented exception to deadlock-freedom), and the one before it when its own event fires (0.3.23 queued
    -- itself again and again until 55000).
    wait_turn := format($s$
            IF pg_trigger_depth() > 1 THEN
                _tv_late := true;
            ELSE
                _tv_w := CASE WHEN NEW.scope = 'w' THEN NEW.vals[1]::int ELSE 0 END + 1;
                IF _tv_w > 2 * cardinality(string_to_array(_tv_reg, ';')) + 2 THEN
                    RAISE EXCEPTION 'the maintenance of TVIEW %% waited at COMMIT for a TVIEW before it that was never flushed', %2$L
                        USING ERRCODE = '55000', HINT = 'The setting pg_tviews.pending belongs to the runtime: do not set it.';
                END IF;
                INSERT INTO %1$s (scope, vals) VALUES ('w', ARRAY[_tv_w::text]);
            END IF;$s$, q, ent);

    -- at COMMIT / PREPARE TRANSACTION (deferred constraint trigger on the queue, one event per statement
    -- that queued work): when this TVIEW comes first in the global order, flush it directly (its own event
    -- flushes every other one); otherwise flush all in order. An event of a TVIEW that is not enlisted
    -- (flushed already, or a statement reset the setting: it belongs to the session, the queue does not)
    -- flushes what its queue still holds.
    EXECUTE format($g$
CREATE OR REPLACE FUNCTION %1$I.%2$I() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    _tv_reg text := coalesce(current_setting('pg_tviews.pending', true), '');
    _tv_found boolean;
    _tv_t text;
    _tv_h text;
    _tv_o boolean;
    _tv_w int;
    _tv_late boolean := false;%7$s
    _tv_at_commit constant boolean := true;
    _tv_fl_was constant text := coalesce(current_setting('pg_tviews.flushing', true), '');
BEGIN
    -- The transaction's own deferred events first (foreign key checks, unique rechecks, constraint triggers queued by
    -- its later statements): the first event queues this one's again, behind them. A check that waits for another
    -- transaction's row lock then waits before this flush holds any lock row that the other one's flush may need
    -- (0.3.21 flushed first: a COMMIT that plain tables accept failed with 40P01).
    IF NEW.scope <> 'w' AND (strpos(_tv_reg, %3$L) > 0 OR coalesce(current_setting('pg_tviews.reported', true), '') <> '') THEN
        INSERT INTO %5$s (scope, vals) VALUES ('w', ARRAY['0']);
        RETURN NULL;
    END IF;
    IF coalesce(current_setting('pg_tviews.reported', true), '') <> '' THEN
        -- (also forgets the keys kept for reports)
        IF public.pg_tviews__flush_all(true) IS NULL AND strpos(coalesce(current_setting('pg_tviews.pending', true), ''), %3$L) > 0 THEN%10$s
            IF NOT _tv_late THEN
                RETURN NULL;
            END IF;
        END IF;
        _tv_reg := '';
    END IF;
    IF _tv_late THEN
        _tv_x := set_config('pg_tviews.pending', replace(current_setting('pg_tviews.pending'), %3$L, ''), true);
    ELSIF strpos(_tv_reg, %3$L) = 0 THEN
        _tv_x := set_config('enable_seqscan', 'off', true);    -- the queue's index (see the flush function)
        PERFORM 1 FROM %5$s q WHERE q.tx = pg_current_xact_id() LIMIT 1;
        _tv_found := FOUND;
        _tv_x := set_config('enable_seqscan', _tv_seq, true);
        IF NOT _tv_found THEN
            RETURN NULL;
        END IF;
        IF pg_trigger_depth() > 1 AND NEW.scope NOT IN ('w', 'r') THEN     -- inside the statement that queued (see after_q)
            _tv_x := set_config('pg_tviews.early', coalesce(current_setting('pg_tviews.early', true), '') || %3$L, true);
        END IF;
    ELSIF _tv_reg = %3$L THEN
        _tv_x := set_config('pg_tviews.pending', '', true);
    ELSE
        -- first in the global order? (a loop of simple expressions: a query here would be planned on every call)
        _tv_o := false;
        FOREACH _tv_t IN ARRAY string_to_array(_tv_reg, ';') LOOP
            IF _tv_t <> '' AND _tv_t COLLATE "C" < %6$L THEN
                IF public.pg_tviews__flush_all(true) IS NULL AND strpos(coalesce(current_setting('pg_tviews.pending', true), ''), %3$L) > 0 THEN%11$s
                END IF;
                IF NOT _tv_late THEN
                    RETURN NULL;
                END IF;
                EXIT;
            END IF;
            -- (reads another enlisted TVIEW something this one does not? pg_tviews__reads_covered, inlined: no query
            -- on every COMMIT that flushes several TVIEWs)
            FOREACH _tv_h IN ARRAY string_to_array(split_part(_tv_t, ':', 4), '.') LOOP
                _tv_o := _tv_o OR strpos(%9$L, '.' || _tv_h || '.') = 0;
            END LOOP;
        END LOOP;
        IF _tv_o AND NOT _tv_late THEN
            IF NOT public.pg_tviews__locked_reads(_tv_reg) AND coalesce(current_setting('pg_tviews.waited', true), '') = '' THEN
                _tv_x := set_config('pg_tviews.waited', 'on', true);%11$s
                IF NOT _tv_late THEN
                    RETURN NULL;
                END IF;
            END IF;
        END IF;
        _tv_x := set_config('pg_tviews.pending', replace(CASE WHEN _tv_late THEN current_setting('pg_tviews.pending') ELSE _tv_reg END, %3$L, ''), true);
    END IF;
    _tv_x := set_config('pg_tviews.flushing', 'on', true);%4$s%8$s
    -- (back to what it was: this event may fire inside another TVIEW's flush, under SET CONSTRAINTS ALL IMMEDIATE, and
    -- 0.3.7's reset to '' made that flush's guard fail)
    _tv_x := set_config('pg_tviews.flushing', _tv_fl_was, true);
    RETURN NULL;
END
$body$
$g$, m.schema_name, left(nm.fl, -3) || '_oc', tok, flush_block, q, rtrim(tok, ';'), host_decl,
    public.pg_tviews__owner_code_guard('''on''', false), '.' || split_part(rtrim(tok, ';'), ':', 4) || '.',
    wait_turn, replace(wait_turn, E'\n', E'\n    '));
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature)
    VALUES (ent, 'function', m.schema_name, left(nm.fl, -3) || '_oc', '');
    EXECUTE format('REVOKE ALL ON FUNCTION %I.%I() FROM PUBLIC', m.schema_name, left(nm.fl, -3) || '_oc');
    EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER INSERT ON %s DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.ev) EXECUTE FUNCTION %I.%I()',
                   nm.trg_prefix || '_flush', q, m.schema_name, left(nm.fl, -3) || '_oc');
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, on_table, source)
    VALUES (ent, 'trigger', m.schema_name, nm.trg_prefix || '_flush', nm.q, m.schema_name || '.' || nm.q);
    -- A transaction that queued work before this regeneration (source DDL after a write, pg_tviews_reinstall_triggers):
    -- its COMMIT event belonged to the trigger just replaced, and PostgreSQL never fires an event of a dropped trigger;
    -- the new trigger gets one (0.3.6 lost the transaction's maintenance here)
    EXECUTE format('INSERT INTO %1$s (scope, vals) SELECT ''e'', ''{}'' WHERE EXISTS (SELECT 1 FROM %1$s q WHERE q.tx = pg_current_xact_id_if_assigned())', q);

    -- the keys this transaction's flushes changed (pg_tviews_flush_and_report): the first lim of them, and
    -- whether there are more; reset forgets the ones returned
    EXECUTE format($g$
CREATE OR REPLACE FUNCTION %1$I.%2$I(_tv_reset boolean, _tv_lim integer, _tv_as name) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    _tv_all text[] := ARRAY(SELECT DISTINCT v FROM %3$s q, unnest(q.vals) v WHERE q.tx = pg_current_xact_id() AND q.scope = 'r' ORDER BY 1);
BEGIN
    -- the keys are the TVIEW's data: only for a role that may read it and that the session may act as (anyone may call
    -- this function, which pg_tviews_flush_and_report calls for its current role; 0.3.20 returned them to a writer that
    -- may not read the TVIEW)
    IF NOT (pg_has_role(session_user, _tv_as, 'MEMBER') AND has_table_privilege(_tv_as, %5$L, 'SELECT')) THEN
        RETURN jsonb_build_object('ids', '[]'::jsonb, 'more', false);
    END IF;
    IF _tv_reset AND cardinality(_tv_all) > 0 THEN
        DELETE FROM %3$s WHERE tx = pg_current_xact_id() AND scope = 'r';
        IF cardinality(_tv_all) > _tv_lim THEN
            INSERT INTO %3$s (scope, vals) VALUES ('r', _tv_all[_tv_lim + 1:]);
        END IF;
    END IF;
    -- (each key read back as its type under the TVIEW's settings, which made its text, and passed on as JSON, which
    -- reads the same under any: a date written under DateStyle 'SQL, DMY' is no other date for the caller)
    RETURN jsonb_build_object('ids', coalesce((SELECT jsonb_agg(to_jsonb(k::%4$s) ORDER BY o) FROM unnest(_tv_all[1:_tv_lim]) WITH ORDINALITY u(k, o)), '[]'),
                              'more', cardinality(_tv_all) > _tv_lim);
END
$body$
$g$, m.schema_name, nm.rp, q, m.key_type, format('%I.%I', m.schema_name, m.table_name));
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature)
    VALUES (ent, 'function', m.schema_name, nm.rp, 'boolean, integer, name');
    EXECUTE format('GRANT EXECUTE ON FUNCTION %I.%I(boolean, integer, name) TO PUBLIC', m.schema_name, nm.rp);

    -- trigger function for TRUNCATE and for sources refreshed fully: queue a full refresh
    EXECUTE format($g$
CREATE OR REPLACE FUNCTION %1$I.%2$I() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    _tv_x text;
    _tv_held boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        -- the lock the full refresh takes at COMMIT, taken now: until then the TRUNCATE holds its table's ACCESS
        -- EXCLUSIVE lock, and a keyed flush of another transaction that holds lock rows of this TVIEW and then reads
        -- that table would wait for it while the refresh waited for those rows (0.3.9: a deadlock at COMMIT)
        IF current_setting('transaction_isolation') = 'read committed' THEN
            LOCK TABLE %5$s IN SHARE ROW EXCLUSIVE MODE;
        ELSIF %6$L::boolean THEN
            UPDATE %5$s SET n = n + 1 WHERE scope = 'all';
        ELSE
            -- its keyed writers leave no trace on the 'all' row, and TRUNCATE is not MVCC-safe: a snapshot that cannot
            -- see a row another writer committed since would keep that row's TVIEW row (0.3.23 did, at COMMIT; 0.3.24
            -- refused it whatever the case). With the lock held and no commit since the snapshot, the refresh at COMMIT
            -- reads what READ COMMITTED would, and holding the lock tells it so (pg_tviews__holds_refresh_lock).
            _tv_held := public.pg_tviews__holds_refresh_lock(%5$L::regclass);
            LOCK TABLE %5$s IN SHARE ROW EXCLUSIVE MODE;
            IF NOT _tv_held AND public.pg_tviews__commits_after_snapshot() THEN
                RAISE EXCEPTION 'could not serialize TRUNCATE of %%.%%: a transaction committed after this %% transaction''s snapshot, and TVIEW %% is refreshed fully from it',
                      TG_TABLE_SCHEMA, TG_TABLE_NAME, upper(current_setting('transaction_isolation')), %7$L
                  USING ERRCODE = '40001',
                        DETAIL = 'Rows that transaction wrote would be truncated from the table but kept in the TVIEW, or lost from it.',
                        HINT = 'Retry the transaction, or TRUNCATE in READ COMMITTED, or DELETE (maintained by key).';
            END IF;
        END IF;
    END IF;
    INSERT INTO %3$s (scope, vals) VALUES ('all', '{}');%4$s
    RETURN NULL;
END
$body$
$g$, m.schema_name, nm.ft, q, after_q, lk, has_full, format('%I.%I', m.schema_name, m.table_name));
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature)
    VALUES (ent, 'function', m.schema_name, nm.ft, '');
    EXECUTE format('REVOKE ALL ON FUNCTION %I.%I() FROM PUBLIC', m.schema_name, nm.ft);

    -- one trigger function per keyed source: what changed, from the transition tables (statement
    -- triggers) or from the row (row triggers of partitioned sources, cloned onto every partition)
    srcno := 0;
    FOR d IN SELECT x FROM jsonb_array_elements(m.dependencies) x LOOP
        IF to_regclass(format('%I.%I', d->>'schema', d->>'table')) IS NULL THEN
            RAISE EXCEPTION 'source %.% of TVIEW % does not exist', d->>'schema', d->>'table', ent USING ERRCODE = '42P01';
        END IF;
        IF d->>'kind' = 'keyed' THEN
            srcno := srcno + 1;
            trgfn := nm.src_prefix || substr(md5((d->>'schema') || '.' || (d->>'table')), 1, 8) || '_trg';
            body := '';
            probe := '';
            FOR g IN SELECT * FROM (VALUES
                        ('INSERT', CASE WHEN d->>'relkind' = 'p' THEN '(SELECT (NEW).*)' ELSE 'pg_tviews_new' END),
                        ('DELETE', CASE WHEN d->>'relkind' = 'p' THEN '(SELECT (OLD).*)' ELSE 'pg_tviews_old' END),
                        ('UPDATE', CASE WHEN d->>'relkind' = 'p' THEN '(SELECT (OLD).* UNION ALL SELECT (NEW).*)'
                                        ELSE '(SELECT * FROM pg_tviews_old UNION ALL SELECT * FROM pg_tviews_new)' END)) v(op, rel) LOOP
                queued := public.pg_tviews__gen_queue(vm, d, srcno, g.op, g.rel);
                body := body || format(E'\n    %s TG_OP = %L THEN\n        INSERT INTO %3$s (scope, vals, ev) SELECT s, v, NOT _tv_enl AND row_number() OVER () = 1 FROM (VALUES %4$s) x(s, v) WHERE cardinality(v) > 0;',
                                       CASE WHEN g.op = 'INSERT' THEN 'IF' ELSE 'ELSIF' END, g.op, q, queued);
                probe := probe || format(E'\n        %s TG_OP = %L THEN\n            PERFORM 1 FROM (VALUES %3$s) x(s, v) WHERE cardinality(v) > 0;',
                                         CASE WHEN g.op = 'INSERT' THEN 'IF' ELSE 'ELSIF' END, g.op, queued);
            END LOOP;
            -- An expression (a jsonb reference's cast, a key expression) evaluated over the changed rows, where the query
            -- may never evaluate it (a row its WHERE filters out): a data exception there (a cast of a non-numeric text)
            -- does not fail the write but queues a full refresh instead, whose query decides; so does any error there (a
            -- function of the user's that raises on such a row: the probe reads nothing but the changed rows). Tried
            -- first in a subtransaction that writes nothing (no subtransaction ID). Since 0.3.20; 0.3.19 failed the write.
            IF d::text ~ '"(from_x|to_x|key_expr)"' THEN
                body := format(E'\n    BEGIN%s\n        END IF;\n    EXCEPTION WHEN OTHERS OR assert_failure THEN\n        _tv_all := true;\n    END;'
                               '\n    IF _tv_all THEN\n        INSERT INTO %s (scope, vals, ev) VALUES (''all'', ''{}'', NOT _tv_enl);\n    ELS%s',
                               probe, q, substr(body, 6));
            END IF;
            EXECUTE format($g$
CREATE OR REPLACE FUNCTION %1$I.%2$I() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    _tv_n bigint;
    _tv_enl boolean := strpos(coalesce(current_setting('pg_tviews.pending', true), ''), %6$L) > 0;
    _tv_seq text;
    _tv_x text;     -- set_config() as an expression, not PERFORM: no executor run%7$s
BEGIN%3$s
    END IF;
    GET DIAGNOSTICS _tv_n = ROW_COUNT;
    IF _tv_n = 0 THEN
        RETURN NULL;     -- nothing this TVIEW depends on changed (e.g. the INSERT part of an upsert that only updated)
    END IF;%5$s%4$s
    RETURN NULL;
END
$body$
$g$, m.schema_name, trgfn, body, after_q, one_event, tok,
   CASE WHEN d::text ~ '"(from_x|to_x|key_expr)"' THEN E'\n    _tv_all boolean := false;' ELSE '' END);
            INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature, source)
            VALUES (ent, 'function', m.schema_name, trgfn, '', (d->>'schema') || '.' || (d->>'table'));
            EXECUTE format('REVOKE ALL ON FUNCTION %I.%I() FROM PUBLIC', m.schema_name, trgfn);
        END IF;
        PERFORM public.pg_tviews__install_triggers(ent, d, nm.trg_prefix, m.schema_name,
                                                   CASE WHEN d->>'kind' = 'keyed' THEN trgfn END, nm.ft);
    END LOOP;
    UPDATE public.pg_tview_meta SET runtime_version = public.pg_tviews_version() WHERE entity = ent;
    PERFORM public.pg_tviews__pin_settings(ent, ARRAY(SELECT jsonb_array_elements_text(coalesce(a->'settings_used', '[]'))));
    -- Generated code that holds a backslash (a definition's '\s+', a join expression's '\') is written as PostgreSQL
    -- prints it, for standard_conforming_strings = on: compiled in a writer's session with it off, '\s' read as 's' and
    -- '\' did not parse (0.3.21: stale keys, or every write failing with 42601). Only such functions carry the setting.
    FOR g IN SELECT pr.oid::regprocedure AS fn FROM public.pg_tview_helpers h JOIN pg_proc pr ON pr.oid = public.pg_tviews__helper_fn(h)
              WHERE h.entity = ent AND h.kind = 'function' AND strpos(pr.prosrc, chr(92)) > 0 LOOP
        EXECUTE format('ALTER FUNCTION %s SET standard_conforming_strings = on', g.fn);
    END LOOP;
    -- what was generated, so the health check can tell a function edited by hand
    UPDATE public.pg_tview_helpers h SET code_hash = md5(pr.prosrc)
      FROM pg_proc pr
     WHERE h.entity = ent AND h.kind = 'function' AND pr.oid = public.pg_tviews__helper_fn(h);
    -- a child that brought rows no trigger saw (ATTACH PARTITION, ALTER TABLE ... INHERIT): recompute
    -- and one whose rows left (DETACH PARTITION, NO INHERIT, DROP TABLE of a partition or child): recompute
    IF lost OR cardinality(covered) > 0 AND (EXISTS (
           SELECT 1 FROM pg_trigger t WHERE t.tgname = nm.trg_prefix || '_trn' AND NOT t.tgrelid = ANY(covered)
              AND public.pg_tviews__has_rows(m, t.tgrelid))
        OR EXISTS (SELECT 1 FROM unnest(covered) c WHERE NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c AND t.tgname = nm.trg_prefix || '_trn'))) THEN
        IF public.pg_tviews__foreign_to_session(m.owner) THEN
            -- a superuser's DDL or upgrade regenerates another role's TVIEW but does not run its code (0.3.7 did, here:
            -- the tenant's query left a cursor WITH HOLD that ran as the superuser at COMMIT); marked for its owner
            UPDATE public.pg_tview_meta SET last_error = public.pg_tviews__recompute_owed()
             WHERE entity = ent;
        ELSE
            EXECUTE format('SELECT %I.%I(false)', m.schema_name, nm.fr);
        END IF;
    END IF;
END
$fn$;

-- Triggers of one source: statement triggers with transition tables on the source and on every
-- inheritance child; on a partitioned source, row triggers (cloned by PostgreSQL onto every partition,
-- present and future) and TRUNCATE triggers on the parent and its partitions.
CREATE OR REPLACE FUNCTION public.pg_tviews__install_triggers(ent text, d jsonb, prefix text, fn_schema text, trgfn text, fullfn text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    rel record;
    src regclass := to_regclass(format('%I.%I', d->>'schema', d->>'table'));
    sfx text;
BEGIN
    FOR rel IN
        WITH RECURSIVE tree(oid) AS (SELECT src::oid UNION SELECT i.inhrelid FROM tree JOIN pg_inherits i ON i.inhparent = tree.oid)
        SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition, c.oid = src::oid AS is_root
          FROM tree JOIN pg_class c ON c.oid = tree.oid JOIN pg_namespace n ON n.oid = c.relnamespace
         ORDER BY c.oid = src::oid DESC, n.nspname, c.relname
    LOOP
        IF trgfn IS NULL THEN
            IF rel.is_root OR NOT rel.relispartition THEN
                EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I.%I FOR EACH %s EXECUTE FUNCTION %I.%I()',
                               prefix || '_iud', rel.nspname, rel.relname, CASE WHEN rel.relkind = 'p' THEN 'ROW' ELSE 'STATEMENT' END,
                               fn_schema, fullfn);
                PERFORM public.pg_tviews__register_trigger(ent, rel.nspname, prefix || '_iud', rel.relname, d);
            END IF;
        ELSIF d->>'relkind' = 'p' THEN
            IF rel.is_root THEN
                EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I.%I FOR EACH ROW EXECUTE FUNCTION %I.%I()',
                               prefix || '_row', rel.nspname, rel.relname, fn_schema, trgfn);
                PERFORM public.pg_tviews__register_trigger(ent, rel.nspname, prefix || '_row', rel.relname, d);
            END IF;
        ELSIF rel.relkind = 'r' THEN
            EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I.%I REFERENCING NEW TABLE AS pg_tviews_new FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
                           prefix || '_ins', rel.nspname, rel.relname, fn_schema, trgfn);
            EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I.%I REFERENCING OLD TABLE AS pg_tviews_old NEW TABLE AS pg_tviews_new FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
                           prefix || '_upd', rel.nspname, rel.relname, fn_schema, trgfn);
            EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I.%I REFERENCING OLD TABLE AS pg_tviews_old FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
                           prefix || '_del', rel.nspname, rel.relname, fn_schema, trgfn);
            FOREACH sfx IN ARRAY ARRAY['_ins', '_upd', '_del'] LOOP
                PERFORM public.pg_tviews__register_trigger(ent, rel.nspname, prefix || sfx, rel.relname, d);
            END LOOP;
        END IF;
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I.%I FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
                       prefix || '_trn', rel.nspname, rel.relname, fn_schema, fullfn);
        PERFORM public.pg_tviews__register_trigger(ent, rel.nspname, prefix || '_trn', rel.relname, d);
    END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__register_trigger(ent text, sch text, trg text, tbl text, d jsonb) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, on_table, source)
    VALUES (ent, 'trigger', sch, trg, tbl, (d->>'schema') || '.' || (d->>'table'));
$$;

-- ---------------------------------------------------------------------------------------------
-- Dependency graph between TVIEWs (any depth; diamonds cost linear time)
-- ---------------------------------------------------------------------------------------------
-- Every TVIEW with its level: 0 reads no TVIEW, n reads TVIEWs of levels < n (topological order).
CREATE OR REPLACE FUNCTION public.pg_tviews__order() RETURNS TABLE(entity text, depth int)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    done jsonb := '{}';     -- (an object: a lookup in an array of n entities costs n, and a chain of n TVIEWs has n levels)
    ready text[];
    lvl int := 0;
BEGIN
    LOOP
        ready := ARRAY(SELECT m.entity FROM public.pg_tview_meta m
                        WHERE NOT done ? m.entity
                          AND NOT EXISTS (SELECT 1 FROM unnest(m.dependent_on) x JOIN public.pg_tview_meta m2 ON m2.entity = x
                                           WHERE NOT done ? x AND x <> m.entity)
                        ORDER BY m.entity);
        EXIT WHEN cardinality(ready) = 0;
        RETURN QUERY SELECT r, lvl FROM unnest(ready) r;
        done := done || (SELECT jsonb_object_agg(r, lvl) FROM unnest(ready) r);
        lvl := lvl + 1;
    END LOOP;
    -- members of a cycle (never created through the API) come last
    RETURN QUERY SELECT m.entity, lvl FROM public.pg_tview_meta m WHERE NOT done ? m.entity ORDER BY m.entity;
END
$fn$;

-- TVIEWs that read ent, directly or through others, in refresh order, each with one path from ent.
-- Does view v read table t, directly or through other views?
CREATE OR REPLACE FUNCTION public.pg_tviews__view_reads(v oid, t oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT v IS NOT NULL AND t IS NOT NULL AND t IN (SELECT public.pg_tviews__view_closure(v));
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__dependents(ent text)
RETURNS TABLE(entity text, depth int, path text[]) LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    paths jsonb := jsonb_build_object(ent, jsonb_build_array(ent));
    frontier text[] := ARRAY[ent];
    nxt text[];
    r record;
BEGIN
    WHILE cardinality(frontier) > 0 LOOP
        nxt := '{}';
        -- (a claim in dependent_on counts only when the dependent's definition view reads the table, through views or
        -- not: catalog rows are written by their owners, and 0.3.6 let one claim to read another owner's TVIEW, which
        -- then could not be dropped)
        FOR r IN SELECT DISTINCT ON (m.entity) m.entity, f FROM public.pg_tview_meta m CROSS JOIN unnest(frontier) f
                   JOIN public.pg_tview_meta fm ON fm.entity = f
                  WHERE f = ANY(m.dependent_on) AND NOT paths ? m.entity
                    AND public.pg_tviews__view_reads(public.pg_tviews__relid(m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv),
                                                     public.pg_tviews__relid(fm.schema_name, fm.table_name))
                  ORDER BY m.entity, f LOOP
            paths := paths || jsonb_build_object(r.entity, (paths->r.f) || to_jsonb(r.entity));
            nxt := nxt || r.entity;
        END LOOP;
        frontier := nxt;
    END LOOP;
    RETURN QUERY
        SELECT o.entity, o.depth, ARRAY(SELECT jsonb_array_elements_text(paths->o.entity))
          FROM public.pg_tviews__order() o WHERE paths ? o.entity AND o.entity <> ent ORDER BY o.depth, o.entity;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__check_cycle(ent text, tbl text, deps text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    parent jsonb := '{}';
    frontier text[] := deps;
    nxt text[];
    r record;
    p text[];
    x text;
BEGIN
    SELECT jsonb_object_agg(d, ent) INTO parent FROM unnest(deps) d;
    IF ent = ANY(deps) THEN
        p := ARRAY[ent, ent];
    END IF;
    WHILE p IS NULL AND cardinality(frontier) > 0 LOOP
        nxt := '{}';
        FOR r IN SELECT DISTINCT ON (y) y, f FROM unnest(frontier) f JOIN public.pg_tview_meta m ON m.entity = f
                 CROSS JOIN unnest(m.dependent_on) y WHERE NOT coalesce(parent, '{}') ? y OR y = ent ORDER BY y, f LOOP
            IF r.y = ent THEN
                p := ARRAY[ent];
                x := r.f;
                WHILE x <> ent LOOP p := p || x; x := parent->>x; END LOOP;
                p := p || ent;
                EXIT;
            END IF;
            parent := parent || jsonb_build_object(r.y, r.f);
            nxt := nxt || r.y;
        END LOOP;
        frontier := nxt;
    END LOOP;
    IF p IS NOT NULL THEN
        RAISE EXCEPTION 'circular dependency between TVIEWs: %',
            (SELECT string_agg(CASE WHEN e = ent THEN tbl ELSE coalesce((SELECT table_name FROM public.pg_tview_meta WHERE entity = e), e) END, ' -> ' ORDER BY o)
               FROM unnest(p) WITH ORDINALITY u(e, o))
            USING ERRCODE = '42P17', HINT = 'A TVIEW cannot read itself, directly or through other TVIEWs.';
    END IF;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Create / replace / drop
-- ---------------------------------------------------------------------------------------------
-- Locks tables rels in a mode without ever waiting for one while holding another that this call took: a writer that
-- held the second and then wrote the first would deadlock with a caller that took them in turn (0.3.8's create and
-- drop did).
-- It waits for one table holding none of the others, takes the others only if they are free, and otherwise lets them
-- all go and waits for the busy one; after 20 such rounds it waits for each in turn. A caller's lock_timeout bounds
-- each wait (55P03).
CREATE OR REPLACE FUNCTION public.pg_tviews__lock_tables(rels text[], mode text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    waited int := 1;
    busy int;
    round int := 0;
    nowait boolean;
BEGIN
    IF mode NOT IN ('SHARE ROW EXCLUSIVE', 'ACCESS EXCLUSIVE') THEN
        RAISE EXCEPTION 'lock mode % is not one the runtime takes', mode USING ERRCODE = '22023';
    END IF;
    IF coalesce(cardinality(rels), 0) = 0 THEN
        RETURN;
    END IF;
    LOOP
        round := round + 1;
        nowait := false;
        BEGIN
            EXECUTE format('LOCK TABLE %s IN %s MODE', rels[waited], mode);
            nowait := round <= 20;
            FOR i IN 1 .. cardinality(rels) LOOP
                CONTINUE WHEN i = waited;
                busy := i;      -- (the loop's own i is out of scope in the handler; variables keep their values)
                EXECUTE format('LOCK TABLE %s IN %s MODE%s', rels[i], mode, CASE WHEN nowait THEN ' NOWAIT' ELSE '' END);
            END LOOP;
            RETURN;
        EXCEPTION WHEN lock_not_available THEN
            IF NOT nowait THEN
                RAISE;      -- the caller's lock_timeout
            END IF;
            waited := busy;
        END;
    END LOOP;
END
$fn$;

-- Lock the sources against writers for the initial fill: writers that are in flight finish first, and READ COMMITTED
-- then reads their rows. Under REPEATABLE READ / SERIALIZABLE the snapshot was taken before the lock, so rows that
-- writers committed in between would be missing for good: 40001 when any transaction committed since the snapshot
-- (0.3.6 only caught writers still in flight).
CREATE OR REPLACE FUNCTION public.pg_tviews__lock_sources(deps jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    d jsonb;
    rels text[] := '{}';
BEGIN
    FOR d IN SELECT x FROM jsonb_array_elements(deps) x ORDER BY x->>'schema', x->>'table' LOOP
        -- the TVIEW's triggers on the source are dropped and recreated when the source's DDL is followed, the TVIEW
        -- is reinstalled or dropped: DROP TRIGGER needs the table's owner, so a TVIEW over another owner's table
        -- could be created (TRIGGER privilege) but never maintained through DDL nor dropped
        -- (the owner's privileges, not mere membership: a NOINHERIT member could create the triggers but not drop them;
        -- 0.3.24 accepted it, and then neither pg_tviews_reinstall_triggers nor pg_tviews_drop worked)
        IF NOT pg_has_role((SELECT c.relowner FROM pg_class c WHERE c.oid = format('%I.%I', d->>'schema', d->>'table')::regclass), 'USAGE') THEN
            RAISE EXCEPTION 'the TVIEW''s owner % does not have the privileges of the owner of its source %.%', current_user, d->>'schema', d->>'table'
                USING ERRCODE = '42501',
                HINT = 'Maintenance triggers are dropped and recreated with the source''s DDL and when the TVIEW is dropped, which needs the table''s owner: create the TVIEW as that owner, or as a member of it that inherits its privileges (GRANT <source owner> TO <TVIEW owner>, a role without NOINHERIT).';
        END IF;
        rels := rels || format('%I.%I', d->>'schema', d->>'table');
    END LOOP;
    PERFORM public.pg_tviews__lock_tables(rels, 'SHARE ROW EXCLUSIVE');
    -- (since 0.3.25: with no commit since the snapshot, it sees what READ COMMITTED would now; 0.3.24 refused these
    -- levels with 0A000 whatever the case)
    IF current_setting('transaction_isolation') <> 'read committed' AND public.pg_tviews__commits_after_snapshot() THEN
        RAISE EXCEPTION 'could not serialize creating, rebuilding or adopting a TVIEW: a transaction committed after this % transaction''s snapshot', upper(current_setting('transaction_isolation'))
            USING ERRCODE = '40001',
                  DETAIL = 'Its snapshot was taken before the sources could be locked: rows that transaction wrote would be missing from the TVIEW.',
                  HINT = 'Retry the transaction, or run it in READ COMMITTED.';
    END IF;
END
$fn$;

-- Keys, hop values and lock values pass between maintenance steps as text, printed and read back under the TVIEW's
-- pinned settings: those must print each such value as text that reads back as the same value. Not so with
-- extra_float_digits below 1 (a double precision rounded to 15 digits), nor a DateStyle other than ISO for values with
-- a time zone (abbreviations like IST read back as another zone) or, under YMD, for dates and timestamps (SQL-style
-- dates do not read back at all).
-- 0.3.19 accepted them: a TVIEW created by a session of an old driver (extra_float_digits = 0) kept wrong rows.
-- NULL when they do; otherwise what does not (the create refuses it, pg_tviews__refuse_lossy_settings; the health check
-- reports one created before 0.3.20)
CREATE OR REPLACE FUNCTION public.pg_tviews__lossy_settings(ent text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    m public.pg_tview_meta := (SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = ent);
    st jsonb := coalesce(m.settings, '{}');
    types oid[];
    bad text[] := '{}';
BEGIN
    IF st = '{}' THEN
        RETURN NULL;
    END IF;
    -- the types passed on: the key's, and every column or expression a path hops from, into or ends at
    types := ARRAY[to_regtype(m.key_type)::oid] || ARRAY(
        SELECT coalesce((s.x->>'typeoid')::oid, a.atttypid)
          FROM jsonb_array_elements(m.dependencies) d
          CROSS JOIN LATERAL (SELECT h.h->'from_x' AS x, CASE WHEN h.o = 1 THEN d->>'schema' ELSE p.p->'hops'->(h.o::int - 2)->>'schema' END AS sch,
                                     CASE WHEN h.o = 1 THEN d->>'table' ELSE p.p->'hops'->(h.o::int - 2)->>'table' END AS tbl, h.h->>'from' AS col
                                FROM jsonb_array_elements(coalesce(d->'paths', '[]')) p(p) CROSS JOIN LATERAL jsonb_array_elements(p.p->'hops') WITH ORDINALITY h(h, o)
                              UNION ALL
                              SELECT h.h->'to_x', h.h->>'schema', h.h->>'table', h.h->>'to'
                                FROM jsonb_array_elements(coalesce(d->'paths', '[]')) p(p) CROSS JOIN LATERAL jsonb_array_elements(p.p->'hops') h(h)
                              UNION ALL
                              SELECT NULL, d->>'schema', d->>'table', n->>'col' FROM jsonb_array_elements(coalesce(d->'near', '[]')) n) s
          LEFT JOIN pg_attribute a ON s.x IS NULL AND a.attrelid = to_regclass(format('%I.%I', s.sch, s.tbl)) AND a.attname = s.col AND NOT a.attisdropped);
    types := public.pg_tviews__type_closure(types);     -- (a daterange's dates, a domain's double precision)
    IF types && ARRAY['float4'::regtype, 'float8'::regtype]::oid[] AND (st->>'extra_float_digits')::int < 1 THEN
        bad := bad || format('extra_float_digits = %s rounds its double precision values', st->>'extra_float_digits');
    END IF;
    -- (outside ISO, a zone prints as its abbreviation; a date reads back only where the order it is read in is the one it
    -- is printed in: SQL and Postgres print DMY or MDY as set, and MDY under YMD; German prints DMY whatever is set)
    IF split_part(st->>'DateStyle', ',', 1) <> 'ISO'
       AND (types && ARRAY['timestamptz'::regtype, 'timetz'::regtype]::oid[]
            OR types && ARRAY['date'::regtype, 'timestamp'::regtype]::oid[]
               AND NOT (regexp_replace(st->>'DateStyle', E'\\s', '', 'g') IN ('SQL,DMY', 'SQL,MDY', 'Postgres,DMY', 'Postgres,MDY', 'German,DMY'))) THEN
        bad := bad || format('DateStyle = %s prints its date/time values as text that does not always read back as the same value', st->>'DateStyle');
    END IF;
    IF EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = ANY(types) AND t.typcategory = 'A') AND st->>'array_nulls' = 'off' THEN
        bad := bad || 'array_nulls = off reads the NULL elements of its arrays back as the string NULL'::text;
    END IF;
    RETURN CASE WHEN cardinality(bad) > 0
                THEN format('TVIEW %s passes keys and join values as text under the settings it keeps, and %s', ent, array_to_string(bad, '; and ')) END;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__refuse_lossy_settings(ent text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    msg constant text := public.pg_tviews__lossy_settings(ent);
BEGIN
    IF msg IS NOT NULL THEN
        RAISE EXCEPTION '%', msg USING ERRCODE = '22023',
            HINT = 'Create it with extra_float_digits = 1 (the default) and DateStyle = ''ISO, ...'', in the session or in options.settings ({"DateStyle": "ISO, DMY"}).';
    END IF;
END
$fn$;

-- Builds definition view + table + metadata + objects for a parsed name. adopt = true keeps an
-- existing table with the same columns (convert_existing_table) and repairs its rows.
CREATE OR REPLACE FUNCTION public.pg_tviews__build(sch text, tbl text, ent text, query text, options jsonb, op text, adopt boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    bad text;
    a jsonb;
    k text;
    dupkey text;
    dupcnt bigint;
    n bigint;
    c text;
    tv regclass;
    t0 timestamptz := clock_timestamp();
    mismatch text;
    nm record := public.pg_tviews__names(ent, tbl);
    dv text := format('%I.%I', sch, (public.pg_tviews__names(ent, tbl)).dv);
    busy text := current_setting('pg_tviews.busy', true);
    r jsonb;
    saved jsonb;
    am text;
    oh text;
BEGIN
    PERFORM set_config('pg_tviews.busy', 'on', true);      -- the DDL event trigger ignores the runtime's own DDL
    IF to_regclass(dv) IS NOT NULL THEN
        EXECUTE format('DROP VIEW %s', dv);
    END IF;
    a := public.pg_tviews__analyze(sch, tbl, ent, query, options, nm.dv);
    query := public.pg_tviews__conforming(query, a);
    PERFORM public.pg_tviews__check_cycle(ent, tbl, ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')));
    PERFORM public.pg_tviews__refuse_untraceable(a, sch, tbl);
    PERFORM public.pg_tviews__lock_sources(a->'dependencies');
    -- the digest of the functions and types the query uses, taken before the rows are and compared after: a function
    -- replaced and committed by another session during the fill (functions take no lock) fails the create with 40001
    -- (0.3.24 took it after the fill, from the new body, and said OK over rows of the old one; hunt 15)
    oh := public.pg_tviews__objects_hash(jsonb_populate_record(NULL::public.pg_tview_meta,
                                                               jsonb_build_object('entity', ent, 'schema_name', sch, 'table_name', tbl)));
    k := a->>'key_column';
    -- the rows computed now as maintenance computes them: under options.settings (0.3.19 filled the table under the
    -- session's settings, and kept options.settings from the first write on)
    saved := public.pg_tviews__current_settings();
    PERFORM set_config(x.key, x.value, true) FROM jsonb_each_text(coalesce(options->'settings', '{}')) x;
    r := public.pg_tviews__owner_exec(sch, ent, tbl, format(
             'SELECT to_jsonb(x) FROM (SELECT %1$I::text AS k, count(*) AS n FROM %2$s q GROUP BY %1$I HAVING count(*) > 1 OR %1$I IS NULL ORDER BY %1$I IS NULL DESC LIMIT 1) x', k, dv));
    dupkey := r->>'k';
    dupcnt := (r->>'n')::bigint;
    IF dupcnt IS NOT NULL THEN
        IF dupkey IS NULL THEN
            RAISE EXCEPTION 'key column "%" of TVIEW %.% is NULL in % row(s) of the query', k, sch, tbl, dupcnt
                USING ERRCODE = '23502', HINT = format('Filter them out (WHERE %s IS NOT NULL) or choose another key with options.key.', k);
        END IF;
        RAISE EXCEPTION 'duplicate key value % in key column "%" of TVIEW %.% (% rows)', dupkey, k, sch, tbl, dupcnt
            USING ERRCODE = '23505', HINT = 'The key must be unique in the query result: aggregate (GROUP BY the key) or choose another key with options.key.';
    END IF;

    IF adopt THEN
        tv := to_regclass(format('%I.%I', sch, tbl));
        mismatch := public.pg_tviews__columns_mismatch(dv::regclass, tv);
        IF mismatch IS NOT NULL THEN
            RAISE EXCEPTION 'table %.% does not have the columns of the TVIEW query', sch, tbl USING ERRCODE = '42804',
                DETAIL = mismatch || '.', HINT = 'Drop or rename the table and use pg_tviews_create, or fix the query.';
        END IF;
        IF (SELECT c.relpersistence FROM pg_class c WHERE c.oid = tv) <> 'p' THEN
            RAISE EXCEPTION 'table %.% is unlogged or temporary: a TVIEW''s table cannot be', sch, tbl USING ERRCODE = '0A000',
                DETAIL = 'Crash recovery empties an unlogged table and a standby never has its rows: the TVIEW would miss rows its query returns.',
                HINT = 'ALTER TABLE ... SET LOGGED, then adopt it.';
        END IF;
        IF NOT public.pg_tviews__has_key_index(tv, k) THEN
            PERFORM public.pg_tviews__owner_exec(sch, ent, tbl, format('WITH d AS (DELETE FROM %I.%I RETURNING 1) SELECT to_jsonb(count(*)) FROM d', sch, tbl));
            EXECUTE format('ALTER TABLE %I.%I ADD PRIMARY KEY (%I)', sch, tbl, k);
        END IF;
    ELSE
        EXECUTE format('CREATE TABLE %I.%I AS SELECT * FROM %s q WITH NO DATA', sch, tbl, dv);
        -- rows are rewritten in place all the time: leave room for HOT updates (options.fillfactor, default 90)
        EXECUTE format('ALTER TABLE %I.%I SET (fillfactor = %s)', sch, tbl, coalesce((options->>'fillfactor')::int, 90));
        PERFORM public.pg_tviews__owner_exec(sch, ent, tbl, format('WITH i AS (INSERT INTO %I.%I SELECT * FROM %s q RETURNING 1) SELECT to_jsonb(count(*)) FROM i', sch, tbl, dv));
        EXECUTE format('ALTER TABLE %I.%I ADD PRIMARY KEY (%I)', sch, tbl, k);
    END IF;
    PERFORM set_config(x.key, x.value, true) FROM jsonb_each_text(saved) x WHERE options->'settings' ? x.key;
    -- id and fk_* columns are looked up by value: a btree index for a fixed-size type; a hash index for a variable-size
    -- one whose values can be hashed (a btree entry holds at most 2,704 bytes, and a longer value would fail the
    -- source's write at the flush: 0.3.8 did); none otherwise (json, point, tsvector, point[]: 0.3.8 refused the TVIEW
    -- or failed its writes). So is the column its sources are followed through (pg_tviews__an_via: every flush looks the
    -- TVIEW's rows up by it; 8 ms a write at 20,000 rows without it, 0.1 ms with it; since 0.3.32)
    FOR c IN SELECT x FROM jsonb_array_elements_text(a->'columns') x
              WHERE (x LIKE E'fk\\_%' OR x = 'id' OR x = (SELECT min(d->>'via') FROM jsonb_array_elements(a->'dependencies') d)) AND x <> k ORDER BY 1 LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute at ON at.attrelid = i.indrelid AND at.attnum = i.indkey[0]
                        WHERE i.indrelid = format('%I.%I', sch, tbl)::regclass AND at.attname = c) THEN
            FOR am IN SELECT x FROM (SELECT t.typlen > 0 AS fixed, public.pg_tviews__hashable(format_type(at.atttypid, at.atttypmod)) AS hashable
                                       FROM pg_attribute at JOIN pg_type t ON t.oid = at.atttypid
                                      WHERE at.attrelid = format('%I.%I', sch, tbl)::regclass AND at.attname = c) ty
                                CROSS JOIN LATERAL unnest(CASE WHEN ty.fixed THEN ARRAY['btree'] ELSE '{}' END
                                                          || CASE WHEN ty.hashable THEN ARRAY['hash'] ELSE '{}' END) x LOOP
                BEGIN
                    EXECUTE format('CREATE INDEX %I ON %I.%I USING %s (%I)',
                                   public.pg_tviews__left_bytes(tbl, 40) || '_' || public.pg_tviews__left_bytes(c, 12) || '_' || substr(md5(sch || '.' || tbl || '.' || c), 1, 8),
                                   sch, tbl, am, c);
                    EXIT;
                EXCEPTION WHEN undefined_object THEN
                    NULL;       -- no default operator class of that method for the type
                END;
            END LOOP;
        END IF;
    END LOOP;

    INSERT INTO public.pg_tview_meta AS m (entity, schema_name, table_name, definition, qualified_definition, key_column, key_type,
                                      dependencies, dependent_on, options, definition_hash, runtime_version, last_refreshed_at)
    VALUES (ent, sch, tbl, query, a->>'qualified', k, a->>'key_type', a->'dependencies',
            ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')), coalesce(options, '{}'), md5(a->>'qualified'),
            public.pg_tviews_version(), now())
    ON CONFLICT (entity) DO UPDATE SET schema_name = EXCLUDED.schema_name, table_name = EXCLUDED.table_name,
        definition = EXCLUDED.definition, qualified_definition = EXCLUDED.qualified_definition, key_column = EXCLUDED.key_column,
        key_type = EXCLUDED.key_type, dependencies = EXCLUDED.dependencies, dependent_on = EXCLUDED.dependent_on,
        options = EXCLUDED.options, definition_hash = EXCLUDED.definition_hash, runtime_version = EXCLUDED.runtime_version,
        updated_at = now(), last_refreshed_at = now(), last_error = NULL;
    EXECUTE format('COMMENT ON TABLE %I.%I IS %L', sch, tbl,
                   'TVIEW ' || jsonb_build_object('entity', ent, 'definition', query, 'options', coalesce(options, '{}'))::text);
    PERFORM public.pg_tviews__install_objects(ent);
    PERFORM public.pg_tviews__refuse_lossy_settings(ent);
    IF adopt THEN
        EXECUTE format('SELECT %I.%I(false)', sch, nm.fr) INTO n;
    END IF;
    PERFORM public.pg_tviews__refuse_changed_objects(ent, oh, public.pg_tviews__objects_hash(jsonb_populate_record(NULL::public.pg_tview_meta,
                                          jsonb_build_object('entity', ent, 'schema_name', sch, 'table_name', tbl))));
    bad := public.pg_tviews__objects_in_change(jsonb_populate_record(NULL::public.pg_tview_meta,
                                                                      jsonb_build_object('entity', ent, 'schema_name', sch, 'table_name', tbl)));
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'could not create TVIEW %: another transaction, still in progress or prepared, is changing %', ent, bad
            USING ERRCODE = '40001',
                  DETAIL = 'Its commit would make the rows computed now stale, and its DDL ran before this TVIEW existed.',
                  HINT = 'Retry once that transaction has ended (COMMIT PREPARED / ROLLBACK PREPARED for a prepared one).';
    END IF;
    -- (under REPEATABLE READ / SERIALIZABLE both digests read the transaction's snapshot, which cannot see a replacement
    -- committed during the fill: the create then runs only if no transaction committed since; hunt 17 found 0.3.26's
    -- first cut committing 600 rows of a replaced body at these levels)
    IF current_setting('transaction_isolation') <> 'read committed' AND public.pg_tviews__commits_after_snapshot() THEN
        RAISE EXCEPTION 'could not serialize creating TVIEW %: a transaction committed while its rows were computed, and this % transaction''s snapshot cannot see whether it replaced a function or type the query reads',
              ent, upper(current_setting('transaction_isolation'))
            USING ERRCODE = '40001',
                  HINT = 'Retry the transaction, or create the TVIEW in READ COMMITTED.';
    END IF;
    UPDATE public.pg_tview_meta mm SET objects_hash = public.pg_tviews__objects_hash(mm) WHERE mm.entity = ent;
    n := (public.pg_tviews__owner_exec(sch, ent, tbl, format('SELECT to_jsonb(count(*)) FROM %I.%I', sch, tbl)))::bigint;
    PERFORM public.pg_tviews__audit(op, ent, jsonb_build_object('table', format('%I.%I', sch, tbl), 'definition', query,
            'options', coalesce(options, '{}'), 'dependencies', a->'dependencies',
            'duration_ms', round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 3)), n);
    PERFORM set_config('pg_tviews.busy', coalesce(busy, ''), true);
    RETURN format('%I.%I', sch, tbl);
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__create(tview text, query text, options jsonb)
RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    p record;
    other text;
BEGIN
    PERFORM public.pg_tviews__not_null('tview', tview, 'query', query);
    p := public.pg_tviews__parse(tview);
    IF EXISTS (SELECT 1 FROM public.pg_tview_meta WHERE schema_name = p.schema_name AND table_name = p.table_name) THEN
        RAISE EXCEPTION 'TVIEW "%" already exists', tview USING ERRCODE = '42710',
            HINT = 'Use pg_tviews_create_or_replace to change it, or pg_tviews_drop first.';
    END IF;
    -- (another table whose schema and name join into the same entity: a."tv_b.q" and "a.b".tv_q are both a.b.q)
    SELECT format('%I.%I', m.schema_name, m.table_name) INTO other FROM public.pg_tview_meta m WHERE m.entity = p.entity;
    IF FOUND THEN
        RAISE EXCEPTION 'TVIEW "%" would be entity %, which TVIEW % already is', tview, quote_literal(p.entity), other USING ERRCODE = '42710',
            DETAIL = 'An entity is the schema and the table name without "tv_", joined by a dot.',
            HINT = 'Choose a table name (or schema) whose entity differs.';
    END IF;
    IF to_regclass(format('%I.%I', p.schema_name, p.table_name)) IS NOT NULL THEN
        RAISE EXCEPTION 'relation %.% already exists and is not a TVIEW', p.schema_name, p.table_name USING ERRCODE = '42P07',
            HINT = 'Choose another name, drop or rename the existing relation, or adopt it with pg_tviews_convert_existing_table(name, query).';
    END IF;
    RETURN public.pg_tviews__build(p.schema_name, p.table_name, p.entity, query, coalesce(options, '{}'), 'CREATE');
END
$fn$;

-- Generated objects, table and definition view of a TVIEW (metadata is left to the caller).
CREATE OR REPLACE FUNCTION public.pg_tviews__drop_all(m public.pg_tview_meta) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    n bigint := 0;
    nm record := public.pg_tviews__names(m.entity, m.table_name);
BEGIN
    -- a transaction that wrote a source before dropping or rebuilding the TVIEW has a COMMIT event pending on the
    -- queue, and PostgreSQL cannot drop a table with pending trigger events (0.3.6 failed there): it is fired now,
    -- a flush like pg_tviews_flush()
    IF EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = to_regclass(format('%I.%I', m.schema_name, nm.q))
                  AND t.tgname = nm.trg_prefix || '_flush') THEN
        EXECUTE format('SET CONSTRAINTS %I.%I IMMEDIATE', m.schema_name, nm.trg_prefix || '_flush');
        EXECUTE format('SET CONSTRAINTS %I.%I DEFERRED', m.schema_name, nm.trg_prefix || '_flush');
    END IF;
    PERFORM public.pg_tviews__drop_objects(m.entity);
    IF to_regclass(format('%I.%I', m.schema_name, m.table_name)) IS NOT NULL THEN
        n := (public.pg_tviews__owner_exec(m.schema_name, m.entity, m.table_name,
                  format('SELECT to_jsonb(count(*)) FROM %I.%I', m.schema_name, m.table_name)))::bigint;
        EXECUTE format('DROP TABLE %I.%I', m.schema_name, m.table_name);
    END IF;
    EXECUTE format('DROP VIEW IF EXISTS %I.%I', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv);
    EXECUTE format('DROP TABLE IF EXISTS %I.%I, %I.%I', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).q,
                   m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).lk);
    -- (the owner's statement runner, pg_tviews__owner_exec, made when first needed; 0.3.29 left it behind; hunt 28)
    EXECUTE format('DROP FUNCTION IF EXISTS %I.%I(text)', m.schema_name, left(nm.fr, -3) || '_ex');
    RETURN n;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_drop(tview text, if_exists boolean DEFAULT false, "cascade" boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    m public.pg_tview_meta;
    deps text[];
    d text;
    n bigint := 0;
    prev text;
BEGIN
    PERFORM public.pg_tviews__not_null('tview', tview, 'if_exists', if_exists::text, 'cascade', "cascade"::text);
    BEGIN
        m := public.pg_tviews__resolve(tview);
    EXCEPTION WHEN undefined_object THEN
        IF if_exists THEN RETURN; END IF;
        RAISE;
    END;
    deps := ARRAY(SELECT x.entity FROM public.pg_tviews__dependents(m.entity) x ORDER BY x.depth DESC, x.entity);
    IF cardinality(deps) > 0 AND NOT "cascade" THEN
        RAISE EXCEPTION 'cannot drop TVIEW % because other TVIEWs depend on it: %', m.table_name,
            (SELECT string_agg(table_name, ', ' ORDER BY table_name) FROM public.pg_tview_meta WHERE entity = ANY(deps))
            USING ERRCODE = '2BP01', HINT = 'Use pg_tviews_drop(name, cascade => true) to drop them too.';
    END IF;
    PERFORM public.pg_tviews__restore_role(public.pg_tviews__as_owner(m.owner, m.entity));   -- 42501 early for a non-member
    FOREACH d IN ARRAY deps LOOP
        PERFORM public.pg_tviews_drop(d, true, false);
    END LOOP;
    prev := public.pg_tviews__as_owner(m.owner, m.entity);
    n := public.pg_tviews__drop_all(m);
    -- recorded while the catalog row still names the owner (the log checks it)
    PERFORM public.pg_tviews__audit('DROP', m.entity, jsonb_build_object('table', format('%I.%I', m.schema_name, m.table_name),
            'definition', m.definition, 'cascade', "cascade", 'dropped_dependents', to_jsonb(deps)), n);
    UPDATE public.pg_tview_meta SET dropping = true WHERE entity = m.entity;
    PERFORM public.pg_tviews__forget_stamps(m.entity);
    PERFORM public.pg_tviews__restore_role(prev);
END
$fn$;

-- Recreate a lost definition view from the catalog's qualified definition.
CREATE OR REPLACE FUNCTION public.pg_tviews__ensure_def_view(m public.pg_tview_meta) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    dv text := (public.pg_tviews__names(m.entity, m.table_name)).dv;
BEGIN
    IF to_regclass(format('%I.%I', m.schema_name, dv)) IS NULL THEN
        EXECUTE format('CREATE VIEW %I.%I AS %s', m.schema_name, dv,
                       public.pg_tviews__one_statement(coalesce(m.qualified_definition, m.definition)));
        EXECUTE format('REVOKE ALL ON %I.%I FROM PUBLIC', m.schema_name, dv);
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__create_or_replace(tview text, query text, options jsonb)
RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    m public.pg_tview_meta;
    a jsonb;
    probe text;
    deps text[];
    d text;
    dm public.pg_tview_meta;
    n bigint;
    prev text;
BEGIN
    PERFORM public.pg_tviews__not_null('tview', tview, 'query', query);
    options := coalesce(options, '{}');
    BEGIN
        m := public.pg_tviews__resolve(tview);
    EXCEPTION WHEN undefined_object THEN
        PERFORM public.pg_tviews__create(tview, query, options);
        RETURN 'created';
    END;
    prev := public.pg_tviews__as_owner(m.owner, m.entity);
    probe := 'pg_tviews_probe_' || substr(md5(m.entity || clock_timestamp()::text || random()::text), 1, 12);
    a := public.pg_tviews__analyze(m.schema_name, m.table_name, m.entity, query, options, probe);
    query := public.pg_tviews__conforming(query, a);
    EXECUTE format('DROP VIEW %I.%I', m.schema_name, probe);
    IF a->>'qualified' = m.qualified_definition AND (a->>'key_column') = m.key_column THEN
        IF options = m.options AND query = m.definition THEN
            PERFORM public.pg_tviews__restore_role(prev);
            RETURN 'unchanged';
        END IF;
        PERFORM public.pg_tviews__check_cycle(m.entity, m.table_name, ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')));
        PERFORM public.pg_tviews__refuse_untraceable(a, m.schema_name, m.table_name);
        UPDATE public.pg_tview_meta SET options = pg_tviews__create_or_replace.options, definition = pg_tviews__create_or_replace.query, updated_at = now()
         WHERE entity = m.entity;
        EXECUTE format('COMMENT ON TABLE %I.%I IS %L', m.schema_name, m.table_name,
                       'TVIEW ' || jsonb_build_object('entity', m.entity, 'definition', query, 'options', options)::text);
        PERFORM public.pg_tviews__ensure_def_view(m);
        PERFORM public.pg_tviews__install_objects(m.entity);
        PERFORM public.pg_tviews__refuse_lossy_settings(m.entity);     -- (0.3.20's first fix checked only creates and rebuilds)
        EXECUTE format('SELECT %I.%I(false)', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).fr) INTO n;
        PERFORM public.pg_tviews__audit('ALTER', m.entity, jsonb_build_object('old_options', m.options, 'options', options), n);
        PERFORM public.pg_tviews__restore_role(prev);
        RETURN 'altered';
    END IF;
    -- rebuild: the TVIEWs that read this one lose their definition views while the table is recreated
    PERFORM public.pg_tviews__check_cycle(m.entity, m.table_name, ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')));
    PERFORM public.pg_tviews__refuse_untraceable(a, m.schema_name, m.table_name);
    deps := ARRAY(SELECT x.entity FROM public.pg_tviews__dependents(m.entity) x ORDER BY public.pg_tviews__flush_rank(x.depth, x.entity) COLLATE "C", x.entity);
    PERFORM public.pg_tviews__restore_role(prev);
    FOREACH d IN ARRAY deps LOOP                   -- each dependent as its own owner
        SELECT * INTO dm FROM public.pg_tview_meta WHERE entity = d;
        prev := public.pg_tviews__as_owner(dm.owner, dm.entity);
        PERFORM public.pg_tviews__drop_objects(d);
        EXECUTE format('DROP VIEW IF EXISTS %I.%I', dm.schema_name, (public.pg_tviews__names(dm.entity, dm.table_name)).dv);
        PERFORM public.pg_tviews__restore_role(prev);
    END LOOP;
    prev := public.pg_tviews__as_owner(m.owner, m.entity);
    PERFORM public.pg_tviews__drop_all(m);
    PERFORM public.pg_tviews__build(m.schema_name, m.table_name, m.entity, query, options, 'REBUILD');
    PERFORM public.pg_tviews__restore_role(prev);
    FOREACH d IN ARRAY deps LOOP
        SELECT * INTO dm FROM public.pg_tview_meta WHERE entity = d;
        prev := public.pg_tviews__as_owner(dm.owner, dm.entity);
        PERFORM public.pg_tviews__ensure_def_view(dm);
        PERFORM public.pg_tviews__install_objects(d);
        EXECUTE format('SELECT %I.%I(false)', dm.schema_name, (public.pg_tviews__names(dm.entity, dm.table_name)).fr);
        PERFORM public.pg_tviews__restore_role(prev);
    END LOOP;
    RETURN 'rebuilt';
END
$fn$;

-- The API entry points that take query text resolve it with the caller's search_path; everything
-- else runs with search_path = pg_catalog, pg_temp.
-- Option names the runtime reads; another one (a typo: "keyz") is refused at create rather than ignored. (Only at the
-- public entry points: a TVIEW created by 0.3.15 or earlier with an unknown option stored must still regenerate.)
CREATE OR REPLACE FUNCTION public.pg_tviews__known_options(options jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    known constant text[] := ARRAY['key', 'keys', 'fillfactor', 'uncascaded_policy', 'settings', 'refresh'];
    unknown text;
BEGIN
    IF jsonb_typeof(options) = 'object' THEN
        SELECT k INTO unknown FROM jsonb_object_keys(options) k WHERE NOT k = ANY(known) ORDER BY k LIMIT 1;
        IF unknown IS NOT NULL THEN
            RAISE EXCEPTION 'unknown option "%"', unknown USING ERRCODE = '22023',
                HINT = 'The options are ' || array_to_string(known, ', ') || '.';
        END IF;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_create(tview text, query text, options jsonb DEFAULT '{}')
RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_catalog.set_config('pg_tviews.caller_search_path', pg_catalog.current_setting('search_path'), true);
    PERFORM public.pg_tviews__known_options(options);
    -- (the query is read as this session reads SQL; the runtime itself runs with standard_conforming_strings = on)
    PERFORM pg_catalog.set_config('pg_tviews.caller_scs', pg_catalog.current_setting('standard_conforming_strings'), true);
    RETURN public.pg_tviews__create(tview, query, options);
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_create_or_replace(tview text, query text, options jsonb DEFAULT '{}')
RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_catalog.set_config('pg_tviews.caller_search_path', pg_catalog.current_setting('search_path'), true);
    PERFORM public.pg_tviews__known_options(options);
    -- (the query is read as this session reads SQL; the runtime itself runs with standard_conforming_strings = on)
    PERFORM pg_catalog.set_config('pg_tviews.caller_scs', pg_catalog.current_setting('standard_conforming_strings'), true);
    RETURN public.pg_tviews__create_or_replace(tview, query, options);
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_convert_existing_table(name text, query text, options jsonb DEFAULT '{}')
RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_catalog.set_config('pg_tviews.caller_search_path', pg_catalog.current_setting('search_path'), true);
    PERFORM public.pg_tviews__known_options(options);
    -- (the query is read as this session reads SQL; the runtime itself runs with standard_conforming_strings = on)
    PERFORM pg_catalog.set_config('pg_tviews.caller_scs', pg_catalog.current_setting('standard_conforming_strings'), true);
    RETURN public.pg_tviews__convert_with_query(name, query, options);
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_convert_existing_table(name text)
RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_catalog.set_config('pg_tviews.caller_search_path', pg_catalog.current_setting('search_path'), true);
    PERFORM pg_catalog.set_config('pg_tviews.caller_scs', 'on', true);     -- (a stored definition, printed with it on)
    RETURN public.pg_tviews__convert(name);
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Refresh, consistency, repair
-- ---------------------------------------------------------------------------------------------
-- The digest of a TVIEW's functions and types taken before its rows were computed (create, refresh) against the one
-- taken after: another transaction replaced one of them in between (CREATE OR REPLACE FUNCTION takes no lock, and while
-- a TVIEW is being created no event trigger can see it), and the rows may hold the old body's values. 0.3.24 took the
-- digest after the rows and said OK; 0.3.25 stored a digest the health check reported; since 0.3.26 the create or
-- refresh fails with 40001 and changes nothing.
-- The query's functions, types and views that a transaction still in progress (or prepared) is changing: CREATE OR
-- REPLACE FUNCTION, ALTER TYPE, CREATE OR REPLACE VIEW leave the catalog row this transaction reads with that
-- transaction's ID in xmax until it ends (this transaction's own changes are not seen there: it reads their new row).
-- A create then computes rows that commit makes stale, and that transaction's DDL trigger ran before the TVIEW
-- existed, so nothing would recompute them (0.3.26's first cut created such a TVIEW: hunt 18). NULL when none.
CREATE OR REPLACE FUNCTION public.pg_tviews__objects_in_change(m public.pg_tview_meta) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    o record := public.pg_tviews__query_objects(m);
    next_xid bigint := pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
    r record;
    full_xid bigint;
    found_ text[] := '{}';
BEGIN
    FOR r IN SELECT format('function %s', p.oid::regprocedure) AS what, p.xmax FROM pg_proc p WHERE p.oid = ANY(o.fns)
             UNION ALL SELECT format('type %s', format_type(t.oid, NULL)), t.xmax FROM pg_type t WHERE t.oid = ANY(o.types)
             UNION ALL SELECT format('type %s', format_type(e.enumtypid, NULL)), e.xmax FROM pg_enum e WHERE e.enumtypid = ANY(o.types)
             UNION ALL SELECT format('view %s', r2.ev_class::regclass), r2.xmax FROM pg_rewrite r2 WHERE r2.ev_class = ANY(o.views) LOOP
        CONTINUE WHEN r.xmax::text = '0';
        -- (xmax is 32 bits: the full ID nearest to the snapshot's xmax, which a transaction begun after a REPEATABLE READ
        -- snapshot is above; hunt 19 found 0.3.26's first cut reading such an ID as one of the epoch before)
        full_xid := (next_xid >> 32 << 32) | r.xmax::text::bigint;
        IF full_xid > next_xid + 2147483648 THEN
            full_xid := full_xid - 4294967296;
        ELSIF full_xid < next_xid - 2147483648 THEN
            full_xid := full_xid + 4294967296;
        END IF;
        BEGIN
            IF pg_xact_status(full_xid::text::xid8) = 'in progress' THEN
                found_ := found_ || r.what;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            NULL;       -- (a multixact or an ID too old to look up: no transaction of that ID is running)
        END;
    END LOOP;
    RETURN nullif(array_to_string(found_, ', '), '');
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__refuse_changed_objects(ent text, before text, after text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF before IS DISTINCT FROM after THEN
        RAISE EXCEPTION 'a function or type the query of TVIEW % reads was replaced by another transaction while its rows were computed', ent
            USING ERRCODE = '40001',
                  DETAIL = 'The rows may hold what the replaced definition returned.',
                  HINT = 'Retry: the next run computes them with the definition as it is now.';
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__full(m public.pg_tview_meta, force boolean) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    n bigint;
    oh text;
BEGIN
    PERFORM public.pg_tviews__no_foreign_superuser(m.entity);
    IF to_regprocedure(format('%I.%I(boolean, boolean)', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).fr)) IS NULL
       OR m.last_error LIKE 'ddl:%' THEN
        PERFORM public.pg_tviews__ensure_def_view(m);
        PERFORM public.pg_tviews__install_objects(m.entity);
    END IF;
    -- the rows are now computed with the functions and types as they are: as they were before the rows were (see build)
    oh := public.pg_tviews__objects_hash(m);
    EXECUTE format('SELECT %I.%I($1)', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).fr) INTO n USING force;
    PERFORM public.pg_tviews__refuse_changed_objects(m.entity, oh, public.pg_tviews__objects_hash(m));
    UPDATE public.pg_tview_meta mm SET last_refreshed_at = now(),
           objects_hash = public.pg_tviews__objects_hash(mm),
           last_error = CASE WHEN mm.last_error = public.pg_tviews__recompute_owed() THEN NULL ELSE mm.last_error END
     WHERE mm.entity = m.entity;
    -- recomputed: rows of tables dropped unnoticed are gone, and so is the health check's reason to report them
    UPDATE public.pg_tview_helpers h SET dropping = true WHERE h.entity = m.entity AND h.kind = 'trigger' AND h.on_table <> ''
       AND to_regclass(format('%I.%I', h.schema_name, h.on_table)) IS NULL;
    RETURN n;
END
$fn$;

-- What the full refreshes of these TVIEWs (given in their order) will read, locked in ACCESS SHARE mode as each one's owner
-- before the first of them takes its lock table: a transaction holding one of those relations exclusively is waited for
-- while the refresh holds no lock table (see the flush; a keyed writer of an earlier TVIEW would need that lock table).
CREATE OR REPLACE FUNCTION public.pg_tviews__lock_refresh_reads(ents text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    m public.pg_tview_meta;
    prev text;
BEGIN
    FOR m IN SELECT mm.* FROM unnest(ents) WITH ORDINALITY e(ent, i) JOIN public.pg_tview_meta mm ON mm.entity = e.ent ORDER BY e.i LOOP
        prev := public.pg_tviews__as_owner(m.owner, m.entity);
        BEGIN
            EXECUTE format('LOCK TABLE %I.%I IN ACCESS SHARE MODE', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv);
        EXCEPTION WHEN insufficient_privilege OR undefined_table THEN
            NULL;     -- (its own refresh reports what is wrong)
        END;
        PERFORM public.pg_tviews__restore_role(prev);
    END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_refresh(tview text, force boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    m public.pg_tview_meta;
    d record;
    total bigint := 0;
    t0 timestamptz := clock_timestamp();
    done text[] := '{}';
    deps text[];
    prev text;
BEGIN
    PERFORM public.pg_tviews__not_null('tview', tview, 'force', force::text);
    m := public.pg_tviews__resolve(tview);
    -- dependents the caller may operate on are recomputed too (the others follow through their triggers)
    deps := ARRAY(SELECT x.entity FROM public.pg_tviews__dependents(m.entity) x JOIN public.pg_tview_meta mm ON mm.entity = x.entity
                   WHERE public.pg_tviews__member(mm.owner)
                   ORDER BY public.pg_tviews__flush_rank(x.depth, x.entity) COLLATE "C", x.entity);    -- (the flushes' order: pg_tviews_refresh_all)
    PERFORM public.pg_tviews__lock_refresh_reads(m.entity || deps);
    prev := public.pg_tviews__as_owner(m.owner, m.entity);
    total := public.pg_tviews__full(m, force);
    PERFORM public.pg_tviews__restore_role(prev);
    FOR d IN SELECT x.entity, mm.owner FROM unnest(deps) WITH ORDINALITY x(entity, i) JOIN public.pg_tview_meta mm ON mm.entity = x.entity
              ORDER BY x.i LOOP
        prev := public.pg_tviews__as_owner(d.owner, d.entity);
        total := total + public.pg_tviews__full((SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = d.entity), false);
        PERFORM public.pg_tviews__restore_role(prev);
        done := done || d.entity;
    END LOOP;
    PERFORM public.pg_tviews__audit('REFRESH', m.entity, jsonb_build_object('force', force, 'dependents', to_jsonb(done),
            'duration_ms', round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 3)), total);
    RETURN total;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_refresh_all() RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    r record;
    ord text[] := '{}';
    total bigint := 0;
    t0 timestamptz := clock_timestamp();
    res jsonb;
    prev text;
    skipped text[] := '{}';
    others text[] := '{}';
    todo text[] := '{}';
    m public.pg_tview_meta;
BEGIN
    FOR r IN SELECT o.entity, mm.owner, public.pg_tviews__relid(mm.schema_name, mm.table_name) IS NULL AS gone
               FROM public.pg_tviews__order() o JOIN public.pg_tview_meta mm ON mm.entity = o.entity
              WHERE public.pg_tviews__member(mm.owner)      -- the TVIEWs the caller may operate on
              -- (in the order of every flush, which keeps each TVIEW's lock table: 0.3.9 went by name and deadlocked with
              -- a writer's COMMIT)
              ORDER BY public.pg_tviews__flush_rank(o.depth, o.entity) COLLATE "C", o.entity LOOP
        IF r.gone THEN
            -- no table (the health check reports it; pg_tviews_reinstall_triggers recreates it): skipped, so that a
            -- catalog row any owner may write cannot stop everyone else's refresh
            skipped := skipped || r.entity;
            CONTINUE;
        END IF;
        IF public.pg_tviews__foreign_to_session(r.owner) THEN
            others := others || r.entity;      -- another role's, in a superuser's session: that role refreshes them
            CONTINUE;
        END IF;
        todo := todo || r.entity;
    END LOOP;
    PERFORM public.pg_tviews__lock_refresh_reads(todo);
    FOR m IN SELECT mm.* FROM unnest(todo) WITH ORDINALITY e(ent, i) JOIN public.pg_tview_meta mm ON mm.entity = e.ent ORDER BY e.i LOOP
        prev := public.pg_tviews__as_owner(m.owner, m.entity);
        total := total + public.pg_tviews__full(m, false);
        PERFORM public.pg_tviews__restore_role(prev);
        ord := ord || m.table_name;
    END LOOP;
    res := jsonb_build_object('refreshed_count', cardinality(ord), 'order', to_jsonb(ord), 'rows_changed', total,
                              'duration_ms', round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 3))
           || CASE WHEN cardinality(skipped) > 0 THEN jsonb_build_object('skipped_without_table', to_jsonb(skipped)) ELSE '{}' END
           || CASE WHEN cardinality(others) > 0 THEN jsonb_build_object('skipped_other_owners', to_jsonb(others)) ELSE '{}' END;
    PERFORM public.pg_tviews__audit('REFRESH', NULL, res || jsonb_build_object('all', true), total);
    RETURN res;
END
$fn$;

-- Compare table and definition view in one statement (hash full join on the key, ACCESS SHARE only).
CREATE OR REPLACE FUNCTION public.pg_tviews__diff(m public.pg_tview_meta,
    OUT missing bigint, OUT extra bigint, OUT different bigint, OUT keys text[], OUT checked_rows bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    tv regclass := to_regclass(format('%I.%I', m.schema_name, m.table_name));
    de text;
    saved jsonb;
    r jsonb;
BEGIN
    IF tv IS NULL THEN
        RAISE EXCEPTION 'table %.% of TVIEW % does not exist', m.schema_name, m.table_name, m.entity USING ERRCODE = '42P01',
            HINT = format('SELECT pg_tviews_convert_existing_table(%L) recreates it.', m.entity);
    END IF;
    PERFORM public.pg_tviews__ensure_def_view(m);
    de := public.pg_tviews__columns_mismatch(public.pg_tviews__relid(m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).dv), tv);
    IF de IS NOT NULL THEN
        RAISE EXCEPTION 'table %.% of TVIEW % does not have the columns of its query', m.schema_name, m.table_name, m.entity
            USING ERRCODE = '42804', DETAIL = de || '.',
            HINT = 'Give the table its query''s columns back (ALTER TABLE), then pg_tviews_refresh; or drop the TVIEW and create it again.';
    END IF;
    de := public.pg_tviews__distinct_expr(tv, m.key_column, 'q', 't');
    -- the query under the settings the TVIEW's values are computed with (put back afterwards)
    saved := public.pg_tviews__current_settings();
    PERFORM set_config(x.k, x.v, true) FROM jsonb_each_text(coalesce(m.settings, '{}')) x(k, v)
      WHERE x.k = ANY(public.pg_tviews__setting_names());
    r := public.pg_tviews__owner_exec(m.schema_name, m.entity, m.table_name, format($q$
        SELECT jsonb_build_object(
               'missing', count(*) FILTER (WHERE t.pg_tviews_in IS NULL),
               'extra', count(*) FILTER (WHERE q.pg_tviews_in IS NULL),
               'different', count(*) FILTER (WHERE q.pg_tviews_in AND t.pg_tviews_in AND %1$s),
               'keys', coalesce(to_jsonb(array_agg(coalesce(q.%2$I, t.%2$I)::text) FILTER (WHERE t.pg_tviews_in IS NULL OR q.pg_tviews_in IS NULL OR %1$s)), '[]'),
               'checked', count(*))
          FROM (SELECT true AS pg_tviews_in, * FROM %3$I.%6$I x) q
          FULL JOIN (SELECT true AS pg_tviews_in, * FROM %3$I.%5$I) t ON q.%2$I = t.%2$I
    $q$, de, m.key_column, m.schema_name, NULL, m.table_name, (public.pg_tviews__names(m.entity, m.table_name)).dv));
    missing := (r->>'missing')::bigint; extra := (r->>'extra')::bigint; different := (r->>'different')::bigint;
    keys := ARRAY(SELECT jsonb_array_elements_text(r->'keys')); checked_rows := (r->>'checked')::bigint;
    PERFORM set_config(x.k, x.v, true) FROM jsonb_each_text(saved) x(k, v) WHERE m.settings ? x.k;
    keys := coalesce(keys, '{}');
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_check_consistency(tview text)
RETURNS TABLE(missing bigint, extra bigint, different bigint, sample_keys text[], checked_rows bigint, duration_ms numeric)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    m public.pg_tview_meta;
    r record;
    t0 timestamptz := clock_timestamp();
    prev text;
BEGIN
    PERFORM public.pg_tviews__not_null('tview', tview);
    m := public.pg_tviews__resolve(tview);
    prev := public.pg_tviews__as_owner(m.owner, m.entity);
    r := public.pg_tviews__diff(m);
    PERFORM public.pg_tviews__restore_role(prev);
    missing := r.missing; extra := r.extra; different := r.different;
    sample_keys := r.keys[1:10]; checked_rows := r.checked_rows;
    duration_ms := round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 3);
    RETURN NEXT;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_repair(tview text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    m public.pg_tview_meta;
    r record;
    n bigint := 0;
    prev text;
BEGIN
    PERFORM public.pg_tviews__not_null('tview', tview);
    m := public.pg_tviews__resolve(tview);
    prev := public.pg_tviews__as_owner(m.owner, m.entity);
    r := public.pg_tviews__diff(m);
    IF cardinality(r.keys) > 0 THEN
        IF to_regprocedure(format('%I.%I(%s[])', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).rk, public.pg_tviews__key_ctype(m.key_type))) IS NULL THEN
            PERFORM public.pg_tviews__install_objects(m.entity);
        END IF;
        EXECUTE format('SELECT %I.%I($1::%s[])', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).rk, public.pg_tviews__key_ctype(m.key_type))
           INTO n USING r.keys;
    END IF;
    -- (counts only: every role reads the log, and the keys are the TVIEW's data)
    PERFORM public.pg_tviews__audit('REPAIR', m.entity, jsonb_build_object('missing', r.missing, 'extra', r.extra,
            'different', r.different), n);
    PERFORM public.pg_tviews__restore_role(prev);
    RETURN n;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Operations
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.pg_tviews__reinstall_one(ent text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    m public.pg_tview_meta;
    prev text;
BEGIN
    SELECT * INTO m FROM public.pg_tview_meta WHERE entity = ent;
    prev := public.pg_tviews__as_owner(m.owner, m.entity);
    IF to_regclass(format('%I.%I', m.schema_name, m.table_name)) IS NULL THEN
        -- the table is gone (e.g. DROP TABLE ... CASCADE): rebuild it from the catalog
        PERFORM public.pg_tviews__convert(m.entity);
    ELSE
        PERFORM public.pg_tviews__ensure_def_view(m);
        PERFORM public.pg_tviews__install_objects(ent);
        PERFORM public.pg_tviews__full((SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = ent), false);
    END IF;
    PERFORM public.pg_tviews__restore_role(prev);
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_reinstall_triggers(tview text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    r record;
    m public.pg_tview_meta;
    only_ent text;
    n int := 0;
    err text;
BEGIN
    IF tview IS NOT NULL THEN
        only_ent := (public.pg_tviews__resolve(tview)).entity;
    END IF;
    FOR r IN SELECT o.entity FROM public.pg_tviews__order() o JOIN public.pg_tview_meta mm ON mm.entity = o.entity
              WHERE (only_ent IS NULL AND public.pg_tviews__member(mm.owner) AND NOT public.pg_tviews__foreign_to_session(mm.owner))
                 OR o.entity = only_ent ORDER BY public.pg_tviews__flush_rank(o.depth, o.entity) COLLATE "C", o.entity LOOP
        err := NULL;
        BEGIN
            PERFORM public.pg_tviews__retry_transient(r.entity, 'pg_tviews__reinstall_one', 5);
        EXCEPTION WHEN OTHERS THEN
            IF only_ent IS NOT NULL THEN
                RAISE;
            END IF;
            err := SQLERRM;
        END;
        IF err IS NOT NULL THEN
            -- reinstalling all: one broken TVIEW (e.g. its source was dropped) does not stop the others
            UPDATE public.pg_tview_meta SET last_error = 'reinstall: ' || err WHERE entity = r.entity;
            RAISE WARNING 'TVIEW %: %', r.entity, err;
            CONTINUE;
        END IF;
        PERFORM public.pg_tviews__audit('REINSTALL', r.entity, jsonb_build_object('runtime_version', public.pg_tviews_version()), NULL);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$fn$;

-- Adopt a table as a TVIEW with an explicit query (the table must have exactly the query's columns).
CREATE OR REPLACE FUNCTION public.pg_tviews__convert_with_query(name text, query text, options jsonb)
RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    p record;
    prev text;
    res text;
BEGIN
    PERFORM public.pg_tviews__not_null('name', name, 'query', query);
    p := public.pg_tviews__parse(name);
    IF to_regclass(format('%I.%I', p.schema_name, p.table_name)) IS NULL THEN
        RAISE EXCEPTION 'table %.% does not exist', p.schema_name, p.table_name USING ERRCODE = '42P01';
    END IF;
    -- adopted as its table's owner: the query then runs with that role's privileges
    prev := public.pg_tviews__as_owner(pg_get_userbyid((SELECT relowner FROM pg_class WHERE oid = format('%I.%I', p.schema_name, p.table_name)::regclass)),
                                       format('%I.%I', p.schema_name, p.table_name));
    IF EXISTS (SELECT 1 FROM public.pg_tview_meta mm WHERE mm.entity = p.entity AND NOT public.pg_tviews__member(mm.owner)) THEN
        RAISE EXCEPTION 'permission denied for TVIEW %', p.entity USING ERRCODE = '42501';
    END IF;
    PERFORM public.pg_tviews__drop_objects(p.entity);
    res := public.pg_tviews__build(p.schema_name, p.table_name, p.entity, query, coalesce(options, '{}'), 'CONVERT', true);
    PERFORM public.pg_tviews__restore_role(prev);
    RETURN res;
END
$fn$;

-- Re-register (or recreate) a TVIEW table from what is known about it: its pg_tview_meta row, else
-- the definition recorded in the table's comment, else the last CREATE/REBUILD/CONVERT audit row.
CREATE OR REPLACE FUNCTION public.pg_tviews__convert(name text)
RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    sch text;
    tbl text;
    ent text;
    m public.pg_tview_meta;
    cmt text;
    def jsonb;
    p record;
    prev text;
    res text;
BEGIN
    PERFORM public.pg_tviews__not_null('name', name);
    BEGIN
        m := public.pg_tviews__resolve(name);
    EXCEPTION WHEN undefined_object THEN
        m := NULL;
    END;
    IF m.entity IS NOT NULL THEN
        sch := m.schema_name; tbl := m.table_name; ent := m.entity;
        -- the qualified definition: it resolves the same names whatever the caller's search_path
        def := jsonb_build_object('definition', coalesce(m.qualified_definition, m.definition), 'options', m.options);
    ELSE
        p := public.pg_tviews__parse(name);
        sch := p.schema_name; tbl := p.table_name; ent := p.entity;
        cmt := obj_description(to_regclass(format('%I.%I', sch, tbl)), 'pg_class');
        IF cmt LIKE 'TVIEW {%' THEN
            def := substr(cmt, 7)::jsonb;
        ELSE
            SELECT jsonb_build_object('definition', details->>'definition', 'options', coalesce(details->'options', '{}'))
              INTO def FROM public.pg_tview_audit_log
             WHERE entity = ent AND operation IN ('CREATE', 'REBUILD', 'CONVERT', 'ALTER') AND details ? 'definition'
               AND details->>'table' = format('%I.%I', sch, tbl)
             ORDER BY log_id DESC LIMIT 1;
        END IF;
    END IF;
    IF def IS NULL OR def->>'definition' IS NULL THEN
        RAISE EXCEPTION 'no TVIEW definition is known for "%"', name USING ERRCODE = '42704',
            HINT = 'Use pg_tviews_convert_existing_table(name, query, options) to adopt the table with its query, or restore pg_tview_meta from a backup.';
    END IF;
    -- the definition (from the catalog, or from the table's comment) runs only as the TVIEW's owner: the
    -- table's owner, or the catalog row's owner when the table is gone; never as the caller
    prev := public.pg_tviews__as_owner(coalesce(pg_get_userbyid((SELECT relowner FROM pg_class WHERE oid = to_regclass(format('%I.%I', sch, tbl)))),
                                                m.owner, current_user), format('%I.%I', sch, tbl));
    IF m.entity IS NOT NULL AND NOT public.pg_tviews__member(m.owner) THEN
        RAISE EXCEPTION 'permission denied for TVIEW %', ent USING ERRCODE = '42501';
    END IF;
    PERFORM public.pg_tviews__drop_objects(ent);
    IF to_regclass(format('%I.%I', sch, tbl)) IS NULL THEN
        UPDATE public.pg_tview_meta SET dropping = true WHERE entity = ent;
        res := public.pg_tviews__build(sch, tbl, ent, def->>'definition', def->'options', 'CONVERT');
    ELSE
        res := public.pg_tviews__build(sch, tbl, ent, def->>'definition', def->'options', 'CONVERT', true);
    END IF;
    PERFORM public.pg_tviews__restore_role(prev);
    RETURN res;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_show_cascade_path(tview text)
RETURNS TABLE(depth int, entity text, table_name text, path text) LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
DECLARE
    m public.pg_tview_meta;
BEGIN
    PERFORM public.pg_tviews__not_null('tview', tview);
    m := public.pg_tviews__resolve(tview);
    RETURN QUERY
        SELECT 0, m.entity, format('%I.%I', m.schema_name, m.table_name),
               coalesce((SELECT string_agg(format('%I.%I', d->>'schema', d->>'table'), ', ') FROM jsonb_array_elements(m.dependencies) d), '')
               || ' -> ' || m.table_name
        UNION ALL
        SELECT cardinality(x.path) - 1, x.entity, format('%I.%I', mm.schema_name, mm.table_name),
               (SELECT string_agg(coalesce((SELECT m3.table_name FROM public.pg_tview_meta m3 WHERE m3.entity = e), e), ' -> ' ORDER BY o)
                  FROM unnest(x.path) WITH ORDINALITY u(e, o))
          FROM public.pg_tviews__dependents(m.entity) x JOIN public.pg_tview_meta mm ON mm.entity = x.entity
        ORDER BY 1, 2;
END
$fn$;

-- The triggers a source must carry, on itself and on every inheritance child and partition
-- (partitions carry the clones of the parent's row triggers, under the same name).
CREATE OR REPLACE FUNCTION public.pg_tviews__expected_triggers(ent text, tbl text, d jsonb)
RETURNS TABLE(sch text, tbl text, trg text) LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE tree(oid) AS (SELECT public.pg_tviews__relid(d->>'schema', d->>'table')::oid
                                 UNION SELECT i.inhrelid FROM tree JOIN pg_inherits i ON i.inhparent = tree.oid)
    SELECT n.nspname::text, c.relname::text, (public.pg_tviews__names(ent, tbl)).trg_prefix || sfx
      FROM tree JOIN pg_class c ON c.oid = tree.oid JOIN pg_namespace n ON n.oid = c.relnamespace
     CROSS JOIN LATERAL unnest(CASE WHEN d->>'kind' = 'full' THEN ARRAY['_iud', '_trn']
                                    WHEN d->>'relkind' = 'p' THEN ARRAY['_row', '_trn']
                                    ELSE ARRAY['_ins', '_upd', '_del', '_trn'] END) sfx
$$;

-- Whether the TVIEW's maintenance can still run as its owner (NULL) or the error it meets: its query (the privileges on
-- every table, view and function it reads, each view's as its owner) and its statements on its table, queue and lock
-- table (privileges, rules, a publication without a replica identity), planned as the owner with EXPLAIN, which checks
-- all that and runs nothing. (Since 0.3.25; hunt 15: a REVOKE of EXECUTE or SELECT on what the query reads, of the
-- owner's own privileges on its table, or ALTER TABLE … OWNER TO failed every write under an OK health check.)
CREATE OR REPLACE FUNCTION public.pg_tviews__probe(m public.pg_tview_meta) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    nm record := public.pg_tviews__names(m.entity, m.table_name);
    tv constant text := format('%I.%I', m.schema_name, m.table_name);
    lk constant text := format('%I.%I', m.schema_name, nm.lk);
    k constant text := quote_ident(m.key_column);
    prev text;
    q text;
BEGIN
    prev := public.pg_tviews__as_owner(m.owner, m.entity);
    FOREACH q IN ARRAY ARRAY[
        format('SELECT * FROM %I.%I', m.schema_name, nm.dv),
        format('INSERT INTO %s SELECT * FROM %s WHERE false ON CONFLICT (%s) DO UPDATE SET %s = EXCLUDED.%s', tv, tv, k, k, k),
        format('UPDATE %s SET %s = %s WHERE false', tv, k, k),
        format('DELETE FROM %s WHERE false RETURNING %s', tv, k),
        format('INSERT INTO %I.%I (scope, vals) VALUES (''all'', ''{}'')', m.schema_name, nm.q),
        format('DELETE FROM %I.%I WHERE false RETURNING scope', m.schema_name, nm.q),
        format('INSERT INTO %s (scope, val) VALUES (''all'', ''*'') ON CONFLICT (scope, val) DO UPDATE SET n = EXCLUDED.n + 1', lk),
        format('DELETE FROM %s WHERE false', lk)] LOOP
        PERFORM public.pg_tviews__owner_exec(m.schema_name, m.entity, m.table_name, 'EXPLAIN (FORMAT JSON, COSTS OFF) ' || q);
    END LOOP;
    PERFORM public.pg_tviews__restore_role(prev);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN format('%s (%s)', SQLERRM, SQLSTATE);
END
$fn$;

-- What a TVIEW's owner lacks on one of its sources for its maintenance (NULL: nothing): the source owner's privileges
-- (its triggers are dropped and recreated, since 0.3.25 required at create), USAGE on its schema, SELECT on it. Granted at
-- create; a REVOKE or a membership removed later fails every write to the source.
CREATE OR REPLACE FUNCTION public.pg_tviews__owner_lacks(owner name, src oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT nullif(concat_ws(', ',
               CASE WHEN NOT pg_has_role(owner, c.relowner, 'USAGE') THEN format('no longer has the privileges of %I.%I''s owner %I', n.nspname, c.relname, r.rolname) END,
               CASE WHEN NOT has_schema_privilege(owner, c.relnamespace, 'USAGE') THEN format('may no longer use schema %I', n.nspname) END,
               CASE WHEN NOT has_table_privilege(owner, src, 'SELECT') THEN format('may no longer read %I.%I', n.nspname, c.relname) END), '')
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner WHERE c.oid = src
$$;

-- The health check of one TVIEW (entity, as in pg_tview_meta.entity) and of the runtime: the rows of
-- pg_tviews_health_check() that concern the runtime as a whole and this TVIEW (components <kind>:<entity>...). Its cost
-- does not grow with the number of TVIEWs, as the whole check's does (the operator calls it on every reconcile).
-- NULL: every TVIEW the caller may act for, which is pg_tviews_health_check().
-- The runtime's triggers and functions that belong to no TVIEW (catalog rows deleted by hand, a drop interrupted, an
-- earlier version's leftovers), each with the statement that drops it: the health check's 'orphans' row, and what the
-- runbook drops (since 0.3.30; the runbook repeated the query before, and missed the owner's statement runner)
CREATE OR REPLACE FUNCTION public.pg_tviews_orphans() RETURNS TABLE(object text, drop_statement text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('trigger %I on %I.%I', t.tgname, n.nspname, c.relname), format('DROP TRIGGER %I ON %I.%I', t.tgname, n.nspname, c.relname)
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgname LIKE E'pg\\_tviews\\_%'
       AND NOT EXISTS (SELECT 1 FROM public.pg_tview_helpers h JOIN public.pg_tview_meta mm ON mm.entity = h.entity
                        WHERE h.kind = 'trigger' AND h.object_name = t.tgname AND h.schema_name = n.nspname AND h.on_table = c.relname)
    UNION ALL
    SELECT format('function %I.%I', n.nspname, p.proname), format('DROP FUNCTION %s', p.oid::regprocedure)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.proname LIKE E'pg\\_tviews\\_%' AND p.proname ~ '_(rk|fr|ft|trg)$'
       AND NOT EXISTS (SELECT 1 FROM public.pg_tview_helpers h JOIN public.pg_tview_meta mm ON mm.entity = h.entity
                        WHERE h.kind = 'function' AND h.object_name = p.proname AND h.schema_name = n.nspname)
    UNION ALL
    -- (an owner's statement runner, pg_tviews__owner_exec: made when first needed, not registered)
    SELECT format('function %I.%I', n.nspname, p.proname), format('DROP FUNCTION %s', p.oid::regprocedure)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.proname LIKE E'pg\\_tviews\\_%\\_ex' AND p.prosecdef
       AND NOT EXISTS (SELECT 1 FROM public.pg_tview_meta mm
                        WHERE mm.schema_name = n.nspname AND left((public.pg_tviews__names(mm.entity, mm.table_name)).fr, -3) || '_ex' = p.proname)
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews_health_check(entity text)
RETURNS TABLE(status text, component text, message text, severity text) LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $fn$
#variable_conflict use_column
DECLARE
    only_entity constant text := pg_tviews_health_check.entity;
    m public.pg_tview_meta;
    cols text;
    d jsonb;
    n int;
    bad text;
    nm record;
    cur text;
    a jsonb;
    src oid;
BEGIN
    status := 'OK'; component := 'runtime_version'; severity := 'info';
    message := 'TVIEW runtime ' || public.pg_tviews_version() || ' installed';
    SELECT string_agg(entity || '=' || coalesce(runtime_version, '?'), ', ') INTO bad
      FROM public.pg_tview_meta WHERE runtime_version IS DISTINCT FROM public.pg_tviews_version();
    IF bad IS NOT NULL THEN
        status := 'WARNING'; severity := 'warning';
        message := message || '; TVIEWs generated by another version: ' || bad || ' (run pg_tviews_reinstall_triggers())';
    END IF;
    RETURN NEXT;

    component := 'runtime_objects';
    -- what generated maintenance code calls (runtime 0.3)
    SELECT string_agg(x, ', ') INTO bad FROM unnest(ARRAY[
        'public.pg_tviews__flush_all(boolean)', 'public.pg_tviews__flush_fn(text)', 'public.pg_tviews__flush_target(text)', 'public.pg_tviews__lock_reads(text)',
        'public.pg_tviews__locked_reads(text)',
        'public.pg_tviews__no_dup(text,text,text,boolean)', 'public.pg_tviews__null_key_check(text,regclass)']) x
     WHERE to_regprocedure(x) IS NULL;
    IF to_regclass('public.pg_tviews_metadata') IS NULL THEN
        bad := concat_ws(', ', bad, 'view public.pg_tviews_metadata');
    END IF;
    IF bad IS NULL THEN
        status := 'OK'; severity := 'info'; message := 'runtime functions and tables present';
    ELSE
        status := 'ERROR'; severity := 'critical';
        message := 'runtime objects missing: ' || bad || ' (writes to TVIEW sources fail; re-run the installer tviews.sql)';
    END IF;
    RETURN NEXT;

    component := 'session_replication_role';
    IF current_setting('session_replication_role') = 'replica' THEN
        status := 'ERROR'; severity := 'critical';
        message := 'session_replication_role = replica in this session: TVIEW triggers do not fire and writes made like this leave TVIEWs stale (SET session_replication_role = origin, then pg_tviews_refresh_all())';
    ELSE
        status := 'OK'; severity := 'info'; message := 'session_replication_role = ' || current_setting('session_replication_role');
    END IF;
    RETURN NEXT;

    component := 'ddl_watch';
    IF EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_tviews_ddl' AND evtenabled IN ('O', 'A')) THEN
        status := 'OK'; severity := 'info'; message := 'source DDL regenerates the TVIEWs that read the table (event trigger pg_tviews_ddl)';
    ELSE
        status := 'WARNING'; severity := 'warning';
        message := 'no enabled event trigger pg_tviews_ddl (the installer was not a superuser): after DDL on a source run pg_tviews_reinstall_triggers()';
    END IF;
    RETURN NEXT;

    status := 'OK'; component := 'metadata'; severity := 'info';
    SELECT count(*) INTO n FROM public.pg_tview_meta;
    message := n || ' TVIEW(s) registered';
    RETURN NEXT;

    IF only_entity IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.pg_tview_meta mm WHERE mm.entity = only_entity) THEN
        RAISE EXCEPTION 'no TVIEW %', quote_literal(only_entity) USING ERRCODE = '42704',
            HINT = 'Name it as pg_tview_meta.entity does (SELECT entity FROM pg_tviews_metadata), or call pg_tviews_health_check() for all.';
    END IF;
    SELECT count(*) INTO n FROM public.pg_tview_meta mm
     WHERE NOT public.pg_tviews__member(mm.owner) AND (only_entity IS NULL OR mm.entity = only_entity);
    IF n > 0 THEN
        status := 'OK'; component := 'other_owners'; severity := 'info';
        message := n || ' TVIEW(s) of roles that ' || current_user || ' is not a member of are not checked here (their owners or a superuser check them)';
        RETURN NEXT;
    END IF;
    -- (shown to the members of the role that owns its table, which is the renamed role, and to superusers)
    FOR m IN SELECT * FROM public.pg_tview_meta mm WHERE pg_catalog.to_regrole(quote_ident(mm.owner)) IS NULL AND (only_entity IS NULL OR mm.entity = only_entity)
                AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = public.pg_tviews__relid(mm.schema_name, mm.table_name) AND pg_has_role(c.relowner, 'MEMBER'))
              ORDER BY mm.entity LOOP
        component := 'owner:' || m.entity; status := 'ERROR'; severity := 'critical';
        message := format('its owner role %I no longer exists (ALTER ROLE … RENAME, DROP ROLE): nobody can refresh, reinstall or drop it; a superuser names the role that owns its table: UPDATE pg_tview_meta SET owner = %L WHERE entity = %L',
                          m.owner, (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE c.oid = public.pg_tviews__relid(m.schema_name, m.table_name)),
                          m.entity);
        RETURN NEXT;
    END LOOP;
    FOR m IN SELECT * FROM public.pg_tview_meta mm WHERE public.pg_tviews__member(mm.owner) AND (only_entity IS NULL OR mm.entity = only_entity)
              ORDER BY mm.entity LOOP
        component := 'tview:' || m.entity;
        nm := public.pg_tviews__names(m.entity, m.table_name);
        IF to_regclass(format('%I.%I', m.schema_name, m.table_name)) IS NULL THEN
            status := 'ERROR'; severity := 'critical';
            message := format('table %I.%I is missing; run pg_tviews_reinstall_triggers(%L)', m.schema_name, m.table_name, m.entity);
            RETURN NEXT;
            CONTINUE;
        END IF;
        status := 'OK'; severity := 'info'; message := format('table %I.%I exists', m.schema_name, m.table_name);
        bad := public.pg_tviews__lossy_settings(m.entity);
        cols := nullif(concat_ws('; ', public.pg_tviews__columns_mismatch(public.pg_tviews__relid(m.schema_name, nm.dv),
                                                                          format('%I.%I', m.schema_name, m.table_name)::regclass),
                                       public.pg_tviews__table_shape(format('%I.%I', m.schema_name, m.table_name)::regclass, m.key_column),
                                       public.pg_tviews__other_owner(m, public.pg_tviews__relid(m.schema_name, m.table_name))), '');
        IF m.last_error LIKE 'ddl:%' THEN
            status := 'ERROR'; severity := 'critical';
            message := format('%s; its rows may be behind its sources: run pg_tviews_refresh(%L)', substr(m.last_error, 6), m.entity);
        ELSIF m.last_error IS NOT NULL THEN
            status := 'ERROR'; severity := 'critical';
            message := format('last regeneration failed: %s; run pg_tviews_reinstall_triggers(%L)', m.last_error, m.entity);
        ELSIF EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = format('%I.%I', m.schema_name, m.table_name)::regclass AND c.relpersistence = 'u') THEN
            status := 'ERROR'; severity := 'critical';
            message := format('table %I.%I is unlogged: crash recovery empties it and a standby never has its rows; ALTER TABLE ... SET LOGGED, then pg_tviews_refresh(%L)',
                              m.schema_name, m.table_name, m.entity);
        ELSIF cols IS NOT NULL THEN
            status := 'ERROR'; severity := 'critical';
            message := format('table %I.%I lacks what its maintenance needs (%s): writes to its sources fail or its rows are not the query''s; give it back (the query''s columns, a unique index on the key, the TVIEW''s owner; no parent, child, type, rule, identity column or BEFORE row trigger), then pg_tviews_refresh(%L)',
                              m.schema_name, m.table_name, cols, m.entity);
        ELSIF m.objects_hash IS DISTINCT FROM public.pg_tviews__objects_hash(m) AND m.objects_hash IS NOT NULL
              AND to_regclass(format('%I.%I', m.schema_name, nm.dv)) IS NOT NULL THEN
            status := 'ERROR'; severity := 'critical';
            message := format('a function, type, view, text search configuration or row-level security policy its query uses changed since its rows were computed (a replaced function, a renamed enum value or attribute, a redefined view, a dropped policy): they may be stale; run pg_tviews_refresh(%L)', m.entity);
        ELSIF bad IS NOT NULL THEN
            -- (created before 0.3.20, which refuses them)
            status := 'ERROR'; severity := 'critical';
            message := format('%s: its rows may be wrong; recreate it with readable settings (pg_tviews_create_or_replace with options.settings {"extra_float_digits": "1", "DateStyle": "ISO, DMY"})',
                              bad);
        END IF;
        RETURN NEXT;

        component := 'definition:' || m.entity;
        cur := NULL;
        IF to_regclass(format('%I.%I', m.schema_name, nm.dv)) IS NOT NULL THEN
            cur := regexp_replace(public.pg_tviews__viewdef(format('%I.%I', m.schema_name, nm.dv)::regclass), E'[;\\s]+$', '');
        END IF;
        a := NULL;
        IF cur IS NULL THEN
            status := 'ERROR'; severity := 'critical';
            message := format('definition view %I.%I is missing (a source was dropped with CASCADE?); run pg_tviews_reinstall_triggers(%L)', m.schema_name, nm.dv, m.entity);
        ELSIF cur IS DISTINCT FROM m.qualified_definition OR md5(cur) IS DISTINCT FROM m.definition_hash THEN
            status := 'ERROR'; severity := 'critical';
            message := format('the definition changed under the TVIEW (a source column renamed, or the catalog row edited): maintenance may fail or be wrong; run pg_tviews_reinstall_triggers(%L)', m.entity);
        ELSE
            BEGIN
                a := public.pg_tviews__analyze_view(m.schema_name, m.table_name, m.entity, format('%I.%I', m.schema_name, nm.dv)::regclass, m.options, false);
                IF jsonb_array_length(a->'refused') > 0 THEN
                    status := 'ERROR'; severity := 'critical';
                    message := 'changes of ' || (SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(a->'refused') x) || ' can no longer be traced to keys';
                ELSIF (SELECT jsonb_agg(x ORDER BY x->>'schema', x->>'table') FROM jsonb_array_elements(a->'dependencies') x)
                      IS DISTINCT FROM (SELECT jsonb_agg(x ORDER BY x->>'schema', x->>'table') FROM jsonb_array_elements(m.dependencies) x) THEN
                    status := 'ERROR'; severity := 'critical';
                    message := format('pg_tview_meta.dependencies does not match the definition (catalog damaged or stale); run pg_tviews_reinstall_triggers(%L)', m.entity);
                ELSIF EXISTS (SELECT 1 FROM jsonb_array_elements_text(a->'settings_used') u WHERE NOT coalesce(m.settings, '{}') ? u) THEN
                    -- (a GIN index created while no event trigger watched: a writer's gin_fuzzy_search_limit cuts what
                    -- the maintenance finds; since 0.3.23)
                    status := 'ERROR'; severity := 'critical';
                    message := format('its maintenance does not pin settings its query now depends on (%s): a writer''s session may change what it finds; run pg_tviews_reinstall_triggers(%L)',
                                      (SELECT string_agg(u, ', ') FROM jsonb_array_elements_text(a->'settings_used') u WHERE NOT coalesce(m.settings, '{}') ? u), m.entity);
                ELSE
                    status := 'OK'; severity := 'info'; message := 'definition, catalog and lineage agree';
                END IF;
            EXCEPTION WHEN OTHERS THEN
                status := 'ERROR'; severity := 'critical';
                message := 'the definition can no longer be analysed: ' || SQLERRM;
            END;
        END IF;
        RETURN NEXT;

        component := 'functions:' || m.entity;
        SELECT string_agg(h.object_name, ', ') INTO bad FROM public.pg_tview_helpers h
         WHERE h.entity = m.entity AND h.kind = 'function'
           AND public.pg_tviews__helper_fn(h) IS NULL;
        SELECT string_agg(h.object_name, ', ') INTO cur FROM public.pg_tview_helpers h
          JOIN pg_proc pr ON pr.oid = public.pg_tviews__helper_fn(h)
         WHERE h.entity = m.entity AND h.kind = 'function'
           AND (md5(pr.prosrc) IS DISTINCT FROM h.code_hash OR NOT pr.prosecdef OR pg_get_userbyid(pr.proowner) <> m.owner);
        IF bad IS NOT NULL OR NOT EXISTS (SELECT 1 FROM public.pg_tview_helpers h WHERE h.entity = m.entity AND h.kind = 'function') THEN
            status := 'ERROR'; severity := 'critical';
            message := 'maintenance functions missing: ' || coalesce(bad, 'all') || format('; run pg_tviews_reinstall_triggers(%L)', m.entity);
        ELSIF cur IS NOT NULL THEN
            status := 'ERROR'; severity := 'critical';
            message := 'maintenance functions changed by hand (body, owner or SECURITY DEFINER differ from what was generated): ' || cur
                       || format('; run pg_tviews_reinstall_triggers(%L)', m.entity);
        ELSE
            status := 'OK'; severity := 'info'; message := 'maintenance functions present';
        END IF;
        RETURN NEXT;

        component := 'probe:' || m.entity;
        IF public.pg_tviews__foreign_to_session(m.owner) THEN
            status := 'OK'; severity := 'info';
            message := format('not probed: its maintenance is planned as its owner %I, which a superuser''s session does not do', m.owner);
        ELSE
            bad := public.pg_tviews__probe(m);
            IF bad IS NOT NULL THEN
                status := 'ERROR'; severity := 'critical';
                message := format('its maintenance, planned as its owner %I, fails: %s; every write to its sources fails until the cause is removed (a privilege given back, the table given back to its owner, a rule or publication dropped)',
                                  m.owner, bad);
            ELSE
                status := 'OK'; severity := 'info'; message := format('its maintenance plans as its owner %I', m.owner);
            END IF;
        END IF;
        RETURN NEXT;

        -- commit-time maintenance: the queue, the lock table and the queue's deferred flush trigger
        component := 'queue:' || m.entity;
        SELECT concat_ws(', ',
                   CASE WHEN to_regclass(format('%I.%I', m.schema_name, nx.q)) IS NULL THEN format('queue table %I.%I missing', m.schema_name, nx.q) END,
                   CASE WHEN to_regclass(format('%I.%I', m.schema_name, nx.lk)) IS NULL THEN format('lock table %I.%I missing', m.schema_name, nx.lk) END,
                   CASE WHEN to_regclass(format('%I.%I', m.schema_name, nx.q)) IS NOT NULL AND NOT EXISTS (
                            SELECT 1 FROM pg_trigger t WHERE t.tgrelid = to_regclass(format('%I.%I', m.schema_name, nx.q))
                               AND t.tgname = nx.trg_prefix || '_flush' AND t.tgenabled IN ('O', 'A'))
                        THEN format('flush trigger %I missing or disabled (changes would never reach the TVIEW)', nx.trg_prefix || '_flush') END)
          INTO bad
          FROM public.pg_tviews__names(m.entity, m.table_name) nx;
        IF bad <> '' THEN
            status := 'ERROR'; severity := 'critical';
            message := bad || format('; run pg_tviews_reinstall_triggers(%L)', m.entity);
        ELSE
            status := 'OK'; severity := 'info'; message := 'queue, lock table and flush trigger present';
        END IF;
        RETURN NEXT;

        -- every source of the definition (fresh analysis when available) has its triggers on itself and
        -- on every inheritance child / partition
        FOR d IN SELECT x FROM jsonb_array_elements(coalesce(a->'dependencies', m.dependencies)) x LOOP
            component := format('source:%s:%s.%s', m.entity, d->>'schema', d->>'table');
            src := public.pg_tviews__relid(d->>'schema', d->>'table');
            IF src IS NULL THEN
                status := 'ERROR'; severity := 'critical';
                message := format('source table %I.%I no longer exists; drop the TVIEW or recreate the source', d->>'schema', d->>'table');
                RETURN NEXT;
                CONTINUE;
            END IF;
            -- (a role change after the create: the maintenance runs as the owner, so writes to the source failed with 42501
            -- under an OK health check in 0.3.24; looked up without the schema's USAGE, which the owner may have lost)
            bad := public.pg_tviews__owner_lacks(m.owner, src);
            IF bad IS NOT NULL THEN
                status := 'ERROR'; severity := 'critical';
                message := format('its owner %I %s, which its maintenance runs with: writes to the source fail (42501) where the maintenance reads it, and regenerating or dropping the TVIEW fails; give them back, or recreate the TVIEW as a role that has them',
                                  m.owner, bad);
                RETURN NEXT;
                CONTINUE;
            END IF;
            SELECT string_agg(format('%I on %I.%I', x.trg, x.sch, x.tbl), ', ') FILTER (WHERE t.oid IS NULL),
                   string_agg(format('%I on %I.%I', x.trg, x.sch, x.tbl), ', ') FILTER (WHERE t.tgenabled NOT IN ('O', 'A'))
              INTO bad, cur
              FROM public.pg_tviews__expected_triggers(m.entity, m.table_name, d) x
              LEFT JOIN pg_trigger t ON t.tgrelid = public.pg_tviews__relid(x.sch, x.tbl) AND t.tgname = x.trg;
            IF bad IS NOT NULL THEN
                status := 'ERROR'; severity := 'critical';
                message := format('maintenance triggers missing on %s; run pg_tviews_reinstall_triggers(%L)', bad, m.entity);
            ELSIF cur IS NOT NULL THEN
                status := 'ERROR'; severity := 'critical';
                message := format('maintenance triggers disabled or set to fire only on replicas (ENABLE REPLICA): %s; ALTER TABLE ... ENABLE TRIGGER, then pg_tviews_refresh(%L)', cur, m.entity);
            ELSE
                status := 'OK'; severity := 'info';
                message := format('triggers present and enabled on %I.%I (lineage %s)', d->>'schema', d->>'table', d->>'kind');
            END IF;
            RETURN NEXT;
        END LOOP;
        -- a partition detached or a child disinherited while no event trigger watched: its rows are still in the TVIEW
        bad := public.pg_tviews__left_tables(m);
        IF bad IS NOT NULL THEN
            component := 'left:' || m.entity; status := 'ERROR'; severity := 'critical';
            message := format('%s left a source of this TVIEW (DETACH PARTITION, NO INHERIT) and its rows are still in it; run pg_tviews_reinstall_triggers(%L)', bad, m.entity);
            RETURN NEXT;
        END IF;
        -- a DETACH PARTITION ... CONCURRENTLY interrupted after its first phase: the partition is out of every query,
        -- its rows are still in the TVIEW, and no DDL command was completed for the event trigger to follow
        WITH RECURSIVE tree(oid) AS (
            SELECT public.pg_tviews__relid(dep->>'schema', dep->>'table') FROM jsonb_array_elements(m.dependencies) dep
            UNION SELECT i.inhrelid FROM tree JOIN pg_inherits i ON i.inhparent = tree.oid AND NOT i.inhdetachpending
        )
        SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') INTO bad
          FROM tree JOIN pg_inherits i ON i.inhparent = tree.oid AND i.inhdetachpending
          JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace;
        IF bad IS NOT NULL THEN
            component := 'detaching:' || m.entity; status := 'ERROR'; severity := 'critical';
            message := format('%s is being detached (DETACH PARTITION ... CONCURRENTLY did not finish): its rows are out of the source but still in this TVIEW; run ALTER TABLE ... DETACH PARTITION %s FINALIZE', bad, bad);
            RETURN NEXT;
        END IF;
        bad := public.pg_tviews__dropped_tables(m);
        IF bad IS NOT NULL THEN
            component := 'dropped:' || m.entity; status := 'ERROR'; severity := 'critical';
            message := format('%s carried this TVIEW''s triggers and was dropped while nothing followed it (no event trigger, or DDL by a role that cannot act as %I): its rows may still be in the TVIEW; run pg_tviews_refresh(%L)', bad, m.owner, m.entity);
            RETURN NEXT;
        END IF;
    END LOOP;

    component := 'orphans';
    SELECT string_agg(o.object, ', ') INTO bad FROM public.pg_tviews_orphans() o;
    IF bad IS NULL THEN
        status := 'OK'; severity := 'info'; message := 'no orphaned TVIEW triggers or functions';
    ELSE
        status := 'WARNING'; severity := 'warning'; message := 'orphaned: ' || bad || ' (pg_tviews_reinstall_triggers() re-registers those of existing TVIEWs; drop the others)';
    END IF;
    RETURN NEXT;

    component := 'unregistered_tables';
    SELECT string_agg(format('%I.%I', n2.nspname, c.relname), ', ') INTO bad
      FROM pg_class c JOIN pg_namespace n2 ON n2.oid = c.relnamespace
     WHERE c.relkind = 'r' AND obj_description(c.oid, 'pg_class') LIKE 'TVIEW {%'
       AND NOT EXISTS (SELECT 1 FROM public.pg_tview_meta mm WHERE mm.schema_name = n2.nspname AND mm.table_name = c.relname);
    IF bad IS NULL THEN
        status := 'OK'; severity := 'info'; message := 'every TVIEW table is registered in pg_tview_meta';
    ELSE
        status := 'ERROR'; severity := 'critical';
        message := 'TVIEW tables without metadata: ' || bad || ' (their owner runs pg_tviews_convert_existing_table(name), or restores pg_tview_meta from a backup)';
    END IF;
    RETURN NEXT;

    component := 'prepared_transactions';
    SELECT count(DISTINCT x.gid), string_agg(DISTINCT x.gid, ', ') INTO n, bad
      -- (a prepared transaction's locks carry its original backend's virtual transaction until a restart, '-1/<xid>' after:
      -- found through the lock on its transaction id)
      FROM pg_prepared_xacts x
      JOIN pg_locks t ON t.locktype = 'transactionid' AND t.transactionid = x.transaction AND t.pid IS NULL
      JOIN pg_locks l ON l.virtualtransaction = t.virtualtransaction AND l.pid IS NULL
     WHERE x.database = current_database()
       AND (l.locktype = 'advisory' OR (l.locktype = 'relation' AND l.relation IN (
               SELECT c.oid FROM pg_class c WHERE c.relname LIKE E'pg\\_tviews\\_%\\_lk' AND c.relkind = 'r')));
    IF n = 0 THEN
        SELECT count(*), string_agg(gid, ', ') INTO n, bad FROM pg_prepared_xacts WHERE prepared < now() - interval '1 hour' AND database = current_database();
        IF n = 0 THEN
            status := 'OK'; severity := 'info'; message := 'no prepared transaction holds TVIEW locks or is older than 1 hour';
        ELSE
            status := 'WARNING'; severity := 'warning';
            message := n || ' prepared transaction(s) older than 1 hour: ' || bad || ' (COMMIT PREPARED or ROLLBACK PREPARED them)';
        END IF;
    ELSE
        status := 'WARNING'; severity := 'warning';
        message := n || ' prepared transaction(s) hold TVIEW maintenance locks (writers of the same keys wait): ' || bad || ' (COMMIT PREPARED or ROLLBACK PREPARED them)';
    END IF;
    RETURN NEXT;

    component := 'statistics';
    IF current_setting('track_functions') IN ('pl', 'all') THEN
        status := 'OK'; severity := 'info'; message := 'track_functions = ' || current_setting('track_functions');
    ELSE
        status := 'WARNING'; severity := 'warning';
        message := 'track_functions = ' || current_setting('track_functions') || '; set it to pl for pg_tviews_performance_summary';
    END IF;
    RETURN NEXT;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_health_check()
RETURNS TABLE(status text, component text, message text, severity text) LANGUAGE sql SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on SET quote_all_identifiers = off SET gin_fuzzy_search_limit = 0 SET row_security = on AS $$
    SELECT * FROM public.pg_tviews_health_check(NULL::text)
$$;

-- Printed under fixed settings, in forms that read back the same under any: ISO dates and times (with their offset, UTC),
-- intervals with a sign on each field, floats to the digit. Key and join expressions are stored as this text and run
-- under the TVIEW's pinned settings, and the health check compares it; 0.3.23 printed under the session's, so a session
-- with DateStyle 'SQL, DMY' stored '01/02/2000'::date, which the pinned 'ISO, MDY' read as January 2 (hunt 12).
CREATE OR REPLACE FUNCTION public.pg_tviews__viewdef(v regclass) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET DateStyle = 'ISO, MDY' SET IntervalStyle = 'postgres' SET extra_float_digits = 1 SET TimeZone = 'UTC' SET bytea_output = 'hex'
AS $$ SELECT pg_get_viewdef(v) $$;

-- ---------------------------------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE VIEW public.pg_tviews_metadata WITH (security_invoker = true) AS
SELECT m.table_name AS entity_name, m.entity, m.schema_name, m.table_name, m.definition, m.key_column, m.key_type,
       array_to_string(m.dependent_on, ',') AS dependent_on, m.dependencies, m.options, m.last_error,
       m.last_refreshed_at, m.runtime_version, m.created_at, m.updated_at
  FROM public.pg_tview_meta m;
-- DELETE through the view (the seeds' runbooks unregister a TVIEW so) marks the row for deletion as the caller, whom
-- row-level security admits for its own rows only: roles have no DELETE on the catalog itself
CREATE OR REPLACE FUNCTION public.pg_tviews__metadata_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    UPDATE public.pg_tview_meta SET dropping = true WHERE entity = OLD.entity;
    RETURN CASE WHEN FOUND THEN OLD END;
END
$fn$;
DROP TRIGGER IF EXISTS pg_tview_metadata_delete ON public.pg_tviews_metadata;
CREATE TRIGGER pg_tview_metadata_delete INSTEAD OF DELETE ON public.pg_tviews_metadata
    FOR EACH ROW EXECUTE FUNCTION public.pg_tviews__metadata_delete();

-- Right now, per TVIEW: the changes queued by the calling transaction (NULL where it may not read the
-- queue), the sessions in or after a flush holding its lock table, lock waits on it, and prepared
-- transactions holding it (they keep their keys locked until COMMIT/ROLLBACK PREPARED).
CREATE VIEW public.pg_tviews_queue_realtime AS
SELECT m.entity, m.schema_name, m.table_name,
       public.pg_tviews__queued(x.q) AS pending_here,
       count(DISTINCT l.pid) FILTER (WHERE l.granted AND l.pid IS NOT NULL) AS flushing_sessions,
       count(l.*) FILTER (WHERE NOT l.granted) AS waiting_locks,
       count(DISTINCT l.virtualtransaction) FILTER (WHERE l.granted AND l.pid IS NULL AND l.locktype = 'relation') AS prepared_holders,
       now() AS sampled_at
  FROM public.pg_tview_meta m
 -- (found in the catalog, not through to_regclass: a schema the caller has no USAGE on would fail the whole view)
 CROSS JOIN LATERAL (SELECT public.pg_tviews__relid(m.schema_name, nm.q)::regclass AS q, public.pg_tviews__relid(m.schema_name, nm.lk) AS lk
                       FROM public.pg_tviews__names(m.entity, m.table_name) nm) x
  LEFT JOIN pg_locks l ON l.locktype IN ('relation', 'tuple') AND l.relation = x.lk
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
 GROUP BY m.entity, m.schema_name, m.table_name, x.q;

CREATE OR REPLACE FUNCTION public.pg_tviews_get_queue()
RETURNS SETOF public.pg_tviews_queue_realtime LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET row_security = on AS $$
    SELECT * FROM public.pg_tviews_queue_realtime
     WHERE pending_here > 0 OR flushing_sessions > 0 OR waiting_locks > 0 OR prepared_holders > 0;
$$;

CREATE OR REPLACE VIEW public.pg_tviews_performance_summary AS
SELECT m.entity, m.schema_name, m.table_name,
       coalesce(st.n_live_tup, 0) AS live_rows,
       coalesce(st.n_tup_ins, 0) AS rows_inserted,
       coalesce(st.n_tup_upd, 0) AS rows_updated,
       coalesce(st.n_tup_del, 0) AS rows_deleted,
       coalesce(f.calls, 0) AS maintenance_calls,
       coalesce(f.total_ms, 0)::numeric(20, 3) AS maintenance_total_ms,
       coalesce(f.self_ms, 0)::numeric(20, 3) AS maintenance_self_ms,
       CASE WHEN f.calls > 0 THEN (f.total_ms / f.calls)::numeric(20, 3) END AS avg_maintenance_ms,
       coalesce(a.refreshes, 0) AS full_refreshes,
       coalesce(a.repairs, 0) AS repairs,
       a.last_operation_at,
       m.last_refreshed_at
  FROM public.pg_tview_meta m
  LEFT JOIN pg_stat_user_tables st ON st.schemaname = m.schema_name AND st.relname = m.table_name
  LEFT JOIN LATERAL (
        SELECT sum(sf.calls) AS calls, sum(sf.total_time) AS total_ms, sum(sf.self_time) AS self_ms
          FROM public.pg_tview_helpers h
          JOIN pg_stat_user_functions sf ON sf.schemaname = h.schema_name AND sf.funcname = h.object_name
         WHERE h.entity = m.entity AND h.kind = 'function') f ON true
  LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE al.operation = 'REFRESH') AS refreshes,
               count(*) FILTER (WHERE al.operation = 'REPAIR') AS repairs,
               max(al.performed_at) AS last_operation_at
          FROM public.pg_tview_audit_log al WHERE al.entity = m.entity) a ON true;

GRANT SELECT, UPDATE, DELETE ON public.pg_tviews_metadata TO PUBLIC;
GRANT SELECT ON public.pg_tviews_queue_realtime, public.pg_tviews_performance_summary TO PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- Upgrade in place: regenerate the generated objects of every existing TVIEW
-- ---------------------------------------------------------------------------------------------
DO $ddl$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        DROP EVENT TRIGGER IF EXISTS pg_tviews_ddl;
        CREATE EVENT TRIGGER pg_tviews_ddl ON ddl_command_end WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE', 'CREATE VIEW', 'CREATE RULE', 'CREATE TRIGGER',
                                                                 'CREATE FUNCTION', 'ALTER FUNCTION', 'CREATE AGGREGATE', 'ALTER AGGREGATE', 'CREATE INDEX',
                                                                 'ALTER TYPE', 'ALTER EXTENSION', 'CREATE POLICY', 'ALTER POLICY',
                                                                 'CREATE SUBSCRIPTION', 'ALTER SUBSCRIPTION', 'ALTER VIEW', 'ALTER SCHEMA',
                                                                 'ALTER TEXT SEARCH CONFIGURATION', 'ALTER TEXT SEARCH DICTIONARY', 'CREATE CAST')
            EXECUTE FUNCTION public.pg_tviews__on_ddl();
        DROP EVENT TRIGGER IF EXISTS pg_tviews_drop;
        -- (a CASCADE from any of these may reach a TVIEW's definition view; an index or constraint dropped may be what its
        -- analysis stands on; a cast dropped changes what its generated code's text calls)
        CREATE EVENT TRIGGER pg_tviews_drop ON sql_drop WHEN TAG IN ('DROP TABLE', 'DROP POLICY', 'ALTER TABLE', 'DROP INDEX', 'DROP VIEW',
                                                                     'DROP FUNCTION', 'DROP PROCEDURE', 'DROP AGGREGATE', 'DROP OPERATOR',
                                                                     'DROP TYPE', 'DROP DOMAIN', 'DROP SCHEMA', 'DROP CAST', 'DROP COLLATION',
                                                                     'DROP OWNED', 'DROP EXTENSION', 'DROP TEXT SEARCH CONFIGURATION',
                                                                     'DROP TEXT SEARCH DICTIONARY')
            EXECUTE FUNCTION public.pg_tviews__on_drop();
        DROP EVENT TRIGGER IF EXISTS pg_tviews_rewrite;
        CREATE EVENT TRIGGER pg_tviews_rewrite ON table_rewrite EXECUTE FUNCTION public.pg_tviews__on_rewrite();
    ELSIF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_tviews_ddl') THEN
        RAISE NOTICE 'installed without a superuser: source DDL (renamed columns, new partitions) is reported by pg_tviews_health_check() and applied by pg_tviews_reinstall_triggers()';
    END IF;
END
$ddl$;

DO $upgrade$
DECLARE
    r record;
    m public.pg_tview_meta;
    prev text;
BEGIN
    FOR r IN SELECT o.entity FROM public.pg_tviews__order() o LOOP
        SELECT * INTO m FROM public.pg_tview_meta WHERE entity = r.entity;
        INSERT INTO public.pg_tview_rr_stamp (entity, scope, val) VALUES (m.entity, 'all', '*') ON CONFLICT DO NOTHING;
        IF NOT public.pg_tviews__member(m.owner) THEN
            RAISE WARNING 'TVIEW %: owned by %, of which the installer is not a member; its owner runs pg_tviews_reinstall_triggers(%)',
                m.entity, m.owner, quote_literal(m.entity);
            CONTINUE;
        END IF;
        BEGIN
            prev := public.pg_tviews__as_owner(m.owner, m.entity);
            PERFORM public.pg_tviews__ensure_def_view(m);
            PERFORM public.pg_tviews__install_objects(r.entity);
            -- before 0.3.6 no digest was kept (nor one of this format): the functions and types as they are now are taken as
            -- those the rows were computed with
            UPDATE public.pg_tview_meta mm SET objects_hash = public.pg_tviews__objects_hash(mm)
             WHERE mm.entity = r.entity AND (mm.objects_hash IS NULL OR NOT starts_with(mm.objects_hash, 'v6:'));
            PERFORM public.pg_tviews__restore_role(prev);
        EXCEPTION
            WHEN deadlock_detected OR serialization_failure OR lock_not_available OR query_canceled THEN
                RAISE;   -- transient: the whole upgrade fails and changes nothing; run it again
            WHEN OTHERS THEN
                -- this TVIEW is broken (e.g. a source was dropped): record it, the health check reports it
                PERFORM public.pg_tviews__drop_objects(r.entity);
                UPDATE public.pg_tview_meta SET last_error = 'upgrade: ' || SQLERRM WHERE entity = r.entity;
                RAISE WARNING 'TVIEW %: could not regenerate maintenance objects: %', r.entity, SQLERRM;
        END;
    END LOOP;
    IF EXISTS (SELECT 1 FROM public.pg_tview_meta) THEN
        PERFORM public.pg_tviews__audit('UPGRADE', NULL, jsonb_build_object('runtime_version', public.pg_tviews_version()), NULL);
    END IF;
    -- the advisory-lock and stamp functions of 0.1/0.2 generated code: any role can call them (they are SECURITY
    -- DEFINER, and write the stamps), so they stay only while a TVIEW the installer could not regenerate runs such code
    IF NOT EXISTS (SELECT 1 FROM public.pg_tview_meta mm
                    WHERE string_to_array(coalesce(substring(mm.runtime_version FROM '^[0-9]+\.[0-9]+'), '0.0'), '.')::int[] < ARRAY[0, 3]
                      AND EXISTS (SELECT 1 FROM public.pg_tview_helpers h WHERE h.entity = mm.entity AND h.kind = 'function')) THEN
        DROP FUNCTION IF EXISTS public.pg_tviews__lock_keys(text, text[]);
        DROP FUNCTION IF EXISTS public.pg_tviews__lock_keys(text, text[], boolean);
        DROP FUNCTION IF EXISTS public.pg_tviews__lock_all(text);
        DROP FUNCTION IF EXISTS public.pg_tviews__lock_hop(text, int, text[], boolean);
        DROP FUNCTION IF EXISTS public.pg_tviews__stamp(text, text, text[]);
    END IF;
END
$upgrade$;

COMMIT;
