#!/bin/sh
# drill.sh SCENARIO — a disaster-recovery drill on a SCRATCH database (never the production database).
#   restore-latest    restore the newest verified logical backup under BACKUP_ROOT into a new scratch database
#                     and verify it
#   metadata-loss     restore as above, delete every row of pg_tview_meta in the scratch copy, recover the
#                     catalog (restore.sh of the newest verified metadata backup; without one,
#                     pg_tviews_convert_existing_table(name) per TVIEW table in dependency order), verify
#   tview-corruption  restore as above, corrupt rows of one TVIEW (one deleted, one altered, one extra),
#                     detect them with pg_tviews_check_consistency (exact damage expected),
#                     pg_tviews_repair, verify
# Verification (every scenario): pg_tviews_health_check() has no ERROR row; every TVIEW consistent; row counts
# equal the backup manifest's "tviews"; a write to a source table (and its revert) maintains the TVIEWs.
# Measures RTO (restore + recovery + verification seconds) and RPO (drill start - backup endTime).
# Env: BACKUP_ROOT (required)        directory of backup.sh backups (<UTC ts>-<method>/manifest.json)
#      DRILL_NAME (default manual)   used in the scratch database name and the report
#      SCRATCH_DB                    default drill_<name>_<UTC timestamp>; must not exist
#      CLEANUP=Always|OnSuccess      drop the scratch database always (default) or only after a success
#      TARGET_RTO_SECONDS, TARGET_RPO_SECONDS   targets (optional); missing them makes the targets-met check
#                                    fail but the drill still Succeeds ("targetsMet": false) unless
#                                    FAIL_ON_MISSED_TARGETS=1
#      DEADLINE_SECONDS              the drill fails with check "deadline" when it runs longer; running steps
#                                    are killed (coreutils timeout) when the deadline passes; SIGTERM does the
#                                    same at once (result still written, scratch database dropped per CLEANUP)
#      CORRUPT_TVIEW                 tview-corruption: the TVIEW to corrupt (default: the leaf TVIEW with most rows)
#      MAINTENANCE_DB (default postgres)   database used to CREATE/DROP the scratch database
#      TERMINATION_LOG               where the JSON result goes too (default /dev/termination-log if writable)
#      REPORT_FILE                   Markdown report of the run (optional)
#      PGHOST PGPORT PGUSER PGPASSWORD|PGPASSFILE   connection (libpq only; PGDATABASE = production, never written)
#      PG_BIN, RESTORE_JOBS, RESTORE_NO_OWNER      passed on to restore.sh
# Output: one line of JSON on stdout (and in TERMINATION_LOG, < 4 KiB). Logs go to stderr.
# Exit: 0 Succeeded; 1 Failed; 2 cannot connect.
set -eu
umask 027
TV_SCRIPT=drill
TV_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TV_DIR/lib.sh"

SCENARIO=${1:-}
DRILL_NAME=${DRILL_NAME:-manual}
CLEANUP=${CLEANUP:-Always}
MAINT=${MAINTENANCE_DB:-postgres}
START_ISO=$(tv_now_iso)
START_S=$(date +%s)

# ---------------------------------------------------------------------------------------------------
# time in milliseconds (GNU date; whole seconds elsewhere)
now_ms() {
    nm=$(date +%s%N 2>/dev/null || true)
    case $nm in
        ''|*[!0-9]*) echo $(( $(date +%s) * 1000 )) ;;
        *) echo $(( nm / 1000000 )) ;;
    esac
}
secs() { awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }'; }
START_MS=$(now_ms)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tviews-drill.XXXXXX")
CHECKS="$WORK/checks"; : >"$CHECKS"
FAILED=0; STOP=0; FINISHED=0; CONNECT_FAILED=0
BACKUP=""; BACKUP_DIR=""; META=""; META_DIR=""; SCRATCH=""; CREATED=0; DROPPED=false
RTO_MS=""; RPO=""; TARGETS_MET=null; STEPS="$WORK/steps"; : >"$STEPS"

# check NAME true|false MESSAGE DURATION_MS — records a named check (the Markdown report keeps the full message)
check() {
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(printf '%s' "$3" | tr '\t\n\r' '   ' | sed -e 's/  */ /g' -e 's/[; ]*$//' | tv_redact)" "$(secs "$4")" >>"$CHECKS"
    if [ "$2" = true ]; then log "check $1: passed: $3"; else log "check $1: FAILED: $3"; fi
    if [ "$2" != true ] && [ "$1" != targets-met ]; then FAILED=1; fi
}
# step TEXT — a procedure step executed, for the report
step() { printf '%s\n' "$*" | tv_redact >>"$STEPS"; }

DEADLINE_AT=""   # milliseconds
if [ -n "${DEADLINE_SECONDS:-}" ]; then
    case $DEADLINE_SECONDS in *[!0-9]*|'') DEADLINE_AT="" ;; *) DEADLINE_AT=$((START_MS + DEADLINE_SECONDS * 1000)) ;; esac
fi
# Runs a command bounded by the deadline (coreutils timeout kills it and its children; exit 124). The command runs
# in the background and the shell waits for it, so that SIGTERM (Job deadline, kubectl delete) is handled at once.
B_PID=""
bounded() {
    if command -v timeout >/dev/null 2>&1; then
        if [ -n "$DEADLINE_AT" ]; then
            b_rem=$((DEADLINE_AT - $(now_ms)))
            [ "$b_rem" -gt 100 ] || b_rem=100
            b_t=$(secs "$b_rem")
        else
            b_t=31536000
        fi
        timeout -k 5 "$b_t" "$@" &
    else
        "$@" &
    fi
    B_PID=$!
    b_rc=0
    wait "$B_PID" || b_rc=$?
    B_PID=""
    return $b_rc
}
# True (and records the "deadline" check once) when the deadline has passed.
past_deadline() {
    [ -n "$DEADLINE_AT" ] || return 1
    [ "$STOP" = 0 ] || return 0
    if [ "$(now_ms)" -ge "$DEADLINE_AT" ] || [ "${1:-0}" = 124 ] || [ "${1:-0}" = 137 ]; then
        check deadline false "drill exceeded DEADLINE_SECONDS=$DEADLINE_SECONDS (elapsed $(secs $(( $(now_ms) - START_MS )))s, during ${2:-a step}); remaining steps skipped" 0
        STOP=1
        return 0
    fi
    return 1
}

