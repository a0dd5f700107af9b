#!/bin/sh
# verify.sh DIR — verifies one backup directory written by backup.sh and records the result in its
# manifest.json ("verified", "verifiedAt", "verification").
#   always:   sha256 of every file listed in the manifest
#   logical:  pg_restore -l lists every TVIEW table (definition and data) and the runtime catalog tables
#   metadata: pg_restore -l lists the runtime catalog tables (definition and data)
#   physical: gzip/tar integrity of every archive, then pg_verifybackup on a copy extracted into a
#             temporary directory (backup_manifest checksums and the WAL needed for consistency)
#   RESTORE_TEST=1 (logical only): restore into a scratch database on the server of the libpq
#             environment (RESTORE_DB, default verify_<timestamp>), run pg_tviews_health_check() and
#             pg_tviews_check_consistency() for every TVIEW, compare row counts with the manifest, then
#             drop the scratch database (KEEP_RESTORE_DB=1 keeps it for forensics).
# Env: TMPDIR (extraction space for physical), PG_BIN, libpq variables for RESTORE_TEST.
# Exit: 0 verified; 1 verification failed or usage error; 2 cannot connect (restore test).
set -eu
TV_SCRIPT=verify
TV_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TV_DIR/lib.sh"

DIR=${1:-}
[ -n "$DIR" ] || die "usage: verify.sh BACKUP_DIR"
[ -d "$DIR" ] || die "backup directory $DIR does not exist"
DIR=$(cd "$DIR" && pwd)
MF="$DIR/manifest.json"
[ -f "$MF" ] || die "$DIR has no manifest.json"
tv_setup_path
tv_require sha256sum awk sed

METHOD=$(tv_manifest_get "$MF" method)
STATUS=$(tv_manifest_get "$MF" status)
NAME=$(tv_manifest_get "$MF" name)
PROBLEMS=""
SCRATCH=""; TMP=""
problem() { PROBLEMS="$PROBLEMS${PROBLEMS:+; }$*"; log "FAILED: $*"; }

