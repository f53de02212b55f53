"""Build step only (the metadata is in pyproject.toml): copy the district's files into a wheel.

The repository keeps ``workflows.yaml`` and ``plugins/`` at its root, where departments and
plugin authors edit them. A wheel has no repository beside it, so ``build_py`` copies them
into the package as ``govflow/district/`` (found at run time by ``govflow.resources``): every
folder of ``plugins/`` but the template, a package of its own (``plugins/template``). An
editable install copies nothing: it reads the files from the repository itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = "district"
#: what a wheel needs to run the demo and serve the district
FILES = ["workflows.yaml"]
#: plugins/ folders not shipped (the template is a package of its own)
NOT_SHIPPED = {"template"}
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildWithDistrict(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "govflow" / SHIPPED
        if target.exists():
            shutil.rmtree(target)
        (target / "plugins").mkdir(parents=True)
        for name in FILES:
            shutil.copy2(ROOT / name, target / name)
        for folder in sorted((ROOT / "plugins").iterdir()):
            if folder.is_dir() and folder.name not in NOT_SHIPPED:
                shutil.copytree(folder, target / "plugins" / folder.name, ignore=SKIP)


setup(cmdclass={"build_py": BuildWithDistrict})
