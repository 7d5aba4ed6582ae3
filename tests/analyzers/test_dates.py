"""The dates analyzer: publication dates and TIMEX3 recognition/normalisation on the real parse."""
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsdesk import Context, dev_data

from newsdesk_dates.recogniser import MODEL_DIR, combine, learned_spans
from newsdesk_dates.timex import duration_value, parse_number, shift, weekday_date

DCT = "2021-03-10"  # a Wednesday, ISO week 10


def timexes(analyze, text, published_at=DCT, **fields):
    body = analyze(text, ["dates"], published_at=published_at, **fields)
    section = body["analysis"]["dates"]
    assert section["status"] == "done", section
    return section["result"]


def found(analyze, text, published_at=DCT):
    """``{text: (type, value)}`` of every expression found in ``text``."""
    return {t["text"]: (t["type"], t["value"]) for t in timexes(analyze, text, published_at)["timexes"]}


# ----------------------------------------------------------------- pure normalisation helpers
def test_number_words_and_durations():
    assert parse_number("twenty-four") == 24
    assert parse_number("a") == 1
    assert parse_number("several") == "X"
    assert parse_number("two and a half") == 2.5
    assert duration_value(3, "years") == "P3Y"
    assert duration_value(2, "hour") == "PT2H"
    assert duration_value(2, "decade") == "P20Y"
    assert duration_value("X", "week") == "PXW"


def test_calendar_arithmetic():
    wed = date(2021, 3, 10)
    assert weekday_date(wed, 5, "past") == date(2021, 3, 5)
    assert weekday_date(wed, 5, "future") == date(2021, 3, 12)
    assert weekday_date(wed, 3, "last") == date(2021, 3, 3)
    assert shift(wed, -1, "Q") == "2020-Q4"
    assert shift(wed, 1, "W") == "2021-W11"
    assert shift(wed, -2, "M") == "2021-01"
    assert shift(None, -1, "D") == "XXXX-XX-XX"


# ----------------------------------------------------------------- expression families
def test_absolute_dates(analyze):
    got = found(analyze, "The treaty was signed on March 5, 2019 and ratified on 22nd July, 2020. "
                         "A report dated 2018-11-02 followed, and another in August 2017.")
    assert got["March 5, 2019"] == ("DATE", "2019-03-05")
    assert got["22nd July, 2020"] == ("DATE", "2020-07-22")
    assert got["2018-11-02"] == ("DATE", "2018-11-02")
    assert got["August 2017"] == ("DATE", "2017-08")


def test_month_day_without_year_takes_the_dct_year(analyze):
    got = found(analyze, "Voting took place on February 24 in the capital.")
    assert got["February 24"] == ("DATE", "2021-02-24")


def test_relative_days(analyze):
    got = found(analyze, "The minister arrived yesterday, speaks today and leaves tomorrow.")
    assert got["yesterday"] == ("DATE", "2021-03-09")
    assert got["today"] == ("DATE", "2021-03-10")
    assert got["tomorrow"] == ("DATE", "2021-03-11")


def test_weekdays_follow_the_tense(analyze):
    past = found(analyze, "The committee met on Friday to discuss the budget.")
    future = found(analyze, "The committee will meet on Friday to discuss the budget.")
    assert past["Friday"] == ("DATE", "2021-03-05")
    assert future["Friday"] == ("DATE", "2021-03-12")
    assert found(analyze, "She resigned last Monday.")["last Monday"] == ("DATE", "2021-03-08")


def test_months_years_weeks_quarters(analyze):
    got = found(analyze, "Sales rose last year and this week, and the company expects growth next month. "
                         "Profit fell in the third quarter and in fiscal 2019.")
    assert got["last year"] == ("DATE", "2020")
    assert got["this week"] == ("DATE", "2021-W10")
    assert got["next month"] == ("DATE", "2021-04")
    assert got["the third quarter"] == ("DATE", "2020-Q3")
    assert got["fiscal 2019"] == ("DATE", "2019")


def test_bare_month_follows_the_tense(analyze):
    assert found(analyze, "The law was passed in November.")["November"] == ("DATE", "2020-11")
    assert found(analyze, "The law will take effect in June.")["June"] == ("DATE", "2021-06")


