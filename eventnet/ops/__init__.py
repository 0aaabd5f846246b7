"""Running eventnet in production: health checks, request ids and JSON logs, the reverse-proxy
fix, the public page micro-cache, and the worker, scheduler and backup commands.

`init_ops` is called once at the end of `create_app`; it does no I/O.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .cache import install_page_cache
from .health import bp as health_bp
from .logs import configure_logging, init_request_ids

__all__ = ["init_ops"]


def init_ops(app: Flask) -> None:
    init_request_ids(app)
    configure_logging(app)
    app.register_blueprint(health_bp)
    install_page_cache(app)
    _install_proxy_fix(app)


def _install_proxy_fix(app: Flask) -> None:
    """Trust ``X-Forwarded-*`` only from as many proxies as are configured (0: not at all)."""
    counts = {
        name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0)
        for name in ("for", "proto", "host", "port", "prefix")
    }
    if any(counts.values()):
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=counts["for"],
            x_proto=counts["proto"],
            x_host=counts["host"],
            x_port=counts["port"],
            x_prefix=counts["prefix"],
        )
