#!/usr/bin/env bash
# Install what the tests need (Graphviz, Chromium for the frame-viewer test, the dev
# and docs extras, PyTorch's local CPU wheel for side-by-side checks), then run them.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_CHROMIUM=1 bash scripts/install.sh dev,docs
py="${PYTHON:-python3}"
# PyTorch is optional: the comparison tests skip cleanly without it.
"$py" -c "import torch" 2>/dev/null || "$py" -m pip install -q --disable-pip-version-check \
  torch==2.13.0 2>/dev/null || echo "note: torch==2.13.0 not installable here; torch comparisons will skip"
exec "$py" -m pytest -q "$@"
