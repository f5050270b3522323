"""The areas Arbejdsmarkedsbalancen is published for, as municipalities (a documented mapping).

STAR publishes the balance for the 8 regional labour market council areas (RAR-områder).
Each RAR area is a fixed set of municipalities (bekendtgørelse om regionale
arbejdsmarkedsråd); the five regions are unions of RAR areas (Midtjylland = Vestjylland +
Østjylland, Syddanmark = Sydjylland + Fyn, Hovedstaden = Hovedstaden + Bornholm). A file
that names a region, a single municipality (name or code) or the whole country is mapped the
same way. Christiansø (0411) lies outside the municipal division and goes with Bornholm.
"""

from __future__ import annotations

import unicodedata

MUNICIPALITIES: dict[str, str] = {
    "0101": "København", "0147": "Frederiksberg", "0151": "Ballerup", "0153": "Brøndby",
    "0155": "Dragør", "0157": "Gentofte", "0159": "Gladsaxe", "0161": "Glostrup",
    "0163": "Herlev", "0165": "Albertslund", "0167": "Hvidovre", "0169": "Høje-Taastrup",
    "0173": "Lyngby-Taarbæk", "0175": "Rødovre", "0183": "Ishøj", "0185": "Tårnby",
    "0187": "Vallensbæk", "0190": "Furesø", "0201": "Allerød", "0210": "Fredensborg",
    "0217": "Helsingør", "0219": "Hillerød", "0223": "Hørsholm", "0230": "Rudersdal",
    "0240": "Egedal", "0250": "Frederikssund", "0253": "Greve", "0259": "Køge",
    "0260": "Halsnæs", "0265": "Roskilde", "0269": "Solrød", "0270": "Gribskov",
    "0306": "Odsherred", "0316": "Holbæk", "0320": "Faxe", "0326": "Kalundborg",
    "0329": "Ringsted", "0330": "Slagelse", "0336": "Stevns", "0340": "Sorø",
    "0350": "Lejre", "0360": "Lolland", "0370": "Næstved", "0376": "Guldborgsund",
    "0390": "Vordingborg", "0400": "Bornholm", "0410": "Middelfart", "0411": "Christiansø",
    "0420": "Assens", "0430": "Faaborg-Midtfyn", "0440": "Kerteminde", "0450": "Nyborg",
    "0461": "Odense", "0479": "Svendborg", "0480": "Nordfyn", "0482": "Langeland",
    "0492": "Ærø", "0510": "Haderslev", "0530": "Billund", "0540": "Sønderborg",
    "0550": "Tønder", "0561": "Esbjerg", "0563": "Fanø", "0573": "Varde",
    "0575": "Vejen", "0580": "Aabenraa", "0607": "Fredericia", "0615": "Horsens",
    "0621": "Kolding", "0630": "Vejle", "0657": "Herning", "0661": "Holstebro",
    "0665": "Lemvig", "0671": "Struer", "0706": "Syddjurs", "0707": "Norddjurs",
    "0710": "Favrskov", "0727": "Odder", "0730": "Randers", "0740": "Silkeborg",
    "0741": "Samsø", "0746": "Skanderborg", "0751": "Aarhus", "0756": "Ikast-Brande",
    "0760": "Ringkøbing-Skjern", "0766": "Hedensted", "0773": "Morsø", "0779": "Skive",
    "0787": "Thisted", "0791": "Viborg", "0810": "Brønderslev", "0813": "Frederikshavn",
    "0820": "Vesthimmerland", "0825": "Læsø", "0840": "Rebild", "0846": "Mariagerfjord",
    "0849": "Jammerbugt", "0851": "Aalborg", "0860": "Hjørring",
}  # fmt: skip

_SJAELLAND = "0253 0259 0265 0269 0306 0316 0320 0326 0329 0330 0336 0340 0350 0360 0370 0376 0390"
_BORNHOLM = "0400 0411"
_RAR_CODES: dict[str, str] = {
    "Nordjylland": "0773 0787 0810 0813 0820 0825 0840 0846 0849 0851 0860",
    "Vestjylland": "0657 0661 0665 0671 0756 0760 0779 0791",
    "Østjylland": "0615 0706 0707 0710 0727 0730 0740 0741 0746 0751 0766",
    "Sydjylland": "0510 0530 0540 0550 0561 0563 0573 0575 0580 0607 0621 0630",
    "Fyn": "0410 0420 0430 0440 0450 0461 0479 0480 0482 0492",
    "Sjælland": _SJAELLAND,
    "Bornholm": _BORNHOLM,
    "Hovedstaden": " ".join(
        k for k in MUNICIPALITIES if k < "0400" and k not in _SJAELLAND.split()
    ),
}
RAR_AREAS: dict[str, tuple[str, ...]] = {
    name: tuple(codes.split()) for name, codes in _RAR_CODES.items()
}
REGIONS: dict[str, tuple[str, ...]] = {
    "Nordjylland": RAR_AREAS["Nordjylland"],
    "Midtjylland": RAR_AREAS["Vestjylland"] + RAR_AREAS["Østjylland"],
    "Syddanmark": RAR_AREAS["Sydjylland"] + RAR_AREAS["Fyn"],
    "Sjælland": RAR_AREAS["Sjælland"],
    "Hovedstaden": RAR_AREAS["Hovedstaden"] + RAR_AREAS["Bornholm"],
}
WHOLE_COUNTRY = ("hele landet", "landsplan", "danmark", "i alt", "hele danmark")


def fold(text: str) -> str:
    """Lower case, NFC, single spaces, en dash as hyphen: for comparing names."""
    text = unicodedata.normalize("NFC", str(text)).strip().lower().replace("–", "-")
    return " ".join(text.split())


def _build_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for code, name in MUNICIPALITIES.items():
        for key in (name, f"{name} kommune", f"{name}s kommune", code, code.lstrip("0")):
            index.setdefault(fold(key), (code,))
    index[fold("Københavns Kommune")] = ("0101",)
    for name, codes in REGIONS.items():
        for key in (f"region {name}", f"region {name.lower()}"):
            index[fold(key)] = codes
    for name, codes in RAR_AREAS.items():
        # "RAR Fyn", "RAR-Fyn", "RAR-område Fyn", "Fyn": a RAR name wins over a region name
        for key in (f"rar {name}", f"rar-{name}", f"rar-område {name}", f"rar område {name}"):
            index[fold(key)] = codes
        index[fold(name)] = codes
    every = tuple(sorted(MUNICIPALITIES))
    for key in WHOLE_COUNTRY:
        index[key] = every
    return index


_INDEX = _build_index()


def municipalities_of(area: str) -> tuple[str, ...] | None:
    """The 4-digit municipality codes an area of the file covers; None when unknown."""
    key = fold(area)
    found = _INDEX.get(key)
    if found is None and key.isdigit() and len(key) <= 4:
        found = _INDEX.get(key.zfill(4))
    return found
