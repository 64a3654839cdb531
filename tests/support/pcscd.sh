#!/usr/bin/env bash
# Start/stop a pcscd whose readers are vsmartcard vpcd sockets, for virtual PIV cards.
#
#   tests/support/pcscd.sh start    # idempotent; reuses a pcscd that already serves vpcd
#   tests/support/pcscd.sh status   # exit 0 if a pcscd with the vpcd readers is up
#   tests/support/pcscd.sh stop     # stops only the pcscd this script started (pid file)
#
# State, pid file, reader config and log live in $KUSTODI_TEST_RUN (default
# /tmp/kustodi-test-run)/pcscd. Readers: $KUSTODI_VPCD_READERS (default 2) readers named
# "Yubico YubiKey OTP+FIDO+CCID" (tools such as yubico-piv-tool filter readers by that name),
# vpcd listening on 127.0.0.1 ports 35963, 35964, ... (vpcd's CHANNELID is the port).
#
# There is one pcscd per host (socket /run/pcscd/pcscd.comm). If another pcscd is running and
# serves the vpcd port, it is reused (and never stopped by this script); if it does not, start
# fails with a message instead of killing someone else's daemon.
set -euo pipefail

RUN_DIR="${KUSTODI_TEST_RUN:-/tmp/kustodi-test-run}"
STATE_DIR="$RUN_DIR/pcscd"
PID_FILE="$STATE_DIR/pcscd.pid"
LOG_FILE="$STATE_DIR/pcscd.log"
CONF_DIR="$STATE_DIR/reader.conf.d"
READERS="${KUSTODI_VPCD_READERS:-2}"
[[ "$READERS" =~ ^[1-9][0-9]?$ ]] || { echo "pcscd.sh: KUSTODI_VPCD_READERS must be 1..99" >&2; exit 2; }
READERS=$(( (READERS + 1) / 2 * 2 ))  # vpcd readers come in pairs
BASE_PORT=35963
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
READER_NAME="Yubico YubiKey OTP+FIDO+CCID"
START_TIMEOUT="${KUSTODI_PCSCD_TIMEOUT:-15}"

die() { echo "pcscd.sh: $*" >&2; exit 1; }
log() { echo "pcscd.sh: $*" >&2; }

port_listening() { # port
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

our_pid() { # prints the pid from our pid file if that process is a live pcscd
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == pcscd ]] || return 1
  echo "$pid"
}

other_pcscd_pids() { # pcscd processes other than ours
  local mine
  mine="$(our_pid || true)"
  pgrep -x pcscd | grep -vx "${mine:-none}" || true
}

write_config() {
  # One vpcd entry provides TWO readers ("... 00 00" on CHANNELID, "... 00 01" on CHANNELID+1):
  # Debian's libifdvpcd has two slots per reader and adds the slot number to the port. So the
  # entries use CHANNELID 35963, 35965, ... (a second entry on 35964 would collide).
  mkdir -p "$CONF_DIR"
  local i port name conf="$CONF_DIR/kustodi-vpcd"
  : >"$conf.tmp"
  for ((i = 0; i < (READERS + 1) / 2; i++)); do
    port=$((BASE_PORT + 2 * i))
    # Same FRIENDLYNAME twice would give duplicate reader names; number the extra pairs.
    name="$READER_NAME"
    ((i == 0)) || name="$READER_NAME #$((i + 1))"
    printf 'FRIENDLYNAME "%s"\nDEVICENAME   /dev/null:0x%X\nLIBPATH      %s\nCHANNELID    0x%X\n\n' \
      "$name" "$port" "$VPCD_DRIVER" "$port" >>"$conf.tmp"
  done
  mv "$conf.tmp" "$conf"
}

wait_ready() { # pid
  local pid=$1 deadline=$((SECONDS + START_TIMEOUT)) i
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOG_FILE" >&2; die "pcscd (pid $pid) exited during start-up; log: $LOG_FILE"; }
    if grep -q "daemon ready" "$LOG_FILE" 2>/dev/null; then
      local all=1
      for ((i = 0; i < READERS; i++)); do port_listening $((BASE_PORT + i)) || all=0; done
      ((all)) && return 0
    fi
    sleep 0.1
  done
  die "pcscd (pid $pid) not ready within ${START_TIMEOUT}s; log: $LOG_FILE"
}

cmd_start() {
  command -v pcscd >/dev/null || die "pcscd not installed (apt-get install -y pcscd vsmartcard-vpcd)"
  [[ -f "$VPCD_DRIVER" ]] || die "vpcd driver $VPCD_DRIVER missing (apt-get install -y vsmartcard-vpcd)"
  mkdir -p "$STATE_DIR"
  local pid
  if pid="$(our_pid)"; then
    port_listening "$BASE_PORT" || die "our pcscd (pid $pid) runs but vpcd port $BASE_PORT is not listening; try: $0 stop && $0 start"
    log "already running (pid $pid, ours)"
    return 0
  fi
  rm -f "$PID_FILE"
  local others
  others="$(other_pcscd_pids | xargs)"
  if [[ -n "${others// /}" ]]; then
    if port_listening "$BASE_PORT"; then
      log "reusing running pcscd (pid $others, not started by this script; stop will leave it alone)"
      return 0
    fi
    die "a pcscd is already running (pid $others) without a vpcd reader on port $BASE_PORT; only one pcscd can run per host. Stop it (whoever owns it) and retry."
  fi
  # A pcscd that was killed hard may leave its socket and pid file; pcscd refuses to start then.
  if [[ -e /run/pcscd/pcscd.comm ]]; then
    log "removing stale /run/pcscd/pcscd.comm (no pcscd process is running)"
    rm -f /run/pcscd/pcscd.comm /run/pcscd/pcscd.pid
  fi
  write_config
  : >"$LOG_FILE"
  # setsid: own session, so the daemon outlives this script and its terminal.
  setsid stdbuf -oL -eL pcscd --foreground --debug --apdu --config "$CONF_DIR" \
    >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid"
  log "started pcscd (pid $pid), $READERS vpcd reader(s) on ports $BASE_PORT..$((BASE_PORT + READERS - 1)); log: $LOG_FILE"
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    log "not running (no pcscd started by this script)"
    return 0
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "pcscd (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f /run/pcscd/pcscd.comm /run/pcscd/pcscd.pid
  fi
  # pcscd removes its socket while shutting down; wait until it is gone so a restart works.
  deadline=$((SECONDS + 5))
  while [[ -e /run/pcscd/pcscd.comm ]] && ((SECONDS < deadline)); do sleep 0.1; done
  rm -f "$PID_FILE"
  log "stopped pcscd (pid $pid)"
}

cmd_status() {
  local pid
  if pid="$(our_pid)"; then
    echo "running (pid $pid, started by this script; log $LOG_FILE)"
  elif [[ -n "$(other_pcscd_pids)" ]]; then
    echo "running (pid $(other_pcscd_pids | tr '\n' ' ')not started by this script)"
  else
    echo "not running"
    return 3
  fi
  local i port
  for ((i = 0; i < READERS; i++)); do
    port=$((BASE_PORT + i))
    if port_listening "$port"; then echo "vpcd port $port: listening"; else echo "vpcd port $port: NOT listening"; fi
  done
  port_listening "$BASE_PORT" || return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart) cmd_stop; sleep 1; cmd_start ;;
  *) echo "usage: $0 start|stop|status|restart   (state: \$KUSTODI_TEST_RUN, default /tmp/kustodi-test-run)" >&2; exit 2 ;;
esac
