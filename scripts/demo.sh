#!/usr/bin/env bash
# The main job: install what is needed, then train on the built-in digits and
# render the computation graph (outputs in ./demo_output).
set -euo pipefail
cd "$(dirname "$0")/.."
py="$(bash scripts/install.sh plots,datasets)"
exec "$py" -m tinygrad_edu demo "$@"
