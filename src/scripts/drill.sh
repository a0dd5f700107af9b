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

# dqv DB [-v name=value ...] — runs the SQL read from stdin in DB (stops on the first error) with the given psql
# variables (:'name' literal, :"name" identifier; no value is ever spliced into SQL text); prints the result, or
# the error text and fails.
dqv() {
    dq_db=$1; shift
    cat >"$WORK/dq.sql"
    # stderr (NOTICEs, WARNINGs) never mixes into a result; it is the message when the statement fails
    if dq_out=$(bounded env PGDATABASE="$dq_db" psql -X -q -v ON_ERROR_STOP=1 -At "$@" -f "$WORK/dq.sql" 2>"$WORK/dq.err"); then
        [ ! -s "$WORK/dq.err" ] || tv_redact <"$WORK/dq.err" >&2
        printf '%s\n' "$dq_out"
        return 0
    else
        dq_rc=$?
        { cat "$WORK/dq.err"; printf '%s\n' "$dq_out"; } | tr '\n' ' ' | sed 's/  */ /g' | tv_clip 600 | tv_redact
        [ "$dq_rc" != 124 ] || printf ' (killed at the deadline)'
        return $dq_rc
    fi
}
# dq DB SQL — a CONSTANT statement (no values in it; those go through dqv)
dq() { printf '%s\n' "$2" | dqv "$1"; }
NL='
'
# first_line / rest TEXT — the statements below print a status word on the first line and a message after it
first_line() { printf '%s' "${1%%"$NL"*}"; }
rest() { case $1 in *"$NL"*) printf '%s' "${1#*"$NL"}" ;; esac; }

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
        if [ "$cj_p" = true ]; then cj_m=$(printf '%s' "$cj_m" | tv_clip "$1"); else cj_m=$(printf '%s' "$cj_m" | tv_clip $(( $1 * 2 ))); fi
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
                [ -n "$(printf '%s\n' "SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND query ILIKE 'CREATE DATABASE%' AND strpos(query, :'scratch') > 0" |
                        dqv "$MAINT" -v "scratch=$SCRATCH" 2>/dev/null)" ] || break
                sleep 1
            done
            if printf '%s\n' 'DROP DATABASE IF EXISTS :"scratch" WITH (FORCE)' | dqv "$MAINT" -v "scratch=$SCRATCH" >"$WORK/drop" 2>&1 ||
               printf '%s\n' 'DROP DATABASE IF EXISTS :"scratch"' | dqv "$MAINT" -v "scratch=$SCRATCH" >"$WORK/drop" 2>&1; then
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
SAFE_NAME=$(printf '%s' "$DRILL_NAME" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9_]/_/g' | tv_clip 40)
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
    mb_missing=$(tv_manifest_missing_keys "$MF" tviews "$META_DIR/manifest.json" tviewTables | head -n 20 | awk '{ printf " TVIEW %s of %s is not in it;", $0, b }' b="$BACKUP") ||
        mb_missing=" cannot compare the manifests;"
    mb_problem="$mb_problem$mb_missing"
    if [ -z "$mb_problem" ]; then
        check metadata-backup true "$META: checksums ok, covers every TVIEW of $BACKUP" $(( $(now_ms) - t0 ))
    else
        check metadata-backup false "$META:$mb_problem" $(( $(now_ms) - t0 ))
    fi
fi

# ---------------------------------------------------------------------------------------------------
# 2. Restore into the scratch database

if ! exists=$(printf '%s\n' "SELECT 1 FROM pg_database WHERE datname = :'scratch'" | dqv "$MAINT" -v "scratch=$SCRATCH"); then
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
    check restore false "restore.sh exit $rc: $(grep 'ERROR' "$WORK/restore.out" | tail -n 1 | sed 's/^.*ERROR: //' | tv_clip 500)" "$T_RESTORE"
    done_exit
fi
if past_deadline 0 "restore"; then done_exit; fi

# ---------------------------------------------------------------------------------------------------
# Helpers on the scratch database

# Every statement below reads names from the catalog and quotes them itself; values from the shell go in as psql
# variables. Names shown in messages have newlines and tabs replaced by spaces (tv_d).
TV_D="CREATE FUNCTION pg_temp.tv_d(text) RETURNS text LANGUAGE sql IMMUTABLE AS \$\$ SELECT translate(\$1, E'\\n\\r\\t', '   ') \$\$;"
CONSISTENCY_CTE="c AS (SELECT m.entity, c.missing, c.extra, c.different, c.checked_rows, coalesce(array_to_string(c.sample_keys, ' '), '') AS sample,
               coalesce(c.sample_keys, '{}') AS sample_arr
        FROM pg_tview_meta m, LATERAL pg_tviews_check_consistency(m.entity) c)"
