#!/usr/bin/env bash
# Installs what the OpenAI SDK test needs: the official openai npm package as pinned by
# package-lock.json. Idempotent: a second run only checks.
# Exit 0: ready. Exit 3: this machine cannot have it (the last line says why; the test is skipped).
# Any other failure is a real error and fails the test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools="the OpenAI SDK test's tools"
. "$here/../../lib/install-tools.sh"

require_node 20 "the openai package"
pinned=$(npm_pinned "$here" openai)
echo "openai $pinned ready on node $(node --version)"