# dq DB SQL — runs SQL in DB (stops on the first error); prints the result, or the error text and fails.
dq() {
    dq_db=$1; dq_sql=$2
    # stderr (NOTICEs, WARNINGs) never mixes into a result; it is the message when the statement fails
    if dq_out=$(bounded env PGDATABASE="$dq_db" psql -X -q -v ON_ERROR_STOP=1 -At -c "$dq_sql" 2>"$WORK/dq.err"); then
        [ ! -s "$WORK/dq.err" ] || tv_redact <"$WORK/dq.err" >&2
        printf '%s\n' "$dq_out"
        return 0
    else
        dq_rc=$?
        { cat "$WORK/dq.err"; printf '%s\n' "$dq_out"; } | tr '\n' ' ' | sed 's/  */ /g' | cut -c1-600 | tv_redact
        [ "$dq_rc" != 124 ] || printf ' (killed at the deadline)'
        return $dq_rc
    fi
}

# ---------------------------------------------------------------------------------------------------
# Result: JSON (stdout + termination log) and Markdown report

json_num_or_null() { if [ -n "$1" ]; then printf '%s' "$1"; else printf 'null'; fi; }
json_str_or_null() { if [ -n "$1" ]; then tv_json_str "$1"; else printf 'null'; fi; }

# checks as JSON; $1 = maximum message length, $2 = 1 to drop the messages of passed checks
checks_json() {
    cj_first=1
    printf '['
    while IFS="$(printf '\t')" read -r cj_n cj_p cj_m cj_d; do
        [ -n "$cj_n" ] || continue
        if [ "$2" = 1 ] && [ "$cj_p" = true ]; then cj_m=""; fi
        # failed checks keep more of their message than passed ones
        if [ "$cj_p" = true ]; then cj_m=$(printf '%s' "$cj_m" | cut -c1-"$1"); else cj_m=$(printf '%s' "$cj_m" | cut -c1-$(( $1 * 2 ))); fi
        [ $cj_first = 1 ] || printf ','
        cj_first=0
        printf '{"name":%s,"passed":%s,"message":%s,"durationSeconds":%s}' "$(tv_json_str "$cj_n")" "$cj_p" "$(tv_json_str "$cj_m")" "$cj_d"
    done <"$CHECKS"
    printf ']'
}

