#!/usr/bin/env bash
# Install what the tests need (Debian packages + the project with its test extras) and run them.
# Default run: everything except the suites marked slow. `scripts/test.sh -m slow` runs those.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  need=""
  [ -x /usr/bin/chromium ] || need="$need chromium"
  fc-list 2>/dev/null | grep -q "Noto Serif CJK" || need="$need fonts-noto-cjk"
  fc-list 2>/dev/null | grep -qi "uming" || need="$need fonts-arphic-uming"
  if [ -n "$need" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
fi
python3 -m pip install -q -e '.[test,cluster]'
exec python3 -m pytest -q "$@"
