#!/usr/bin/env bash
# Install what tinygrad_edu needs on a fresh Debian/Ubuntu machine with Python >= 3.10:
# Graphviz's `dot` (and, with WITH_CHROMIUM=1, Chromium and its chromedriver) with
# apt-get when missing and we are root, then the package with the extras named in $1
# (default: dev,docs) into
#   $PYTHON if set (any Python >= 3.10 with pip: yours to choose); else the project's
#   own virtualenv ./.venv, made with python3 on the first run, so that the README's
#   commands never modify your global Python (nor re-point an install in it).
# Prints that interpreter as its only line on stdout (messages go to stderr), so
# `py=$(bash scripts/install.sh)` runs the code with what was installed. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-dev,docs}"

say() { echo "$@" >&2; }
die() { say "error: $*"; exit 1; }

py="${PYTHON:-}"
make_venv=0
if [ -z "$py" ]; then
  command -v python3 >/dev/null 2>&1 || die "python3 not found: tinygrad_edu needs Python >= 3.10"
  py="$PWD/.venv/bin/python"
  [ -x "$py" ] || make_venv=1
fi
base="$py"; [ "$make_venv" = 1 ] && base=python3
"$base" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null \
  || die "$base is not Python >= 3.10 (set PYTHON to one that is)"

need_apt=()
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
if [ "${WITH_CHROMIUM:-0}" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium fonts-dejavu-core)
  command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
fi
if [ "$make_venv" = 1 ] && ! python3 -c "import ensurepip" 2>/dev/null; then
  need_apt+=(python3-venv)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${need_apt[*]} with apt-get ..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        "${need_apt[@]}"; } >/dev/null \
      || say "warning: apt-get could not install ${need_apt[*]}"
  else
    say "note: please install ${need_apt[*]} (e.g. 'sudo apt-get install ${need_apt[*]}')."
  fi
  command -v dot >/dev/null 2>&1 || say "note: without Graphviz's dot, graphs can only be" \
    "written as DOT source (render(..., format='dot')) and the tests that draw graphs skip."
fi

if [ "$make_venv" = 1 ]; then
  say "installing into a new virtualenv ./.venv (set PYTHON to use another interpreter)"
  python3 -m venv .venv || { rm -rf .venv; die "could not create ./.venv: install" \
    "python3-venv ('sudo apt-get install python3-venv') or set PYTHON to a Python with pip"; }
  echo "*" > .venv/.gitignore          # git ignores the virtualenv (as Python >= 3.13 does)
fi
"$py" -m pip install -q --disable-pip-version-check -e ".[${extras}]" >&2
if [ "$py" = "$PWD/.venv/bin/python" ]; then
  say "installed into ./.venv: run 'source .venv/bin/activate' to use python and tinygrad-edu"
fi
echo "$py"
