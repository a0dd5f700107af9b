-- The floor of a single-row write's maintenance (FloorBenchmark). Over tb_product_f<n> / tb_category_f<n> (the
-- tables of ProductBenchmark), tv_product_f<n> is kept by one DEFERRABLE INITIALLY DEFERRED row trigger that, at
-- COMMIT:
--   f0  does nothing (what the trigger itself costs);
--   f1  recomputes the written row's key (the upsert the runtime runs for one key);
--   f2  locks the key in a lock table, then recomputes it (the key lock that makes a recompute correct when
--       another transaction recomputes the same key concurrently, e.g. through a category rename).
-- These are deliberately NOT maintenance designs: no coalescing, no lock order across keys (deadlocks), no
-- category side, no DELETE. They bound from below what any maintenance that recomputes the row at COMMIT in
-- PL/pgSQL spends on a single-row UPDATE; f2 is the least a correct one does.
DO $do$
DECLARE
    v int;
    work text;
BEGIN
    FOR v IN 0 .. 2 LOOP
        EXECUTE format('CREATE TABLE %I (pk_product int PRIMARY KEY, fk_category int, id uuid, data jsonb)', 'tv_product_f' || v);
        EXECUTE format('CREATE INDEX ON %I (fk_category)', 'tv_product_f' || v);
        EXECUTE format('CREATE INDEX ON %I (id)', 'tv_product_f' || v);
        EXECUTE format($q$INSERT INTO %I SELECT p.pk_product, p.fk_category, p.id,
                jsonb_build_object('name', p.name, 'price', p.price, 'category', jsonb_build_object('id', c.pk_category, 'name', c.name))
                FROM %I p JOIN %I c ON c.pk_category = p.fk_category$q$, 'tv_product_f' || v, 'tb_product_f' || v, 'tb_category_f' || v);
        EXECUTE format('CREATE TABLE %I (scope text COLLATE "C" NOT NULL, val text COLLATE "C" NOT NULL, n bigint NOT NULL DEFAULT 0, PRIMARY KEY (scope, val))',
                       'lk_product_f' || v);
        work := CASE WHEN v = 0 THEN '' ELSE format($q$
    %s
    INSERT INTO public.%I AS t (pk_product, fk_category, id, data)
    SELECT pk_product, fk_category, id, data
      FROM (SELECT p.pk_product, p.fk_category, p.id,
                   jsonb_build_object('name', p.name, 'price', p.price, 'category', jsonb_build_object('id', c.pk_category, 'name', c.name)) AS data,
                   count(*) OVER () AS n
              FROM public.%I p JOIN public.%I c ON c.pk_category = p.fk_category WHERE p.pk_product = _k) s
     WHERE s.n = 1
    ON CONFLICT (pk_product) DO UPDATE SET fk_category = EXCLUDED.fk_category, id = EXCLUDED.id, data = EXCLUDED.data
     WHERE ROW(t.fk_category, t.id, t.data)::record OPERATOR(pg_catalog.*<>) ROW(EXCLUDED.fk_category, EXCLUDED.id, EXCLUDED.data)::record
    RETURNING t.pk_product::text INTO _one;$q$,
            CASE WHEN v = 2 THEN format($q$INSERT INTO public.%I AS l (scope, val) VALUES ('k', _k::text) ON CONFLICT (scope, val) DO UPDATE SET n = l.n + 1;$q$,
                                        'lk_product_f' || v) ELSE '' END,
            'tv_product_f' || v, 'tb_product_f' || v, 'tb_category_f' || v) END;
        EXECUTE format($f$CREATE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $b$
DECLARE
    _k integer := NEW.pk_product;
    _one text;
BEGIN%s
    RETURN NULL;
END
$b$$f$, 'floor_f' || v, work);
        EXECUTE format('CREATE CONSTRAINT TRIGGER floor AFTER INSERT OR UPDATE ON %I DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION %I()',
                       'tb_product_f' || v, 'floor_f' || v);
    END LOOP;
END
$do$;
