"""Read a page's POST form as a browser would submit it, and the assets a page loads.

Enough HTML for the app's own pages: inputs (checkboxes and radios only when checked),
textareas and selects; buttons are left out (a browser sends only the one clicked).
"""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self.in_form = False
        self.textarea: str | None = None
        self.select: str | None = None
        self.select_value: str | None = None
        self.first_option: str | None = None
        self.option: dict[str, str | None] | None = None
        self.text: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        rel = set(a.get("rel", "").split())
        if tag == "link" and rel & {"stylesheet", "icon"} and a.get("href"):
            self.assets.append(a["href"])
        elif tag in ("script", "img") and a.get("src"):
            self.assets.append(a["src"])
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.in_form = True
            self.forms.append([])
            return
        if not self.in_form:
            return
        fields = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            fields.append((name, a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []
        elif tag == "select" and name:
            self.select, self.select_value, self.first_option = name, None, None
        elif tag == "option" and self.select is not None:
            self.option, self.text = {"value": a.get("value"), "selected": a.get("selected")}, []
            if "selected" in a:
                self.option["selected"] = "1"

    def handle_data(self, data: str) -> None:
        if self.textarea is not None or self.option is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.text)
            self.forms[-1].append((self.textarea, text[1:] if text.startswith("\n") else text))
            self.textarea = None
        elif tag == "option" and self.option is not None:
            value = self.option["value"]
            value = "".join(self.text).strip() if value is None else value
            if self.first_option is None:
                self.first_option = value
            if self.option["selected"] is not None:
                self.select_value = value
            self.option = None
        elif tag == "select" and self.select is not None:
            value = self.select_value if self.select_value is not None else self.first_option
            if value is not None:
                self.forms[-1].append((self.select, value))
            self.select = None


def post_form(html: str, marker: str = "csrfmiddlewaretoken") -> list[tuple[str, str]]:
    """The fields of the page's first POST form that has a field named ``marker``."""
    parser = _FormParser()
    parser.feed(html)
    for fields in parser.forms:
        if any(name == marker for name, _ in fields):
            return fields
    raise ValueError(f"No POST form with a field {marker!r} on the page.")


def assets(html: str) -> list[str]:
    """The stylesheets, scripts, icons and images a page loads, in order."""
    parser = _FormParser()
    parser.feed(html)
    return list(dict.fromkeys(parser.assets))
