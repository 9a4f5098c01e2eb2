"""The one error shape of the HTTP API.

Every error response of every endpoint has the body
``{"error": {"status": int, "title": str, "detail": str, ...context}}``; browsers that prefer HTML
get the same facts as a small page (see :mod:`pangraph.api.app`).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An HTTP error with a status, a short title, a human-readable detail and extra context.

    ``headers`` are added to the response (``Allow``, ``Vary`` …); ``context`` keys are merged into
    the ``error`` object (``{"error": {..., "accepted": [...]}}``).
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})
        self.context = context
        super().__init__(f"{status} {title}: {detail}")

    def body(self) -> dict[str, Any]:
        """The JSON body of the response."""
        return error_body(self.status, self.title, self.detail, **self.context)


def error_body(status: int, title: str, detail: str, **context: Any) -> dict[str, Any]:
    """``{"error": {"status": …, "title": …, "detail": …, **context}}``."""
    return {"error": {"status": status, "title": title, "detail": detail, **context}}
