"""Checks that `aebridge inspect` lists the same signatures as `saved_model_cli show --all`.

Usage: compare_signatures.py MODEL_DIR INSPECT_OUTPUT. Compares, per signature key, the inputs and outputs with
their dtype, shape and tensor name, and the method name. Exit 1 on any difference, printing both sides.
       compare_signatures.py --keys SHOW_ALL_OUTPUT prints the signature keys parsed from a saved text (self-check).
"""
import re
import subprocess
import sys
from pathlib import Path

HEADER = re.compile(r"^signature_def\['([^']+)'\]:[ \t]*$", re.M)
METHOD = re.compile(r"Method name is:[ \t]*(\S*)")
TENSOR = re.compile(r"(inputs|outputs)\['([^']+)'\] tensor_info:\s+dtype: (\S+)\s+shape: (.+?)\n\s+name: (\S+)")


def signatures(text: str) -> dict:
    """Signature key -> (method, sorted tensors); internal keys (``__saved_model_init_op``) left out.

    Each block runs from its ``signature_def['key']:`` header to the next one, so a block whose method name is
    empty (the init op's) can never swallow the signature after it.
    """
    out = {}
    headers = list(HEADER.finditer(text))
    for i, h in enumerate(headers):
        key = h.group(1)
        if key.startswith("__"):
            continue
        body = text[h.end():headers[i + 1].start() if i + 1 < len(headers) else len(text)]
        method = METHOD.search(body)
        out[key] = (method.group(1) if method else None, sorted(TENSOR.findall(body)))
    return out


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--keys":
        print("\n".join(sorted(signatures(Path(sys.argv[2]).read_text()))))
        return 0
    model, inspect_file = Path(sys.argv[1]), Path(sys.argv[2])
    cli = Path(sys.executable).with_name("saved_model_cli")
    shown = subprocess.run([str(cli), "show", "--all", "--dir", str(model)], capture_output=True, text=True,
                           check=True)
    expected = signatures(shown.stdout)
    actual = signatures(inspect_file.read_text())
    if expected != actual:
        print("saved_model_cli show --all:", expected)
        print("aebridge inspect:          ", actual)
        return 1
    print(f"same {len(expected)} signature(s): {', '.join(sorted(expected))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
