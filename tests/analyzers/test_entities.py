"""The entities analyzer on the seeds and on hand-written sentences (real spaCy, trained NER)."""
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsdesk import dev_data

CONLL_DEV = dev_data("conll2003", "eng.testa")


def entities_of(body):
    section = body["analysis"]["entities"]
    assert section["status"] == "done", section
    return section["result"]["entities"]


def find(entities, name):
    matches = [e for e in entities if e["name"] == name]
    assert len(matches) == 1, (name, [(e["name"], e["type"]) for e in entities])
    return matches[0]


@pytest.fixture(scope="module")
def run(analyze):
    return lambda text: entities_of(analyze(text, ["entities"]))


def test_output_shape_ids_order_and_offsets(seeds):
    for body in seeds.values():
        text = body["document"]["text"]
        entities = entities_of(body)
        assert entities, body["id"]
        assert [e["id"] for e in entities] == [f"E{i}" for i in range(1, len(entities) + 1)]
        saliences = [e["salience"] for e in entities]
        assert saliences == sorted(saliences, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in saliences)
        for e in entities:
            assert e["mention_count"] == len(e["mentions"]) >= 1
            for m in e["mentions"]:
                assert text[m["start"]:m["end"]] == m["text"]


def test_seed_people_appear_once_under_full_name_with_all_mentions(seeds):
    for body in seeds.values():
        text = body["document"]["text"]
        people = [e for e in entities_of(body) if e["type"] == "person"]
        names = [p["name"] for p in people]
        assert len(names) == len(set(names)), names
        for person in people:
            others = [p for p in people if p is not person]
            # no record is only the surname or first name of another
            assert not any(person["name"] in o["name"].split() for o in others), names
        for surname, full in (("Vucic", "Aleksandar Vucic"), ("Stoltenberg", "Jens Stoltenberg")):
            uses = [m.start() for m in re.finditer(rf"\b{surname}\b", text)]
            if uses:
                record = find(people, full)
                covered = [m["start"] for m in record["mentions"]]
                assert all(any(s <= u < s + 40 for s in covered) for u in uses), (full, body["id"])
                assert record["mention_count"] == len(uses)


def test_seed_organizations_and_countries(seeds):
    seen = set()
    for body in seeds.values():
        entities = entities_of(body)
        text = body["document"]["text"]
        for name in ("NATO", "KFOR", "European Union", "Serbian Progressive Party"):
            hits = [e for e in entities if e["name"] == name or e.get("acronym") == name]
            if re.search(rf"\b{name}\b", text):
                assert hits and all(e["type"] == "organization" for e in hits), (name, body["id"])
                seen.add(name)
        for name, code in (("Serbia", "RS"), ("Kosovo", "XK"), ("Russia", "RU"), ("Ukraine", "UA")):
            if re.search(rf"\b{name}\b", text):
                record = find(entities, name)
                assert (record["type"], record["country_code"]) == ("location", code), body["id"]
                seen.add(name)
    assert seen == {"NATO", "KFOR", "European Union", "Serbian Progressive Party",
                    "Serbia", "Kosovo", "Russia", "Ukraine"}


def test_seed_names_people_recognise(seeds):
    """Issue 20: full canonical names, names never cut in half, capitals and datelines as places."""
    bodies = {k[:3]: entities_of(b) for k, b in seeds.items()}
    for key in ("002", "003", "004"):
        eu = find(bodies[key], "European Union")
        assert eu["type"] == "organization" and "EU" in eu["aliases"], key
        assert not [e for e in bodies[key] if e["name"] == "EU"]
    assert find(bodies["002"], "Islamic State")["type"] == "organization"
    assert not [e for e in bodies["002"] if e["name"] == "Islamic"]
    osce = find(bodies["002"], "Organization for Security and Co-operation in Europe")
    assert osce["type"] == "organization" and osce["acronym"] == "OSCE"
    assert not [e for e in bodies["002"] if "Chairmanship" in e["name"]]
    for key in ("000", "002", "003", "004"):
        assert find(bodies[key], "Pristina")["type"] == "location", key
    assert find(bodies["004"], "Ohrid")["type"] == "location"
    assert not [e for e in bodies["002"] if "Meeting" in e["name"]]  # "attended the Meeting of the NAC"
    assert find(bodies["002"], "North Atlantic Council")["type"] == "organization"
    belgrade = find(bodies["000"], "Belgrade")  # the dateline "BELGRADE (UrduPoint News / Sputnik ...)"
    assert belgrade["type"] == "location" and "BELGRADE" in belgrade["aliases"]
    assert find(bodies["004"], "Vilnius")["type"] == "location"


