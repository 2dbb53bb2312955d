#!/usr/bin/env bash
# The README as a reader meets it: the Quick start is exactly two commands (the main job, then the test command
# that CI runs), and every relative link in README.md and docs/*.md names a file or folder that exists. A script that rewrites the README wrongly (once, a replace of an empty
# match inserted a paragraph between every character: 80 MB) fails here instead of landing.
set -euo pipefail
cd "$ROOT"
"$PY" - <<'PY'
import re
import sys
from pathlib import Path

failed = False


def check(ok: bool, what: str) -> None:
    global failed
    print(("ok   " if ok else "FAIL ") + what)
    failed |= not ok


readme = Path("README.md")
size = readme.stat().st_size
check(size < 400_000, f"README.md is {size:,} bytes (a document, not a generated blow-up: < 400,000)")
text = readme.read_text(encoding="utf-8")
quick = re.search(r"^## Quick start\n(.*?)^## ", text, re.S | re.M)
check(quick is not None, "README.md has a '## Quick start' section")
if quick:
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", quick.group(1), re.S | re.M)
    commands = [line.split("#")[0].strip() for b in blocks for line in b.splitlines()
                if line.split("#")[0].strip()]
    check(len(commands) == 2, f"the Quick start shows exactly two commands: {commands}")
    ci = Path(".ci/run").read_text(encoding="utf-8")
    check(len(commands) == 2 and commands[1] in ci,
          f"the second one ({commands[1] if len(commands) > 1 else '?'}) is what .ci/run runs")
    check(bool(commands) and commands[0].startswith("./aebridge "), f"the first one runs ./aebridge: {commands[:1]}")

missing = []
docs = [readme, *sorted(Path("docs").glob("*.md"))]
for doc in docs:
    body = doc.read_text(encoding="utf-8")
    body = re.sub(r"^```.*?^```", "", body, flags=re.S | re.M)  # links inside code blocks are examples
    for target in re.findall(r"\]\(([^)\s]+)\)", body):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = (doc.parent / target.split("#")[0]).resolve()
        if not path.exists():
            missing.append(f"{doc}: {target}")
check(not missing, f"every relative link in README.md and docs/*.md ({len(docs)} files) exists"
      + ("" if not missing else ": missing " + "; ".join(missing[:10])))
sys.exit(1 if failed else 0)
PY
