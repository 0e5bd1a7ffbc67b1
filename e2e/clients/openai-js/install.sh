#!/usr/bin/env bash
# Installs what the OpenAI SDK test needs: the official openai npm package as pinned by
# package-lock.json. Idempotent: a second run only checks.
# Exit 0: ready. Exit 3: this machine cannot have it (the last line says why; the test is skipped).
# Any other failure is a real error and fails the test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

cannot() {
    echo "cannot install the OpenAI SDK test's tools: $*"
    exit 3
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    cannot "node and npm are not on PATH (Node.js 20 or newer is needed for the openai package)"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if (( node_major < 20 )); then
    cannot "node $(node --version) is too old; the openai package needs Node.js 20 or newer"
fi

pinned=$(node -p 'require(process.argv[1]).packages["node_modules/openai"].version' "$here/package-lock.json")
installed=$(node -p 'try { require(process.argv[1]).version } catch { "" }' "$here/node_modules/openai/package.json")
if [[ $installed != "$pinned" ]]; then
    echo "installing openai $pinned with npm ci"
    (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts)
fi
echo "openai $pinned ready on node $(node --version)"