def test_durations(analyze):
    got = found(analyze, "The strike lasted three years, after a 78-day blockade and two hours of talks "
                         "over the past five days.")
    assert got["three years"] == ("DURATION", "P3Y")
    assert got["78-day"] == ("DURATION", "P78D")
    assert got["two hours"] == ("DURATION", "PT2H")
    assert got["the past five days"] == ("DURATION", "P5D")


def test_ago_expressions(analyze):
    got = found(analyze, "The bridge opened two years ago and was repaired three days ago.")
    assert got["two years ago"] == ("DATE", "2019")
    assert got["three days ago"] == ("DATE", "2021-03-07")


def test_sets(analyze):
    got = found(analyze, "The board meets every week, reports annually and publishes figures daily. "
                         "Inspections happen twice a year.")
    assert got["every week"] == ("SET", "P1W")
    assert got["annually"] == ("SET", "P1Y")
    assert got["daily"] == ("SET", "P1D")
    assert got["a year"] == ("SET", "P1Y")


def test_reference_expressions(analyze):
    got = found(analyze, "Prices are now higher. The plant recently closed, and in the coming period "
                         "more jobs will go; the future is uncertain.")
    assert got["now"] == ("DATE", "PRESENT_REF")
    assert got["recently"] == ("DATE", "PAST_REF")
    assert got["the coming period"] == ("DATE", "FUTURE_REF")
    assert got["the future"] == ("DATE", "FUTURE_REF")


def test_ranges_decades_centuries(analyze):
    result = timexes(analyze, "Between 1998-1999 and 2019-2021 the city grew more than in the 1990s "
                              "or the 20th century.")
    values = [(t["text"], t["value"]) for t in result["timexes"]]
    assert ("1998", "1998") in values and ("1999", "1999") in values
    assert ("2019", "2019") in values and ("2021", "2021") in values
    got = dict(values)
    assert got["the 1990s"] == "199"
    assert got["the 20th century"] == "19"


def test_times_of_day(analyze):
    got = found(analyze, "The vote closed at 5 p.m. and results came at 21:15 GMT. The talks resumed "
                         "this morning.")
    assert got["5 p.m."] == ("TIME", "2021-03-10T17:00")
    assert got["21:15 GMT"] == ("TIME", "2021-03-10T21:15Z")
    assert got["this morning"] == ("TIME", "2021-03-10TMO")


def test_wire_clock_times_and_weekday_parts(analyze):
    got = found(analyze, "The ceasefire took effect at 0600 GMT. The envoy arrived on Monday evening. "
                         "They spent 1500 hours on the audit.")
    assert got["0600 GMT"] == ("TIME", "2021-03-10T06:00Z")
    assert got["Monday evening"] == ("TIME", "2021-03-08TEV")  # TimeML: a part of a day is a TIME
    assert "1500 hours" not in got or got["1500 hours"][0] == "DURATION"


def test_near_and_long_term_are_future_references(analyze):
    got = found(analyze, "Margins will stay thin in the near term, but the board is confident over the long term. "
                         "The company repaid its long-term debt.")
    assert got["the near term"] == ("DATE", "FUTURE_REF")
    assert got["the long term"] == ("DATE", "FUTURE_REF")
    assert not any("long-term" in text for text in got)


def test_full_year_is_the_reported_year(analyze):
    got = found(analyze, "The retailer expects sales for the full year to rise 4%.")
    assert got["the full year"] == ("DATE", "2021")
    got = found(analyze, "Profit for the entire year fell 8%, the retailer said.", published_at="2021-02-03")
    assert got["the entire year"] == ("DATE", "2020")


def test_offsets_and_anchor(analyze):
    text = "Markets fell on Monday."
    result = timexes(analyze, text)
    (t,) = result["timexes"]
    assert text[t["start"]:t["end"]] == t["text"] == "Monday"
    assert t["anchor"] == DCT


def test_no_publication_date_keeps_values_underspecified(analyze):
    result = timexes(analyze, "The delegation visited the headquarters yesterday and will return on "
                              "September 24.", published_at=None)
    assert result["publication_date"]["value"] is None
    got = {t["text"]: t["value"] for t in result["timexes"]}
    assert got["yesterday"] == "XXXX-XX-XX"
    assert got["September 24"] == "XXXX-09-24"
    assert all(t["anchor"] is None for t in result["timexes"])


