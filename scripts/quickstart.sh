#!/usr/bin/env bash
# Sets up the machine (missing Debian packages), builds in release mode, then runs the quickstart
# experiment (Experiments/quickstart.toml: a reduced DiffusionInst on built-in synthetic shapes, a few
# minutes on 2 cores): trains, evaluates COCO segm/bbox AP, and draws the run's plots with gnuplot.
# Extra arguments are config overrides, e.g. `./scripts/quickstart.sh train.max_steps=300`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bin=.build/release/diffinst
"$bin" train quickstart "$@"
"$bin" plot quickstart
echo "quickstart: run folder (config, manifest, metrics.h5, checkpoints, plots/) is the newest under Results/quickstart/"
echo "quickstart: for a rendered walkthrough with a report: $bin notebook Notebooks/quickstart.md"
