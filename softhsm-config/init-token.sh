#!/usr/bin/env bash
# Idempotent SoftHSM2 set-up for Keyward: installs SoftHSM2 when it is missing, renders the config template
# into a project-local state directory and initialises one token there. Safe to run any number of times.
#
#   init-token.sh [--dir DIR] [--label LABEL] [--quiet]
#
# DIR defaults to $KEYWARD_HOME/.keyward/softhsm (KEYWARD_HOME defaults to the repository root).
# PINs come from KEYWARD_HSM_PIN / KEYWARD_HSM_SO_PIN when set; otherwise they are generated once into
# DIR/secrets.env (mode 600; .keyward/ is git-ignored) and reused afterwards.
# On success it prints KEY=VALUE lines on stdout for the caller to export:
#   SOFTHSM2_CONF, KEYWARD_HSM_LIBRARY, KEYWARD_HSM_TOKEN_LABEL, KEYWARD_HSM_PIN, KEYWARD_HSM_SO_PIN_FILE (when the
#   PINs are in DIR/secrets.env), and SoftHSM2's capability
#   settings KEYWARD_HSM_AES_KWP_MECHANISM and KEYWARD_HSM_AES_KWP_WRAPS_EXACT_LENGTH
# Diagnostics go to stderr, never the PINs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${KEYWARD_HOME:-$(cd "$here/.." && pwd)}"
dir="$root/.keyward/softhsm"
label="${KEYWARD_HSM_TOKEN_LABEL:-keyward}"
quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --label) label="$2"; shift 2 ;;
    --quiet) quiet=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "init-token.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "init-token: $*" >&2; }

find_library() {
  local c
  for c in "${KEYWARD_HSM_LIBRARY:-}" /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
           /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
    [ -n "$c" ] && [ -f "$c" ] && { echo "$c"; return 0; }
  done
  return 1
}

if ! command -v softhsm2-util >/dev/null 2>&1 || ! find_library >/dev/null; then
  say "SoftHSM2 is missing; installing the Debian package softhsm2"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq >&2
  $sudo_cmd apt-get install -y -qq softhsm2 >&2
fi
lib="$(find_library)" || { echo "init-token: libsofthsm2.so not found after install" >&2; exit 1; }

mkdir -p "$dir/tokens"
chmod 700 "$dir"
conf="$dir/softhsm2.conf"
sed "s#@TOKEN_DIR@#$dir/tokens#" "$here/softhsm2.conf.template" > "$conf.tmp"
mv "$conf.tmp" "$conf"
export SOFTHSM2_CONF="$conf"

secrets="$dir/secrets.env"
generated=0
if [ -z "${KEYWARD_HSM_PIN:-}" ] || [ -z "${KEYWARD_HSM_SO_PIN:-}" ]; then
  if [ ! -f "$secrets" ]; then
    umask 077
    {
      echo "KEYWARD_HSM_PIN=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
      echo "KEYWARD_HSM_SO_PIN=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    } > "$secrets"
    generated=1
    say "generated PINs into $secrets"
  fi
  # shellcheck disable=SC1090
  . "$secrets"
fi
: "${KEYWARD_HSM_PIN:?}" "${KEYWARD_HSM_SO_PIN:?}"

if softhsm2-util --show-slots 2>/dev/null | grep -Eq "^[[:space:]]*Label:[[:space:]]+$label[[:space:]]*$"; then
  if [ "$generated" = 1 ]; then
    echo "init-token: token '$label' exists in $dir/tokens but its PINs were not in $secrets;" \
         "set KEYWARD_HSM_PIN and KEYWARD_HSM_SO_PIN, or remove $dir to start over (its keys are lost)" >&2
    rm -f "$secrets"
    exit 1
  fi
  say "token '$label' already initialised in $dir/tokens"
else
  softhsm2-util --init-token --free --label "$label" --pin "$KEYWARD_HSM_PIN" --so-pin "$KEYWARD_HSM_SO_PIN" >/dev/null
  say "initialised token '$label' in $dir/tokens"
fi

echo "SOFTHSM2_CONF=$conf"
echo "KEYWARD_HSM_LIBRARY=$lib"
echo "KEYWARD_HSM_TOKEN_LABEL=$label"
echo "KEYWARD_HSM_PIN=$KEYWARD_HSM_PIN"
# Not the SO PIN itself: the file that holds it, which Keyward reads once to make the token's trusted backup key
# (crypto-hsm KeyBackup, docs/key-backup.md) when the token has none. PINs given by the environment have no file.
if [ -f "$secrets" ]; then echo "KEYWARD_HSM_SO_PIN_FILE=$secrets"; fi
# SoftHSM2's capabilities, measured by crypto-hsm's KnownAnswerTest: RFC 5649 wrap is mechanism 0x210A, and its
# C_WrapKey pads the input first, which is not RFC 5649 for lengths that are not a multiple of 8.
echo "KEYWARD_HSM_AES_KWP_MECHANISM=0x210A"
echo "KEYWARD_HSM_AES_KWP_WRAPS_EXACT_LENGTH=false"
