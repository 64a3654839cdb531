#!/usr/bin/env bash
# End-to-end check of the virtual PIV harness with the real tools (pcscd, vpcd, OpenSC,
# yubico-piv-tool, openssl) and the yubikey crate smoke program. Starts two cards (serials
# 5437251 on 35963 and 5437252 on 35964) and stops them again; leaves pcscd to the caller
# unless it started it here. Prints each command before running it; exits non-zero on the
# first failure. Needs: pcscd vsmartcard-vpcd opensc yubico-piv-tool openssl cargo.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SUPPORT="$(dirname "$HERE")"
RUN_DIR="${KUSTODI_TEST_RUN:-/tmp/kustodi-test-run}"
WORK="$RUN_DIR/selftest"
MGM=010203040506070801020304050607080102030405060708
R0="Yubico YubiKey OTP+FIDO+CCID 00 00"
R1="Yubico YubiKey OTP+FIDO+CCID 00 01"
SMOKE_BIN="${CARGO_TARGET_DIR:-$HERE/smoke/target}/release/virtual-piv-smoke"
pass=0

run() { printf '\n$ %s\n' "$*"; "$@"; }
ok() { pass=$((pass + 1)); echo "  -> ok: $*"; }
fail() { echo "FAILED: $*" >&2; echo "selftest: $pass passed, 1 failed"; exit 1; }
for tool in opensc-tool yubico-piv-tool openssl; do
  command -v "$tool" >/dev/null || fail "$tool not installed"
done

started_pcscd=0
"$SUPPORT/pcscd.sh" status >/dev/null 2>&1 || started_pcscd=1
cleanup() {
  "$SUPPORT/virtual-piv.sh" stop --serial 5437251 >/dev/null 2>&1 || true
  "$SUPPORT/virtual-piv.sh" stop --serial 5437252 >/dev/null 2>&1 || true
  ((started_pcscd)) && "$SUPPORT/pcscd.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

# Fresh cards every run (a running card keeps its state).
"$SUPPORT/virtual-piv.sh" stop --port 35963 >/dev/null 2>&1 || true
"$SUPPORT/virtual-piv.sh" stop --port 35964 >/dev/null 2>&1 || true
run "$SUPPORT/virtual-piv.sh" start --serial 5437251 --port 35963 --attestation-out "$WORK/att"
run "$SUPPORT/virtual-piv.sh" start --serial 5437252 --port 35964 --version 5.2.7 --attestation-out "$WORK/att"

run opensc-tool -l | tee readers.txt
grep -q "Yes .*$R0" readers.txt && grep -q "Yes .*$R1" readers.txt || fail "readers without cards"
ok "two Yubico YubiKey readers with cards"

run opensc-tool -r 0 -s '00 A4 04 00 05 A0 00 00 03 08' | tee select.txt
grep -q "SW1=0x90, SW2=0x00" select.txt || fail "SELECT by 5-byte PIV AID"
ok "SELECT A0 00 00 03 08 -> 9000"

run yubico-piv-tool -r "$R0" -a status | tee status0.txt
grep -q "Version:.*5.4.3" status0.txt && grep -q "Serial Number:.*5437251" status0.txt || fail "status of card 0"
run yubico-piv-tool -r "$R1" -a status | tee status1.txt
grep -q "Version:.*5.2.7" status1.txt && grep -q "Serial Number:.*5437252" status1.txt || fail "status of card 1"
ok "yubico-piv-tool sees both serials and versions"

printf '\n$ pkcs15-tool -r 0 --dump 2>/dev/null | head -n 12\n'
pkcs15-tool -r 0 --dump 2>/dev/null | head -n 12 | tee dump.txt
grep -qi "piv_II" dump.txt || fail "OpenSC PIV driver"
ok "OpenSC binds its PIV driver"

for alg in ECCP256:9c RSA2048:9a ECCP384:9d; do
  a="${alg%%:*}" s="${alg##*:}"
  t0=$EPOCHREALTIME
  run yubico-piv-tool -r "$R0" -k"$MGM" -a generate -s "$s" -A "$a" -o "pub$s.pem"
  echo "  keygen $a: $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }') ms"
  run yubico-piv-tool -r "$R0" -a attest -s "$s" -o "att$s.pem"
  run yubico-piv-tool -r "$R0" -a read-certificate -s f9 -o f9.pem
  cat "$WORK/att/attestation-root.pem" f9.pem >chain.pem
  run openssl verify -partial_chain -CAfile chain.pem "att$s.pem" || fail "attestation $s does not verify"
  diff <(openssl x509 -in "att$s.pem" -noout -pubkey) "pub$s.pem" >/dev/null || fail "attested key != generated key ($s)"
  openssl x509 -in "att$s.pem" -noout -subject | grep -q "YubiKey PIV Attestation $s" || fail "subject of attestation $s"
  ok "$a in $s: attestation verifies against F9, is for the generated key"
done
run openssl verify -CAfile "$WORK/att/attestation-root.pem" f9.pem || fail "F9 not signed by the test root"
cmp <(openssl x509 -in f9.pem -outform der) <(openssl x509 -in "$WORK/att/attestation-f9-5437251.pem" -outform der) \
  || fail "F9 from the card differs from attestation-f9-5437251.pem"
ok "F9 (object 5FFF01) is signed by the test root and matches --attestation-out"

openssl x509 -in att9c.pem -outform der | openssl asn1parse -inform der | grep -A1 "41482" | tee ext.txt
grep -q "050403" ext.txt && grep -q "0203 52F743\|020352F743" ext.txt || fail "Yubico extensions"
ok "Yubico extensions: firmware 050403, serial 5437251"

if yubico-piv-tool -r "$R0" -a attest -s 9e -o /dev/null 2>/dev/null; then fail "attesting an empty slot succeeded"; fi
ok "attesting an empty slot fails"

run yubico-piv-tool -r "$R0" -a verify-pin -P 000000 || true
run yubico-piv-tool -r "$R0" -a status | grep "PIN tries" | tee tries.txt
grep -q "PIN tries left:.2" tries.txt || fail "wrong PIN did not count"
ok "wrong PIN counts (2 tries left), and card reset between sessions keeps the counter"

if [[ "${SKIP_SMOKE:-0}" != 1 ]]; then
  run cargo build --release --locked --manifest-path "$HERE/smoke/Cargo.toml" --quiet
  run "$SMOKE_BIN" 5437252 || fail "yubikey crate smoke"
  ok "yubikey crate opens card 5437252, keygen, metadata, attest, sign"
fi

echo
echo "selftest: $pass passed, 0 failed"
