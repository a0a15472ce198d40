#!/usr/bin/env bash
# Installs what /docs and its browser test need: swagger-ui-dist and playwright-core, pinned in
# package-lock.json; with the argument "browser", a Chromium too (Debian's chromium) (playwright-core drives it:
# no browser download). Like dev/dynamolocal/install.sh installs Java: apt-get only on CI
# (CI=true) or as root, otherwise it says what to install. Safe to run again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi
# The names docs_test.go looks for: Debian's package, Ubuntu's, Google's build (GitHub's Ubuntu
# runners ship Google Chrome; Ubuntu's chromium package is only a snap wrapper).
have_browser() { command -v chromium || command -v chromium-browser || command -v google-chrome; } >/dev/null 2>&1
if [ "${1:-}" = "browser" ] && ! have_browser; then
  if [ "${CI:-}" = "true" ] || [ "$(id -u)" -eq 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y chromium
  else
    echo "chromium is not installed: the /docs browser test needs it (Debian/Ubuntu: sudo apt-get install -y chromium)" >&2
    exit 1
  fi
fi
