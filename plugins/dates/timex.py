"""Temporal expression recognition and TIMEX3 normalisation (TimeML / TempEval-3 conventions).

``find_timexes(text, dct, doc)`` runs a set of regular-expression rules over the raw text (so
offsets are exact), keeps the longest non-overlapping matches and normalises each against the
document creation time ``dct`` (a ``datetime.date`` or ``None``). The spaCy ``doc`` gives the tense
of the governing verb (to place bare weekdays and months in the past or future) and filters a few
ambiguous words (``May`` the modal, years that are quantities). A last pass resolves expressions
whose anchor is the narrative's reference time rather than the DCT ("that year", "the following
month", "a year earlier" after a reported quarter, a clock time on the day its sentence names).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.easter import easter

# --------------------------------------------------------------------------- vocabulary
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {"monday": 1, "mon": 1, "tuesday": 2, "tue": 2, "tues": 2, "wednesday": 3, "wed": 3,
            "thursday": 4, "thu": 4, "thur": 4, "thurs": 4, "friday": 5, "fri": 5, "saturday": 6,
            "sat": 6, "sunday": 7, "sun": 7}
ONES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
        "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2,
            "3rd": 3, "4th": 4}
VAGUE = {"a few", "few", "several", "some", "many", "a number of", "numerous"}
#: unit word -> (ISO letter, multiplier, is a time-of-day unit)
UNITS = {"second": ("S", 1, True), "minute": ("M", 1, True), "hour": ("H", 1, True),
         "day": ("D", 1, False), "night": ("D", 1, False), "week": ("W", 1, False),
         "weekend": ("WE", 1, False), "fortnight": ("W", 2, False), "month": ("M", 1, False),
         "quarter": ("Q", 1, False), "year": ("Y", 1, False), "decade": ("Y", 10, False),
         "century": ("Y", 100, False), "centurie": ("Y", 100, False), "millennium": ("Y", 1000, False)}
SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
MODS = {"early": "START", "earlier": "START", "beginning": "START", "start": "START",
        "late": "END", "later": "END", "end": "END", "close": "END", "mid": "MID", "middle": "MID",
        "about": "APPROX", "around": "APPROX", "approximately": "APPROX", "roughly": "APPROX",
        "some": "APPROX", "nearly": "LESS_THAN", "almost": "LESS_THAN", "less than": "LESS_THAN",
        "under": "LESS_THAN", "more than": "MORE_THAN", "over": "MORE_THAN",
        "at least": "EQUAL_OR_MORE", "up to": "EQUAL_OR_LESS", "no more than": "EQUAL_OR_LESS",
        "at most": "EQUAL_OR_LESS"}

#: Auxiliaries and verbs whose events lie after the moment of speaking.
FUTURE_AUX = {"will", "'ll", "shall", "wo"}
PLAN_VERBS = {"plan", "schedule", "expect", "intend", "aim", "hope", "set", "due", "propose", "prepare",
              "promise", "vow", "threaten", "want", "agree", "decide", "seek", "arrange", "pledge"}

# --------------------------------------------------------------------------- regex pieces
_DEADLINE = re.compile(r"(?:(?<!not )(?<!up )\b(?:until|till)|\beffective|\bas\s+(?:soon|early)\s+as)\s+"
                       r"(?:(?:noon|midnight|[\d:.]+\s*[ap]\.?m\.?)\s*(?:[A-Z]{3}\s*)?,?\s*)?$", re.I)
_MONTH = (r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|"
          r"December)\b|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?)")
_WEEKDAY = (r"(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|(?:Mon|Tues|Tue|Wed|Thurs|"
            r"Thur|Thu|Fri|Sat|Sun)\b\.?)")
_NUMW = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
         r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|one|two|three|four|five|six|"
         r"seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|"
         r"nineteen|(?:a\s+|one\s+)?hundred|(?:a\s+)?dozen)")
_NUM = (rf"(?:\d+(?:\s+1/2|½)|\d+(?:\.\d+)?|{_NUMW}(?:\s+and\s+a\s+half)?|an?|a\s+few|few|several|some|many|"
        r"a\s+couple\s+of|a\s+couple|couple\s+of|a\s+number\s+of|numerous)")
_UNIT = (r"(?:second|minute|hour|day|night|week|weekend|fortnight|month|quarter|year|decade|"
         r"century|centurie|millennium)")
_DAYNUM = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_TEEN = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_DIGIT = r"(?:one|two|three|four|five|six|seven|eight|nine)"
#: years as they are read out in broadcast transcripts: "nineteen ninety-seven", "two thousand and one"
_SPOKEN_YEAR = (rf"(?:(?:nineteen|twenty)[\s-](?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                rf"(?:[\s-]{_DIGIT})?|{_TEEN}|hundred|oh[\s-]{_DIGIT})\b|two\s+thousand(?:\s+and)?(?:[\s-](?:{_TEEN}|{_DIGIT}))?\b)")
_APPROX = (r"(?:about|around|approximately|roughly|nearly|almost|less\s+than|more\s+than|over|"
           r"at\s+least|up\s+to|no\s+more\s+than|at\s+most|some)")
_POINTMOD = (r"(?:(?:(?:very\s+)?(?:early|earlier|late|later|mid-?)|"
             r"(?:the\s+)?(?:beginning|start|end|close|middle)\s+of)\s*)")
_TZ = r"(?:\s*\(?(?:[ECMP][SD]T|GMT|UTC|ET|local\s+time)\)?)"
_REL = r"(?:this|last|next|past|coming|previous|current|following|upcoming|prior)"


def _rx(pattern: str) -> re.Pattern:
    """Compile case-insensitively; whitespace inside an expression never spans a line break."""
    pattern = pattern.replace("[\\s", "[ \\t\\xa0").replace("\\s", "[ \\t\\xa0]")
    return re.compile(pattern, re.IGNORECASE)


# --------------------------------------------------------------------------- small helpers
def parse_number(text: str):
    """``"twenty-four"`` -> 24, ``"2.5"`` -> 2.5, ``"a"`` -> 1, vague words -> ``"X"``, else None."""
    t = re.sub(r"\s+", " ", text.lower().strip())
    half = t.endswith((" and a half", " 1/2", "½"))
    if half:
        t = re.sub(r"\s*(and a half|1/2|½)$", "", t)
    if t in VAGUE or t.startswith("a number"):
        return "X"
    if t in ("a", "an", "one", "a hundred", "one hundred") or t.endswith("hundred"):
        n = 100 if "hundred" in t else 1
    elif "dozen" in t:
        n = 12
    elif "couple" in t:
        n = 2
    elif re.fullmatch(r"\d+(\.\d+)?", t):
        n = float(t) if "." in t else int(t)
    else:
        parts = re.split(r"[- ]", t)
        n = 0
        for p in parts:
            if p in TENS:
                n += TENS[p]
            elif p in ONES:
                n += ONES[p]
            else:
                return None
    return n + 0.5 if half else n


def _fmt_num(n) -> str:
    if isinstance(n, float):
        return str(int(n)) if n.is_integer() else f"{n:g}"
    return str(n)


def duration_value(n, unit_word: str) -> str:
    """TIMEX3 duration value: (3, "year") -> P3Y, (2, "hour") -> PT2H, ("X", "decade") -> PXDE."""
    unit = unit_word.lower().rstrip("s")
    unit = {"centurie": "century"}.get(unit, unit)
    letter, mult, is_time = UNITS[unit]
    if n == "X":
        letter = {"century": "CE", "millennium": "ML"}.get(unit, letter)  # vague decades: PXY, as annotated
        return f"PTX{letter}" if is_time else f"PX{letter}"
    n = n * mult
    if isinstance(n, float) and not n.is_integer() and (letter, is_time) in _SMALLER:
        # a fraction is written in the next smaller unit: P2Y6M, PT1M30S, P1DT12H
        small, factor = _SMALLER[letter, is_time]
        rest = (n - int(n)) * factor
        if rest.is_integer():
            whole = f"{int(n)}{letter}" if int(n) else ""
            if is_time:
                return f"PT{whole}{int(rest)}{small}"
            return f"P{whole}T{int(rest)}H" if small == "H" else f"P{whole}{int(rest)}{small}"
    return f"PT{_fmt_num(n)}{letter}" if is_time else f"P{_fmt_num(n)}{letter}"


#: (letter, is a time unit) -> the next smaller unit and how many of it make one
_SMALLER = {("Y", False): ("M", 12), ("M", False): ("D", 30), ("W", False): ("D", 7), ("D", False): ("H", 24),
            ("H", True): ("M", 60), ("M", True): ("S", 60)}


def iso_week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def quarter_of(d: date) -> int:
    return (d.month - 1) // 3 + 1


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


def shift(dct: date | None, n: int, unit: str) -> str:
    """The value ``n`` units after the DCT (negative: before), at the unit's granularity."""
    if dct is None:
        return {"D": "XXXX-XX-XX", "W": "XXXX-WXX", "M": "XXXX-XX", "Q": "XXXX-QX"}.get(unit, "XXXX")
    if unit == "D":
        return (dct + timedelta(days=n)).isoformat()
    if unit in ("W", "WE"):
        return iso_week(dct + timedelta(weeks=n)) + ("-WE" if unit == "WE" else "")
    if unit == "M":
        return add_months(dct, n).strftime("%Y-%m")
    if unit == "Q":
        q = dct.year * 4 + quarter_of(dct) - 1 + n
        return f"{q // 4}-Q{q % 4 + 1}"
    if unit == "DE":
        return str((dct.year + 10 * n) // 10)
    if unit == "CE":
        return f"{(dct.year + 100 * n) // 100:02d}"
    return str(dct.year + n)


def weekday_date(dct: date, wd: int, direction: str) -> date:
    """The weekday ``wd`` (1=Monday) nearest the DCT in ``direction`` past/future/this/none."""
    delta = wd - dct.isoweekday()
    if direction == "this":
        return dct + timedelta(days=delta)
    if direction == "last":
        return dct + timedelta(days=delta - 7 if delta >= 0 else delta)
    if direction == "past":
        return dct + timedelta(days=delta - 7 if delta > 0 else delta)
    if direction == "next":
        return dct + timedelta(days=delta + 7 if delta <= 0 else delta)
    if direction == "future":
        return dct + timedelta(days=delta + 7 if delta < 0 else delta)
    return dct + timedelta(days=delta - 7 if delta > 3 else delta + 7 if delta < -3 else delta)


def month_year(dct: date, month: int, direction: str) -> int:
    """The year of a bare month name seen from the DCT."""
    if direction == "last":
        return dct.year if month < dct.month else dct.year - 1
    if direction == "next":
        return dct.year if month > dct.month else dct.year + 1
    if direction == "past":
        return dct.year if month <= dct.month else dct.year - 1
    if direction == "future":
        return dct.year if month >= dct.month else dct.year + 1
    diff = month - dct.month  # no tense: the nearest such month
    return dct.year - 1 if diff > 6 else dct.year + 1 if diff < -5 else dct.year


def day_year(dct: date, month: int, day: int, tense: str | None) -> int:
    """The year of a month-day without a year: the DCT's, moved by tense or a half-year window."""
    try:
        cand = date(dct.year, month, day)
    except ValueError:
        return dct.year
    diff = (cand - dct).days
    if tense == "past" and diff > 60 or tense != "future" and diff > 183:
        return dct.year - 1
    if tense == "future" and diff < -60 or tense != "past" and diff < -183:
        return dct.year + 1
    return dct.year


def _mod_of(text: str | None) -> str | None:
    if not text:
        return None
    words = re.sub(r"\b(the|very|of)\b|-", " ", text.lower()).split()
    key = " ".join(words)
    return MODS.get(key) or (MODS.get(words[0]) if words else None)


# --------------------------------------------------------------------------- context
@dataclass
class Ctx:
    text: str
    dct: date | None
    doc: object = None

    def __post_init__(self):
        self._starts = None  # token offsets, built on first use
        self.anchors: dict[tuple[int, int], str] = {}  # span -> the value it was resolved against, when not the DCT

    def token(self, char: int):
        if self.doc is None or len(self.doc) == 0:
            return None
        if self._starts is None:
            self._starts = [t.idx for t in self.doc]
        i = bisect.bisect_right(self._starts, char) - 1
        return self.doc[max(i, 0)]

    def when(self, start: int, char: int | None = None) -> str | None:
        """Past or future of an expression at ``start``: a deadline cue before it, else the tense at ``char``."""
        if _DEADLINE.search(self.text[max(0, start - 30):start]):
            return "future"  # "postponed until Tuesday", "effective Feb. 1", "as early as Tuesday"
        return self.tense(start if char is None else char)

    def tense(self, char: int) -> str | None:
        """``past``/``future``/``present`` of the verb governing the token at ``char`` (or None)."""
        tok = self.token(char)
        if tok is None:
            return None
        for _ in range(4):
            if tok.pos_ in ("VERB", "AUX") or tok.head is tok:
                break
            tok = tok.head
        if tok.pos_ not in ("VERB", "AUX"):
            return None
        words = {c.lower_ for c in tok.children if c.dep_ in ("aux", "auxpass")}
        if words & FUTURE_AUX or "going" in words:
            return "future"
        if tok.tag_ in ("VB", "VBG") and not words - {"to"} and tok.head is not tok:
            # an infinitive or participle takes its time from the verb that governs it
            # the nearest verb above it (spaCy makes a new Token object on every access, so only
            # the index tells the root: ``head.head is not head`` never ended a walk at a noun root)
            head = next((a for a in tok.ancestors if a.pos_ in ("VERB", "AUX")), tok.head)
            if head.pos_ in ("VERB", "AUX") and head is not tok:
                head_tense = self._verb_tense(head)
                if "had" in {c.lower_ for c in head.children if c.dep_ in ("aux", "auxpass")}:
                    return "past"  # past perfect: "had been scheduled to expire Friday" lies before the DCT
                if "to" in words and (head_tense in ("present", "future") or head.lemma_ in PLAN_VERBS):
                    return "future"
                return head_tense
        return self._verb_tense(tok)

    @staticmethod
    def _verb_tense(tok) -> str | None:
        auxes = [c for c in tok.children if c.dep_ in ("aux", "auxpass")]
        words = {c.lower_ for c in auxes}
        if words & FUTURE_AUX or "going" in words:
            return "future"
        if tok.tag_ == "VBD" or any(c.tag_ == "VBD" for c in auxes) or words & {"has", "have"}:
            return "past"
        if "to" in words or tok.tag_ == "VB" and not words:
            return "future"
        if tok.tag_ == "VBG" and words & {"is", "are", "'s", "'re", "am"}:
            return "future"
        if tok.tag_ in ("VBZ", "VBP"):
            return "present"
        if tok.tag_ == "VBN" and not auxes:
            # a participle modifier: "the products introduced in April", but "a summit set for April"
            planned = tok.lemma_ in PLAN_VERBS - {"set"} or tok.lemma_ == "set" and tok.i + 1 < len(tok.doc) and tok.nbor(1).lower_ == "for"
            return "future" if planned else "past"
        return None


# --------------------------------------------------------------------------- rules
RULES: list[tuple[re.Pattern, object, int]] = []


def rule(pattern: str, prio: int = 0):
    """Register ``func(match, ctx)``; among equally long matches the lower ``prio`` wins."""
    def wrap(func):
        # matches start at a word start: the engine then skips most positions cheaply
        RULES.append((_rx(rf"(?<!\w)(?:{pattern})"), func, prio))
        return func
    return wrap


def _day_val(ctx: Ctx, offset: int) -> str:
    return (ctx.dct + timedelta(days=offset)).isoformat() if ctx.dct else "XXXX-XX-XX"


def spoken_year(text: str) -> int:
    """``"nineteen ninety-seven"`` -> 1997, ``"two thousand and one"`` -> 2001, ``"twenty ten"`` -> 2010."""
    words = re.sub(r"\band\b", " ", text.lower()).replace("-", " ").split()
    if words[:2] == ["two", "thousand"]:
        century, rest = 2000, words[2:]
    else:
        century, rest = (ONES.get(words[0]) or TENS[words[0]]) * 100, [w for w in words[1:] if w not in ("oh", "hundred")]
    return century + (parse_number("-".join(rest)) or 0 if rest else 0)


def _year2(y: str) -> int:
    if y[0].isalpha():
        return spoken_year(y)
    y = y.lstrip("'")
    n = int(y)
    return n if len(y) == 4 else (1900 + n if n >= 30 else 2000 + n)


@rule(r"\b(?P<y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?:[T ](?P<hh>[0-2]\d):(?P<mi>[0-5]\d)(?::\d\d)?)?\b")
def iso_date(m, ctx):
    v = f"{m['y']}-{m['m']}-{m['d']}"
    if not (1 <= int(m["m"]) <= 12 and 1 <= int(m["d"]) <= 31):
        return None
    if m["hh"]:
        return "TIME", f"{v}T{m['hh']}:{m['mi']}", None
    return "DATE", v, None


@rule(r"(?<![\d/])(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/(?P<y>\d{4}|\d{2})(?![\d/])")
def us_date(m, ctx):
    mo, d = int(m["m"]), int(m["d"])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return "DATE", f"{_year2(m['y'])}-{mo:02d}-{d:02d}", None


def _date_from_parts(m, ctx, mo: int, d: int):
    year = m["y"]
    if not 1 <= d <= 31:
        return None
    if year:
        return "DATE", f"{_year2(year)}-{mo:02d}-{d:02d}", None
    if ctx.dct is None:
        return "DATE", f"XXXX-{mo:02d}-{d:02d}", None
    y = day_year(ctx.dct, mo, d, ctx.when(m.start()))
    return "DATE", f"{y}-{mo:02d}-{d:02d}", None


@rule(rf"(?:{_WEEKDAY}\s*,?\s*)?(?:the\s+)?(?P<d>{_DAYNUM})(?:\s+of)?\s+(?P<mo>{_MONTH})"
      rf"(?:\s*,?\s*(?P<y>{_YEAR}|{_SPOKEN_YEAR}|'\d\d))?\b")
def day_month(m, ctx):
    if not _month_ok(m, "mo"):
        return None
    return _date_from_parts(m, ctx, MONTHS[m["mo"].lower().rstrip(".")], int(re.match(r"\d+", m["d"])[0]))


@rule(rf"(?:{_WEEKDAY}\s*,?\s*)?(?P<mo>{_MONTH})\s*(?:the\s+)?(?P<d>{_DAYNUM})\b"
      rf"(?:\s*,?\s*(?P<y>{_YEAR}|{_SPOKEN_YEAR}|'\d\d)\b)?(?!\s*[.,]?\d)")
def month_day(m, ctx):
    if not _month_ok(m, "mo"):
        return None
    return _date_from_parts(m, ctx, MONTHS[m["mo"].lower().rstrip(".")], int(re.match(r"\d+", m["d"])[0]))


def _month_ok(m, group: str) -> bool:
    """Month names must be capitalised; ``May``/``March`` must not be the modal or the verb."""
    word = m[group]
    if not word[0].isupper():
        return False
    if word.lower() in ("may", "march", "sat", "sun", "wed", "mar"):
        return False if m.end() - m.start() == len(word) else True
    return True


@rule(rf"(?P<mod>{_POINTMOD})?(?P<mo>{_MONTH})(?:\s*,?\s*(?:of\s+)?(?P<y>{_YEAR}|{_SPOKEN_YEAR}|'\d\d))?\b")
def month_year_rule(m, ctx):
    word = m["mo"]
    if not word[0].isupper():
        return None
    mo = MONTHS[word.lower().rstrip(".")]
    if not m["y"] and len(word) <= 4 and not word.endswith(".") and word.lower() not in ("may", "june", "july"):
        return None
    if word.lower().rstrip(".") in ("may", "march", "mar", "sept", "sep") and not m["y"] and not m["mod"]:
        tok = ctx.token(m.start("mo"))
        if tok is not None and (tok.pos_ in ("AUX", "VERB") or tok.tag_ == "MD"):
            return None
        if word.lower().rstrip(".") in ("mar", "sep"):
            return None
    mod = _mod_of(m["mod"])
    if m["y"]:
        return "DATE", f"{_year2(m['y'])}-{mo:02d}", mod
    if ctx.dct is None:
        return "DATE", f"XXXX-{mo:02d}", mod
    tense = ctx.when(m.start(), m.start("mo"))
    y = month_year(ctx.dct, mo, tense or "none")
    return "DATE", f"{y}-{mo:02d}", mod


@rule(rf"(?P<rel>last|next|this|coming|past)\s+(?P<mo>{_MONTH})|(?P<mo2>{_MONTH})\s+(?P<rel2>last|next|this)\s+year")
def rel_month(m, ctx):
    word = m["mo"] or m["mo2"]
    if not word[0].isupper():
        return None
    mo = MONTHS[word.lower().rstrip(".")]
    if ctx.dct is None:
        return "DATE", f"XXXX-{mo:02d}", None
    if m["rel2"]:
        return "DATE", f"{ctx.dct.year + {'last': -1, 'next': 1}.get(m['rel2'].lower(), 0)}-{mo:02d}", None
    rel = m["rel"].lower()
    y = month_year(ctx.dct, mo, {"last": "last", "past": "last", "next": "next", "coming": "next"}.get(rel, "this"))
    y = ctx.dct.year if rel == "this" else y
    return "DATE", f"{y}-{mo:02d}", None


@rule(rf"(?P<mod>{_POINTMOD})?(?<![\d$£€#.,/])(?<!\d-)(?P<y>{_YEAR})(?![\d%/]|,\d|\.\d|-\d\d-)")
def year(m, ctx):
    tok = ctx.token(m.start("y"))
    if tok is not None:
        nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
        prev = tok.nbor(-1) if tok.i > 0 else None
        quantity = nxt is not None and nxt.tag_ == "NNS" and tok.dep_ == "nummod" and not (
            prev is not None and prev.lower_ in ("the", "its", "this", "his", "her", "their", "our", "a"))
        if quantity or nxt is not None and nxt.lower_ in ("percent", "%", "per", "am", "pm"):
            return None
        if prev is not None and prev.lower_ in ("$", "no.", "#", "number", "about", "some", "nearly"):
            return None
        if tok.like_num and tok.text != m["y"] and not re.fullmatch(r"\d{4}", tok.text):
            if re.search(r"\d[.,]\d", tok.text):
                return None
    return "DATE", m["y"], _mod_of(m["mod"])


@rule(rf"(?P<pre>(?:the\s+)?year\s+|(?:in|since|by|until|of|before|after)\s+)?(?P<y>{_SPOKEN_YEAR})")
def spoken_year_rule(m, ctx):
    if m["y"].lower().startswith("two") and not m["pre"]:
        return None  # "two thousand people"
    start = m.start() if m["pre"] and "year" in m["pre"].lower() else m.start("y")
    return _span(start, m.end(), "DATE", str(spoken_year(m["y"])), None)


@rule(rf"(?<![\d$])(?P<y1>{_YEAR})\s*(?:-|–|/|to|through|and)\s*(?P<y2>{_YEAR}|\d\d)(?![\d%])")
def year_range(m, ctx):
    y1 = int(m["y1"])
    y2 = int(m["y2"]) if len(m["y2"]) == 4 else y1 // 100 * 100 + int(m["y2"])
    if not y1 < y2 <= y1 + 50:
        return None
    return [(m.start("y1"), m.end("y1"), "DATE", str(y1), None),
            (m.start("y2"), m.end("y2"), "DATE", str(y2), None)]


@rule(r"(?P<fy>fiscal(?:\s+year)?|FY)\s*'?(?P<y>\d{4}|\d\d)\b")
def fiscal_year(m, ctx):
    return "DATE", str(_year2(m["y"])), None


@rule(rf"(?:the\s+)?(?P<mod>early|late|mid|middle)?-?\s*(?:(?P<c>1[0-9]|20)(?P<d>\d)0|'(?P<s>\d)0)'?s\b")
def decade(m, ctx):
    mod = _mod_of(m["mod"])
    if m["s"]:
        return "DATE", f"19{m['s']}", mod
    if m["d"] == "0" and m["c"] < "20":  # "the 1800s" is the century (TimeML: 18), "the 2000s" the decade
        return "DATE", m["c"], mod
    return "DATE", f"{m['c']}{m['d']}", mod


@rule(r"(?:the\s+)?(?P<mod>early|late|mid|middle)?-?\s*(?P<n>\d{1,2})(?:st|nd|rd|th)[\s-]+century\b")
def century(m, ctx):
    return "DATE", f"{int(m['n']) - 1:02d}", _mod_of(m["mod"])


_DECADE_WORDS = {"twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6, "seventies": 7,
                 "eighties": 8, "nineties": 9}


@rule(r"the\s+(?P<mod>early|late|mid|middle)?-?\s*(?P<w>twenties|thirties|forties|fifties|sixties|seventies|"
      r"eighties|nineties)\b")
def decade_word(m, ctx):
    """"the nineties": a decade of the twentieth century (TimeML: the first three digits, 199)."""
    return "DATE", f"19{_DECADE_WORDS[m['w'].lower()]}", _mod_of(m["mod"])


_ORDINAL_WORDS = {w: k for k, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(), 1)}


