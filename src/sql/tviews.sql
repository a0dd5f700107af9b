-- tviews-runtime-version: 0.1.0
--
-- TVIEW runtime: incrementally maintained read-model tables in pure SQL + PL/pgSQL.
-- Install or upgrade in place:  psql -v ON_ERROR_STOP=1 -f tviews.sql
-- The whole script is one transaction serialized by an advisory lock, so concurrent installs are safe
-- and a failed install changes nothing. Re-running it regenerates the maintenance functions and
-- triggers of every existing TVIEW. See docs/runtime.md.

BEGIN;
DO $lock$ BEGIN PERFORM pg_advisory_xact_lock(1953064302, 1); END $lock$;   -- serializes concurrent installs
SET LOCAL client_min_messages = warning;

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

-- ---------------------------------------------------------------------------------------------
-- Small helpers
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.pg_tviews_version() RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT '0.1.0'::text $$;

CREATE OR REPLACE FUNCTION public.pg_tviews__audit(op text, ent text, det jsonb, n bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO public.pg_tview_audit_log (operation, entity, details, rows_affected) VALUES (op, ent, det, n);
$$;

-- Parse a TVIEW name ('post', 'tv_post', 'schema.tv_post') into schema, table and entity.
CREATE OR REPLACE FUNCTION public.pg_tviews__parse(name text, OUT schema_name text, OUT table_name text, OUT entity text)
LANGUAGE plpgsql AS $fn$
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
    entity := CASE WHEN schema_name = 'public' THEN substr(table_name, 4) ELSE schema_name || '.' || substr(table_name, 4) END;
END
$fn$;

-- Resolve a name to its pg_tview_meta row; unknown names raise 42704.
CREATE OR REPLACE FUNCTION public.pg_tviews__resolve(name text) RETURNS public.pg_tview_meta
LANGUAGE plpgsql STABLE AS $fn$
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

-- Does the type have an equality operator usable in IS DISTINCT FROM? (else compare as text)
CREATE OR REPLACE FUNCTION public.pg_tviews__has_eq(t oid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    ty record;
BEGIN
    SELECT * INTO ty FROM pg_type WHERE oid = t;
    IF NOT FOUND THEN RETURN false; END IF;
    IF ty.typtype = 'd' THEN RETURN public.pg_tviews__has_eq(ty.typbasetype); END IF;
    IF ty.typtype = 'c' OR ty.typtype = 'p' THEN RETURN false; END IF;
    IF ty.typcategory = 'A' AND ty.typelem <> 0 THEN RETURN public.pg_tviews__has_eq(ty.typelem); END IF;
    RETURN EXISTS (SELECT 1 FROM pg_operator o WHERE o.oprname = '=' AND o.oprleft = t AND o.oprright = t AND o.oprcanhash OR
                   o.oprname = '=' AND o.oprleft = t AND o.oprright = t AND o.oprcanmerge);
END
$fn$;

-- "(a.c1, a.c2) IS DISTINCT FROM (b.c1, b.c2)" over the non-key columns of a TVIEW table.
CREATE OR REPLACE FUNCTION public.pg_tviews__distinct_expr(tv regclass, key_col text, a text, b text) RETURNS text
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    la text; lb text; n int;
BEGIN
    SELECT string_agg(CASE WHEN public.pg_tviews__has_eq(atttypid) THEN format('%s.%I', a, attname)
                           ELSE format('%s.%I::text', a, attname) END, ', ' ORDER BY attnum),
           string_agg(CASE WHEN public.pg_tviews__has_eq(atttypid) THEN format('%s.%I', b, attname)
                           ELSE format('%s.%I::text', b, attname) END, ', ' ORDER BY attnum),
           count(*)
      INTO la, lb, n
      FROM pg_attribute WHERE attrelid = tv AND attnum > 0 AND NOT attisdropped AND attname <> key_col;
    IF n = 0 THEN RETURN 'false'; END IF;
    IF n = 1 THEN RETURN format('%s IS DISTINCT FROM %s', la, lb); END IF;
    RETURN format('(%s) IS DISTINCT FROM (%s)', la, lb);
END
$fn$;

-- Key locks: READ COMMITTED takes sorted transaction-level advisory locks (and a shared lock that a
-- full refresh takes exclusively); REPEATABLE READ/SERIALIZABLE write conflict stamps instead.
CREATE OR REPLACE FUNCTION public.pg_tviews__stamp(ent text, scope text, vals text[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO public.pg_tview_rr_stamp AS s (entity, scope, val)
    SELECT ent, scope, v FROM (SELECT DISTINCT v FROM unnest(vals) v WHERE v IS NOT NULL ORDER BY 1) x
    ON CONFLICT (entity, scope, val) DO UPDATE SET bumps = s.bumps + 1;
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews__lock_keys(ent text, keys text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF current_setting('transaction_isolation') = 'read committed' THEN
        IF cardinality(keys) > 1000 THEN
            -- bulk (large repair or multi-row statement): one exclusive TVIEW lock instead of a lock per key,
            -- which would exhaust the shared lock table; keyed writers take '#all' shared first, so they wait
            PERFORM pg_advisory_xact_lock(hashtext(ent || '#all'), 0);
            RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock_shared(hashtext(ent || '#all'), 0);
        PERFORM pg_advisory_xact_lock(hashtext(ent), s.h)
           FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(keys) k ORDER BY 1) s;
    ELSE
        PERFORM public.pg_tviews__stamp(ent, 'k', keys);
    END IF;
END
$fn$;

-- Parent locks for lookup lineages (tv.fk_x = changed source pk_x). Returns true when a lock had
-- to be waited for (READ COMMITTED): the caller then recomputes with a fresh snapshot.
CREATE OR REPLACE FUNCTION public.pg_tviews__lock_parents(ent text, col text, vals text[]) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    cls int := hashtext(ent || '|' || col);
    h int;
    waited boolean := false;
BEGIN
    IF vals IS NULL OR cardinality(vals) = 0 THEN RETURN false; END IF;
    IF current_setting('transaction_isolation') = 'read committed' THEN
        FOR h IN SELECT DISTINCT hashtext(v) FROM unnest(vals) v ORDER BY 1 LOOP
            IF NOT pg_try_advisory_xact_lock(cls, h) THEN
                PERFORM pg_advisory_xact_lock(cls, h);
                waited := true;
            END IF;
        END LOOP;
    ELSE
        PERFORM public.pg_tviews__stamp(ent, 'p:' || col, vals);
    END IF;
    RETURN waited;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__names(ent text, tbl text,
    OUT rk text, OUT fr text, OUT ft text, OUT trg_prefix text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'pg_tviews_' || left(tbl, 40) || '_' || substr(md5(ent), 1, 8) || '_rk',
           'pg_tviews_' || left(tbl, 40) || '_' || substr(md5(ent), 1, 8) || '_fr',
           'pg_tviews_' || left(tbl, 40) || '_' || substr(md5(ent), 1, 8) || '_ft',
           'pg_tviews_' || substr(md5(ent), 1, 8) || '_' || left(tbl, 30);
$$;

-- ---------------------------------------------------------------------------------------------
-- Generated objects
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.pg_tviews__drop_objects(ent text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    h record;
BEGIN
    FOR h IN SELECT * FROM public.pg_tview_helpers WHERE entity = ent AND kind = 'trigger' LOOP
        IF to_regclass(format('%I.%I', h.schema_name, h.on_table)) IS NOT NULL THEN
            EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I.%I', h.object_name, h.schema_name, h.on_table);
        END IF;
    END LOOP;
    FOR h IN SELECT * FROM public.pg_tview_helpers WHERE entity = ent AND kind = 'function' LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %I.%I(%s)', h.schema_name, h.object_name, h.signature);
    END LOOP;
    DELETE FROM public.pg_tview_helpers WHERE entity = ent;
END
$fn$;

-- (Re)generate the maintenance functions and triggers of one TVIEW from pg_tview_meta.
CREATE OR REPLACE FUNCTION public.pg_tviews__install_objects(ent text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    m public.pg_tview_meta;
    nm record;
    tv regclass;
    q text;
    cols text;
    sets text;
    conflict text;
    parents text := '';
    d jsonb;
    src regclass;
    fcol text;
    ftype text;
    sc text;
    body text;
    trgfn text;
    trg text;
    np int := 0;
    pdecl text := '';
    pold text := '';
    pinto_o text := '';
    pinto_n text := '';
    pchk text := '';
    single text;
    sdecl text;
    mdecl text := '';
    mold text := '';
    minto text := '';
BEGIN
    SELECT * INTO m FROM public.pg_tview_meta WHERE entity = ent;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'TVIEW metadata not found for "%"', ent USING ERRCODE = '42704';
    END IF;
    tv := to_regclass(format('%I.%I', m.schema_name, m.table_name));
    IF tv IS NULL THEN
        RAISE EXCEPTION 'table %.% of TVIEW "%" does not exist', m.schema_name, m.table_name, ent
            USING ERRCODE = '42P01', HINT = 'SELECT pg_tviews_convert_existing_table(''' || ent || ''') recreates it from the metadata.';
    END IF;
    PERFORM public.pg_tviews__drop_objects(ent);
    nm := public.pg_tviews__names(ent, m.table_name);
    q := coalesce(m.qualified_definition, m.definition);

    SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum),
           string_agg(format('%I = EXCLUDED.%I', attname, attname), ', ' ORDER BY attnum) FILTER (WHERE attname <> m.key_column)
      INTO cols, sets
      FROM pg_attribute WHERE attrelid = tv AND attnum > 0 AND NOT attisdropped;
    IF sets IS NULL THEN
        conflict := 'DO NOTHING';
    ELSE
        conflict := format('DO UPDATE SET %s WHERE %s', sets,
                           public.pg_tviews__distinct_expr(tv, m.key_column, 't', 'EXCLUDED'));
    END IF;

    -- parent locks for every lookup column: both paths read the rows' parent values after the key
    -- locks; when the upsert moved a row to another parent value (not locked yet), that value is locked
    -- (blocking) and the rows are recomputed from a snapshot taken after the lock (READ COMMITTED), or
    -- stamped (REPEATABLE READ/SERIALIZABLE). Unchanged parent values need no lock: the committed row
    -- was written under it, so a concurrent parent writer finds the row and waits for its key lock.
    FOR fcol IN SELECT DISTINCT x->>'tview_column' FROM jsonb_array_elements(m.dependencies) x
                 WHERE x->>'kind' = 'lookup' ORDER BY 1 LOOP
        np := np + 1;
        SELECT format_type(atttypid, atttypmod) INTO ftype FROM pg_attribute WHERE attrelid = tv AND attname = fcol;
        mdecl := mdecl || format(E'\n    _tv_mo%s %s[];\n    _tv_ml%s text[] := ''{}'';', np, ftype, np);
        mold := mold || format(', array_agg(t.%I)', fcol);
        minto := minto || format(', _tv_mo%s', np);
        parents := parents || format($c$
        _tv_mv := ARRAY(SELECT DISTINCT t.%1$I::text FROM %2$I.%3$I t LEFT JOIN unnest(_tv_mk, _tv_mo%4$s) o(k, f) ON o.k = t.%5$I
                         WHERE t.%5$I = ANY(_tv_keys) AND t.%1$I IS NOT NULL AND t.%1$I IS DISTINCT FROM o.f
                           AND t.%1$I::text <> ALL(_tv_ml%4$s));
        IF cardinality(_tv_mv) > 0 THEN
            PERFORM public.pg_tviews__lock_parents(%6$L, %7$L, _tv_mv);
            _tv_ml%4$s := _tv_ml%4$s || _tv_mv;
            _tv_w := _tv_rc;
        END IF;$c$, fcol, m.schema_name, m.table_name, np, m.key_column, ent, fcol);
        pdecl := pdecl || format(E'\n    _tv_po%s %s;\n    _tv_pn%s %s;', np, ftype, np, ftype);
        pold := pold || CASE WHEN np > 1 THEN ', ' ELSE '' END || format('t.%I', fcol);
        pinto_o := pinto_o || CASE WHEN np > 1 THEN ', ' ELSE '' END || format('_tv_po%s', np);
        pinto_n := pinto_n || CASE WHEN np > 1 THEN ', ' ELSE '' END || format('_tv_pn%s', np);
        pchk := pchk || format($c$
            IF _tv_pn%1$s IS NOT NULL AND _tv_pn%1$s IS DISTINCT FROM _tv_po%1$s THEN
                IF _tv_rc THEN
                    _tv_t := pg_advisory_xact_lock(%2$s, hashtext(_tv_pn%1$s::text))::text;
                    _tv_w := true;
                ELSE
                    PERFORM public.pg_tviews__stamp(%3$L, %4$L, ARRAY[_tv_pn%1$s::text]);
                END IF;
                _tv_po%1$s := _tv_pn%1$s;
            END IF;$c$, np, hashtext(ent || '|' || fcol), ent, 'p:' || fcol);
    END LOOP;

    -- single key (_tv_key): locks taken inline (no helper call), static statements with a scalar
    -- parameter, so every statement runs a cached generic plan with index lookups all the way down;
    -- the upsert alone is cheaper than the CTE, and the delete only runs when nothing was written.
    -- Shared by the keyed refresh function and the trigger functions of direct sources.
    single := format($s$
        IF _tv_rc THEN
            _tv_t := pg_advisory_xact_lock_shared(%1$s, 0)::text || pg_advisory_xact_lock(%2$s, hashtext(_tv_key::text))::text;
        ELSE
            PERFORM public.pg_tviews__stamp(%3$L, 'k', ARRAY[_tv_key::text]);
        END IF;%4$s
        _tv_i := 0;
        LOOP
            INSERT INTO %5$I.%6$I AS t (%7$s) SELECT %7$s FROM (%8$s) q WHERE q.%9$I = _tv_key
                ON CONFLICT (%9$I) %10$s%11$s;
            GET DIAGNOSTICS _tv_c = ROW_COUNT;
            IF _tv_c = 0 THEN
                DELETE FROM %5$I.%6$I t WHERE t.%9$I = _tv_key
                   AND NOT EXISTS (SELECT 1 FROM (%8$s) q WHERE q.%9$I = _tv_key);
                GET DIAGNOSTICS _tv_c = ROW_COUNT;
            END IF;
            _tv_n := _tv_n + _tv_c;%12$s
        END LOOP;$s$,
        hashtext(ent || '#all'), hashtext(ent), ent,
        CASE WHEN np > 0 THEN format(E'\n        SELECT %s INTO %s FROM %I.%I t WHERE t.%I = _tv_key;',
                                     pold, pinto_o, m.schema_name, m.table_name, m.key_column) ELSE '' END,
        m.schema_name, m.table_name, cols, q, m.key_column, conflict,
        CASE WHEN np > 0 THEN format(E'\n                RETURNING %s INTO %s', pold, pinto_n) ELSE '' END,
        CASE WHEN np > 0 THEN E'\n            EXIT WHEN _tv_c = 0;\n            _tv_w := false;' || pchk
                              || E'\n            EXIT WHEN NOT _tv_w;\n            _tv_i := _tv_i + 1;\n            EXIT WHEN _tv_i >= 5;'
             ELSE E'\n            EXIT;' END);
    sdecl := format(E'\n    _tv_key %s;\n    _tv_c bigint;\n    _tv_n bigint := 0;\n    _tv_w boolean;\n    _tv_i int := 0;\n    _tv_t text;\n    _tv_rc boolean;%s',
                    m.key_type, pdecl);

    -- keyed refresh: lock keys, then (new statement, fresh snapshot) one set-based upsert+delete
    EXECUTE format($g$
CREATE OR REPLACE FUNCTION %1$I.%2$I(_tv_keys %3$s[]) RETURNS bigint LANGUAGE plpgsql AS $body$
DECLARE%11$s
BEGIN
    IF _tv_keys IS NULL OR cardinality(_tv_keys) = 0 THEN RETURN 0; END IF;
    _tv_rc := current_setting('transaction_isolation') = 'read committed';
    IF cardinality(_tv_keys) = 1 THEN
        _tv_key := _tv_keys[1];
        IF _tv_key IS NULL THEN RETURN 0; END IF;%12$s
        RETURN _tv_n;
    END IF;
    PERFORM public.pg_tviews__lock_keys(%4$L, _tv_keys::text[]);%13$s
    LOOP
        WITH src AS MATERIALIZED (SELECT %5$s FROM (%6$s) q WHERE q.%7$I = ANY(_tv_keys)),
             del AS (DELETE FROM %1$I.%8$I t WHERE t.%7$I = ANY(_tv_keys)
                       AND NOT EXISTS (SELECT 1 FROM src WHERE src.%7$I = t.%7$I) RETURNING 1),
             up AS (INSERT INTO %1$I.%8$I AS t (%5$s) SELECT %5$s FROM src
                    ON CONFLICT (%7$I) %9$s RETURNING 1)
        SELECT (SELECT count(*) FROM del) + (SELECT count(*) FROM up) INTO _tv_c;
        _tv_n := _tv_n + _tv_c;
        _tv_w := false;%10$s
        EXIT WHEN NOT _tv_w;
        _tv_i := _tv_i + 1;
        EXIT WHEN _tv_i >= 5;
    END LOOP;
    RETURN _tv_n;
END
$body$
$g$, m.schema_name, nm.rk, m.key_type, ent, cols, q, m.key_column, m.table_name, conflict, parents,
       sdecl || CASE WHEN np > 0 THEN format(E'\n    _tv_mk %s[];\n    _tv_mv text[];', m.key_type) || mdecl ELSE '' END,
       single,
       CASE WHEN np > 0 THEN format(E'\n    SELECT array_agg(t.%I)%s INTO _tv_mk%s FROM %I.%I t WHERE t.%I = ANY(_tv_keys);',
                                    m.key_column, mold, minto, m.schema_name, m.table_name, m.key_column) ELSE '' END);
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature)
    VALUES (ent, 'function', m.schema_name, nm.rk, m.key_type || '[]');

    -- full refresh (force: delete everything first)
    EXECUTE format($g$
CREATE OR REPLACE FUNCTION %1$I.%2$I(_tv_force boolean DEFAULT false) RETURNS bigint LANGUAGE plpgsql AS $body$
DECLARE
    _tv_c bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(%3$L || '#all'), 0);
    IF _tv_force THEN
        DELETE FROM %1$I.%4$I;
    END IF;
    WITH src AS MATERIALIZED (SELECT %5$s FROM (%6$s) q),
         del AS (DELETE FROM %1$I.%4$I t WHERE NOT EXISTS (SELECT 1 FROM src WHERE src.%7$I = t.%7$I) RETURNING 1),
         up AS (INSERT INTO %1$I.%4$I AS t (%5$s) SELECT %5$s FROM src ON CONFLICT (%7$I) %8$s RETURNING 1)
    SELECT (SELECT count(*) FROM del) + (SELECT count(*) FROM up) INTO _tv_c;
    RETURN _tv_c;
END
$body$
$g$, m.schema_name, nm.fr, ent, m.table_name, cols, q, m.key_column, conflict);
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature)
    VALUES (ent, 'function', m.schema_name, nm.fr, 'boolean');

    -- trigger function for TRUNCATE and for sources refreshed fully
    EXECUTE format($g$
CREATE OR REPLACE FUNCTION %1$I.%2$I() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM %1$I.%3$I(false);
    RETURN NULL;
END
$body$
$g$, m.schema_name, nm.ft, nm.fr);
    INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature)
    VALUES (ent, 'function', m.schema_name, nm.ft, '');

    -- one trigger function + triggers per source
    FOR d IN SELECT x FROM jsonb_array_elements(m.dependencies) x LOOP
        src := to_regclass(format('%I.%I', d->>'schema', d->>'table'));
        IF src IS NULL THEN
            RAISE WARNING 'source %.% of TVIEW % does not exist; its triggers were not installed', d->>'schema', d->>'table', ent;
            CONTINUE;
        END IF;
        trg := nm.trg_prefix;
        trgfn := 'pg_tviews_' || left(m.table_name, 20) || '_' || substr(md5(ent), 1, 8) || '_'
                 || substr(md5((d->>'schema') || '.' || (d->>'table')), 1, 8) || '_trg';
        sc := d->>'source_column';
        IF d->>'kind' = 'direct' THEN
            -- the first (at most 3) keys of the statement: one distinct key (single-row statements)
            -- runs the single-key path inline; otherwise all distinct keys go to the keyed refresh
            body := format($g$
DECLARE
    _tv_k %1$s[];%5$s
BEGIN
    IF TG_OP = 'INSERT' THEN
        _tv_k := ARRAY(SELECT n.%2$I::%1$s FROM pg_tviews_new n WHERE n.%2$I IS NOT NULL LIMIT 3);
    ELSIF TG_OP = 'DELETE' THEN
        _tv_k := ARRAY(SELECT o.%2$I::%1$s FROM pg_tviews_old o WHERE o.%2$I IS NOT NULL LIMIT 3);
    ELSE
        _tv_k := ARRAY(SELECT n.%2$I::%1$s FROM pg_tviews_new n WHERE n.%2$I IS NOT NULL
                       UNION ALL SELECT o.%2$I::%1$s FROM pg_tviews_old o WHERE o.%2$I IS NOT NULL LIMIT 3);
    END IF;
    IF cardinality(_tv_k) = 0 THEN RETURN NULL; END IF;
    IF cardinality(_tv_k) < 3 AND _tv_k[1] = _tv_k[cardinality(_tv_k)] THEN
        _tv_key := _tv_k[1];
        _tv_rc := current_setting('transaction_isolation') = 'read committed';%6$s
        RETURN NULL;
    END IF;
    IF cardinality(_tv_k) >= 3 THEN
        IF TG_OP = 'INSERT' THEN
            _tv_k := ARRAY(SELECT DISTINCT n.%2$I::%1$s FROM pg_tviews_new n WHERE n.%2$I IS NOT NULL);
        ELSIF TG_OP = 'DELETE' THEN
            _tv_k := ARRAY(SELECT DISTINCT o.%2$I::%1$s FROM pg_tviews_old o WHERE o.%2$I IS NOT NULL);
        ELSE
            _tv_k := ARRAY(SELECT n.%2$I::%1$s FROM pg_tviews_new n WHERE n.%2$I IS NOT NULL
                       UNION SELECT o.%2$I::%1$s FROM pg_tviews_old o WHERE o.%2$I IS NOT NULL);
        END IF;
    END IF;
    PERFORM %3$I.%4$I(_tv_k);
    RETURN NULL;
END
$g$, m.key_type, sc, m.schema_name, nm.rk, sdecl, single);
        ELSIF d->>'kind' = 'lookup' THEN
            fcol := d->>'tview_column';
            SELECT format_type(atttypid, atttypmod) INTO ftype FROM pg_attribute WHERE attrelid = tv AND attname = fcol;
            body := format($g$
DECLARE
    _tv_v %1$s[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        _tv_v := ARRAY(SELECT DISTINCT n.%2$I::%1$s FROM pg_tviews_new n WHERE n.%2$I IS NOT NULL);
    ELSIF TG_OP = 'DELETE' THEN
        _tv_v := ARRAY(SELECT DISTINCT o.%2$I::%1$s FROM pg_tviews_old o WHERE o.%2$I IS NOT NULL);
    ELSE
        _tv_v := ARRAY(SELECT n.%2$I::%1$s FROM pg_tviews_new n WHERE n.%2$I IS NOT NULL
                   UNION SELECT o.%2$I::%1$s FROM pg_tviews_old o WHERE o.%2$I IS NOT NULL);
    END IF;
    IF cardinality(_tv_v) = 0 THEN RETURN NULL; END IF;
    PERFORM public.pg_tviews__lock_parents(%3$L, %4$L, _tv_v::text[]);
    PERFORM %5$I.%6$I(ARRAY(SELECT t.%7$I FROM %5$I.%8$I t WHERE t.%4$I = ANY(_tv_v)));
    RETURN NULL;
END
$g$, ftype, sc, ent, fcol, m.schema_name, nm.rk, m.key_column, m.table_name);
        ELSE
            body := NULL;  -- full refresh source
        END IF;

        IF body IS NOT NULL THEN
            EXECUTE format('CREATE OR REPLACE FUNCTION %I.%I() RETURNS trigger LANGUAGE plpgsql AS %L',
                           m.schema_name, trgfn, body);
            INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, signature, source)
            VALUES (ent, 'function', m.schema_name, trgfn, '', (d->>'schema') || '.' || (d->>'table'));
            EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I.%I REFERENCING NEW TABLE AS pg_tviews_new FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
                           trg || '_ins', d->>'schema', d->>'table', m.schema_name, trgfn);
            EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I.%I REFERENCING OLD TABLE AS pg_tviews_old NEW TABLE AS pg_tviews_new FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
                           trg || '_upd', d->>'schema', d->>'table', m.schema_name, trgfn);
            EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I.%I REFERENCING OLD TABLE AS pg_tviews_old FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
                           trg || '_del', d->>'schema', d->>'table', m.schema_name, trgfn);
        ELSE
            EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I.%I FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
                           trg || '_iud', d->>'schema', d->>'table', m.schema_name, nm.ft);
        END IF;
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I.%I FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
                       trg || '_trn', d->>'schema', d->>'table', m.schema_name, nm.ft);
        INSERT INTO public.pg_tview_helpers (entity, kind, schema_name, object_name, on_table, source)
        SELECT ent, 'trigger', d->>'schema', trg || sfx, d->>'table', (d->>'schema') || '.' || (d->>'table')
          FROM unnest(CASE WHEN body IS NULL THEN ARRAY['_iud', '_trn'] ELSE ARRAY['_ins', '_upd', '_del', '_trn'] END) sfx;
    END LOOP;
    UPDATE public.pg_tview_meta SET runtime_version = public.pg_tviews_version() WHERE entity = ent;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Analysis of a TVIEW query: columns, key, qualified definition, sources and lineage
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.pg_tviews__analyze(sch text, tbl text, ent text, query text, options jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
    probe text := 'pg_tviews_probe_' || substr(md5(ent || clock_timestamp()::text || random()::text), 1, 12);
    v oid;
    key_col text;
    key_type text;
    old_sp text;
    qdef text;
    tvcols text[];
    rel record;
    srccols text[];
    deps jsonb := '[]';
    dep jsonb;
    unresolved jsonb := '[]';
    dependent_on text[] := '{}';
    kv jsonb;
    f text;
    fk record;
    policy text := coalesce(options->>'uncascaded_policy', 'error');
BEGIN
    IF query IS NULL OR btrim(query) = '' THEN
        RAISE EXCEPTION 'the TVIEW query is empty' USING ERRCODE = '42601';
    END IF;
    IF options IS NOT NULL AND jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'options must be a JSON object' USING ERRCODE = '22023';
    END IF;
    IF policy NOT IN ('error', 'full_refresh') THEN
        RAISE EXCEPTION 'options.uncascaded_policy must be "error" or "full_refresh", not "%"', policy USING ERRCODE = '22023';
    END IF;
    EXECUTE format('CREATE VIEW %I.%I AS %s', sch, probe, query);
    v := to_regclass(format('%I.%I', sch, probe));

    key_col := coalesce(options->>'key', 'pk_' || substr(tbl, 4));
    SELECT array_agg(attname::text ORDER BY attnum) INTO tvcols
      FROM pg_attribute WHERE attrelid = v AND attnum > 0 AND NOT attisdropped;
    IF NOT key_col = ANY(tvcols) THEN
        RAISE EXCEPTION 'the TVIEW query for %.% has no key column "%"', sch, tbl, key_col USING ERRCODE = '42703',
            DETAIL = format('Query columns: %s', array_to_string(tvcols, ', ')),
            HINT = format('Select the key as a column named %s, or name the key column with options.key.', key_col);
    END IF;
    SELECT format_type(atttypid, atttypmod) INTO key_type FROM pg_attribute WHERE attrelid = v AND attname = key_col;

    old_sp := current_setting('search_path');
    PERFORM set_config('search_path', 'pg_catalog', true);
    qdef := pg_get_viewdef(v);
    PERFORM set_config('search_path', old_sp, true);
    qdef := regexp_replace(qdef, '[;\s]+$', '');

    FOR rel IN
        WITH RECURSIVE reldeps(relid) AS (
            SELECT d.refobjid FROM pg_rewrite r
              JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
             WHERE r.ev_class = v AND d.refobjid <> v
            UNION
            SELECT d.refobjid FROM reldeps
              JOIN pg_class c ON c.oid = reldeps.relid AND c.relkind = 'v'
              JOIN pg_rewrite r ON r.ev_class = c.oid
              JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
             WHERE d.refobjid <> c.oid
        )
        SELECT DISTINCT c.oid, n.nspname::text AS sch, c.relname::text AS tbl, c.relkind
          FROM reldeps JOIN pg_class c ON c.oid = reldeps.relid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind <> 'v'
         ORDER BY 2, 3
    LOOP
        IF rel.relkind NOT IN ('r', 'p') THEN
            RAISE EXCEPTION 'source %.% of TVIEW %.% is not a table (relkind %)', rel.sch, rel.tbl, sch, tbl, rel.relkind
                USING ERRCODE = '0A000', HINT = 'TVIEWs can read tables, partitioned tables, other TVIEWs and plain views over them.';
        END IF;
        SELECT array_agg(attname::text) INTO srccols FROM pg_attribute WHERE attrelid = rel.oid AND attnum > 0 AND NOT attisdropped;
        dep := jsonb_build_object('schema', rel.sch, 'table', rel.tbl);
        SELECT m2.entity INTO f FROM public.pg_tview_meta m2 WHERE m2.schema_name = rel.sch AND m2.table_name = rel.tbl;
        IF FOUND THEN
            dep := dep || jsonb_build_object('tview', f);
            dependent_on := dependent_on || f;
        END IF;
        kv := coalesce(options->'keys'->(rel.sch || '.' || rel.tbl), options->'keys'->rel.tbl);
        IF kv IS NOT NULL THEN
            IF jsonb_typeof(kv) = 'string' THEN
                kv := jsonb_build_object('source_column', kv #>> '{}', 'tview_column', key_col);
            END IF;
            IF NOT (kv->>'source_column') = ANY(srccols) THEN
                RAISE EXCEPTION 'options.keys: source %.% has no column "%"', rel.sch, rel.tbl, kv->>'source_column' USING ERRCODE = '42703';
            END IF;
            IF NOT coalesce(kv->>'tview_column', key_col) = ANY(tvcols) THEN
                RAISE EXCEPTION 'options.keys: the TVIEW query has no column "%"', kv->>'tview_column' USING ERRCODE = '42703';
            END IF;
            IF coalesce(kv->>'tview_column', key_col) = key_col THEN
                dep := dep || jsonb_build_object('kind', 'direct', 'source_column', kv->>'source_column', 'lineage', 'options.keys');
            ELSE
                dep := dep || jsonb_build_object('kind', 'lookup', 'source_column', kv->>'source_column',
                                                 'tview_column', kv->>'tview_column', 'lineage', 'options.keys');
            END IF;
        ELSIF key_col = ANY(srccols) THEN
            dep := dep || jsonb_build_object('kind', 'direct', 'source_column', key_col, 'lineage', 'key column');
        ELSIF key_col LIKE 'pk\_%' AND ('fk_' || substr(key_col, 4)) = ANY(srccols) THEN
            dep := dep || jsonb_build_object('kind', 'direct', 'source_column', 'fk_' || substr(key_col, 4), 'lineage', 'fk column');
        ELSE
            -- tv.fk_x <- source.pk_x, then tv.fk_x <- source.fk_x
            SELECT c INTO f FROM unnest(tvcols) WITH ORDINALITY u(c, o)
             WHERE c LIKE 'fk\_%' AND c <> key_col AND ('pk_' || substr(c, 4)) = ANY(srccols) ORDER BY o LIMIT 1;
            IF f IS NOT NULL THEN
                dep := dep || jsonb_build_object('kind', 'lookup', 'source_column', 'pk_' || substr(f, 4), 'tview_column', f, 'lineage', 'fk column');
            ELSE
                SELECT c INTO f FROM unnest(tvcols) WITH ORDINALITY u(c, o)
                 WHERE c LIKE 'fk\_%' AND c <> key_col AND c = ANY(srccols) ORDER BY o LIMIT 1;
                IF f IS NOT NULL THEN
                    dep := dep || jsonb_build_object('kind', 'lookup', 'source_column', f, 'tview_column', f, 'lineage', 'fk column');
                END IF;
            END IF;
        END IF;
        dep := dep || jsonb_build_object('oid', rel.oid);
        IF dep ? 'kind' THEN deps := deps || dep; ELSE unresolved := unresolved || dep; END IF;
    END LOOP;

    -- foreign-key constraints in the catalog (single-column)
    FOR dep IN SELECT x FROM jsonb_array_elements(unresolved) x LOOP
        -- (a) this source references a source whose lineage is direct through the referenced column
        SELECT a.attname::text AS col INTO fk
          FROM pg_constraint con
          JOIN jsonb_array_elements(deps) dd ON (dd->>'oid')::oid = con.confrelid AND dd->>'kind' = 'direct'
          JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1] AND ra.attname = dd->>'source_column'
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
         WHERE con.contype = 'f' AND con.conrelid = (dep->>'oid')::oid AND cardinality(con.conkey) = 1
         LIMIT 1;
        IF FOUND THEN
            deps := deps || (dep || jsonb_build_object('kind', 'direct', 'source_column', fk.col, 'lineage', 'foreign key'));
            CONTINUE;
        END IF;
        -- (b) another source references this one through a column the TVIEW exposes
        SELECT sa.attname::text AS scol, a.attname::text AS tcol INTO fk
          FROM pg_constraint con
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
          JOIN pg_attribute sa ON sa.attrelid = con.confrelid AND sa.attnum = con.confkey[1]
         WHERE con.contype = 'f' AND con.confrelid = (dep->>'oid')::oid AND cardinality(con.conkey) = 1
           AND a.attname::text = ANY(tvcols) AND a.attname <> key_col
           AND EXISTS (SELECT 1 FROM jsonb_array_elements(deps) dd WHERE (dd->>'oid')::oid = con.conrelid)
         LIMIT 1;
        IF FOUND THEN
            deps := deps || (dep || jsonb_build_object('kind', 'lookup', 'source_column', fk.scol, 'tview_column', fk.tcol, 'lineage', 'foreign key'));
            CONTINUE;
        END IF;
        IF policy = 'full_refresh' THEN
            deps := deps || (dep || jsonb_build_object('kind', 'full', 'lineage', 'uncascaded_policy'));
        ELSE
            RAISE EXCEPTION 'cannot trace changes of source %.% to keys of TVIEW %.%', dep->>'schema', dep->>'table', sch, tbl
                USING ERRCODE = '0A000',
                      HINT = format('Set options.keys, e.g. {"keys": {"%s": "<column of %s holding the %s value>"}}, or {"keys": {"%s": {"source_column": "<col>", "tview_column": "<col>"}}}, or options.uncascaded_policy = ''full_refresh''.',
                                    dep->>'table', dep->>'table', key_col, dep->>'table');
        END IF;
    END LOOP;

    EXECUTE format('DROP VIEW %I.%I', sch, probe);
    SELECT coalesce(jsonb_agg(x - 'oid'), '[]') INTO deps FROM jsonb_array_elements(deps) x;
    RETURN jsonb_build_object('key_column', key_col, 'key_type', key_type, 'qualified', qdef,
                              'dependencies', deps, 'dependent_on', to_jsonb(dependent_on),
                              'columns', to_jsonb(tvcols));
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__check_cycle(ent text, tbl text, deps text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    p text[];
BEGIN
    WITH RECURSIVE walk(e, path) AS (
        SELECT d, ARRAY[ent, d] FROM unnest(deps) d
        UNION ALL
        SELECT x, w.path || x
          FROM walk w JOIN public.pg_tview_meta m ON m.entity = w.e CROSS JOIN LATERAL unnest(m.dependent_on) x
         WHERE w.e <> ent AND (x = ent OR NOT x = ANY(w.path)) AND cardinality(w.path) < 100
    )
    SELECT path INTO p FROM walk WHERE e = ent LIMIT 1;
    IF p IS NOT NULL THEN
        RAISE EXCEPTION 'circular dependency between TVIEWs: %',
            (SELECT string_agg(CASE WHEN x = ent THEN tbl ELSE coalesce((SELECT table_name FROM public.pg_tview_meta WHERE entity = x), x) END, ' -> ' ORDER BY o)
               FROM unnest(p) WITH ORDINALITY u(x, o))
            USING ERRCODE = '42P17', HINT = 'A TVIEW cannot read itself, directly or through other TVIEWs.';
    END IF;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Create / replace / drop
-- ---------------------------------------------------------------------------------------------
-- Builds table + metadata + objects for a parsed name. adopt = true keeps an existing table with the
-- same columns (convert_existing_table) and repairs its rows instead of creating it.
CREATE OR REPLACE FUNCTION public.pg_tviews__build(sch text, tbl text, ent text, query text, options jsonb, op text, adopt boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    a jsonb;
    q text;
    k text;
    dupkey text;
    dupcnt bigint;
    n bigint;
    c text;
    tv regclass;
    t0 timestamptz := clock_timestamp();
    mismatch text;
BEGIN
    q := regexp_replace(query, '[;\s]+$', '');
    a := public.pg_tviews__analyze(sch, tbl, ent, q, options);
    PERFORM public.pg_tviews__check_cycle(ent, tbl, ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')));
    k := a->>'key_column';
    EXECUTE format('SELECT %1$I::text, count(*) FROM (%2$s) q GROUP BY %1$I HAVING count(*) > 1 OR %1$I IS NULL ORDER BY %1$I IS NULL DESC LIMIT 1',
                   k, a->>'qualified') INTO dupkey, dupcnt;
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
        EXECUTE format('CREATE TEMP VIEW pg_tviews_adopt_probe AS SELECT * FROM (%s) q', a->>'qualified');
        SELECT string_agg(format('%s %s', coalesce(x.attname, '?'), coalesce(format_type(x.atttypid, x.atttypmod), '-')) || ' <> '
                          || format('%s %s', coalesce(y.attname, '?'), coalesce(format_type(y.atttypid, y.atttypmod), '-')), '; ')
          INTO mismatch
          FROM (SELECT attname, atttypid, atttypmod FROM pg_attribute WHERE attrelid = 'pg_tviews_adopt_probe'::regclass AND attnum > 0) x
          FULL JOIN (SELECT attname, atttypid, atttypmod FROM pg_attribute WHERE attrelid = tv AND attnum > 0 AND NOT attisdropped) y
            ON x.attname = y.attname
         WHERE x.attname IS NULL OR y.attname IS NULL OR x.atttypid <> y.atttypid;
        DROP VIEW pg_tviews_adopt_probe;
        IF mismatch IS NOT NULL THEN
            RAISE EXCEPTION 'table %.% does not have the columns of the TVIEW query', sch, tbl USING ERRCODE = '42804',
                DETAIL = 'query vs table: ' || mismatch, HINT = 'Drop or rename the table and use pg_tviews_create, or fix the query.';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute at ON at.attrelid = i.indrelid AND at.attnum = i.indkey[0]
                        WHERE i.indrelid = tv AND i.indisunique AND i.indnkeyatts = 1 AND at.attname = k AND i.indpred IS NULL) THEN
            EXECUTE format('DELETE FROM %I.%I', sch, tbl);
            EXECUTE format('ALTER TABLE %I.%I ADD PRIMARY KEY (%I)', sch, tbl, k);
        END IF;
    ELSE
        EXECUTE format('CREATE TABLE %I.%I AS SELECT * FROM (%s) q WITH NO DATA', sch, tbl, a->>'qualified');
        -- rows are rewritten in place all the time: leave room for HOT updates (options.fillfactor, default 90)
        EXECUTE format('ALTER TABLE %I.%I SET (fillfactor = %s)', sch, tbl, coalesce((options->>'fillfactor')::int, 90));
        EXECUTE format('INSERT INTO %I.%I SELECT * FROM (%s) q', sch, tbl, a->>'qualified');
        EXECUTE format('ALTER TABLE %I.%I ADD PRIMARY KEY (%I)', sch, tbl, k);
    END IF;
    FOR c IN SELECT DISTINCT col FROM (
                SELECT x AS col FROM jsonb_array_elements_text(a->'columns') x WHERE x LIKE 'fk\_%' OR x = 'id'
                UNION SELECT d->>'tview_column' FROM jsonb_array_elements(a->'dependencies') d WHERE d->>'kind' = 'lookup') s
             WHERE col <> k ORDER BY 1 LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute at ON at.attrelid = i.indrelid AND at.attnum = i.indkey[0]
                        WHERE i.indrelid = format('%I.%I', sch, tbl)::regclass AND at.attname = c) THEN
            EXECUTE format('CREATE INDEX %I ON %I.%I (%I)', left(tbl, 40) || '_' || left(c, 16) || '_' || substr(md5(c), 1, 4), sch, tbl, c);
        END IF;
    END LOOP;

    INSERT INTO public.pg_tview_meta AS m (entity, schema_name, table_name, definition, qualified_definition, key_column, key_type,
                                      dependencies, dependent_on, options, definition_hash, runtime_version, last_refreshed_at)
    VALUES (ent, sch, tbl, query, a->>'qualified', k, a->>'key_type', a->'dependencies',
            ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')), coalesce(options, '{}'), md5(query),
            public.pg_tviews_version(), now())
    ON CONFLICT (entity) DO UPDATE SET schema_name = EXCLUDED.schema_name, table_name = EXCLUDED.table_name,
        definition = EXCLUDED.definition, qualified_definition = EXCLUDED.qualified_definition, key_column = EXCLUDED.key_column,
        key_type = EXCLUDED.key_type, dependencies = EXCLUDED.dependencies, dependent_on = EXCLUDED.dependent_on,
        options = EXCLUDED.options, definition_hash = EXCLUDED.definition_hash, runtime_version = EXCLUDED.runtime_version,
        updated_at = now(), last_refreshed_at = now(), last_error = NULL;
    EXECUTE format('COMMENT ON TABLE %I.%I IS %L', sch, tbl,
                   'TVIEW ' || jsonb_build_object('entity', ent, 'definition', query, 'options', coalesce(options, '{}'))::text);
    PERFORM public.pg_tviews__install_objects(ent);
    IF adopt THEN
        EXECUTE format('SELECT %I.%I(false)', sch, (public.pg_tviews__names(ent, tbl)).fr) INTO n;
    END IF;
    EXECUTE format('SELECT count(*) FROM %I.%I', sch, tbl) INTO n;
    PERFORM public.pg_tviews__audit(op, ent, jsonb_build_object('table', format('%I.%I', sch, tbl), 'definition', query,
            'options', coalesce(options, '{}'), 'dependencies', a->'dependencies',
            'duration_ms', round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 3)), n);
    RETURN format('%I.%I', sch, tbl);
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_create(tview text, query text, options jsonb DEFAULT '{}')
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    p record;
BEGIN
    p := public.pg_tviews__parse(tview);
    IF EXISTS (SELECT 1 FROM public.pg_tview_meta WHERE entity = p.entity OR (schema_name = p.schema_name AND table_name = p.table_name)) THEN
        RAISE EXCEPTION 'TVIEW "%" already exists', tview USING ERRCODE = '42710',
            HINT = 'Use pg_tviews_create_or_replace to change it, or pg_tviews_drop first.';
    END IF;
    IF to_regclass(format('%I.%I', p.schema_name, p.table_name)) IS NOT NULL THEN
        RAISE EXCEPTION 'relation %.% already exists and is not a TVIEW', p.schema_name, p.table_name USING ERRCODE = '42P07',
            HINT = 'Choose another name, drop or rename the existing relation, or adopt it with pg_tviews_convert_existing_table(name, query).';
    END IF;
    RETURN public.pg_tviews__build(p.schema_name, p.table_name, p.entity, query, coalesce(options, '{}'), 'CREATE');
END
$fn$;

-- Dependents of a TVIEW (transitively), in refresh order.
CREATE OR REPLACE FUNCTION public.pg_tviews__dependents(ent text)
RETURNS TABLE(entity text, depth int, path text[]) LANGUAGE sql STABLE AS $$
    WITH RECURSIVE down(entity, depth, path) AS (
        SELECT m.entity, 1, ARRAY[ent, m.entity] FROM public.pg_tview_meta m WHERE ent = ANY(m.dependent_on)
        UNION ALL
        SELECT m.entity, d.depth + 1, d.path || m.entity
          FROM down d JOIN public.pg_tview_meta m ON d.entity = ANY(m.dependent_on)
         WHERE NOT m.entity = ANY(d.path) AND d.depth < 100
    )
    SELECT DISTINCT ON (entity) entity, depth, path FROM down ORDER BY entity, depth DESC;
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews_drop(tview text, if_exists boolean DEFAULT false, "cascade" boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    m public.pg_tview_meta;
    deps text[];
    d text;
    n bigint := 0;
BEGIN
    BEGIN
        m := public.pg_tviews__resolve(tview);
    EXCEPTION WHEN undefined_object THEN
        IF if_exists THEN RETURN; END IF;
        RAISE;
    END;
    deps := ARRAY(SELECT x.entity FROM public.pg_tviews__dependents(m.entity) x ORDER BY x.depth DESC);
    IF cardinality(deps) > 0 AND NOT "cascade" THEN
        RAISE EXCEPTION 'cannot drop TVIEW % because other TVIEWs depend on it: %', m.table_name,
            (SELECT string_agg(table_name, ', ') FROM public.pg_tview_meta WHERE entity = ANY(deps))
            USING ERRCODE = '2BP01', HINT = 'Use pg_tviews_drop(name, cascade => true) to drop them too.';
    END IF;
    FOREACH d IN ARRAY deps LOOP
        PERFORM public.pg_tviews_drop(d, true, false);
    END LOOP;
    PERFORM public.pg_tviews__drop_objects(m.entity);
    IF to_regclass(format('%I.%I', m.schema_name, m.table_name)) IS NOT NULL THEN
        EXECUTE format('SELECT count(*) FROM %I.%I', m.schema_name, m.table_name) INTO n;
        EXECUTE format('DROP TABLE %I.%I', m.schema_name, m.table_name);
    END IF;
    DELETE FROM public.pg_tview_meta WHERE entity = m.entity;
    DELETE FROM public.pg_tview_rr_stamp WHERE entity = m.entity;
    PERFORM public.pg_tviews__audit('DROP', m.entity, jsonb_build_object('table', format('%I.%I', m.schema_name, m.table_name),
            'definition', m.definition, 'cascade', "cascade", 'dropped_dependents', to_jsonb(deps)), n);
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_create_or_replace(tview text, query text, options jsonb DEFAULT '{}')
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    m public.pg_tview_meta;
    p record;
    a jsonb;
    q text := regexp_replace(query, '[;\s]+$', '');
    deps text[];
    d text;
    same_cols boolean;
    n bigint;
BEGIN
    options := coalesce(options, '{}');
    BEGIN
        m := public.pg_tviews__resolve(tview);
    EXCEPTION WHEN undefined_object THEN
        PERFORM public.pg_tviews_create(tview, query, options);
        RETURN 'created';
    END;
    a := public.pg_tviews__analyze(m.schema_name, m.table_name, m.entity, q, options);
    IF a->>'qualified' = m.qualified_definition AND (a->>'key_column') = m.key_column THEN
        IF options = m.options THEN
            RETURN 'unchanged';
        END IF;
        PERFORM public.pg_tviews__check_cycle(m.entity, m.table_name, ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')));
        UPDATE public.pg_tview_meta SET options = pg_tviews_create_or_replace.options, definition = pg_tviews_create_or_replace.query, dependencies = a->'dependencies',
               dependent_on = ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')), updated_at = now()
         WHERE entity = m.entity;
        EXECUTE format('COMMENT ON TABLE %I.%I IS %L', m.schema_name, m.table_name,
                       'TVIEW ' || jsonb_build_object('entity', m.entity, 'definition', query, 'options', options)::text);
        PERFORM public.pg_tviews__install_objects(m.entity);
        EXECUTE format('SELECT %I.%I(false)', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).fr) INTO n;
        PERFORM public.pg_tviews__audit('ALTER', m.entity, jsonb_build_object('old_options', m.options, 'options', options), n);
        RETURN 'altered';
    END IF;
    -- rebuild: recreate the table, then regenerate and refresh the dependents that read it
    PERFORM public.pg_tviews__check_cycle(m.entity, m.table_name, ARRAY(SELECT jsonb_array_elements_text(a->'dependent_on')));
    deps := ARRAY(SELECT x.entity FROM public.pg_tviews__dependents(m.entity) x ORDER BY x.depth);
    PERFORM public.pg_tviews__drop_objects(m.entity);
    EXECUTE format('DROP TABLE %I.%I', m.schema_name, m.table_name);
    PERFORM public.pg_tviews__build(m.schema_name, m.table_name, m.entity, query, options, 'REBUILD');
    FOREACH d IN ARRAY deps LOOP
        SELECT * INTO m FROM public.pg_tview_meta WHERE entity = d;
        PERFORM public.pg_tviews__install_objects(d);
        EXECUTE format('SELECT %I.%I(false)', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).fr);
    END LOOP;
    RETURN 'rebuilt';
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Refresh, consistency, repair
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.pg_tviews__full(m public.pg_tview_meta, force boolean) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
    n bigint;
BEGIN
    IF to_regprocedure(format('%I.%I(boolean)', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).fr)) IS NULL THEN
        PERFORM public.pg_tviews__install_objects(m.entity);
    END IF;
    EXECUTE format('SELECT %I.%I($1)', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).fr) INTO n USING force;
    UPDATE public.pg_tview_meta SET last_refreshed_at = now(), last_error = NULL WHERE entity = m.entity;
    RETURN n;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_refresh(tview text, force boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
    m public.pg_tview_meta;
    d record;
    n bigint;
    total bigint := 0;
    t0 timestamptz := clock_timestamp();
    done text[] := '{}';
BEGIN
    m := public.pg_tviews__resolve(tview);
    n := public.pg_tviews__full(m, force);
    total := n;
    FOR d IN SELECT x.entity FROM public.pg_tviews__dependents(m.entity) x ORDER BY x.depth LOOP
        total := total + public.pg_tviews__full((SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = d.entity), false);
        done := done || d.entity;
    END LOOP;
    PERFORM public.pg_tviews__audit('REFRESH', m.entity, jsonb_build_object('force', force, 'dependents', to_jsonb(done),
            'duration_ms', round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 3)), total);
    RETURN total;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews__order() RETURNS TABLE(entity text, depth int)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE d(entity, depth) AS (
        SELECT m.entity, 0 FROM public.pg_tview_meta m
         WHERE NOT EXISTS (SELECT 1 FROM unnest(m.dependent_on) x JOIN public.pg_tview_meta m2 ON m2.entity = x)
        UNION ALL
        SELECT m.entity, d.depth + 1 FROM d JOIN public.pg_tview_meta m ON d.entity = ANY(m.dependent_on) WHERE d.depth < 100
    )
    SELECT entity, max(depth) FROM d GROUP BY entity ORDER BY 2, 1;
$$;

CREATE OR REPLACE FUNCTION public.pg_tviews_refresh_all() RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
    ord text[] := '{}';
    total bigint := 0;
    t0 timestamptz := clock_timestamp();
    res jsonb;
BEGIN
    FOR r IN SELECT o.entity FROM public.pg_tviews__order() o LOOP
        total := total + public.pg_tviews__full((SELECT mm FROM public.pg_tview_meta mm WHERE mm.entity = r.entity), false);
        ord := ord || (SELECT table_name FROM public.pg_tview_meta WHERE entity = r.entity);
    END LOOP;
    res := jsonb_build_object('refreshed_count', cardinality(ord), 'order', to_jsonb(ord), 'rows_changed', total,
                              'duration_ms', round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 3));
    PERFORM public.pg_tviews__audit('REFRESH', NULL, res || jsonb_build_object('all', true), total);
    RETURN res;
END
$fn$;

-- Compare table and query in one statement (hash full join on the key, MVCC snapshot, ACCESS SHARE only).
CREATE OR REPLACE FUNCTION public.pg_tviews__diff(m public.pg_tview_meta,
    OUT missing bigint, OUT extra bigint, OUT different bigint, OUT keys text[], OUT checked_rows bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    tv regclass := to_regclass(format('%I.%I', m.schema_name, m.table_name));
    de text;
BEGIN
    IF tv IS NULL THEN
        RAISE EXCEPTION 'table %.% of TVIEW % does not exist', m.schema_name, m.table_name, m.entity USING ERRCODE = '42P01';
    END IF;
    de := public.pg_tviews__distinct_expr(tv, m.key_column, 'q', 't');
    EXECUTE format($q$
        SELECT count(*) FILTER (WHERE t.pg_tviews_in IS NULL),
               count(*) FILTER (WHERE q.pg_tviews_in IS NULL),
               count(*) FILTER (WHERE q.pg_tviews_in AND t.pg_tviews_in AND %1$s),
               array_agg(coalesce(q.%2$I, t.%2$I)::text) FILTER (WHERE t.pg_tviews_in IS NULL OR q.pg_tviews_in IS NULL OR %1$s),
               count(*)
          FROM (SELECT true AS pg_tviews_in, * FROM (%3$s) x) q
          FULL JOIN (SELECT true AS pg_tviews_in, * FROM %4$I.%5$I) t ON q.%2$I = t.%2$I
    $q$, de, m.key_column, coalesce(m.qualified_definition, m.definition), m.schema_name, m.table_name)
    INTO missing, extra, different, keys, checked_rows;
    keys := coalesce(keys, '{}');
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_check_consistency(tview text)
RETURNS TABLE(missing bigint, extra bigint, different bigint, sample_keys text[], checked_rows bigint, duration_ms numeric)
LANGUAGE plpgsql AS $fn$
DECLARE
    m public.pg_tview_meta;
    r record;
    t0 timestamptz := clock_timestamp();
BEGIN
    m := public.pg_tviews__resolve(tview);
    r := public.pg_tviews__diff(m);
    missing := r.missing; extra := r.extra; different := r.different;
    sample_keys := r.keys[1:10]; checked_rows := r.checked_rows;
    duration_ms := round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 3);
    RETURN NEXT;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_repair(tview text) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
    m public.pg_tview_meta;
    r record;
    n bigint := 0;
BEGIN
    m := public.pg_tviews__resolve(tview);
    r := public.pg_tviews__diff(m);
    IF cardinality(r.keys) > 0 THEN
        EXECUTE format('SELECT %I.%I($1::%s[])', m.schema_name, (public.pg_tviews__names(m.entity, m.table_name)).rk, m.key_type)
           INTO n USING r.keys;
    END IF;
    PERFORM public.pg_tviews__audit('REPAIR', m.entity, jsonb_build_object('missing', r.missing, 'extra', r.extra,
            'different', r.different, 'sample_keys', to_jsonb(r.keys[1:10])), n);
    RETURN n;
END
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Operations
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION public.pg_tviews_reinstall_triggers(tview text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
    n int := 0;
BEGIN
    FOR r IN SELECT o.entity FROM public.pg_tviews__order() o
              WHERE tview IS NULL OR o.entity = (public.pg_tviews__resolve(tview)).entity LOOP
        PERFORM public.pg_tviews__install_objects(r.entity);
        PERFORM public.pg_tviews__audit('REINSTALL', r.entity, jsonb_build_object('runtime_version', public.pg_tviews_version()), NULL);
        n := n + 1;
    END LOOP;
    IF tview IS NOT NULL AND n = 0 THEN
        PERFORM public.pg_tviews__resolve(tview);
    END IF;
    RETURN n;
END
$fn$;

-- Adopt a table as a TVIEW with an explicit query (the table must have exactly the query's columns).
CREATE OR REPLACE FUNCTION public.pg_tviews_convert_existing_table(name text, query text, options jsonb DEFAULT '{}')
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    p record;
BEGIN
    p := public.pg_tviews__parse(name);
    IF to_regclass(format('%I.%I', p.schema_name, p.table_name)) IS NULL THEN
        RAISE EXCEPTION 'table %.% does not exist', p.schema_name, p.table_name USING ERRCODE = '42P01';
    END IF;
    IF EXISTS (SELECT 1 FROM public.pg_tview_meta WHERE entity = p.entity) THEN
        PERFORM public.pg_tviews__drop_objects(p.entity);
    END IF;
    RETURN public.pg_tviews__build(p.schema_name, p.table_name, p.entity, query, coalesce(options, '{}'), 'CONVERT', true);
END
$fn$;

-- Re-register an existing TVIEW table from what is known about it: its pg_tview_meta row, else the
-- definition recorded in the table's comment, else the last CREATE/REBUILD/CONVERT audit row.
CREATE OR REPLACE FUNCTION public.pg_tviews_convert_existing_table(name text)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    p record;
    m public.pg_tview_meta;
    cmt text;
    def jsonb;
BEGIN
    BEGIN
        m := public.pg_tviews__resolve(name);
    EXCEPTION WHEN undefined_object THEN
        m := NULL;
    END;
    IF m.entity IS NOT NULL THEN
        p := (m.schema_name, m.table_name, m.entity);
        def := jsonb_build_object('definition', m.definition, 'options', m.options);
    ELSE
        p := public.pg_tviews__parse(name);
        cmt := obj_description(to_regclass(format('%I.%I', p.schema_name, p.table_name)), 'pg_class');
        IF cmt LIKE 'TVIEW {%' THEN
            def := substr(cmt, 7)::jsonb;
        ELSE
            SELECT jsonb_build_object('definition', details->>'definition', 'options', coalesce(details->'options', '{}'))
              INTO def FROM public.pg_tview_audit_log
             WHERE entity = p.entity AND operation IN ('CREATE', 'REBUILD', 'CONVERT', 'ALTER') AND details ? 'definition'
             ORDER BY log_id DESC LIMIT 1;
        END IF;
    END IF;
    IF def IS NULL OR def->>'definition' IS NULL THEN
        RAISE EXCEPTION 'no TVIEW definition is known for "%"', name USING ERRCODE = '42704',
            HINT = 'Use pg_tviews_convert_existing_table(name, query, options) to adopt the table with its query, or restore pg_tview_meta from a backup.';
    END IF;
    IF to_regclass(format('%I.%I', p.schema_name, p.table_name)) IS NULL THEN
        DELETE FROM public.pg_tview_meta WHERE entity = p.entity;
        PERFORM public.pg_tviews__drop_objects(p.entity);
        RETURN public.pg_tviews__build(p.schema_name, p.table_name, p.entity, def->>'definition', def->'options', 'CONVERT');
    END IF;
    RETURN public.pg_tviews_convert_existing_table(format('%I.%I', p.schema_name, p.table_name), def->>'definition', def->'options');
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_show_cascade_path(tview text)
RETURNS TABLE(depth int, entity text, table_name text, path text) LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    m public.pg_tview_meta;
BEGIN
    m := public.pg_tviews__resolve(tview);
    RETURN QUERY
        SELECT 0, m.entity, format('%I.%I', m.schema_name, m.table_name),
               coalesce((SELECT string_agg(format('%I.%I', d->>'schema', d->>'table'), ', ') FROM jsonb_array_elements(m.dependencies) d), '')
               || ' -> ' || m.table_name
        UNION ALL
        SELECT x.depth, x.entity, format('%I.%I', mm.schema_name, mm.table_name),
               (SELECT string_agg(coalesce((SELECT m3.table_name FROM public.pg_tview_meta m3 WHERE m3.entity = e), e), ' -> ' ORDER BY o)
                  FROM unnest(x.path) WITH ORDINALITY u(e, o))
          FROM public.pg_tviews__dependents(m.entity) x JOIN public.pg_tview_meta mm ON mm.entity = x.entity
        ORDER BY 1, 2;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pg_tviews_health_check()
RETURNS TABLE(status text, component text, message text, severity text) LANGUAGE plpgsql AS $fn$
DECLARE
    m public.pg_tview_meta;
    d jsonb;
    n int;
    bad text;
    nm record;
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

    status := 'OK'; component := 'metadata'; severity := 'info';
    SELECT count(*) INTO n FROM public.pg_tview_meta;
    message := n || ' TVIEW(s) registered';
    IF to_regclass('public.pg_tviews_metadata') IS NULL THEN
        status := 'ERROR'; severity := 'critical'; message := message || '; view pg_tviews_metadata is missing (re-run the installer)';
    END IF;
    RETURN NEXT;

    FOR m IN SELECT * FROM public.pg_tview_meta ORDER BY entity LOOP
        component := 'tview:' || m.entity;
        IF to_regclass(format('%I.%I', m.schema_name, m.table_name)) IS NULL THEN
            status := 'ERROR'; severity := 'critical';
            message := format('table %I.%I is missing; run pg_tviews_convert_existing_table(%L)', m.schema_name, m.table_name, m.entity);
            RETURN NEXT;
            CONTINUE;
        END IF;
        status := 'OK'; severity := 'info'; message := format('table %I.%I exists', m.schema_name, m.table_name);
        RETURN NEXT;
        nm := public.pg_tviews__names(m.entity, m.table_name);
        component := 'functions:' || m.entity;
        SELECT string_agg(h.object_name, ', ') INTO bad FROM public.pg_tview_helpers h
         WHERE h.entity = m.entity AND h.kind = 'function'
           AND to_regprocedure(format('%I.%I(%s)', h.schema_name, h.object_name, h.signature)) IS NULL;
        IF bad IS NOT NULL OR NOT EXISTS (SELECT 1 FROM public.pg_tview_helpers h WHERE h.entity = m.entity AND h.kind = 'function') THEN
            status := 'ERROR'; severity := 'critical';
            message := 'maintenance functions missing: ' || coalesce(bad, 'all') || format('; run pg_tviews_reinstall_triggers(%L)', m.entity);
        ELSE
            status := 'OK'; severity := 'info'; message := 'maintenance functions present';
        END IF;
        RETURN NEXT;
        FOR d IN SELECT x FROM jsonb_array_elements(m.dependencies) x LOOP
            component := format('source:%s:%s.%s', m.entity, d->>'schema', d->>'table');
            IF to_regclass(format('%I.%I', d->>'schema', d->>'table')) IS NULL THEN
                status := 'ERROR'; severity := 'critical';
                message := format('source table %I.%I no longer exists; drop the TVIEW or recreate the source', d->>'schema', d->>'table');
                RETURN NEXT;
                CONTINUE;
            END IF;
            SELECT count(*) FILTER (WHERE t.oid IS NULL),
                   string_agg(h.object_name, ', ') FILTER (WHERE t.oid IS NOT NULL AND t.tgenabled = 'D')
              INTO n, bad
              FROM public.pg_tview_helpers h
              LEFT JOIN pg_trigger t ON t.tgname = h.object_name
                    AND t.tgrelid = to_regclass(format('%I.%I', h.schema_name, h.on_table))
             WHERE h.entity = m.entity AND h.kind = 'trigger' AND h.schema_name = d->>'schema' AND h.on_table = d->>'table';
            IF NOT EXISTS (SELECT 1 FROM public.pg_tview_helpers h WHERE h.entity = m.entity AND h.kind = 'trigger'
                             AND h.schema_name = d->>'schema' AND h.on_table = d->>'table') OR n > 0 THEN
                status := 'ERROR'; severity := 'critical';
                message := format('maintenance triggers missing on %I.%I; run pg_tviews_reinstall_triggers(%L)', d->>'schema', d->>'table', m.entity);
            ELSIF bad IS NOT NULL THEN
                status := 'ERROR'; severity := 'critical';
                message := format('maintenance triggers disabled on %I.%I: %s; ALTER TABLE ... ENABLE TRIGGER, then pg_tviews_refresh(%L)', d->>'schema', d->>'table', bad, m.entity);
            ELSE
                status := 'OK'; severity := 'info';
                message := format('triggers present and enabled on %I.%I (lineage %s)', d->>'schema', d->>'table', d->>'kind');
            END IF;
            RETURN NEXT;
        END LOOP;
    END LOOP;

    component := 'orphans';
    SELECT string_agg(x, ', ') INTO bad FROM (
        SELECT format('trigger %I on %I.%I', t.tgname, n2.nspname, c.relname) AS x
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n2 ON n2.oid = c.relnamespace
         WHERE NOT t.tgisinternal AND t.tgname LIKE 'pg\_tviews\_%'
           AND NOT EXISTS (SELECT 1 FROM public.pg_tview_helpers h JOIN public.pg_tview_meta mm ON mm.entity = h.entity
                            WHERE h.kind = 'trigger' AND h.object_name = t.tgname AND h.schema_name = n2.nspname AND h.on_table = c.relname)
        UNION ALL
        SELECT format('function %I.%I', n2.nspname, p.proname)
          FROM pg_proc p JOIN pg_namespace n2 ON n2.oid = p.pronamespace
         WHERE p.proname LIKE 'pg\_tviews\_%' AND p.proname ~ '_(rk|fr|ft|trg)$'
           AND NOT EXISTS (SELECT 1 FROM public.pg_tview_helpers h JOIN public.pg_tview_meta mm ON mm.entity = h.entity
                            WHERE h.kind = 'function' AND h.object_name = p.proname AND h.schema_name = n2.nspname)) o;
    IF bad IS NULL THEN
        status := 'OK'; severity := 'info'; message := 'no orphaned TVIEW triggers or functions';
    ELSE
        status := 'WARNING'; severity := 'warning'; message := 'orphaned: ' || bad || ' (drop them, or pg_tviews_reinstall_triggers())';
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
        status := 'ERROR'; severity := 'critical'; message := 'TVIEW tables without metadata: ' || bad || ' (run pg_tviews_convert_existing_table(name))';
    END IF;
    RETURN NEXT;

    component := 'prepared_transactions';
    SELECT count(*), string_agg(gid, ', ') INTO n, bad FROM pg_prepared_xacts WHERE prepared < now() - interval '1 hour' AND database = current_database();
    IF n = 0 THEN
        status := 'OK'; severity := 'info'; message := 'no prepared transaction older than 1 hour';
    ELSE
        status := 'WARNING'; severity := 'warning';
        message := n || ' prepared transaction(s) older than 1 hour hold TVIEW locks: ' || bad || ' (COMMIT PREPARED or ROLLBACK PREPARED them)';
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

-- ---------------------------------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE VIEW public.pg_tviews_metadata AS
SELECT m.table_name AS entity_name, m.entity, m.schema_name, m.table_name, m.definition, m.key_column, m.key_type,
       array_to_string(m.dependent_on, ',') AS dependent_on, m.dependencies, m.options, m.last_error,
       m.last_refreshed_at, m.runtime_version, m.created_at, m.updated_at
  FROM public.pg_tview_meta m;

CREATE OR REPLACE VIEW public.pg_tviews_queue_realtime AS
SELECT m.entity, m.schema_name, m.table_name,
       count(l.*) FILTER (WHERE l.granted AND l.classid = (hashtext(m.entity)::bigint & 4294967295)::oid) AS locked_keys,
       count(l.*) FILTER (WHERE NOT l.granted) AS waiting_locks,
       count(DISTINCT l.pid) FILTER (WHERE l.pid IS NOT NULL) AS active_sessions,
       count(DISTINCT l.virtualtransaction) FILTER (WHERE l.pid IS NULL AND l.locktype IS NOT NULL) AS prepared_holders,
       now() AS sampled_at
  FROM public.pg_tview_meta m
  LEFT JOIN pg_locks l ON l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.objsubid = 2
       AND l.classid IN ((hashtext(m.entity)::bigint & 4294967295)::oid, (hashtext(m.entity || '#all')::bigint & 4294967295)::oid)
 GROUP BY m.entity, m.schema_name, m.table_name;

CREATE OR REPLACE FUNCTION public.pg_tviews_get_queue()
RETURNS SETOF public.pg_tviews_queue_realtime LANGUAGE sql STABLE AS $$
    SELECT * FROM public.pg_tviews_queue_realtime WHERE locked_keys > 0 OR waiting_locks > 0;
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

-- ---------------------------------------------------------------------------------------------
-- Upgrade in place: regenerate the generated objects of every existing TVIEW
-- ---------------------------------------------------------------------------------------------
DO $upgrade$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT o.entity FROM public.pg_tviews__order() o LOOP
        BEGIN
            PERFORM public.pg_tviews__install_objects(r.entity);
        EXCEPTION WHEN OTHERS THEN
            UPDATE public.pg_tview_meta SET last_error = 'upgrade: ' || SQLERRM WHERE entity = r.entity;
            RAISE WARNING 'TVIEW %: could not regenerate maintenance objects: %', r.entity, SQLERRM;
        END;
    END LOOP;
    IF EXISTS (SELECT 1 FROM public.pg_tview_meta) THEN
        PERFORM public.pg_tviews__audit('UPGRADE', NULL, jsonb_build_object('runtime_version', public.pg_tviews_version()), NULL);
    END IF;
END
$upgrade$;

COMMIT;