result_json() {
    rj_base=$(printf '{"drill":%s,"scenario":%s,"phase":%s,"startTime":%s,"completionTime":%s,"measuredRTOSeconds":%s,"measuredRPOSeconds":%s,"targetRTOSeconds":%s,"targetRPOSeconds":%s,"targetsMet":%s,"backup":%s,"metadataBackup":%s,"scratchDatabase":%s,"scratchDropped":%s' \
        "$(tv_json_str "$DRILL_NAME")" "$(tv_json_str "$SCENARIO")" "$(tv_json_str "$PHASE")" "$(tv_json_str "$START_ISO")" \
        "$(tv_json_str "$END_ISO")" "$(json_num_or_null "$RTO_S")" "$(json_num_or_null "$RPO")" \
        "$(json_num_or_null "${TARGET_RTO_SECONDS:-}")" "$(json_num_or_null "${TARGET_RPO_SECONDS:-}")" "$TARGETS_MET" \
        "$(json_str_or_null "$BACKUP")" "$(json_str_or_null "$META")" "$(json_str_or_null "$SCRATCH")" "$DROPPED")
    for rj_try in "240 0" "120 0" "100 1" "40 1" "0 1"; do
        rj_line="$rj_base,\"checks\":$(checks_json $rj_try)}"
        [ ${#rj_line} -gt 3900 ] || break
    done
    printf '%s' "$rj_line" | tv_redact
}

write_report() {
    [ -n "${REPORT_FILE:-}" ] || return 0
    {
        echo "# Disaster-recovery drill \`$DRILL_NAME\`: $SCENARIO — $PHASE"
        echo
        echo "| | |"
        echo "|---|---|"
        echo "| Scenario | \`$SCENARIO\` |"
        echo "| Phase | **$PHASE** |"
        echo "| Started / completed | $START_ISO / $END_ISO |"
        echo "| Backup restored | \`${BACKUP:-none}\`${BACKUP_DIR:+ ($BACKUP_DIR)} |"
        echo "| Metadata backup | \`${META:-none}\` |"
        echo "| Scratch database | \`${SCRATCH:-none}\` ($(if [ "$DROPPED" = true ]; then echo "dropped"; elif [ "$CREATED" = 1 ]; then echo "kept for inspection, CLEANUP=$CLEANUP"; else echo "not created"; fi)) |"
        echo "| Measured RTO | ${RTO_S:-n/a} s (target ${TARGET_RTO_SECONDS:-none}) |"
        echo "| Measured RPO | ${RPO:-n/a} s (target ${TARGET_RPO_SECONDS:-none}) |"
        echo "| Targets met | $TARGETS_MET |"
        echo
        echo "## Checks"
        echo
        echo "| Check | Result | Seconds | Message |"
        echo "|---|---|---|---|"
        while IFS="$(printf '\t')" read -r r_n r_p r_m r_d; do
            [ -n "$r_n" ] || continue
            if [ "$r_p" = true ]; then r_p=passed; else r_p="**FAILED**"; fi
            echo "| $r_n | $r_p | $r_d | $(printf '%s' "$r_m" | sed 's/|/\\|/g') |"
        done <"$CHECKS"
        echo
        echo "## Procedure executed"
        echo
        sed 's/^/1. /' "$STEPS"
        echo
        echo "RTO = restore + recovery + verification time; RPO = drill start - backup endTime."
        echo "See docs/operations/disaster-recovery.md."
    } | tv_redact >"$REPORT_FILE.tmp" 2>/dev/null && mv "$REPORT_FILE.tmp" "$REPORT_FILE" || log "warning: cannot write REPORT_FILE $REPORT_FILE"
}

finish() {
    [ "$FINISHED" = 0 ] || return 0
    FINISHED=1
    if [ -n "$RTO_MS" ]; then RTO_S=$(secs "$RTO_MS"); else RTO_S=""; fi
    if [ "$FAILED" = 0 ]; then PHASE=Succeeded; else PHASE=Failed; fi
    # cleanup of the scratch database (only one this drill created)
    DEADLINE_AT=""
    if [ "$CREATED" = 1 ]; then
        if [ "$CLEANUP" = Always ] || [ "$PHASE" = Succeeded ]; then
            step "DROP DATABASE \"$SCRATCH\" WITH (FORCE)   -- CLEANUP=$CLEANUP"
            # a killed client's CREATE DATABASE may still be running on the server: let it finish first
            for f_i in 1 2 3 4 5 6 7 8 9 10; do
                [ -n "$(dq "$MAINT" "SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND query ILIKE 'CREATE DATABASE%$SCRATCH%'" 2>/dev/null)" ] || break
                sleep 1
            done
            if dq "$MAINT" "DROP DATABASE IF EXISTS \"$SCRATCH\" WITH (FORCE)" >"$WORK/drop" 2>&1 ||
               dq "$MAINT" "DROP DATABASE IF EXISTS \"$SCRATCH\"" >"$WORK/drop" 2>&1; then
                DROPPED=true; log "scratch database $SCRATCH dropped"
            else
                log "warning: could not drop scratch database $SCRATCH: $(cat "$WORK/drop")"
            fi
        else
            log "drill failed: scratch database $SCRATCH kept for inspection (CLEANUP=$CLEANUP)"
        fi
    fi
    END_ISO=$(tv_now_iso)
    RESULT=$(result_json)
    write_report
    printf '%s\n' "$RESULT"
    tv_termination_log "$RESULT"
    log "drill $DRILL_NAME ($SCENARIO) $PHASE: RTO=${RTO_S:-?}s RPO=${RPO:-?}s targetsMet=$TARGETS_MET"
    rm -rf "$WORK"
}

on_exit() {
    oe_rc=$?
    trap - EXIT
    if [ "$FINISHED" = 0 ]; then
        check internal false "drill.sh stopped unexpectedly (exit $oe_rc); see the log" 0
        finish || true
        oe_rc=1
    fi
    exit "$oe_rc"
}
trap on_exit EXIT
# a signal may arrive while a step's output is redirected: put stdout/stderr back first, stop the running step
exec 3>&1 4>&2
on_signal() {
    exec 1>&3 2>&4
    if [ -n "$B_PID" ]; then kill "$B_PID" 2>/dev/null || true; fi
    check "$1" false "$2" 0
    STOP=1
    finish
    trap - EXIT
    exit "$3"
}
trap 'on_signal deadline "drill terminated by SIGTERM (Job deadline or deletion); the running step was stopped" 1' TERM
trap 'on_signal internal "drill interrupted (SIGINT)" 130' INT

done_exit() {
    finish
    trap - EXIT
    if [ "$CONNECT_FAILED" = 1 ]; then exit 2; fi
    if [ "$FAILED" = 0 ]; then exit 0; fi
    exit 1
}

# ---------------------------------------------------------------------------------------------------
# Input

bad_input() { check input false "$1" 0; done_exit; }
case $SCENARIO in
    restore-latest|metadata-loss|tview-corruption) ;;
    failover) bad_input "scenario failover is driven by the operator (CloudNativePG switchover), not by drill.sh; see docs/operations/disaster-recovery.md" ;;
    *) bad_input "usage: drill.sh restore-latest|metadata-loss|tview-corruption (got '$SCENARIO')" ;;
esac
case $CLEANUP in Always|OnSuccess) ;; *) bad_input "CLEANUP must be Always or OnSuccess (got '$CLEANUP')" ;; esac
for v in TARGET_RTO_SECONDS TARGET_RPO_SECONDS DEADLINE_SECONDS; do
    eval "vv=\${$v:-}"
    case $vv in *[!0-9]*) bad_input "$v must be a whole number of seconds (got '$vv')" ;; esac
done
[ -n "${BACKUP_ROOT:-}" ] || bad_input "BACKUP_ROOT is not set"
SAFE_NAME=$(printf '%s' "$DRILL_NAME" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9_]/_/g' | cut -c1-40)
SCRATCH=${SCRATCH_DB:-drill_${SAFE_NAME}_$(date -u +%Y%m%dt%H%M%S)}
case $SCRATCH in *'"'*|*"'"*|'') bad_input "invalid scratch database name '$SCRATCH'" ;; esac
PROD=${PGDATABASE:-${PGUSER:-$(id -un)}}
[ "$SCRATCH" != "$PROD" ] && [ "$SCRATCH" != "$MAINT" ] || bad_input "SCRATCH_DB '$SCRATCH' is the production or maintenance database; a drill only writes to a scratch database it creates"

tv_setup_path
tv_require psql pg_restore sha256sum awk sed
log "drill $DRILL_NAME: scenario $SCENARIO, backups in $BACKUP_ROOT, scratch database $SCRATCH on $(tv_target)"

if ! cc_out=$(tv_check_connection "$MAINT" 2>&1); then
    CONNECT_FAILED=1
    check connect false "$(printf '%s' "$cc_out" | tr '\n' ' ' | sed -e 's/^.*ERROR: //' -e 's/psql: error: connection to server at [^:]*: //')" 0
    done_exit
fi

# ---------------------------------------------------------------------------------------------------
# 1. Pick the backups

