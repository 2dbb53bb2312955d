"""Counts Surefire's XML reports: prints "TESTS FAILED SKIPPED" (failures and errors together) on one line.

Usage: summarize.py REPORTS_DIR. tests/run-all.sh adds its shell-level checks and prints the closing line. Each
report file is one test class, so a class is counted once however many times Maven ran (run-all.sh copies the
reports of `mvn verify` aside before later Maven runs can overwrite them). Exit 1 when the folder has no report.
"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

reports = sorted(Path(sys.argv[1]).glob("TEST-*.xml"))
if not reports:
    sys.exit(1)
tests = failed = skipped = 0
for report in reports:
    suite = ET.parse(report).getroot()
    tests += int(suite.get("tests", 0))
    failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped += int(suite.get("skipped", 0))
print(tests, failed, skipped)
