"""Where the district's own files are: its ``workflows.yaml`` and its ``plugins/`` folder.

The commands look in three places, in order, and say which one they took:

1. the working directory (``./workflows.yaml``, ``./plugins``): a department's own files;
2. the package data of an installed wheel (``govflow/district/``): the build copies the
   repository's ``workflows.yaml`` and subsystem plugins there (see ``setup.py``);
3. else the repository beside the package: a clone with an editable install.

The subsystem plugins ship as a plugins folder, loaded by the same folder loader as
``--plugins-dir``, not as entry points: a department's ``./plugins`` then replaces them
whole instead of clashing with installed plugins of the same names.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from govflow.errors import GovflowError

#: the folder of the package data, inside the installed ``govflow`` package
SHIPPED = "district"
#: the district's files, as they are named in the repository and in the package data
WORKFLOWS = "workflows.yaml"
PLUGINS = "plugins"


@dataclass(frozen=True, slots=True)
class Found:
    """A district file and where it came from (``origin`` is said to the user)."""

    path: Path
    origin: str

    def __str__(self) -> str:
        return f"{self.path} ({self.origin})"


def shipped_dir() -> Path | None:
    """The package-data folder of an installed wheel, or None (a clone, an editable install)."""
    folder = files("govflow").joinpath(SHIPPED)
    if not folder.is_dir():
        return None
    return Path(str(folder))


def checkout_dir() -> Path:
    """The folder above the package: the repository root when run from a clone."""
    return Path(str(files("govflow"))).resolve().parent


def candidates(name: str, cwd: Path | None = None) -> list[Found]:
    """Where ``name`` is looked for, in order (whether or not it is there)."""
    here = cwd or Path.cwd()
    found = [Found(here / name, "working directory")]
    shipped = shipped_dir()
    if shipped is not None:
        found.append(Found(shipped / name, "shipped with govflow"))
    else:  # never site-packages/plugins of an installed wheel: only a clone has this
        found.append(Found(checkout_dir() / name, "the govflow repository"))
    return found


def find(name: str, cwd: Path | None = None) -> Found | None:
    """The first of :func:`candidates` that exists, or None."""
    return next((place for place in candidates(name, cwd) if place.path.exists()), None)


def district_file(name: str, flag: str, cwd: Path | None = None) -> Found:
    """The first of :func:`candidates` that exists; a clear error naming ``flag`` if none."""
    found = find(name, cwd)
    if found is not None:
        return found
    looked = candidates(name, cwd)
    where = ", ".join(str(p.path) for p in looked)
    raise GovflowError(f"no {name} found (looked in {where}); pass {flag} with its path, "
                       f"or run from a folder that has {name}")


def workflows_file(given: str | Path | None = None) -> Found:
    """``given`` as is, else the district's workflows file (see the module's docstring)."""
    if given is not None:
        return Found(Path(given), "given")
    return district_file(WORKFLOWS, "--workflows")


def plugins_dir(given: str | Path | None = None) -> Found:
    """``given`` as is, else the district's plugins folder (see the module's docstring)."""
    if given is not None:
        return Found(Path(given), "given")
    return district_file(PLUGINS, "--plugins-dir")