t0=$(now_ms)
# newest_verified METHOD — newest backup directory of METHOD with status succeeded and verified true
newest_verified() {
    [ -d "$BACKUP_ROOT" ] || return 0
    for nv_d in $(ls -1 "$BACKUP_ROOT" 2>/dev/null | grep -- "-$1\$" | grep -v '^\.' | sort -r); do
        nv_m="$BACKUP_ROOT/$nv_d/manifest.json"
        [ -f "$nv_m" ] || continue
        [ "$(tv_manifest_get "$nv_m" status)" = succeeded ] || continue
        [ "$(tv_manifest_get "$nv_m" verified)" = true ] || continue
        echo "$BACKUP_ROOT/$nv_d"
        return 0
    done
}
BACKUP_DIR=$(newest_verified logical)
META_DIR=$(newest_verified metadata)
[ -z "$META_DIR" ] || META=$(basename "$META_DIR")
if [ -z "$BACKUP_DIR" ]; then
    n_all=$(ls -1 "$BACKUP_ROOT" 2>/dev/null | grep -c -- '-logical$' || true)
    check backup-available false "no verified logical backup under $BACKUP_ROOT ($n_all logical backup director(ies) found, none with status succeeded and verified true)" $(( $(now_ms) - t0 ))
    done_exit
fi
BACKUP=$(basename "$BACKUP_DIR")
MF="$BACKUP_DIR/manifest.json"
B_END=$(tv_manifest_get "$MF" endTime)
B_END_EPOCH=$(tv_ts_epoch "$(printf '%s' "$B_END" | tr -d ':-')" 2>/dev/null || true)
if [ -n "$B_END_EPOCH" ]; then RPO=$((START_S - B_END_EPOCH)); [ "$RPO" -ge 0 ] || RPO=0; fi
check backup-available true "newest verified logical backup $BACKUP (endTime $B_END, age ${RPO:-?}s)${META:+; newest verified metadata backup $META}" $(( $(now_ms) - t0 ))
step "select the newest verified logical backup: $BACKUP_DIR (manifest: status succeeded, verified true)"
[ -z "$META" ] || step "select the newest verified metadata backup: $META_DIR"

if [ "$SCENARIO" = restore-latest ] && [ -n "$META_DIR" ]; then
    t0=$(now_ms); mb_problem=""
    for entry in $(tv_manifest_object "$META_DIR/manifest.json" sha256 | tr ' ' '='); do
        [ "$(tv_sha256 "$META_DIR/${entry%%=*}" 2>/dev/null || echo missing)" = "${entry#*=}" ] || mb_problem="$mb_problem checksum of ${entry%%=*} does not match;"
    done
    for e in $(tv_manifest_object "$MF" tviews | awk '{print $1}'); do
        tv_manifest_object "$META_DIR/manifest.json" tviewTables | awk '{print $1}' | grep -qx "$e" || mb_problem="$mb_problem TVIEW $e of $BACKUP is not in it;"
    done
    if [ -z "$mb_problem" ]; then
        check metadata-backup true "$META: checksums ok, covers every TVIEW of $BACKUP" $(( $(now_ms) - t0 ))
    else
        check metadata-backup false "$META:$mb_problem" $(( $(now_ms) - t0 ))
    fi
fi

# ---------------------------------------------------------------------------------------------------
# 2. Restore into the scratch database

if ! exists=$(dq "$MAINT" "SELECT 1 FROM pg_database WHERE datname = '$SCRATCH'"); then
    check restore false "cannot query pg_database: $exists" 0
    done_exit
elif [ -n "$exists" ]; then
    check restore false "scratch database $SCRATCH already exists; a drill restores into a new database and never overwrites one" 0
    done_exit
fi
t0=$(now_ms)
step "sh src/scripts/restore.sh $BACKUP_DIR $SCRATCH   (CREATE DATABASE + pg_restore --exit-on-error, checksums first)"
# the name did not exist before: whatever database of that name exists from now on is the drill's (also when
# restore.sh is killed while the server is still creating it)
CREATED=1
set +e
bounded env POST_CHECK=0 sh "$TV_DIR/restore.sh" "$BACKUP_DIR" "$SCRATCH" >"$WORK/restore.out" 2>&1
rc=$?
set -e
T_RESTORE=$(( $(now_ms) - t0 ))
RTO_MS=$T_RESTORE
if [ $rc = 0 ]; then
    check restore true "restored $BACKUP into $SCRATCH in $(secs "$T_RESTORE")s" "$T_RESTORE"
else
    if past_deadline "$rc" "restore"; then done_exit; fi
    check restore false "restore.sh exit $rc: $(grep 'ERROR' "$WORK/restore.out" | tail -n 1 | sed 's/^.*ERROR: //' | cut -c1-500)" "$T_RESTORE"
    done_exit
fi
if past_deadline 0 "restore"; then done_exit; fi

# ---------------------------------------------------------------------------------------------------
# Helpers on the scratch database

# "entity|schema.table|missing|extra|different|checked|samples" for every registered TVIEW
consistency_rows() {
    dq "$SCRATCH" "SELECT m.entity || '|' || quote_ident(m.schema_name) || '.' || quote_ident(m.table_name) || '|' || c.missing || '|' || c.extra || '|' || c.different || '|' || c.checked_rows || '|' || coalesce(array_to_string(c.sample_keys, ' '), '') FROM pg_tview_meta m, LATERAL pg_tviews_check_consistency(quote_ident(m.schema_name) || '.' || quote_ident(m.table_name)) c ORDER BY m.entity"
}
# TVIEWs of the catalog in dependency order (sources first): "entity|schema.table"
ordered_tviews() {
    dq "$SCRATCH" "WITH RECURSIVE d(entity, depth) AS (SELECT entity, 0 FROM pg_tview_meta UNION ALL SELECT m.entity, d.depth + 1 FROM d JOIN pg_tview_meta m ON d.entity = ANY(m.dependent_on) WHERE d.depth < 50) SELECT d.entity || '|' || quote_ident(m.schema_name) || '.' || quote_ident(m.table_name) FROM d JOIN pg_tview_meta m USING (entity) GROUP BY d.entity, m.schema_name, m.table_name ORDER BY max(d.depth), d.entity"
}
# summary of consistency rows; returns 1 when any TVIEW drifts
consistency_summary() {
    printf '%s\n' "$1" | awk -F'|' '
        NF >= 6 { n++; if ($3 + $4 + $5 > 0) { bad = bad sprintf("%s missing=%s extra=%s different=%s sample=[%s]; ", $1, $3, $4, $5, $7) } else ok = ok sprintf("%s(%s) ", $1, $6) }
        END { if (n == 0) { print "no TVIEW registered in pg_tview_meta"; exit 1 }
              if (bad != "") { print "drift: " bad; exit 1 }
              sub(/ $/, "", ok); print n " TVIEW(s) consistent: " ok }'
}

