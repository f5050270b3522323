"""Discovery through real entry points of a fake installed distribution; Qt-free imports."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.core.plugins.host import PluginHost, discover

from .conftest import settings

GOOD_MANIFEST = """
id = "{id}"
name = "Acme"
source = "Acme API"
licence = "CC BY 4.0"
attribution = "Acme"
api_version = 1
tables = ["municipalities"]
refresh = ".work:refresh"
[config]
base_url = "where Acme lives"
"""


def _install_fake_dist(root: Path, plugins: dict[str, dict[str, str]]) -> None:
    """Write packages and a ``.dist-info`` with entry points under ``root`` (on sys.path)."""
    lines = ["[workbench.plugins]"]
    for name, files in plugins.items():
        pkg = root / f"acme_{name}"
        pkg.mkdir()
        for fname, text in files.items():
            (pkg / fname).write_text(textwrap.dedent(text), "utf-8")
        lines.append(f"{name} = acme_{name}")
    dist = root / "acme_plugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-plugins\nVersion: 1.0\n", "utf-8"
    )
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n", "utf-8")


@pytest.fixture
def fake_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    _install_fake_dist(
        root,
        {
            # The package itself cannot be imported: the manifest must still be read.
            "good": {
                "__init__.py": "raise RuntimeError('importing the package is not allowed')\n",
                "manifest.toml": GOOD_MANIFEST.format(id="good"),
                "work.py": "def refresh(ctx):\n    pass\n",
            },
            "nomanifest": {"__init__.py": ""},
            "badtoml": {"__init__.py": "", "manifest.toml": "id = [unclosed\n"},
            "mismatch": {"__init__.py": "", "manifest.toml": GOOD_MANIFEST.format(id="other")},
        },
    )
    monkeypatch.syspath_prepend(str(root))
    for name in list(sys.modules):
        if name.startswith("acme_"):
            monkeypatch.delitem(sys.modules, name)
    return root


def test_manifest_read_without_importing_and_broken_plugins_listed(fake_dist: Path):
    found = {p.id: p for p in discover() if p.distribution == "acme-plugins"}
    assert set(found) == {"good", "nomanifest", "badtoml", "mismatch"}
    good = found["good"]
    assert good.status == "ok" and good.manifest is not None
    assert good.manifest.config == {"base_url": "where Acme lives"}
    assert "acme_good" not in sys.modules
    assert (
        found["nomanifest"].status == "broken" and "no manifest.toml" in found["nomanifest"].error
    )
    assert found["badtoml"].status == "broken" and "malformed" in found["badtoml"].error
    assert (
        found["mismatch"].status == "broken"
        and "differs from entry point" in found["mismatch"].error
    )


def test_plugin_failing_at_import_is_reported_and_the_host_keeps_running(
    fake_dist: Path, tmp_path: Path
):
    infos = [p for p in discover() if p.distribution == "acme-plugins"]
    cfg = settings(good={"base_url": "x"}, nomanifest={"a": 1})
    with PluginHost(tmp_path / "c.duckdb", cfg, plugins=infos) as host:
        assert host.configured_ids() == ["good"]
        results = {r.plugin: r for r in host.refresh(["good", "nomanifest"])}
        assert results["good"].status == "failed"
        assert (
            "kan ikke indlæses: RuntimeError: importing the package is not allowed"
            in results["good"].message
        )
        assert host.plugins["good"].status == "broken"
        assert (
            results["nomanifest"].status == "failed"
            and "no manifest.toml" in results["nomanifest"].message
        )


def test_builtin_plugins_are_declared():
    found = {p.id: p for p in discover()}
    for plugin_id in ("boundaries", "statbank", "jobindsats", "taxonomies"):
        assert found[plugin_id].status == "ok", found[plugin_id].error
        assert found[plugin_id].manifest.licence and found[plugin_id].manifest.attribution


@pytest.mark.parametrize(
    "module",
    [
        "workbench.core.plugins.host",
        "workbench.plugins.boundaries.refresh",
        "workbench.plugins.statbank.refresh",
        "workbench.plugins.jobindsats.refresh",
        "workbench.plugins.taxonomies.refresh",
    ],
)
def test_importing_does_not_pull_qt(module: str):
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
