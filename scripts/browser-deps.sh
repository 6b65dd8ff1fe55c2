#!/usr/bin/env bash
# Installs what the front end's browser tests need, idempotently: Debian's chromium
# (driven by playwright-core; `npx playwright install` cannot download a browser here)
# and fonts-noto-cjk (without it Chinese renders as boxes in screenshots).
# apt-get update runs only when the install fails without it. Prints chromium's version.
set -euo pipefail

pkgs=(chromium fonts-noto-cjk)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  echo "browser-deps: installing ${missing[*]}" >&2
  if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
    echo "browser-deps: install failed, running apt-get update and retrying" >&2
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

if [[ ! -x /usr/bin/chromium ]]; then
  echo "browser-deps: /usr/bin/chromium is missing after install" >&2
  exit 1
fi
/usr/bin/chromium --version
