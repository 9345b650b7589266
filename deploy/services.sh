#!/usr/bin/env bash
# Local services for ratel: a single-node Apache Kafka (KRaft, no ZooKeeper) and a ClickHouse
# server, run as plain background processes on 127.0.0.1 (no systemd, no docker).
#
#   bash deploy/services.sh up     [kafka|clickhouse]   install what is missing, start, wait until ready
#   bash deploy/services.sh down   [kafka|clickhouse]   stop (by pid file)
#   bash deploy/services.sh status [kafka|clickhouse]   one line per service; exit 3 if one is down
#   bash deploy/services.sh up|down|status secured      the secured pair (below), apart from the plain one
#
# "secured" is a second Kafka broker (one SASL_SSL listener: TLS + SASL PLAIN, SCRAM-SHA-256,
# SCRAM-SHA-512) and a second ClickHouse server (HTTPS only, password users), each its own
# process with its own ports and data, so the plain pair keeps running untouched. A local test CA
# and the certificates (openssl, keystore by keytool-compatible PKCS12) and random passwords are
# made on first use and kept in $RATEL_RUN/secured/ (user "ratel": secured/kafka-password and
# secured/clickhouse-password; CA: secured/certs/ca.pem; a client certificate
# secured/certs/client.{pem,key}; an unrelated CA secured/certs/other-ca.pem for tests).
#
# Environment (all optional):
#   RATEL_CACHE                  downloads (Kafka jars, Maven repo)       default ~/.cache/ratel
#   RATEL_RUN                    data dirs, logs, pid files               default ~/.cache/ratel/run
#   RATEL_KAFKA_VERSION          Apache Kafka version                     default: deploy/kafka/pom.xml
#   RATEL_KAFKA_PORT             PLAINTEXT listener                       default 19092
#   RATEL_KAFKA_CONTROLLER_PORT  KRaft controller listener                default 19093
#   RATEL_KAFKA_HEAP             broker JVM max heap                      default 512m
#   RATEL_CLICKHOUSE_HTTP_PORT   ClickHouse HTTP                          default 18123
#   RATEL_CLICKHOUSE_TCP_PORT    ClickHouse native TCP                    default 19000
#   RATEL_KAFKA_TIMEOUT / RATEL_CLICKHOUSE_TIMEOUT  readiness timeouts (s) default 90 / 60
#   RATEL_KAFKA_SECURED_PORT     secured broker's SASL_SSL listener      default 19094
#   RATEL_KAFKA_SECURED_CONTROLLER_PORT  its KRaft controller             default 19095
#   RATEL_CLICKHOUSE_HTTPS_PORT  secured ClickHouse HTTPS                default 18443
#   RATEL_CLICKHOUSE_SECURED_TCP_PORT  its native TCP (loopback)         default 19010
#   JAVA_HOME                    JVM for Kafka (17+)                      default: java on PATH
# The code reaches the services with RATEL_KAFKA_BROKERS (default 127.0.0.1:19092) and
# RATEL_CLICKHOUSE_URL (default http://127.0.0.1:18123).
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true # bash 5.2: '&' in ${x//a/b} must stay literal

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${RATEL_CACHE:-$HOME/.cache/ratel}"
RUN="${RATEL_RUN:-$HOME/.cache/ratel/run}"

DEFAULT_KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/kafka/pom.xml" | head -n1)"
KAFKA_VERSION="${RATEL_KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}"
KAFKA_PORT="${RATEL_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${RATEL_KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_HEAP="${RATEL_KAFKA_HEAP:-512m}"
KAFKA_TIMEOUT="${RATEL_KAFKA_TIMEOUT:-90}"
CH_HTTP_PORT="${RATEL_CLICKHOUSE_HTTP_PORT:-18123}"
CH_TCP_PORT="${RATEL_CLICKHOUSE_TCP_PORT:-19000}"
CH_TIMEOUT="${RATEL_CLICKHOUSE_TIMEOUT:-60}"
SKAFKA_PORT="${RATEL_KAFKA_SECURED_PORT:-19094}"
SKAFKA_CONTROLLER_PORT="${RATEL_KAFKA_SECURED_CONTROLLER_PORT:-19095}"
SCH_HTTPS_PORT="${RATEL_CLICKHOUSE_HTTPS_PORT:-18443}"
SCH_TCP_PORT="${RATEL_CLICKHOUSE_SECURED_TCP_PORT:-19010}"