@rule(r"(?:the\s+)?(?P<mod>early|late|mid|middle)?-?\s*(?P<tw>twenty[\s-])?(?P<w>first|second|third|fourth|fifth|"
      r"sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|"
      r"seventeenth|eighteenth|nineteenth|twentieth)[\s-]+century\b")
def century_word(m, ctx):
    """"the nineteenth century": TimeML writes a century as its first two digits (18)."""
    n = _ORDINAL_WORDS[m["w"].lower()] + (20 if m["tw"] else 0)
    return "DATE", f"{n - 1:02d}", _mod_of(m["mod"])


_QORD = r"(?:first|second|third|fourth|1st|2nd|3rd|4th|final|last)"


@rule(rf"(?P<det>the\s+)?(?:(?P<y1>{_YEAR})\s+|(?P<rel>this|last|next)\s+year'?s\s+|"
      rf"(?P<fis1>fiscal)[\s-]+)?(?P<ord>{_QORD})[\s-]+(?:(?P<fis2>fiscal)[\s-]+)?(?P<unit>quarter|half)"
      rf"(?:\s+(?:of|in)\s+(?:(?:fiscal|the\s+year)\s+)?(?:(?P<y2>{_YEAR})|(?P<rel2>this|last|next)\s+year))?(?![\s-]+(?:of\s+the\s+)?(?:century|decade))")
