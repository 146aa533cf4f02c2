"""PDFs from HTML with WeasyPrint, fetching nothing but the project's own static files."""

import functools
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

STATIC_BASE_URL = "file:///hubportal-static/"


class AllowListFetcher(URLFetcher):
    """Serves the project's static files and data: URLs; refuses everything else.

    Names, organisations and titles come from trainees and coordinators: a name such as
    <img src="file:///etc/passwd"> is escaped by the template, and should markup ever get through,
    this fetcher still reads no file outside the static folders and opens no network connection.
    """

    def __init__(self):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=5)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if not url.startswith(STATIC_BASE_URL):
            raise ValueError(f"not on the allow-list: {url[:80]}")
        relative = unquote(urlsplit(url).path)[len(urlsplit(STATIC_BASE_URL).path):]
        path = finders.find(relative) if ".." not in Path(relative).parts else None
        if not path:
            raise ValueError(f"no such static file: {relative[:80]}")
        return super().fetch(Path(path).resolve().as_uri(), headers)


_fonts = threading.local()


def font_configuration() -> FontConfiguration:
    """This thread's fonts, kept from one document to the next.

    WeasyPrint otherwise starts each document with a new font map: every chunk of certificates and
    every report loaded the same dozen system fonts again (about 3 ms of each certificate). Our
    stylesheets declare no @font-face, which is what a shared configuration would also keep; what
    it holds is bounded by the fonts installed. One per thread, as Pango's font maps are not
    thread-safe (`runserver` serves requests in threads).
    """
    if not hasattr(_fonts, "configuration"):
        _fonts.configuration = FontConfiguration()
    return _fonts.configuration


class _HTML(HTML):
    """An HTML document whose user-agent stylesheet is one of ours instead of WeasyPrint's own."""

    def __init__(self, *args, user_agent_stylesheet: CSS, **kwargs):
        super().__init__(*args, **kwargs)
        self._user_agent_stylesheet = user_agent_stylesheet

    # WeasyPrint's own hook (its tests replace the sheet the same way). Should a release rename it,
    # documents get WeasyPrint's sheet again: they look the same and take longer to render.
    def _ua_stylesheets(self, *args, **kwargs):
        return [self._user_agent_stylesheet]


@functools.cache
def static_stylesheet(path: str) -> CSS:
    """A stylesheet of the static files, parsed once per process (a parsed sheet is read-only)."""
    return CSS(url=STATIC_BASE_URL + path, url_fetcher=AllowListFetcher())


def html_to_document(html: str, *, user_agent_stylesheet: str | None = None):
    """Lay out an HTML string; relative URLs resolve to the project's static files.

    `user_agent_stylesheet`, a static file's path, replaces WeasyPrint's user-agent stylesheet: for
    documents of few elements whose own stylesheet says everything (static/certificates/layers-user-agent.css
    says why).
    """
    options = {"string": html, "base_url": STATIC_BASE_URL, "url_fetcher": AllowListFetcher()}
    if user_agent_stylesheet:
        document = _HTML(**options, user_agent_stylesheet=static_stylesheet(user_agent_stylesheet))
    else:
        document = HTML(**options)
    return document.render(font_config=font_configuration())


def html_to_pdf(html: str) -> bytes:
    return html_to_document(html).write_pdf()
