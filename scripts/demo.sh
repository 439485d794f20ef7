#!/usr/bin/env bash
# The main job: install what is needed, then train on the built-in digits and
# render the computation graph (outputs in ./demo_output).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh plots,datasets
exec "${PYTHON:-python3}" -m tinygrad_edu demo "$@"
