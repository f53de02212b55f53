"""The template plugin package loads by its ``govflow`` entry point, as an installed plugin."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import sysconfig
import venv
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from govflow.plugins import PluginHost
from govflow.plugins.testing import PluginHarness

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "plugins" / "template"


def can_build_wheels() -> bool:
    """Whether a --no-build-isolation build can make a wheel here (no download)."""
    try:
        setuptools_version = version("setuptools")
    except PackageNotFoundError:
        return False
    major, minor = (int(p) for p in setuptools_version.split(".")[:2])
    return importlib.util.find_spec("wheel") is not None or (major, minor) >= (70, 1)


def fake_install(site: Path) -> None:
    """What pip leaves for the entry point: a dist-info with entry_points.txt."""
    info = site / "govflow_template-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: govflow-template\n"
                                   "Version: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[govflow]\ntemplate = govflow_template\n",
                                           encoding="utf-8")


def test_the_engine_loads_the_template_by_its_entry_point(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entry point 'template' in group 'govflow' → plugin 'template' with its source and rules."""
    fake_install(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(TEMPLATE))
    host = PluginHost()
    assert "template" in host.plugin_names
    assert host.registry.owners[("source", "template_reports")] == "template"
    assert "is_urgent" in host.functions and "stamp_template" in host.actions
    blocked = PluginHost(env={"GOVFLOW_BLOCK_PLUGINS": "template"})
    assert "template" not in blocked.plugin_names


def test_the_template_source_drives_cases_and_merges(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The template's sample opens two cases; the repeat report merges."""
    monkeypatch.syspath_prepend(str(TEMPLATE))
    import govflow_template  # type: ignore[import-not-found]

    harness = PluginHarness(govflow_template, workflows=ROOT / "workflows.yaml")
    report = harness.run("template_reports")
    assert (report.opened, report.merged, report.dead) == (2, 1, 0)
    assert len(govflow_template.OPENED) >= 2


@pytest.mark.slow
def test_pip_installs_the_template_and_a_fresh_process_loads_it(tmp_path: Path) -> None:
    """pip install into a venv beside govflow; the entry point loads in a new interpreter."""
    if not can_build_wheels():
        pytest.skip("building the template needs `wheel` or setuptools >= 70.1 installed")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                           "'purelib'))"], check=True, capture_output=True, text=True).stdout
    parent_site = sysconfig.get_path("purelib")
    # see this interpreter's packages (govflow, pluggy, setuptools) from the new venv
    (Path(site.strip()) / "_govflow_parent.pth").write_text(
        f"import site; site.addsitedir({parent_site!r})\n", encoding="utf-8")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", str(TEMPLATE)],
                   check=True, capture_output=True, text=True, cwd=tmp_path)
    probe = ("from govflow.plugins import PluginHost; h = PluginHost(); "
             "print(h.registry.owners[('source', 'template_reports')])")
    out = subprocess.run([str(python), "-c", probe], check=True, capture_output=True,
                         text=True, cwd=tmp_path)
    assert out.stdout.strip() == "template"
    assert sys.prefix != str(env_dir)