# consistency — CONS_STATE ok | drift | none | error, and CONS_MSG ("N TVIEW(s) consistent: ..." or "drift: ...")
consistency() {
    if co_out=$(dqv "$SCRATCH" <<EOF
$TV_D
WITH $CONSISTENCY_CTE
SELECT CASE WHEN count(*) = 0 THEN 'none' WHEN bool_or(missing + extra + different > 0) THEN 'drift' ELSE 'ok' END || E'\\n' ||
       CASE WHEN count(*) = 0 THEN 'no TVIEW registered in pg_tview_meta'
            WHEN bool_or(missing + extra + different > 0) THEN 'drift: ' || string_agg(format('%s missing=%s extra=%s different=%s sample=[%s]',
                 pg_temp.tv_d(entity), missing, extra, different, sample), '; ' ORDER BY entity) FILTER (WHERE missing + extra + different > 0)
            ELSE count(*) || ' TVIEW(s) consistent: ' || string_agg(format('%s(%s)', pg_temp.tv_d(entity), checked_rows), ' ' ORDER BY entity) END
FROM c;
EOF
    ); then
        CONS_STATE=$(first_line "$co_out"); CONS_MSG=$(rest "$co_out")
    else
        CONS_STATE=error; CONS_MSG="pg_tviews_check_consistency failed: $co_out"
    fi
}
# ORDERED_CTE: "ord(entity, depth)", the TVIEWs of the catalog in dependency order (sources first)
ORDERED_CTE="d(entity, depth) AS (SELECT entity, 0 FROM pg_tview_meta UNION ALL SELECT m.entity, d.depth + 1 FROM d JOIN pg_tview_meta m ON d.entity = ANY(m.dependent_on) WHERE d.depth < 50),
    ord AS (SELECT entity, max(depth) AS depth FROM d GROUP BY entity)"

# ---------------------------------------------------------------------------------------------------
# 3. Scenario: damage and the documented recovery procedure

T_RECOVERY=0
case $SCENARIO in
metadata-loss)
    t0=$(now_ms)
    step "damage: DELETE FROM pg_tview_meta   -- in $SCRATCH only"
    if out=$(dqv "$SCRATCH" <<EOF
$TV_D
WITH d AS (DELETE FROM pg_tview_meta RETURNING entity)
SELECT count(*) || E'\\n' || coalesce(string_agg(pg_temp.tv_d(entity), ' ' ORDER BY entity), '') FROM d;
EOF
    ); then
        n_del=$(first_line "$out")
        hc=$(dq "$SCRATCH" "SELECT string_agg(translate(component || ': ' || message, E'\\n\\r\\t', '   '), '; ' ORDER BY component) FROM pg_tviews_health_check() WHERE status = 'ERROR'" || true)
        if [ "$n_del" -gt 0 ] && [ -n "$hc" ]; then
            check catalog-damaged true "deleted $n_del pg_tview_meta row(s) ($(rest "$out")); health check detects it: $(printf '%s' "$hc" | tv_clip 200)" $(( $(now_ms) - t0 ))
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
            check catalog-recovered false "restore.sh of metadata backup $META exit $rc: $(grep 'ERROR' "$WORK/meta.out" | tail -n 1 | sed 's/^.*ERROR: //' | tv_clip 400)" $(( $(now_ms) - t0 ))
        fi
    else
        # No metadata backup: re-register every TVIEW table (they carry a TVIEW {...} comment) in dependency order
        # (a table whose definition names another TVIEW table comes after it). psql's \gexec runs one generated
        # statement per table; the names are quoted by format() in SQL, never by the shell.
        step "recover: SELECT pg_tviews_convert_existing_table(format('%I.%I', schema, table)) for every unregistered table with a 'TVIEW {...}' comment, sources first"
        if out=$(dqv "$SCRATCH" <<'EOF'
WITH RECURSIVE t AS (
    SELECT n.nspname AS s, c.relname AS t, substr(obj_description(c.oid, 'pg_class'), 7)::jsonb ->> 'definition' AS def
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND obj_description(c.oid, 'pg_class') LIKE 'TVIEW {%'
      AND NOT EXISTS (SELECT 1 FROM pg_tview_meta m WHERE m.schema_name = n.nspname AND m.table_name = c.relname)),
  e AS (SELECT a.s AS cs, a.t AS ct, b.s AS ps, b.t AS pt FROM t a JOIN t b ON (a.s, a.t) <> (b.s, b.t)
        AND (strpos(a.def, quote_ident(b.t)) > 0 OR a.def ~ ('\m' || regexp_replace(b.t, '([^[:alnum:]_])', '\\\1', 'g') || '\M'))),
  r(s, t, depth) AS (SELECT s, t, 0 FROM t UNION ALL SELECT e.cs, e.ct, r.depth + 1 FROM r JOIN e ON (e.ps, e.pt) = (r.s, r.t) WHERE r.depth < 50)
SELECT format('SELECT translate(%L, E''\n\r\t'', ''   '') FROM pg_tviews_convert_existing_table(%L)', format('%I.%I', s, t), format('%I.%I', s, t))
FROM r GROUP BY s, t ORDER BY max(depth), s, t
\gexec
EOF
        ); then
            conv=$(printf '%s\n' "$out" | awk 'NF { printf "%s%s", sep, $0; sep = ", " }')
            if [ -z "$conv" ]; then
                check catalog-recovered false "no metadata backup, and no TVIEW table with a 'TVIEW {...}' comment to re-register" $(( $(now_ms) - t0 ))
            else
                check catalog-recovered true "no metadata backup: pg_tviews_convert_existing_table(name) in dependency order: $conv" $(( $(now_ms) - t0 ))
            fi
        else
            past_deadline 0 "catalog recovery" || true
            check catalog-recovered false "no metadata backup: pg_tviews_convert_existing_table: $out" $(( $(now_ms) - t0 ))
        fi
    fi
    T_RECOVERY=$(( $(now_ms) - t0 ))
    ;;