def test_publication_date_from_url_and_dateline(analyze):
    result = timexes(analyze, "Ministers met in the capital to talk about trade.", published_at=None,
                     url="https://example.org/news/2022/05/17/ministers-meet.html")
    pub = result["publication_date"]
    assert (pub["value"], pub["source"]) == ("2022-05-17", "url")
    assert pub["evidence"]["url"].endswith("ministers-meet.html")
    result = timexes(analyze, "LISBON (Example Agency - 3rd May, 2022) Ministers met on Tuesday.",
                     published_at=None)
    pub = result["publication_date"]
    assert (pub["value"], pub["source"]) == ("2022-05-03", "dateline")
    got = {t["text"]: t["value"] for t in result["timexes"]}
    assert got["Tuesday"] == "2022-05-03"


def test_request_date_wins(analyze):
    result = timexes(analyze, "date 2020-01-01 Ministers met.", published_at="2020-02-03T10:00:00Z")
    assert result["publication_date"]["value"] == "2020-02-03"
    assert result["publication_date"]["source"] == "request"


def test_year_back_comparisons_take_the_reported_period(analyze):
    got = found(analyze, "Third-quarter profit rose to $5 million from $4 million a year earlier. "
                         "Sales rose 10% in February from the same month a year ago.")
    assert got["Third-quarter"] == ("DATE", "2020-Q3")
    assert got["a year earlier"] == ("DATE", "2019-Q3")
    assert got["a year ago"] == ("DATE", "2020-02")
    result = timexes(analyze, "Third-quarter profit rose to $5 million from $4 million a year earlier.")
    assert [t["anchor"] for t in result["timexes"] if t["text"] == "a year earlier"] == ["2020-Q3"]
    # without a reported period it is simply the year before the DCT
    assert found(analyze, "The bridge opened a year ago.")["a year ago"] == ("DATE", "2020")


def test_anaphoric_periods_follow_the_narrative(analyze):
    result = timexes(analyze, "On May 22, 1995, Farkas was promoted, and the following year he was sent abroad. "
                              "He returned in June 1998 and left again later that year. "
                              "The plant was bombed on Oct. 23, 1999. Earlier that day, a warning was sent.")
    got = {t["text"]: (t["value"], t["anchor"]) for t in result["timexes"]}
    assert got["the following year"] == ("1996", "1995-05-22")
    assert got["later that year"] == ("1998", "1998-06")
    assert got["Earlier that day"] == ("1999-10-23", "1999-10-23")


def test_holidays(analyze):
    assert found(analyze, "The boy was found at sea on Thanksgiving Day.")["Thanksgiving Day"] == ("DATE", "2020-11-26")
    assert found(analyze, "Voters will go to the polls on Election Day.")["Election Day"] == ("DATE", "2021-11-02")
    assert found(analyze, "They met last Christmas.")["last Christmas"] == ("DATE", "2020-12-25")
    assert found(analyze, "Pilgrims will arrive for Easter week.")["Easter week"] == ("DATE", "2021-W13")


def test_spoken_years_of_broadcast_transcripts(analyze):
    got = found(analyze, "In nineteen ninety-seven the bomb went off. January nineteen ninety-six was cold, "
                         "and the goal was set for the year two thousand. Two thousand people came.")
    assert got["nineteen ninety-seven"] == ("DATE", "1997")
    assert got["January nineteen ninety-six"] == ("DATE", "1996-01")
    assert got["the year two thousand"] == ("DATE", "2000")
    assert "Two thousand" not in got


def test_fractional_durations(analyze):
    got = found(analyze, "The refugees lived in camps for 2 1/2 years; the envoy spent 5 1/2 hours there and "
                         "the call lasted a minute and a half.")
    assert got["2 1/2 years"] == ("DURATION", "P2Y6M")
    assert got["5 1/2 hours"] == ("DURATION", "PT5H30M")
    assert got["a minute and a half"] == ("DURATION", "PT1M30S")
    assert duration_value(1.5, "day") == "P1DT12H"


