"""Router modules included by ``create_app``, in order. Each exports ``router``.

A module listed here that does not exist yet is skipped with a warning (engineers
add theirs in parallel); any other import error is raised.
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
    "cases",
    "screen",
    "grades",
    "pages",
)
