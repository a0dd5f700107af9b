#!/bin/sh
# restore.sh DIR TARGET_DB — restores a backup written by backup.sh on the server of the libpq environment.
#   logical:  TARGET_DB must not exist; it is created and the dump restored into it (pg_restore -j RESTORE_JOBS).
#             DATA_ONLY=1: TARGET_DB exists and holds the schema (e.g. pg_restore --schema-only of the same
#             backup) with empty tables; the data is loaded in one transaction with --disable-triggers, so no
#             TVIEW maintenance runs while the tables fill (the dump's TVIEW rows are loaded as they were).
#             --disable-triggers needs a superuser; other roles are refused with the alternative to use.
#   metadata: TARGET_DB must exist; the TVIEW runtime catalog is restored in one transaction:
#             pg_tview_meta and pg_tview_helpers are replaced by the backup's rows, audit-log rows missing
#             from pg_tview_audit_log are added back (nothing newer is lost) and the log_id sequence is moved
#             past the highest log_id. When the catalog tables do not
#             exist at all, they are recreated from the dump. Then pg_tviews_reinstall_triggers() runs.
#   physical: not restored by this script (see docs/operations/backups.md: extract, start a server).
# Afterwards the runtime health check and the consistency of every TVIEW are reported (POST_CHECK=0 skips;
# a failed check exits 4). The checksums are verified first (SKIP_VERIFY=1 skips).
# Prints timings. Exit: 0 ok; 1 failure; 2 cannot connect; 3 backup fails verification; 4 post-restore check failed.
set -eu
TV_SCRIPT=restore
TV_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TV_DIR/lib.sh"

DIR=${1:-}; TARGET=${2:-}
[ -n "$DIR" ] && [ -n "$TARGET" ] || die "usage: restore.sh BACKUP_DIR TARGET_DB"
[ -f "$DIR/manifest.json" ] || die "$DIR has no manifest.json"
DIR=$(cd "$DIR" && pwd)
MF="$DIR/manifest.json"
case $TARGET in ''|*'"'*|*=*) die "invalid database name: $TARGET" ;; esac
tv_setup_path
tv_require psql pg_restore sha256sum awk sed

METHOD=$(tv_manifest_get "$MF" method)
[ "$(tv_manifest_get "$MF" status)" = succeeded ] || die "backup $DIR has status '$(tv_manifest_get "$MF" status)'; refusing to restore it"
T0=$(date +%s)
tv_check_connection postgres

if [ "${SKIP_VERIFY:-0}" != 1 ]; then
    for entry in $(tv_manifest_object "$MF" sha256 | tr ' ' '='); do
        f=${entry%%=*}
        [ "$(tv_sha256 "$DIR/$f" 2>/dev/null || echo missing)" = "${entry#*=}" ] || TV_EXIT=3 die "checksum of $DIR/$f does not match the manifest; refusing to restore"
    done
fi
T1=$(date +%s)

