#!/usr/bin/env bash
# Local Neo4j Community 5.26 for development and tests, without Docker: the DBMS jars come
# from Maven Central (scripts/neo4j/pom.xml) and scripts/neo4j/Launcher.java runs them with
# Bolt on 127.0.0.1. See scripts/neo4j/README.md.
#
# usage: scripts/neo4j.sh start|stop|status|wait [--home DIR] [--port N] [--heap SIZE]
#                         [--timeout SECONDS] [--watch-pid PID] [-- LAUNCHER_ARGS...]
#
#   start   fetch the jars once (into <repo>/.neo4j/lib), start in the background, wait until
#           Bolt answers; prints bolt://127.0.0.1:<port> on stdout (details on stderr).
#           Exits 0 at once if this home is already running.
#   stop    SIGTERM, up to 30 s for a clean shutdown, then SIGKILL. Fine if not running.
#   status  "running ..." (exit 0) or "not running" (exit 1).
#   wait    wait until the instance of this home is ready (exit 0) or timeout (exit 1).
#
# Options (flags win over environment):
#   --home DIR       data, logs, pid; env CHAINMAP_NEO4J_HOME, default <repo>/.neo4j/default
#   --port N         Bolt port on 127.0.0.1; env CHAINMAP_NEO4J_PORT, default 7687
#   --heap SIZE      JVM -Xmx; env CHAINMAP_NEO4J_HEAP, default 1g
#   --watch-pid PID  stop Neo4j as soon as process PID exits, however it ends (even
#                    SIGKILL); test and benchmark runs pass their own pid so a killed run
#                    never leaves Neo4j running; env CHAINMAP_NEO4J_WATCH_PID, default none
#   --timeout S      how long start/wait wait for Bolt (not counting the one-time jar
#                    download); env CHAINMAP_NEO4J_START_TIMEOUT, default 120
#   -- ARGS          passed to the launcher, e.g. -- --set db.logs.query.enabled=INFO
# Other environment:
#   NEO4J_PASSWORD   non-empty: auth on, user neo4j with this password; unset/empty: auth off
#   NEO4J_PAGECACHE  page cache size (default 512m)
#   CHAINMAP_NEO4J_JAVA_OPTS   extra JVM options (split on spaces)
#   JAVA_HOME        java to use (else java on PATH)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
POM=$SCRIPT_DIR/neo4j/pom.xml
LAUNCHER=$SCRIPT_DIR/neo4j/Launcher.java
STATE=$REPO/.neo4j
LIB=$STATE/lib

NEO4J_DIR=${CHAINMAP_NEO4J_HOME:-$STATE/default}
PORT=${CHAINMAP_NEO4J_PORT:-7687}
HEAP=${CHAINMAP_NEO4J_HEAP:-1g}
TIMEOUT=${CHAINMAP_NEO4J_START_TIMEOUT:-120}
WATCH_PID=${CHAINMAP_NEO4J_WATCH_PID:-}
STOP_TIMEOUT=30
EXTRA=()

die() { echo "neo4j.sh: $*" >&2; exit 1; }
say() { echo "neo4j.sh: $*" >&2; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
CMD=$1
shift
while [ $# -gt 0 ]; do
  case $1 in
    --home) [ $# -ge 2 ] || usage; NEO4J_DIR=$2; shift 2 ;;
    --home=*) NEO4J_DIR=${1#*=}; shift ;;
    --port) [ $# -ge 2 ] || usage; PORT=$2; shift 2 ;;
    --port=*) PORT=${1#*=}; shift ;;
    --heap) [ $# -ge 2 ] || usage; HEAP=$2; shift 2 ;;
    --heap=*) HEAP=${1#*=}; shift ;;
    --timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
    --timeout=*) TIMEOUT=${1#*=}; shift ;;
    --watch-pid) [ $# -ge 2 ] || usage; WATCH_PID=$2; shift 2 ;;
    --watch-pid=*) WATCH_PID=${1#*=}; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) usage ;;
    *) die "unknown option: $1 (see $0 --help)" ;;
  esac
done
case $PORT in ''|*[!0-9]*) die "bad port: $PORT" ;; esac
[ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "bad port: $PORT"
case $TIMEOUT in ''|*[!0-9]*) die "bad timeout: $TIMEOUT" ;; esac
WATCH=()
if [ -n "$WATCH_PID" ]; then
  case $WATCH_PID in *[!0-9]*) die "bad --watch-pid: $WATCH_PID" ;; esac
  kill -0 "$WATCH_PID" 2>/dev/null || die "--watch-pid $WATCH_PID: no such process"
  WATCH=(--watch-pid "$WATCH_PID")
