"""The packaging files: the MSI definition's structure, the machine-wide template (valid, its
locked keys and references), and the bundle spec's inputs. The bundle itself is built and
smoke-tested by .ci/run (packaging/build.py)."""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIX = "{http://wixtoolset.org/schemas/v4/wxs}"


def test_msi_definition_per_machine_with_shortcut_association_and_config_copy() -> None:
    tree = ET.parse(ROOT / "packaging" / "windows" / "Jobkort.wxs")
    package = tree.getroot().find(f"{WIX}Package")
    assert package is not None and package.get("Scope") == "perMachine"
    assert package.find(f"{WIX}MajorUpgrade") is not None
    assert package.find(f"{WIX}Property[@Id='CONFIGFILE']") is not None
    shortcut = package.find(f".//{WIX}Shortcut")
    assert shortcut is not None and shortcut.get("Target").endswith("jobkort.exe")
    ext = package.find(f".//{WIX}ProgId/{WIX}Extension")
    assert ext is not None and ext.get("Id") == "jobkort"
    copy = package.find(f".//{WIX}CopyFile")
    assert copy is not None and copy.get("DestinationName") == "workbench.toml"


def test_machine_template_is_valid_and_loads_as_the_machine_layer(
    tmp_path: Path, monkeypatch
) -> None:
    from workbench.core.config import load_settings

    template = ROOT / "packaging" / "workbench.machine.toml"
    data = tomllib.loads(template.read_text("utf-8"))
    assert "user.jobcenter" in data["locked"]
    # no secret values in the template: references only
    assert data["plugins"]["cvr"]["password"].startswith("keyring:")
    monkeypatch.setenv("WORKBENCH_MACHINE_CONFIG", str(template))
    settings = load_settings(environ={"JOBKORT_CVR_USER": "k851"})
    assert settings.get("plugins.cvr.username") == "k851"
    assert settings.get("user.role") == "konsulent"


def test_bundle_spec_carries_extensions_metadata_and_seed() -> None:
    spec = (ROOT / "packaging" / "workbench.spec").read_text("utf-8")
    for needed in (
        'collect_data_files("duckdb_extension_spatial")',
        'collect_data_files("duckdb_extension_httpfs")',
        'copy_metadata("jobkort-workbench")',
        "workbench/resources/seed",
        'name="jobkort", console=False',
    ):
        assert needed in spec
