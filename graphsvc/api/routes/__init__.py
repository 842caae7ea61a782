"""Router modules included by ``create_app``, in order. Each exports ``router``.

A module listed here that does not exist, or has no ``router``, stops ``create_app``
with a ConfigError naming it: a typo must not drop an API silently.
"""

from __future__ import annotations

ROUTERS: tuple[str, ...] = (
    "health",
    "auth",
    "password",
    "apidocs",
    "users",
    "audit",
    "cypher",
    "queries",
    "unmask",
    "rings",
    "entities",
    "explore",
    "cases_api",
    "cases_pages",
    "screen",
    "grades",
    "tips",
    "inspections",
    "published",
    "admin_pages",
    "pages",
)
