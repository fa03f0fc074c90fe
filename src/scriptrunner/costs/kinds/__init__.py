"""Resource kinds: how the fields of ``aws.ec2``, ``gcp.storage``, ... become priced usage.

A kind is two functions: ``parse`` checks a resource's fields (with field paths in every
error) and ``usages`` turns them into :class:`~scriptrunner.costs.base.Usage` rows — catalog
key and quantity — given the provider's catalog (GCP machine types need its shapes).
The registry :data:`KINDS` maps ``provider.kind`` names to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scriptrunner.costs.catalog import close_names
from scriptrunner.costs.kinds import aws, azure, gcp
from scriptrunner.costs.kinds.base import Kind
from scriptrunner.errors import PriceError

__all__ = ["DEFAULT_REGIONS", "KINDS", "Kind", "kind_named"]

#: The region a resource is in when neither it nor the manifest's defaults say.
DEFAULT_REGIONS = {"aws": "us-east-1", "azure": "eastus", "gcp": "us-central1"}

KINDS: Mapping[str, Kind] = {k.name: k for k in (*aws.KINDS, *azure.KINDS, *gcp.KINDS)}


def kind_named(name: Any, where: str) -> Kind:
    """The kind called ``name``, or an error listing the closest valid kinds."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise PriceError(
            f"{where}: unknown resource type {name!r}; closest: "
            + ", ".join(close_names(str(name or ""), KINDS, 3))
            + f" (valid: {', '.join(sorted(KINDS))})"
        )
    return kind
