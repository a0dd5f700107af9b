-- A prototype of a lighter commit-time design (FloorBenchmark), over tb_product_d / tb_category_d. NOT a complete
-- design: the product side only (no category rename), one TVIEW, no reports, no REPEATABLE READ conflict stamp.
-- Instead of a statement trigger that queues keys, a DEFERRABLE INITIALLY DEFERRED row trigger fires at COMMIT for
-- each written row:
--   * when the transaction wrote one row (a count kept in a setting by the trigger's WHEN clause, so no trigger
--     function runs for it), it locks the row's keys and recomputes them at once; a forged count makes the rows of
--     that transaction be handled one by one in write order (lock order, so deadlocks), never skipped;
--   * otherwise it queues its keys; the first queued row (found by a probe of the queue, which only the owner
--     writes) carries the queue's own deferred event, which fires after every row event and flushes set-based:
--     keys sorted, locked in order, one recompute statement.
CREATE VIEW dv_product_d AS
SELECT p.pk_product, p.fk_category, p.id,
       jsonb_build_object('name', p.name, 'price', p.price, 'category', jsonb_build_object('id', c.pk_category, 'name', c.name)) AS data
  FROM tb_product_d p JOIN tb_category_d c ON c.pk_category = p.fk_category;
CREATE TABLE tv_product_d (pk_product int PRIMARY KEY, fk_category int, id uuid, data jsonb);
CREATE INDEX ON tv_product_d (fk_category);
CREATE INDEX ON tv_product_d (id);
INSERT INTO tv_product_d SELECT * FROM dv_product_d;
CREATE TABLE lk_product_d (scope text COLLATE "C" NOT NULL, val text COLLATE "C" NOT NULL, n bigint NOT NULL DEFAULT 0, PRIMARY KEY (scope, val));
CREATE UNLOGGED TABLE q_product_d (tx xid8 NOT NULL DEFAULT pg_current_xact_id(), keys integer[] NOT NULL, ev boolean NOT NULL);
CREATE INDEX ON q_product_d (tx);

-- lock, then recompute, the given keys (sorted by the caller)
CREATE FUNCTION recompute_product_d(_keys integer[]) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $b$
DECLARE
    _k integer;
    _one text;
BEGIN
    INSERT INTO public.lk_product_d AS l (scope, val) SELECT 'k', v FROM unnest(_keys::text[]) v ORDER BY v COLLATE "C"
        ON CONFLICT (scope, val) DO UPDATE SET n = l.n + 1;
    IF cardinality(_keys) <= 8 THEN
        FOREACH _k IN ARRAY _keys LOOP
            INSERT INTO public.tv_product_d AS t (pk_product, fk_category, id, data)
            SELECT pk_product, fk_category, id, data FROM (SELECT q.*, count(*) OVER () AS n FROM public.dv_product_d q WHERE q.pk_product = _k) s
             WHERE s.n = 1
            ON CONFLICT (pk_product) DO UPDATE SET fk_category = EXCLUDED.fk_category, id = EXCLUDED.id, data = EXCLUDED.data
             WHERE ROW(t.fk_category, t.id, t.data)::record OPERATOR(pg_catalog.*<>) ROW(EXCLUDED.fk_category, EXCLUDED.id, EXCLUDED.data)::record
            RETURNING t.pk_product::text INTO _one;
            IF _one IS NULL THEN
                DELETE FROM public.tv_product_d t WHERE t.pk_product = _k AND NOT EXISTS (SELECT 1 FROM public.dv_product_d q WHERE q.pk_product = _k);
            END IF;
        END LOOP;
    ELSE
        WITH src AS MATERIALIZED (SELECT * FROM public.dv_product_d q WHERE q.pk_product = ANY(_keys)),
             del AS (DELETE FROM public.tv_product_d t WHERE t.pk_product = ANY(_keys) AND NOT EXISTS (SELECT 1 FROM src WHERE src.pk_product = t.pk_product)),
             up AS (INSERT INTO public.tv_product_d AS t SELECT * FROM src
                    ON CONFLICT (pk_product) DO UPDATE SET fk_category = EXCLUDED.fk_category, id = EXCLUDED.id, data = EXCLUDED.data
                     WHERE ROW(t.fk_category, t.id, t.data)::record OPERATOR(pg_catalog.*<>) ROW(EXCLUDED.fk_category, EXCLUDED.id, EXCLUDED.data)::record)
        SELECT count(*) FROM src INTO _one;
    END IF;
END $b$;

CREATE FUNCTION flush_product_d() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $b$
DECLARE
    _keys integer[];
BEGIN
    WITH d AS (DELETE FROM public.q_product_d q WHERE q.tx = pg_current_xact_id() RETURNING q.keys)
    SELECT ARRAY(SELECT DISTINCT k FROM d, unnest(d.keys) k ORDER BY 1) INTO _keys;
    IF cardinality(_keys) > 0 THEN
        PERFORM public.recompute_product_d(_keys);
    END IF;
    RETURN NULL;
END $b$;
CREATE CONSTRAINT TRIGGER flush AFTER INSERT ON q_product_d DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.ev)
    EXECUTE FUNCTION flush_product_d();

CREATE FUNCTION row_event_product_d() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $b$
DECLARE
    _keys integer[] := CASE TG_OP WHEN 'INSERT' THEN ARRAY[NEW.pk_product] WHEN 'DELETE' THEN ARRAY[OLD.pk_product]
                       ELSE CASE WHEN OLD.pk_product = NEW.pk_product THEN ARRAY[NEW.pk_product]
                                 ELSE ARRAY[least(OLD.pk_product, NEW.pk_product), greatest(OLD.pk_product, NEW.pk_product)] END END;
BEGIN
    IF current_setting('pg_tviews_proto.rows') = '1' THEN
        PERFORM public.recompute_product_d(_keys);
    ELSE
        INSERT INTO public.q_product_d (keys, ev)
        SELECT _keys, NOT EXISTS (SELECT 1 FROM public.q_product_d q WHERE q.tx = pg_current_xact_id());
    END IF;
    RETURN NULL;
END $b$;
CREATE CONSTRAINT TRIGGER row_event AFTER INSERT OR UPDATE OR DELETE ON tb_product_d DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (set_config('pg_tviews_proto.rows', (coalesce(nullif(current_setting('pg_tviews_proto.rows', true), ''), '0')::bigint + 1)::text, true) IS NOT NULL)
    EXECUTE FUNCTION row_event_product_d();
