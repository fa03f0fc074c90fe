"""``GET /me``: who the caller is, so the pages can offer operator actions or not."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from scriptrunner.server.auth import Principal, require_viewer

router = APIRouter()


@router.get("/me")
def me(principal: Annotated[Principal, Depends(require_viewer)]) -> dict[str, str]:
    """The token's name and role (``viewer`` or ``operator``)."""
    return {"name": principal.name, "role": principal.role}
