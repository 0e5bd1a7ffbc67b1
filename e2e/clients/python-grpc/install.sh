#!/usr/bin/env bash
# Installs what the Python gRPC client test needs, all from Debian: python3-grpcio (the client),
# python3-protobuf, and protoc with the gRPC Python plugin (protobuf-compiler, protobuf-compiler-grpc)
# to generate the stubs from proto/ at test time. Not python3-grpc-tools: in Debian 12 it bundles
# protoc 3.5.1, which refuses proto3 `optional` fields (osprey.v1.Sampling has them).
# Idempotent: a second run only checks.
# Exit 0: ready. Exit 3: this machine cannot have them (the last line says why; the test is skipped).
# Any other failure is a real error and fails the test.
set -euo pipefail
python=${OSPREY_PYTHON:-/usr/bin/python3}

tools="the Python gRPC client test's tools"
. "$(cd "$(dirname "$0")" && pwd)/../../lib/install-tools.sh"

ready() {
    [[ -x $python ]] && "$python" -c 'import grpc, google.protobuf' 2>/dev/null \
        && command -v protoc >/dev/null && [[ -x /usr/bin/grpc_python_plugin ]]
}

if ! ready; then
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
        cannot "$python with grpc, protoc or /usr/bin/grpc_python_plugin is missing and apt-get (as root) is not available"
    fi
    echo "installing Debian's python3-grpcio, python3-protobuf, protobuf-compiler and protobuf-compiler-grpc with apt-get"
    # The package lists may be missing or stale on a fresh machine.
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-grpcio python3-protobuf \
        protobuf-compiler protobuf-compiler-grpc
    if ! ready; then
        echo "$python still cannot import grpc, or protoc or the plugin is missing, after the install"
        exit 1
    fi
fi
echo "grpcio $("$python" -c 'import grpc; print(grpc.__version__)') with $(protoc --version) ready for $python"
