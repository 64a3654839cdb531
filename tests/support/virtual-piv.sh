#!/usr/bin/env bash
# Build, start and stop virtual PIV cards (tests/support/virtual-piv) in pcscd's vpcd readers.
#
#   tests/support/virtual-piv.sh build
#   tests/support/virtual-piv.sh start --serial N [--port P] [--version X.Y.Z] [--attestation-out DIR]
#   tests/support/virtual-piv.sh stop [--serial N | --port P]      # default: all cards we started
#   tests/support/virtual-piv.sh status
#
# start also starts pcscd (tests/support/pcscd.sh start, idempotent) and returns once the card
# is connected and visible to PC/SC. Every start is a factory-fresh card: PIN 123456,
# PUK 12345678, management key (3DES) 010203040506070801020304050607080102030405060708.
# Port 35963 is reader "Yubico YubiKey OTP+FIDO+CCID 00 00", 35964 is "... 00 01".
#
# State (pid, log per port) lives in $KUSTODI_TEST_RUN (default /tmp/kustodi-test-run)/virtual-piv.
# The test attestation root CA is kept in $KUSTODI_TEST_RUN/attestation-ca (shared by all cards
# of that run); --attestation-out (default $KUSTODI_TEST_RUN/attestation) receives
# attestation-root.pem and attestation-f9-<serial>.pem.
# Binary: $KUSTODI_VIRTUAL_PIV_BIN if set, else built with cargo into
# ${CARGO_TARGET_DIR:-tests/support/virtual-piv/target}/release/virtual-piv.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CRATE_DIR="$HERE/virtual-piv"
RUN_DIR="${KUSTODI_TEST_RUN:-/tmp/kustodi-test-run}"
STATE_DIR="$RUN_DIR/virtual-piv"
TARGET_DIR="${CARGO_TARGET_DIR:-$CRATE_DIR/target}"
BIN="${KUSTODI_VIRTUAL_PIV_BIN:-$TARGET_DIR/release/virtual-piv}"
BASE_PORT=35963
START_TIMEOUT="${KUSTODI_VIRTUAL_PIV_TIMEOUT:-20}"

die() { echo "virtual-piv.sh: $*" >&2; exit 1; }
log() { echo "virtual-piv.sh: $*" >&2; }
usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

card_pid() { # port -> pid of our live card on that port
  local f="$STATE_DIR/$1/pid" pid
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == virtual-piv ]] || return 1
  echo "$pid"
}

cmd_build() {
  if [[ -n "${KUSTODI_VIRTUAL_PIV_BIN:-}" ]]; then
    [[ -x "$BIN" ]] || die "KUSTODI_VIRTUAL_PIV_BIN=$BIN is not executable"
    return 0
  fi
  command -v cargo >/dev/null || die "cargo not found"
  log "building $CRATE_DIR (release; first build takes a few minutes, needs libclang-dev)"
  CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release --locked --manifest-path "$CRATE_DIR/Cargo.toml" \
    || die "build failed"
  [[ -x "$BIN" ]] || die "build produced no $BIN"
}

