"""The shape of a resource kind (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scriptrunner.costs.base import Resource, Usage
from scriptrunner.costs.catalog import Catalog
from scriptrunner.costs.kinds.fields import Fields


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of resource of one provider: ``parse`` checks its fields, ``usages`` prices
    them against the provider's catalog."""

    name: str
    provider: str
    summary: str
    parse: Callable[[Fields], dict[str, Any]]
    usages: Callable[[Resource, Catalog], list[Usage]]
