"""The Python gRPC server a user would write: grpcio + TF 2.18 serving one SavedModel's serving_default over the
KServe V2 ModelInfer call (Triton's generated stubs from tritonclient; raw or typed FP32 in, raw out).
WORKERS processes share the port (SO_REUSEPORT), as many as cores by default, each with its own thread pool.

Usage: py_grpc_server.py MODEL_DIR PORT [WORKERS]
"""
import multiprocessing
import os
import sys
from concurrent import futures


def serve(model_dir: str, port: int) -> None:
    import grpc
    import numpy as np
    import tensorflow as tf
    from tritonclient.grpc import service_pb2, service_pb2_grpc

    fn = tf.saved_model.load(model_dir).signatures["serving_default"]
    input_name = next(iter(fn.structured_input_signature[1]))

    class Service(service_pb2_grpc.GRPCInferenceServiceServicer):
        def ServerLive(self, request, context):
            return service_pb2.ServerLiveResponse(live=True)

        def ModelInfer(self, request, context):
            t = request.inputs[0]
            if request.raw_input_contents:
                x = np.frombuffer(request.raw_input_contents[0], dtype="<f4").reshape(list(t.shape))
            else:
                x = np.asarray(t.contents.fp32_contents, dtype=np.float32).reshape(list(t.shape))
            out = fn(**{input_name: tf.constant(x)})
            name, y = next(iter(out.items()))
            y = y.numpy()
            resp = service_pb2.ModelInferResponse(model_name=request.model_name, model_version="1")
            resp.outputs.add(name=name, datatype="FP32", shape=list(y.shape))
            resp.raw_output_contents.append(y.astype("<f4").tobytes())
            return resp

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=[("grpc.so_reuseport", 1)])
    service_pb2_grpc.add_GRPCInferenceServiceServicer_to_server(Service(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    model_dir, port = sys.argv[1], int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else (os.cpu_count() or 1)
    procs = [multiprocessing.Process(target=serve, args=(model_dir, port)) for _ in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
