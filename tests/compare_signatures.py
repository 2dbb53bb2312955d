"""Checks that `aebridge inspect` lists the same signatures as `saved_model_cli show --all`.

Usage: compare_signatures.py MODEL_DIR INSPECT_OUTPUT. Compares, per signature key, the inputs and outputs with
their dtype, shape and tensor name, and the method name. Exit 1 on any difference, printing both sides.
"""
import re
import subprocess
import sys
from pathlib import Path

BLOCK = re.compile(r"signature_def\['([^']+)'\]:\n(.*?)Method name is: (\S+)", re.S)
TENSOR = re.compile(r"(inputs|outputs)\['([^']+)'\] tensor_info:\s+dtype: (\S+)\s+shape: (.+?)\n\s+name: (\S+)")


def signatures(text: str) -> dict:
    out = {}
    for key, body, method in BLOCK.findall(text):
        if key.startswith("__"):
            continue
        tensors = sorted(TENSOR.findall(body))
        out[key] = (method, tensors)
    return out


model, inspect_file = Path(sys.argv[1]), Path(sys.argv[2])
cli = Path(sys.executable).with_name("saved_model_cli")
shown = subprocess.run([str(cli), "show", "--all", "--dir", str(model)], capture_output=True, text=True, check=True)
expected = signatures(shown.stdout)
actual = signatures(inspect_file.read_text())
if expected != actual:
    print("saved_model_cli show --all:", expected)
    print("aebridge inspect:          ", actual)
    sys.exit(1)
print(f"same {len(expected)} signature(s): {', '.join(sorted(expected))}")
