"""The public API: ``govflow.__all__`` is sorted, complete and importable (as httpx does)."""

from __future__ import annotations

import govflow
from govflow import errors


def test_all_is_sorted_and_importable() -> None:
    """Every name in __all__ exists, and the list is sorted."""
    assert govflow.__all__ == sorted(govflow.__all__)
    for name in govflow.__all__:
        assert hasattr(govflow, name), name


def test_every_public_error_is_exported() -> None:
    """Each exception class of govflow.errors is reachable as govflow.<Name>."""
    public = {name for name, value in vars(errors).items()
              if isinstance(value, type) and issubclass(value, Exception)
              and value.__module__ == errors.__name__ and not name.startswith("_")}
    assert public <= set(govflow.__all__), public - set(govflow.__all__)


def test_every_error_derives_from_govflow_error() -> None:
    """One tree: every error class is a GovflowError."""
    for name in govflow.__all__:
        value = getattr(govflow, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, govflow.GovflowError), name
