"""Adressevælger on a local FixtureServer, answering with the captured responses.

``sources-2026/adressevaelger/dar-responses.json`` (captured from the live service) holds
the answers of ``/adresser/soeg`` for four texts and of ``/adresser/{id}`` for one id. A
text or id that was not captured gets what the service gives for no hits (an empty
``fund`` in the captured envelope) or a 404. A request without the right token gets 401.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.plugins.fixture_server import FixtureServer, Reply

TOKEN = "tok-123"
CAPTURED_ID = "0a3f50a1-fc85-32b8-e044-0003ba298018"
CAPTURED_POINT = (724802.02, 6179167.92)


def captured(shared_fixtures: Path) -> dict[str, Any]:
    path = shared_fixtures / "sources-2026" / "adressevaelger" / "dar-responses.json"
    return json.loads(path.read_text("utf-8"))


def serve_adressevaelger(
    server: FixtureServer, shared_fixtures: Path, token: str = TOKEN
) -> dict[str, Any]:
    """Route ``/adresser/soeg`` and ``/adresser/*`` on ``server``; returns the captured file."""
    data = captured(shared_fixtures)
    detail = data["address"]

    def authorised(req: Any) -> bool:
        return req.query.get("token") == [token]

    def soeg(req: Any) -> Reply:
        if not authorised(req):
            return Reply.json({"status": "error", "beskrivelse": "ugyldig token"}, status=401)
        text = req.query.get("tekst", [""])[0]
        empty = {"status": "ok", "beskrivelse": "", "fund": []}
        return Reply.json(data["searches"].get(text, empty))

    def adresse(req: Any) -> Reply:
        if not authorised(req):
            return Reply.json({"status": "error", "beskrivelse": "ugyldig token"}, status=401)
        if req.path.rsplit("/", 1)[-1] == detail["id"]:
            return Reply.json(detail["response"])
        return Reply.json({"status": "error", "beskrivelse": "ikke fundet"}, status=404)

    server.route("GET", "/adresser/soeg", handler=soeg)
    server.route("GET", "/adresser/*", handler=adresse)
    return data
