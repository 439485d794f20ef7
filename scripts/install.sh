#!/usr/bin/env bash
# Install what tinygrad_edu needs on a fresh Debian/Ubuntu machine with Python >= 3.10:
# the Graphviz `dot` program (apt-get, when missing and we are root) and the Python
# package with the extras named in $1 (default: dev,docs). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-dev,docs}"
py="${PYTHON:-python3}"

need_apt=()
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
if [ "${WITH_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  need_apt+=(chromium fonts-dejavu-core)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need_apt[*]} with apt-get ..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "note: please install ${need_apt[*]} (e.g. 'sudo apt-get install ${need_apt[*]}');" \
         "without Graphviz's dot, graphs are produced as DOT source only" >&2
  fi
fi
"$py" -m pip install -q --disable-pip-version-check -e ".[${extras}]"
