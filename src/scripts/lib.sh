# shellcheck shell=sh
# Shared helpers for the TVIEW backup scripts (backup.sh, verify.sh, restore.sh, retention.sh).
# Sourced, never executed. POSIX sh; needs coreutils (sha256sum, stat), awk, sed, tar, gzip and the
# PostgreSQL client tools. Connection settings come ONLY from libpq environment variables
# (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD or PGPASSFILE); nothing here ever prints them.

TV_CATALOG_TABLES="pg_tview_meta pg_tview_helpers pg_tview_audit_log"

# ---------------------------------------------------------------------------------------------------
# Messages

tv_now_iso() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# Removes the password (if any) from text read on stdin, so that no message can ever leak it.
tv_redact() {
    awk 'BEGIN { p = ENVIRON["PGPASSWORD"] }
         { if (p != "") { while ((i = index($0, p)) > 0) $0 = substr($0, 1, i - 1) "***" substr($0, i + length(p)) } print }'
}

log() { printf '%s [%s] %s\n' "$(tv_now_iso)" "${TV_SCRIPT:-tviews}" "$*" | tv_redact >&2; }
# Prints the error on stderr (and into $TV_ERRFILE when set, for the backup manifest) and exits.
die() {
    printf '%s [%s] ERROR: %s\n' "$(tv_now_iso)" "${TV_SCRIPT:-tviews}" "$*" | tv_redact >&2
    if [ -n "${TV_ERRFILE:-}" ]; then printf '%s\n' "$*" | tv_redact >"$TV_ERRFILE" 2>/dev/null || true; fi
    exit "${TV_EXIT:-1}"
}

# ---------------------------------------------------------------------------------------------------
# Tools

# Puts the PostgreSQL client tools on PATH: $PG_BIN when set, else what PATH has, else the newest
# /usr/lib/postgresql/<v>/bin (Debian layout).
tv_setup_path() {
    if [ -n "${PG_BIN:-}" ]; then
        [ -x "$PG_BIN/psql" ] || die "PG_BIN=$PG_BIN does not contain psql"
        PATH="$PG_BIN:$PATH"
    elif ! command -v pg_dump >/dev/null 2>&1; then
        tv_best=""
        for tv_d in /usr/lib/postgresql/*/bin; do
            [ -x "$tv_d/pg_dump" ] || continue
            tv_v=${tv_d%/bin}; tv_v=${tv_v##*/}
            if [ -z "$tv_best" ] || [ "$tv_v" -gt "${tv_best_v:-0}" ] 2>/dev/null; then tv_best=$tv_d; tv_best_v=$tv_v; fi
        done
        [ -n "$tv_best" ] && PATH="$tv_best:$PATH"
    fi
    export PATH
}

tv_require() {
    for tv_t in "$@"; do
        command -v "$tv_t" >/dev/null 2>&1 || die "required tool '$tv_t' not found on PATH (install the PostgreSQL client tools matching the server, or set PG_BIN)"
    done
}

# ---------------------------------------------------------------------------------------------------
# Database access (libpq environment only)

tv_target() { printf '%s:%s user=%s' "${PGHOST:-<default>}" "${PGPORT:-5432}" "${PGUSER:-<default>}"; }

# psql for scripts: no psqlrc, stop on error, unaligned tuples only. Database = $1 (may be empty).
tv_psql() {
    tv_db=$1; shift
    if [ -n "$tv_db" ]; then
        PGDATABASE=$tv_db psql -X -q -v ON_ERROR_STOP=1 -At "$@"
    else
        psql -X -q -v ON_ERROR_STOP=1 -At "$@"
    fi
}

# One query's result, or die with the server's message (password redacted).
tv_query() {
    tv_qdb=$1; tv_sql=$2
    if ! tv_out=$(tv_psql "$tv_qdb" -c "$tv_sql" 2>&1); then
        die "query failed on $(tv_target) database=${tv_qdb:-${PGDATABASE:-<default>}}: $(printf '%s' "$tv_out" | tr '\n' ' ')"
    fi
    printf '%s\n' "$tv_out"
}

# Fails early with a clear message when the server cannot be reached or refuses the credentials.
tv_check_connection() {
    tv_cdb=${1:-${PGDATABASE:-}}
    if ! tv_out=$(tv_psql "$tv_cdb" -c 'SELECT 1' 2>&1); then
        tv_hint=""
        case $tv_out in
            *"password authentication failed"*) tv_hint=" (wrong password or user: check the Secret / PGPASSWORD / PGPASSFILE)" ;;
            *"no password supplied"*) tv_hint=" (no password: set PGPASSWORD or PGPASSFILE)" ;;
            *"Connection refused"*|*"could not connect"*|*"could not translate host name"*|*"timeout expired"*) tv_hint=" (server unreachable: check PGHOST/PGPORT and that the server is running)" ;;
            *"does not exist"*) tv_hint=" (database or role does not exist)" ;;
        esac
        TV_EXIT=2 die "cannot connect to PostgreSQL at $(tv_target) database=${tv_cdb:-<default>}$tv_hint: $(printf '%s' "$tv_out" | tr '\n' ' ')"
    fi
}

