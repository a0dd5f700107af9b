#!/bin/sh
# restore.sh DIR TARGET_DB — restores a backup written by backup.sh on the server of the libpq environment.
#   logical:  TARGET_DB must not exist; it is created and the dump restored into it (pg_restore -j RESTORE_JOBS).
#   metadata: TARGET_DB must exist; the TVIEW runtime catalog is restored in one transaction:
#             pg_tview_meta and pg_tview_helpers are replaced by the backup's rows, audit-log rows missing
#             from pg_tview_audit_log are added back (nothing newer is lost). When the catalog tables do not
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
case $TARGET in *'"'*) die "invalid database name: $TARGET" ;; esac
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

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tviews-restore.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

case $METHOD in
    logical)
        [ -z "$(tv_query postgres "SELECT 1 FROM pg_database WHERE datname = '$TARGET'")" ] ||
            die "database $TARGET already exists; a logical backup is restored into a NEW database"
        tv_query postgres "CREATE DATABASE \"$TARGET\"" >/dev/null
        log "restoring $(basename "$DIR") into new database $TARGET"
        set -- --exit-on-error -j "${RESTORE_JOBS:-2}"
        [ "${RESTORE_NO_OWNER:-0}" != 1 ] || set -- "$@" --no-owner
        if ! PGDATABASE=$TARGET pg_restore "$@" -d "$TARGET" "$DIR/dump.pgdump" >"$TMP/log" 2>&1; then
            die "pg_restore into $TARGET failed (database $TARGET left for inspection): $(tr '\n' ' ' <"$TMP/log" | cut -c1-1500)"
        fi
        ;;
    metadata)
        [ -n "$(tv_query postgres "SELECT 1 FROM pg_database WHERE datname = '$TARGET'")" ] ||
            die "database $TARGET does not exist; a metadata backup is restored into the existing database"
        missing=""
        for t in $(tv_manifest_array "$MF" catalogTables); do
            [ -n "$(tv_query "$TARGET" "SELECT to_regclass('$t')")" ] || missing="$missing $t"
        done
        if [ -n "$missing" ]; then
            log "catalog table(s)$missing missing in $TARGET: recreating the catalog from the dump"
            if ! PGDATABASE=$TARGET pg_restore --exit-on-error --single-transaction -d "$TARGET" "$DIR/dump.pgdump" >"$TMP/log" 2>&1; then
                die "pg_restore of the catalog into $TARGET failed: $(tr '\n' ' ' <"$TMP/log" | cut -c1-1500)"
            fi
        else
            log "replacing the TVIEW catalog of $TARGET with the backup's rows (one transaction)"
            replace=""; audit=""
            for t in $(tv_manifest_array "$MF" catalogTables); do
                case $t in
                    *.pg_tview_audit_log) audit=$t ;;
                    *) replace="$replace${replace:+, }$t" ;;
                esac
            done
            {
                echo "\\set ON_ERROR_STOP 1"
                echo "BEGIN;"
                if [ -n "$replace" ]; then
                    echo "TRUNCATE $replace;"
                    for t in $(printf '%s' "$replace" | tr ',' ' '); do
                        pg_restore --data-only -t "${t#*.}" -n "${t%%.*}" -f - "$DIR/dump.pgdump"
                    done
                fi
                if [ -n "$audit" ]; then
                    # merge: put the backup's rows in a temporary table, add the ones that are missing
                    echo "CREATE TEMPORARY TABLE tviews_restore_audit (LIKE $audit) ON COMMIT DROP;"
                    pg_restore --data-only -t "${audit#*.}" -n "${audit%%.*}" -f - "$DIR/dump.pgdump" |
                        sed "s/^COPY ${audit%%.*}\\.${audit#*.} /COPY pg_temp.tviews_restore_audit /"
                    echo "INSERT INTO $audit SELECT * FROM tviews_restore_audit r WHERE NOT EXISTS (SELECT 1 FROM $audit a WHERE a.log_id = r.log_id);"
                fi
                echo "COMMIT;"
            } >"$TMP/catalog.sql"
            if ! out=$(PGDATABASE=$TARGET psql -X -q -f "$TMP/catalog.sql" 2>&1); then
                die "restoring the catalog rows into $TARGET failed (rolled back): $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-1500)"
            fi
        fi
        if [ -n "$(tv_query "$TARGET" "SELECT to_regprocedure('pg_tviews_reinstall_triggers(text)')")" ]; then
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