# ---------------------------------------------------------------------------------------------------
# 3. Scenario: damage and the documented recovery procedure

T_RECOVERY=0
case $SCENARIO in
metadata-loss)
    t0=$(now_ms)
    step "damage: DELETE FROM pg_tview_meta   -- in $SCRATCH only"
    if out=$(dq "$SCRATCH" "DELETE FROM pg_tview_meta RETURNING entity"); then
        n_del=$(printf '%s\n' "$out" | grep -c . || true)
        hc=$(dq "$SCRATCH" "SELECT component || ': ' || message FROM pg_tviews_health_check() WHERE status = 'ERROR'" || true)
        if [ "$n_del" -gt 0 ] && [ -n "$hc" ]; then
            check catalog-damaged true "deleted $n_del pg_tview_meta row(s) ($(printf '%s' "$out" | tr '\n' ' ')); health check detects it: $(printf '%s' "$hc" | head -n 1 | cut -c1-200)" $(( $(now_ms) - t0 ))
        else
            check catalog-damaged false "deleted $n_del pg_tview_meta row(s) but the health check reports no ERROR (${hc:-none})" $(( $(now_ms) - t0 ))
        fi
    else
        check catalog-damaged false "DELETE FROM pg_tview_meta failed: $out" $(( $(now_ms) - t0 ))
    fi
    if past_deadline 0 "catalog damage"; then done_exit; fi
    t0=$(now_ms)
    if [ -n "$META_DIR" ]; then
        step "recover: sh src/scripts/restore.sh $META_DIR $SCRATCH   (catalog rows reloaded in one transaction, then pg_tviews_reinstall_triggers())"
        set +e
        bounded env POST_CHECK=0 sh "$TV_DIR/restore.sh" "$META_DIR" "$SCRATCH" >"$WORK/meta.out" 2>&1
        rc=$?
        set -e
        n_meta=$(dq "$SCRATCH" "SELECT count(*) FROM pg_tview_meta" 2>/dev/null || echo '?')
        if [ $rc = 0 ]; then
            check catalog-recovered true "metadata backup $META restored with restore.sh (triggers reinstalled): $n_meta TVIEW(s) registered" $(( $(now_ms) - t0 ))
        else
            past_deadline "$rc" "catalog recovery" || true
            check catalog-recovered false "restore.sh of metadata backup $META exit $rc: $(grep 'ERROR' "$WORK/meta.out" | tail -n 1 | sed 's/^.*ERROR: //' | cut -c1-400)" $(( $(now_ms) - t0 ))
        fi
    else
        # no metadata backup: re-register every TVIEW table (they carry a TVIEW {...} comment) in dependency order
        order_sql="WITH RECURSIVE t AS (
            SELECT n.nspname AS s, c.relname AS t, substr(obj_description(c.oid, 'pg_class'), 7)::jsonb ->> 'definition' AS def
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND obj_description(c.oid, 'pg_class') LIKE 'TVIEW {%'
              AND NOT EXISTS (SELECT 1 FROM pg_tview_meta m WHERE m.schema_name = n.nspname AND m.table_name = c.relname)),
          e AS (SELECT a.s AS cs, a.t AS ct, b.s AS ps, b.t AS pt FROM t a JOIN t b ON (a.s, a.t) <> (b.s, b.t) AND a.def ~ ('\\m' || b.t || '\\M')),
          r(s, t, depth) AS (SELECT s, t, 0 FROM t UNION ALL SELECT e.cs, e.ct, r.depth + 1 FROM r JOIN e ON (e.ps, e.pt) = (r.s, r.t) WHERE r.depth < 50)
          SELECT quote_ident(s) || '.' || quote_ident(t) FROM r GROUP BY s, t ORDER BY max(depth), s, t"
        if tables=$(dq "$SCRATCH" "$order_sql"); then
            conv_ok=1; conv=""
            for tbl in $tables; do
                step "recover: SELECT pg_tviews_convert_existing_table('$tbl')"
                if out=$(dq "$SCRATCH" "SELECT pg_tviews_convert_existing_table('$tbl')"); then
                    conv="$conv${conv:+, }$tbl"
                else
                    conv_ok=0; conv="$conv${conv:+, }$tbl FAILED ($out)"
                fi
                if past_deadline 0 "catalog recovery"; then conv_ok=0; break; fi
            done
            if [ -z "$tables" ]; then
                check catalog-recovered false "no metadata backup, and no TVIEW table with a 'TVIEW {...}' comment to re-register" $(( $(now_ms) - t0 ))
            elif [ $conv_ok = 1 ]; then
                check catalog-recovered true "no metadata backup: pg_tviews_convert_existing_table(name) in dependency order: $conv" $(( $(now_ms) - t0 ))
            else
                check catalog-recovered false "no metadata backup: pg_tviews_convert_existing_table: $conv" $(( $(now_ms) - t0 ))
            fi
        else
            check catalog-recovered false "cannot list the TVIEW tables to re-register: $tables" $(( $(now_ms) - t0 ))
        fi
    fi
    T_RECOVERY=$(( $(now_ms) - t0 ))
    ;;
