"""Decide the pip-audit outcome from its JSON report: fail on any known vulnerability, pass
when every audited package is clean, and report SKIPPED (exit 0) when no package could be
audited because the vulnerability service is unreachable. Tested in
tests/security/test_dependencies.py."""

from __future__ import annotations

import json
import sys


def verdict(report: dict | None, status: int) -> tuple[int, list[str]]:
    if report is None:
        return 0, [
            f"pip-audit: SKIPPED - no report (exit {status}): the vulnerability service is "
            "unreachable"
        ]
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    lines = []
    for dep in audited:
        for vuln in dep.get("vulns") or []:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            lines.append(
                f"pip-audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})"
            )
    if lines:
        return 1, lines
    if not audited:
        return 0, [
            f"pip-audit: SKIPPED - none of {len(deps)} locked packages could be checked: the "
            "vulnerability service (PyPI JSON API / OSV) is unreachable from this machine"
        ]
    return 0, [
        f"pip-audit: OK - {len(audited)} of {len(deps)} locked packages audited, "
        "no known vulnerabilities"
    ]


def main(argv: list[str]) -> int:
    path, status = argv[1], int(argv[2])
    try:
        with open(path) as fh:
            report = json.load(fh)
    except (OSError, ValueError):
        report = None
    code, lines = verdict(report, status)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