# ClickHouse 18.16 silently wraps an out-of-range port (99999 -> 34463): refuse bad ones here.
for _p in RATEL_KAFKA_PORT="$KAFKA_PORT" RATEL_KAFKA_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT" \
  RATEL_CLICKHOUSE_HTTP_PORT="$CH_HTTP_PORT" RATEL_CLICKHOUSE_TCP_PORT="$CH_TCP_PORT" \
  RATEL_KAFKA_SECURED_PORT="$SKAFKA_PORT" RATEL_KAFKA_SECURED_CONTROLLER_PORT="$SKAFKA_CONTROLLER_PORT" \
  RATEL_CLICKHOUSE_HTTPS_PORT="$SCH_HTTPS_PORT" RATEL_CLICKHOUSE_SECURED_TCP_PORT="$SCH_TCP_PORT"; do
  # shellcheck disable=SC2015 # printf+exit is the "else"
  [[ "${_p#*=}" =~ ^[1-9][0-9]{0,4}$ ]] && ((${_p#*=} <= 65535)) ||
    { printf 'services: FAILED: %s is not a TCP port (1-65535)\n' "$_p" >&2; exit 2; }
done

KAFKA_DIR="$RUN/kafka"
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOG="$KAFKA_DIR/kafka.log"
KAFKA_PID="$KAFKA_DIR/kafka.pid"

CH_DIR="$RUN/clickhouse"
CH_CONFIG="$CH_DIR/config.xml"
CH_LOG="$CH_DIR/log/clickhouse-server.log"
CH_ERRLOG="$CH_DIR/log/clickhouse-server.err.log"
CH_OUT="$CH_DIR/stdout.log"
CH_PID="$CH_DIR/clickhouse.pid"

SEC_DIR="$RUN/secured"
CERTS="$SEC_DIR/certs"
SKAFKA_DIR="$RUN/kafka-secured"
SKAFKA_PROPS="$SKAFKA_DIR/server.properties"
SKAFKA_DATA="$SKAFKA_DIR/data"
SKAFKA_LOG="$SKAFKA_DIR/kafka.log"
SKAFKA_PID="$SKAFKA_DIR/kafka.pid"
SCH_DIR="$RUN/clickhouse-secured"
SCH_CONFIG="$SCH_DIR/config.xml"
SCH_LOG="$SCH_DIR/log/clickhouse-server.log"
SCH_ERRLOG="$SCH_DIR/log/clickhouse-server.err.log"
SCH_OUT="$SCH_DIR/stdout.log"
SCH_PID="$SCH_DIR/clickhouse.pid"

say() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: FAILED: %s\n' "$*" >&2; exit 1; }

usage() {
  echo "usage: bash deploy/services.sh up|down|status [kafka|clickhouse|secured]" >&2
  exit 2
}

# ---------------------------------------------------------------------------- helpers

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pid_of PIDFILE MARKER: print the pid if the pid file names a live process whose command line
# contains MARKER (so a recycled pid is not mistaken for our server); fail otherwise.
pid_of() {
  local file="$1" marker="$2" pid cmd
  [[ -s "$file" ]] || return 1
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"$marker"* ]] || return 1
  echo "$pid"
}

# clear_stale NAME PIDFILE MARKER: remove a pid file left behind by a crash or a reboot.
clear_stale() {
  local name="$1" file="$2" marker="$3"
  if [[ -e "$file" ]] && ! pid_of "$file" "$marker" >/dev/null; then
    say "$name: removing stale pid file $file (pid $(head -c 20 "$file" 2>/dev/null || true) is not running, or is not this server)"
    rm -f "$file"
  fi
}

# render TEMPLATE OUT KEY=VALUE...: copy TEMPLATE to OUT replacing every @KEY@ with VALUE.
render() {
  local template="$1" out="$2" text kv
  shift 2
  text="$(<"$template")"
  for kv in "$@"; do
    text="${text//"@${kv%%=*}@"/"${kv#*=}"}"
  done
  printf '%s\n' "$text" >"$out.tmp"
  mv -f "$out.tmp" "$out"
}

# apt_install WHAT PACKAGE...: install Debian packages (needs root).
apt_install() {
  local what="$1"
  shift
  command -v apt-get >/dev/null 2>&1 ||
    die "$what is missing and this machine has no apt-get: install $* by hand"
  [[ "$(id -u)" == 0 ]] ||
    die "$what is missing; installing it needs root: run 'sudo apt-get install -y $*' (or run this script as root)"
  mkdir -p "$RUN"
  say "$what: installing $* with apt-get (log: $RUN/apt.log)"
  {
    apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
  } >>"$RUN/apt.log" 2>&1 || die "$what: 'apt-get install $*' failed (log: $RUN/apt.log)"
}

# last_error LOGFILE: the last line that looks like an error (else the last line), shortened,
# to end the one-line failure message with.
last_error() {
  local line
  line="$(grep -aE 'ERROR|FATAL|Exception|<Error>|Error' "$1" 2>/dev/null | tail -n1 || true)"
  [[ -n "$line" ]] || line="$(grep -av '^[[:space:]]*$' "$1" 2>/dev/null | tail -n1 || true)"
  [[ -n "$line" ]] && printf '; last log line: %s' "$(printf '%s' "$line" | tr -d '\r' | cut -c1-240)"
  return 0
}

# pick_log LOG...: the first of LOG... that is not empty (else the first).
pick_log() {
  local f
  for f in "$@"; do [[ -s "$f" ]] && { echo "$f"; return 0; }; done
  echo "$1"
}

# wait_ready NAME TIMEOUT PIDFILE MARKER LOGS CHECK...: poll CHECK until it succeeds; fail with
# one line if the process exits or the timeout passes. LOGS: ':'-separated candidate log files.
wait_ready() {
  local name="$1" timeout="$2" pidfile="$3" marker="$4" logs="$5" log
  shift 5
  local deadline=$((SECONDS + timeout))
  while ! "$@"; do
    IFS=: read -r -a _logs <<<"$logs"
    log="$(pick_log "${_logs[@]}")"
    if ! pid_of "$pidfile" "$marker" >/dev/null; then
      rm -f "$pidfile"
      die "$name did not come up: its process exited (log: $log)$(last_error "$log")"
    fi
    if ((SECONDS >= deadline)); then
      die "$name did not come up within ${timeout}s (pid $(<"$pidfile") still running; log: $log)$(last_error "$log")"
    fi
    sleep 0.3
  done
}

# stop NAME PIDFILE MARKER GRACE: SIGTERM, wait up to GRACE seconds, then SIGKILL.
stop() {
  local name="$1" pidfile="$2" marker="$3" grace="$4" pid i
  if ! pid="$(pid_of "$pidfile" "$marker")"; then
    clear_stale "$name" "$pidfile" "$marker"
    say "$name: not running"
    return 0
  fi
  say "$name: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name: still running after ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$pidfile"
  say "$name: stopped"
}

# ---------------------------------------------------------------------------- kafka

kafka_marker() { echo "kafka.Kafka $KAFKA_PROPS"; }

kafka_ready() {
  port_open "$KAFKA_PORT" && grep -aq 'Kafka Server started' "$KAFKA_LOG" 2>/dev/null
}

# The JVM: $JAVA_HOME/bin/java when JAVA_HOME is set, else java on PATH.
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

ensure_java() {
  local major
  if ! command -v "$JAVA" >/dev/null 2>&1; then
    [[ -z "${JAVA_HOME:-}" ]] || die "kafka: JAVA_HOME=$JAVA_HOME has no bin/java"
    apt_install kafka default-jre-headless
  fi
  major="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')"
  [[ "${major:-0}" -ge 17 ]] ||
    die "kafka: Kafka $KAFKA_VERSION needs Java 17 or newer, found Java ${major:-unknown} ($(command -v "$JAVA")); set JAVA_HOME to a newer one"
}

ensure_kafka_jars() {
  [[ -f "$KAFKA_LIBS/.complete" ]] && return 0
  command -v mvn >/dev/null 2>&1 || apt_install kafka maven
  local tmp="$KAFKA_LIBS.tmp" log="$CACHE/kafka-$KAFKA_VERSION/mvn.log"
  mkdir -p "$CACHE/kafka-$KAFKA_VERSION"
  rm -rf "$tmp"
  say "kafka: fetching Apache Kafka $KAFKA_VERSION jars from Maven Central with mvn (log: $log)"
  if ! mvn -B -q -f "$HERE/kafka/pom.xml" \
    -Dmaven.repo.local="$CACHE/m2" \
    -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies \
    -Dmdep.includeScope=runtime \
    -DoutputDirectory="$tmp" >"$log" 2>&1; then
    die "kafka: mvn could not fetch Apache Kafka $KAFKA_VERSION (log: $log)$(last_error "$log")"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "kafka: mvn did not produce kafka_2.13-$KAFKA_VERSION.jar in $tmp (log: $log)"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  touch "$KAFKA_LIBS/.complete"
}

KAFKA_JVM_OPTS=(
  -Xms128m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
  # slf4j-simple (see deploy/kafka/pom.xml) logs to stderr, which goes to $KAFKA_LOG.
  -Dorg.slf4j.simpleLogger.showDateTime=true
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS"
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config=warn
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.utils.AppInfoParser=warn
)

kafka_java() {
  "$JAVA" "${KAFKA_JVM_OPTS[@]}" -cp "$KAFKA_LIBS/*" "$@"
}

kafka_up_start() {
  local pid stamp
  clear_stale kafka "$KAFKA_PID" "$(kafka_marker)"
  if pid="$(pid_of "$KAFKA_PID" "$(kafka_marker)")"; then
    # Running (ready or still starting): kafka_up_wait decides. Never start a second one.
    local running
    running="$(kafka_running_version)"
    [[ "$running" == "$KAFKA_VERSION" ]] ||
      say "kafka: WARNING: Apache Kafka $KAFKA_VERSION was asked for; run 'bash deploy/services.sh down kafka' first to switch"
    return 0
  fi
  if port_open "$KAFKA_PORT"; then
    die "kafka: port 127.0.0.1:$KAFKA_PORT is already taken by a process this script did not start (no live pid in $KAFKA_PID); stop it or set RATEL_KAFKA_PORT"
  fi
  if port_open "$KAFKA_CONTROLLER_PORT"; then
    die "kafka: controller port 127.0.0.1:$KAFKA_CONTROLLER_PORT is already taken; stop that process or set RATEL_KAFKA_CONTROLLER_PORT"
  fi
  ensure_java
  ensure_kafka_jars
  mkdir -p "$KAFKA_DIR"
  render "$HERE/kafka/server.properties" "$KAFKA_PROPS" \
    "PORT=$KAFKA_PORT" "CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT" "DATA_DIR=$KAFKA_DATA"

  # Format the storage once per (version, ports); a different version gets a fresh data dir.
  stamp="kafka=$KAFKA_VERSION port=$KAFKA_PORT controller=$KAFKA_CONTROLLER_PORT"
  if [[ ! -f "$KAFKA_DATA/meta.properties" || "$(cat "$KAFKA_DIR/format.stamp" 2>/dev/null)" != "$stamp" ]]; then
    local cluster_id
    if [[ -d "$KAFKA_DATA" ]]; then
      say "kafka: data dir was formatted for another version or ports; starting from an empty one"
      rm -rf "$KAFKA_DATA"
    fi
    cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_DIR/format.log" | tail -n1)"
    [[ -n "$cluster_id" ]] || die "kafka: could not generate a cluster id (log: $KAFKA_DIR/format.log)"
    say "kafka: formatting KRaft storage (cluster id $cluster_id)"
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_PROPS" --ignore-formatted \
      >>"$KAFKA_DIR/format.log" 2>&1 ||
      die "kafka: formatting the storage failed (log: $KAFKA_DIR/format.log)$(last_error "$KAFKA_DIR/format.log")"
    echo "$stamp" >"$KAFKA_DIR/format.stamp"
  fi

  [[ -f "$KAFKA_LOG" ]] && mv -f "$KAFKA_LOG" "$KAFKA_LOG.1"
  say "kafka: starting Apache Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (log: $KAFKA_LOG)"
  (
    cd "$KAFKA_DIR"
    # The child writes its own pid, then execs the JVM (same pid). fd 9 (the lock) is closed.
    # shellcheck disable=SC2016 # $$ and $@ belong to the child shell
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$KAFKA_PID" \
      "$JAVA" "${KAFKA_JVM_OPTS[@]}" -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS" \
      </dev/null >"$KAFKA_LOG" 2>&1 9>&- &
  )
  # The pid file is written by the child itself before exec; give it a moment.
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$KAFKA_PID" ]] && break; sleep 0.02; done
}

kafka_up_wait() {
  if ! kafka_ready; then
    say "kafka: waiting for the broker on 127.0.0.1:$KAFKA_PORT (timeout ${KAFKA_TIMEOUT}s)"
    wait_ready "kafka (127.0.0.1:$KAFKA_PORT)" "$KAFKA_TIMEOUT" "$KAFKA_PID" "$(kafka_marker)" "$KAFKA_LOG" kafka_ready
  fi
  say "kafka: up on 127.0.0.1:$KAFKA_PORT (Apache Kafka $(kafka_running_version), pid $(<"$KAFKA_PID"))"
}

# The version of the running broker, from its class path (<cache>/kafka-<version>/libs/*).
kafka_running_version() {
  local pid v
  pid="$(pid_of "$KAFKA_PID" "$(kafka_marker)")" || return 0
  v="$(tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n 's:.*/kafka-\([^/]*\)/libs/\*$:\1:p' | head -n1)"
  echo "${v:-?}"
}

kafka_status() {
  local pid
  if pid="$(pid_of "$KAFKA_PID" "$(kafka_marker)")"; then
    if kafka_ready; then
      echo "kafka       up        127.0.0.1:$KAFKA_PORT  (Apache Kafka $(kafka_running_version), pid $pid, log $KAFKA_LOG)"
      return 0
    fi
    echo "kafka       starting  127.0.0.1:$KAFKA_PORT  (pid $pid, log $KAFKA_LOG)"
    return 1
  fi
  if [[ -e "$KAFKA_PID" ]]; then
    echo "kafka       down      (stale pid file $KAFKA_PID; log $KAFKA_LOG)"
  elif port_open "$KAFKA_PORT"; then
    echo "kafka       foreign   127.0.0.1:$KAFKA_PORT is taken by a process this script did not start"
  else
    echo "kafka       down"
  fi
  return 1
}

# ---------------------------------------------------------------------------- clickhouse

ch_marker() { echo "--config-file=$CH_CONFIG"; }

ch_ready() {
  [[ "$(curl -s -m 2 "http://127.0.0.1:$CH_HTTP_PORT/ping" 2>/dev/null)" == "Ok." ]]
}

# Prints the command that runs the server: clickhouse-server (Debian 18.16 packages) or the
# single "clickhouse" binary of newer releases.
ch_command() {
  local c
  for c in clickhouse-server /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
  done
  for c in clickhouse /usr/bin/clickhouse; do
    if command -v "$c" >/dev/null 2>&1; then echo "$(command -v "$c") server"; return 0; fi
  done
  return 1
}

ch_up_start() {
  local pid cmd
  clear_stale clickhouse "$CH_PID" "$(ch_marker)"
  if pid="$(pid_of "$CH_PID" "$(ch_marker)")"; then
    return 0 # running (ready or still starting): ch_up_wait decides. Never start a second one.
  fi
  if port_open "$CH_HTTP_PORT"; then
    die "clickhouse: port 127.0.0.1:$CH_HTTP_PORT is already taken by a process this script did not start (no live pid in $CH_PID); stop it or set RATEL_CLICKHOUSE_HTTP_PORT"
  fi
  if port_open "$CH_TCP_PORT"; then
    die "clickhouse: port 127.0.0.1:$CH_TCP_PORT is already taken; stop that process or set RATEL_CLICKHOUSE_TCP_PORT"
  fi
  command -v curl >/dev/null 2>&1 || apt_install clickhouse curl ca-certificates
  if ! cmd="$(ch_command)"; then
    apt_install clickhouse clickhouse-server clickhouse-client
    cmd="$(ch_command)" || die "clickhouse: clickhouse-server is still missing after apt-get install (log: $RUN/apt.log)"
  fi
  mkdir -p "$CH_DIR"/{data,tmp,log,user_files,format_schemas}
  render "$HERE/clickhouse/config.xml" "$CH_CONFIG" \
    "CH_DIR=$CH_DIR" "HTTP_PORT=$CH_HTTP_PORT" "TCP_PORT=$CH_TCP_PORT"
  render "$HERE/clickhouse/users.xml" "$CH_DIR/users.xml"

  say "clickhouse: starting $cmd on 127.0.0.1:$CH_HTTP_PORT (log: $CH_LOG)"
  [[ -f "$CH_OUT" ]] && mv -f "$CH_OUT" "$CH_OUT.1"
  (
    cd "$CH_DIR"
    # shellcheck disable=SC2086,SC2016 # $cmd may be "clickhouse server"; $$ is the child's
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$CH_PID" \
      $cmd --config-file="$CH_CONFIG" </dev/null >"$CH_OUT" 2>&1 9>&- &
  )
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$CH_PID" ]] && break; sleep 0.02; done
}

ch_version() {
  curl -s -m 2 "http://127.0.0.1:$CH_HTTP_PORT/?query=SELECT%20version()" 2>/dev/null || echo '?'
}

ch_up_wait() {
  if ! ch_ready; then
    say "clickhouse: waiting for http://127.0.0.1:$CH_HTTP_PORT/ping (timeout ${CH_TIMEOUT}s)"
    wait_ready "clickhouse (http://127.0.0.1:$CH_HTTP_PORT)" "$CH_TIMEOUT" "$CH_PID" "$(ch_marker)" \
      "$CH_ERRLOG:$CH_OUT:$CH_LOG" ch_ready
  fi
  say "clickhouse: up on http://127.0.0.1:$CH_HTTP_PORT, native 127.0.0.1:$CH_TCP_PORT (ClickHouse $(ch_version), pid $(<"$CH_PID"))"
}

ch_status() {
  local pid
  if pid="$(pid_of "$CH_PID" "$(ch_marker)")"; then
    if ch_ready; then
      echo "clickhouse  up        http://127.0.0.1:$CH_HTTP_PORT  (ClickHouse $(ch_version), tcp $CH_TCP_PORT, pid $pid, log $CH_LOG)"
      return 0
    fi
    echo "clickhouse  starting  http://127.0.0.1:$CH_HTTP_PORT  (pid $pid, log $CH_LOG)"
    return 1
  fi
  if [[ -e "$CH_PID" ]]; then
    echo "clickhouse  down      (stale pid file $CH_PID; log $CH_LOG)"
  elif port_open "$CH_HTTP_PORT"; then
    echo "clickhouse  foreign   127.0.0.1:$CH_HTTP_PORT is taken by a process this script did not start"
  else
    echo "clickhouse  down"
  fi
  return 1
}

# ---------------------------------------------------------------------------- secured pair

# secret NAME: a random password kept in $SEC_DIR/NAME (made on first use, owner-only).
secret() {
  local f="$SEC_DIR/$1"
  if [[ ! -s "$f" ]]; then
    mkdir -p "$SEC_DIR"
    chmod 700 "$SEC_DIR"
    (umask 077 && openssl rand -hex 16 >"$f.tmp" && mv -f "$f.tmp" "$f")
  fi
  cat "$f"
}

# ensure_certs: the local test CA, a server certificate for localhost / 127.0.0.1 (PEM for
# ClickHouse, PKCS12 for Kafka), a client certificate, and an unrelated CA; made once.
CERTS_VERSION=2 # made again when this changes
ensure_certs() {
  [[ "$(cat "$CERTS/.complete" 2>/dev/null)" == "$CERTS_VERSION" ]] && return 0
  command -v openssl >/dev/null 2>&1 || apt_install secured openssl
  local tmp="$CERTS.tmp" log="$SEC_DIR/certs.log" kspw
  kspw="$(secret keystore-password)"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  say "secured: making the local test CA and certificates (log: $log)"
  {
    set -e
    cd "$tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ratel local test CA" \
      -keyout ca.key -out ca.pem
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ratel unrelated test CA" \
      -keyout other-ca.key -out other-ca.pem
    # clientAuth too: the broker connects to itself with this certificate (inter-broker listener).
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.pem
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -nodes -subj "/CN=ratel" -keyout client.key -out client.csr
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out client.pem
    openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -name kafka \
      -out server.p12 -passout "pass:$kspw"
    rm -f ./*.csr ./*.ext ./*.srl
    chmod 600 ./*.key server.p12
  } >"$log" 2>&1 || die "secured: making the certificates failed (log: $log)$(last_error "$log")"
  rm -rf "$CERTS"
  mv "$tmp" "$CERTS"
  echo "$CERTS_VERSION" >"$CERTS/.complete"
}

skafka_marker() { echo "kafka.Kafka $SKAFKA_PROPS"; }

# Ready once the broker logged its start and the port accepts connections (TLS is spoken there).
skafka_ready() {
  port_open "$SKAFKA_PORT" && grep -aq 'Kafka Server started' "$SKAFKA_LOG" 2>/dev/null
}

skafka_up_start() {
  local stamp pw admin_pw
  clear_stale kafka-secured "$SKAFKA_PID" "$(skafka_marker)"
  pid_of "$SKAFKA_PID" "$(skafka_marker)" >/dev/null && return 0
  port_open "$SKAFKA_PORT" &&
    die "kafka-secured: port 127.0.0.1:$SKAFKA_PORT is already taken by a process this script did not start; stop it or set RATEL_KAFKA_SECURED_PORT"
  port_open "$SKAFKA_CONTROLLER_PORT" &&
    die "kafka-secured: controller port 127.0.0.1:$SKAFKA_CONTROLLER_PORT is already taken; stop that process or set RATEL_KAFKA_SECURED_CONTROLLER_PORT"
  ensure_java
  ensure_kafka_jars
  ensure_certs
  pw="$(secret kafka-password)"
  admin_pw="$(secret kafka-admin-password)"
  mkdir -p "$SKAFKA_DIR"
  chmod 700 "$SKAFKA_DIR"
  (umask 077 && render "$HERE/kafka/server-secured.properties" "$SKAFKA_PROPS" \
    "PORT=$SKAFKA_PORT" "CONTROLLER_PORT=$SKAFKA_CONTROLLER_PORT" "DATA_DIR=$SKAFKA_DATA" \
    "CERT_DIR=$CERTS" "KEYSTORE_PASSWORD=$(secret keystore-password)" \
    "USER=ratel" "PASSWORD=$pw" "ADMIN_PASSWORD=$admin_pw")

  # SCRAM credentials live in the cluster metadata: written when the storage is formatted.
  stamp="kafka=$KAFKA_VERSION port=$SKAFKA_PORT controller=$SKAFKA_CONTROLLER_PORT users=$(printf '%s' "$pw$admin_pw" | sha256sum | cut -c1-16)"
  if [[ ! -f "$SKAFKA_DATA/meta.properties" || "$(cat "$SKAFKA_DIR/format.stamp" 2>/dev/null)" != "$stamp" ]]; then
    local cluster_id
    rm -rf "$SKAFKA_DATA"
    cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$SKAFKA_DIR/format.log" | tail -n1)"
    [[ -n "$cluster_id" ]] || die "kafka-secured: could not generate a cluster id (log: $SKAFKA_DIR/format.log)"
    say "kafka-secured: formatting KRaft storage with the SCRAM users (cluster id $cluster_id)"
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$SKAFKA_PROPS" --ignore-formatted \
      --add-scram "SCRAM-SHA-256=[name=ratel,password=$pw]" \
      --add-scram "SCRAM-SHA-512=[name=ratel,password=$pw]" \
      --add-scram "SCRAM-SHA-512=[name=admin,password=$admin_pw]" \
      >>"$SKAFKA_DIR/format.log" 2>&1 ||
      die "kafka-secured: formatting the storage failed (log: $SKAFKA_DIR/format.log)$(last_error "$SKAFKA_DIR/format.log")"
    echo "$stamp" >"$SKAFKA_DIR/format.stamp"
  fi

  [[ -f "$SKAFKA_LOG" ]] && mv -f "$SKAFKA_LOG" "$SKAFKA_LOG.1"
  say "kafka-secured: starting Apache Kafka $KAFKA_VERSION with SASL_SSL on 127.0.0.1:$SKAFKA_PORT (log: $SKAFKA_LOG)"
  (
    cd "$SKAFKA_DIR"
    # shellcheck disable=SC2016 # $$ and $@ belong to the child shell
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$SKAFKA_PID" \
      "$JAVA" "${KAFKA_JVM_OPTS[@]}" -cp "$KAFKA_LIBS/*" kafka.Kafka "$SKAFKA_PROPS" \
      </dev/null >"$SKAFKA_LOG" 2>&1 9>&- &
  )
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$SKAFKA_PID" ]] && break; sleep 0.02; done
}

skafka_up_wait() {
  if ! skafka_ready; then
    say "kafka-secured: waiting for the broker on 127.0.0.1:$SKAFKA_PORT (timeout ${KAFKA_TIMEOUT}s)"
    wait_ready "kafka-secured (127.0.0.1:$SKAFKA_PORT)" "$KAFKA_TIMEOUT" "$SKAFKA_PID" "$(skafka_marker)" "$SKAFKA_LOG" skafka_ready
  fi
  say "kafka-secured: up on 127.0.0.1:$SKAFKA_PORT (SASL_SSL, pid $(<"$SKAFKA_PID"))"
}

skafka_status() {
  local pid
  if pid="$(pid_of "$SKAFKA_PID" "$(skafka_marker)")"; then
    if skafka_ready; then
      echo "kafka-secured up      127.0.0.1:$SKAFKA_PORT  (SASL_SSL, pid $pid, log $SKAFKA_LOG)"
      return 0
    fi
    echo "kafka-secured starting 127.0.0.1:$SKAFKA_PORT  (pid $pid, log $SKAFKA_LOG)"
    return 1
  fi
  echo "kafka-secured down"
  return 1
}

sch_marker() { echo "--config-file=$SCH_CONFIG"; }

# /ping answers without a password; over HTTPS, checked against the local CA.
sch_ready() {
  [[ "$(curl -s -m 2 --cacert "$CERTS/ca.pem" "https://localhost:$SCH_HTTPS_PORT/ping" 2>/dev/null)" == "Ok." ]]
}

sch_up_start() {
  local cmd
  clear_stale clickhouse-secured "$SCH_PID" "$(sch_marker)"
  pid_of "$SCH_PID" "$(sch_marker)" >/dev/null && return 0
  port_open "$SCH_HTTPS_PORT" &&
    die "clickhouse-secured: port 127.0.0.1:$SCH_HTTPS_PORT is already taken by a process this script did not start; stop it or set RATEL_CLICKHOUSE_HTTPS_PORT"
  port_open "$SCH_TCP_PORT" &&
    die "clickhouse-secured: port 127.0.0.1:$SCH_TCP_PORT is already taken; stop that process or set RATEL_CLICKHOUSE_SECURED_TCP_PORT"
  command -v curl >/dev/null 2>&1 || apt_install clickhouse curl ca-certificates
  if ! cmd="$(ch_command)"; then
    apt_install clickhouse clickhouse-server clickhouse-client
    cmd="$(ch_command)" || die "clickhouse: clickhouse-server is still missing after apt-get install (log: $RUN/apt.log)"
  fi
  ensure_certs
  mkdir -p "$SCH_DIR"/{data,tmp,log,user_files,format_schemas}
  chmod 700 "$SCH_DIR"
  render "$HERE/clickhouse/config-secured.xml" "$SCH_CONFIG" \
    "CH_DIR=$SCH_DIR" "HTTPS_PORT=$SCH_HTTPS_PORT" "TCP_PORT=$SCH_TCP_PORT" "CERT_DIR=$CERTS"
  render "$HERE/clickhouse/users-secured.xml" "$SCH_DIR/users.xml" "USER=ratel" \
    "PASSWORD_SHA256=$(printf '%s' "$(secret clickhouse-password)" | sha256sum | cut -d' ' -f1)" \
    "ADMIN_PASSWORD_SHA256=$(printf '%s' "$(secret clickhouse-admin-password)" | sha256sum | cut -d' ' -f1)"
  say "clickhouse-secured: starting $cmd with HTTPS on 127.0.0.1:$SCH_HTTPS_PORT (log: $SCH_LOG)"
  [[ -f "$SCH_OUT" ]] && mv -f "$SCH_OUT" "$SCH_OUT.1"
  (
    cd "$SCH_DIR"
    # shellcheck disable=SC2086,SC2016 # $cmd may be "clickhouse server"; $$ is the child's
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$SCH_PID" \
      $cmd --config-file="$SCH_CONFIG" </dev/null >"$SCH_OUT" 2>&1 9>&- &
  )
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$SCH_PID" ]] && break; sleep 0.02; done
}

sch_up_wait() {
  if ! sch_ready; then
    say "clickhouse-secured: waiting for https://localhost:$SCH_HTTPS_PORT/ping (timeout ${CH_TIMEOUT}s)"
    wait_ready "clickhouse-secured (https://127.0.0.1:$SCH_HTTPS_PORT)" "$CH_TIMEOUT" "$SCH_PID" "$(sch_marker)" \
      "$SCH_ERRLOG:$SCH_OUT:$SCH_LOG" sch_ready
  fi
  say "clickhouse-secured: up on https://127.0.0.1:$SCH_HTTPS_PORT (pid $(<"$SCH_PID"))"
}

sch_status() {
  local pid
  if pid="$(pid_of "$SCH_PID" "$(sch_marker)")"; then
    if sch_ready; then
      echo "clickhouse-secured up      https://127.0.0.1:$SCH_HTTPS_PORT  (pid $pid, log $SCH_LOG)"
      return 0
    fi
    echo "clickhouse-secured starting https://127.0.0.1:$SCH_HTTPS_PORT  (pid $pid, log $SCH_LOG)"
    return 1
  fi
  echo "clickhouse-secured down"
  return 1
}

# ---------------------------------------------------------------------------- main

action="${1:-}"
target="${2:-all}"
[[ $# -le 2 ]] || usage
case "$target" in
  all) services=(kafka clickhouse) ;;
  kafka | clickhouse) services=("$target") ;;
  secured) services=(kafka-secured clickhouse-secured) ;;
  *) usage ;;
esac

lock() {
  mkdir -p "$RUN"
  exec 9>"$RUN/.services.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 600 9 || die "another 'deploy/services.sh' is still running (lock $RUN/.services.lock)"
  fi
}

case "$action" in
  up)
    lock
    # Start everything first, then wait: the two servers boot in parallel.
    for s in "${services[@]}"; do
      case "$s" in
        kafka) kafka_up_start ;;
        clickhouse) ch_up_start ;;
        kafka-secured) skafka_up_start ;;
        clickhouse-secured) sch_up_start ;;
      esac
    done
    for s in "${services[@]}"; do
      case "$s" in
        kafka) kafka_up_wait ;;
        clickhouse) ch_up_wait ;;
        kafka-secured) skafka_up_wait ;;
        clickhouse-secured) sch_up_wait ;;
      esac
    done
    ;;
  down)
    lock
    for s in "${services[@]}"; do
      case "$s" in
        kafka) stop kafka "$KAFKA_PID" "$(kafka_marker)" 60 ;;
        clickhouse) stop clickhouse "$CH_PID" "$(ch_marker)" 30 ;;
        kafka-secured) stop kafka-secured "$SKAFKA_PID" "$(skafka_marker)" 60 ;;
        clickhouse-secured) stop clickhouse-secured "$SCH_PID" "$(sch_marker)" 30 ;;
      esac
    done
    ;;
  status)
    rc=0
    for s in "${services[@]}"; do
      case "$s" in
        kafka) kafka_status || rc=3 ;;
        clickhouse) ch_status || rc=3 ;;
        kafka-secured) skafka_status || rc=3 ;;
        clickhouse-secured) sch_status || rc=3 ;;
      esac
    done
    exit "$rc"
    ;;
  *) usage ;;
esac
