"""The inputs format as JSON Schema, for editors and other tools."""

from __future__ import annotations

from typing import Any

from .model import PlanInput

SCHEMA_ID = "https://techplan-nb.invalid/schema/plan-inputs.json"


def json_schema() -> dict[str, Any]:
    schema = PlanInput.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "techplan-nb plan inputs"
    return schema
