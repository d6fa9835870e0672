#!/bin/sh
# Install the project's locked environment into .venv. The one install recipe: the README, .ci/run
# and both GitHub workflows call this script.
#
#   ./install.sh          everything in requirements.txt: the site, the tests and the lint
#   ./install.sh build    only what building the site needs (requirements-build.txt): the deploy job
#
# The locks are for CPython 3.11 on Linux x86-64 (the project's machines, GitHub's runners, WSL).
# Elsewhere, install the direct pins instead: .venv/bin/pip install -r requirements.in
set -eu
cd "$(dirname "$0")"

case "${1:-all}" in
  all) lock=requirements.txt ;;
  build) lock=requirements-build.txt ;;
  *) echo "usage: ./install.sh [build]" >&2; exit 2 ;;
esac

python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || {
  echo "install.sh: the lock is for Python 3.11; python3 is $(python3 -V 2>&1)" >&2
  exit 1
}
python3 -m venv .venv
pip=".venv/bin/pip --disable-pip-version-check"

# torch is locked to its CPU build (torch==X+cpu). That wheel is on PyTorch's own index, not on
# PyPI, whose Linux build pulls several GB of CUDA packages; so install it from there first, on
# its own. The project's machines carry the wheel and cannot reach that index: pip's own
# configuration finds it there, and this step is skipped.
torch=$(grep -E '^torch==' "$lock")
if python3 -c 'import socket; socket.getaddrinfo("download.pytorch.org", 443)' 2>/dev/null; then
  $pip install --no-deps --index-url https://download.pytorch.org/whl/cpu "$torch"
fi
$pip install -r "$lock"
