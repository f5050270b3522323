"""Build the self-contained one-folder bundle ``dist/workbench/`` with PyInstaller.

    python packaging/build.py [--seed-from ../shared/fixtures] [--skip-install]

Steps, each reproducible from the pinned versions:
1. a clean build environment (``build/venv``) with the project installed from this checkout
   (not editable) and the pinned PyInstaller;
2. the reference-data seed: the boundaries and taxonomies plugins run into a fresh cache and
   their public tables are written as Parquet files, so a new installation shows Denmark
   (municipality outlines, occupations, industries) before its first refresh. With
   ``--seed-from DIR`` the plugins read the source files in DIR (CI uses
   ``../shared/fixtures``); without it they use their configured online sources;
3. PyInstaller with ``packaging/workbench.spec`` -> ``dist/workbench/``.

The Windows installer (MSI) is built from ``dist/workbench/`` with WiX: see
``packaging/README.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYINSTALLER = "pyinstaller==6.22.3"
HOOKS = "pyinstaller-hooks-contrib==2026.9"
SEED_TABLES = (
    "municipalities",
    "regions",
    "occupations",
    "industries",
    "industries_db25",
    "qualifications",
)


def _python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def build_env(build: Path, skip_install: bool) -> Path:
    env_dir = build / "venv"
    python = _python(env_dir)
    if skip_install and python.exists():
        return python
    if env_dir.exists():
        shutil.rmtree(env_dir)
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(ROOT), PYINSTALLER, HOOKS], check=True)
    return python


SEED_SCRIPT = r"""
import sys, tempfile
from pathlib import Path
fixtures, out = (Path(a) if a else None for a in sys.argv[1:3])
tables = sys.argv[3].split(",")
from workbench.core.config import load_settings, deep_merge
from workbench.core.plugins.host import PluginHost, discover
settings = load_settings()
if fixtures is not None:
    settings.data = deep_merge(settings.data, {"plugins": {
        "boundaries": {"url": str(fixtures / "boundaries" / "kommuner.geojson"),
                       "regions_url": str(fixtures / "boundaries" / "regioner.geojson"),
                       "code_property": "kode", "name_property": "navn",
                       "region_property": "", "region_link_property": "",
                       "region_code_property": "kode", "region_name_property": "navn"},
        "taxonomies": {"db07_url": str(fixtures / "classifications" / "db07.tsv"),
                       "disco_url": str(fixtures / "sources-2026" / "taxonomies" / "disco08_kvaldel_head.csv")},
    }})
with tempfile.TemporaryDirectory() as tmp:
    host = PluginHost(Path(tmp) / "seed.duckdb", settings,
                      plugins=[p for p in discover() if p.id in ("boundaries", "taxonomies")])
    try:
        for result in host.refresh(["boundaries", "taxonomies"]):
            print(f"seed: {result.plugin}: {'ok' if result.ok else result.message}")
            if not result.ok:
                sys.exit(1)
        out.mkdir(parents=True, exist_ok=True)
        for table in tables:
            n = host.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if n:
                host.con.execute(f"COPY {table} TO '{(out / (table + '.parquet')).as_posix()}' (FORMAT parquet)")
                print(f"seed: {table}: {n} rows")
    finally:
        host.close()
"""


def build_seed(python: Path, build: Path, fixtures: Path | None) -> Path:
    out = build / "seed"
    if out.exists():
        shutil.rmtree(out)
    env = {
        **os.environ,
        "WORKBENCH_DATA_DIR": str(build / "seed-home"),
        "WORKBENCH_USER_CONFIG": str(build / "seed-home" / "none.toml"),
        "WORKBENCH_MACHINE_CONFIG": str(build / "seed-home" / "none.toml"),
    }
    subprocess.run(
        [str(python), "-c", SEED_SCRIPT, str(fixtures or ""), str(out), ",".join(SEED_TABLES)],
        check=True,
        env=env,
        cwd=build,  # not the checkout: import the installed package
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seed-from", type=Path, help="source files for the seed (CI: ../shared/fixtures)"
    )
    parser.add_argument("--no-seed", action="store_true", help="build without reference data")
    parser.add_argument("--skip-install", action="store_true", help="reuse build/venv")
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build")
    parser.add_argument("--dist-dir", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    build = args.build_dir.resolve()
    build.mkdir(parents=True, exist_ok=True)
    python = build_env(build, args.skip_install)
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "1764547200")}
    if not args.no_seed:
        fixtures = args.seed_from.resolve() if args.seed_from else None
        env["JOBKORT_SEED_DIR"] = str(build_seed(python, build, fixtures))
    subprocess.run(
        [
            str(python),
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(args.dist_dir),
            "--workpath",
            str(build / "pyinstaller"),
            str(ROOT / "packaging" / "workbench.spec"),
        ],
        check=True,
        env=env,
        cwd=build,  # not the checkout: bundle the installed package
    )
    print(f"built {args.dist_dir / 'workbench'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
