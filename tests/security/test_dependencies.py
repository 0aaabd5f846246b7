"""Issue 8, point 10: the locked dependency set and its audit.

``requirements/lock.txt`` pins everything eventnet runs and is tested with; ``make test``
installs with it as constraints; ``requirements/audit.sh`` (run by ``.ci/run``) fails on a
high-severity bandit finding or a known vulnerability in the lock, and reports (without
failing) when the vulnerability service is unreachable. These tests keep the lock complete
and true to what is installed, and pin down the audit's verdict logic.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _direct() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in ("scale", "test"):
        reqs += [
            Requirement(r)
            for r in project["optional-dependencies"][extra]
            if not r.startswith("eventnet")
        ]
    return reqs


def test_the_lock_pins_every_dependency_within_its_range() -> None:
    pins = _locked()
    for req in _direct():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements/lock.txt (refresh the lock)"
        assert req.specifier.contains(pins[name], prereleases=True), (req, pins[name])


def test_what_is_installed_is_what_is_locked() -> None:
    pins = _locked()
    for req in _direct():
        name = canonicalize_name(req.name)
        installed = importlib.metadata.version(req.name)
        assert installed == pins[name], (
            f"{req.name} {installed} is installed but {pins[name]} is locked: "
            "install with `pip install -c requirements/lock.txt -e '.[test]'` or refresh the lock"
        )


def _verdict():
    spec = importlib.util.spec_from_file_location(
        "audit_verdict", ROOT / "requirements" / "audit_verdict.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.verdict


def test_audit_fails_on_a_known_vulnerability() -> None:
    report = {
        "dependencies": [
            {"name": "flask", "version": "3.1.2", "vulns": []},
            {
                "name": "jinja2",
                "version": "2.10",
                "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["2.11.3"]}],
            },
            {"name": "foo", "version": "1", "skip_reason": "not on PyPI"},
        ]
    }
    code, lines = _verdict()(report, 1)
    assert code == 1 and "GHSA-xxxx" in lines[0]


def test_audit_passes_when_every_audited_package_is_clean() -> None:
    report = {"dependencies": [{"name": "flask", "version": "3.1.2", "vulns": []}]}
    code, lines = _verdict()(report, 0)
    assert code == 0 and "OK" in lines[0]


def test_audit_says_skipped_but_does_not_fail_without_the_service() -> None:
    report = {"dependencies": [{"name": "flask", "version": "3.1.2", "skip_reason": "x"}]}
    code, lines = _verdict()(report, 0)
    assert code == 0 and "SKIPPED" in lines[0]
    code, lines = _verdict()(None, 1)
    assert code == 0 and "SKIPPED" in lines[0]


def test_ci_runs_the_audit() -> None:
    assert "requirements/audit.sh" in (ROOT / ".ci" / "run").read_text()
    assert "-c requirements/lock.txt" in (ROOT / "Makefile").read_text()
