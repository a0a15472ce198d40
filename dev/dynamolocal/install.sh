#!/usr/bin/env bash
# Installs what the functions tests need to run DynamoDB Local: the pinned npm package
# that ships DynamoDBLocal.jar, and on CI a Java runtime. Safe to run again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/emulator"
if [ ! -f node_modules/amplify-dynamodb-simulator/emulator/DynamoDBLocal.jar ]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi
if ! command -v java >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y openjdk-17-jre-headless
  else
    echo "java is not installed: install a Java 17+ runtime (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless)" >&2
    exit 1
  fi
fi
