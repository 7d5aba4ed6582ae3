"""Word lists for the entities analyzer: countries (pycountry + aliases), demonyms, organisations, titles."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"

#: Head words of titles and offices written before a person's name.
TITLE_HEADS = frozenset("""
president minister premier chancellor secretary general commander ambassador envoy spokesman
spokeswoman spokesperson senator governor mayor king queen prince princess pope patriarch
archbishop bishop cardinal director chairman chairwoman chair ceo chief leader speaker judge
justice prosecutor attorney lawyer coach captain manager sheikh emir sultan lord lady sir dame
mr mrs ms dr prof professor rev father sister brother colonel major lieutenant sergeant admiral
marshal officer commissioner representative rep sen gov deputy mp head boss founder
inspector superintendent detective minister-president vice-president
""".split())
#: Words that may stand inside a title before its head ("First Deputy Prime Minister").
TITLE_MODIFIERS = frozenset("""
first second deputy vice prime foreign defence defense interior finance economy justice health
trade energy education culture acting former outgoing incoming interim state assistant under
associate executive managing general chief supreme high senior junior lieutenant security affairs
of for the
""".split())
HONORIFICS = frozenset("mr mr. mrs mrs. ms ms. dr dr. prof prof. sir dame".split())


@dataclass(frozen=True)
class Lexicon:
    countries: dict[str, str]            # lower-cased name -> ISO alpha-2
    country_names: dict[str, str]        # ISO alpha-2 -> canonical short name
    demonyms: dict[str, str]             # lower-cased demonym -> ISO alpha-2
    organizations: dict[str, str]        # lower-cased name or alias -> canonical name
    places: frozenset[str]               # GeoNames city and US state names, case as written
    capitals: frozenset[str]             # GeoNames capitals of countries and territories


def _country_forms(country) -> list[str]:
    forms = [country.name, getattr(country, "official_name", None), getattr(country, "common_name", None)]
    if "," in country.name:  # "Moldova, Republic of" -> "Moldova"
        forms.append(country.name.split(",")[0])
    return [f for f in forms if f]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    import pycountry

    gazetteer = json.loads((DATA / "gazetteer.json").read_text(encoding="utf-8"))
    countries: dict[str, str] = {}
    names: dict[str, str] = {}
    ambiguous: set[str] = set()
    for country in pycountry.countries:
        names[country.alpha_2] = getattr(country, "common_name", None) or country.name.split(",")[0]
        for form in _country_forms(country):
            key = form.lower()
            if countries.get(key, country.alpha_2) != country.alpha_2:
                ambiguous.add(key)  # e.g. "Korea" for both Koreas
            countries[key] = country.alpha_2
    for key in ambiguous:
        countries.pop(key, None)
    for code, forms in {**gazetteer["countries"], **gazetteer["user_assigned"]}.items():
        for form in forms:
            countries[form.lower()] = code
    for code, forms in gazetteer["user_assigned"].items():
        names[code] = forms[0]
    for code, short in (("RU", "Russia"), ("GB", "United Kingdom"), ("US", "United States"), ("SY", "Syria"),
                        ("VN", "Vietnam"), ("TR", "Turkey"), ("LA", "Laos"), ("BN", "Brunei")):
        names[code] = short
    demonyms: dict[str, str] = {}
    for line in (DATA / "demonyms.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, forms = line.split("\t")
            for form in forms.split(","):
                demonyms[form.lower()] = code
    organizations: dict[str, str] = {}
    for name, aliases in gazetteer["organizations"].items():
        for form in (name, *aliases):
            organizations[form.lower()] = name
    places = {line for line in (DATA / "places.txt").read_text(encoding="utf-8").splitlines()
              if line and not line.startswith("#")}
    # the parts of a compound territory name are places too: "Metohija", "Herzegovina", "Tobago"
    places |= {part.title() for key in countries if " and " in key
               for part in key.split(" and ") if part.strip() and " " not in part.strip()}
    capitals = {line for line in (DATA / "capitals.txt").read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#")}
    return Lexicon(countries, names, demonyms, organizations, frozenset(places | capitals), frozenset(capitals))


def is_acronym(text: str) -> bool:
    """"NATO", "SNS", "KiM", "U.N.": short, at least two capitals, mostly capitals."""
    letters = re.sub(r"[^A-Za-z]", "", text)
    caps = sum(c.isupper() for c in letters)
    return 2 <= len(letters) <= 8 and caps >= 2 and caps * 2 > len(letters) and text[0].isupper()


def initials(name: str) -> str:
    """Capital initials of a name's capitalised words ("Kosovo and Metohija" -> "KM")."""
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w'-]*", name) if w[0].isupper())
