#!/usr/bin/env bash
# Install what the tests need (Graphviz, Chromium and chromedriver for the page tests, the dev
# and docs extras, PyTorch 2.13.0 for side-by-side checks), then run them;
# exits with pytest's status. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
py="$(WITH_CHROMIUM=1 bash scripts/install.sh dev,docs)"
# PyTorch is optional: the comparison tests skip cleanly without it.
"$py" -c "import torch" 2>/dev/null || "$py" -m pip install -q --disable-pip-version-check \
  torch==2.13.0 2>/dev/null || echo "note: torch==2.13.0 not installable here; torch comparisons will skip" >&2
exec "$py" -m pytest -q -rs "$@"   # -rs: say why anything skipped
