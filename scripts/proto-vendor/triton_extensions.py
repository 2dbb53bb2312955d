"""Adds Triton's model configuration and statistics extensions to the KServe V2 file of a FileDescriptorSet.

KServe's grpc_predict_v2.proto (the Open Inference Protocol) leaves out two calls that Triton's own
grpc_service.proto has in the same service, inference.GRPCInferenceService, and that its clients
(tritonclient.grpc get_model_config / get_inference_statistics) send: ModelConfig and ModelStatistics. This copies
them from the descriptors tritonclient==2.63.0 ships (tritonclient/grpc/service_pb2.py, model_config_pb2.py), with
the messages they use, into grpc_predict_v2.proto, and adds Triton's model_config.proto as published. Names, field
numbers and types are Triton's, so the calls are wire-compatible with Triton's clients; the rest of the file stays
KServe's (whose repository messages differ from Triton's).

Usage: triton_extensions.py SET.pb   (rewritten in place; needs tritonclient==2.63.0 in the venv)
"""
import sys

from google.protobuf import descriptor_pb2
from tritonclient.grpc import model_config_pb2, service_pb2

METHODS = ["ModelConfig", "ModelStatistics"]
MESSAGES = ["ModelConfigRequest", "ModelConfigResponse", "ModelStatisticsRequest", "ModelStatisticsResponse",
            "StatisticDuration", "InferStatistics", "InferResponseStatistics", "InferBatchStatistics", "MemoryUsage",
            "ModelStatistics"]


def main(path):
    s = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        s.ParseFromString(f.read())
    triton = descriptor_pb2.FileDescriptorProto()
    service_pb2.DESCRIPTOR.CopyToProto(triton)
    config = descriptor_pb2.FileDescriptorProto()
    model_config_pb2.DESCRIPTOR.CopyToProto(config)
    kserve = next(fd for fd in s.file if fd.name == "grpc_predict_v2.proto")
    assert kserve.package == triton.package == config.package == "inference"
    by_name = {m.name: m for m in triton.message_type}
    have = {m.name for m in kserve.message_type}
    for name in MESSAGES:
        if name in have:
            raise SystemExit(f"grpc_predict_v2.proto already defines {name}")
        kserve.message_type.add().CopyFrom(by_name[name])
    service = next(sv for sv in kserve.service if sv.name == "GRPCInferenceService")
    triton_service = next(sv for sv in triton.service if sv.name == "GRPCInferenceService")
    for m in triton_service.method:
        if m.name in METHODS:
            service.method.add().CopyFrom(m)
    kserve.dependency.append(config.name)
    files = [fd for fd in s.file if fd.name != config.name]
    files.insert(files.index(kserve), config)
    del s.file[:]
    s.file.extend(files)
    with open(path, "wb") as f:
        f.write(s.SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