# db_exists NAME — prints 1 when the database exists (the name goes in as a psql variable)
db_exists() {
    printf '%s\n' "SELECT count(*) FROM pg_database WHERE datname = :'name'" | tv_sql postgres -v "name=$1"
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tviews-restore.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

case $METHOD in
    logical)
        if [ "${DATA_ONLY:-0}" = 1 ]; then
            [ "$(db_exists "$TARGET")" = 1 ] ||
                die "database $TARGET does not exist; DATA_ONLY=1 loads the data into an existing database whose schema is in place (pg_restore --schema-only first; see docs/operations/backups.md)"
            # Loading a TVIEW's sources fires its maintenance before the TVIEW's own rows arrive (duplicate
            # keys), and foreign keys see tables in dump order: the data goes in with the triggers disabled,
            # which only a superuser may do.
            [ "$(tv_query "$TARGET" "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = t ] ||
                die "DATA_ONLY=1 needs a superuser (pg_restore --disable-triggers: without it, loading a source table runs TVIEW maintenance before the TVIEW's rows arrive and fails with duplicate keys, and foreign keys are checked in dump order); restore the whole backup into a new database instead (without DATA_ONLY), or run the data-only restore as a superuser"
            log "restoring the data of $(basename "$DIR") into existing database $TARGET (one transaction, triggers disabled)"
            if ! PGDATABASE=$TARGET pg_restore --data-only --disable-triggers --single-transaction --exit-on-error \
                    -d "$TARGET" "$DIR/dump.pgdump" >"$TMP/log" 2>&1; then
                die "data-only pg_restore into $TARGET failed (rolled back; the tables must be empty): $(tr '\n' ' ' <"$TMP/log" | tv_clip 1500)"
            fi
        else
            [ "$(db_exists "$TARGET")" = 0 ] ||
                die "database $TARGET already exists; a logical backup is restored into a NEW database (DATA_ONLY=1 loads only the data into an existing schema)"
            printf '%s\n' 'CREATE DATABASE :"name"' | tv_sql postgres -v "name=$TARGET" >/dev/null
            log "restoring $(basename "$DIR") into new database $TARGET"
            set -- --exit-on-error -j "${RESTORE_JOBS:-2}"
            [ "${RESTORE_NO_OWNER:-0}" != 1 ] || set -- "$@" --no-owner
            if ! PGDATABASE=$TARGET pg_restore "$@" -d "$TARGET" "$DIR/dump.pgdump" >"$TMP/log" 2>&1; then
                die "pg_restore into $TARGET failed (database $TARGET left for inspection): $(tr '\n' ' ' <"$TMP/log" | tv_clip 1500)"
            fi
        fi
        ;;
    metadata)
        [ "$(db_exists "$TARGET")" = 1 ] ||
            die "database $TARGET does not exist; a metadata backup is restored into the existing database"
        # schema of a catalog table in the backup (from the manifest, read by the JSON parser of lib.sh)
        cat_schema() {
            LC_ALL=C awk -v want="$1" "$TV_JSON_AWK"'
                BEGIN { jload(ARGV[1]); p = SUBSEP "catalogTableNames"
                        for (i = 1; i <= JN[p]; i++) if (JV[p SUBSEP i SUBSEP "table"] == want) { print jline(JV[p SUBSEP i SUBSEP "schema"]); exit }
                        p = SUBSEP "catalogTables"
                        for (i = 1; i <= JN[p]; i++) { v = JV[p SUBSEP i]; if (substr(v, index(v, ".") + 1) == want) { print jline(substr(v, 1, index(v, ".") - 1)); exit } } }' "$MF"
        }
        META_S=$(cat_schema pg_tview_meta); HELPERS_S=$(cat_schema pg_tview_helpers); AUDIT_S=$(cat_schema pg_tview_audit_log)
        [ -n "$META_S" ] || die "the manifest of $DIR lists no pg_tview_meta"
        missing=$(tv_query "$TARGET" "SELECT count(*) FROM unnest(ARRAY['pg_tview_meta', 'pg_tview_helpers', 'pg_tview_audit_log']) x WHERE to_regclass(x) IS NULL")
        if [ "$missing" != 0 ]; then
            log "$missing catalog table(s) missing in $TARGET: recreating the catalog from the dump"
            if ! PGDATABASE=$TARGET pg_restore --exit-on-error --single-transaction -d "$TARGET" "$DIR/dump.pgdump" >"$TMP/log" 2>&1; then
                die "pg_restore of the catalog into $TARGET failed: $(tr '\n' ' ' <"$TMP/log" | tv_clip 1500)"
            fi
        else
            log "replacing the TVIEW catalog of $TARGET with the backup's rows (one transaction)"
            {
                # the target's catalog tables, resolved once (the dump's SQL empties search_path)
                cat <<'EOF'
BEGIN;
SELECT format('%I.%I', n.nspname, c.relname) AS tv_meta FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'pg_tview_meta'::regclass \gset
SELECT format('%I.%I', n.nspname, c.relname) AS tv_helpers FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'pg_tview_helpers'::regclass \gset
SELECT format('%I.%I', n.nspname, c.relname) AS tv_audit FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'pg_tview_audit_log'::regclass \gset
TRUNCATE :tv_meta, :tv_helpers;
EOF
                pg_restore --data-only -t pg_tview_meta -n "$META_S" -f - "$DIR/dump.pgdump"
                [ -z "$HELPERS_S" ] || pg_restore --data-only -t pg_tview_helpers -n "$HELPERS_S" -f - "$DIR/dump.pgdump"
                if [ -n "$AUDIT_S" ]; then
                    # merge: the backup's audit rows go to a temporary table, the missing ones are added, and the
                    # log_id sequence moves past the highest log_id (the merged rows keep their ids)
                    printf '%s\n' 'CREATE TEMPORARY TABLE tviews_restore_audit (LIKE :tv_audit) ON COMMIT DROP;'
                    pg_restore --data-only -t pg_tview_audit_log -n "$AUDIT_S" -f - "$DIR/dump.pgdump" |
                        awk '!done && /^COPY / { i = index($0, " (log_id"); if (i > 0) { $0 = "COPY pg_temp.tviews_restore_audit" substr($0, i); done = 1 } } { print }'
                    cat <<'EOF'
INSERT INTO :tv_audit SELECT * FROM pg_temp.tviews_restore_audit r WHERE NOT EXISTS (SELECT 1 FROM :tv_audit a WHERE a.log_id = r.log_id);
SELECT pg_catalog.setval(s.seq, m.max_id)
FROM (SELECT pg_catalog.pg_get_serial_sequence(:'tv_audit', 'log_id') AS seq) s,
     (SELECT max(log_id) AS max_id FROM :tv_audit) m
WHERE s.seq IS NOT NULL AND m.max_id IS NOT NULL \g /dev/null
EOF
                fi
                printf '%s\n' 'COMMIT;'
            } >"$TMP/catalog.sql"
            if ! out=$(PGDATABASE=$TARGET psql -X -q -v ON_ERROR_STOP=1 -f "$TMP/catalog.sql" 2>&1); then
                die "restoring the catalog rows into $TARGET failed (rolled back): $(printf '%s' "$out" | tr '\n' ' ' | tv_clip 1500)"
            fi
        fi
        if [ "$(tv_query "$TARGET" "SELECT to_regprocedure('pg_tviews_reinstall_triggers(text)') IS NOT NULL")" = t ]; then
            tv_query "$TARGET" "SELECT pg_tviews_reinstall_triggers(NULL)" >/dev/null
            log "triggers reinstalled with pg_tviews_reinstall_triggers()"
        fi
        ;;
    physical)
        die "physical backups are restored by extracting them and starting a server on the copy; see docs/operations/backups.md"
        ;;
    *) die "unknown method '$METHOD' in $MF" ;;
esac
T2=$(date +%s)

RC=0
if [ "${POST_CHECK:-1}" = 1 ]; then
    cmf=""; [ "$METHOD" != logical ] || cmf=$MF
    if out=$(tv_check_database "$TARGET" "$cmf" 2>&1); then
        printf '%s\n' "$out"
    else
        printf '%s\n' "$out"
        log "post-restore checks FAILED on $TARGET"
        RC=4
    fi
fi
T3=$(date +%s)
echo "timings: verify=$((T1 - T0))s restore=$((T2 - T1))s checks=$((T3 - T2))s total=$((T3 - T0))s"
echo "restored $(basename "$DIR") ($METHOD) into $TARGET"
exit $RC
