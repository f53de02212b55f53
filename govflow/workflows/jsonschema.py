"""The JSON Schema of a workflows file, generated from the pydantic models.

Editors use it to complete and check ``workflows.yaml`` as it is typed (e.g. the YAML language
server: ``# yaml-language-server: $schema=schema/workflows.schema.json``). The committed copy is
regenerated with ``python -m govflow.workflows.jsonschema`` and a test keeps it in step.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from govflow.workflows.schema import WorkflowFileModel

#: where the committed copy lives, relative to the repository root
SCHEMA_PATH = Path("schema") / "workflows.schema.json"


def workflows_json_schema() -> dict[str, Any]:
    """The schema as a dict (JSON Schema draft 2020-12)."""
    schema = WorkflowFileModel.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render() -> str:
    """The schema as the committed file's text."""
    return json.dumps(workflows_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema (``--check``: only say whether the file is in step)."""
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    target = Path(paths[0]) if paths else SCHEMA_PATH
    text = render()
    if check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date; run python -m govflow.workflows.jsonschema")
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