def quarter(m, ctx):
    o = m["ord"].lower()
    unit = m["unit"].lower()
    start = m.start()
    if m["det"] and not m["y2"] and ctx.text[m.end("unit") - len(unit) - 1] == "-":
        start = m.end("det")  # "the third-quarter results": the determiner belongs to the noun
    n = ORDINALS.get(o, 4 if unit == "quarter" else 2)
    letter = "Q" if unit == "quarter" else "H"
    if m["y1"] or m["y2"]:
        y = int(m["y1"] or m["y2"])
    elif ctx.dct is None:
        return _span(start, m.end(), "DATE", f"XXXX-{letter}{n}", None)
    else:
        cur = quarter_of(ctx.dct) if letter == "Q" else (ctx.dct.month - 1) // 6 + 1
        y = ctx.dct.year
        rel = (m["rel"] or m["rel2"] or "").lower()
        if rel == "last":
            y -= 1
        elif rel == "next":
            y += 1
        elif not rel and n > cur and ctx.tense(m.start()) != "future":
            y -= 1
    return _span(start, m.end(), "DATE", f"{y}-{letter}{n}", None)


@rule(r"(?:the\s+)?(?P<rel>latest|current|most\s+recent|recent|past|previous|year-earlier|"
      r"year-ago|comparable|same|prior[\s-]year|this|last|next|coming)\s+(?:fiscal\s+)?(?P<unit>quarter)\b")
