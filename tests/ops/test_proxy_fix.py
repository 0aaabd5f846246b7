"""X-Forwarded-* is trusted only from as many proxies as configured."""

from __future__ import annotations

from flask import request


def _client(fresh_app, **config):  # type: ignore[no-untyped-def]
    app = fresh_app(**config)

    @app.route("/_ops_test/whoami")
    def whoami() -> dict[str, str]:
        return {"addr": request.remote_addr or "", "scheme": request.scheme}

    return app.test_client()


HEADERS = {"X-Forwarded-For": "203.0.113.7, 198.51.100.2", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_ignored_without_a_configured_proxy(fresh_app) -> None:
    body = _client(fresh_app).get("/_ops_test/whoami", headers=HEADERS).json
    assert body == {"addr": "127.0.0.1", "scheme": "http"}


def test_one_proxy_means_the_last_forwarded_address(fresh_app) -> None:
    client = _client(fresh_app, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    body = client.get("/_ops_test/whoami", headers=HEADERS).json
    assert body == {"addr": "198.51.100.2", "scheme": "https"}


def test_two_proxies_reach_one_address_further(fresh_app) -> None:
    client = _client(fresh_app, PROXY_FIX_X_FOR=2)
    assert client.get("/_ops_test/whoami", headers=HEADERS).json["addr"] == "203.0.113.7"
