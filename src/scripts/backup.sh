#!/bin/sh
# backup.sh METHOD — one backup of the database named by the libpq environment.
#   METHOD: logical  (pg_dump -Fc of the whole database)
#           metadata (pg_dump -Fc of the TVIEW runtime catalog: pg_tview_meta, pg_tview_helpers, pg_tview_audit_log)
#           physical (pg_basebackup -Ft -z -X stream of the whole cluster)
# Env: BACKUP_ROOT (required)   where <UTC timestamp>-<method>/ is created
#      PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD|PGPASSFILE   connection (libpq only)
#      PG_BIN                    directory of the PostgreSQL client tools (optional)
#      SKIP_VERIFY=1             do not run verify.sh afterwards; RESTORE_TEST=1 is passed on to it
#      TERMINATION_LOG           where the one-line JSON summary goes too (default /dev/termination-log
#                                when it exists and is writable; empty = nowhere)
# Files are created with umask 027 (no access for "others").
# Exit: 0 backup written and verified; 1 backup failed; 2 cannot connect; 3 written but verification failed.
set -eu
umask 027   # dumps hold the whole database: no access for others
TV_SCRIPT=backup
TV_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TV_DIR/lib.sh"

METHOD=${1:-}
case $METHOD in
    logical|metadata|physical) ;;
    *) die "usage: backup.sh logical|metadata|physical (got '${METHOD}')" ;;
esac
[ -n "${BACKUP_ROOT:-}" ] || die "BACKUP_ROOT is not set (e.g. /backups/<path>/<policy>)"
mkdir -p "$BACKUP_ROOT" || die "cannot create BACKUP_ROOT $BACKUP_ROOT"
BACKUP_ROOT=$(cd "$BACKUP_ROOT" && pwd)

START=$(tv_now_iso)
START_S=$(date +%s)
TS=$(date -u +%Y%m%dT%H%M%SZ)
while [ -e "$BACKUP_ROOT/$TS-$METHOD" ] || [ -e "$BACKUP_ROOT/.tmp-$TS-$METHOD" ]; do
    sleep 1
    TS=$(date -u +%Y%m%dT%H%M%SZ)
done
NAME="$TS-$METHOD"
FINAL="$BACKUP_ROOT/$NAME"
WORK="$BACKUP_ROOT/.tmp-$NAME"
mkdir "$WORK"
TV_ERRFILE="$WORK/.error"
DB=${PGDATABASE:-${PGUSER:-$(id -un)}}
DONE=0

SERVER_VERSION=""; SERVER_VERSION_NUM=""; RUNTIME_VERSION=""
START_LSN=""; END_LSN=""; TIMELINE=""
HAS_CATALOG=0; TOOLS=""; FILES=""
LINES="$WORK/.lines"   # manifest lines describing the catalog and the TVIEWs, built by PostgreSQL (lib.sh)

json_or_null() { if [ -n "$1" ]; then tv_json_str "$1"; else printf 'null'; fi; }