def test_clock_time_takes_the_day_of_its_sentence(analyze):
    got = found(analyze, "At 10:35 a.m. the bomb went off in the crowded market on Friday.")
    assert got["10:35 a.m."] == ("TIME", "2021-03-05T10:35")
    assert got["Friday"] == ("DATE", "2021-03-05")


def test_deadlines_and_participles_set_the_direction(analyze):
    assert found(analyze, "The offer was extended until Friday.")["Friday"] == ("DATE", "2021-03-12")
    assert found(analyze, "Sales of the phones introduced in April were weak.")["April"] == ("DATE", "2020-04")
    assert found(analyze, "A summit set for April will discuss trade.")["April"] == ("DATE", "2021-04")


def test_dates_counted_from_dates(analyze):
    got = found(analyze, "A hearing was set for the week of March 22. The day before last Tuesday he flew home, "
                         "and two days after Christmas he left again.")
    assert got["the week of March 22"] == ("DATE", "2021-W12")
    assert got["The day before last Tuesday"] == ("DATE", "2021-03-08")
    assert got["two days after Christmas"] == ("DATE", "2020-12-27")
    assert "two days" not in got


def test_later_counts_from_an_event_not_the_dct(analyze):
    got = found(analyze, "The bank failed in May. Three days later, its rival was sold.")
    assert got["Three days"] == ("DURATION", "P3D")
    assert "Three days later" not in got


def test_vague_and_adjectival_durations(analyze):
    got = found(analyze, "Over the years the firm grew, but after several quarters of losses and two consecutive "
                         "quarters of decline it held a day-long meeting after the worst single-day fall of a "
                         "decades-long run. Iraq imports three quarters of its food.")
    assert got["Over the years"] == ("DURATION", "PXY")
    assert got["several quarters"] == ("DURATION", "PXQ")
    assert got["two consecutive quarters"] == ("DURATION", "P2Q")
    assert got["day-long"] == ("DURATION", "P1D")
    assert got["single-day"] == ("DURATION", "P1D")
    assert got["decades-long"] == ("DURATION", "PXY")
    assert "three quarters" not in got


def test_adjectival_duration_leaves_the_determiner(analyze):
    got = found(analyze, "The 30-day review ended before the two-week break.")
    assert got["30-day"] == ("DURATION", "P30D")
    assert got["two-week"] == ("DURATION", "P2W")


def test_discourse_markers_and_titles_are_not_times(analyze):
    assert "Now" not in found(analyze, "Now, the question is who pays for the damage.")
    assert found(analyze, "The company is now profitable.")["now"] == ("DATE", "PRESENT_REF")
    assert found(analyze, "Shares were sold at the then current price.")["then current"] == ("DATE", "PAST_REF")
    got = found(analyze, "The poster showed Gary Cooper in High Noon before the Summer Olympics; by noon it was over.")
    assert "Noon" not in got and "Summer" not in got
    assert got["noon"] == ("TIME", "2021-03-10T12:00")


# ----------------------------------------------------------------- seeds
EXPECTED_PUBLICATION = {"000": "2020-07-22", "001": "2023-11-21", "002": None, "003": "2023-12-09",
                        "004": "2023-07-11"}


def _seed(seeds, prefix):
    (body,) = [b for k, b in seeds.items() if k.startswith(prefix)]
    section = body["analysis"]["dates"]
    assert section["status"] == "done", section
    return section["result"]


@pytest.mark.parametrize("prefix", sorted(EXPECTED_PUBLICATION))
def test_seed_publication_dates(seeds, prefix):
    pub = _seed(seeds, prefix)["publication_date"]
    assert pub["value"] == EXPECTED_PUBLICATION[prefix]
    assert (pub["source"] is None) == (pub["value"] is None)
    if pub["value"]:
        assert pub["evidence"] and 0 < pub["confidence"] <= 1


def test_seed_relative_expressions(seeds):
    def values(prefix):
        return {t["text"]: (t["type"], t["value"]) for t in _seed(seeds, prefix)["timexes"]}

    assert values("000")["Wednesday"] == ("DATE", "2020-07-22")
    s1 = values("001")
    assert s1["September 24"] == ("DATE", "2023-09-24")
    assert s1["February last year"] == ("DATE", "2022-02")
    assert s1["2001"] == ("DATE", "2001")
    assert s1["78-day"] == ("DURATION", "P78D")
    s2 = values("002")
    assert s2["today"] == ("DATE", "XXXX-XX-XX")
    assert s2["the coming period"] == ("DATE", "FUTURE_REF")
    assert values("003")["December 17"] == ("DATE", "2023-12-17")
    assert values("004")["tomorrow"] == ("DATE", "2023-07-12")