# Schema of the runtime catalog table pg_tview_meta as resolved by search_path, or empty.
tv_catalog_schema() {
    tv_query "$1" "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass('pg_tview_meta')"
}

# Lines "entity|schema|table" for every TVIEW of database $1 (empty without the runtime). Accepts the
# public contract's columns (entity, schema_name, table_name) and falls back to tv_<entity> in the
# catalog's schema when a column is missing.
tv_list_tviews() {
    tv_ls=$(tv_catalog_schema "$1") || return 1
    [ -n "$tv_ls" ] || return 0
    tv_cols=$(tv_query "$1" "SELECT string_agg(attname, ',') FROM pg_attribute WHERE attrelid = to_regclass('pg_tview_meta') AND attnum > 0 AND NOT attisdropped") || return 1
    tv_sexpr="'$tv_ls'"; tv_texpr="'tv_' || entity"
    case ",$tv_cols," in *,schema_name,*) tv_sexpr="coalesce(schema_name, '$tv_ls')" ;; esac
    case ",$tv_cols," in *,table_name,*) tv_texpr="coalesce(table_name, 'tv_' || entity)" ;; esac
    tv_query "$1" "SELECT entity || '|' || $tv_sexpr || '|' || $tv_texpr FROM pg_tview_meta ORDER BY entity"
}

# SQL returning "entity|schema|table|rowcount" for every TVIEW, one statement (one snapshot).
tv_count_sql() {
    tv_csql=""
    while IFS='|' read -r tv_e tv_s tv_t; do
        [ -n "$tv_e" ] || continue
        tv_part="SELECT '$tv_e|$tv_s|$tv_t|' || count(*) FROM \"$tv_s\".\"$tv_t\""
        if [ -z "$tv_csql" ]; then tv_csql=$tv_part; else tv_csql="$tv_csql UNION ALL $tv_part"; fi
    done <<EOF
$1
EOF
    printf '%s' "$tv_csql"
}

# ---------------------------------------------------------------------------------------------------
# Files, JSON, time

tv_sha256() { sha256sum "$1" | awk '{print $1}'; }
tv_size() { stat -c %s "$1"; }

tv_json_str() {
    printf '"%s"' "$(printf '%s' "$1" | tr '\n\r\t' '   ' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# Value of a top-level scalar key of a manifest written by backup.sh (one key per line).
tv_manifest_get() {
    awk -v key="$2" '
        index($0, "  \"" key "\": ") == 1 {
            v = substr($0, length(key) + 7); sub(/,$/, "", v)
            if (v ~ /^".*"$/) { v = substr(v, 2, length(v) - 2); gsub(/\\"/, "\"", v); gsub(/\\\\/, "\\", v) }
            print v; exit
        }' "$1"
}

# "key value" lines of a one-level object of the manifest ("tviews", "tviewTables", "sha256").
tv_manifest_object() {
    awk -v key="$2" '
        $0 ~ "^  \"" key "\": \\{" { inside = 1; if ($0 ~ /\}/) exit; next }
        inside && /^  \}/ { exit }
        inside { line = $0; gsub(/^ +"/, "", line); gsub(/,$/, "", line); gsub(/"/, "", line); sub(/: /, " ", line); print line }
    ' "$1"
}

# Entries of a one-level array of the manifest ("catalogTables").
tv_manifest_array() {
    sed -n "s/^  \"$2\": \[\(.*\)\],\{0,1\}\$/\1/p" "$1" | tr ',' '\n' | sed -e 's/^ *"//' -e 's/" *$//' | sed '/^$/d'
}

# Replaces a top-level scalar key of the manifest (backup.sh writes every key), atomically. $3 is raw JSON.
tv_manifest_set() {
    tv_mf=$1; tv_k=$2; tv_v=$3
    grep -q "^  \"$tv_k\": " "$tv_mf" || die "manifest $tv_mf has no key $tv_k"
    TV_V=$tv_v awk -v k="$tv_k" '
        BEGIN { v = ENVIRON["TV_V"] }
        index($0, "  \"" k "\": ") == 1 { comma = ($0 ~ /,$/) ? "," : ""; print "  \"" k "\": " v comma; next }
        { print }' "$tv_mf" >"$tv_mf.tmp.$$"
    mv "$tv_mf.tmp.$$" "$tv_mf"
}

# Epoch seconds of a UTC timestamp YYYYMMDDTHHMMSSZ (pure awk, no GNU date needed).
tv_ts_epoch() {
    printf '%s\n' "$1" | awk '
        /^[0-9]{8}T[0-9]{6}Z$/ || /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z$/ {
            y = substr($0, 1, 4) + 0; m = substr($0, 5, 2) + 0; d = substr($0, 7, 2) + 0
            H = substr($0, 10, 2) + 0; M = substr($0, 12, 2) + 0; S = substr($0, 14, 2) + 0
            if (m <= 2) { y -= 1; m += 12 }
            era = int(y / 400); yoe = y - era * 400
            doy = int((153 * (m - 3) + 2) / 5) + d - 1
            doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
            days = era * 146097 + doe - 719468
            printf "%d\n", days * 86400 + H * 3600 + M * 60 + S; ok = 1 }
        END { if (!ok) exit 1 }'
}

