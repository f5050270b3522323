"""The refresh dialog (offscreen): progress per plugin, cancel, last result of each."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from workbench.core import cache
from workbench.core.config import Settings, load_settings
from workbench.core.plugins.api import Manifest, RefreshContext
from workbench.core.plugins.host import discover, plugin_from_function

LEFT = Qt.MouseButton.LeftButton


def _manifest(plugin_id: str, name: str) -> Manifest:
    return Manifest.from_dict(
        {"id": plugin_id, "name": name, "source": "test", "licence": "test", "attribution": "test",
         "tables": ["municipalities", "regions"], "refresh": "unused:refresh", "api_version": 1}
    )  # fmt: skip


def _settings(**plugins: dict) -> Settings:
    return Settings({"http": {"retries": 0, "backoff_s": 0}, "plugins": plugins}, ["test"])


def test_runs_real_boundaries_plugin_and_shows_results(
    qtbot, tmp_path: Path, kommuner_geojson: Path
):
    from workbench.qt.refresh_dialog import RefreshDialog

    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[plugins.boundaries]\nurl = "{kommuner_geojson.as_posix()}"\ncode_property = "kode"\n'
        'regions_url = ""\nregion_property = ""\n',
        "utf-8",
    )
    plugins = [p for p in discover() if p.id in ("boundaries", "jobindsats")]
    path = tmp_path / "cache.duckdb"
    dialog = RefreshDialog(path, load_settings(cfg), plugins=plugins)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.rows["boundaries"]["check"].isChecked()
    assert not dialog.rows["jobindsats"]["check"].isChecked()  # no API key configured
    assert dialog.rows["jobindsats"]["bar"].format() == "Ikke konfigureret"
    assert dialog.rows["boundaries"]["result"].text() == "Aldrig opdateret"

    fractions: list[float] = []
    dialog.progressChanged.connect(lambda pid, f, m: fractions.append(f))
    with qtbot.waitSignal(dialog.runFinished, timeout=30_000) as finished:
        qtbot.mouseClick(dialog.start_button, LEFT)
        assert not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert [r["status"] for r in finished.args[0]] == ["ok"]
    assert dialog.rows["boundaries"]["bar"].value() == 100
    assert dialog.rows["boundaries"]["result"].text().startswith("OK ")
    assert "municipalities: 99" in dialog.rows["boundaries"]["result"].text()
    assert dialog.status_label.text() == "Alle valgte kilder er opdateret."
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert 0.0 in fractions and any(0 < f < 1 for f in fractions)
    con = cache.connect(path)
    try:
        assert con.execute("SELECT count(*) FROM municipalities").fetchone() == (99,)
    finally:
        con.close()

    reopened = RefreshDialog(path, load_settings(cfg), plugins=plugins)  # last result persists
    qtbot.addWidget(reopened)
    assert reopened.rows["boundaries"]["result"].text().startswith("OK ")


def test_cancel_half_way_keeps_previous_data(qtbot, tmp_path: Path):
    from workbench.qt.refresh_dialog import RefreshDialog

    def first(ctx: RefreshContext) -> None:
        ctx.staging.insert("municipalities", [{"kode": "0101", "navn": "København"}])

    def slow(ctx: RefreshContext) -> None:
        ctx.staging.insert("municipalities", [{"kode": "0999", "navn": "Ny"}])
        ctx.progress(0.5, "halvvejs")
        # Wait for the user's cancel (bounded so a broken dialog cannot hang the suite).
        ctx.cancel_event.wait(20)
        ctx.check_cancelled()

    path = tmp_path / "cache.duckdb"
    plugins = [
        plugin_from_function(_manifest("a", "Kilde A"), first),
        plugin_from_function(_manifest("b", "Kilde B"), slow),
    ]
    dialog = RefreshDialog(path, _settings(a={"x": 1}, b={"x": 1}), plugins=plugins)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.runFinished, timeout=30_000):
        dialog.start(["a"])
    plugins[0].refresh_function = slow  # the next run of "a" would replace København

    def halfway(pid: str, fraction: float, message: str) -> bool:
        return message == "halvvejs"

    with qtbot.waitSignal(dialog.progressChanged, check_params_cb=halfway, timeout=30_000):
        dialog.start(["a", "b"])
    assert dialog.rows["a"]["bar"].value() == 50
    with qtbot.waitSignal(dialog.runFinished, timeout=30_000) as finished:
        qtbot.mouseClick(dialog.cancel_button, LEFT)
    assert [(r["plugin"], r["status"]) for r in finished.args[0]] == [
        ("a", "cancelled")
    ]  # b never started
    assert dialog.rows["a"]["bar"].format() == "Annulleret"
    assert dialog.rows["a"]["result"].text().startswith("Annulleret")
    assert dialog.status_label.text() == "Annulleret. De hidtidige data er bevaret."
    con = cache.connect(path)
    try:
        assert con.execute("SELECT kode, navn FROM municipalities").fetchall() == [
            ("0101", "København")
        ]
    finally:
        con.close()


def test_broken_plugin_is_shown_and_cannot_be_selected(qtbot, tmp_path: Path):
    from workbench.core.plugins.host import PluginInfo
    from workbench.qt.refresh_dialog import RefreshDialog

    broken = PluginInfo(
        id="x",
        package="acme_x",
        manifest=None,
        status="broken",
        error="no manifest.toml in package acme_x",
    )
    dialog = RefreshDialog(tmp_path / "c.duckdb", _settings(), plugins=[broken])
    qtbot.addWidget(dialog)
    assert not dialog.rows["x"]["check"].isEnabled()
    assert dialog.rows["x"]["result"].text() == "Defekt: no manifest.toml in package acme_x"
    dialog.start()
    assert dialog.status_label.text() == "Vælg mindst én kilde." and not dialog.is_running()


def test_an_expired_jobindsats_key_is_one_line_naming_the_setting(
    qtbot, tmp_path: Path, kommuner_geojson: Path, shared_fixtures: Path
):
    """Jobindsats answers a wrong or expired key with HTTP 200 and a one-key object."""
    from tests.plugins.fixture_server import FixtureServer, Reply
    from workbench.qt.refresh_dialog import RefreshDialog

    secret = "udløbet-nøgle-123456"
    body = shared_fixtures / "sources-2026" / "jobindsats" / "error_wrong_or_expired_key.json"
    with FixtureServer() as server:
        refused = Reply(200, body.read_bytes(), {"Content-Type": "application/json"})
        server.route("GET", "/v2/tables/Y30R21/json", refused)
        server.route("POST", "/v2/data/Y30R21/json", refused)
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'[plugins.boundaries]\nurl = "{kommuner_geojson.as_posix()}"\ncode_property = "kode"\n'
            'regions_url = ""\nregion_property = ""\n\n'
            f'[plugins.jobindsats]\nbase_url = "{server.url}/v2"\n',
            "utf-8",
        )
        settings = load_settings(cfg, environ={"WORKBENCH__PLUGINS__JOBINDSATS__API_KEY": secret})
        plugins = [p for p in discover() if p.id in ("boundaries", "jobindsats")]
        dialog = RefreshDialog(tmp_path / "cache.duckdb", settings, plugins=plugins)
        qtbot.addWidget(dialog)
        dialog.show()
        with qtbot.waitSignal(dialog.runFinished, timeout=30_000):
            qtbot.mouseClick(dialog.start_button, LEFT)
    text = dialog.rows["jobindsats"]["result"].text().replace("\u200b", "")  # wrap points
    assert text.endswith(
        " – Jobindsats: forkert eller udløbet API-nøgle; sæt en ny i "
        "WORKBENCH__PLUGINS__JOBINDSATS__API_KEY ([plugins.jobindsats] api_key)"
    )
    assert "\n" not in text and secret not in text


def test_check_sources_button_shows_findings_off_the_gui_thread(qtbot, tmp_path: Path):
    """ "Kontrollér kilder": the addresses check against a local Adressevælger with a wrong
    token, and a plugin without its own check on a URL that answers a web page."""
    from tests.plugins.fixture_server import FixtureServer, Reply
    from workbench.qt.refresh_dialog import RefreshDialog

    plain = plugin_from_function(_manifest("plain", "Enkel kilde"), lambda ctx: None)
    plain.manifest = Manifest.from_dict({**plain.manifest.to_dict(), "config": {"url": "kilde"}})
    with FixtureServer() as server:
        server.route("GET", "/adresser/soeg", Reply.json({"status": "error"}, status=401))
        server.route("GET", "/side", Reply.text("<html></html>", "text/html"))
        settings = _settings(
            addresses={"base_url": server.url, "token": "forkert"},
            plain={"url": server.url + "/side"},
        )
        plugins = [p for p in discover() if p.id == "addresses"] + [plain]
        dialog = RefreshDialog(tmp_path / "cache.duckdb", settings, plugins=plugins)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.check_button.text() == "Kontrollér kilder"
        with qtbot.waitSignal(dialog.checkFinished, timeout=30_000) as finished:
            qtbot.mouseClick(dialog.check_button, LEFT)
            assert not dialog.check_button.isEnabled()
    rows = {r["plugin"]: r for r in finished.args[0]}
    assert rows["addresses"]["setting"] == "plugins.addresses.token"
    assert rows["plain"]["setting"] == "plugins.plain.url"
    lines = dialog.check_label.text().splitlines()
    assert lines[0] == "Kontrol af kilderne: 2 af 2 har problemer."
    assert lines[1].startswith("✗ Adresser og geokodning: Adressevælger: adgang nægtet (HTTP 401)")
    assert lines[1].endswith("(ret plugins.addresses.token)")
    assert lines[2].startswith("✗ Enkel kilde: url: svaret er en webside")
    assert dialog.check_button.isEnabled()
    assert not (tmp_path / "cache.duckdb").exists()  # the check opens no cache


def test_a_source_that_wrote_nothing_says_so_and_why(qtbot, tmp_path: Path):
    from workbench.qt.refresh_dialog import RefreshDialog

    def empty(ctx: RefreshContext) -> None:
        ctx.staging.table("regions", mode="upsert", key=["kode"])

    def all_rejected(ctx: RefreshContext) -> None:
        ctx.staging.table("regions", mode="upsert", key=["kode"])
        for n in range(3):
            ctx.staging.reject("regions", "ingen kode", row_number=n)

    plugins = [
        plugin_from_function(_manifest("a", "Kilde A"), empty),
        plugin_from_function(_manifest("b", "Kilde B"), all_rejected),
    ]
    dialog = RefreshDialog(
        tmp_path / "c.duckdb", _settings(a={"x": 1}, b={"x": 1}), plugins=plugins
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.runFinished, timeout=30_000):
        dialog.start(["a", "b"])
    text_a = dialog.rows["a"]["result"].text()
    text_b = dialog.rows["b"]["result"].text()
    assert text_a.startswith("OK ") and "intet skrevet: kilden leverede ingen rækker" in text_a
    assert "intet skrevet: alle 3 rækker blev afvist" in text_b
    assert "Kilde A: OK" in dialog.details.toPlainText()


def test_a_long_error_is_shown_whole_without_widening_the_dialog(qtbot, tmp_path: Path):
    from workbench.core.plugins.api import PluginError
    from workbench.qt.refresh_dialog import RefreshDialog

    url = "https://api.dataforsyningen.dk/DAGI_10MULTIGEOM_GMLSFP_DAF?" + "&".join(
        f"parameter_{i}=value_{i}" for i in range(20)
    )
    message = f"kan ikke forbinde til kilden — forbindelse mislykkedes til {url} (slut)"

    def failing(ctx: RefreshContext) -> None:
        raise PluginError(message)

    plugins = [plugin_from_function(_manifest("a", "Kilde A"), failing)]
    dialog = RefreshDialog(tmp_path / "c.duckdb", _settings(a={"x": 1}), plugins=plugins)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.runFinished, timeout=30_000):
        dialog.start(["a"])
    assert message in dialog.details.toPlainText()
    assert dialog.rows["a"]["result"].toolTip().endswith(message)
    label = dialog.rows["a"]["result"]
    dialog.layout().activate()
    # The label wraps inside the dialog: its whole text fits in its width and height.
    assert dialog.sizeHint().width() < 1200
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))
