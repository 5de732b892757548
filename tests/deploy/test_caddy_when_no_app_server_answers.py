"""Caddy in front of app servers none of which answers (all stopped, or a worker killed
mid-request): a person who opens a link gets the general emergency numbers from Caddy
itself (deploy/caddy/site.caddy, handle_errors), never a blank 502."""

from __future__ import annotations

import http.client
import ssl
from pathlib import Path

from tests.deploy.conftest import ROOT, caddy_authority, caddy_process, free_port, wait_until


def test_with_no_app_server_the_proxy_still_gives_the_emergency_numbers(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there
    proxy, _http_port, https_port = caddy_process(tmp_path, "localhost", f"127.0.0.1:{closed}")
    proxy.start()
    try:
        root = caddy_authority(tmp_path)
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
