"""The files in deploy/ parse with the tools that will read them (when installed here)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eventnet import ConfigError, create_app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
VENV_BIN = Path(sys.executable).parent


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_units_verify(tmp_path) -> None:
    names = []
    for unit in DEPLOY.glob("*.service"):
        text = unit.read_text().replace("/opt/eventnet/venv/bin/", f"{VENV_BIN}/")
        name = unit.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text)
        if name != unit.name:  # the template itself must sit next to its instance
            (tmp_path / unit.name).write_text(text)
        names.append(f"./{name}")
    assert len(names) == 3
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


@pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) or not shutil.which("openssl"),
    reason="nginx or openssl not installed",
)
def test_nginx_config_passes_nginx_t(tmp_path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=events.example.edu", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    snippet = tmp_path / "eventnet-proxy.conf"
    shutil.copy(DEPLOY / "nginx-proxy.conf", snippet)
    site = (DEPLOY / "nginx.conf").read_text()
    site = site.replace("/etc/nginx/snippets/eventnet-proxy.conf", str(snippet))
    site = site.replace("/etc/letsencrypt/live/events.example.edu/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/events.example.edu/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n"
        f"  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-q", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _env_file() -> dict[str, str]:
    env = {}
    for line in (DEPLOY / "eventnet.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value.strip('"')
    return env


def test_the_example_environment_is_refused_until_the_secret_is_set(monkeypatch, tmp_path):
    env = _env_file()
    env["EVENTNET_INSTANCE_PATH"] = str(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("EVENTNET_SECRET_KEY", "k" * 48)
    app = create_app()
    assert app.config["JOBS_BACKEND"] == "rq" and app.config["PROXY_FIX_X_FOR"] == 1
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 2
    assert app.config["MAIL_USE_TLS"] is True
