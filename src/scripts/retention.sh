#!/bin/sh
# retention.sh — applies the retention policy to the backup directories under BACKUP_ROOT.
# Env: BACKUP_ROOT (required); KEEP_LAST (count), MAX_AGE (30d, 12h, 45m, 2w, 90s), KEEP_FAILED (default 5),
#      INCOMPLETE_GRACE (default 24h), NOW (epoch seconds, default: the clock), DRY_RUN=1 (print only).
# Rules, applied to each method (logical, metadata, physical) separately, by the UTC timestamp in the
# directory name <YYYYMMDDTHHMMSSZ>-<method>:
#   - successful backups (manifest status "succeeded"): the newest KEEP_LAST are kept; one that is not among
#     them is deleted when it is older than MAX_AGE (or, without MAX_AGE, always). Without KEEP_LAST only
#     MAX_AGE applies. The newest VERIFIED backup is never deleted.
#   - failed backups (status "failed", or no readable manifest): the newest KEEP_FAILED are kept for
#     inspection, older ones deleted. Unfinished ".tmp-<name>" directories younger than INCOMPLETE_GRACE
#     may be a backup in progress and are never touched; older ones count as failed.
#   - anything else in BACKUP_ROOT is ignored.
# Prints one line per directory ("keep NAME: reason" / "delete NAME: reason") and a summary.
set -eu
TV_SCRIPT=retention
TV_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TV_DIR/lib.sh"

[ -n "${BACKUP_ROOT:-}" ] || die "BACKUP_ROOT is not set"
[ -d "$BACKUP_ROOT" ] || die "BACKUP_ROOT $BACKUP_ROOT does not exist"
KEEP_LAST=${KEEP_LAST:-}
case $KEEP_LAST in ""|*[!0-9]*) [ -z "$KEEP_LAST" ] || die "KEEP_LAST must be a non-negative integer (got '$KEEP_LAST')" ;; esac
MAX_AGE_S=""
if [ -n "${MAX_AGE:-}" ]; then
    MAX_AGE_S=$(tv_duration_seconds "$MAX_AGE") || die "MAX_AGE must look like 30d, 12h, 45m, 2w or 90s (got '$MAX_AGE')"
fi
KEEP_FAILED=${KEEP_FAILED:-5}
case $KEEP_FAILED in ""|*[!0-9]*) die "KEEP_FAILED must be a non-negative integer (got '$KEEP_FAILED')" ;; esac
GRACE_S=$(tv_duration_seconds "${INCOMPLETE_GRACE:-24h}") || die "INCOMPLETE_GRACE must look like 24h (got '$INCOMPLETE_GRACE')"
NOW=${NOW:-$(date +%s)}
case $NOW in ""|*[!0-9]*) die "NOW must be epoch seconds (got '$NOW')" ;; esac
if [ -z "$KEEP_LAST" ] && [ -z "$MAX_AGE_S" ]; then
    log "neither KEEP_LAST nor MAX_AGE is set: successful backups are all kept"
fi

# "epoch method state verified name" for every backup directory
LIST=$(
    for d in "$BACKUP_ROOT"/*-* "$BACKUP_ROOT"/.tmp-*-*; do
        [ -d "$d" ] || continue
        name=$(basename "$d")
        base=${name#.tmp-}
        ts=${base%%-*}; method=${base#*-}
        case $method in logical|metadata|physical) ;; *) continue ;; esac
        epoch=$(tv_ts_epoch "$ts" 2>/dev/null) || continue
        if [ "$name" != "$base" ]; then
            state=incomplete; verified=false
        elif [ -f "$d/manifest.json" ]; then
            state=$(tv_manifest_get "$d/manifest.json" status); verified=$(tv_manifest_get "$d/manifest.json" verified)
            [ "$state" = succeeded ] || state=failed
            [ "$verified" = true ] || verified=false
        else
            state=failed; verified=false
        fi
        echo "$epoch $method $state $verified $name"
    done | sort -k1,1nr -k5,5r
)

DECISIONS=$(printf '%s\n' "$LIST" | awk -v keep_last="$KEEP_LAST" -v max_age="$MAX_AGE_S" \
        -v keep_failed="$KEEP_FAILED" -v grace="$GRACE_S" -v now="$NOW" '
    NF == 5 {
        epoch = $1; m = $2; state = $3; verified = $4; name = $5; age = now - epoch
        if (state == "incomplete" && age < grace) { print "keep " name ": unfinished, may be in progress (age " age "s)"; next }
        if (state != "succeeded") {
            nfail[m]++
            if (nfail[m] <= keep_failed) print "keep " name ": failed backup kept for inspection (" nfail[m] " of at most " keep_failed ")"
            else print "delete " name ": failed backup beyond KEEP_FAILED=" keep_failed
            next
        }
        nok[m]++
        protect = (verified == "true" && !seen_verified[m]); if (verified == "true") seen_verified[m] = 1
        if (keep_last != "" && nok[m] <= keep_last + 0) { print "keep " name ": among the newest " keep_last " successful " m " backups"; next }
        old = (max_age == "") ? 1 : (age > max_age + 0)
        if (keep_last == "" && max_age == "") old = 0
        if (!old) { print "keep " name ": younger than MAX_AGE (age " age "s)"; next }
        if (protect) { print "keep " name ": newest verified " m " backup (never deleted)"; next }
        reason = (max_age == "") ? "beyond KEEP_LAST=" keep_last : "older than MAX_AGE (age " age "s > " max_age "s)"
        print "delete " name ": " reason
    }')

deleted=0; kept=0
while IFS= read -r line; do
    [ -n "$line" ] || continue
    echo "$line"
    case $line in
        "delete "*)
            name=${line#delete }; name=${name%%:*}
            if [ "${DRY_RUN:-0}" != 1 ]; then
                rm -rf -- "${BACKUP_ROOT:?}/$name" || die "could not delete $BACKUP_ROOT/$name"
            fi
            deleted=$((deleted + 1)) ;;
        *) kept=$((kept + 1)) ;;
    esac
done <<EOF
$DECISIONS
EOF
echo "retention: kept $kept, deleted $deleted$( [ "${DRY_RUN:-0}" != 1 ] || echo ' (dry run: nothing removed)')"