fi

NEO4J_DIR=$(realpath -m "$NEO4J_DIR")
PIDFILE=$NEO4J_DIR/neo4j.pid
PORTFILE=$NEO4J_DIR/neo4j.port
LOG=$NEO4J_DIR/neo4j.log

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA=$JAVA_HOME/bin/java; else JAVA=java; fi

now_ms() { date +%s%3N; }
secs_since() { local ms=$(( $(now_ms) - $1 )); printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100)); }

# Pid of this home's launcher if it is alive (and really is our launcher), else nothing.
running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  case $pid in ''|*[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "Launcher" || return 1
  fi
  echo "$pid"
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

recorded_port() { cat "$PORTFILE" 2>/dev/null || echo "$PORT"; }

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found: install a JDK 17 or 21 (Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
  local v
  v=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1)
  case $v in ''|*[!0-9]*) die "cannot tell the version of $JAVA" ;; esac
  [ "$v" -ge 17 ] || die "Java $v found; Neo4j 5.26 needs Java 17 or 21"
  [ "$v" -eq 17 ] || [ "$v" -eq 21 ] || say "warning: Java $v; Neo4j 5.26 supports Java 17 and 21"
}

# Copies the Neo4j jars into $LIB once; refetches when pom.xml changes.
fetch_jars() {
  local stamp want
  want=$(sha256sum "$POM" | cut -d' ' -f1)
  stamp=$LIB/.pom.sha256
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  mkdir -p "$STATE"
  exec 9>"$STATE/lib.lock"
  flock 9
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exec 9>&-; return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven) not found; it fetches the Neo4j jars from Maven Central once (Debian: apt-get install maven)"
  say "fetching Neo4j jars from Maven Central into $LIB (first time only) ..."
  local t0 tmp
  t0=$(now_ms)
  tmp=$STATE/lib.tmp.$$
  rm -rf "$tmp"
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp" -DincludeScope=runtime \
      >"$STATE/mvn.log" 2>&1; then
    rm -rf "$tmp"
    tail -n 30 "$STATE/mvn.log" >&2 || true
    die "mvn could not fetch the Neo4j jars (full output: $STATE/mvn.log)"
  fi
  rm -rf "$LIB"
  mv "$tmp" "$LIB"
  echo "$want" >"$stamp"
  say "fetched $(ls "$LIB"/*.jar | wc -l) jars in $(secs_since "$t0")"
  exec 9>&-
}

# Compiles Launcher.java once into $STATE/launcher (saves ~2 s per start over the
# single-file source launch); recompiles when it changes. Without javac, runs the source.
launcher_cmd() {
  local want dir=$STATE/launcher
  want=$(cat "$LAUNCHER" "$POM" | sha256sum | cut -d' ' -f1)
  if [ -f "$dir/.sha256" ] && [ "$(cat "$dir/.sha256")" = "$want" ] && [ -f "$dir/Launcher.class" ]; then
    LAUNCH=(-cp "$dir:$LIB/*" Launcher); return 0
  fi
  local javac=javac
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then javac=$JAVA_HOME/bin/javac; fi
  if command -v "$javac" >/dev/null 2>&1; then
    exec 9>"$STATE/lib.lock"
    flock 9
    if [ -f "$dir/.sha256" ] && [ "$(cat "$dir/.sha256")" = "$want" ] && [ -f "$dir/Launcher.class" ]; then
      exec 9>&-
      LAUNCH=(-cp "$dir:$LIB/*" Launcher); return 0
    fi
    rm -rf "$dir.tmp.$$"
    if "$javac" -nowarn -d "$dir.tmp.$$" -cp "$LIB/*" "$LAUNCHER" >&2; then
      echo "$want" >"$dir.tmp.$$/.sha256"
      rm -rf "$dir"
      mv "$dir.tmp.$$" "$dir"
      exec 9>&-
      LAUNCH=(-cp "$dir:$LIB/*" Launcher); return 0
    fi
    exec 9>&-
    rm -rf "$dir.tmp.$$"
    say "warning: javac failed; running Launcher.java from source"
  fi
  LAUNCH=(-cp "$LIB/*" "$LAUNCHER")
}