tview-corruption)
    t0=$(now_ms)
    # Target: CORRUPT_TVIEW (entity, table name or schema.table), else the leaf TVIEW (read by no other TVIEW) with
    # the most rows. One row is deleted, one altered, one inserted under a new key, by a temporary function that
    # quotes every name with format(); what it returns stays opaque to the shell: a JSON document (target and
    # keys) that goes back in as a psql variable, and a message.
    if out=$(dqv "$SCRATCH" -v "want=${CORRUPT_TVIEW:-}" <<'EOF'
CREATE FUNCTION pg_temp.tv_drill_corrupt(want text) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    m record; ac text; at text; k1 text; k2 text; k3 text; newkey text; setx text; idfix text := '';
BEGIN
    SELECT x.entity, format('%I.%I', x.schema_name, x.table_name) AS tt, x.key_column AS kc, x.key_type AS kt INTO m
    FROM pg_tview_meta x
    WHERE CASE WHEN want = '' THEN NOT EXISTS (SELECT 1 FROM pg_tview_meta y WHERE x.entity = ANY(y.dependent_on))
               ELSE want IN (x.entity, x.table_name, x.schema_name || '.' || x.table_name, format('%I.%I', x.schema_name, x.table_name)) END
    ORDER BY (SELECT reltuples FROM pg_class WHERE oid = format('%I.%I', x.schema_name, x.table_name)::regclass) DESC, x.entity LIMIT 1;
    IF m.entity IS NULL THEN
        RETURN E'{}\n' || format('no TVIEW to corrupt (%s)', CASE WHEN want = '' THEN 'no leaf TVIEW' ELSE want END);
    END IF;
    -- the altered column: a jsonb column, else a text column, else any other column set to NULL
    SELECT a.attname, format_type(a.atttypid, NULL) INTO ac, at FROM pg_attribute a
    WHERE a.attrelid = m.tt::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> m.kc
    ORDER BY (format_type(a.atttypid, NULL) = 'jsonb') DESC, (format_type(a.atttypid, NULL) IN ('text', 'character varying')) DESC, a.attnum LIMIT 1;
    EXECUTE format('SELECT min(k) FILTER (WHERE n = 1), min(k) FILTER (WHERE n = 2) FROM (SELECT %1$I::text AS k, row_number() OVER (ORDER BY %1$I) AS n FROM %2$s) q WHERE n <= 2', m.kc, m.tt)
        INTO k1, k2;
    newkey := CASE WHEN m.kt IN ('smallint', 'integer', 'bigint') OR m.kt LIKE 'numeric%' THEN format('(SELECT max(%I) + 1000000 FROM %s)', m.kc, m.tt)
                   WHEN m.kt = 'uuid' THEN 'gen_random_uuid()'
                   WHEN m.kt = 'text' OR m.kt LIKE 'character%' THEN '''drill-extra-'' || md5(random()::text)' END;
    IF k2 IS NULL OR newkey IS NULL OR ac IS NULL THEN
        RETURN E'{}\n' || format('cannot corrupt %s: needs 2 rows, a supported key type (got %L) and a non-key column', m.tt, m.kt);
    END IF;
    setx := CASE at WHEN 'jsonb' THEN format('%I = %I || ''{"drill_corrupted": true}''', ac, ac)
                    WHEN 'text' THEN format('%I = %I || '' (corrupted by drill)''', ac, ac)
                    WHEN 'character varying' THEN format('%I = %I || '' (corrupted by drill)''', ac, ac)
                    ELSE format('%I = NULL', ac) END;
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = m.tt::regclass AND attname = 'id' AND atttypid = 'uuid'::regtype) THEN
        idfix := ', ''id'', gen_random_uuid()';
    END IF;
    EXECUTE format('DELETE FROM %s WHERE %I::text = $1', m.tt, m.kc) USING k1;
    EXECUTE format('UPDATE %s SET %s WHERE %I::text = $1', m.tt, setx, m.kc) USING k2;
    EXECUTE format('INSERT INTO %1$s SELECT (jsonb_populate_record(NULL::%1$s, to_jsonb(t) || jsonb_build_object(%2$L, %3$s%4$s))).* FROM %1$s t WHERE %2$I::text = $1 RETURNING %2$I::text',
                   m.tt, m.kc, newkey, idfix) INTO k3 USING k2;
    RETURN jsonb_build_object('entity', m.entity, 'keys', jsonb_build_array(k1, k2, k3))::text || E'\n'
        || translate(format('%s: deleted key %s, altered %s of key %s, inserted extra key %s', m.tt, k1, ac, k2, k3), E'\n\r\t', '   ');
