#!/usr/bin/env bash
# Create .venv (if absent) and install styleforge with pinned dependencies (CPU torch, no torchvision).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]' 2>&1 \
  | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import styleforge, torch; print(f'styleforge {styleforge.__version__} ready (torch {torch.__version__})')"