# Seconds of a duration like 30d, 12h, 45m, 90s, 2w (bare number = seconds).
tv_duration_seconds() {
    case $1 in
        *[!0-9smhdw]*|"") return 1 ;;
    esac
    tv_n=${1%[smhdw]}
    case $tv_n in ""|*[!0-9]*) return 1 ;; esac
    case $1 in
        *w) echo $((tv_n * 604800)) ;;
        *d) echo $((tv_n * 86400)) ;;
        *h) echo $((tv_n * 3600)) ;;
        *m) echo $((tv_n * 60)) ;;
        *) echo "$tv_n" ;;
    esac
}

# Writes the Kubernetes termination message (best effort, < 4096 bytes).
tv_termination_log() {
    tv_tl=${TERMINATION_LOG-/dev/termination-log}
    [ -n "$tv_tl" ] || return 0
    if [ -e "$tv_tl" ] && [ -w "$tv_tl" ] || { [ "${TERMINATION_LOG+set}" = set ] && [ ! -e "$tv_tl" ]; }; then
        printf '%s\n' "$1" | head -c 4000 >"$tv_tl" 2>/dev/null || true
    fi
}

# ---------------------------------------------------------------------------------------------------
# TVIEW checks on a (restored) database: health check + consistency of every TVIEW. Prints one line per
# check; returns non-zero when any fails. $2 (optional): manifest whose row counts must match.

tv_check_database() {
    tv_cd=$1; tv_cmf=${2:-}; tv_failed=0
    tv_hcf=$(tv_query "$tv_cd" "SELECT to_regprocedure('pg_tviews_health_check()')") || return 1
    if [ -z "$tv_hcf" ]; then
        log "database $tv_cd: TVIEW runtime not installed (pg_tviews_health_check() missing)"
        return 1
    fi
    tv_hc=$(tv_query "$tv_cd" "SELECT status || '|' || component || '|' || coalesce(severity, '') || '|' || coalesce(message, '') FROM pg_tviews_health_check()") || return 1
    while IFS='|' read -r tv_st tv_comp tv_sev tv_msg; do
        [ -n "$tv_st$tv_comp" ] || continue
        tv_l=$(printf '%s %s' "$tv_st" "$tv_sev" | tr 'A-Z' 'a-z')
        case " $tv_l " in
            *" error "*|*" critical "*|*" fail "*|*" failed "*|*" unhealthy "*)
                echo "health $tv_comp: FAILED ($tv_st/$tv_sev) $tv_msg"; tv_failed=1 ;;
            *) echo "health $tv_comp: $tv_st" ;;
        esac
    done <<EOF
$tv_hc
EOF
    tv_views=$(tv_list_tviews "$tv_cd") || return 1
    while IFS='|' read -r tv_e tv_s tv_t; do
        [ -n "$tv_e" ] || continue
        tv_r=$(tv_query "$tv_cd" "SELECT missing || '|' || extra || '|' || different || '|' || checked_rows || '|' || coalesce(array_to_string(sample_keys, ' '), '') FROM pg_tviews_check_consistency('$tv_s.$tv_t')") || { echo "consistency $tv_e: FAILED (check raised an error)"; tv_failed=1; continue; }
        tv_miss=$(echo "$tv_r" | cut -d'|' -f1); tv_extra=$(echo "$tv_r" | cut -d'|' -f2)
        tv_diff=$(echo "$tv_r" | cut -d'|' -f3); tv_rows=$(echo "$tv_r" | cut -d'|' -f4)
        if [ "$tv_miss" = 0 ] && [ "$tv_extra" = 0 ] && [ "$tv_diff" = 0 ]; then
            echo "consistency $tv_e: ok ($tv_rows rows)"
        else
            echo "consistency $tv_e: FAILED missing=$tv_miss extra=$tv_extra different=$tv_diff sample=$(echo "$tv_r" | cut -d'|' -f5)"
            tv_failed=1
        fi
        if [ -n "$tv_cmf" ]; then
            tv_want=$(tv_manifest_object "$tv_cmf" tviews | awk -v e="$tv_e" '$1 == e { print $2 }')
            if [ -n "$tv_want" ]; then
                tv_have=$(tv_query "$tv_cd" "SELECT count(*) FROM \"$tv_s\".\"$tv_t\"") || tv_have="error"
                if [ "$tv_have" != "$tv_want" ]; then
                    echo "rowcount $tv_e: FAILED $tv_have rows, manifest says $tv_want"; tv_failed=1
                fi
            fi
        fi
    done <<EOF
$tv_views
EOF
    if [ -n "$tv_cmf" ]; then
        for tv_e in $(tv_manifest_object "$tv_cmf" tviews | awk '{print $1}'); do
            if ! printf '%s\n' "$tv_views" | cut -d'|' -f1 | grep -qx "$tv_e"; then
                echo "tview $tv_e: FAILED in the manifest but not in the restored catalog"; tv_failed=1
            fi
        done
    fi
    return $tv_failed
}