END
$fn$;
SELECT pg_temp.tv_drill_corrupt(:'want');
EOF
    ); then
        DAMAGE=$(first_line "$out")
        if [ "$DAMAGE" != '{}' ]; then
            corrupt_ok=1
            step "damage (in $SCRATCH only): $(rest "$out")"
            check corruption-injected true "$(rest "$out")" $(( $(now_ms) - t0 ))
        else
            check corruption-injected false "$(rest "$out")" $(( $(now_ms) - t0 ))
        fi
    else
        DAMAGE='{}'; corrupt_ok=0
        check corruption-injected false "corrupting a TVIEW failed: $out" $(( $(now_ms) - t0 ))
    fi
    if past_deadline 0 "corruption"; then done_exit; fi
    # detection + repair count as recovery time
    t0=$(now_ms)
    step "detect: SELECT * FROM pg_tviews_check_consistency(entity) for every TVIEW"
    if out=$(dqv "$SCRATCH" -v "damage=$DAMAGE" <<EOF
$TV_D
WITH $CONSISTENCY_CTE,
  dmg AS (SELECT :'damage'::jsonb ->> 'entity' AS tgt, ARRAY(SELECT jsonb_array_elements_text(:'damage'::jsonb -> 'keys')) AS keys),
  v AS (SELECT c.*, c.entity = dmg.tgt AS is_tgt,
               (c.missing, c.extra, c.different) = (1::bigint, 1::bigint, 1::bigint) AND dmg.keys <@ c.sample_arr AS exact, dmg.keys
        FROM c, dmg)
SELECT CASE WHEN bool_and(CASE WHEN is_tgt THEN exact ELSE missing + extra + different = 0 END) AND bool_or(is_tgt) THEN 'ok' ELSE 'bad' END || E'\\n' ||
       coalesce(string_agg(CASE WHEN is_tgt THEN format('%s: missing=%s extra=%s different=%s sample_keys=[%s] %s', pg_temp.tv_d(entity), missing, extra, different, sample,
                                     CASE WHEN exact THEN '(exactly the injected damage)' ELSE format('(expected missing=1 extra=1 different=1 with keys %s)', array_to_string(keys, ' ')) END)
                                WHEN missing + extra + different > 0 THEN format('unexpected drift in %s: missing=%s extra=%s different=%s sample_keys=[%s]', pg_temp.tv_d(entity), missing, extra, different, sample) END,
                           '; ' ORDER BY NOT is_tgt, entity), '')
FROM v;
EOF
    ); then
        det_msg=$(rest "$out")
        if [ "$(first_line "$out")" = ok ] && [ "$corrupt_ok" = 1 ]; then
            check corruption-detected true "$det_msg; other TVIEWs clean" $(( $(now_ms) - t0 ))
        else
            check corruption-detected false "${det_msg:-no damage reported}" $(( $(now_ms) - t0 ))
        fi
        if past_deadline 0 "detection"; then done_exit; fi
        # repair every TVIEW that reports drift, sources first (one generated statement per TVIEW, \gexec)
        t1=$(now_ms)
        step "repair: SELECT pg_tviews_repair(entity) for every TVIEW that drifts, sources first"
        if rep=$(dqv "$SCRATCH" <<EOF
WITH RECURSIVE $ORDERED_CTE, $CONSISTENCY_CTE
SELECT format('SELECT format(%L, %L, pg_tviews_repair(%L))', 'pg_tviews_repair(%s) rewrote %s row(s)',
              translate(format('%L', format('%I.%I', m.schema_name, m.table_name)), E'\\n\\r\\t', '   '), entity)
FROM c JOIN ord USING (entity) JOIN pg_tview_meta m USING (entity) WHERE missing + extra + different > 0 ORDER BY ord.depth, entity
\\gexec
EOF
        ); then
            rep=$(printf '%s\n' "$rep" | awk 'NF { printf "%s%s", sep, $0; sep = "; " }')
            if [ -n "$rep" ]; then check repair true "$rep" $(( $(now_ms) - t1 )); else check repair false "nothing to repair" $(( $(now_ms) - t1 )); fi
        else
            check repair false "pg_tviews_repair FAILED: $rep" $(( $(now_ms) - t1 ))
        fi
    else
        check corruption-detected false "pg_tviews_check_consistency failed: $out" $(( $(now_ms) - t0 ))
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
if hc=$(dqv "$SCRATCH" <<EOF
$TV_D
SELECT CASE WHEN bool_or(upper(status) = 'ERROR') THEN 'error' ELSE 'ok' END || E'\\n' ||
       CASE WHEN bool_or(upper(status) = 'ERROR')
            THEN 'ERROR rows: ' || string_agg(format('%s: %s', pg_temp.tv_d(component), pg_temp.tv_d(coalesce(message, ''))), '; ' ORDER BY component) FILTER (WHERE upper(status) = 'ERROR')
            ELSE count(*) || ' row(s), no ERROR' || coalesce(' (warnings: ' || string_agg(pg_temp.tv_d(component), '; ' ORDER BY component) FILTER (WHERE upper(status) = 'WARNING') || ')', '') END
FROM pg_tviews_health_check();
EOF
); then
    if [ "$(first_line "$hc")" = ok ]; then
        check health-check true "$(rest "$hc")" $(( $(now_ms) - t0 ))
    else
        check health-check false "$(rest "$hc")" $(( $(now_ms) - t0 ))
    fi
