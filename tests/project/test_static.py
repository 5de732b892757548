"""Static files: hashed names, served by whitenoise, nothing from another origin."""

from __future__ import annotations

import re

from django.test import Client


def test_pages_link_hashed_css_that_is_served(client: Client, db: None) -> None:
    page = client.get("/login/").content.decode()
    match = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert match, "the stylesheet is not linked under a hashed name"
    css = client.get(match.group(1))
    assert css.status_code == 200
    assert "max-age" in css["Cache-Control"]
    assert b"--accent" in b"".join(css.streaming_content)


def test_pages_load_nothing_from_another_origin(client: Client, db: None) -> None:
    page = client.get("/login/").content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_the_favicon_and_app_icon_are_served_where_browsers_look(client: Client, db: None) -> None:
    page = client.get("/login/").content.decode()
    svg = re.search(r'<link rel="icon" href="(/static/img/favicon\.[0-9a-f]{12}\.svg)"', page)
    assert svg, "no hashed SVG favicon linked"
    assert '<link rel="apple-touch-icon" href="/apple-touch-icon.png">' in page
    for path, kind in (
        (svg.group(1), "image/svg+xml"),
        ("/favicon.ico", "image/"),  # asked for by browsers on pages without a link too
        ("/apple-touch-icon.png", "image/png"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(kind), path
