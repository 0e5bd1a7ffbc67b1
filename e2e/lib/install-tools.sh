# Sourced by the e2e tests' install.sh scripts. Exit 3 means this machine cannot have the tools
# (the test is skipped, saying why); any other failure is a real error and fails the test.
# Set `tools` ("the browser test's tools") before sourcing.

# Exits 3 with a line saying what is missing.
cannot() {
    echo "cannot install ${tools}: $*"
    exit 3
}

# require_node MAJOR WHAT: node and npm on PATH, node at least MAJOR (WHAT needs it), or exit 3.
require_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        cannot "node and npm are not on PATH (Node.js $1 or newer is needed for $2)"
    fi
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    if (( major < $1 )); then
        cannot "node $(node --version) is too old; $2 needs Node.js $1 or newer"
    fi
}

# npm_pinned DIR PACKAGE: runs npm ci in DIR unless PACKAGE is installed at the version its
# package-lock.json pins; prints that version.
npm_pinned() {
    local pinned installed
    pinned=$(node -p 'require(process.argv[1]).packages["node_modules/" + process.argv[2]].version' "$1/package-lock.json" "$2")
    installed=$(node -p 'try { require(process.argv[1]).version } catch { "" }' "$1/node_modules/$2/package.json")
    if [[ $installed != "$pinned" ]]; then
        echo "installing $2 $pinned with npm ci" >&2
        (cd "$1" && npm ci --no-audit --no-fund --ignore-scripts >&2)
    fi
    echo "$pinned"
}
