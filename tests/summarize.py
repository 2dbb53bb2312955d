"""Prints one closing line over the whole test run: Surefire's XML reports plus the shell-level checks."""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

reports, extra_pass, extra_fail = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tests = failed = skipped = 0
for report in sorted(reports.glob("TEST-*.xml")):
    suite = ET.parse(report).getroot()
    tests += int(suite.get("tests", 0))
    failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped += int(suite.get("skipped", 0))
passed = tests - failed - skipped + extra_pass
failed += extra_fail
print(f"Java tests: {tests - skipped} run; Java->Python checks: {extra_pass + extra_fail} run")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