# Writes $WORK/manifest.json. $1 = status, $2 = error message (may be empty).
write_manifest() {
    mf_status=$1; mf_error=$2
    end=$(tv_now_iso); dur=$(( $(date +%s) - START_S ))
    size=0; first=1
    {
        printf '{\n'
        printf '  "formatVersion": 1,\n'
        printf '  "name": %s,\n' "$(tv_json_str "$NAME")"
        printf '  "method": %s,\n' "$(tv_json_str "$METHOD")"
        printf '  "status": %s,\n' "$(tv_json_str "$mf_status")"
        printf '  "error": %s,\n' "$(json_or_null "$mf_error")"
        printf '  "startTime": %s,\n' "$(tv_json_str "$START")"
        printf '  "endTime": %s,\n' "$(tv_json_str "$end")"
        printf '  "durationSeconds": %s,\n' "$dur"
        printf '  "database": %s,\n' "$(tv_json_str "$DB")"
        printf '  "sha256": {'
        for f in $FILES; do
            [ -f "$WORK/$f" ] || continue
            size=$((size + $(tv_size "$WORK/$f")))
            if [ $first = 1 ]; then printf '\n'; first=0; else printf ',\n'; fi
            printf '    %s: %s' "$(tv_json_str "$f")" "$(tv_json_str "$(tv_sha256 "$WORK/$f")")"
        done
        if [ $first = 1 ]; then printf '},\n'; else printf '\n  },\n'; fi
        printf '  "sizeBytes": %s,\n' "$size"
        printf '  "serverVersion": %s,\n' "$(json_or_null "$SERVER_VERSION")"
        printf '  "serverVersionNum": %s,\n' "${SERVER_VERSION_NUM:-null}"
        printf '  "runtimeVersion": %s,\n' "$(json_or_null "$RUNTIME_VERSION")"
        printf '  "startLsn": %s,\n' "$(json_or_null "$START_LSN")"
        printf '  "endLsn": %s,\n' "$(json_or_null "$END_LSN")"
        printf '  "timeline": %s,\n' "${TIMELINE:-null}"
        if [ -s "$LINES" ]; then
            cat "$LINES"
        else
            printf '  "catalogTables": [],\n  "catalogTableNames": [],\n  "tviewTables": {},\n  "tviewTableNames": {},\n  "tviews": {},\n'
        fi
        printf '  "toolVersions": {'
        first=1
        for tool in $TOOLS; do
            v=$("$tool" --version 2>/dev/null | head -n 1) || v=""
            if [ $first = 1 ]; then printf '\n'; first=0; else printf ',\n'; fi
            printf '    %s: %s' "$(tv_json_str "$tool")" "$(tv_json_str "$v")"
        done
        if [ $first = 1 ]; then printf '},\n'; else printf '\n  },\n'; fi
        printf '  "verified": false,\n'
        printf '  "verifiedAt": null,\n'
        printf '  "verification": null\n'
        printf '}\n'
    } >"$WORK/manifest.json.tmp"
    mv "$WORK/manifest.json.tmp" "$WORK/manifest.json"
}

