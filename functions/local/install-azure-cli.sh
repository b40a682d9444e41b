#!/usr/bin/env bash
# Installs Debian's azure-cli package for AzCliWalkthroughTest when az is missing and apt-get can be used (root, or
# sudo without a password), as softhsm-config/init-token.sh does for SoftHSM2. Never fails the caller's build: where
# it cannot install, it says why on stderr and the test skips. KEYWARD_SKIP_AZURE_CLI=1 leaves the machine alone.
set -uo pipefail
say() { echo "install-azure-cli: $*" >&2; }
command -v az >/dev/null 2>&1 && exit 0
[ "${KEYWARD_SKIP_AZURE_CLI:-0}" = 1 ] && { say "KEYWARD_SKIP_AZURE_CLI=1: not installing; the az walk-through test skips"; exit 0; }
command -v apt-get >/dev/null 2>&1 || { say "no apt-get here: install the Azure CLI yourself to run the az walk-through test"; exit 0; }
sudo_cmd=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd="sudo -n"
  else
    say "not root and no password-less sudo: not installing azure-cli; the az walk-through test skips"
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
say "installing the Debian package azure-cli (for the az walk-through test)"
# a fresh machine may have no package lists yet: update once when the first try fails
if ! $sudo_cmd apt-get install -y -qq azure-cli >/dev/null 2>&1; then
  $sudo_cmd apt-get update -qq >&2 && $sudo_cmd apt-get install -y -qq azure-cli >/dev/null \
    || { say "apt-get could not install azure-cli; the az walk-through test skips"; exit 0; }
fi
command -v az >/dev/null 2>&1 && say "installed: azure-cli $(dpkg-query -W -f='${Version}' azure-cli 2>/dev/null)"
exit 0
