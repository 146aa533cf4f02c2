"""PDFs from HTML with WeasyPrint, fetching nothing but the project's own static files."""

import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from weasyprint import HTML
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


def html_to_document(html: str):
    """Lay out an HTML string; relative URLs resolve to the project's static files."""
    return HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=AllowListFetcher()).render(
        font_config=font_configuration())


def html_to_pdf(html: str) -> bytes:
    return html_to_document(html).write_pdf()