def rel_quarter(m, ctx):
    if m["rel"].lower() in ("year-earlier", "year-ago") and re.match(r"\s+(?:period|nine|six|first|second|third|fourth)",
                                                                   ctx.text[m.end():]):
        return None
    rel = m["rel"].lower()
    off = {"latest": -1, "most recent": -1, "recent": -1, "past": -1, "previous": -1, "last": -1,
           "year-earlier": -5, "year-ago": -5, "comparable": -5, "same": -5, "prior-year": -5,
           "prior year": -5, "next": 1, "coming": 1}.get(rel, 0)
    return "DATE", shift(ctx.dct, off, "Q"), None


@rule(r"(?P<pre>(?:for|during|over|throughout|in|of)\s+)?(?P<det>the\s+)(?P<w>year|week|day)\b(?![\s-]+(?:before|after|earlier|ago|of|when|that|in\s+which))")
def the_period(m, ctx):
    """Anaphoric "the year/week/day" of news: the DCT's, or one such unit when it measures a span."""
    w = m["w"].lower()
    if m["pre"] and m["pre"].split()[0].lower() in ("for", "during", "over", "throughout") and w != "day":
        return _span(m.start("det"), m.end(), "DURATION", duration_value(1, w), None)
    value = shift(ctx.dct, 0, w[0].upper())
    if w == "day":
        value = _anaphor("D", 0, value)  # "ending the day at 8,017": the day the story is about
    return _span(m.start("det"), m.end(), "DATE", value, None)


@rule(r"the\s+(?:full|entire|whole)\s+(?:fiscal\s+)?year\b|the\s+fiscal\s+year\b(?!\s+(?:ended|ending|ends|that|which|to|before|after))")
def whole_year(m, ctx):
    """"sales for the full year", "the fiscal year": the year being reported on.

    That is the DCT's year, except for past results reported in the first quarter: the year just ended.
    """
    back = ctx.dct is not None and ctx.dct.month <= 3 and ctx.tense(m.start()) == "past"
    return "DATE", shift(ctx.dct, -1 if back else 0, "Y"), None


@rule(r"\b[Tt]he\s+(?:fiscal\s+)?quarter\b")
def the_quarter(m, ctx):
    """In news "the quarter" is the one just reported: the quarter before the DCT's."""
    return "DATE", shift(ctx.dct, -1, "Q"), None


@rule(rf"(?P<det>the\s+)?(?:comparable\s+|same\s+)?(?P<rel>year-earlier|year-ago|year\s+earlier|{_YEAR})\s+"
      r"(?:(?P<ord>first|second|third|fourth)[\s-]+quarter|(?P<p>period|quarter)|(?P<n>nine|six|three)\s+months)\b")
def comparison_period(m, ctx):
    rel = m["rel"].lower()
    if m["n"]:
        return "DURATION", duration_value(parse_number(m["n"]), "month"), None
    if rel[0].isdigit():
        y = int(rel)
        if m["ord"]:
            return "DATE", f"{y}-Q{ORDINALS[m['ord'].lower()]}", None
        return "DATE", str(y), None
    if m["ord"]:
        y = ctx.dct.year - 1 if ctx.dct else "XXXX"
        return "DATE", f"{y}-Q{ORDINALS[m['ord'].lower()]}", None
    return "DATE", shift(ctx.dct, -5, "Q"), None


@rule(rf"(?:(?P<det>the)\s+)?(?P<mod>(?:very\s+)?(?:early|late|mid-?))?\s*(?P<rel>{_REL}|this\s+past|the\s+)?\s*"
      rf"(?P<s>spring|summer|fall|autumn|winter)(?:\s+(?:of\s+)?(?P<y>{_YEAR}|{_SPOKEN_YEAR}))?\b")
