"""Generated artefacts stay in step with the models: the JSON Schema and the language reference."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from govflow.workflows import load_workflows
from govflow.workflows import schema as models
from govflow.workflows.jsonschema import render, workflows_json_schema
from govflow.workflows.reference import SECTIONS, reference_markdown, update

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "schema" / "workflows.schema.json"
DOC_FILE = ROOT / "docs" / "workflows.md"
MODELS: list[type[BaseModel]] = [model for _, model in SECTIONS]


def test_committed_schema_is_in_step_with_the_models() -> None:
    """schema/workflows.schema.json equals what the models generate (regenerate if not)."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), (
        "schema/workflows.schema.json is stale: run python -m govflow.workflows.jsonschema"
    )


def test_schema_is_draft_2020_12_and_closed() -> None:
    """The schema names its draft, lists the file's keys and refuses unknown keys everywhere."""
    schema = workflows_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == {"description", "calendar", "roles", "workflows"}
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        assert definition.get("additionalProperties") is False, name
    transition = schema["$defs"]["TransitionModel"]
    assert "from" in transition["properties"] and "from" in transition["required"]


def test_schema_durations_carry_examples() -> None:
    """Duration fields show examples of the plain-word forms to editors."""
    limit = workflows_json_schema()["$defs"]["DeadlineModel"]["properties"]["limit"]
    assert "3 workdays" in limit["examples"]


def test_every_field_is_described() -> None:
    """Every key of the language has a description (the reference and schema come from them)."""
    assert set(MODELS) >= {
        models.WorkflowFileModel, models.CalendarModel, models.WorkflowModel, models.StateModel,
        models.DeadlineModel, models.BreachModel, models.TransitionModel, models.ExtensionModel,
        models.SupervisionModel, models.RevisitModel,
    }  # fmt: skip
    for model in MODELS:
        assert model.__doc__, model.__name__
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"


def test_reference_in_docs_is_in_step() -> None:
    """docs/workflows.md holds the current generated reference (regenerate if not)."""
    text = DOC_FILE.read_text(encoding="utf-8")
    assert update(text) == text, (
        "docs/workflows.md is stale: run python -m govflow.workflows.reference"
    )


def test_reference_lists_every_key() -> None:
    """Each key of each model has a row in the reference."""
    reference = reference_markdown()
    for model in MODELS:
        for name, info in model.model_fields.items():
            assert f"| `{info.alias or name}` |" in reference


def _doc_examples() -> list[str]:
    text = DOC_FILE.read_text(encoding="utf-8")
    return [block for block in re.findall(r"```yaml\n(.*?)```", text, re.S)
            if block.startswith("# example")]


@pytest.mark.parametrize("example", _doc_examples())
def test_doc_examples_load(example: str) -> None:
    """The complete examples in the language docs load without problems."""
    assert load_workflows(example).workflows


def test_district_file_matches_the_schema_shape() -> None:
    """The district file's top-level keys and workflow keys are ones the schema declares."""
    import yaml

    data = yaml.safe_load((ROOT / "workflows.yaml").read_text(encoding="utf-8"))
    schema = workflows_json_schema()
    assert set(data) <= set(schema["properties"])
    allowed = set(schema["$defs"]["WorkflowModel"]["properties"])
    for workflow in data["workflows"].values():
        assert set(workflow) <= allowed
    json.dumps(schema)
