"""Merges FileDescriptorSets: later sets replace files of the same name. Usage: merge_sets.py OUT.pb IN.pb..."""
import sys

from google.protobuf import descriptor_pb2

files = {}
for path in sys.argv[2:]:
    s = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        s.ParseFromString(f.read())
    for fd in s.file:
        files[fd.name] = fd
with open(sys.argv[1], "wb") as f:
    f.write(descriptor_pb2.FileDescriptorSet(file=list(files.values())).SerializeToString())
