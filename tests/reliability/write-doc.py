#!/usr/bin/env python3
"""Writes the reliability table of docs/reliability.md from committed raw results.

Each on-demand reliability run writes tests/reliability/results/<check>-<YYYY-MM-DD>.json (format in the script's
README section of docs/reliability.md). This script takes the newest result of every check (by "started"),
renders one row per check between the markers

    <!-- reliability-table:begin -->  …  <!-- reliability-table:end -->

and leaves the rest of the document alone. A known check with no result yet gets a row saying "no committed raw
result". Counts of the test-command corpora are read from the files themselves. No figure in the table is typed by
hand. `--check` exits 1 when the document differs from what would be written (for CI); a result file that does
not follow the format fails the script.

    python3 tests/reliability/write-doc.py            # rewrite docs/reliability.md
    python3 tests/reliability/write-doc.py --check    # is it up to date?
"""
import argparse
import glob
import json
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RESULTS = os.path.join(ROOT, "tests", "reliability", "results")
DOC = os.path.join(ROOT, "docs", "reliability.md")
BEGIN, END = "<!-- reliability-table:begin -->", "<!-- reliability-table:end -->"

# The on-demand checks, in table order: name -> (what it throws at the server, command).
KNOWN = {
    "long-fuzz": ("Inputs fuzzed, long run (Jazzer, coverage-guided, all decoders and framings over HTTP)",
                  "tests/reliability/long-fuzz.sh"),
    "load-60s": ("Load with version swaps, 64 connections for 60 s", "tests/reliability/load-60s.sh"),
    "slow-clients": ("2,000 connections holding half-sent bodies, then 2,000 sending one body byte per second, "
                     "while health and single-sample predict are timed (goal p99 < 50 ms)",
                     "tests/reliability/slow-clients.sh"),
}
REQUIRED = {"check": str, "command": str, "started": str, "seconds": (int, float), "machine": dict,
            "passed": bool, "figures": dict, "summary": str}


def load_results():
    newest = {}
    for path in sorted(glob.glob(os.path.join(RESULTS, "*.json"))):
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
        for key, kind in REQUIRED.items():
            if not isinstance(r.get(key), kind):
                raise SystemExit("%s: field '%s' missing or not %s" % (os.path.relpath(path, ROOT), key, kind))
        for key in ("nproc", "loadavg_start", "loadavg_end"):
            if key not in r["machine"]:
                raise SystemExit("%s: machine.%s missing" % (os.path.relpath(path, ROOT), key))
        r["_file"] = os.path.relpath(path, ROOT)
        if r["check"] not in newest or r["started"] > newest[r["check"]]["started"]:
            newest[r["check"]] = r
    return newest


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def load1(loadavg):
    return loadavg.split()[0] if loadavg else "?"


def table(newest):
    rows = ["| check | what | result | passed | measured | raw result | command |", "|---|---|---|---|---|---|---|"]
    for check in list(KNOWN) + sorted(c for c in newest if c not in KNOWN):
        what, command = KNOWN[check] if check in KNOWN else (check, newest[check]["command"])
        r = newest.get(check)
        if r is None:
            rows.append("| %s | %s | no committed raw result | – | – | – | `%s` |" % (check, cell(what), command))
            continue
        measured = "%s, %s cores, load %s → %s, %.0f s" % (
            r["started"][:10], r["machine"]["nproc"], load1(r["machine"]["loadavg_start"]),
            load1(r["machine"]["loadavg_end"]), r["seconds"])
        rows.append("| %s | %s | %s | %s | %s | [%s](../%s) | `%s` |" % (
            check, cell(what), cell(r["summary"]), "yes" if r["passed"] else "**no**", measured,
            os.path.basename(r["_file"]), r["_file"], r["command"]))
    corpus = os.path.join(ROOT, "src", "test", "resources", "io", "aebridge", "serve", "nasty", "requests.json")
    with open(corpus, encoding="utf-8") as f:
        cases = len(json.load(f))
    seeds = glob.glob(os.path.join(ROOT, "src", "test", "resources", "io", "aebridge", "serve",
                                   "ServeFuzzTestInputs", "*", "*"))
    rows.append("")
    rows.append("In the test command (pass or fail with `tests/run-all.sh`; counted from the files): the nasty-request "
                "corpus holds %d cases (`NastyRequestsTest`), the fuzz seed corpus %d inputs over both targets "
                "(`ServeFuzzTest`)." % (cases, len(seeds)))
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--check", action="store_true", help="exit 1 if docs/reliability.md is not up to date")
    a = p.parse_args()
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    m = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), doc, re.S)
    if not m:
        raise SystemExit("docs/reliability.md has no %s … %s markers" % (BEGIN, END))
    new = doc[:m.start()] + BEGIN + "\n" + table(load_results()) + "\n" + END + doc[m.end():]
    if a.check:
        if new != doc:
            print("docs/reliability.md is out of date: run python3 tests/reliability/write-doc.py", file=sys.stderr)
            return 1
        return 0
    if new != doc:
        with open(DOC, "w", encoding="utf-8") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