def season(m, ctx):
    s = SEASONS[m["s"].lower()]
    rel = re.sub(r"\s+", " ", (m["rel"] or "").strip().lower())
    if m["s"].lower() == "fall" and not (rel or m["y"] or m["det"] or m["mod"]):
        return None
    if not (rel or m["y"] or m["det"] or m["mod"]):
        tok = ctx.token(m.start("s"))
        if tok is not None and tok.pos_ == "VERB":
            return None
    mod = _mod_of(m["mod"])
    if m["y"]:
        return "DATE", f"{_year2(m['y'])}-{s}", mod
    if ctx.dct is None:
        return "DATE", f"XXXX-{s}", mod
    y = ctx.dct.year + {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(rel, 0)
    if rel == "last" and s == "WI" and ctx.dct.month <= 3:
        y += 1  # last winter seen from early in a year began the year before
    return "DATE", f"{y}-{s}", mod


@rule(rf"(?P<mod>{_POINTMOD})?\b(?P<w>today|yesterday|tomorrow)(?!'s?\s+(?:morning|afternoon|evening|night))\b")
def deictic_day(m, ctx):
    off = {"today": 0, "yesterday": -1, "tomorrow": 1}[m["w"].lower()]
    return "DATE", _day_val(ctx, off), _mod_of(m["mod"])


@rule(r"\b(?P<w>tonight|this\s+(?:morning|afternoon|evening)|last\s+night|(?:yesterday|tomorrow)'?s?"
      r"\s+(?:morning|afternoon|evening|night)|overnight|earlier\s+today|later\s+today|"
      r"(?:early|late|later|earlier)\s+(?:this\s+)?(?:morning|afternoon|evening)|"
      r"(?:mid-?\s*)?(?:morning|afternoon|evening)\s+(?:yesterday|today|tomorrow))\b")
def part_of_day(m, ctx):
    w = re.sub(r"\s+", " ", m["w"].lower())
    if w in ("earlier today", "later today"):
        return "DATE", _day_val(ctx, 0), "START" if w.startswith("earlier") else "END"
    if w == "overnight":
        return None
    off = -1 if "yesterday" in w or w == "last night" else 1 if "tomorrow" in w else 0
    part = "NI" if "night" in w else next(v for k, v in PARTS_OF_DAY.items() if k in w)
    return "TIME", f"{_day_val(ctx, off)}T{part}", None


@rule(rf"(?:(?P<rel>last|next|this|coming|past|previous|early|late)\s+)?(?P<wd>{_WEEKDAY})"
      r"(?:'?s?\s+(?P<part>morning|afternoon|evening|night))?(?!\s*,?\s*\d)")
def weekday(m, ctx):
    word = m["wd"].rstrip(".")
    if not word[0].isupper() or (len(word) <= 4 and word.lower() not in ("mon", "tue", "wed", "thu", "fri")):
        return None
    if word.lower() in ("sun", "sat", "wed", "mon") and len(m[0]) == len(m["wd"]):
        return None
    wd = WEEKDAYS[word.lower()]
    rel = (m["rel"] or "").lower()
    mod = {"early": "START", "late": "END"}.get(rel)
    if ctx.dct is None:
        val = f"XXXX-WXX-{wd}"
    else:
        if rel in ("last", "past", "previous"):
            direction = "last"
        elif rel in ("next", "coming"):
            direction = "next"
        elif rel == "this":
            direction = "this"
        else:
            tense = ctx.when(m.start(), m.start("wd"))
            direction = "future" if tense == "future" else "past" if tense == "past" else "none"
        val = weekday_date(ctx.dct, wd, direction).isoformat()
    if m["part"]:  # TimeML: a part of a day is a TIME ("Monday evening", 2021-03-08TEV)
        return "TIME", val + "T" + PARTS_OF_DAY[m["part"].lower()], mod
    return "DATE", val, mod


@rule(rf"(?P<mod>{_POINTMOD})?(?:the\s+)?(?P<rel>this|last|next|past|coming|previous|current|following|"
      r"upcoming|prior|same)\s+(?P<fis>fiscal\s+)?(?P<unit>week|weekend|month|year|decade|century)\b"
      r"(?!'s?\s+(?:quarter|half))")
def rel_unit(m, ctx):
    rel = m["rel"].lower()
    unit = m["unit"].lower()
    mod = _mod_of(m["mod"])
    code = {"week": "W", "weekend": "WE", "month": "M", "year": "Y", "decade": "DE", "century": "CE"}[unit]
    off = {"last": -1, "past": -1, "previous": -1, "prior": -1, "next": 1, "coming": 1,
           "following": 1, "upcoming": 1}.get(rel, 0)
    if rel == "past" and code in ("DE", "CE") or rel == "same":
        return ("DURATION", duration_value(1, unit), None) if rel == "past" else None
    if m[0].lower().startswith("the") and rel in ("next", "coming", "following") and code in ("W", "M"):
        return "DURATION", duration_value(1, unit), None
    return "DATE", shift(ctx.dct, off, code), mod


@rule(r"the\s+weekend\b")
def the_weekend(m, ctx):
    if ctx.dct is None:
        return "DATE", "XXXX-WXX-WE", None
    wd = ctx.dct.isoweekday()
    ahead = ctx.tense(m.start()) == "future" or wd >= 6
    return "DATE", iso_week(ctx.dct if ahead else ctx.dct - timedelta(days=7)) + "-WE", None


@rule(r"\b(?P<w>year|month|week)[\s-](?P<rel>earlier|ago)\b")
def year_earlier(m, ctx):
    code = m["w"][0].upper()
    if code == "Y" and ctx.dct and _quarter_context(ctx, m.start()):
        return "DATE", shift(ctx.dct, -5, "Q"), None
    return "DATE", shift(ctx.dct, -1, code), None


@rule(r"(?:the\s+)?(?:(?P<rel>this|current|last|next|fiscal)\s+)?(?:(?P<w>year)[\s-]?|(?P<w3>month|week)[\s-])end\b"
      r"|(?:the\s+)?end\s+of\s+the\s+(?P<w2>year|month|week)\b|year'?s\s+end\b")
def period_end(m, ctx):
    w = (m["w"] or m["w2"] or m["w3"] or "year").lower()
    off = {"last": -1, "next": 1}.get((m["rel"] or "").lower(), 0)
    return "DATE", shift(ctx.dct, off, w[0].upper()), "END"


@rule(rf"(?:(?P<mod>{_APPROX})\s+(?!the\b))?(?P<det>the\s+)?(?:(?P<rel>first|last|past|next|coming|previous|following|"
      rf"final|latest|initial|remaining|recent|additional|further|other|preceding|same)\s+)?"
      rf"(?P<num>{_NUM})(?:\s+(?:more|additional|full|straight|consecutive|long))?[\s-]+(?P<unit>{_UNIT})s?\b"
      r"(?P<half>\s+and\s+a\s+half\b)?"
      r"(?P<tail>\s+(?:ago|earlier|later|from\s+now|hence|previously|back|before|after)\b"
      r"(?!\s+(?:the|a|an|his|her|its|their|he|she|it|they|we|i|that|this)\b))?(?!-old)")
def duration(m, ctx):
    n = parse_number(m["num"])
    if n is None or n == 0:
        return None
    if m["half"] and n != "X":
        n += 0.5
    if m["num"].lower() in ("some", "many") and not m["det"] and not m["rel"]:
        return None
    unit = m["unit"].lower()
    plural = m[0].lower().rstrip().endswith("s") and not unit.endswith("s")
    if n == 1 and m["num"].lower() in ("a", "an") and (plural or unit in ("second", "quarter")):
        return None  # "a second A380", "a quarter of its dealers"
    after = ctx.text[m.end():m.end() + 12]
    fraction = unit.startswith("quarter") and re.match(r"\s+of\s+(?:the|its|his|her|their|our|a|an|all)\b", after)
    if unit.startswith("year") and re.match(r"\s+old\b", after) or fraction:
        return None  # ages ("52 years old") and fractions ("three-quarters of its food")
    mod = _mod_of(m["mod"])
    tail = (m["tail"] or "").strip().lower()
    if tail in ("ago", "earlier", "before", "previously", "back", "later", "hence", "from now", "after"):
        if tail in ("before", "after", "later") and not m["det"]:  # anchored on an event, not the DCT
            return _span(m.start(), m.start("tail"), "DURATION", duration_value(n, unit), mod)
        code = UNITS[unit.rstrip("s") if unit != "centuries" else "centurie"][0]
        mult = UNITS[unit.rstrip("s") if unit != "centuries" else "centurie"][1]
        if n == "X" or isinstance(n, float) or code in ("S", "H") and unit != "day":
            if n == "X":
                return "DATE", "PAST_REF" if tail in ("ago", "earlier", "before", "previously", "back") \
                    else "FUTURE_REF", mod
            return "DURATION", duration_value(n, unit), mod
        sign = -1 if tail in ("ago", "earlier", "before", "previously", "back") else 1
        if code == "Y" and n == 1 and sign < 0 and mult == 1 and ctx.dct and _quarter_context(ctx, m.start()):
            return "DATE", shift(ctx.dct, -5, "Q"), mod
        if code == "Y":
            return "DATE", shift(ctx.dct, sign * n * mult, "Y"), mod
        return "DATE", shift(ctx.dct, sign * n, code), mod
    rel = (m["rel"] or "").lower()
    if rel in ("recent",) and n == "X":
        return "DATE", "PAST_REF", None
    if m["det"] and not rel and ctx.text[m.end("num")] == "-":
        # "the 30-day period": the determiner belongs to the noun the duration modifies
        return _span(m.end("det"), m.end(), "DURATION", duration_value(n, unit), mod)
    return "DURATION", duration_value(n, unit), mod


def _quarter_context(ctx, char: int) -> bool:
    """Whether the sentence around ``char`` talks about a quarter (earnings news)."""
    tok = ctx.token(char)
    if tok is None:
        return "quarter" in ctx.text[max(0, char - 150):char + 150].lower()
    return "quarter" in tok.sent.text.lower()


def _span(start, end, typ, value, mod):
    return [(start, end, typ, value, mod)]


@rule(rf"(?:(?P<mod>{_APPROX})\s+(?!the\b))?(?:the\s+)?(?:(?P<rel>first|last|past|next|coming|previous|following|"
      r"final|recent|few)\s+)(?P<unit>second|minute|hour|day|week|month|quarter|year|decade)s\b")
def vague_plural(m, ctx):
    rel = m["rel"].lower()
    if rel in ("recent", "past", "last", "previous") and m["unit"].lower() in ("year", "decade"):
        return "DATE", "PAST_REF", None
    if rel in ("coming", "next", "following") and m["unit"].lower() in ("year", "decade"):
        return "DATE", "FUTURE_REF", None
    return "DURATION", duration_value("X", m["unit"]), _mod_of(m["mod"])


@rule(r"\b(?P<prep>over|in|during|through)\s+(?P<np>the\s+(?:years|decades))\b(?!\s+(?:of|ago|to\s+come|ahead))")
def the_years(m, ctx):
    """"over the years": an unspecified stretch of years."""
    return _span(m.start() if m["prep"].lower() == "over" else m.start("np"), m.end(), "DURATION", "PXY", None)


@rule(r"\b(?:for|over|within|in|after|take|takes|took|taken|last|lasted)\s+(?P<unit>second|minute|hour|"
      r"day|week|month|year|decade|centurie)s\b(?!\s+(?:of|ago|later|before|after|earlier))")
def bare_plural(m, ctx):
    return _span(m.start("unit"), m.end(), "DURATION", duration_value("X", m["unit"]), None)


@rule(r"\b(?P<num>decades|years|months|weeks|centuries|days|hours)[\s-]long\b"
      r"|\b(?:single-)?(?P<one>hour|day|week|month|year)-long\b|\bsingle-(?P<one2>hour|day|week|month|year)\b")
def long_adj(m, ctx):
    """"decades-long" (an unknown number of decades), "day-long" and "single-day" (one day)."""
    if m["num"]:
        return "DURATION", duration_value("X", m["num"].rstrip("s").replace("centurie", "century")), None
    return "DURATION", duration_value(1, m["one"] or m["one2"]), None


@rule(rf"(?:(?P<mod>{_APPROX})\s+)?half\s+(?:an?|one)\s+(?P<unit>{_UNIT})\b(?![\s-]+old\b)")
def half_unit(m, ctx):
    """"half an hour": half of one unit, written in the next smaller unit (PT30M, P6M)."""
    return "DURATION", duration_value(0.5, m["unit"]), _mod_of(m["mod"])


@rule(r"\b(?P<w>daily|weekly|monthly|annually|yearly|hourly|nightly|biannually|semiannually|"
      r"biweekly|bimonthly|quarterly)\b")
def set_adverb(m, ctx):
    w = m["w"].lower()
    tok = ctx.token(m.start())
    if tok is not None and (tok.pos_ in ("PROPN", "NOUN") or (m[0][0].isupper() and tok.i > 0 and not tok.is_sent_start)):
        return None
    if re.match(r"\s+[A-Z]", ctx.text[m.end():m.end() + 2]):
        return None  # "the party daily Granma"
    if w == "quarterly" and tok is not None and (tok.pos_ == "ADJ" or tok.dep_ == "amod"):
        return None  # "its quarterly dividend" describes the dividend, it is no set of times
    val = {"daily": "P1D", "weekly": "P1W", "monthly": "P1M", "annually": "P1Y", "yearly": "P1Y",
           "hourly": "PT1H", "nightly": "P1D", "biannually": "P6M", "semiannually": "P6M",
           "biweekly": "P2W", "bimonthly": "P2M", "quarterly": "P1Q"}[w]
    return "SET", val, None


@rule(rf"\b(?P<q>every|each|per)\s+(?:(?P<other>other)\s+)?(?:(?P<num>{_NUMW}|\d+)\s+)?"
      rf"(?:(?P<unit>{_UNIT})s?|(?P<wd>{_WEEKDAY})(?:\s+(?P<wpart>morning|afternoon|evening|night))?|"
      rf"(?P<mo>{_MONTH})|(?P<part>morning|afternoon|evening))\b")
def set_every(m, ctx):
    if m["part"]:  # "every morning": the same part of every day
        return "SET", f"XXXX-XX-XXT{PARTS_OF_DAY[m['part'].lower()]}", None
    if m["wd"] and m["wpart"]:
        wd = WEEKDAYS.get(m["wd"].lower().rstrip("."))
        return ("SET", f"XXXX-WXX-{wd}T{PARTS_OF_DAY[m['wpart'].lower()]}", None) if wd else None
    if m["wd"]:
        wd = WEEKDAYS.get(m["wd"].lower().rstrip("."))
        return ("SET", f"XXXX-WXX-{wd}", None) if wd else None
    if m["mo"]:
        return "SET", f"XXXX-{MONTHS[m['mo'].lower().rstrip('.')]:02d}", None
    n = parse_number(m["num"]) if m["num"] else (2 if m["other"] else 1)
    if n is None:
        return None
    return "SET", duration_value(n, m["unit"]), None


@rule(rf"(?:\b(?:once|twice|thrice|times)|[\d.,]*\d\s*(?:%|percent)?|\b(?:million|billion|percent|trillion|dollars|cents|"
      rf"barrels|tons|hundred|thousand))\s+(?P<q>(?:a|an|per)\s+(?P<unit>{_UNIT}))\b", prio=-1)
def set_per(m, ctx):
    return _span(m.start("q"), m.end(), "SET", duration_value(1, m["unit"]), None)


@rule(r"\b(?P<w>(?:right\s+|just\s+|until\s+|by\s+|till\s+)?now|currently|at\s+present|presently|nowadays|"
      r"these\s+days|at\s+the\s+moment|current|at\s+this\s+time|this\s+time)\b")
def present_ref(m, ctx):
    w = m["w"].lower()
    start = m.start()
    if w.startswith(("until", "by", "till", "just")):
        start = m.end() - 3
    if w in ("this time", "at this time") or ctx.text[m.end():m.end() + 1] == "-":
        return None
    before = ctx.text[max(0, m.start() - 4):m.start()]
    if w == "now" and ctx.text[m.end():m.end() + 1] == "," and re.fullmatch(r"(?:.*[.!?\"'`\n])?\s*", before, re.S) \
            and (m.start() < 4 or before.strip()):
        return None  # the discourse marker "Now, ..." opening a sentence
    if w == "current":
        tok = ctx.token(m.start())
        if tok is None or tok.pos_ != "ADJ" or tok.head.lower_ in ("account", "accounts", "events", "affairs",
                                                                   "liabilities", "assets", "members"):
            return None
        if tok.i + 1 < len(tok.doc) and tok.nbor(1).lower_ in ("account", "accounts", "affairs", "events"):
            return None
        if re.search(r"\bthen\s+$", ctx.text[max(0, start - 6):start]):
            return _span(ctx.text.rindex("then", 0, start), m.end(), "DATE", "PAST_REF", None)  # "the then current price"
    if w.startswith("at "):
        start = m.start() + 3 if w != "at present" else m.start()
    return _span(start, m.end(), "DATE", "PRESENT_REF", None)


@rule(r"\b(?P<w>recently|lately|(?:in\s+)?(?:the\s+)?(?:recent|distant)\s+past|the\s+past|previously|"
      r"formerly)\b(?!\s+(?:years?|months?|weeks?|days?|decades?|quarters?|\d))")
def past_ref(m, ctx):
    w = m["w"].lower()
    start = m.start() + 3 if w.startswith("in ") else m.start()
    if w in ("formerly", "previously"):
        return None
    return _span(start, m.end(), "DATE", "PAST_REF", None)


@rule(r"\b(?P<w>(?:the\s+)?(?:near\s+|foreseeable\s+|distant\s+)?future|(?:very\s+)soon|(?:the\s+)?coming\s+period|"
      r"(?:the\s+)?(?:days|weeks|months|years)\s+ahead|(?:the\s+)?period\s+ahead)\b")
def future_ref(m, ctx):
    w = m["w"].lower()
    if ctx.text[m.end():m.end() + 1] == "-":
        return None  # soon-to-open
    if w == "soon":
        after = ctx.text[m.end():m.end() + 12].lower()
        before = ctx.text[max(0, m.start() - 8):m.start()].lower()
        if re.match(r"\s+(after|as|before|thereafter)\b", after) or re.search(r"\b(as|how|too)\s+$", before):
            return None
    if w == "future":
        tok = ctx.token(m.start())
        if tok is not None and tok.pos_ in ("ADJ",) or (tok is not None and tok.dep_ in ("amod", "compound")):
            return None
    return "DATE", "FUTURE_REF", None


@rule(r"the\s+(?:near|short|medium|long)(?:er)?[\s-]+term\b(?!-|\s+(?!(?:and|or|but|as|is|are|was|were|will|would|"
      r"could|should|may|might|to|for|in|at|on|with|because|than|if|when|while|since|the|it|we|they)\b)[a-z])")
def term_ref(m, ctx):
    """"in the near term", "over the long term": the time ahead (a noun phrase, not "long-term debt")."""
    return "DATE", "FUTURE_REF", None


@rule(rf"(?P<mod>{_APPROX}\s+|(?:shortly\s+)?(?:before|after)\s+)?(?P<h>[012]?\d)(?::(?P<mi>[0-5]\d))?\s*"
      rf"(?P<ap>a\.m\.|p\.m\.|am\b|pm\b|a\.m|p\.m)(?P<tz>{_TZ})?"
      rf"|(?P<mod2>{_APPROX}\s+)?(?<![\d:.,])(?P<h2>[012]?\d):(?P<mi2>[0-5]\d)(?![\d:])(?:\s*(?:hrs|h)\b)?(?P<tz2>{_TZ})?"
      r"|\b(?P<noon>noon|midnight|midday)\b")
def clock(m, ctx):
    if m["noon"]:
        hh, mi = {"noon": (12, 0), "midday": (12, 0), "midnight": (24, 0)}[m["noon"].lower()]
        mod = None
    elif m["ap"]:
        hh, mi = int(m["h"]), int(m["mi"] or 0)
        if not 1 <= hh <= 12:
            return None
        if m["ap"].lower().startswith("p") and hh < 12:
            hh += 12
        elif m["ap"].lower().startswith("a") and hh == 12:
            hh = 0
        mod = _mod_of(m["mod"]) if m["mod"] and not m["mod"].strip().lower().startswith(("before", "after", "shortly")) else None
        if m["mod"] and m["mod"].strip().lower().startswith(("before", "after", "shortly")):
            return _span(m.start("h"), m.end(), "TIME", _time_val(ctx, hh, mi, True), None)
    else:
        hh, mi = int(m["h2"]), int(m["mi2"])
        if hh > 24:
            return None
        mod = _mod_of(m["mod2"])
    zone = "Z" if re.search(r"UTC|GMT", m["tz"] or m["tz2"] or "", re.I) else ""
    return "TIME", _time_val(ctx, hh, mi, True) + zone, mod


@rule(r"(?<![\d.,:$(])(?P<hh>[01]\d|2[0-3])(?P<mi>[0-5]\d)\s*(?P<z>UTC|GMT|hrs\b|hours\s+(?:UTC|GMT))")
def military_clock(m, ctx):
    """Wire-service clock times: "0800 UTC", "1430 GMT", "2100 hrs" (not a conversion in brackets)."""
    zone = "" if m["z"].lower() == "hrs" else "Z"
    return "TIME", _time_val(ctx, int(m["hh"]), int(m["mi"]), True) + zone, None


def _time_val(ctx, hh, mi, has_minutes) -> str:
    day = ctx.dct.isoformat() if ctx.dct else "XXXX-XX-XX"
    return f"{day}T{hh:02d}:{mi:02d}" if has_minutes else f"{day}T{hh:02d}"


def _nth_weekday(year: int, month: int, wd: int, n: int) -> date:
    """The ``n``-th weekday ``wd`` (1=Monday) of a month; ``n=-1`` is the last one."""
    if n < 0:
        last = add_months(date(year, month, 1), 1) - timedelta(days=1)
        return last - timedelta(days=(last.isoweekday() - wd) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(wd - first.isoweekday()) % 7 + 7 * (n - 1))


def holiday_date(name: str, year: int) -> date | None:
    """The date of a (US-centred) holiday in ``year``; None for names we do not know."""
    name = re.sub(r"\s+", " ", name.lower()).replace("'", "").removesuffix(" day")
    fixed = {"christmas": (12, 25), "christmas eve": (12, 24), "new years": (1, 1), "new year": (1, 1),
             "new years eve": (12, 31), "new year eve": (12, 31), "independence": (7, 4),
             "halloween": (10, 31), "valentines": (2, 14), "labour": (5, 1)}
    if name in fixed:
        return date(year, *fixed[name])
    if name.startswith(("easter", "good friday")):
        return easter(year) + timedelta(days={"easter monday": 1, "good friday": -2}.get(name, 0))
    if name == "election":
        return _nth_weekday(year, 11, 1, 1) + timedelta(days=1)  # the Tuesday after the first Monday
    rules = {"thanksgiving": (11, 4, 4), "labor": (9, 1, 1), "memorial": (5, 1, -1),
             "martin luther king": (1, 1, 3), "presidents": (2, 1, 3)}
    return _nth_weekday(year, *rules[name]) if name in rules else None


@rule(r"(?:(?P<rel>last|next|this|coming|past)\s+)?(?P<w>Christmas(?:\s+Day|\s+Eve)?|New\s+Year'?s?(?:\s+Day|\s+Eve)|"
      r"Thanksgiving(?:\s+Day)?|Independence\s+Day|Labou?r\s+Day|Memorial\s+Day|Election\s+Day|"
      r"Martin\s+Luther\s+King(?:\s+Jr\.?)?\s+Day|Presidents'?\s+Day|Easter(?:\s+Sunday|\s+Monday)?|Good\s+Friday|"
      r"Halloween|Valentine'?s\s+Day)(?P<wk>\s+week)?\b")
def holiday(m, ctx):
    """Holidays resolve like month-days: the occurrence nearest the DCT in the direction of the tense."""
    if not m["w"][0].isupper():
        return None
    name = re.sub(r"\s+Jr\.?", "", m["w"])
    if ctx.dct is None:
        d = holiday_date(name, 2001)  # only fixed-date holidays keep a month-day without a year
        if d is None:
            return None
        fixed = holiday_date(name, 2002).strftime("%m-%d") == d.strftime("%m-%d")
        return "DATE", "XXXX-WXX" if m["wk"] else f"XXXX-{d:%m-%d}" if fixed else "XXXX-XX-XX", None
    rel = (m["rel"] or "").lower()
    tense = {"last": "past", "past": "past", "next": "future", "coming": "future"}.get(rel) or ctx.when(m.start(), m.start("w"))
    # "Easter week" has begun once its first day has passed: compare from a week earlier
    lead = timedelta(days=7 if m["wk"] else 0)
    dates = [d - lead for y in (ctx.dct.year - 1, ctx.dct.year, ctx.dct.year + 1) if (d := holiday_date(name, y))]
    if not dates:
        return None
    if rel == "this":
        dates = [d for d in dates if d.year == ctx.dct.year]
    elif tense == "past" and any(d <= ctx.dct for d in dates):
        dates = [d for d in dates if d <= ctx.dct]
    elif tense == "future" and any(d >= ctx.dct for d in dates):
        dates = [d for d in dates if d >= ctx.dct]
    d = min(dates, key=lambda d: abs((d - ctx.dct).days)) + lead
    return "DATE", iso_week(d) if m["wk"] else d.isoformat(), None


# --------------------------------------------------------------------------- engine
_TIME_THEN_DATE = re.compile(r"\s*,?\s*(?:on\s+)?$")


def find_timexes(text: str, dct: date | None = None, doc=None) -> list[dict]:
    """All temporal expressions of ``text`` as TIMEX3 dicts, sorted by offset."""
    ctx = Ctx(text, dct, doc)
    candidates = []
    for index, (rx, handler, prio) in enumerate(RULES):
        for m in rx.finditer(text):
            if m.end() == m.start() or _in_a_title(text, m):
                continue
            out = handler(m, ctx)
            if not out:
                continue
            items = out if isinstance(out, list) else [(m.start(), m.end(), *out)]
            items = [_trim(text, it) for it in items]
            start = min(i[0] for i in items)
            end = max(i[1] for i in items)
            candidates.append((start, end, (prio, index), items))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2], c[0]))
    taken_starts: list[int] = []  # chosen spans never overlap, so they sort by start and end alike
    taken_ends: list[int] = []
    chosen = []
    for start, end, _, items in candidates:
        i = bisect.bisect_left(taken_starts, end)  # only the last span starting before `end` can overlap
        if i and taken_ends[i - 1] > start:
            continue
        taken_starts.insert(i, start)
        taken_ends.insert(i, end)
        chosen.extend(items)
    chosen.sort()
    chosen = _merge_time_date(text, chosen)
    chosen = _anchor_comparisons(ctx, chosen)
    chosen = _anchor_clock_times(ctx, chosen)
    chosen = _anchor_anaphora(ctx, chosen)
    chosen = [_day_offset(text, _week_of(text, it)) for it in chosen]
    # a date counted from another ("two days after Christmas") swallows the duration it starts with
    chosen = _drop_contained(chosen)
    anchor = dct.isoformat() if dct else None
    out = []
    for start, end, typ, value, mod in chosen:
        item = {"start": start, "end": end, "text": text[start:end], "type": typ, "value": value,
                "anchor": ctx.anchors.get((start, end), anchor if _relative(text[start:end], value) else None)}
        if mod:
            item["mod"] = mod
        out.append(item)
    return out