# One-line JSON summary for stdout and the Kubernetes termination message (< 4096 bytes).
summary() {
    mf="$FINAL/manifest.json"
    st=$(tv_manifest_get "$mf" status); ver=$(tv_manifest_get "$mf" verified)
    err=$(tv_manifest_get "$mf" error); vmsg=$(tv_manifest_get "$mf" verification)
    main=$(tv_manifest_object "$mf" sha256 | head -n 1 | awk '{print $2}')
    tv=$(sed -n 's/^  "tviews": \(.*\),$/\1/p' "$mf")
    base=$(printf '{"name":%s,"method":%s,"status":%s,"verified":%s,"path":%s,"startTime":%s,"endTime":%s,"sizeBytes":%s,"sha256":%s,"serverVersion":%s,"startLsn":%s,"endLsn":%s,"error":%s,"verification":%s' \
        "$(tv_json_str "$NAME")" "$(tv_json_str "$METHOD")" "$(tv_json_str "$st")" "${ver:-false}" "$(tv_json_str "$FINAL")" \
        "$(tv_json_str "$(tv_manifest_get "$mf" startTime)")" "$(tv_json_str "$(tv_manifest_get "$mf" endTime)")" \
        "$(tv_manifest_get "$mf" sizeBytes)" "$(json_or_null "$main")" "$(json_or_null "$SERVER_VERSION")" \
        "$(json_or_null "$START_LSN")" "$(json_or_null "$END_LSN")" \
        "$(if [ "$err" = null ]; then echo null; else json_or_null "$(printf '%s' "$err" | tv_clip 600)"; fi)" \
        "$(if [ "$vmsg" = null ]; then echo null; else json_or_null "$(printf '%s' "$vmsg" | tv_clip 600)"; fi)")
    line="$base,\"tviews\":${tv:-\{\}}}"
    if [ ${#line} -gt 3900 ]; then
        line="$base,\"tviewCount\":$(tv_manifest_count "$mf" tviews)}"
    fi
    printf '%s\n' "$line" | tv_redact
    printf '%s\n' "$line" | tv_redact | { read -r l; tv_termination_log "$l"; }
}

on_exit() {
    rc=$?
    trap - EXIT
    if [ "$DONE" = 1 ]; then exit "$rc"; fi
    [ "$rc" != 0 ] || rc=1
    msg="backup failed"
    [ -s "$TV_ERRFILE" ] && msg=$(tail -n 1 "$TV_ERRFILE")
    if [ -d "$WORK" ]; then
        write_manifest failed "$msg" || true
        rm -f "$WORK/.error" "$WORK/.snapshot.sql" "$WORK/.dump.sh" "$WORK/.lines" "$WORK/.dump.rc" "$WORK/.dump.err"
        mv "$WORK" "$FINAL" 2>/dev/null || true
    fi
    if [ -f "$FINAL/manifest.json" ]; then summary || true; fi
    log "backup $NAME FAILED: $msg (directory kept for inspection: $FINAL)"
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

tv_setup_path
tv_require psql sha256sum awk sed
case $METHOD in
    physical)
        tv_require pg_basebackup gzip tar
        TOOLS="pg_basebackup psql"
        if command -v pg_verifybackup >/dev/null 2>&1; then TOOLS="$TOOLS pg_verifybackup"; fi ;;
    *) tv_require pg_dump pg_restore; TOOLS="pg_dump pg_restore psql" ;;
esac

log "backup $NAME of database $DB on $(tv_target) into $FINAL"
tv_check_connection "$DB"
SERVER_VERSION=$(tv_query "$DB" "SHOW server_version")
SERVER_VERSION_NUM=$(tv_query "$DB" "SHOW server_version_num")
if [ -n "$(tv_query "$DB" "SELECT to_regprocedure('pg_tviews_version()')")" ]; then
    RUNTIME_VERSION=$(tv_query "$DB" "SELECT pg_tviews_version()")
fi
HAS_CATALOG=$(tv_query "$DB" "SELECT (to_regclass('pg_tview_meta') IS NOT NULL)::int")
if [ "$HAS_CATALOG" != 1 ]; then
    [ "$METHOD" != metadata ] || die "database $DB has no TVIEW runtime catalog (pg_tview_meta): nothing to back up with method metadata"
    log "warning: database $DB has no TVIEW runtime installed; the manifest lists no TVIEWs"
fi

case $METHOD in
    logical|metadata)
        FILES="dump.pgdump"
        # The row counts and the dump come from ONE snapshot: psql holds a REPEATABLE READ transaction,
        # exports its snapshot and runs pg_dump --snapshot from inside the session (\!). Nothing is spliced:
        # paths and names reach psql as variables and the dump script as environment variables.
        cat >"$WORK/.dump.sh" <<'EOF'
set --
if [ "$TV_METHOD" = metadata ]; then
    for tv_p in "$TV_CAT_META" "$TV_CAT_HELPERS" "$TV_CAT_AUDIT"; do [ -z "$tv_p" ] || set -- "$@" -t "$tv_p"; done
