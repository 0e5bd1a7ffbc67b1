#!/usr/bin/env bash
# Installs what the web demo's browser test needs: Debian's Chromium (/usr/bin/chromium) and
# playwright-core as pinned by package-lock.json. Idempotent: a second run only checks.
# Exit 0: ready. Exit 3: this machine cannot have the browser (the last line says why; the test is
# skipped). Any other failure is a real error and fails the test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
chromium=${OSPREY_CHROMIUM:-/usr/bin/chromium}

cannot() {
    echo "cannot install the browser test's tools: $*"
    exit 3
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    cannot "node and npm are not on PATH (Node.js 20 or newer is needed for playwright-core)"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if (( node_major < 20 )); then
    cannot "node $(node --version) is too old; playwright-core needs Node.js 20 or newer"
fi

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

pinned=$(node -p 'require(process.argv[1]).packages["node_modules/playwright-core"].version' "$here/package-lock.json")
installed=$(node -p 'try { require(process.argv[1]).version } catch { "" }' "$here/node_modules/playwright-core/package.json")
if [[ $installed != "$pinned" ]]; then
    echo "installing playwright-core $pinned with npm ci"
    # No browser download: playwright-core drives the Chromium above.
    (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts)
fi
echo "playwright-core $pinned ready"
