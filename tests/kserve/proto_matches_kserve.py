"""Checks that the Open Inference Protocol docclass serves is KServe's, field for field: the
file descriptor of package `inference` that the server's reflection serves (written by
`grpcurl -protoset-out`) against the one compiled into KServe's own Python SDK
(kserve/protocol/grpc/grpc_predict_v2_pb2.py in the `kserve` wheel from PyPI, read from the
wheel without installing it). Services, methods, messages, fields (name, number, type, label,
type name, oneof) and map entries must match; comments may differ. KServe's model repository
extension (RepositoryModelLoad/RepositoryModelUnload and their messages) is not served by
docclass, which loads every model of its directory and reloads them all at once; it is
listed, not compared.

Run by tests/kserve/run.sh. Exits 1 with the differences if any.
"""

import argparse
import ast
import sys
import zipfile

from google.protobuf import descriptor_pb2

PB2 = "kserve/protocol/grpc/grpc_predict_v2_pb2.py"


def kserve_descriptor(wheel):
    source = zipfile.ZipFile(wheel).read(PB2).decode()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "AddSerializedFile":
            return descriptor_pb2.FileDescriptorProto.FromString(node.args[0].value)
    sys.exit(f"no serialized descriptor in {wheel}:{PB2}")


def served_descriptor(protoset):
    files = descriptor_pb2.FileDescriptorSet.FromString(open(protoset, "rb").read()).file
    for file in files:
        if file.package == "inference":
            return file
    sys.exit(f"no package inference in {protoset}: {[f.name for f in files]}")


def messages(message, prefix, out):
    name = f"{prefix}.{message.name}"
    out.append((name, "map_entry", message.options.map_entry))
    out.append((name, "oneofs", [o.name for o in message.oneof_decl]))
    for field in message.field:
        out.append((name, field.name, field.number, field.type, field.label, field.type_name,
                    field.oneof_index if field.HasField("oneof_index") else None))
    for nested in message.nested_type:
        messages(nested, name, out)
    for enum in message.enum_type:
        out.append((name, enum.name, [(v.name, v.number) for v in enum.value]))


def canonical(file):
    out = [("package", file.package), ("syntax", file.syntax)]
    for service in file.service:
        for method in service.method:
            out.append((service.name, method.name, method.input_type, method.output_type,
                        method.client_streaming, method.server_streaming))
    for message in file.message_type:
        messages(message, "", out)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kserve-wheel", required=True)
    parser.add_argument("--served", required=True, help="protoset written by grpcurl")
    args = parser.parse_args()
    theirs = canonical(kserve_descriptor(args.kserve_wheel))
    ours = canonical(served_descriptor(args.served))
    repository = [e for e in theirs if any(str(part).lstrip(".").startswith("Repository") for part in e[:2])]
    theirs = [e for e in theirs if e not in repository]
    names = sorted({str(e[1]) for e in repository if e[0] == "GRPCInferenceService"})
    print(f"not served: KServe's model repository extension ({', '.join(names)})")
    missing = [entry for entry in theirs if entry not in ours]
    extra = [entry for entry in ours if entry not in theirs]
    for entry in missing:
        print(f"FAILED: KServe has {entry}, docclass does not")
    for entry in extra:
        print(f"FAILED: docclass has {entry}, KServe does not")
    if missing or extra:
        print("proto matches KServe: 0 passed, 1 failed")
        sys.exit(1)
    print(f"ok: {len(theirs)} entries (methods, messages, fields) identical to KServe's")
    print("proto matches KServe: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
