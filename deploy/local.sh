#!/usr/bin/env bash
# deploy/local.sh: build, run and test hrss on one machine.
#
#   ./deploy/local.sh up               install, build, start everything, print a summary
#   ./deploy/local.sh up --curve       the same with CURVE on every ZeroMQ socket (or HRSS_CURVE=1)
#   ./deploy/local.sh test [ARGS]      the same on an isolated throw-away stack, then ctest ARGS
#   ./deploy/local.sh bench            benchmarks beside same-run baselines on an isolated stack
#   ./deploy/local.sh down             stop the daemons and PostgreSQL
#   ./deploy/local.sh status           daemons, PostgreSQL, /readyz
#   ./deploy/local.sh logs [-f] [NAME] tail the logs (NAME: a daemon or postgresql)
#   ./deploy/local.sh start|stop|kill NAME   act on one daemon (kill = SIGKILL)
#   ./deploy/local.sh fuzz [SECONDS]   replay the fuzz corpus, fuzz each target (long form)
#   ./deploy/local.sh memcheck [ARGS]  `test` with the daemons under valgrind memcheck
#
# Every sub-command acts on the stack in $HRSS_STATE_DIR (default <repo>/var);
# `test` makes its own state directory under /tmp and never touches that one.
# See README.md for the environment variables.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true   # keep & literal in ${x//a/b}
umask 022

ORIG_PWD=$PWD
REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd -P)
cd "$REPO"
[[ $REPO != *"'"* && $REPO != *$'\n'* && $REPO != *\\* ]] ||
    { echo "hrss: error: the checkout path must not contain quotes, backslashes or newlines: $REPO" >&2; exit 1; }

readonly SERVICES=(employment insurance arrears reporting gateway)   # start order
readonly PACKAGES=(build-essential cmake pkg-config libzmq3-dev libprotobuf-c-dev
    protobuf-c-compiler libpq-dev libjansson-dev libmicrohttpd-dev libsodium-dev
    libcmocka-dev postgresql-15 postgresql-client-15 python3 curl procps iproute2 wrk
    clang libclang-rt-14-dev valgrind   # fuzz targets (libFuzzer), memcheck
    python3-prometheus-client          # test_metrics_exposition parses /metrics with it
    nodejs chromium fonts-wqy-microhei)   # the dashboard's ECharts (npm) and its browser test
readonly DB_NAME=hrss
readonly PG_SUPERUSER=postgres
readonly READY_TIMEOUT=60
readonly STOP_TIMEOUT=10

PG_BIN=${HRSS_PG_BIN:-/usr/lib/postgresql/15/bin}
AS_ROOT=0; [[ $(id -u) == 0 ]] && AS_ROOT=1
ME=$(id -un)
if ((AS_ROOT)); then PG_OS_USER=postgres; else PG_OS_USER=$ME; fi

# libpq and the PostgreSQL tools read PG* variables; this script and the stack
# it writes are configured explicitly, so none from the caller may leak in.
for _v in $(compgen -e); do [[ $_v == PG* ]] && unset "$_v"; done
unset _v

# --- messages -------------------------------------------------------------------

log()  { printf 'hrss: %s\n' "$*" >&2; }
die()  { printf 'hrss: error: %s\n' "$*" >&2; exit 1; }

# tail_file FILE [LINES]: print the end of a log with a header, if it exists.
tail_file() {
    [[ -s $1 ]] || return 0
    printf '\n----- %s (last %s lines) -----\n' "$1" "${2:-30}" >&2
    tail -n "${2:-30}" "$1" >&2 || true
}

tail_all_logs() {
    local s
    for s in "${SERVICES[@]}"; do tail_file "$LOG_DIR/$s.log"; done
    tail_file "$LOG_DIR/postgresql.log" 20
}

# --- paths and state ----------------------------------------------------------------