tview-corruption)
    t0=$(now_ms)
    # target: CORRUPT_TVIEW, else the leaf TVIEW (read by no other TVIEW) with the most rows
    if [ -n "${CORRUPT_TVIEW:-}" ]; then
        tsel="SELECT m.entity FROM pg_tview_meta m WHERE m.entity = '${CORRUPT_TVIEW}' OR m.table_name = '${CORRUPT_TVIEW}' OR m.schema_name || '.' || m.table_name = '${CORRUPT_TVIEW}' LIMIT 1"
    else
        tsel="SELECT m.entity FROM pg_tview_meta m WHERE NOT EXISTS (SELECT 1 FROM pg_tview_meta x WHERE m.entity = ANY(x.dependent_on)) ORDER BY (SELECT reltuples FROM pg_class WHERE oid = format('%I.%I', m.schema_name, m.table_name)::regclass) DESC, m.entity LIMIT 1"
    fi
    TGT=$(dq "$SCRATCH" "$tsel" || true)
    info=""
    [ -z "$TGT" ] || info=$(dq "$SCRATCH" "SELECT quote_ident(schema_name) || '.' || quote_ident(table_name) || '|' || quote_ident(key_column) || '|' || key_type FROM pg_tview_meta WHERE entity = '$TGT'" || true)
    TT=$(echo "$info" | cut -d'|' -f1); KC=$(echo "$info" | cut -d'|' -f2); KT=$(echo "$info" | cut -d'|' -f3)
    corrupt_ok=0
    if [ -z "$TT" ]; then
        check corruption-injected false "no TVIEW to corrupt (${CORRUPT_TVIEW:-no leaf TVIEW}) ${TGT}" $(( $(now_ms) - t0 ))
    else
        keys=$(dq "$SCRATCH" "SELECT t.$KC::text FROM $TT t ORDER BY t.$KC LIMIT 2" || true)
        K1=$(echo "$keys" | sed -n 1p); K2=$(echo "$keys" | sed -n 2p)
        case $KT in
            smallint|integer|bigint|numeric*) newkey="(SELECT max($KC) + 1000000 FROM $TT)" ;;
            uuid) newkey="gen_random_uuid()" ;;
            text|character*) newkey="'drill-extra-' || md5(random()::text)" ;;
            *) newkey="" ;;
        esac
        # the altered column: a jsonb column, else a text column, else any other column set to NULL
        alt=$(dq "$SCRATCH" "SELECT quote_ident(attname) || '|' || format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = '$TT'::regclass AND attnum > 0 AND NOT attisdropped AND quote_ident(attname) <> '$KC' ORDER BY (format_type(atttypid, NULL) = 'jsonb') DESC, (format_type(atttypid, NULL) IN ('text', 'character varying')) DESC, attnum LIMIT 1" || true)
        AC=$(echo "$alt" | cut -d'|' -f1); AT=$(echo "$alt" | cut -d'|' -f2)
        case $AT in
            jsonb) setx="$AC = $AC || '{\"drill_corrupted\": true}'" ;;
            text|'character varying') setx="$AC = $AC || ' (corrupted by drill)'" ;;
            *) setx="$AC = NULL" ;;
        esac
        idfix=""
        [ -z "$(dq "$SCRATCH" "SELECT 1 FROM pg_attribute WHERE attrelid = '$TT'::regclass AND attname = 'id' AND atttypid = 'uuid'::regtype" || true)" ] || idfix=", 'id', gen_random_uuid()"
        if [ -z "$K2" ] || [ -z "$newkey" ] || [ -z "$AC" ]; then
            check corruption-injected false "cannot corrupt $TT: needs 2 rows, a supported key type (got '$KT') and a non-key column" $(( $(now_ms) - t0 ))
        else
            k1q=$(printf '%s' "$K1" | sed "s/'/''/g"); k2q=$(printf '%s' "$K2" | sed "s/'/''/g")
            csql="DELETE FROM $TT WHERE $KC = '$k1q'::$KT;
