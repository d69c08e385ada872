#!/usr/bin/env bash
# Installs the Debian packages the workbench needs (only those missing) and builds `diffinst` in release mode.
# Safe to run again: it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenblas-dev libhdf5-dev libpng-dev libturbojpeg0-dev gnuplot-nox)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" != "--no-build" ]; then
    swift build -c release --product diffinst 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | grep -v "^\[" || true
    swift build -c release --product diffinst >/dev/null
fi
