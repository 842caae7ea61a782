"""Named queries of ``queries/explore/``, and the few whose label is chosen at run time.

Labels in queries: a few queries need the label of an entity chosen at run time
(index lookups need it). Their text holds a backticked placeholder such as
``(n:`$label`)``; it is replaced only by a label from ``graphsvc.model.ENTITY_KINDS``
(see ``_labelled``), never by input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphsvc import model
from graphsvc.errors import ConfigError, UnknownLabel
from graphsvc.store import Store


def _labelled(store: Store, name: str, **labels: str) -> str:
    """A named query's text with its backticked label placeholders filled from the model."""
    text = store.named(name).text
    for placeholder, label in labels.items():
        if label not in model.LABELS:
            raise UnknownLabel(f"label {label!r} is not in graphsvc.model.LABELS")
        text = text.replace(f"`${placeholder}`", f"`{label}`")
    if "`$" in text:
        raise ConfigError(f"query {name} has an unfilled label placeholder")
    return text


def _read(
    store: Store, name: str, params: Mapping[str, Any], **labels: str
) -> list[dict[str, Any]]:
    if labels:
        return store.query(_labelled(store, name, **labels), params).records()
    return store.run(name, params).records()
