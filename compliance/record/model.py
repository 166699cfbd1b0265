"""The base of the engine's record models (findings, deployment, diff)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RecordModel(BaseModel):
    """Frozen; an unknown field is an error; fields are read by name or by alias."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