fi
pg_dump -Fc --snapshot="$TV_SNAPSHOT" -f "$TV_DUMP_FILE" "$@" 2>"$TV_DUMP_ERR"
echo $? >"$TV_DUMP_RC"
EOF
        {
            cat <<'EOF'
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT pg_export_snapshot() AS tv_snapshot \gset
\setenv TV_SNAPSHOT :tv_snapshot
-- pg_dump -t patterns of the catalog tables: "schema"."table" with quotes doubled (matched literally)
SELECT coalesce(max(p) FILTER (WHERE name = 'pg_tview_meta'), '') AS tv_cat_meta,
       coalesce(max(p) FILTER (WHERE name = 'pg_tview_helpers'), '') AS tv_cat_helpers,
       coalesce(max(p) FILTER (WHERE name = 'pg_tview_audit_log'), '') AS tv_cat_audit
FROM (SELECT x.name, format('"%s"."%s"', replace(n.nspname, '"', '""'), replace(c.relname, '"', '""')) AS p
      FROM unnest(ARRAY['pg_tview_meta', 'pg_tview_helpers', 'pg_tview_audit_log']) AS x(name)
      JOIN pg_class c ON c.oid = to_regclass(x.name) JOIN pg_namespace n ON n.oid = c.relnamespace) q \gset
\setenv TV_CAT_META :tv_cat_meta
\setenv TV_CAT_HELPERS :tv_cat_helpers
\setenv TV_CAT_AUDIT :tv_cat_audit
EOF
            if [ "$HAS_CATALOG" = 1 ]; then
                printf '%s\n' '\o :lines_file'
                printf '%s;\n' "$TV_MANIFEST_LINES_SQL"
                printf '%s\n' '\o'
            fi
            cat <<'EOF'
\! sh "$TV_DUMP_SCRIPT"
COMMIT;
EOF
        } >"$WORK/.snapshot.sql"
        if ! out=$(TV_METHOD=$METHOD TV_DUMP_SCRIPT="$WORK/.dump.sh" TV_DUMP_FILE="$WORK/dump.pgdump" \
                TV_DUMP_ERR="$WORK/.dump.err" TV_DUMP_RC="$WORK/.dump.rc" \
                tv_psql "$DB" -v "lines_file=$LINES" -f "$WORK/.snapshot.sql" 2>&1); then
            die "snapshot session failed: $(printf '%s' "$out" | tr '\n' ' ')"
        fi
        drc=$(cat "$WORK/.dump.rc" 2>/dev/null || echo 1)
        [ "$drc" = 0 ] || die "pg_dump failed (exit $drc): $(tr '\n' ' ' <"$WORK/.dump.err" 2>/dev/null)"
        rm -f "$WORK/.dump.sh" "$WORK/.dump.rc" "$WORK/.dump.err" "$WORK/.snapshot.sql"
        ;;
    physical)
        # Row counts are read just before the copy starts (a physical backup has no snapshot to share).
        if [ "$HAS_CATALOG" = 1 ]; then
            printf '%s;\n' "$TV_MANIFEST_LINES_SQL" | tv_sql "$DB" >"$LINES"
        fi
        # pg_basebackup wants an empty directory: write into a sub-directory, then move the files up.
        if ! pg_basebackup -D "$WORK/.base" -Ft -z -X stream -c fast --manifest-checksums=SHA256 \
                -l "tviews $NAME" >"$WORK/.basebackup.log" 2>&1; then
            die "pg_basebackup failed: $(tr '\n' ' ' <"$WORK/.basebackup.log")"
        fi
        mv "$WORK/.base"/* "$WORK/"
        rmdir "$WORK/.base"
        rm -f "$WORK/.basebackup.log"
        [ -f "$WORK/base.tar.gz" ] && [ -f "$WORK/backup_manifest" ] || die "pg_basebackup produced no base.tar.gz/backup_manifest"
        FILES=$(cd "$WORK" && ls -- *.tar.gz backup_manifest | sort -t. -k1,1 | awk '$0 == "base.tar.gz" { print; next } { rest = rest " " $0 } END { print rest }')
        wal=$(grep -o '"Start-LSN": "[^"]*", "End-LSN": "[^"]*"' "$WORK/backup_manifest" | tail -n 1)
        START_LSN=$(echo "$wal" | sed 's/.*"Start-LSN": "\([^"]*\)".*/\1/')
        END_LSN=$(echo "$wal" | sed 's/.*"End-LSN": "\([^"]*\)".*/\1/')
        TIMELINE=$(grep -o '"Timeline": [0-9]*' "$WORK/backup_manifest" | tail -n 1 | awk '{print $2}')
        ;;
esac

# Word splitting of $FILES: file names that pg_dump / pg_basebackup chose, without blanks.
write_manifest succeeded ""
rm -f "$WORK/.error" "$LINES"
mv "$WORK" "$FINAL"
DONE=1
log "backup $NAME written ($(tv_manifest_get "$FINAL/manifest.json" sizeBytes) bytes)"

RC=0
if [ "${SKIP_VERIFY:-0}" != 1 ]; then
    if ! sh "$TV_DIR/verify.sh" "$FINAL" >&2; then
        RC=3
        log "backup $NAME written but verification FAILED"
    fi
fi
summary
exit $RC