def test_the_shared_parse_has_the_trained_entities(pipeline):
    """One NER pass: the plugin's CoNLL-trained ``ner`` replaced the stock one in the shared pipeline,
    so every analyzer sees the entities this one starts from; the stock labels stay."""
    nlp = pipeline.nlp
    assert nlp.meta["newsdesk_components"]["ner"].startswith("newsdesk_entities entities_conll_ner")
    assert "MISC" in nlp.get_pipe("ner").labels
    doc = nlp("Alan Shearer scored twice for Newcastle on Saturday, 17 August 1996, in London.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("Alan Shearer") == "PERSON" and labels.get("Newcastle") == "ORG"
    assert any(label == "DATE" for label in labels.values()), labels
    doc = nlp("Serbian President Aleksandar Vucic met the envoy.\n\nVucic said Serbia welcomes the decision.")
    assert [e.label_ for e in doc.ents if e.text == "Vucic"] == ["PERSON"]  # one person per surname, for all


def test_the_trained_ner_reads_static_vectors_from_the_shared_vocab(pipeline):
    """The NER's tok2vec looks words up in the shared pipeline's vectors (distilled from MiniLM): every
    written form of a listed word has the same vector, related words are near, and the NER's output
    changes when the vectors are taken away (so they are read, not merely loaded)."""
    import numpy
    from spacy.vectors import Vectors

    nlp = pipeline.nlp
    vectors = nlp.vocab.vectors
    assert vectors.shape[0] > 50_000 and vectors.shape[1] == 96
    london, upper = nlp.vocab["London"].vector, nlp.vocab["LONDON"].vector
    assert london.any() and numpy.array_equal(london, upper)

    def cos(a, b):
        return float(nlp.vocab[a].vector @ nlp.vocab[b].vector
                     / numpy.linalg.norm(nlp.vocab[a].vector) / numpy.linalg.norm(nlp.vocab[b].vector))
    assert cos("Barnsley", "Oldham") > cos("Barnsley", "parliament")
    text = "Barnsley beat Oldham 2-1 and Ferrari's Schumacher won at Monza, Reuters said on Sunday."
    tok2vec = nlp.get_pipe("ner").model.get_ref("tok2vec")
    with_vectors = tok2vec.predict([nlp.make_doc(text)])[0]
    zero = Vectors().from_bytes(vectors.to_bytes())
    zero.data = numpy.zeros(vectors.data.shape, dtype="float32")  # the same keys, every row zero
    nlp.vocab.vectors = zero
    try:
        without = tok2vec.predict([nlp.make_doc(text)])[0]
    finally:
        nlp.vocab.vectors = vectors
    assert not numpy.allclose(with_vectors, without)


def test_a_name_that_ran_into_a_date_is_cut_before_it():
    """A byline without punctuation ("Source: Tanjug Tuesday, July 11, 2023"): whatever the NER
    makes of it, no name keeps the date, and the date is one entity of its own."""
    import spacy
    from spacy.tokens import Span

    from newsdesk_entities.spans import surnames_are_people

    nlp = spacy.blank("en")
    doc = nlp("Source: Tanjug Tuesday, July 11, 2023 | 21:15. Ruby Tuesday opened.")
    doc.ents = [Span(doc, 2, 9, "ORG"), Span(doc, 12, 14, "ORG")]  # "Tanjug ... 2023", "Ruby Tuesday"
    assert [(e.text, e.label_) for e in surnames_are_people(doc).ents] == [
        ("Tanjug", "ORG"), ("Tuesday, July 11, 2023", "DATE"), ("Ruby Tuesday", "ORG")]


def test_seed_acronym_merges_with_its_expansion(seeds):
    body = next(b for b in seeds.values() if "(SNS)" in b["document"]["text"])
    party = find(entities_of(body), "Serbian Progressive Party")
    assert party["type"] == "organization"
    assert {m["text"] for m in party["mentions"]} >= {"Serbian Progressive Party", "SNS"}


def test_title_is_role_and_surname_merges(run):
    entities = run("German Chancellor Angela Merkel met the press in Berlin on Monday. "
                   "Later, Merkel said the talks had gone well.")
    merkel = find(entities, "Angela Merkel")
    assert merkel["type"] == "person" and merkel["mention_count"] == 2
    assert merkel["mentions"][0]["role"] == "Chancellor"
    assert merkel["mentions"][0]["text"] == "Angela Merkel"
    assert not [e for e in entities if e["name"] == "Merkel"]


def test_possessive_is_stripped(run):
    entities = run("Ukraine's president Volodymyr Zelensky spoke to reporters. "
                   "Zelensky's office later confirmed the meeting in Kyiv.")
    zelensky = find(entities, "Volodymyr Zelensky")
    assert {m["text"] for m in zelensky["mentions"]} == {"Volodymyr Zelensky", "Zelensky"}
    ukraine = find(entities, "Ukraine")
    assert ukraine["mentions"][0]["text"] == "Ukraine" and ukraine["country_code"] == "UA"


def test_parenthesised_acronym_links_later_uses(run):
    entities = run("The World Food Programme (WFP) warned of famine in Sudan on Tuesday. "
                   "WFP trucks reached the border a week later, the WFP said.")
    wfp = find(entities, "World Food Programme")
    assert wfp["type"] == "organization" and wfp["acronym"] == "WFP"
    assert wfp["mention_count"] == 4
    assert find(entities, "Sudan")["country_code"] == "SD"


def test_demonym_is_a_group_linked_to_its_country(run):
    entities = run("Russian officials said on Friday that Moscow would respond. "
                   "Polish and Russian diplomats met in Warsaw.")
    russian = find(entities, "Russian")
    assert russian["type"] == "group" and russian["label"] == "NORP"
    assert russian["country_code"] == "RU" and russian["mention_count"] == 2
    assert find(entities, "Polish")["country_code"] == "PL"


def test_gazetteer_types_alliances_as_organizations(run):
    entities = run("NATO and the EU discussed the KFOR mission with the OSCE in Vienna.")
    for name, acronym in (("NATO", None), ("European Union", "EU"), ("Kosovo Force", "KFOR"),
                          ("Organization for Security and Co-operation in Europe", "OSCE")):
        record = find(entities, name)  # the gazetteer's full name; the acronym stays an alias
        assert record["type"] == "organization", name
        assert record.get("acronym") == acronym and (acronym is None or acronym in record["aliases"]), record
    assert find(entities, "Vienna")["type"] == "location"


def test_countries_merge_by_code(run):
    entities = run("The U.S. and Britain signed the deal. The United States said Britain agreed.")
    us = find(entities, "United States")
    assert us["country_code"] == "US" and us["mention_count"] == 2
    assert find(entities, "United Kingdom")["country_code"] == "GB"


def test_hyphenated_name_is_one_person_and_urls_are_not_entities(run):
    entities = run("Jean-Pierre Raffarin met reporters in Lyon. "
                   "Raffarin posted https://example.org/Paris later.")
    raffarin = find(entities, "Jean-Pierre Raffarin")
    assert raffarin["mention_count"] == 2
    assert not [e for e in entities if "://" in e["name"]]


def test_adjectives_made_of_names_are_not_entities(run):
    """"NATO-led", "anti-Russian" are no names; Korean given names ("In-so") and "al-Qaeda" stay whole."""
    entities = run("The NATO-led force met anti-Russian protesters. Kim In-so, a Seoul-based envoy, "
                   "spoke to NATO about al-Qaeda.")
    names = {e["name"] for e in entities}
    assert not {"NATO-led", "anti-Russian", "Seoul-based"} & names
    assert find(entities, "NATO")["mention_count"] == 1
    assert find(entities, "Kim In-so")["type"] == "person"


def test_known_city_is_a_place_but_a_titled_name_stays_a_person(run):
    entities = run("The two leaders met in Ohrid on Friday. Talks in Skopje and Ohrid continued, "
                   "and Ohrid will host the next round.")
    ohrid = find(entities, "Ohrid")
    assert ohrid["type"] == "location" and ohrid["mention_count"] == 3
    entities = run("Senator Jackson said the bill would pass. Jackson told reporters in Denver that he was confident.")
    assert find(entities, "Jackson")["type"] == "person"
    assert find(entities, "Denver")["type"] == "location"


def test_title_case_headline_yields_only_known_names(run):
    entities = run("Greece Will Not Block Talks With Albania Despite Protests\n\n"
                   "Athens said on Monday it would not block accession talks with Albania.")
    assert {(e["name"], e["type"]) for e in entities} == {
        ("Greece", "location"), ("Albania", "location"), ("Athens", "location")}
    assert find(entities, "Albania")["mention_count"] == 2


def test_share_buttons_and_photo_credits_are_trimmed(run):
    entities = run("Photo: Reuters\n\nTweet Share Reuters\n\nPresident Emmanuel Macron spoke on Monday.")
    assert find(entities, "Reuters")["mention_count"] == 2
    assert not [e for e in entities if re.search(r"Tweet|Share|Photo", e["name"])]


def test_compound_place_acronym_takes_the_place_type(run):
    entities = run("The future of Bosnia and Herzegovina (BiH) was discussed. Officials said BiH must reform.")
    bih = find(entities, "Bosnia and Herzegovina")
    assert (bih["type"], bih["country_code"], bih["acronym"], bih["mention_count"]) == ("location", "BA", "BiH", 3)
    entities = run("Officials visited Trinidad and Tobago last week. TT authorities welcomed the visit.")
    tt = find(entities, "Trinidad and Tobago")
    assert tt["acronym"] == "TT" and tt["mention_count"] == 2
    # a person the NER starts inside a known "X and Y" place name is dropped
    entities = run("Troops patrolled Bosnia and Herzegovina Reinforcing the border was discussed.")
    assert [(e["name"], e["type"]) for e in entities] == [("Bosnia and Herzegovina", "location")]


def test_event_weeks_and_lone_bodies(run):
    entities = run("Diplomats opened the 5th Prague NATO Week on Tuesday.")
    assert find(entities, "NATO Week")["type"] == "event"
    entities = run("Leaders said the Alliance would stay united, and Greece agreed.")
    assert find(entities, "Alliance")["type"] == "organization"


def test_empty_text_has_no_entities(run):
    assert run("") == []
    assert run("  \n\n ") == []


@pytest.mark.skipif(not CONLL_DEV.exists(), reason=f"CoNLL-2003 dev data not found at {CONLL_DEV} (set NEWSDESK_DEV_DATA)")
def test_eval_smoke_on_five_documents():
    from newsdesk_entities.evaluate import cli

    result = CliRunner().invoke(cli, [str(CONLL_DEV), "--limit", "5", "--speed", "20"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["documents"] == 5 and figures["part"] == "all"
    # the speed run pairs bare and full parses batch by batch, three rounds; the whole run's ratio
    # lies within its rounds' spread (no bound on the value itself: timing belongs to benchmarks)
    assert figures["speed_documents"] == 20 and len(figures["speed_ratio_rounds"]) == 3
    assert min(figures["speed_ratio_rounds"]) <= figures["speed_ratio"] <= max(figures["speed_ratio_rounds"])
    assert set(figures["per_type"]) == {"PER", "ORG", "LOC"}
    assert figures["micro_f1"] > figures["baseline_micro_f1"]
    assert 0 < figures["p99_ms_per_doc"] <= figures["max_ms_per_doc"]
    low, high = figures["micro_f1_ci95"]
    assert low <= figures["micro_f1"] <= high and figures["org_f1_ci95"][0] <= figures["per_type"]["ORG"]["f1"]
    assert "slowest: " in result.output and "95% interval over documents" in result.output
    check = CliRunner().invoke(cli, [str(CONLL_DEV), "--limit", "30", "--part", "check"])
    assert check.exit_code == 0, check.output
    assert 0 < json.loads(check.output.strip().splitlines()[-1])["documents"] < 30


def test_glued_sentence_opening_is_not_a_name(run):
    # scraped text often loses the space after a full stop
    entities = run("Defense Minister Milos Vucevic has pledged.Explaining Belgrade's position, "
                   "he underlined the commitment to peace.")
    persons = [e["name"] for e in entities if e["type"] == "person"]
    assert persons == ["Milos Vucevic"]
    assert find(entities, "Belgrade")["type"] == "location"


def test_a_name_headed_by_a_people_is_a_group(seeds, run):
    """"Kosovo Albanians" names people, not an organisation, whatever the NER called it."""
    seed = entities_of(seeds["003_a288471b0e0d1077"])
    assert find(seed, "Kosovo Albanians")["type"] == "group"
    entities = run("Talks between Serbia and the Kosovar Albanians resumed in Brussels on Monday.")
    assert find(entities, "Kosovar Albanians")["type"] == "group"


def test_a_document_is_not_its_author(seeds, run):
    """A resolution or plan the NER typed as an organisation: its author is the organisation,
    a plan with no known author is a document."""
    assert find(entities_of(seeds["004_baf4b27035ae48f9"]), "UN Security Council")["type"] == "organization"
    assert find(entities_of(seeds["000_409059f7ab741797"]), "Individual Partnership Action Plan")["type"] == "other"
    entities = run("Serbia insists on respect for UN Security Council Resolution 1244, diplomats said.")
    assert find(entities, "UN Security Council")["type"] == "organization"
    assert not [e for e in entities if "Resolution" in e["name"]]


def test_a_capital_is_a_place_unless_it_plays(run):
    """CoNLL's own train data: a capital is a place 614 times and an organisation 35 (teams, beside a
    score or "v"); a name after "Minister of Defence" is the minister, not a body."""
    entities = run("Belgrade rejected the plan, deeming Pristina's UN membership unacceptable. "
                   "Minister of Defence Bratislav Gasic met the envoy.")
    assert find(entities, "Pristina")["type"] == "location"
    gasic = find(entities, "Bratislav Gasic")
    assert gasic["type"] == "person" and gasic["mentions"][0]["role"] == "Minister of Defence"
    entities = run("Paris 14 Bradford 27. London beat Castleford on Sunday.")
    assert ("Paris", "organization") in {(e["name"], e["type"]) for e in entities}


def test_a_city_named_as_a_team_stays_an_organisation(run):
    """"in Cleveland" makes that mention a place, not every mention of the name: the team is a club."""
    entities = run("Cleveland beat Seattle 5-3 on Sunday. Fans in Cleveland celebrated.")
    kinds = {(e["name"], e["type"]) for e in entities}
    assert ("Cleveland", "organization") in kinds and ("Cleveland", "location") in kinds


def test_a_name_given_with_a_legal_suffix_is_the_company_throughout(run):
    """"LM Dravinsson AB" makes every lone "Dravinsson" the company, and "Brunelli SpA" every lone
    "Brunelli", though the NER made a person of "Brunelli Cables"."""
    entities = run("Swedish telecoms group LM Dravinsson AB said on Friday it had won a 1.2 billion crown order "
                   "in China. Dravinsson said the network would be built next year. Dravinsson shares rose 3 percent.")
    assert find(entities, "LM Dravinsson AB")["mention_count"] == 3
    assert find(entities, "LM Dravinsson AB")["type"] == "organization"
    entities = run("Italian cables maker Brunelli SpA said on Friday it would buy a stake in a Chinese firm. "
                   "Brunelli Cables has sales of $3.5 billion. Analysts said Brunelli would gain control. "
                   "Brunelli shares rose.")
    company = find(entities, "Brunelli SpA")
    assert company["type"] == "organization" and company["mention_count"] == 3
    # a known place stays a place beside a company named after it
    kinds = {(e["name"], e["type"]) for e in run("Texas Instruments Inc said on Monday it would cut jobs. "
                                                 "The company has plants in Texas.")}
    assert ("Texas", "location") in kinds and ("Texas Instruments Inc", "organization") in kinds