UPDATE $TT SET $setx WHERE $KC = '$k2q'::$KT;
INSERT INTO $TT SELECT (jsonb_populate_record(NULL::$TT, to_jsonb(t) || jsonb_build_object('$(printf '%s' "$KC" | tr -d '"')', $newkey$idfix))).* FROM $TT t WHERE $KC = '$k2q'::$KT RETURNING $KC::text;"
            step "damage (in $SCRATCH only): $(printf '%s' "$csql" | tr '\n' ' ')"
            if K3=$(dq "$SCRATCH" "$csql"); then
                corrupt_ok=1
                check corruption-injected true "$TT: deleted key $K1, altered $AC of key $K2, inserted extra key $K3" $(( $(now_ms) - t0 ))
            else
                check corruption-injected false "corrupting $TT failed: $K3" $(( $(now_ms) - t0 ))
            fi
        fi
    fi
    if past_deadline 0 "corruption"; then done_exit; fi
    # detection + repair count as recovery time
    t0=$(now_ms)
    step "detect: SELECT * FROM pg_tviews_check_consistency(tview) for every TVIEW"
    if rows=$(consistency_rows); then
        det_msg=""; det_ok=$corrupt_ok
        while IFS='|' read -r e tbl mi ex di ch sm; do
            [ -n "$e" ] || continue
            if [ "$e" = "$TGT" ] && [ $corrupt_ok = 1 ]; then
                det_msg="$det_msg$e: missing=$mi extra=$ex different=$di sample_keys=[$sm]"
                if [ "$mi/$ex/$di" = 1/1/1 ] && printf ' %s ' "$sm" | grep -q " $K1 " && printf ' %s ' "$sm" | grep -q " $K2 " && printf ' %s ' "$sm" | grep -q " $K3 "; then
                    det_msg="$det_msg (exactly the injected damage); "
                else
                    det_ok=0; det_msg="$det_msg (expected missing=1 extra=1 different=1 with keys $K1 $K2 $K3); "
                fi
            elif [ "$mi$ex$di" != 000 ]; then
                det_ok=0; det_msg="${det_msg}unexpected drift in $e: missing=$mi extra=$ex different=$di sample_keys=[$sm]; "
            fi
        done <<EOF
$rows
EOF
        if [ $det_ok = 1 ]; then
            check corruption-detected true "${det_msg}other TVIEWs clean" $(( $(now_ms) - t0 ))
        else
            check corruption-detected false "${det_msg:-no damage reported}" $(( $(now_ms) - t0 ))
        fi
        if past_deadline 0 "detection"; then done_exit; fi
        # repair every TVIEW that reports drift, sources first
        t1=$(now_ms); rep=""; rep_ok=1
        for ot in $(ordered_tviews || true); do
            e=${ot%%|*}; tbl=${ot#*|}
            drift=$(printf '%s\n' "$rows" | awk -F'|' -v e="$e" '$1 == e && $3 + $4 + $5 > 0 { print "y" }')
            [ -n "$drift" ] || continue
            step "repair: SELECT pg_tviews_repair('$tbl')"
            if n=$(dq "$SCRATCH" "SELECT pg_tviews_repair('$tbl')"); then
                rep="$rep${rep:+; }pg_tviews_repair('$tbl') rewrote $n row(s)"
            else
                rep_ok=0; rep="$rep${rep:+; }pg_tviews_repair('$tbl') FAILED: $n"
            fi
        done
        if [ $rep_ok = 1 ] && [ -n "$rep" ]; then
            check repair true "$rep" $(( $(now_ms) - t1 ))
        else
            check repair false "${rep:-nothing to repair}" $(( $(now_ms) - t1 ))
        fi
    else
        check corruption-detected false "pg_tviews_check_consistency failed: $rows" $(( $(now_ms) - t0 ))
    fi
    T_RECOVERY=$(( $(now_ms) - t0 ))
    ;;
esac
RTO_MS=$((RTO_MS + T_RECOVERY))
if past_deadline 0 "recovery"; then done_exit; fi

# ---------------------------------------------------------------------------------------------------
# 4. Verification

TV0=$(now_ms)
step "verify: SELECT * FROM pg_tviews_health_check()   -- no ERROR row"
t0=$(now_ms)
if hc=$(dq "$SCRATCH" "SELECT status || '|' || component || '|' || coalesce(message, '') FROM pg_tviews_health_check()"); then
    errs=$(printf '%s\n' "$hc" | awk -F'|' 'toupper($1) == "ERROR" { printf "%s: %s; ", $2, $3 }')
    warns=$(printf '%s\n' "$hc" | awk -F'|' 'toupper($1) == "WARNING" { printf "%s; ", $2 }')
    n=$(printf '%s\n' "$hc" | grep -c . || true)
    if [ -z "$errs" ]; then
        check health-check true "$n row(s), no ERROR${warns:+ (warnings: $warns)}" $(( $(now_ms) - t0 ))
    else
        check health-check false "ERROR rows: $errs" $(( $(now_ms) - t0 ))
    fi
else
    check health-check false "pg_tviews_health_check() failed: $hc" $(( $(now_ms) - t0 ))
fi
if past_deadline 0 "health check"; then RTO_MS=$((RTO_MS + $(now_ms) - TV0)); done_exit; fi

step "verify: SELECT * FROM pg_tviews_check_consistency(tview) for every TVIEW   -- missing = extra = different = 0"
t0=$(now_ms); msg=""
if rows=$(consistency_rows) && msg=$(consistency_summary "$rows"); then
    check consistency true "$msg" $(( $(now_ms) - t0 ))
else
    [ -n "${msg:-}" ] || msg=$rows
    check consistency false "${msg:-$rows}" $(( $(now_ms) - t0 ))
fi
msg=""
if past_deadline 0 "consistency"; then RTO_MS=$((RTO_MS + $(now_ms) - TV0)); done_exit; fi

step "verify: SELECT count(*) of every TVIEW = the manifest's \"tviews\""
t0=$(now_ms); rc_bad=""; rc_ok=""
for entry in $(tv_manifest_object "$MF" tviews | tr ' ' '='); do
    e=${entry%%=*}; want=${entry#*=}
    tbl=$(dq "$SCRATCH" "SELECT quote_ident(schema_name) || '.' || quote_ident(table_name) FROM pg_tview_meta WHERE entity = '$e'" 2>/dev/null || true)
    if [ -z "$tbl" ]; then rc_bad="$rc_bad$e: in the manifest but not registered in pg_tview_meta; "; continue; fi
    have=$(dq "$SCRATCH" "SELECT count(*) FROM $tbl" 2>&1 || true)
    if [ "$have" = "$want" ]; then rc_ok="$rc_ok${rc_ok:+ }$e=$have"; else rc_bad="$rc_bad$e: $have rows, manifest says $want; "; fi
done
extra=$(dq "$SCRATCH" "SELECT string_agg(entity, ' ') FROM pg_tview_meta" 2>/dev/null || true)
for e in $extra; do
    tv_manifest_object "$MF" tviews | awk '{print $1}' | grep -qx "$e" || rc_bad="$rc_bad$e: registered but not in the manifest; "
done
if [ -z "$rc_bad" ] && [ -n "$rc_ok" ]; then
    check row-counts true "equal to the manifest of $BACKUP: $rc_ok" $(( $(now_ms) - t0 ))
else
    check row-counts false "${rc_bad:-the manifest of $BACKUP lists no TVIEW}" $(( $(now_ms) - t0 ))
fi
if past_deadline 0 "row counts"; then RTO_MS=$((RTO_MS + $(now_ms) - TV0)); done_exit; fi

# A write to a source table must maintain its TVIEWs: the base source (kind direct) of the TVIEW with the most
# dependents; one row's text column that the definition reads gets a real change (committed), then is reverted;
# the TVIEW row must change and come back, and every TVIEW must stay consistent after both statements.
t0=$(now_ms)
pick=$(dq "$SCRATCH" "SELECT m.entity || '|' || quote_ident(m.schema_name) || '.' || quote_ident(m.table_name) || '|' || quote_ident(m.key_column) || '|' || quote_ident(d->>'schema') || '.' || quote_ident(d->>'table') || '|' || quote_ident(d->>'source_column') || '|' || m.definition FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE d->>'kind' = 'direct' AND d->>'tview' IS NULL AND d->>'source_column' IS NOT NULL ORDER BY (SELECT count(*) FROM pg_tview_meta x WHERE m.entity = ANY(x.dependent_on)) DESC, cardinality(m.dependent_on), m.entity LIMIT 1" 2>&1 || true)
WE=$(printf '%s' "$pick" | cut -d'|' -f1); WT=$(printf '%s' "$pick" | cut -d'|' -f2); WK=$(printf '%s' "$pick" | cut -d'|' -f3)
WS=$(printf '%s' "$pick" | cut -d'|' -f4); WC=$(printf '%s' "$pick" | cut -d'|' -f5); WDEF=$(printf '%s' "$pick" | cut -d'|' -f6-)
if [ -z "$WS" ] || [ -z "$WC" ]; then
    check write-maintenance false "no TVIEW with a base-table source found in pg_tview_meta.dependencies ${pick}" $(( $(now_ms) - t0 ))
else
    # a text column of the source, not indexed, not generated, that the definition mentions
    cols=$(dq "$SCRATCH" "SELECT quote_ident(a.attname) FROM pg_attribute a WHERE a.attrelid = '$WS'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND a.atttypid IN ('text'::regtype, 'varchar'::regtype) AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND a.attnum = ANY(i.indkey)) ORDER BY a.attnum" 2>/dev/null || true)
    TC=""
    for c in $cols; do
        if printf '%s' "$WDEF" | grep -qw -- "$(printf '%s' "$c" | tr -d '"')"; then TC=$c; break; fi
    done
    KV=$(dq "$SCRATCH" "SELECT s.$WC::text FROM $WS s WHERE s.$WC IS NOT NULL ${TC:+AND s.$TC IS NOT NULL} ORDER BY s.$WC LIMIT 1" 2>/dev/null || true)
    if [ -z "$KV" ]; then
        check write-maintenance false "source $WS of $WT has no row to write" $(( $(now_ms) - t0 ))
    else
        kvq=$(printf '%s' "$KV" | sed "s/'/''/g")
        rowsel="(SELECT ctid FROM $WS WHERE $WC::text = '$kvq' ORDER BY ctid LIMIT 1)"
        fp="SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), 'none') FROM $WT t WHERE $WK::text = '$kvq'"
        wm_bad=""
        fp0=$(dq "$SCRATCH" "$fp" 2>&1 || true)
        if [ -n "$TC" ]; then
            step "verify: UPDATE $WS SET $TC = $TC || ' [drill]' WHERE $WC = $KV (committed), check consistency, then revert it and check again"
            upd="UPDATE $WS SET $TC = $TC || ' [drill]' WHERE ctid = $rowsel AND $WC::text = '$kvq'"
            rev="UPDATE $WS SET $TC = left($TC, length($TC) - 8) WHERE ctid = $rowsel AND $WC::text = '$kvq' AND $TC LIKE '% [drill]'"
            what="UPDATE of $WS.$TC where $WC=$KV"
        else
            step "verify: UPDATE $WS SET $WC = $WC WHERE $WC = $KV (no text column read by the TVIEW: a no-op write), check consistency"
            upd="UPDATE $WS SET $WC = $WC WHERE ctid = $rowsel"
            rev=""
            what="no-op UPDATE of $WS.$WC=$KV (no text column of $WS read by $WT)"
        fi
        if out=$(dq "$SCRATCH" "$upd"); then
            fp1=$(dq "$SCRATCH" "$fp" 2>&1 || true)
            if [ -n "$TC" ] && [ "$fp1" = "$fp0" ]; then wm_bad="$wm_bad$WT row $WK=$KV did not change after the write; "; fi
            rows=$(consistency_rows 2>&1 || true)
            cs=$(consistency_summary "$rows") || wm_bad="${wm_bad}after the write: $cs; "
            if [ -n "$rev" ]; then
                if out=$(dq "$SCRATCH" "$rev"); then
                    fp2=$(dq "$SCRATCH" "$fp" 2>&1 || true)
                    [ "$fp2" = "$fp0" ] || wm_bad="$wm_bad$WT row $WK=$KV did not come back after the revert; "
                    rows=$(consistency_rows 2>&1 || true)
                    cs=$(consistency_summary "$rows") || wm_bad="${wm_bad}after the revert: $cs; "
                else
                    wm_bad="${wm_bad}revert failed: $out; "
                fi
            fi
        else
            wm_bad="the write failed: $out"
        fi
        if [ -z "$wm_bad" ]; then
            check write-maintenance true "$what: $WT maintained$( [ -z "$TC" ] || echo ' (row changed, then restored)'), $cs" $(( $(now_ms) - t0 ))
        else
            check write-maintenance false "$what: $wm_bad" $(( $(now_ms) - t0 ))
        fi
    fi
fi
T_VERIFY=$(( $(now_ms) - TV0 ))
RTO_MS=$((RTO_MS + T_VERIFY))
if past_deadline 0 "verification"; then done_exit; fi

# ---------------------------------------------------------------------------------------------------
# 5. Targets

RTO_S=$(secs "$RTO_MS")
tm=""; tm_bad=""
if [ -n "${TARGET_RTO_SECONDS:-}" ]; then
    if [ "$RTO_MS" -le $((TARGET_RTO_SECONDS * 1000)) ]; then tm="RTO ${RTO_S}s <= ${TARGET_RTO_SECONDS}s"; else tm_bad="RTO ${RTO_S}s > target ${TARGET_RTO_SECONDS}s"; fi
fi
if [ -n "${TARGET_RPO_SECONDS:-}" ]; then
    if [ -n "$RPO" ] && [ "$RPO" -le "$TARGET_RPO_SECONDS" ]; then tm="$tm${tm:+, }RPO ${RPO}s <= ${TARGET_RPO_SECONDS}s"; else tm_bad="$tm_bad${tm_bad:+, }RPO ${RPO:-unknown}s > target ${TARGET_RPO_SECONDS}s"; fi
fi
if [ -z "${TARGET_RTO_SECONDS:-}${TARGET_RPO_SECONDS:-}" ]; then
    TARGETS_MET=true
    check targets-met true "no targets set (RTO ${RTO_S}s, RPO ${RPO:-?}s)" 0
elif [ -z "$tm_bad" ]; then
    TARGETS_MET=true
    check targets-met true "$tm" 0
else
    TARGETS_MET=false
    check targets-met false "$tm_bad${tm:+ ($tm)}$( [ "${FAIL_ON_MISSED_TARGETS:-0}" = 1 ] && echo '; FAIL_ON_MISSED_TARGETS=1' || echo '; the drill still succeeds (targetsMet false)')" 0
    [ "${FAIL_ON_MISSED_TARGETS:-0}" != 1 ] || FAILED=1
fi

done_exit
