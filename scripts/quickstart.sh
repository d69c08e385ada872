#!/usr/bin/env bash
# Sets up the machine, builds, and runs the quickstart experiment on built-in synthetic data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.build/release/diffinst demo