# Waits for the READY line and an open Bolt port. $1 = pid, $2 = port, $3 = deadline (ms).
wait_ready() {
  local pid=$1 port=$2 deadline=$3
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "Neo4j exited during start-up; last lines of $LOG:"
      tail -n 40 "$LOG" >&2 || true
      return 1
    fi
    if grep -q '^NEO4J FAILED' "$LOG" 2>/dev/null; then
      say "Neo4j failed to start; last lines of $LOG:"
      tail -n 40 "$LOG" >&2 || true
      return 1
    fi
    if grep -q '^NEO4J READY' "$LOG" 2>/dev/null && port_open "$port"; then
      return 0
    fi
    if [ "$(now_ms)" -ge "$deadline" ]; then
      say "Neo4j not ready after ${TIMEOUT} s; last lines of $LOG:"
      tail -n 40 "$LOG" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

stop_pid() {
  local pid=$1 t0 i
  t0=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "no clean shutdown after ${STOP_TIMEOUT} s; killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PIDFILE" "$PORTFILE"
  say "stopped pid $pid in $(secs_since "$t0")"
}

cmd_start() {
  local pid
  if pid=$(running_pid); then
    say "already running: pid $pid, home $NEO4J_DIR, log $LOG"
    echo "bolt://127.0.0.1:$(recorded_port)"
    return 0
  fi
  rm -f "$PIDFILE" "$PORTFILE"
  check_java
  if port_open "$PORT"; then
    die "port $PORT on 127.0.0.1 is already in use by another process (use --port or CHAINMAP_NEO4J_PORT)"
  fi
  local t0
  t0=$(now_ms)
  mkdir -p "$NEO4J_DIR"
  fetch_jars
  [ -f "$LOG" ] && mv -f "$LOG" "$LOG.prev"
  # shellcheck disable=SC2206
  local jvm=(
    "-Xmx$HEAP"
    -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC -XX:+ExitOnOutOfMemoryError
    -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true
    -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --enable-native-access=ALL-UNNAMED
    ${CHAINMAP_NEO4J_JAVA_OPTS:-}
  )
  launcher_cmd
  nohup "$JAVA" "${jvm[@]}" "${LAUNCH[@]}" "$NEO4J_DIR" "$PORT" ${WATCH[@]+"${WATCH[@]}"} ${EXTRA[@]+"${EXTRA[@]}"} \
    </dev/null >"$LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PIDFILE"
  echo "$PORT" >"$PORTFILE"
  if ! wait_ready "$pid" "$PORT" $(( $(now_ms) + TIMEOUT * 1000 )); then
    kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
    rm -f "$PIDFILE" "$PORTFILE"
    exit 1
  fi
  say "ready in $(secs_since "$t0"): pid $pid, home $NEO4J_DIR, log $LOG, auth $([ -n "${NEO4J_PASSWORD:-}" ] && echo on || echo off)"
  echo "bolt://127.0.0.1:$PORT"
}

cmd_stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PIDFILE" "$PORTFILE"
    say "not running (home $NEO4J_DIR)"
    return 0
  fi
  stop_pid "$pid"
}

cmd_status() {
  local pid port
  if pid=$(running_pid); then
    port=$(recorded_port)
    if port_open "$port"; then
      echo "running: pid $pid, bolt://127.0.0.1:$port, home $NEO4J_DIR"
    else
      echo "running (Bolt port $port not open yet): pid $pid, home $NEO4J_DIR"
    fi
    return 0
  fi
  echo "not running (home $NEO4J_DIR)"
  return 1
}

cmd_wait() {
  local pid
  pid=$(running_pid) || die "not running (home $NEO4J_DIR)"
  wait_ready "$pid" "$(recorded_port)" $(( $(now_ms) + TIMEOUT * 1000 )) || exit 1
  echo "bolt://127.0.0.1:$(recorded_port)"
}

case $CMD in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  wait) cmd_wait ;;
  -h|--help|help) usage ;;
  *) die "unknown command: $CMD (start|stop|status|wait)" ;;
esac
