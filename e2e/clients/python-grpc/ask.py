"""Asks the gateway over osprey.v1.RegionService from Python, with Debian's grpcio and stubs
generated from proto/ now; PythonGrpcClientIT writes the plan and checks the record.

    python3 ask.py --proto-dir DIR --plan PLAN.json --out RESULT.json

PLAN: {"target": "127.0.0.1:PORT", "api_key": "..." or null, "image": "path of a PNG or JPEG",
       "asks": [{"name": ..., "request": AskRequest in proto3 JSON}]}
The image is uploaded once (UploadImage); a request without an image asks about it by its id.
Every ask's record is {"name", "events": [AnswerEvent as proto3 JSON, ...]} or, when the call
failed, {"name", "events": [...so far], "error": {"code": "NOT_FOUND", "details": "..."}}.
"""
import argparse
import importlib
import json
import pathlib
import subprocess
import sys
import tempfile

import grpc
from google.protobuf import json_format

PROTO = "osprey/v1/region_service.proto"


def generate_stubs(proto_dir, out_dir):
    """Python modules for the public API, made by protoc and the gRPC Python plugin."""
    subprocess.run(["protoc", f"-I{proto_dir}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}",
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", PROTO], check=True)
    sys.path.insert(0, str(out_dir))
    return (importlib.import_module("osprey.v1.region_service_pb2"),
            importlib.import_module("osprey.v1.region_service_pb2_grpc"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proto-dir", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    plan = json.loads(pathlib.Path(args.plan).read_text())
    with tempfile.TemporaryDirectory() as stubs:
        messages, services = generate_stubs(args.proto_dir, stubs)
        metadata = [("x-api-key", plan["api_key"])] if plan.get("api_key") else []
        with grpc.insecure_channel(plan["target"]) as channel:
            stub = services.RegionServiceStub(channel)
            image = pathlib.Path(plan["image"]).read_bytes()
            uploaded = stub.UploadImage(messages.UploadImageRequest(image=image), timeout=120, metadata=metadata)
            record = {"grpc": grpc.__version__, "upload": json_format.MessageToDict(uploaded, preserving_proto_field_name=True),
                      "asks": []}
            for ask in plan["asks"]:
                request = json_format.ParseDict(ask["request"], messages.AskRequest())
                if not request.HasField("image"):
                    request.image.image_id = uploaded.image_id
                events = []
                answer = {"name": ask["name"], "events": events}
                try:
                    for event in stub.Ask(request, timeout=120, metadata=metadata):
                        events.append(json_format.MessageToDict(event, preserving_proto_field_name=True))
                except grpc.RpcError as e:
                    answer["error"] = {"code": e.code().name, "details": e.details()}
                record["asks"].append(answer)
    pathlib.Path(args.out).write_text(json.dumps(record, indent=2))
    print(f"asked {len(plan['asks'])} questions over gRPC with grpcio {grpc.__version__}")


if __name__ == "__main__":
    main()
