"""Brand words in English, Devanagari and Hinglish route to the right company."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from conftest import ROOT, file_complaint
from eseva.routing import BrandRouter, Company

BRANDS = ROOT / "catalog" / "brands.yml"


@pytest.fixture(scope="module")
def brands() -> BrandRouter:
    return BrandRouter.from_file(BRANDS)


@pytest.mark.parametrize(
    ("text", "company"),
    [
        # English
        ("Indane cylinder not delivered", "IOCL"),
        ("IndianOil petrol pump on NH-8", "IOCL"),
        ("Indian Oil outlet 102072", "IOCL"),
        ("IOC pump gave less fuel", "IOCL"),
        ("Bharat Petroleum pump", "BPCL"),
        ("my Bharatgas distributor", "BPCL"),
        ("BPCL outlet near Khed Shivapur", "BPCL"),
        ("HP Gas agency in Lucknow", "HPCL"),
        ("Hindustan Petroleum pump", "HPCL"),
        ("HP pump, Jaipur bypass", "HPCL"),
        ("IGL bill is too high", "IGL"),
        ("Mahanagar Gas meter reading", "MGL"),
        ("MNGL connection pending in Pune", "MNGL"),
        ("Adani Gas CNG station queue", "ATGL"),
        ("Gujarat Gas PNG", "GUJARAT_GAS"),
        ("GAIL Gas connection", "GAIL"),
        ("no kerosene at the ration shop", "STATE_PDS"),
        # Devanagari
        ("इंडेन का सिलेंडर नहीं आया", "IOCL"),
        ("इंडियन ऑयल पंप, जयपुर बाईपास", "IOCL"),
        ("भारत गैस की एजेंसी", "BPCL"),
        ("भारत पेट्रोलियम का पंप", "BPCL"),
        ("एचपी गैस, गोमती नगर लखनऊ", "HPCL"),
        ("हिंदुस्तान पेट्रोलियम पंप पर कम तेल", "HPCL"),
        ("आईजीएल का बिल ज़्यादा आया", "IGL"),
        ("महानगर गैस का मीटर", "MGL"),
        ("मिट्टी का तेल नहीं मिला", "STATE_PDS"),
        # Hinglish
        ("indan ka cylinder 10 din se nahi aaya", "IOCL"),
        ("bharat gas wale ne paise zyada liye", "BPCL"),
        ("bharatgass agency band hai", "BPCL"),
        ("hp gas ki delivery late", "HPCL"),
        ("hpgas wala bola kal aayega", "HPCL"),
        ("mitti ka tel ration pe nahi mila", "STATE_PDS"),
    ],
)
def test_brand_words_route(brands: BrandRouter, text: str, company: str) -> None:
    assert brands.route(text) == company


@pytest.mark.parametrize(
    "text",
    [
        "shp road, near the bus stand",  # "hp" inside a word
        "the biocide was added",  # "ioc" inside a word
        "chhotu ne bola",  # a name, not the 5 kg cylinder
        "bharat mata chowk",  # "bharat" alone is the country
        "gas nahi aayi",
        "गेलरी में रखा",  # "गेल" inside a word
        "",
    ],
)
def test_words_inside_other_words_do_not_route(brands: BrandRouter, text: str) -> None:
    assert brands.route(text) is None


def test_longest_match_wins(brands: BrandRouter) -> None:
    # "indian oil corporation" is one brand word; the first company named leads.
    assert brands.find("Indian Oil Corporation and HP") == ["IOCL", "HPCL"]
    assert brands.find("एचपीसीएल") == ["HPCL"]


def test_route_reads_texts_in_order(brands: BrandRouter) -> None:
    assert brands.route(None, "no brand here", "HP Gas") == "HPCL"
    assert brands.route("Bharatgas", "HP Gas") == "BPCL"


def test_catalog_is_well_formed() -> None:
    data = yaml.safe_load(BRANDS.read_text(encoding="utf-8"))
    for code, entry in data["companies"].items():
        assert code.isupper(), code
        assert entry["name"].strip()
        assert entry["words"], code


def test_a_word_listed_for_two_companies_is_refused() -> None:
    companies = {
        "A": Company("A", "A Ltd", ("gas one",)),
        "B": Company("B", "B Ltd", ("Gas One",)),
    }
    with pytest.raises(ValueError, match="listed for"):
        BrandRouter(companies)


def test_extending_the_file_extends_routing(tmp_path: Path) -> None:
    path = tmp_path / "brands.yml"
    path.write_text(
        "companies:\n  NEWCO:\n    name: New Co\n    words: [nayi gas, नई गैस]\n",
        encoding="utf-8",
    )
    brands = BrandRouter.from_file(path)
    assert brands.route("नई गैस का बिल") == "NEWCO"


@pytest.mark.parametrize(
    ("fields", "company"),
    [
        ({"service_agency": "Shree Ganesh Gas (इंडेन)"}, "IOCL"),
        ({"service_agency": None, "outlet_details": "bharat gas godown"}, "BPCL"),
        (
            {"service_agency": None, "description": "hp gas wala paise maang raha"},
            "HPCL",
        ),
        ({"company": "MGL", "service_agency": "Indane"}, "MGL"),
        ({"category": "kerosene", "service_agency": "ration shop"}, "STATE_PDS"),
        ({"service_agency": "Sharma agency", "description": "no brand"}, None),
    ],
)
def test_complaints_are_routed_on_create(
    client: TestClient, fields: dict, company: str | None
) -> None:
    assert file_complaint(client, **fields)["company"] == company
