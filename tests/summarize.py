"""Prints one closing line over the whole test run: Surefire's XML reports plus the shell-level checks."""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

reports, extra_pass, extra_fail = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
# Optional: the benchmark harness smoke check (the last step of tests/run-all.sh), one more shell-level check.
bench_pass, bench_fail = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (0, 0)
tests = failed = skipped = 0
for report in sorted(reports.glob("TEST-*.xml")):
    suite = ET.parse(report).getroot()
    tests += int(suite.get("tests", 0))
    failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped += int(suite.get("skipped", 0))
passed = tests - failed - skipped + extra_pass + bench_pass
failed += extra_fail + bench_fail
print(f"Java tests: {tests - skipped} run; Java->Python checks: {extra_pass + extra_fail} run; "
      f"benchmark smoke: {bench_pass + bench_fail} run")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