else
    check health-check false "pg_tviews_health_check() failed: $hc" $(( $(now_ms) - t0 ))
fi
if past_deadline 0 "health check"; then RTO_MS=$((RTO_MS + $(now_ms) - TV0)); done_exit; fi

step "verify: SELECT * FROM pg_tviews_check_consistency(entity) for every TVIEW   -- missing = extra = different = 0"
t0=$(now_ms)
consistency
if [ "$CONS_STATE" = ok ]; then
    check consistency true "$CONS_MSG" $(( $(now_ms) - t0 ))
else
    check consistency false "$CONS_MSG" $(( $(now_ms) - t0 ))
fi
if past_deadline 0 "consistency"; then RTO_MS=$((RTO_MS + $(now_ms) - TV0)); done_exit; fi

step "verify: SELECT count(*) of every TVIEW = the manifest's \"tviews\""
t0=$(now_ms)
if out=$(dqv "$SCRATCH" -v "manifest_file=$MF" <<EOF
\\set manifest \`cat :'manifest_file'\`
$TV_D
WITH $TV_TVIEWS_CTE,
  man AS (SELECT e.key AS entity, e.value AS want FROM jsonb_each(coalesce(:'manifest'::jsonb -> 'tviews', '{}')) e),
  counts AS (SELECT tv.entity, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', tv.s, tv.t), false, true, '')))[1]::text AS n
             FROM tv WHERE tv.entity IN (SELECT entity FROM man)),
  bad AS (
    SELECT m.entity, format('%s: in the manifest but not registered in pg_tview_meta', pg_temp.tv_d(m.entity)) AS msg
    FROM man m WHERE NOT EXISTS (SELECT 1 FROM tv WHERE tv.entity = m.entity)
    UNION ALL
    SELECT m.entity, format('%s: %s rows, manifest says %s', pg_temp.tv_d(m.entity), c.n, m.want) FROM man m JOIN counts c USING (entity) WHERE c.n IS DISTINCT FROM m.want::text
    UNION ALL
    SELECT tv.entity, format('%s: registered but not in the manifest', pg_temp.tv_d(tv.entity)) FROM tv WHERE NOT EXISTS (SELECT 1 FROM man WHERE man.entity = tv.entity))
SELECT CASE WHEN EXISTS (SELECT 1 FROM bad) OR NOT EXISTS (SELECT 1 FROM man) THEN 'bad' ELSE 'ok' END || E'\\n' ||
       coalesce((SELECT string_agg(msg, '; ' ORDER BY entity) FROM bad),
                (SELECT string_agg(format('%s=%s', pg_temp.tv_d(entity), n), ' ' ORDER BY entity) FROM counts), '');
EOF
); then
    if [ "$(first_line "$out")" = ok ]; then
        check row-counts true "equal to the manifest of $BACKUP: $(rest "$out")" $(( $(now_ms) - t0 ))
    else
        msg=$(rest "$out")
        check row-counts false "${msg:-the manifest of $BACKUP lists no TVIEW}" $(( $(now_ms) - t0 ))
    fi
else
    check row-counts false "counting the TVIEW rows failed: $out" $(( $(now_ms) - t0 ))
fi
if past_deadline 0 "row counts"; then RTO_MS=$((RTO_MS + $(now_ms) - TV0)); done_exit; fi

# A write to a source table must maintain its TVIEWs: the base source (kind direct) of the TVIEW with the most
# dependents; exactly one row (chosen by ctid in the same statement) of a text column that the definition reads
# gets a real change, inside a transaction that is rolled back: the write runs the maintenance triggers, the TVIEW
# row must change and every TVIEW must stay consistent, and nothing is left behind. Consistency is checked again
# after the rollback.
t0=$(now_ms)
step "verify: BEGIN; UPDATE one row of a source table of the TVIEW with most dependents (a text column it reads); check that its TVIEW row changed and every TVIEW is consistent; ROLLBACK"
if out=$(dqv "$SCRATCH" <<'EOF'
CREATE FUNCTION pg_temp.tv_drill_probe() RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    p record; tc text; kv text; fp text; fp0 text; fp1 text; n bigint; what text; bad text := ''; cs text; drift boolean;
BEGIN
    SELECT m.entity, format('%I.%I', m.schema_name, m.table_name) AS wt, m.key_column AS wk,
           format('%I.%I', d ->> 'schema', d ->> 'table') AS ws, coalesce(d ->> 'source_column', pth.x ->> 'key') AS wc, m.definition AS def
    INTO p
    FROM pg_tview_meta m CROSS JOIN jsonb_array_elements(m.dependencies) d
    -- a source whose own column is the key: runtime 0.2 records it as a path without hops, 0.1 as source_column
    LEFT JOIN LATERAL (SELECT x FROM jsonb_array_elements(coalesce(d -> 'paths', '[]')) x
                        WHERE jsonb_array_length(x -> 'hops') = 0 LIMIT 1) pth ON true
    WHERE d ->> 'kind' IN ('direct', 'keyed') AND d ->> 'tview' IS NULL AND coalesce(d ->> 'source_column', pth.x ->> 'key') IS NOT NULL
    ORDER BY (SELECT count(*) FROM pg_tview_meta x WHERE m.entity = ANY(x.dependent_on)) DESC, cardinality(m.dependent_on), m.entity LIMIT 1;
    IF p.entity IS NULL THEN
        RETURN E'bad\nno TVIEW with a base-table source found in pg_tview_meta.dependencies';
    END IF;
    -- a text column of the source, not indexed, not generated, that the definition mentions
    SELECT a.attname INTO tc FROM pg_attribute a
    WHERE a.attrelid = p.ws::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      AND a.atttypid IN ('text'::regtype, 'varchar'::regtype)
      AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND a.attnum = ANY(i.indkey))
      AND (strpos(p.def, quote_ident(a.attname)) > 0 OR p.def ~ ('\m' || regexp_replace(a.attname, '([^[:alnum:]_])', '\\\1', 'g') || '\M'))
    ORDER BY a.attnum LIMIT 1;
    EXECUTE format('SELECT %1$I::text FROM %2$s WHERE %1$I IS NOT NULL %3$s ORDER BY %1$I LIMIT 1', p.wc, p.ws,
                   CASE WHEN tc IS NULL THEN '' ELSE format('AND %I IS NOT NULL', tc) END) INTO kv;
    IF kv IS NULL THEN
        RETURN format(E'bad\nsource %s of %s has no row to write', p.ws, p.wt);
    END IF;
    fp := format('SELECT coalesce(md5(string_agg(t::text, %L ORDER BY t::text)), %L) FROM %s t WHERE %I::text = $1', ',', 'none', p.wt, p.wk);
    EXECUTE fp INTO fp0 USING kv;
    IF tc IS NOT NULL THEN
        EXECUTE format('UPDATE %1$s SET %2$I = %2$I || %4$L WHERE ctid = (SELECT ctid FROM %1$s WHERE %3$I::text = $1 AND %2$I IS NOT NULL LIMIT 1)',
                       p.ws, tc, p.wc, ' [drill]') USING kv;
        what := format('UPDATE of %s.%I where %I=%s', p.ws, tc, p.wc, kv);
    ELSE
        EXECUTE format('UPDATE %1$s SET %2$I = %2$I WHERE ctid = (SELECT ctid FROM %1$s WHERE %2$I::text = $1 LIMIT 1)', p.ws, p.wc) USING kv;
        what := format('no-op UPDATE of %s.%I=%s (no text column of %s read by %s)', p.ws, p.wc, kv, p.ws, p.wt);
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n <> 1 THEN
        bad := bad || format('the write changed %s rows instead of 1; ', n);
    END IF;
    -- runtime 0.3 maintains at commit: read our own write after applying it now
    IF to_regprocedure('public.pg_tviews_flush()') IS NOT NULL THEN
        PERFORM public.pg_tviews_flush();
    END IF;
    EXECUTE fp INTO fp1 USING kv;
    IF tc IS NOT NULL AND fp1 = fp0 THEN
        bad := bad || format('%s row %s=%s did not change after the write; ', p.wt, p.wk, kv);
    END IF;
    SELECT bool_or(c.missing + c.extra + c.different > 0),
           CASE WHEN bool_or(c.missing + c.extra + c.different > 0)
                THEN 'drift: ' || string_agg(format('%s missing=%s extra=%s different=%s', m.entity, c.missing, c.extra, c.different), '; ' ORDER BY m.entity)
                     FILTER (WHERE c.missing + c.extra + c.different > 0)
                ELSE count(*) || ' TVIEW(s) consistent' END
    INTO drift, cs
    FROM pg_tview_meta m, LATERAL pg_tviews_check_consistency(m.entity) c;
    IF drift THEN
        bad := bad || format('after the write: %s; ', cs);
    END IF;
    RETURN translate(CASE WHEN bad = '' THEN 'ok' ELSE 'bad' END || E'\n'
        || CASE WHEN bad = '' THEN format('%s (in a transaction, rolled back): %s maintained%s, %s', what, p.wt,
                                          CASE WHEN tc IS NULL THEN '' ELSE ' (row changed, then restored by the rollback)' END, cs)
                ELSE format('%s (in a transaction, rolled back): %s', what, bad) END, E'\r\t', '  ');
END
$fn$;
BEGIN;
SELECT pg_temp.tv_drill_probe();
ROLLBACK;
EOF
); then
    wm_state=$(first_line "$out"); wm_msg=$(rest "$out" | tr '\n' ' ')
    consistency
    if [ "$CONS_STATE" != ok ]; then wm_state=bad; wm_msg="$wm_msg; after the rollback: $CONS_MSG"; fi
    if [ "$wm_state" = ok ]; then
        check write-maintenance true "$wm_msg" $(( $(now_ms) - t0 ))
    else
        check write-maintenance false "$wm_msg" $(( $(now_ms) - t0 ))
    fi
else
    check write-maintenance false "the write failed: $out" $(( $(now_ms) - t0 ))
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
