"""The HTML error pages (403, 404, 500) of the pages outside /api/.

They are drawn in the site's layout by the pages' app, which cityplatform may not import: it
registers its renderer here at start (`register_error_page`, from its AppConfig.ready). Without
one, or when the renderer itself fails (a 500 while the database is away), Django's plain
answer is sent, so an error page never raises.
"""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

Renderer = Callable[[HttpRequest, int, Exception | None], HttpResponse]
_renderer: list[Renderer] = []


def register_error_page(renderer: Renderer) -> None:
    """Sets the one renderer of the HTML error pages (a second registration replaces it)."""
    _renderer[:] = [renderer]


def error_page(
    request: HttpRequest,
    status: int,
    exception: Exception | None,
    fallback: Callable[[], HttpResponse],
) -> HttpResponse:
    """The registered error page for `status`, else `fallback()` (Django's own)."""
    if _renderer:
        try:
            return _renderer[0](request, status, exception)
        except Exception:  # the error page must answer: the plain one then
            log.exception("The %s page could not be drawn; the plain one was sent", status)
    return fallback()
