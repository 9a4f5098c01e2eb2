#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing and this machine can install
# Debian packages (root + apt-get). Never fails the build: without chromium the browser tests skip
# and say why.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: apt-get not available; browser tests will be skipped" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "note: not root and no sudo; cannot install chromium; browser tests will be skipped" >&2
    exit 0
  fi
fi
echo "installing Debian chromium for the browser tests ..." >&2
export DEBIAN_FRONTEND=noninteractive
( $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null ) \
  || echo "warning: chromium could not be installed; browser tests will be skipped" >&2
exit 0
