# shellcheck shell=sh
# Shared helpers for the TVIEW backup scripts (backup.sh, verify.sh, restore.sh, retention.sh, drill.sh).
# Sourced, never executed. POSIX sh; needs coreutils (sha256sum, stat), awk, sed, tar, gzip and the
# PostgreSQL client tools. Connection settings come ONLY from libpq environment variables
# (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD or PGPASSFILE); nothing here ever prints them.

# ---------------------------------------------------------------------------------------------------
# Messages

tv_now_iso() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# Removes the password (if any) from text read on stdin, so that no message can ever leak it.
# The first $1 bytes of stdin without a character cut in two: cut -c counts bytes, and a name like "tv_é" cut in the
# middle made the JSON a Job reports invalid UTF-8
tv_clip() {
    cut -c1-"$1" | { iconv -c -f UTF-8 -t UTF-8 2>/dev/null; true; }
}

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
#
# No SQL is ever built by splicing text in the shell. Values go in as psql variables (psql -v name=value,
# used as :'name' for a literal and :"name" for an identifier; psql does not interpolate inside -c, so the
# SQL is read from stdin), identifiers inside SQL are quoted with format('%I'), and what comes back is one
# value per query or one JSON document built by PostgreSQL itself.

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

# One query's result, or die with the server's message (password redacted). $2 is a CONSTANT statement:
# never put a value into it (use tv_sql with psql variables).
tv_query() {
    tv_qdb=$1; tv_sql_text=$2
    if ! tv_out=$(tv_psql "$tv_qdb" -c "$tv_sql_text" 2>&1); then
        die "query failed on $(tv_target) database=${tv_qdb:-${PGDATABASE:-<default>}}: $(printf '%s' "$tv_out" | tr '\n' ' ')"
    fi
    printf '%s\n' "$tv_out"
}

# tv_sql DB [-v name=value ...] <<'SQL' — runs the SQL read from stdin with the given psql variables; prints
# the result (stdout only; NOTICEs and WARNINGs go to stderr), or dies with the server's message.
tv_sql() {
    tv_qdb=$1; shift
    tv_errf=$(mktemp "${TMPDIR:-/tmp}/tviews-sql.XXXXXX")
    if ! tv_out=$(tv_psql "$tv_qdb" "$@" -f - 2>"$tv_errf"); then
        tv_msg=$(tr '\n' ' ' <"$tv_errf"); rm -f "$tv_errf"
        die "query failed on $(tv_target) database=${tv_qdb:-${PGDATABASE:-<default>}}: $tv_msg"
    fi
    [ ! -s "$tv_errf" ] || tv_redact <"$tv_errf" >&2
    rm -f "$tv_errf"
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

# SQL (constant) of the registered TVIEWs: CTE "tv(entity, s, t)" with schema and table of each TVIEW. Accepts
# the public contract's columns (entity, schema_name, table_name) and falls back to tv_<entity> in the
# catalog's schema when a column is missing. Needs pg_tview_meta to exist.
TV_TVIEWS_CTE="tv AS (
    SELECT m.entity,
           coalesce(to_jsonb(m) ->> 'schema_name', (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                                    WHERE c.oid = 'pg_tview_meta'::regclass)) AS s,
           coalesce(to_jsonb(m) ->> 'table_name', 'tv_' || m.entity) AS t
    FROM pg_tview_meta m)"

# SQL (constant) printing the manifest lines that describe the catalog and the TVIEWs, one statement (one
# snapshot), each line '  "key": <JSON>,' built by PostgreSQL (names are never parsed by the shell):
#   catalogTables ["schema.table", ...]   catalogTableNames [{"schema": s, "table": t}, ...]
#   tviewTables {entity: "schema.table"}  tviewTableNames {entity: {"schema": s, "table": t}}
#   tviews {entity: row count}
# Row counts run through query_to_xml(format('... %I.%I')) so that they are one statement. Needs pg_tview_meta.
TV_MANIFEST_LINES_SQL="WITH $TV_TVIEWS_CTE,
  cat AS (
    SELECT n.nspname AS s, c.relname AS t, x.ord
    FROM unnest(ARRAY['pg_tview_meta', 'pg_tview_helpers', 'pg_tview_audit_log']) WITH ORDINALITY AS x(name, ord)
    JOIN pg_class c ON c.oid = to_regclass(x.name) JOIN pg_namespace n ON n.oid = c.relnamespace),
  counts AS (
    SELECT entity, s, t, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', s, t), false, true, '')))[1]::text::bigint AS n
    FROM tv)