# ----------------------------------------------------------------- eval command
TIMEBANK = dev_data("tempeval3", "TimeBank")


@pytest.mark.skipif(not TIMEBANK.is_dir(), reason=f"TempEval-3 data not found at {TIMEBANK} (set NEWSDESK_DEV_DATA)")
def test_eval_smoke():
    from newsdesk_dates.evaluate import cli

    result = CliRunner().invoke(cli, [str(TIMEBANK), "--limit", "5"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["documents"] == 5 and figures["gold_timex"] > 0
    assert figures["relaxed_f1"] > 0.6 and 0 <= figures["value_f1"] <= figures["relaxed_f1"]
    assert 0 < figures["p99_ms_per_doc"] <= figures["max_ms_per_doc"]
    assert "slowest: " in result.output


# ----------------------------------------------------------------- TimeML value families
# Written from the TimeML 1.2.1 / TIMEX3 annotation guidelines (value = ISO 8601 as TimeML extends
# it), not from corpus sentences. DCT: Wednesday 2021-03-10 (ISO week 2021-W10) unless stated.
FAMILIES = {
    "DATE": [
        ("The accord was signed on 5 March 2019.", "5 March 2019", "DATE", "2019-03-05"),
        ("The museum reopened in May 1998.", "May 1998", "DATE", "1998-05"),
        ("The dam was finished in 1936.", "1936", "DATE", "1936"),
        ("The vote took place on Tuesday, March 2.", "Tuesday, March 2", "DATE", "2021-03-02"),
    ],
    "TIME": [
        ("The polls closed at 8:30 p.m. on Tuesday.", "8:30 p.m. on Tuesday", "TIME", "2021-03-09T20:30"),
        ("The shelling began at midnight.", "midnight", "TIME", "2021-03-10T24:00"),
        ("The storm hit yesterday afternoon.", "yesterday afternoon", "TIME", "2021-03-09TAF"),
        ("The summit will open tonight.", "tonight", "TIME", "2021-03-10TNI"),
    ],
    "DURATION": [
        ("The trial lasted three days.", "three days", "DURATION", "P3D"),
        ("The flight took two hours.", "two hours", "DURATION", "PT2H"),
        ("He served 2 years in prison.", "2 years", "DURATION", "P2Y"),
        ("The talks lasted 45 minutes.", "45 minutes", "DURATION", "PT45M"),
        ("The project took 18 months.", "18 months", "DURATION", "P18M"),
        ("The strike lasted several weeks.", "several weeks", "DURATION", "PXW"),
        ("The rally lasted a decade.", "a decade", "DURATION", "P10Y"),
    ],
    "SET": [
        ("The council meets every Tuesday.", "every Tuesday", "SET", "XXXX-WXX-2"),
        ("The figures are published weekly.", "weekly", "SET", "P1W"),
        ("Rents are reviewed each month.", "each month", "SET", "P1M"),
        ("The ferry sails every day.", "every day", "SET", "P1D"),
    ],
    "REF": [
        ("Prices are falling now.", "now", "DATE", "PRESENT_REF"),
        ("The town is currently without power.", "currently", "DATE", "PRESENT_REF"),
        ("The firm recently cut jobs.", "recently", "DATE", "PAST_REF"),
        ("Such crises happened in the past.", "the past", "DATE", "PAST_REF"),
        ("More cuts may come in the future.", "the future", "DATE", "FUTURE_REF"),
    ],
    "WEEK": [
        ("The bill passed this week.", "this week", "DATE", "2021-W10"),
        ("The bill passed last week.", "last week", "DATE", "2021-W09"),
        ("The bill will pass next week.", "next week", "DATE", "2021-W11"),
        ("The fair closes this weekend.", "this weekend", "DATE", "2021-W10-WE"),
    ],
    "QUARTER": [
        ("Profit rose in the fourth quarter of 2022.", "the fourth quarter of 2022", "DATE", "2022-Q4"),
        ("Profit rose last quarter.", "last quarter", "DATE", "2020-Q4"),
        ("Sales will grow next quarter.", "next quarter", "DATE", "2021-Q2"),
        ("Sales fell in the first half of 2020.", "the first half of 2020", "DATE", "2020-H1"),
    ],
    "SEASON": [
        ("The plant closed in the summer of 2019.", "the summer of 2019", "DATE", "2019-SU"),
        ("The plant will reopen next spring.", "next spring", "DATE", "2022-SP"),
        ("The plant closed last summer.", "last summer", "DATE", "2020-SU"),
        ("The plant closed in autumn 2018.", "autumn 2018", "DATE", "2018-FA"),
    ],
    "DECADE": [
        ("The city grew in the 1990s.", "the 1990s", "DATE", "199"),
        ("The city grew in the nineties.", "the nineties", "DATE", "199"),
        ("The city grew in the 2010s.", "the 2010s", "DATE", "201"),
    ],
    "CENTURY": [
        ("The church dates from the 21st century.", "the 21st century", "DATE", "20"),
        ("The church dates from the nineteenth century.", "the nineteenth century", "DATE", "18"),
    ],
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_timeml_value_families(analyze, family):
    wrong = []
    for sentence, text, typ, value in FAMILIES[family]:
        got = found(analyze, sentence).get(text)
        if got != (typ, value):
            wrong.append((text, got, (typ, value)))
    assert not wrong, wrong


def test_weeks_quarters_and_seasons_cross_the_year():
    # ISO weeks belong to the year of their Thursday: 2 January 2021 is in 2020-W53
    assert shift(date(2021, 1, 2), 0, "W") == "2020-W53"
    assert shift(date(2023, 11, 21), 0, "W") == "2023-W47"
    assert shift(date(2023, 2, 1), -1, "Q") == "2022-Q4"
    assert shift(date(2023, 12, 9), 1, "M") == "2024-01"


def test_seed_dct_weeks(analyze):
    assert found(analyze, "Talks resumed this week.", published_at="2023-11-21")["this week"] == ("DATE", "2023-W47")
    assert found(analyze, "Sales fell in the first quarter.", published_at="2023-07-11")["the first quarter"] \
        == ("DATE", "2023-Q1")
    assert found(analyze, "Tourism will peak this summer.", published_at="2023-07-11")["this summer"] \
        == ("DATE", "2023-SU")


def test_without_a_dct_the_unknown_parts_are_x(analyze):
    got = found(analyze, "The panel met on Monday and will meet again in March, on March 5 and every Friday.",
                published_at=None)
    assert got["Monday"] == ("DATE", "XXXX-WXX-1")
    assert got["March"] == ("DATE", "XXXX-03")
    assert got["March 5"] == ("DATE", "XXXX-03-05")
    assert got["every Friday"] == ("SET", "XXXX-WXX-5")
    assert found(analyze, "The board met last year.", published_at=None)["last year"] == ("DATE", "XXXX")


def test_tense_places_weekdays_and_months(analyze):
    # DCT Wednesday 2021-03-10: a past verb takes the latest such day before, a future one the next
    assert found(analyze, "The minister spoke on Tuesday.")["Tuesday"] == ("DATE", "2021-03-09")
    assert found(analyze, "The minister will speak on Tuesday.")["Tuesday"] == ("DATE", "2021-03-16")
    assert found(analyze, "The minister is speaking on Thursday.")["Thursday"] == ("DATE", "2021-03-11")
    assert found(analyze, "The minister has spoken on Monday.")["Monday"] == ("DATE", "2021-03-08")
    assert found(analyze, "The minister spoke in December.")["December"] == ("DATE", "2020-12")
    assert found(analyze, "The minister will speak in December.")["December"] == ("DATE", "2021-12")
    assert found(analyze, "The minister will speak in January.")["January"] == ("DATE", "2022-01")
    assert found(analyze, "The minister spoke in March.")["March"] == ("DATE", "2021-03")
    # a plan in the past perfect lies before the DCT; in the present it lies ahead
    assert found(analyze, "The offer had been scheduled to expire Friday.")["Friday"] == ("DATE", "2021-03-05")
    assert found(analyze, "The offer is scheduled to expire Friday.")["Friday"] == ("DATE", "2021-03-12")


def test_guideline_details(analyze):
    got = {}
    for sentence in ("The call lasted half an hour.", "Nurses check the wards every morning.",
                     "The fund reports quarterly and pays its quarterly dividend.", "The law changed in the 1800s.",
                     "The club meets every Friday evening."):
        got.update(found(analyze, sentence))
    assert got["half an hour"] == ("DURATION", "PT30M")
    assert got["every morning"] == ("SET", "XXXX-XX-XXTMO")
    assert got["quarterly"] == ("SET", "P1Q")
    listed = timexes(analyze, "The fund reports quarterly and pays its quarterly dividend.")["timexes"]
    assert [t["start"] for t in listed] == [17]  # the adverb only: the adjective names no set of times
    assert got["the 1800s"] == ("DATE", "18")  # the century; "the 1990s" is the decade 199
    assert got["every Friday evening"] == ("SET", "XXXX-WXX-5TEV")


@pytest.mark.skipif(not TIMEBANK.is_dir(), reason=f"TempEval-3 data not found at {TIMEBANK} (set NEWSDESK_DEV_DATA)")
def test_eval_parts_report_each_corpus():
    from newsdesk_dates.evaluate import cli

    result = CliRunner().invoke(cli, ["--part", "check", "--limit", "2"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert set(figures["corpora"]) == {"AQUAINT", "MEANTIME"} and figures["part"] == "check"
    assert all(c["documents"] == 2 and 0 < c["value_f1"] <= c["relaxed_f1"] for c in figures["corpora"].values())
    for c in figures["corpora"].values():  # a bootstrap interval over each corpus's documents
        assert c["strict_f1_ci95"][0] <= c["strict_f1"] <= c["strict_f1_ci95"][1]
        assert c["value_f1_ci95"][0] <= c["value_f1"] <= c["value_f1_ci95"][1]
    assert figures["ms_per_doc"] > 0 and figures["p99_ms_per_doc"] <= figures["max_ms_per_doc"]
    # check errors are not read one by one
    assert CliRunner().invoke(cli, ["--part", "check", "--errors"]).exit_code != 0


# ----------------------------------------------------------------- the learned span recogniser
@pytest.mark.skipif(not (MODEL_DIR / "config.cfg").is_file(), reason="run `newsdesk train dates`")
def test_learned_spans_run_on_the_shared_parse(pipeline):
    text = "The ministers met on Tuesday and will meet again in two weeks. Prices rose 5%."
    (doc,) = pipeline.parse_many([text])
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    tokens = [t.text for t in doc]
    spans = learned_spans(doc)
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == ents and [t.text for t in doc] == tokens
    assert (text.index("Tuesday"), text.index("Tuesday") + 7) in spans
    assert all(text[a:b].strip() == text[a:b] and b > a for a, b in spans)
    # the vote: the analyzer with the model keeps the rules' values and drops no calendar date
    result = pipeline.analyzers["dates"].analyze({"text": text, "published_at": DCT},
                                                 Context(doc=doc, config={"recogniser": "vote"}))
    assert {t["text"]: t["value"] for t in result["timexes"]}["Tuesday"] == "2021-03-09"


def test_combinations_keep_rule_values():
    rules = [{"start": 0, "end": 6, "text": "Monday", "type": "DATE", "value": "2021-03-08", "anchor": DCT},
             {"start": 20, "end": 27, "text": "current", "type": "DATE", "value": "PRESENT_REF", "anchor": None}]
    text = "Monday, as before a current mood, two days"
    learned = [(0, 6), (34, 42)]
    assert combine(text, rules, learned, date(2021, 3, 10), "rules") == rules
    assert [t["value"] for t in combine(text, rules, learned, date(2021, 3, 10), "vote")] == ["2021-03-08"]
    union = combine(text, rules, learned, date(2021, 3, 10), "union")
    assert [(t["text"], t["value"]) for t in union] == [("Monday", "2021-03-08"), ("current", "PRESENT_REF"),
                                                        ("two days", "P2D")]
