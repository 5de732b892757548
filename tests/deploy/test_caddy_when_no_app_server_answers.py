"""Caddy in front of app servers none of which answers (all stopped, or a worker killed
mid-request): a person who opens a link gets the general emergency numbers from Caddy
itself (deploy/caddy/site.caddy, handle_errors), never a blank 502."""

from __future__ import annotations

import http.client
import os
import ssl
from pathlib import Path

from tests.deploy.conftest import ROOT, Process, caddy_binary, free_port, wait_until


def test_with_no_app_server_the_proxy_still_gives_the_emergency_numbers(tmp_path: Path) -> None:
    http_port, https_port, closed = free_port(), free_port(), free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"),
        "CRISISPLAN_DOMAIN": "localhost",
        "CRISISPLAN_UPSTREAMS": f"127.0.0.1:{closed}",  # nothing listens there
        "CADDY_HTTP_PORT": str(http_port),
        "CADDY_HTTPS_PORT": str(https_port),
        # No admin endpoint: nothing here reloads Caddy, and one port fewer to collide
        # with another process's.
        "CADDY_ADMIN": "off",
        "CADDY_BIND": "127.0.0.1",
    }
    proxy = Process(
        "caddy",
        [caddy_binary(), "run", "--config", "deploy/Caddyfile.tryout", "--adapter", "caddyfile"],
        env,
        tmp_path / "caddy.out",
        tmp_path / "caddy.err",
    )
    proxy.start()
    try:
        root = tmp_path / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        wait_until("Caddy's local authority", root.exists, output=proxy.output)
        context = ssl.create_default_context(cafile=str(root))

        def get(path: str) -> tuple[int, dict[str, str], str]:
            connection = http.client.HTTPSConnection(
                "localhost", https_port, context=context, timeout=20
            )
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                headers = {k.lower(): v for k, v in response.getheaders()}
                return response.status, headers, response.read().decode()
            finally:
                connection.close()

        status, headers, body = wait_until(
            "Caddy answering", lambda: _try(get, "/p/" + "T" * 43 + "/"), output=proxy.output
        )
        assert status == 503
        assert headers["cache-control"] == "no-store" and int(headers["retry-after"]) > 0
        assert "server" not in headers and headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in headers["content-security-policy"]
        for number in ("112", "911", "999", "000"):
            assert f'href="tel:{number}"' in body
        assert "findahelpline.com" in body and 'lang="ar"' in body
        assert "T" * 43 not in body  # nothing of the request
    finally:
        proxy.stop()
    assert (ROOT / "deploy" / "caddy" / "site.caddy").read_text().count("handle_errors") == 1


def _try(get, path):  # type: ignore[no-untyped-def]
    try:
        return get(path)
    except (OSError, ssl.SSLError, http.client.HTTPException):
        return None
