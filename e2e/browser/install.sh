#!/usr/bin/env bash
# Installs what the web demo's browser test needs: Debian's Chromium (/usr/bin/chromium) and
# playwright-core as pinned by package-lock.json. Idempotent: a second run only checks.
# Exit 0: ready. Exit 3: this machine cannot have the browser (the last line says why; the test is
# skipped). Any other failure is a real error and fails the test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
chromium=${OSPREY_CHROMIUM:-/usr/bin/chromium}

tools="the browser test's tools"
. "$here/../lib/install-tools.sh"

require_node 20 "playwright-core"

if [[ ! -x $chromium ]]; then
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
        cannot "$chromium is missing and apt-get (as root) is not available to install Debian's chromium"
    fi
    echo "installing Debian's chromium with apt-get"
    # The package lists may be missing or stale on a fresh machine.
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation
fi
"$chromium" --version

# No browser download: playwright-core drives the Chromium above.
pinned=$(npm_pinned "$here" playwright-core)
echo "playwright-core $pinned ready"
