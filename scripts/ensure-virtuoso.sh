#!/usr/bin/env bash
# Installs Debian's Virtuoso (virtuoso-opensource) for the remote-store tests (tests/test_remote_store.py)
# when it is missing and this machine can install Debian packages (root + apt-get). Never fails the
# build: without Virtuoso its tests skip and say why. The tests start their own private instance
# (tests/remote_stores.py); the Debian service itself is not used.
set -u
if command -v virtuoso-t >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: apt-get not available; Virtuoso tests will be skipped" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "note: not root and no sudo; cannot install Virtuoso; its tests will be skipped" >&2
    exit 0
  fi
fi
echo "installing Debian virtuoso-opensource for the remote-store tests ..." >&2
export DEBIAN_FRONTEND=noninteractive
( $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends virtuoso-opensource >/dev/null ) \
  || echo "warning: Virtuoso could not be installed; its tests will be skipped" >&2
# the package may start its own service on ports 1111/8890: the tests do not need it
if command -v service >/dev/null 2>&1 && [ -x /etc/init.d/virtuoso-opensource-7 ]; then
  $SUDO service virtuoso-opensource-7 stop >/dev/null 2>&1 || true
fi
exit 0