# abs_path PATH: PATH made absolute against the caller's directory, symlinks resolved.
abs_path() {
    local p=$1
    [[ $p == /* ]] || p=$ORIG_PWD/$p
    realpath -m -- "$p"
}

# The environment file quotes values in single quotes and the PostgreSQL
# configuration quotes paths; refuse paths that would break either.
check_path_quotable() {
    [[ $2 != *"'"* && $2 != *$'\n'* && $2 != *\\* ]] ||
        die "$1 path must not contain quotes, backslashes or newlines: $2"
}

# state_init DIR: set the globals naming everything under one state directory.
state_init() {
    STATE=$(abs_path "$1")
    check_path_quotable "state dir" "$STATE"
    LOG_DIR=$STATE/log
    RUN_DIR=$STATE/run
    ENV_FILE=$STATE/hrss.env
    PW_FILE=$STATE/db-passwords
    KEYS_DIR=$STATE/keys          # CURVE keys (HRSS_CURVE=1)
    PORTS_FILE=$STATE/zmq-ports   # tcp ports of the ZeroMQ endpoints under CURVE, kept across runs
    TOKEN_FILE=$STATE/admin-token
    PG_LINK=$STATE/pg
}

state_dirs_create() {
    install -d -m 755 "$STATE"
    install -d -m 700 "$LOG_DIR" "$RUN_DIR"   # logs name people; ipc sockets live in run/
}

bin_dir_init() {
    BIN_DIR=$(abs_path "$1")
    check_path_quotable "build dir" "$BIN_DIR"
}

check_port() {
    if [[ ! $2 =~ ^[1-9][0-9]{0,4}$ ]] || (($2 > 65535)); then
        die "$1 is not a port number: $2"
    fi
}

free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

tcp_port_busy() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# --- packages and build --------------------------------------------------------------

ensure_packages() {
    if ! command -v dpkg-query >/dev/null; then
        log "dpkg-query not found: not a Debian system, assuming the build dependencies are present"
        return 0
    fi
    local p missing=()
    for p in "${PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
    done
    # npm is part of some nodejs packages and Debian's own package beside others
    command -v npm >/dev/null || missing+=(npm)
    ((${#missing[@]})) || return 0
    if ((!AS_ROOT)); then
        die "missing Debian packages: ${missing[*]}
  install them as root, then run this again:
    sudo apt-get install -y ${missing[*]}"
    fi
    log "installing missing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends "${missing[@]}" || die "apt-get install failed"
}

# build DIR ON|OFF: configure and build; OFF/ON selects the ASan+UBSan build.
build() {
    local dir=$1 sanitize=$2 b
    if [[ ${HRSS_SKIP_BUILD:-0} == 1 ]]; then
        log "HRSS_SKIP_BUILD=1: using the binaries already in $dir"
    else
        log "building in $dir$([[ $sanitize == ON ]] && echo ' (ASan+UBSan)')"
        cmake -S "$REPO" -B "$dir" -DHRSS_WERROR=ON -DHRSS_SANITIZE="$sanitize" ||
            die "cmake configure failed (see above)"
        cmake --build "$dir" -j "${HRSS_JOBS:-2}" || die "build failed (see above)"
    fi
    for b in "${SERVICES[@]/#/hrss-}" hrssctl; do
        [[ -x $dir/$b ]] || die "$dir/$b is missing after the build"
    done
}

# npm_install DIR [optional]: the npm packages of DIR (relative to the
# checkout) into DIR/node_modules exactly as its package-lock.json says (npm
# ci), unless that lock is the one installed already (so a second run needs
# no network). With `optional` a failure is a warning, not the end.
npm_install() {
    local dir=$REPO/$1
    cmp -s -- "$dir/package-lock.json" "$dir/node_modules/.hrss-installed-lock" && return 0
    if command -v npm >/dev/null; then
        log "installing the npm packages of $1 (npm ci)"
        if (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2; then
            cp -f -- "$dir/package-lock.json" "$dir/node_modules/.hrss-installed-lock"
            return 0
        fi
    fi
    [[ ${2:-} == optional ]] || die "npm ci in $dir failed (is npm installed, the npm registry reachable?)"
    log "warning: npm ci in $dir failed: the dashboard will show its tables without charts"
}

# openapi_linter: Redocly's CLI for the lint.openapi test, installed with npm
# from tests/openapi/package-lock.json into tests/openapi/node_modules (nothing
# global). Node.js and npm come from Debian's archive when missing.
openapi_linter() {
    local dir=$REPO/tests/openapi
    if ! command -v npm >/dev/null; then
        ((AS_ROOT)) || die "npm not found (for the OpenAPI lint): sudo apt-get install -y nodejs npm"
        log "installing nodejs and npm (for the OpenAPI lint)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q && apt-get install -y -q --no-install-recommends nodejs npm ||
            die "apt-get install nodejs npm failed"
    fi
    # installed already from this very lock file: nothing to do
    if [[ -x $dir/node_modules/.bin/redocly && -f $dir/node_modules/.package-lock.json &&
        ! $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
        return 0
    fi
    log "installing the OpenAPI linter into $dir/node_modules (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) ||
        die "npm ci in $dir failed (the npm registry must be reachable once)"
}

# --- PostgreSQL -------------------------------------------------------------------

# pg_run CMD...: run a command as the OS user that owns the cluster. As root
# that is `postgres` (initdb refuses root); from / so that a cwd the postgres
# user cannot enter does not matter.
pg_run() {
    if ((AS_ROOT)); then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

pg_user_can_enter() { ((!AS_ROOT)) || (cd / && runuser -u postgres -- test -x "$1") 2>/dev/null; }

# pg_dir_create DIR: a directory owned by the cluster's OS user, mode 700.
pg_dir_create() {
    if ((AS_ROOT)); then
        install -d -m 700 -o postgres -g postgres "$1"
    else
        install -d -m 700 "$1"
    fi
}

# pg_dir_check DIR: refuse a directory someone else could have planted.
pg_dir_check() {
    [[ -d $1 && ! -L $1 ]] || die "$1 is not a directory"
    local owner
    owner=$(stat -c %U "$1")
    [[ $owner == "$PG_OS_USER" ]] ||
        die "$1 belongs to $owner, expected $PG_OS_USER (was the stack created by another user?)"
    chmod 700 "$1"
}

pg_paths_set() {
    PG_ROOT=$1
    PG_OUTSIDE=0
    [[ $PG_ROOT == "$PG_LINK" ]] || PG_OUTSIDE=1
    PG_DATA=$PG_ROOT/data
    PG_SOCK=$PG_ROOT/socket
    PG_LOG=$LOG_DIR/postgresql.log
}

# pg_locate: choose where the cluster lives: $STATE/pg when the cluster's OS
# user can reach it and the socket path is short and plain, otherwise a
# directory outside the checkout with $STATE/pg a symlink to it.
pg_locate() {
    local hash outside reason="" sock_tail=/pg/socket/.s.PGSQL.65535
    hash=$(printf '%s' "$STATE" | sha256sum | cut -c1-12)
    if ((AS_ROOT)); then
        id postgres >/dev/null 2>&1 || die "the postgres OS user does not exist (is postgresql-15 installed?)"
        # /var/lib, not /var/tmp: systemd-tmpfiles ages out /var/tmp after 30 days.
        outside=/var/lib/hrss/pg-$hash
    else
        outside=/var/tmp/hrss-pg-$(id -u)-$hash
    fi

    if [[ -L $PG_LINK ]]; then
        outside=$(readlink -- "$PG_LINK")
        [[ -d $outside ]] || {
            log "$PG_LINK points to $outside, which is gone: creating a new cluster there"
            ((AS_ROOT)) && install -d -m 755 "$(dirname "$outside")"
            pg_dir_create "$outside"
        }
        pg_dir_check "$outside"
        pg_paths_set "$outside"
        log "PostgreSQL files are in $outside ($PG_LINK links there)"
    elif [[ -d $PG_LINK ]]; then
        pg_user_can_enter "$PG_LINK" ||
            die "the $PG_OS_USER user cannot enter $PG_LINK (a parent directory is closed to it);
  move the state dir (HRSS_STATE_DIR) or open the parent directories to that user"
        pg_dir_check "$PG_LINK"
        pg_paths_set "$PG_LINK"
    else
        [[ ! -e $PG_LINK ]] || die "$PG_LINK exists and is not a directory"
        if [[ ! $STATE =~ ^[A-Za-z0-9_./+-]+$ ]]; then
            reason="the state dir path has characters PostgreSQL's settings would need quoted"
        elif ((${#STATE} + ${#sock_tail} > 100)); then
            reason="the socket path would pass the 107-byte unix socket limit"
        elif ! pg_user_can_enter "$STATE"; then
            reason="the $PG_OS_USER user cannot enter $STATE"
        fi
        if [[ -z $reason ]]; then
            pg_dir_create "$PG_LINK"
            pg_paths_set "$PG_LINK"
        else
            log "$reason: keeping PostgreSQL's data and socket in $outside, linked from $PG_LINK"
            if [[ -e $outside ]]; then
                log "reusing the existing cluster directory $outside"
            else
                ((AS_ROOT)) && install -d -m 755 "$(dirname "$outside")"
                pg_dir_create "$outside"
            fi
            pg_dir_check "$outside"
            ln -s -- "$outside" "$PG_LINK"
            pg_paths_set "$outside"
        fi
    fi
}

# pg_locate_existing: the cluster paths of a state dir, without creating anything.
pg_locate_existing() {
    if [[ -L $PG_LINK || -d $PG_LINK ]]; then
        pg_paths_set "$(readlink -f -- "$PG_LINK")"
        return 0
    fi
    return 1
}

pg_is_running() {
    [[ -f $PG_DATA/PG_VERSION ]] && pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_running_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null; }

# pg_install_file DEST: stdin becomes DEST, owned by the cluster's OS user, mode 600.
pg_install_file() {
    local tmp
    tmp=$(mktemp "$STATE/.pgconf.XXXXXX")
    cat >"$tmp"
    if ((AS_ROOT)); then
        install -m 600 -o postgres -g postgres "$tmp" "$1"
    else
        install -m 600 "$tmp" "$1"
    fi
    rm -f "$tmp"
}

pg_write_config() {
    local tpl=$REPO/deploy/postgresql.conf.in conf
    [[ -f $tpl ]] || die "$tpl is missing"
    conf=$(<"$tpl")
    conf=${conf//@PG_PORT@/$PG_PORT}
    conf=${conf//@PG_SOCKET_DIR@/$PG_SOCK}
    printf '%s\n' "$conf" | pg_install_file "$PG_DATA/hrss.conf"

    grep -qxF "include 'hrss.conf'" "$PG_DATA/postgresql.conf" ||
        printf "\n# hrss settings (deploy/postgresql.conf.in)\ninclude 'hrss.conf'\n" >>"$PG_DATA/postgresql.conf"

    # The services log in with passwords; the script's own admin work (and
    # HRSS_PG_ADMIN) uses the superuser through peer authentication, mapped
    # from the OS user running the server and the one running this script.
    local roles
    roles=$(printf 'hrss_%s,' "${SERVICES[@]}")
    pg_install_file "$PG_DATA/pg_hba.conf" <<EOF
# Written by deploy/local.sh on every run; edit the script, not this file.
# TYPE  DATABASE   USER        METHOD
local   all        $PG_SUPERUSER    peer map=hrss_admin
local   $DB_NAME       ${roles%,}   scram-sha-256
EOF
    {
        echo "# Written by deploy/local.sh on every run."
        echo "# MAPNAME   OS-USER   PG-USER"
        echo "hrss_admin  $PG_OS_USER  $PG_SUPERUSER"
        [[ $ME == "$PG_OS_USER" ]] || echo "hrss_admin  $ME  $PG_SUPERUSER"
    } | pg_install_file "$PG_DATA/pg_ident.conf"
}

pg_start() {
    : >>"$PG_LOG"
    # The server's stderr is this script's handle on the log file, so the log can
    # sit in a directory the postgres user cannot enter.
    if ! pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 30 -s start </dev/null >>"$PG_LOG" 2>&1; then
        tail_file "$PG_LOG" 30
        die "PostgreSQL did not start (log: $PG_LOG)"
    fi
    log "PostgreSQL started (socket $PG_SOCK, port $PG_PORT)"
}

pg_stop() {
    pg_is_running || { log "PostgreSQL is not running"; return 0; }
    if pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 30 -s -m fast stop </dev/null >>"$PG_LOG" 2>&1; then
        log "PostgreSQL stopped"
        return 0
    fi
    log "PostgreSQL did not stop within 30 s in fast mode; stopping it immediately"
    pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 30 -s -m immediate stop </dev/null >>"$PG_LOG" 2>&1 ||
        { tail_file "$PG_LOG" 20; die "could not stop PostgreSQL (data dir $PG_DATA)"; }
}

# cluster_ensure: initdb if needed, (re)write the settings, start or reuse the server.
cluster_ensure() {
    [[ -x $PG_BIN/initdb ]] || die "$PG_BIN/initdb not found (is postgresql-15 installed?)"
    : >>"$PG_LOG"
    if [[ ! -f $PG_DATA/PG_VERSION ]]; then
        log "creating a PostgreSQL cluster in $PG_DATA"
        if ! pg_run "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" --auth-local=peer --auth-host=reject \
            --encoding=UTF8 --locale=C.UTF-8 --data-checksums --no-instructions \
            </dev/null >"$LOG_DIR/initdb.log" 2>&1; then
            tail_file "$LOG_DIR/initdb.log" 30
            die "initdb failed (log: $LOG_DIR/initdb.log)"
        fi
    fi
    pg_dir_create "$PG_SOCK"
    pg_write_config

    if pg_is_running; then
        local running
        running=$(pg_running_port)
        if [[ $running != "$PG_PORT" ]]; then
            log "PostgreSQL runs on port $running, configured $PG_PORT: restarting it"
            pg_stop
            pg_start
        else
            pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -s reload </dev/null >>"$PG_LOG" 2>&1 ||
                die "could not reload PostgreSQL's settings"
            # settings of the file that only a restart applies (shared_buffers, ...)
            local pending
            pending=$(pg_run "$PG_BIN/psql" -X -A -t -h "$PG_SOCK" -p "$PG_PORT" -U "$PG_SUPERUSER" \
                -d postgres -c "SELECT string_agg(name, ', ') FROM (SELECT DISTINCT ON (name) name,
                    applied FROM pg_file_settings ORDER BY name, seqno DESC) s WHERE NOT applied" \
                </dev/null 2>>"$PG_LOG") || pending=""
            if [[ -n $pending ]]; then
                log "PostgreSQL settings changed that need a restart ($pending): restarting it"
                pg_stop
                pg_start
            else
                log "PostgreSQL already running (socket $PG_SOCK, port $PG_PORT): reusing it"
            fi
        fi
    else
        pg_start
    fi
}

# admin_psql DB: run SQL from stdin as the superuser, stopping at the first error.
admin_psql() {
    pg_run "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" \
        -U "$PG_SUPERUSER" -d "$1"
}

# Passwords are generated once and kept in $PW_FILE (mode 600) so they stay
# stable across runs; every run sets them again, so the file is the truth.
declare -A DB_PW=()
passwords_load() {
    local role pw s changed=0
    DB_PW=()
    if [[ -f $PW_FILE ]]; then
        while read -r role pw; do
            [[ -n $role && -n $pw ]] && DB_PW[$role]=$pw
        done <"$PW_FILE"
    fi
    for s in "${SERVICES[@]}"; do
        if [[ -z ${DB_PW[hrss_$s]:-} ]]; then
            DB_PW[hrss_$s]=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
            changed=1
        fi
    done
    ((changed)) || return 0
    local tmp
    tmp=$(mktemp "$STATE/.db-passwords.XXXXXX")
    for s in "${SERVICES[@]}"; do printf 'hrss_%s %s\n' "$s" "${DB_PW[hrss_$s]}"; done >"$tmp"
    chmod 600 "$tmp"
    mv -f "$tmp" "$PW_FILE"
}

# db_provision: database, one login role per service owning one schema, the
# id space the event-owning services share (idspace.claims), and nothing
# granted to PUBLIC. Safe to run again: existing objects are kept.
db_provision() {
    passwords_load
    local s sql_roles="" sql_schemas="" roles
    roles=$(printf 'hrss_%s, ' "${SERVICES[@]}")
    roles=${roles%, }
    for s in "${SERVICES[@]}"; do
        sql_roles+="ALTER ROLE hrss_$s WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${DB_PW[hrss_$s]}';
ALTER ROLE hrss_$s SET search_path = $s;
"
        sql_schemas+="CREATE SCHEMA IF NOT EXISTS $s AUTHORIZATION hrss_$s;
ALTER SCHEMA $s OWNER TO hrss_$s;
REVOKE ALL ON SCHEMA $s FROM PUBLIC;
"
    done

    admin_psql postgres <<EOF || die "could not create the roles and the database (see above; server log: $PG_LOG)"
SET client_min_messages = warning;
SELECT format('CREATE ROLE %I LOGIN', r)
  FROM unnest(string_to_array('${roles// /}', ',')) AS r
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
$sql_roles
SELECT 'CREATE DATABASE $DB_NAME ENCODING ''UTF8'' TEMPLATE template0'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME') \gexec
EOF

    admin_psql "$DB_NAME" <<EOF || die "could not set up the schemas (see above; server log: $PG_LOG)"
SET client_min_messages = warning;
BEGIN;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE $DB_NAME FROM PUBLIC;
GRANT CONNECT ON DATABASE $DB_NAME TO $roles;
$sql_schemas
-- The id space the services that own events share (docs/contract.md#results: an id names
-- one event per token region across all services; common/service.c,
-- s_rows_send, says why one table): each claims the ids it accepts, in its
-- own transaction. Owned by no service; each may read and add, never change.
CREATE SCHEMA IF NOT EXISTS idspace;
REVOKE ALL ON SCHEMA idspace FROM PUBLIC;
CREATE TABLE IF NOT EXISTS idspace.claims (
    scope    text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    service  text NOT NULL,
    PRIMARY KEY (scope, event_id));
REVOKE ALL ON idspace.claims FROM PUBLIC;
GRANT USAGE ON SCHEMA idspace TO hrss_employment, hrss_insurance, hrss_arrears;
GRANT SELECT, INSERT ON idspace.claims TO hrss_employment, hrss_insurance, hrss_arrears;
COMMIT;
EOF
    log "database $DB_NAME: roles ${roles} each own one schema; idspace.claims shared"
}

# --- environment file ---------------------------------------------------------------

conninfo() { printf 'host=%s port=%s dbname=%s user=%s' "$PG_SOCK" "$PG_PORT" "$DB_NAME" "$1"; }

# env_write: $ENV_FILE (mode 600), read by the daemons, hrssctl and the tests.
# Left untouched when nothing changed, so its mtime tells start_all which
# running daemons have an outdated environment.
env_write() {
    local s content tmp upper
    content="# hrss stack in $STATE; written by deploy/local.sh, rewritten on every run."$'\n'
    envline() { content+="export $1='$2'"$'\n'; }
    envline HRSS_STATE_DIR "$STATE"
    envline HRSS_BIN_DIR "$BIN_DIR"
    envline HRSS_LOG_DIR "$LOG_DIR"
    envline HRSS_RUN_DIR "$RUN_DIR"
    envline HRSS_DATA_DIR "$REPO/common/data"
    envline HRSS_SQL_DIR "$REPO/services"
    envline HRSS_HTTP_ADDR "$HTTP_ADDR"
    envline HRSS_HTTP_PORT "$HTTP_PORT"
    envline HRSS_LOG_LEVEL "${HRSS_LOG_LEVEL:-info}"
    for s in "${SERVICES[@]}"; do
        upper=${s^^}
        envline "HRSS_${upper}_DB" "$(conninfo "hrss_$s") password=${DB_PW[hrss_$s]}"
    done
    envline HRSS_PG_ADMIN "$(conninfo "$PG_SUPERUSER")"
    envline HRSS_PG_BIN "$PG_BIN"
    envline HRSS_PG_DATA "$PG_DATA"
    envline HRSS_PG_SOCKET_DIR "$PG_SOCK"
    envline HRSS_PG_PORT "$PG_PORT"
    if ((CURVE)); then
        envline HRSS_CURVE 1
        envline HRSS_KEYS_DIR "$KEYS_DIR"
        for s in "${SERVICES[@]}"; do
            [[ $s == gateway ]] && continue   # the gateway binds no ZeroMQ socket
            upper=${s^^}
            envline "HRSS_${upper}_ENDPOINT" "tcp://127.0.0.1:${ZMQ_PORT[${s}_req]}"
            envline "HRSS_${upper}_PUB" "tcp://127.0.0.1:${ZMQ_PORT[${s}_pub]}"
        done
    fi
    unset -f envline

    [[ -f $ENV_FILE && $(<"$ENV_FILE")$'\n' == "$content" ]] && return 0
    tmp=$(mktemp "$STATE/.hrss.env.XXXXXX")
    printf '%s' "$content" >"$tmp"
    chmod 600 "$tmp"
    mv -f "$tmp" "$ENV_FILE"
}

# env_load: read an existing stack's environment file into this shell.
env_load() {
    [[ -f $ENV_FILE ]] || die "no stack in $STATE ($ENV_FILE missing; run ./deploy/local.sh up)"
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    BIN_DIR=$HRSS_BIN_DIR
    HTTP_ADDR=$HRSS_HTTP_ADDR
    HTTP_PORT=$HRSS_HTTP_PORT
    PG_PORT=$HRSS_PG_PORT
    PG_BIN=$HRSS_PG_BIN
    pg_paths_set "$(dirname "$HRSS_PG_DATA")"
}

# --- daemons --------------------------------------------------------------------

check_name() {
    local s
    for s in "${SERVICES[@]}"; do [[ $1 == "$s" ]] && return 0; done
    die "unknown daemon '$1' (one of: ${SERVICES[*]})"
}

# pid_is PID NAME: PID is a live (not zombie) hrss-NAME process.
pid_is() {
    local stat cmd
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    [[ ${stat##*) } != Z* ]] || return 1
    cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    [[ $cmd == *"hrss-$2"* ]]
}

# daemon_pid NAME: print the pid of the running daemon, or fail.
daemon_pid() {
    local pid
    pid=$(cat "$RUN_DIR/$1.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && pid_is "$pid" "$1" && echo "$pid"
}

start_daemon() {
    local name=$1 bin=$BIN_DIR/hrss-$1 pid
    [[ -x $bin ]] || die "$bin not found (build first)"
    if pid=$(daemon_pid "$name"); then
        log "$name already running (pid $pid)"
        return 0
    fi
    rm -f "$RUN_DIR/$name.pid"
    # Started from a command substitution, so the daemon is not this shell's
    # child (no job notices, nothing to reap); setsid detaches it.
    pid=$(
        (
            # shellcheck disable=SC1090
            . "$ENV_FILE"
            printf '=== %s hrss-%s starting (pid %s)\n' "$(date -Is)" "$name" "$BASHPID"
            # HRSS_DAEMON_WRAPPER (memcheck): a command line the daemon runs under
            # shellcheck disable=SC2086
            exec setsid ${HRSS_DAEMON_WRAPPER:-} "$bin"
        ) </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
        echo $!
    )
    echo "$pid" >"$RUN_DIR/$name.pid"
    log "started $name (pid $pid, log $LOG_DIR/$name.log)"
}

# wait_gone PID NAME SECONDS: wait (at least SECONDS) for the process to end.
wait_gone() {
    local polls=$(($3 * 10))
    while pid_is "$1" "$2"; do
        ((polls-- > 0)) || return 1
        sleep 0.1
    done
}

stop_daemon() {
    local name=$1 pid
    if ! pid=$(daemon_pid "$name"); then
        rm -f "$RUN_DIR/$name.pid"
        log "$name is not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$name" "$STOP_TIMEOUT"; then
        log "$name (pid $pid) did not stop within ${STOP_TIMEOUT} s: sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" "$name" 5 || die "$name (pid $pid) survived SIGKILL"
    fi
    rm -f "$RUN_DIR/$name.pid"
    log "stopped $name"
}

kill_daemon() {
    local name=$1 pid
    pid=$(daemon_pid "$name") || die "$name is not running"
    kill -KILL "$pid"
    wait_gone "$pid" "$name" 5 || die "$name (pid $pid) survived SIGKILL"
    rm -f "$RUN_DIR/$name.pid"
    log "killed $name (pid $pid) with SIGKILL"
}

stop_all() {
    local i
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_daemon "${SERVICES[i]}"; done
}

# start_all: start what is not running; restart cleanly what runs with an
# older binary or an older environment file (both compared with its pid file).
start_all() {
    local s pid
    for s in "${SERVICES[@]}"; do
        if pid=$(daemon_pid "$s"); then
            if [[ $ENV_FILE -nt $RUN_DIR/$s.pid ]]; then
                log "$s runs with an outdated environment: restarting it"
                stop_daemon "$s"
            elif [[ $BIN_DIR/hrss-$s -nt $RUN_DIR/$s.pid ]]; then
                log "$s runs an older build: restarting it"
                stop_daemon "$s"
            fi
        elif [[ $s == gateway ]] && tcp_port_busy "$HTTP_ADDR" "$HTTP_PORT"; then
            die "$HTTP_ADDR:$HTTP_PORT is already in use by another program; set HRSS_HTTP_PORT"
        fi
        start_daemon "$s"
    done
}

# wait_ready: poll /readyz until 200; fail early if a daemon exits.
wait_ready() {
    local url="http://$HTTP_ADDR:$HTTP_PORT/readyz" deadline=$((SECONDS + READY_TIMEOUT)) s body
    log "waiting for $url (up to ${READY_TIMEOUT} s)"
    while ! body=$(curl -fsS --max-time 2 "$url" 2>/dev/null); do
        for s in "${SERVICES[@]}"; do
            if ! daemon_pid "$s" >/dev/null; then
                tail_all_logs
                die "$s exited while starting (log: $LOG_DIR/$s.log)"
            fi
        done
        if ((SECONDS >= deadline)); then
            tail_all_logs
            log "last /readyz answer: $(curl -sS --max-time 2 -w ' (HTTP %{http_code})' "$url" 2>&1 || true)"
            die "the stack was not ready within ${READY_TIMEOUT} s (logs: $LOG_DIR)"
        fi
        sleep 0.5
    done
    log "ready: $body"
}

ensure_token() {
    if [[ -s $TOKEN_FILE ]]; then
        log "admin token: $TOKEN_FILE (kept from an earlier run)"
        return 0
    fi
    local tmp
    tmp=$(mktemp "$STATE/.admin-token.XXXXXX")   # mode 600
    # shellcheck disable=SC1090
    if ! (. "$ENV_FILE" && exec "$BIN_DIR/hrssctl" token create --role admin \
        --region 000000000000 --name local-admin) </dev/null >"$tmp"; then
        rm -f "$tmp"
        die "hrssctl token create failed"
    fi
    [[ -s $tmp ]] || { rm -f "$tmp"; die "hrssctl token create printed no token"; }
    mv -f "$tmp" "$TOKEN_FILE"
    log "admin token written to $TOKEN_FILE"
}

# --- CURVE (HRSS_CURVE=1) -------------------------------------------------------------

CURVE=0

# curve_prepare: with HRSS_CURVE=1, a keypair per daemon in $KEYS_DIR (made
# by hrssctl keygen when missing), authorized/ holding the public key of each
# daemon whose keypair is new (a key removed from it by hand stays removed),
# and tcp://127.0.0.1 ports for every ZeroMQ endpoint, kept in $PORTS_FILE.
curve_prepare() {
    CURVE=${HRSS_CURVE:-0}
    [[ $CURVE == [01] ]] || die "HRSS_CURVE must be 0 or 1, not '$CURVE'"
    ((CURVE)) || return 0
    local s k p used hrssctl=$BIN_DIR/hrssctl fresh_auth=0 changed=0
    [[ -x $hrssctl ]] || die "$hrssctl not found (build first)"
    install -d -m 700 "$KEYS_DIR"
    if [[ ! -d $KEYS_DIR/authorized ]]; then
        install -d -m 700 "$KEYS_DIR/authorized"
        fresh_auth=1
    fi
    for s in "${SERVICES[@]}"; do
        if [[ ! -f $KEYS_DIR/$s.key ]]; then
            "$hrssctl" keygen --name "$s" --dir "$KEYS_DIR" >/dev/null ||
                die "hrssctl keygen --name $s failed (see above)"
            cp -f -- "$KEYS_DIR/$s.pub" "$KEYS_DIR/authorized/$s.pub"
        elif ((fresh_auth)); then
            cp -f -- "$KEYS_DIR/$s.pub" "$KEYS_DIR/authorized/$s.pub"
        fi
    done

    declare -gA ZMQ_PORT=()
    if [[ -f $PORTS_FILE ]]; then
        while IFS='=' read -r k p; do
            if [[ $k =~ ^[a-z]+_(req|pub)$ && $p =~ ^[1-9][0-9]{0,4}$ ]]; then ZMQ_PORT[$k]=$p; fi
        done <"$PORTS_FILE"
    fi
    used=" $PG_PORT $HTTP_PORT "
    for s in "${SERVICES[@]}"; do
        [[ $s == gateway ]] && continue
        for k in "${s}_req" "${s}_pub"; do
            if [[ -z ${ZMQ_PORT[$k]:-} ]]; then
                p=$(free_port)
                while [[ $used == *" $p "* ]]; do p=$(free_port); done
                ZMQ_PORT[$k]=$p
                changed=1
            fi
            used+="${ZMQ_PORT[$k]} "
        done
    done
    if ((changed)); then
        for k in "${!ZMQ_PORT[@]}"; do printf '%s=%s\n' "$k" "${ZMQ_PORT[$k]}"; done |
            sort >"$PORTS_FILE"
    fi
    log "CURVE on: keys in $KEYS_DIR, admitted client keys in $KEYS_DIR/authorized"
}

# --- stacks -------------------------------------------------------------------------

# stack_db: cluster, roles and environment file (no daemons).
stack_db() {
    check_port "PostgreSQL port" "$PG_PORT"
    check_port "HTTP port" "$HTTP_PORT"
    state_dirs_create
    pg_locate
    cluster_ensure
    db_provision
    curve_prepare
    env_write
}

stack_up() {
    stack_db
    start_all
    wait_ready
    ensure_token
}

print_summary() {
    cat <<EOF

hrss is up.
  API          http://$HTTP_ADDR:$HTTP_PORT/   (GET /readyz)
  dashboard    http://$HTTP_ADDR:$HTTP_PORT/dashboard/   sign in with a token, e.g. a county's:
               (. $ENV_FILE && $BIN_DIR/hrssctl token create --role county --region 433123 --name me)
  state dir    $STATE
  environment  $ENV_FILE
  logs         $LOG_DIR/   (./deploy/local.sh logs [NAME])
  admin token  $TOKEN_FILE
               curl -H "Authorization: Bearer \$(cat $TOKEN_FILE)" http://$HTTP_ADDR:$HTTP_PORT/...
  PostgreSQL   data $PG_DATA, socket $PG_SOCK, port $PG_PORT
  psql         (. $ENV_FILE && psql "\$HRSS_PG_ADMIN")         # superuser
               (. $ENV_FILE && psql "\$HRSS_EMPLOYMENT_DB")    # as one service
  stop         ./deploy/local.sh down
EOF
    if ((CURVE)); then
        echo "  CURVE        keys $KEYS_DIR, admitted clients $KEYS_DIR/authorized/, endpoints in $ENV_FILE"
    fi
}

# --- sub-commands ---------------------------------------------------------------

default_state() { state_init "${HRSS_STATE_DIR:-$REPO/var}"; }

cmd_up() {
    [[ ${1:-} == --curve ]] && { export HRSS_CURVE=1; shift; }
    [[ $# == 0 ]] || die "up takes no arguments but --curve"
    default_state
    ensure_packages
    bin_dir_init "${BUILD_DIR:-$REPO/build}"
    build "$BIN_DIR" OFF
    npm_install services/gateway/dashboard optional   # ECharts, read by the gateway at start
    PG_PORT=${HRSS_PG_PORT:-55432}
    HTTP_ADDR=127.0.0.1
    HTTP_PORT=${HRSS_HTTP_PORT:-8080}
    stack_up
    print_summary
}

# _db (not in the usage text): only the PostgreSQL part of `up`, for working on
# this script while the daemons do not build.
cmd_db() {
    default_state
    bin_dir_init "${BUILD_DIR:-$REPO/build}"
    PG_PORT=${HRSS_PG_PORT:-55432}
    HTTP_ADDR=127.0.0.1
    HTTP_PORT=${HRSS_HTTP_PORT:-8080}
    stack_db
    log "environment file: $ENV_FILE"
}

cmd_down() {
    [[ $# == 0 ]] || die "down takes no arguments"
    default_state
    [[ -d $STATE ]] || { log "no stack in $STATE"; return 0; }
    stop_all
    if pg_locate_existing; then pg_stop; else log "no PostgreSQL cluster in $STATE"; fi
}

cmd_status() {
    [[ $# == 0 ]] || die "status takes no arguments"
    default_state
    [[ -f $ENV_FILE ]] || { echo "no stack in $STATE"; return 3; }
    env_load
    local s pid rc=0 body code
    echo "state dir $STATE"
    for s in "${SERVICES[@]}"; do
        if pid=$(daemon_pid "$s"); then
            printf '  %-11s running  pid %s\n' "$s" "$pid"
        elif [[ -f $RUN_DIR/$s.pid ]]; then
            printf '  %-11s DEAD     (pid file %s left behind)\n' "$s" "$RUN_DIR/$s.pid"; rc=1
        else
            printf '  %-11s stopped\n' "$s"; rc=1
        fi
    done
    if pg_is_running; then
        printf '  %-11s running  pid %s, socket %s, port %s\n' postgresql \
            "$(head -n1 "$PG_DATA/postmaster.pid")" "$PG_SOCK" "$(pg_running_port)"
    else
        printf '  %-11s stopped  (data %s)\n' postgresql "$PG_DATA"; rc=1
    fi
    body=$(curl -sS --max-time 3 -w '\n%{http_code}' "http://$HTTP_ADDR:$HTTP_PORT/readyz" 2>&1) || true
    code=${body##*$'\n'}
    body=${body%$'\n'*}
    printf '  readyz      http://%s:%s/readyz -> %s %s\n' "$HTTP_ADDR" "$HTTP_PORT" "$code" "$body"
    [[ $code == 200 ]] || rc=1
    return "$rc"
}

cmd_logs() {
    local follow=0 name="" f files=()
    [[ ${1:-} == -f ]] && { follow=1; shift; }
    name=${1:-}
    default_state
    [[ -d $LOG_DIR ]] || die "no logs in $LOG_DIR"
    if [[ -n $name ]]; then
        [[ $name == postgresql ]] || check_name "$name"
        files=("$LOG_DIR/$name.log")
    else
        for f in "${SERVICES[@]}" postgresql; do
            [[ -f $LOG_DIR/$f.log ]] && files+=("$LOG_DIR/$f.log")
        done
    fi
    ((${#files[@]})) || die "no logs in $LOG_DIR"
    if ((follow)); then
        exec tail -n 20 -F "${files[@]}"
    fi
    tail -n "${HRSS_LOG_LINES:-40}" "${files[@]}"
}

cmd_one() {
    local action=$1
    [[ $# == 2 ]] || die "usage: $0 $action NAME (one of: ${SERVICES[*]})"
    check_name "$2"
    default_state
    case $action in
        start) env_load; start_daemon "$2" ;;
        stop) stop_daemon "$2" ;;
        kill) kill_daemon "$2" ;;
    esac
}

# --- test -------------------------------------------------------------------------

TEST_ACTIVE=0
TEST_RC=1
CTEST_PID=""

# What memcheck prints for an error or a definite leak (with --quiet).
readonly VALGRIND_REPORT='^==[0-9]+== (Invalid |Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Argument .* of function|[0-9,]+ bytes in [0-9,]+ blocks are definitely lost)'

# logs_check: after the daemons have exited, their logs must hold no sanitizer
# report (leaks are reported at exit) and no full id number (personal data
# never goes to a log).
logs_check() {
    local f bad=0 daemon
    for daemon in "${SERVICES[@]}"; do
        f=$LOG_DIR/$daemon.log
        [[ -f $f ]] || continue
        if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
            log "sanitizer report in $f:"
            grep -E -A20 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" | head -40 >&2
            bad=1
        fi
        if grep -qE "$VALGRIND_REPORT" "$f"; then
            log "valgrind report in $f:"
            grep -E -A25 "$VALGRIND_REPORT" "$f" | head -60 >&2
            bad=1
        fi
        if grep -qE '(^|[^0-9])[0-9]{17}[0-9Xx]([^0-9]|$)' "$f"; then
            log "a full id number in $f:"
            grep -nE '(^|[^0-9])[0-9]{17}[0-9Xx]([^0-9]|$)' "$f" | head -5 >&2
            bad=1
        fi
    done
    return "$bad"
}

# test_teardown: stop the test stack; remove it on success, keep it on failure.
test_teardown() {
    ((TEST_ACTIVE)) || return 0
    TEST_ACTIVE=0
    stop_all || true
    if [[ -n ${PG_DATA:-} ]]; then pg_stop || true; fi
    logs_check || TEST_RC=1
    if ((TEST_RC == 0)); then
        # a cluster kept outside the state dir (see pg_locate) goes too
        if ((${PG_OUTSIDE:-0})) && [[ -n ${PG_ROOT:-} ]]; then rm -rf -- "$PG_ROOT"; fi
        [[ $STATE == /tmp/hrss-test.* || $STATE == /tmp/hrss-bench.* ]] && rm -rf -- "$STATE"
        log "test stack removed"
    else
        log "test stack kept for inspection: $STATE"
    fi
}

on_exit() {
    local rc=$?
    set +e
    if [[ -n $CTEST_PID ]]; then
        log "interrupted: stopping ctest"
        kill -TERM -- "-$CTEST_PID" 2>/dev/null
        sleep 1
        kill -KILL -- "-$CTEST_PID" 2>/dev/null
    fi
    if ((TEST_ACTIVE)); then
        TEST_RC=$rc
        ((TEST_RC)) || TEST_RC=1
        test_teardown
    fi
    exit "$rc"
}

# test_pass BUILD_DIR ON|OFF [CTEST ARGS]: build, start a fresh stack, run
# ctest against it, tear it down. Sets TEST_RC to ctest's exit code.
# throwaway_stack_up KIND: a stack of its own in /tmp/hrss-KIND.XXXXXX with
# its own cluster and free ports, torn down by test_teardown.
throwaway_stack_up() {
    state_init "$(mktemp -d "/tmp/hrss-$1.XXXXXX")"
    chmod 755 "$STATE"   # the postgres user must be able to enter it
    TEST_ACTIVE=1
    TEST_RC=1
    PG_PORT=$(free_port)
    HTTP_ADDR=127.0.0.1
    HTTP_PORT=$(free_port)
    while [[ $HTTP_PORT == "$PG_PORT" ]]; do HTTP_PORT=$(free_port); done
    log "$1 stack in $STATE (HTTP port $HTTP_PORT, PostgreSQL port $PG_PORT)"
    stack_up
}

test_pass() {
    local build_dir=$1 sanitize=$2
    shift 2
    bin_dir_init "$build_dir"
    build "$BIN_DIR" "$sanitize"
    npm_install services/gateway/dashboard   # ECharts, read by the gateway at start
    npm_install tests/browser                # playwright-core, driving Debian's chromium

    throwaway_stack_up test

    log "running ctest in $BIN_DIR"
    # ctest runs in its own session, waited for in the background, so that a
    # signal to this script tears the stack down at once and takes the tests along.
    (
        # shellcheck disable=SC1090
        . "$ENV_FILE"
        export HRSS_TEST_ENV=$ENV_FILE
        exec setsid ctest --test-dir "$BIN_DIR" --output-on-failure "$@"
    ) &
    CTEST_PID=$!
    TEST_RC=0
    wait "$CTEST_PID" || TEST_RC=$?
    CTEST_PID=""
    if ((TEST_RC == 0)); then
        log "tests passed ($([[ $sanitize == ON ]] && echo 'ASan+UBSan build' || echo 'normal build'))"
    else
        tail_all_logs
        log "tests FAILED (ctest exit $TEST_RC)"
    fi
    test_teardown
}

cmd_test() {
    # Only the stack this command builds may be used: drop HRSS_* settings
    # from the caller (a sourced hrss.env of the `up` stack, say).
    local v
    for v in $(compgen -e); do
        case $v in
            HRSS_TEST_SANITIZE | HRSS_LOG_LEVEL | HRSS_PG_BIN | HRSS_JOBS | HRSS_SKIP_BUILD) ;;
            HRSS_TEST_FUZZ* | HRSS_FAULT_* | HRSS_DAEMON_WRAPPER) ;;   # fuzz, faults, memcheck
            HRSS_*) unset "$v" ;;
        esac
    done
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    ensure_packages
    openapi_linter
    test_pass "${BUILD_DIR:-$REPO/build}" OFF "$@"
    ((TEST_RC == 0)) || exit "$TEST_RC"
    test_fuzz "$@"

    local san=${HRSS_TEST_SANITIZE:-}
    if [[ $san != 0 && ($san == 1 || ${CI:-} == true) ]]; then
        log "second pass: ASan+UBSan build"
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
        export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        test_pass "${ASAN_BUILD_DIR:-$REPO/build-asan}" ON "$@"
    fi
    exit "$TEST_RC"
}

# --- fuzz and memcheck ------------------------------------------------------------

readonly FUZZ_TARGETS=(fuzz_event_decode fuzz_jsonr fuzz_validators fuzz_wire)

# fuzz_build DIR: the libFuzzer targets of tests/fuzz, with clang.
fuzz_build() {
    FUZZ_DIR=$(abs_path "$1")
    command -v clang >/dev/null || die "clang not found (apt-get install clang libclang-rt-14-dev)"
    if [[ ${HRSS_SKIP_BUILD:-0} == 1 ]]; then
        log "HRSS_SKIP_BUILD=1: using the fuzz targets already in $FUZZ_DIR"
    else
        log "building the fuzz targets in $FUZZ_DIR (clang, libFuzzer, ASan+UBSan)"
        # clang warns differently from gcc: -Werror stays with the gcc builds
        cmake -S "$REPO" -B "$FUZZ_DIR" -DCMAKE_C_COMPILER=clang -DHRSS_FUZZ=ON \
            -DHRSS_WERROR=OFF >/dev/null || die "cmake configure of $FUZZ_DIR failed"
        cmake --build "$FUZZ_DIR" -j "${HRSS_JOBS:-2}" --target "${FUZZ_TARGETS[@]}" ||
            die "building the fuzz targets failed (see above)"
    fi
}

# fuzz_run SECONDS [TARGET...]: replay each target's seed corpus
# (tests/fuzz/corpus/TARGET), then fuzz it for SECONDS. New inputs go to a
# scratch corpus, crashes, leaks and timeouts to artifacts beside it; the
# directory is kept when something was found. Returns 1 if anything failed.
fuzz_run() {
    local secs=$1 t bin corpus out rc=0 dict stats
    shift
    (($#)) || set -- "${FUZZ_TARGETS[@]}"
    out=$(mktemp -d /tmp/hrss-fuzz.XXXXXX)
    export HRSS_DATA_DIR=$REPO/common/data
    for t in "$@"; do
        bin=$FUZZ_DIR/tests/fuzz/$t
        corpus=$REPO/tests/fuzz/corpus/$t
        [[ -x $bin && -d $corpus ]] || die "no fuzz target $t ($bin, $corpus)"
        dict=()
        [[ -f $REPO/tests/fuzz/$t.dict ]] && dict=("-dict=$REPO/tests/fuzz/$t.dict")
        if ! "$bin" -runs=0 "$corpus" >"$out/$t.replay.log" 2>&1; then
            tail -n 40 "$out/$t.replay.log" >&2
            log "fuzz: $t FAILED on its seed corpus (log $out/$t.replay.log)"
            rc=1
            continue
        fi
        mkdir -p "$out/$t"
        if ! "$bin" "${dict[@]}" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
            -artifact_prefix="$out/$t-" "$out/$t" "$corpus" >"$out/$t.log" 2>&1; then
            grep -v '^#' "$out/$t.log" | tail -n 40 >&2
            log "fuzz: $t FAILED: $(find "$out" -maxdepth 1 -name "$t-*" | head -1) (log $out/$t.log)"
            rc=1
            continue
        fi
        stats=$(awk '/stat::number_of_executed_units/ {n=$2} /stat::average_exec_per_sec/ {r=$2}
            END {printf "%d runs, %d exec/s", n, r}' "$out/$t.log")
        log "fuzz: $t: corpus replayed, fuzzed ${secs} s: $stats, $(find "$out/$t" -type f | wc -l) new inputs"
    done
    if ((rc)); then
        log "fuzz findings kept in $out (replay one: $FUZZ_DIR/tests/fuzz/TARGET FILE)"
    else
        rm -rf -- "$out"
    fi
    return "$rc"
}

# test_fuzz [CTEST ARGS]: the short fuzz pass of `test`, when clang is there:
# for the whole suite (no ctest arguments) or HRSS_TEST_FUZZ=1, never with
# HRSS_TEST_FUZZ=0. HRSS_TEST_FUZZ_SECONDS per target (20).
test_fuzz() {
    local want=${HRSS_TEST_FUZZ:-}
    [[ $want != 0 && ($want == 1 || $# == 0) ]] || return 0
    if ! command -v clang >/dev/null; then
        log "clang not found: the fuzz targets are skipped"
        return 0
    fi
    fuzz_build "${FUZZ_BUILD_DIR:-$REPO/build-fuzz}"
    fuzz_run "${HRSS_TEST_FUZZ_SECONDS:-20}" || exit 1
}

cmd_fuzz() {
    local secs=${1:-600}
    [[ $secs =~ ^[1-9][0-9]*$ ]] || die "usage: $0 fuzz [SECONDS PER TARGET] [TARGET...]"
    (($#)) && shift
    ensure_packages
    fuzz_build "${FUZZ_BUILD_DIR:-$REPO/build-fuzz}"
    fuzz_run "$secs" "$@" || exit 1
    log "fuzzing found nothing"
}

# memcheck [CTEST ARGS]: `test` with every daemon under valgrind memcheck
# (default: the integration tests); any memcheck report in a daemon's log
# fails the run (logs_check).
cmd_memcheck() {
    command -v valgrind >/dev/null || die "valgrind not found (apt-get install valgrind)"
    export HRSS_DAEMON_WRAPPER=${HRSS_DAEMON_WRAPPER:-valgrind --tool=memcheck --quiet \
--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=40}
    export HRSS_TEST_SANITIZE=0 HRSS_TEST_FUZZ=0
    export HRSS_FAULT_ROUNDS=${HRSS_FAULT_ROUNDS:-1}   # valgrind is slow: one kill round each
    (($#)) || set -- -L integration
    log "memcheck: daemons run under: $HRSS_DAEMON_WRAPPER"
    cmd_test "$@"
}

# --- bench ------------------------------------------------------------------------

# cmd_bench: tests/bench/run.py against a stack set up exactly like test's
# (own state dir under /tmp, own cluster, free ports), torn down afterwards;
# the results go to $STATE/bench/results.{json,md}, copied to var/bench/.
cmd_bench() {
    [[ $# == 0 ]] || die "bench takes no arguments (its settings are HRSS_BENCH_* variables, see README)"
    local v
    for v in $(compgen -e); do
        case $v in
            HRSS_BENCH_* | HRSS_LOG_LEVEL | HRSS_PG_BIN | HRSS_JOBS | HRSS_SKIP_BUILD) ;;
            HRSS_*) unset "$v" ;;
        esac
    done
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    ensure_packages
    bin_dir_init "${BUILD_DIR:-$REPO/build}"
    build "$BIN_DIR" OFF
    [[ -x $BIN_DIR/tests/bench/hrss-bench-load ]] ||
        die "$BIN_DIR/tests/bench/hrss-bench-load is missing after the build"

    throwaway_stack_up bench
    install -d -m 755 "$STATE/bench"

    # Its own session, waited for in the background, like ctest in test_pass:
    # a signal to this script stops the run and tears the stack down at once.
    (
        # shellcheck disable=SC1090
        . "$ENV_FILE"
        export HRSS_BENCH_BIN=$BIN_DIR/tests/bench HRSS_BENCH_REPO=$REPO \
            HRSS_BENCH_OUT=$STATE/bench/results.json
        exec setsid python3 "$REPO/tests/bench/run.py"
    ) &
    CTEST_PID=$!
    TEST_RC=0
    wait "$CTEST_PID" || TEST_RC=$?
    CTEST_PID=""
    if [[ -f $STATE/bench/results.json ]]; then
        install -d -m 755 "$REPO/var/bench"
        cp -- "$STATE/bench/results.json" "$STATE/bench/results.md" "$REPO/var/bench/"
        log "results in $STATE/bench/results.json, copied to $REPO/var/bench/results.json"
    fi
    if ((TEST_RC != 0)); then
        tail_all_logs
        log "bench FAILED (exit $TEST_RC)"
    fi
    test_teardown
    exit "$TEST_RC"
}

usage() {
    cat <<EOF
usage: $0 COMMAND
  up                 install missing packages, build, start PostgreSQL and every daemon
  up --curve         the same with CURVE on every ZeroMQ socket (also HRSS_CURVE=1)
  test [CTEST ARGS]  the same on a throw-away stack, then ctest (exit code: ctest's)
  bench              benchmarks beside same-run baselines on a throw-away stack
                     (HRSS_BENCH_QUICK=1: a short smoke run)
  down               stop the daemons, then PostgreSQL
  status             daemons, PostgreSQL and /readyz
  logs [-f] [NAME]   tail the logs (NAME: ${SERVICES[*]} postgresql)
  start NAME         start one daemon
  stop NAME          stop one daemon (SIGTERM, SIGKILL after ${STOP_TIMEOUT} s)
  kill NAME          SIGKILL one daemon (fault tests)
  fuzz [SECONDS] [TARGET...]  fuzz each libFuzzer target SECONDS (600) after replaying its corpus
  memcheck [CTEST ARGS]       test with the daemons under valgrind (default -L integration)
The stack is the one in \$HRSS_STATE_DIR (default $REPO/var).
EOF
}

main() {
    local cmd=${1:-}
    (($#)) && shift
    case $cmd in
        up) cmd_up "$@" ;;
        down) cmd_down "$@" ;;
        status) cmd_status "$@" ;;
        logs) cmd_logs "$@" ;;
        start | stop | kill) cmd_one "$cmd" "$@" ;;
        test) cmd_test "$@" ;;
        bench) cmd_bench "$@" ;;
        fuzz) cmd_fuzz "$@" ;;
        memcheck) cmd_memcheck "$@" ;;
        _db) cmd_db "$@" ;;
        -h | --help | help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