cleanup() {
    if [ -n "$TMP" ]; then rm -rf "$TMP"; fi
    if [ -n "$SCRATCH" ] && [ "${KEEP_RESTORE_DB:-0}" != 1 ]; then
        printf '%s\n' 'DROP DATABASE IF EXISTS :"scratch"' | tv_psql postgres -v "scratch=$SCRATCH" -f - >/dev/null 2>&1 ||
            log "warning: could not drop scratch database $SCRATCH"
    fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

finish() {
    now=$(tv_now_iso)
    if [ -z "$PROBLEMS" ]; then
        tv_manifest_set "$MF" verified true
        tv_manifest_set "$MF" verifiedAt "$(tv_json_str "$now")"
        tv_manifest_set "$MF" verification "$(tv_json_str "ok: $CHECKS")"
        log "backup $NAME verified: $CHECKS"
        exit 0
    fi
    tv_manifest_set "$MF" verified false
    tv_manifest_set "$MF" verifiedAt "$(tv_json_str "$now")"
    tv_manifest_set "$MF" verification "$(tv_json_str "$(printf '%s' "$PROBLEMS" | tv_clip 1500)")"
    log "backup $NAME NOT verified: $PROBLEMS"
    exit 1
}

CHECKS=""
check_done() { CHECKS="$CHECKS${CHECKS:+, }$*"; }

if [ "$STATUS" != succeeded ]; then
    problem "backup status is '$STATUS', not succeeded"
    finish
fi

# 1. checksums
nfiles=0
for entry in $(tv_manifest_object "$MF" sha256 | tr ' ' '='); do
    f=${entry%%=*}; want=${entry#*=}
    nfiles=$((nfiles + 1))
    if [ ! -f "$DIR/$f" ]; then problem "$f is missing"; continue; fi
    have=$(tv_sha256 "$DIR/$f")
    [ "$have" = "$want" ] || problem "sha256 mismatch for $f (manifest $want, file $have)"
done
[ "$nfiles" -gt 0 ] || problem "the manifest lists no files"
[ -n "$PROBLEMS" ] || check_done "sha256 of $nfiles file(s)"

case $METHOD in
    logical|metadata)
        tv_require pg_restore
        TMP=$(mktemp -d "${TMPDIR:-/tmp}/tviews-verify.XXXXXX")
        if ! pg_restore -l "$DIR/dump.pgdump" >"$TMP/toc" 2>"$TMP/err"; then
            problem "pg_restore -l cannot read dump.pgdump: $(tr '\n' ' ' <"$TMP/err")"
            finish
        fi
        # TOC lines: "<id>; <oid> <oid> TABLE <schema> <name> <owner>" / "... TABLE DATA <schema> <name> <owner>"
        # (pg_restore -l shows newlines in names as spaces). The expected tables come from the manifest's
        # catalogTableNames / tviewTableNames, read by the JSON parser of lib.sh: names are compared as text in
        # awk and never pass through the shell.
        LC_ALL=C awk -v method="$METHOD" "$TV_JSON_AWK"'
            function tocname(s) { gsub(/[\n\r]/, " ", s); return s }
            function want(s, t, what) {
                if (!(("TABLE " tocname(s) " " tocname(t) " ") in seen)) print "problem " jline(what) " " jline(s "." t) ": no table definition in the dump"
                if (!(("TABLE DATA " tocname(s) " " tocname(t) " ") in seen)) print "problem " jline(what) " " jline(s "." t) ": no table data in the dump"
            }
            # the table of one member of an object or array: {"schema": s, "table": t}, or "s.t" (older manifests)
            function member(names, plain, k, what,   q, v) {
                q = names SUBSEP k
                if (JT[q] == "o") { want(JV[q SUBSEP "schema"], JV[q SUBSEP "table"], what); return }
                v = JV[plain SUBSEP k]; want(substr(v, 1, index(v, ".") - 1), substr(v, index(v, ".") + 1), what)
            }
            BEGIN {
                jload(ARGV[1])
                if (JERR != "") { print "problem manifest.json is not valid JSON: " jline(JERR); exit }
                while ((getline l < ARGV[2]) > 0) {
                    if (!match(l, /^[0-9]+; [0-9]+ [0-9]+ TABLE /)) continue
                    rest = substr(l, RLENGTH - 5)
                    for (i = 1; i <= length(rest); i++) if (substr(rest, i, 1) == " ") seen[substr(rest, 1, i)] = 1
                }
                ncat = 0; ntv = 0
                names = SUBSEP "catalogTableNames"; plain = SUBSEP "catalogTables"; if (!(names in JT)) names = plain
                for (i = 1; i <= JN[names]; i++) { ncat++; member(names, plain, i, "catalog table") }
                if (method == "logical") {
                    names = SUBSEP "tviewTableNames"; plain = SUBSEP "tviewTables"; if (!(names in JT)) names = plain
                    for (i = 1; i <= JN[names]; i++) { ntv++; member(names, plain, JK[names, i], "TVIEW " JK[names, i]) }
                }
                print "counts " ncat " " ntv
            }' "$MF" "$TMP/toc" >"$TMP/tocheck"
        while IFS= read -r line; do
            case $line in problem\ *) problem "${line#problem }" ;; esac
        done <"$TMP/tocheck"
        ncat=$(sed -n 's/^counts \([0-9]*\) [0-9]*$/\1/p' "$TMP/tocheck"); ncat=${ncat:-0}
        ntv=$(sed -n 's/^counts [0-9]* \([0-9]*\)$/\1/p' "$TMP/tocheck"); ntv=${ntv:-0}
        [ "$METHOD" != metadata ] || [ "$ncat" -gt 0 ] || problem "metadata backup lists no catalog tables"
        [ -n "$PROBLEMS" ] || check_done "pg_restore -l lists $ncat catalog table(s) and $ntv TVIEW table(s)"
        ;;
    physical)
        tv_require gzip tar
        TMP=$(mktemp -d "${TMPDIR:-/tmp}/tviews-verify.XXXXXX")
        for f in "$DIR"/*.tar.gz; do
            [ -f "$f" ] || continue
            gzip -t "$f" 2>"$TMP/err" || { problem "$(basename "$f") is not a valid gzip file: $(tr '\n' ' ' <"$TMP/err")"; continue; }
            tar -tzf "$f" >/dev/null 2>"$TMP/err" || problem "$(basename "$f") is not a valid tar archive: $(tr '\n' ' ' <"$TMP/err")"
        done
        [ -f "$DIR/backup_manifest" ] || problem "backup_manifest is missing"
        if [ -z "$PROBLEMS" ]; then
            check_done "gzip and tar integrity"
            mkdir -p "$TMP/data"
            tar -xzf "$DIR/base.tar.gz" -C "$TMP/data"
            for f in "$DIR"/*.tar.gz; do
                b=$(basename "$f" .tar.gz)
                case $b in
                    base) ;;
                    pg_wal) mkdir -p "$TMP/data/pg_wal"; tar -xzf "$f" -C "$TMP/data/pg_wal" ;;
                    *) mkdir -p "$TMP/data/pg_tblspc_extract/$b"; tar -xzf "$f" -C "$TMP/data/pg_tblspc_extract/$b" ;;
                esac
            done
            if [ -d "$TMP/data/pg_tblspc_extract" ]; then
                # tablespace archives: pg_verifybackup expects them under pg_tblspc/<oid>
                for d in "$TMP/data/pg_tblspc_extract"/*; do
                    rm -f "$TMP/data/pg_tblspc/$(basename "$d")"
                    mv "$d" "$TMP/data/pg_tblspc/$(basename "$d")"
                done
                rmdir "$TMP/data/pg_tblspc_extract"
            fi
            if ! command -v pg_verifybackup >/dev/null 2>&1; then
                log "warning: pg_verifybackup not installed; backup_manifest checksums not checked"
                check_done "pg_verifybackup skipped (not installed)"
            elif pg_verifybackup -m "$DIR/backup_manifest" "$TMP/data" >"$TMP/out" 2>&1; then
                check_done "pg_verifybackup"
            else
                problem "pg_verifybackup: $(tr '\n' ' ' <"$TMP/out" | tv_clip 800)"
            fi
        fi
        ;;
    *) problem "unknown method '$METHOD' in the manifest" ;;
esac

if [ "${RESTORE_TEST:-0}" = 1 ] && [ -z "$PROBLEMS" ]; then
    if [ "$METHOD" != logical ]; then
        log "RESTORE_TEST=1 applies to logical backups only; skipped for a $METHOD backup"
    else
        tv_require psql pg_restore
        tv_check_connection postgres
        SCRATCH=${RESTORE_DB:-verify_$(date -u +%Y%m%dT%H%M%SZ | tr 'TZ' 't_' | sed 's/_$//')_$$}
        log "restore test: restoring into scratch database $SCRATCH"
        t0=$(date +%s)
        printf '%s\n' 'CREATE DATABASE :"scratch"' | tv_sql postgres -v "scratch=$SCRATCH" >/dev/null
        if ! PGDATABASE=$SCRATCH pg_restore --no-owner --exit-on-error -d "$SCRATCH" "$DIR/dump.pgdump" >"$TMP/restore.log" 2>&1; then
            problem "restore test: pg_restore into $SCRATCH failed: $(tr '\n' ' ' <"$TMP/restore.log" | tv_clip 800)"
        else
            t1=$(date +%s)
            if out=$(tv_check_database "$SCRATCH" "$MF" 2>&1); then
                printf '%s\n' "$out" >&2
                check_done "restore test ($((t1 - t0))s restore, $(printf '%s\n' "$out" | grep -c '^consistency') TVIEW(s) consistent)"
            else
                printf '%s\n' "$out" >&2
                problem "restore test: $(printf '%s\n' "$out" | grep 'FAILED\|ERROR\|not installed' | tr '\n' ' ' | tv_clip 1000)"
            fi
        fi
    fi
fi

finish