def _drop_contained(items: list[tuple]) -> list[tuple]:
    """Drop items whose span lies inside another item's (different) span, in one sorted pass."""
    contained = set()
    max_end = -1
    by_span: dict[tuple[int, int], list[int]] = {}
    for k, it in enumerate(items):
        by_span.setdefault((it[0], it[1]), []).append(k)
    for start, end in sorted(by_span, key=lambda se: (se[0], -se[1])):
        if max_end >= end:  # an earlier span starts at or before this one and reaches past it
            contained.update(by_span[(start, end)])
        max_end = max(max_end, end)
    return [it for k, it in enumerate(items) if k not in contained]


#: words written in lower case unless they are part of a name ("High Noon", "60 Minutes", "Summer Olympics")
_TITLE_WORD = re.compile(r"(?<!^)(?<![.!?\"'`\n]\s)(?<![.!?\"'`\n])\b(?:Noon|Midnight|Spring|Summer|Autumn|Winter|Seconds|Minutes|"
                         r"Hours|Weeks|Months|Years|Decades|Centuries)\b")


def _in_a_title(text: str, m: re.Match) -> bool:
    """Whether a match has a capitalised common time word inside a sentence: a title or name, not a time."""
    return bool(_TITLE_WORD.search(text, m.start(), m.end())) and not text[max(0, m.start() - 3):m.end()].isupper()


