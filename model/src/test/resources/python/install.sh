#!/usr/bin/env bash
# Makes a Python virtual environment with requirements.txt (beside this script) for the tests that
# run transformers on our exports, and prints its python as the last line. Idempotent: a ready
# environment is only checked. Wheels come from the machine's local wheel folders when it has them
# (these machines reach no Python index), else from pip's configured index.
# Exit 0: ready. Exit 3: this machine cannot have these packages (the last line says why; the test
# is skipped). Any other failure is a real error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${OSPREY_PYTHON_ENV:-$HOME/.cache/osprey/python-transformers}
requirements=$here/requirements.txt

cannot() {
    echo "cannot install the transformers test's packages: $*"
    exit 3
}

command -v python3 >/dev/null || cannot "python3 is not on PATH"
stamp=$venv/requirements.txt
if [[ -x $venv/bin/python ]] && cmp -s "$requirements" "$stamp"; then
    echo "$venv/bin/python"
    exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv" >/dev/null 2>&1 || cannot "python3 -m venv failed (Debian needs python3-venv)"
sources=()
for folder in /opt/wheels /opt/pypi/files /opt/pypi-more/files; do
    [[ -d $folder ]] && sources+=(--find-links "$folder")
done
if (( ${#sources[@]} > 0 )); then
    sources=(--no-index "${sources[@]}")
fi
log=$(mktemp)
if ! "$venv/bin/pip" install --disable-pip-version-check -q "${sources[@]}" -r "$requirements" >"$log" 2>&1; then
    reason=$(grep -m1 -E "ERROR|No matching distribution" "$log" || tail -n1 "$log")
    rm -rf "$venv" "$log"
    cannot "pip could not install $(grep -v '^#' "$requirements" | tr '\n' ' ')($reason)"
fi
rm -f "$log"
cp "$requirements" "$stamp"
echo "$venv/bin/python"