cmd_start() {
  local serial="" port="$BASE_PORT" version="5.4.3" att_out="$RUN_DIR/attestation"
  while (($#)); do
    case "$1" in
      --serial) serial="${2:?--serial needs a value}"; shift 2 ;;
      --port) port="${2:?--port needs a value}"; shift 2 ;;
      --version) version="${2:?--version needs a value}"; shift 2 ;;
      --attestation-out) att_out="${2:?--attestation-out needs a value}"; shift 2 ;;
      *) die "start: unknown argument $1" ;;
    esac
  done
  [[ "$serial" =~ ^[0-9]+$ ]] || die "start needs --serial N (decimal)"
  [[ "$port" =~ ^[0-9]+$ ]] || die "--port must be a number"
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "--version must be X.Y.Z"

  local dir="$STATE_DIR/$port" pid
  if pid="$(card_pid "$port")"; then
    if [[ "$(cat "$dir/serial" 2>/dev/null)" == "$serial" ]]; then
      log "card serial $serial already running on port $port (pid $pid)"
      return 0
    fi
    die "port $port already has our card serial $(cat "$dir/serial" 2>/dev/null) (pid $pid); stop it first: $0 stop --port $port"
  fi

  cmd_build
  "$HERE/pcscd.sh" start
  ss -Hltn "sport = :$port" | grep -q . \
    || die "nothing listens on vpcd port $port (pcscd.sh serves $BASE_PORT..; set KUSTODI_VPCD_READERS for more)"
  if ss -Htn state established "( dport = :$port )" | grep -q .; then
    die "another virtual card is already connected to vpcd port $port (not started by this script?)"
  fi

  mkdir -p "$dir"
  rm -f "$dir/pid" "$dir/serial"
  : >"$dir/log"
  local t0=$EPOCHREALTIME
  setsid "$BIN" --serial "$serial" --port "$port" --version "$version" \
    --attestation-ca "$RUN_DIR/attestation-ca" --attestation-out "$att_out" \
    >>"$dir/log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/pid"
  echo "$serial" >"$dir/serial"

  local deadline=$((SECONDS + START_TIMEOUT))
  until grep -q "virtual-piv ready" "$dir/log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$dir/log" >&2
      rm -f "$dir/pid"
      die "card (serial $serial, port $port) exited during start-up; log: $dir/log"
    fi
    ((SECONDS < deadline)) || { kill "$pid" 2>/dev/null || true; die "card not ready within ${START_TIMEOUT}s; log: $dir/log"; }
    sleep 0.05
  done
  # vpcd has the card once our TCP connection is up and pcscd has read the ATR; with the
  # reader index known (our pcscd: index = port - 35963), wait until PC/SC reports the card.
  local idx=$((port - BASE_PORT))
  if command -v opensc-tool >/dev/null && ((idx >= 0)); then
    until opensc-tool -r "$idx" -a 2>/dev/null | grep -qi '^3b:fd:13'; do
      ((SECONDS < deadline)) || die "card started (pid $pid) but PC/SC reader $idx shows no card; logs: $dir/log, $RUN_DIR/pcscd/pcscd.log"
      sleep 0.05
    done
  fi
  local ms
  ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
  log "card serial $serial version $version on vpcd port $port (reader index $idx), pid $pid, ready in ${ms} ms; log: $dir/log"
}

stop_port() { # port
  local port=$1 dir="$STATE_DIR/$1" pid
  if ! pid="$(card_pid "$port")"; then
    rm -f "$dir/pid"
    return 1
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 5))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
  log "stopped card serial $(cat "$dir/serial" 2>/dev/null) on port $port (pid $pid)"
}

cmd_stop() {
  local want_serial="" want_port=""
  while (($#)); do
    case "$1" in
      --serial) want_serial="${2:?}"; shift 2 ;;
      --port) want_port="${2:?}"; shift 2 ;;
      *) die "stop: unknown argument $1" ;;
    esac
  done
  [[ -d "$STATE_DIR" ]] || { log "no cards"; return 0; }
  local d port stopped=0
  for d in "$STATE_DIR"/*/; do
    d="${d%/}"
    [[ -d "$d" ]] || continue
    port="$(basename "$d")"
    [[ -z "$want_port" || "$port" == "$want_port" ]] || continue
    [[ -z "$want_serial" || "$(cat "$d/serial" 2>/dev/null)" == "$want_serial" ]] || continue
    stop_port "$port" && stopped=$((stopped + 1))
  done
  ((stopped)) || log "no matching card running"
}

cmd_status() {
  local d port pid any=0
  for d in "$STATE_DIR"/*/; do
    d="${d%/}"
    [[ -d "$d" ]] || continue
    port="$(basename "$d")"
    if pid="$(card_pid "$port")"; then
      echo "port $port: serial $(cat "$d/serial") pid $pid (log $d/log)"
      any=1
    fi
  done
  ((any)) || { echo "no cards running"; return 3; }
}

cmd="${1:-}"
(($#)) && shift
case "$cmd" in
  build) cmd_build ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status ;;
  *) usage ;;
esac