def _trim(text, item):
    start, end, *rest = item
    while end > start and text[end - 1] in " \t\n,-(":
        end -= 1
    while start < end and text[start] in " \t\n,":
        start += 1
    return (start, end, *rest)


def _merge_time_date(text, items):
    """``5 p.m. EST, Nov. 6`` / ``noon Saturday``: a clock time followed by its day is one TIME."""
    merged = []
    for it in items:
        if merged:
            prev = merged[-1]
            if prev[2] == "TIME" and it[2] == "DATE" and re.fullmatch(r"\d{4}-\d\d-\d\d", it[3]) \
                    and _TIME_THEN_DATE.match(text[prev[1]:it[0]]) is not None and it[0] - prev[1] <= 5:
                t = prev[3].split("T", 1)[1]
                merged[-1] = (prev[0], it[1], "TIME", f"{it[3]}T{t}", prev[4])
                continue
        merged.append(it)
    return merged


#: "a year earlier", "year-ago", "(the same period) last year": the period under comparison, a year back
_COMPARISON = re.compile(r"(?:an?|one)\s+year\s+(?:ago|earlier|before)|year[\s-](?:ago|earlier)|last\s+year", re.I)
_SAME_BEFORE = re.compile(r"\b(?:same|corresponding|comparable)\s+(?:period|month|quarter|time|season)\s+$", re.I)
_REF_VALUE = re.compile(r"(\d{4})(-(?:Q\d|H\d|\d\d))")
#: how many sentences back the compared period may have been named
COMPARISON_SENTENCES = 2


