"""Writes a FileDescriptorSet of the published TF Serving and KServe V2 protocol files, read from the descriptors
that their official Python packages ship (tensorflow-serving-api, kserve), with every dependency.

Usage: published_set.py KSERVE_WHEEL OUT.pb
"""
import importlib
import importlib.util
import sys
import zipfile

from google.protobuf import descriptor_pb2

TF_SERVING_MODULES = [
    "tensorflow_serving.apis.prediction_service_pb2",
    "tensorflow_serving.apis.model_service_pb2",
]


def load_kserve(wheel):
    with zipfile.ZipFile(wheel) as z:
        src = z.read("kserve/protocol/grpc/grpc_predict_v2_pb2.py")
    spec = importlib.util.spec_from_loader("grpc_predict_v2_pb2", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(src, "grpc_predict_v2_pb2.py", "exec"), module.__dict__)
    return module.DESCRIPTOR


def main(kserve_wheel, out):
    roots = [importlib.import_module(m).DESCRIPTOR for m in TF_SERVING_MODULES]
    roots.append(load_kserve(kserve_wheel))
    seen, ordered = set(), []

    def visit(fd):
        if fd.name in seen:
            return
        seen.add(fd.name)
        for dep in fd.dependencies:
            visit(dep)
        proto = descriptor_pb2.FileDescriptorProto()
        fd.CopyToProto(proto)
        ordered.append(proto)

    for fd in roots:
        visit(fd)
    s = descriptor_pb2.FileDescriptorSet(file=ordered)
    with open(out, "wb") as f:
        f.write(s.SerializeToString())
    for p in ordered:
        print(p.name)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