SELECT '  \"catalogTables\": ' || coalesce((SELECT json_agg(s || '.' || t ORDER BY ord) FROM cat), '[]') || ','
UNION ALL SELECT '  \"catalogTableNames\": ' || coalesce((SELECT json_agg(json_build_object('schema', s, 'table', t) ORDER BY ord) FROM cat), '[]') || ','
UNION ALL SELECT '  \"tviewTables\": ' || coalesce((SELECT json_object_agg(entity, s || '.' || t ORDER BY entity) FROM counts)::text, '{}') || ','
UNION ALL SELECT '  \"tviewTableNames\": ' || coalesce((SELECT json_object_agg(entity, json_build_object('schema', s, 'table', t) ORDER BY entity) FROM counts)::text, '{}') || ','
UNION ALL SELECT '  \"tviews\": ' || coalesce((SELECT json_object_agg(entity, n ORDER BY entity) FROM counts)::text, '{}') || ','"

# ---------------------------------------------------------------------------------------------------
# Files, JSON, time

tv_sha256() { sha256sum "$1" | awk '{print $1}'; }
tv_size() { stat -c %s "$1"; }

# A JSON string of $1: backslash and quote escaped, newlines and tabs become spaces, other control
# characters are dropped, so the result is always valid JSON (for the text the scripts write themselves;
# values from the database reach the manifests as JSON built by PostgreSQL).
tv_json_str() {
    printf '"%s"' "$(printf '%s' "$1" | tr '\n\r\t' '   ' | tr -d '\000-\037\177' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# A JSON parser in POSIX awk (prepended to the awk programs below; run with LC_ALL=C, bytes in and out).
# jload(file) reads one JSON document: JT[path] is its type (o object, a array, s string, n number, b boolean,
# z null), JV[path] the decoded value of a scalar, JN[path] the number of members and JK[path, i] the i-th key
# (the index for arrays). The path of a member is the parent's path SUBSEP key; the document's path is "".
# JERR is set when the text is not valid JSON. jline(s) makes a decoded value safe to print on one line.
TV_JSON_AWK='
function jerr(m) { if (JERR == "") JERR = m " at offset " JP; JP = JL + 1 }
function jws() { while (JP <= JL && index(" \t\r\n", substr(JS, JP, 1)) > 0) JP++ }
function jhex(h,   i, v, d) {
    v = 0
    for (i = 1; i <= 4; i++) { d = index("0123456789abcdef", tolower(substr(h, i, 1))); if (d == 0) { jerr("bad \\u escape"); return 0 } v = v * 16 + d - 1 }
    return v
}
function jutf8(u) {
    if (u <= 0) return ""
    if (u < 128) return sprintf("%c", u)
    if (u < 2048) return sprintf("%c%c", 192 + int(u / 64), 128 + u % 64)
    if (u < 65536) return sprintf("%c%c%c", 224 + int(u / 4096), 128 + int(u / 64) % 64, 128 + u % 64)
    return sprintf("%c%c%c%c", 240 + int(u / 262144), 128 + int(u / 4096) % 64, 128 + int(u / 64) % 64, 128 + u % 64)
}
function jstr(   c, out, u, u2) {
    if (substr(JS, JP, 1) != "\"") { jerr("string expected"); return "" }
    JP++; out = ""
    while (JP <= JL) {
        if (match(substr(JS, JP, 256), /^[^"\\]+/)) { out = out substr(JS, JP, RLENGTH); JP += RLENGTH; continue }
        c = substr(JS, JP, 1)
        if (c == "\"") { JP++; return out }
        c = substr(JS, JP + 1, 1); JP += 2
        if (c == "n") out = out "\n"; else if (c == "t") out = out "\t"; else if (c == "r") out = out "\r"
        else if (c == "b") out = out "\b"; else if (c == "f") out = out "\f"
        else if (c == "u") {
            u = jhex(substr(JS, JP, 4)); JP += 4
            if (u >= 55296 && u < 56320 && substr(JS, JP, 2) == "\\u") {
                u2 = jhex(substr(JS, JP + 2, 4))
                if (u2 >= 56320 && u2 < 57344) { JP += 6; u = 65536 + (u - 55296) * 1024 + (u2 - 56320) }
            }
            out = out jutf8(u)
        } else if (c == "\"" || c == "\\" || c == "/") out = out c
        else { jerr("bad escape"); return out }
    }
    jerr("unterminated string"); return out
}
function jval(path,   c, n, k) {
    jws(); c = substr(JS, JP, 1)
    if (c == "{" || c == "[") {
        JT[path] = (c == "{") ? "o" : "a"; JP++; n = 0; jws()
        if (substr(JS, JP, 1) == (c == "{" ? "}" : "]")) { JP++; JN[path] = 0; return }
        while (JP <= JL) {
            jws(); n++
            if (JT[path] == "o") {
                k = jstr(); jws()
                if (substr(JS, JP, 1) != ":") { jerr("colon expected"); return }
                JP++
            } else k = n
            JK[path, n] = k; jval(path SUBSEP k); jws()
            c = substr(JS, JP, 1); JP++
            if (c == "}" && JT[path] == "o" || c == "]" && JT[path] == "a") { JN[path] = n; return }
            if (c != ",") { jerr("comma expected"); return }
        }
        jerr("unterminated " (JT[path] == "o" ? "object" : "array")); return
    }
    if (c == "\"") { JT[path] = "s"; JV[path] = jstr(); return }
    if (match(substr(JS, JP, 64), /^(true|false|null|-?[0-9][0-9.eE+-]*)/)) {
        k = substr(JS, JP, RLENGTH); JP += RLENGTH; JV[path] = k
        JT[path] = (k == "null") ? "z" : (k == "true" || k == "false") ? "b" : "n"; return
    }
    jerr("unexpected character")
}
function jload(file,   line, r) {
    JS = ""; JERR = ""
    while ((r = (getline line < file)) > 0) JS = JS line "\n"
    close(file)
    if (r < 0) { JERR = "cannot read " file; return }
    JL = length(JS); JP = 1; jval(""); jws()
    if (JERR == "" && JP <= JL) JERR = "text after the JSON document at offset " JP
}
function jline(s) { gsub(/[\001-\037\177]/, " ", s); return s }
'

# Value of a top-level scalar key of a JSON file (a manifest), on one line: strings decoded, other scalars as
# written (true, 12, null); nothing when the key is missing. Fails when the file is not valid JSON.
tv_manifest_get() {
    LC_ALL=C awk -v key="$2" "$TV_JSON_AWK"'
        BEGIN { jload(ARGV[1]); if (JERR != "") { print "warning: invalid JSON in " ARGV[1] ": " JERR > "/dev/stderr"; exit 0 }
                p = SUBSEP key; if (p in JT && JT[p] != "o" && JT[p] != "a") print jline(JV[p]) }' "$1"
}

# "key value" lines of a one-level object of the manifest ("sha256": file names the scripts chose).
tv_manifest_object() {
    LC_ALL=C awk -v key="$2" "$TV_JSON_AWK"'
        BEGIN { jload(ARGV[1]); if (JERR != "") { print "warning: invalid JSON in " ARGV[1] ": " JERR > "/dev/stderr"; exit 0 }
                p = SUBSEP key
                if (JT[p] == "o") for (i = 1; i <= JN[p]; i++) print jline(JK[p, i]) " " jline(JV[p SUBSEP JK[p, i]]) }' "$1"
}

# Number of members of a top-level object or array of the manifest (0 when missing).
tv_manifest_count() {
    LC_ALL=C awk -v key="$2" "$TV_JSON_AWK"'
        BEGIN { jload(ARGV[1]); if (JERR != "") { print "warning: invalid JSON in " ARGV[1] ": " JERR > "/dev/stderr"; exit 0 }
                p = SUBSEP key; print (p in JN) ? JN[p] : 0 }' "$1"
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
# check (names with newlines shown with spaces); returns non-zero when any fails. $2 (optional): manifest
# whose row counts ("tviews") must match. One statement; the manifest goes in as a psql variable.

tv_check_database() {
    tv_cd=$1; tv_cmf=${2:-}
    set --
    [ -z "$tv_cmf" ] || set -- -v "manifest_file=$tv_cmf"
    tv_errf=$(mktemp "${TMPDIR:-/tmp}/tviews-check.XXXXXX")
    if ! tv_out=$(tv_psql "$tv_cd" "$@" -f - 2>"$tv_errf" <<EOF
\\if :{?manifest_file}
\\set manifest \`cat :'manifest_file'\`
\\else
\\set manifest '{}'
\\endif
SELECT to_regprocedure('pg_tviews_health_check()') IS NOT NULL AND to_regclass('pg_tview_meta') IS NOT NULL AS tv_has_runtime \\gset
\\if :tv_has_runtime
WITH $TV_TVIEWS_CTE,
  health AS (
    SELECT h.status, h.component, h.severity, h.message,
           lower(coalesce(h.status, '')) IN ('error', 'critical', 'fail', 'failed', 'unhealthy')
           OR lower(coalesce(h.severity, '')) IN ('error', 'critical', 'fail', 'failed', 'unhealthy') AS bad
    FROM pg_tviews_health_check() h),
  cons AS (SELECT tv.entity, c.missing, c.extra, c.different, c.checked_rows, c.sample_keys
           FROM tv, LATERAL pg_tviews_check_consistency(tv.entity) c),
  man AS (SELECT e.key AS entity, e.value AS want FROM jsonb_each(coalesce(:'manifest'::jsonb -> 'tviews', '{}')) e),
  counts AS (SELECT tv.entity, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', tv.s, tv.t), false, true, '')))[1]::text AS n
             FROM tv WHERE tv.entity IN (SELECT entity FROM man)),
  lines AS (
    SELECT 1 AS o, component AS k, bad,
           format('health %s: %s', component, CASE WHEN bad THEN format('FAILED (%s/%s) %s', status, coalesce(severity, ''), coalesce(message, '')) ELSE status END) AS line
    FROM health
    UNION ALL
    SELECT 2, entity, NOT (missing = 0 AND extra = 0 AND different = 0),
           CASE WHEN missing = 0 AND extra = 0 AND different = 0 THEN format('consistency %s: ok (%s rows)', entity, checked_rows)
                ELSE format('consistency %s: FAILED missing=%s extra=%s different=%s sample=%s', entity, missing, extra, different,
                            coalesce(array_to_string(sample_keys, ' '), '')) END
    FROM cons
    UNION ALL
    SELECT 3, m.entity, true, format('rowcount %s: FAILED %s rows, manifest says %s', m.entity, c.n, m.want)
    FROM man m JOIN counts c USING (entity) WHERE c.n IS DISTINCT FROM m.want::text AND jsonb_typeof(m.want) = 'number'
    UNION ALL
    SELECT 4, m.entity, true, format('tview %s: FAILED in the manifest but not in the restored catalog', m.entity)
    FROM man m WHERE NOT EXISTS (SELECT 1 FROM tv WHERE tv.entity = m.entity))
SELECT line FROM (
    SELECT 0 AS o, '' AS k, CASE WHEN coalesce(bool_or(bad), false) THEN 'failed' ELSE 'ok' END AS line FROM lines
    UNION ALL
    SELECT o, k, translate(line, E'\\n\\r\\t', '   ') FROM lines) x
ORDER BY o, k;
\\else
SELECT 'failed' UNION ALL SELECT 'runtime: FAILED TVIEW runtime not installed (pg_tviews_health_check() missing)';
\\endif
EOF
    ); then
        echo "checks: FAILED (a check raised an error: $(tr '\n' ' ' <"$tv_errf" | tv_redact))"
        rm -f "$tv_errf"
        return 1
    fi
    [ ! -s "$tv_errf" ] || tv_redact <"$tv_errf" >&2
    rm -f "$tv_errf"
    printf '%s\n' "$tv_out" | sed 1d
    [ "$(printf '%s\n' "$tv_out" | head -n 1)" = ok ]
}

# Keys of object $2 of JSON file $1 that object $4 of JSON file $3 does not have, one per line (jline).
tv_manifest_missing_keys() {
    LC_ALL=C awk -v k1="$2" -v k2="$4" "$TV_JSON_AWK"'
        BEGIN { jload(ARGV[2]); if (JERR != "") { print "invalid JSON in " ARGV[2] ": " JERR > "/dev/stderr"; exit 1 }
                p = SUBSEP k2; for (i = 1; i <= JN[p]; i++) have[JK[p, i]] = 1
                delete JT; delete JV; delete JN; delete JK
                jload(ARGV[1]); if (JERR != "") { print "warning: invalid JSON in " ARGV[1] ": " JERR > "/dev/stderr"; exit 0 }
                p = SUBSEP k1; for (i = 1; i <= JN[p]; i++) if (!(JK[p, i] in have)) print jline(JK[p, i]) }' "$1" "$3"
}