def _anchor_comparisons(ctx: Ctx, items: list) -> list:
    """Year-back comparisons take the granularity of the period the text is reporting on.

    TimeML resolves "a year earlier" against the reference time, not the DCT: in "third-quarter
    profit rose to $5 million from $4 million a year earlier" it is the third quarter of last year.
    The reference is the latest quarter, half or month named shortly before; without one the
    year value from the DCT stays.
    """
    out = list(items)
    for i, (start, end, typ, value, mod) in enumerate(out):
        if typ != "DATE" or not re.fullmatch(r"\d{4}(-Q\d)?", value) or not _COMPARISON.fullmatch(ctx.text[start:end]):
            continue
        if ctx.text[start:end].lower().startswith("last") and not _SAME_BEFORE.search(ctx.text[max(0, start - 40):start]):
            continue
        window = _sentence_window(ctx, start, COMPARISON_SENTENCES)
        same_sentence = _sentence_window(ctx, start, 0)
        for ref in reversed(out[:i]):
            if ref[0] < window:
                break
            m = _REF_VALUE.fullmatch(ref[3])
            # a month named sentences before is rarely the compared period; a reported quarter is
            if ref[2] == "DATE" and m and int(m[1]) - 1 == int(value[:4]) and (m[2][1] in "QH" or ref[0] >= same_sentence):
                out[i] = (start, end, typ, f"{int(m[1]) - 1}{m[2]}", mod)
                ctx.anchors[start, end] = ref[3]
                break
    return out


@rule(r"(?:(?P<mod>earlier|later)\s+)?(?:that|the\s+same)\s+(?P<w>year|month|week|day)\b(?!\s+(?:of|that|when|in\s+which|last\s+year|a\s+year))")
def anaphoric_period(m, ctx):
    """"that year", "later that day", "the same day": resolved against the last date named (see _anchor_anaphora)."""
    unit = m["w"][0].upper()
    return "DATE", _anaphor(unit, 0, shift(ctx.dct, 0, unit)), _mod_of(m["mod"])


@rule(r"the\s+(?P<rel>following|previous|preceding)\s+(?P<w>year|month|week|day)\b"
      r"|the\s+(?P<rel2>next|following|previous)\s+(?:morning|evening|night)\b|the\s+(?P<rel3>next)\s+day\b", prio=-1)
def anaphoric_step(m, ctx):
    """"the following year", "the next morning": a unit after the period the narrative is at, not the DCT."""
    unit = (m["w"] or "d")[0].upper()
    step = -1 if (m["rel"] or m["rel2"] or "").lower() in ("previous", "preceding") else 1
    return "DATE", _anaphor(unit, step, shift(ctx.dct, step, unit)), None


#: placeholder value of an anaphoric period until _anchor_anaphora resolves it
ANAPHOR = "ANAPHOR-"
_GRANULARITY = {"Y": r"(\d{4})", "M": r"(\d{4}-\d\d)", "W": r"(\d{4}-\d\d-\d\d)", "D": r"(\d{4}-\d\d-\d\d)"}


def _anaphor(unit: str, step: int, fallback: str) -> str:
    """Placeholder: ``step`` units from the last date named, else ``fallback`` (from the DCT)."""
    return f"{ANAPHOR}{unit}{step:+d}:{fallback}"


def _anchor_anaphora(ctx: Ctx, items: list) -> list:
    """"that year" is the year of the latest date named before it; without one, the DCT's."""
    out = list(items)
    for i, (start, end, typ, value, mod) in enumerate(out):
        if not value.startswith(ANAPHOR):
            continue
        head, resolved = value[len(ANAPHOR):].split(":", 1)
        unit, step = head[0], int(head[1:])
        for ref in reversed(out[:i]):
            m = re.match(_GRANULARITY[unit], ref[3])
            if ref[2] in ("DATE", "TIME") and m:
                resolved = shift(date.fromisoformat((m[1] + "-01-01")[:10]), step, unit)
                ctx.anchors[start, end] = ref[3]
                break
        out[i] = (start, end, typ, resolved, mod)
    return out


_WEEK_OF = re.compile(r"\b(?:the\s+)?week\s+of\s+$", re.I)


def _week_of(text: str, item: tuple) -> tuple:
    """"the week of March 6" is that date's ISO week."""
    start, end, typ, value, mod = item
    before = _WEEK_OF.search(text[max(0, start - 16):start])
    if typ != "DATE" or not before or not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return item
    return (start - len(before[0]), end, typ, iso_week(date.fromisoformat(value)), mod)


_DAY_OFFSET = _rx(rf"\b(?:the\s+)?(?:(?P<n>\d+|{_NUMW})\s+days|day)\s+(?P<dir>before|after)\s+$")


def _day_offset(text: str, item: tuple) -> tuple:
    """"the day before last Tuesday", "two days after Christmas": a date counted from another."""
    start, end, typ, value, mod = item
    before = _DAY_OFFSET.search(text[max(0, start - 30):start])
    if typ != "DATE" or not before or not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return item
    n = parse_number(before["n"]) if before["n"] else 1
    if not isinstance(n, int):
        return item
    day = date.fromisoformat(value) + timedelta(days=n if before["dir"].lower() == "after" else -n)
    return (start - len(before[0]), end, typ, day.isoformat(), mod)


_CLOCK = re.compile(r"\d\s*[ap]\.?m|\d:\d\d|noon|midnight|midday", re.I)


def _anchor_clock_times(ctx: Ctx, items: list) -> list:
    """A clock time without its own date belongs to the day its sentence names ("at 10 a.m. ... Friday")."""
    if ctx.dct is None:
        return items
    today = ctx.dct.isoformat() + "T"
    out = list(items)
    for i, (start, end, typ, value, mod) in enumerate(out):
        if typ != "TIME" or not value.startswith(today) or not _CLOCK.search(ctx.text[start:end]):
            continue
        first = _line_sentence(ctx, start)
        days = [it[3] for it in out if first <= it[0] and it[2] == "DATE" and re.fullmatch(r"\d{4}-\d\d-\d\d", it[3])
                and _line_sentence(ctx, it[0]) == first]
        if len(set(days)) == 1:
            out[i] = (start, end, typ, days[0] + value[len(today) - 1:], mod)
            ctx.anchors[start, end] = days[0]
    return out


def _line_sentence(ctx: Ctx, char: int) -> int:
    """Start of the sentence at ``char``, a headline or dateline line break counting as a boundary."""
    return max(_sentence_window(ctx, char, 0), ctx.text.rfind("\n", 0, char) + 1)


def _sentence_window(ctx: Ctx, char: int, back: int) -> int:
    """Start offset of the sentence ``back`` sentences before the one at ``char``."""
    tok = ctx.token(char)
    if tok is None:
        return max(0, char - 300 * (back + 1))
    sent = tok.sent
    for _ in range(back):
        if sent.start == 0:
            break
        sent = ctx.doc[sent.start - 1].sent
    return sent.start_char


_ABSOLUTE = re.compile(rf"\b(1[5-9]\d\d|20\d\d|'\d\d)\b|\d{{1,2}}/\d{{1,2}}/\d{{2}}|{_SPOKEN_YEAR}", re.I)


def _relative(span: str, value: str) -> bool:
    """Whether the value was computed from the anchor (no explicit year in the span)."""
    if value.startswith("P") or value.endswith("_REF") or value.startswith("X"):
        return False
    return _ABSOLUTE.search(span) is None
