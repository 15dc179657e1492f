"""Answer types: what a question asks for, and which spans of a sentence have which type.

Two halves, both plain rules (no model):

* `question_type(question)` reads the wh-word and the head noun after it and returns a `QuestionType`:
  the expected answer type (percent, count, money, date, duration, person, org, location, rating,
  reason, manner, phrase) plus a few refinements the reader uses ("end" of a date range, whole
  "range", the head noun).
* `typed_spans(text)` finds spans of typed answers inside a sentence: percentages and shares
  ("more than 77%", "one in four", "less than half"), counts ("28,819", "six"), money ("£1.2 million"),
  dates and periods ("23 to 27 September 2024", its end "27 September 2024", "2014",
  "the past nine months"), people ("Christine Kennet"), organisations ("MTC") and inspection
  ratings ("Requires improvement to be good", "Outstanding"). Offsets are into `text` (end exclusive).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

# Expected answer types (question side) and span types (sentence side) share these names.
PERCENT = "percent"
COUNT = "count"
MONEY = "money"
DATE = "date"
DURATION = "duration"
PERSON = "person"
ORG = "org"
LOCATION = "location"
AGE = "age"
ROLE = "role"
RATING = "rating"
REASON = "reason"
MANNER = "manner"
PHRASE = "phrase"

QUESTION_TYPES = (PERCENT, COUNT, MONEY, DATE, DURATION, AGE, PERSON, ORG, LOCATION, RATING, REASON, MANNER, PHRASE)
SPAN_TYPES = (PERCENT, COUNT, MONEY, DATE, DURATION, AGE, PERSON, ROLE, ORG, RATING, "proper", "number", "other")

# Which span types satisfy which expected type (used for the "type match" feature).
COMPATIBLE: dict[str, frozenset[str]] = {
    PERCENT: frozenset({PERCENT}),
    COUNT: frozenset({COUNT, "number", MONEY, PERCENT}),
    MONEY: frozenset({MONEY}),
    DATE: frozenset({DATE}),
    DURATION: frozenset({DURATION}),
    AGE: frozenset({AGE}),
    PERSON: frozenset({PERSON, ROLE, ORG, "proper"}),
    ORG: frozenset({ORG, "proper"}),
    LOCATION: frozenset({"proper", ORG}),
    RATING: frozenset({RATING}),
    REASON: frozenset(),
    MANNER: frozenset(),
    PHRASE: frozenset(),
}

WH_WORDS = ("what", "which", "who", "whom", "whose", "when", "where", "why", "how", "other")


@dataclass(frozen=True)
class QuestionType:
    expected: str  # one of QUESTION_TYPES
    wh: str  # the wh-word class: what/which/who/when/where/why/how/howmany/howmuch/other
    head: str = ""  # head noun after the wh-word ("what share" -> "share"), lower case
    date_part: str = ""  # "end" | "start" | "range" | "" for date questions
    notes: tuple[str, ...] = field(default_factory=tuple)


_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion "
    "dozen dozens hundreds thousands millions"
).split()
_NUM_WORD = r"(?:%s)" % "|".join(_NUMBER_WORDS)
MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_SKIP_HEAD = {
    "is", "was", "are", "were", "be", "been", "did", "does", "do", "has", "had", "have", "can", "could", "will",
    "would", "should", "may", "might", "must", "the", "a", "an", "of", "kind", "type", "sort", "form", "in", "on",
    "at", "to", "for", "by", "with", "from", "it", "they", "he", "she", "this", "that", "these", "those", "there",
}
# Adjectives a question puts before the noun it asks about ("how many separate areas", "what overall
# verdict"): the noun is the head.
_HEAD_MODIFIERS = frozenset(
    "overall separate different distinct individual formal additional extra exact precise specific main particular single"
    " his her majesty's hm two three four five six seven eight nine ten".split()
)
_NOT_HEAD = _SKIP_HEAD | _HEAD_MODIFIERS
_LABEL_NUMBER_RX = re.compile(
    r"\b(?:band|grade|level|tier|stage|phase|category|section|paragraph|page|chapter|part|step|version|wing|unit|no\.)\s*$",
    re.IGNORECASE,
)
_SCHOOL_YEAR_RX = re.compile(r"\bYears?\s*$")  # capitalised: "over the last year 15 children" counts children
_AUX_VERBS = frozenset("did does do has had have can could will would should may might must".split())
_CAUSE_VERB_RX = re.compile(
    r"\bwhat (?:has |have |had )?(?:brought|pulled|dragged|pushed|kept|held|caused|led to|lowered|reduced|prevented|stopped|"
    r"limited|undermined|affected|explains?|explained|drove|driven)\b"
)
# A question that gives the grade ("which area did Ofsted rate outstanding", "what was judged inadequate")
# asks what earned it.
_GIVEN_GRADE_RX = re.compile(
    r"\b(?:rate|rated|grade|graded|judge|judged|score|scored|assess|assessed)\s+(?:as\s+)?"
    r"(?:outstanding|good|inadequate|requires improvement|requiring improvement)\b"
)
_RATING_HEADS = {"grade", "grades", "rating", "ratings", "judgement", "judgements", "judgment", "judgments", "rated", "graded", "judged", "verdict", "outcome", "score", "scores"}
_PERCENT_HEADS = {"share", "proportion", "percentage", "percent", "per", "fraction", "rate", "ratio", "portion"}
_DATE_HEADS = {"date", "dates", "year", "years", "day", "days", "month", "months", "time", "century", "decade", "era", "season"}
# ("people" is no head here: "which people were not protected" asks for a group, "actual and potential
# victims", more often than for names)
_PERSON_HEADS = {
    "person", "man", "woman", "inspector", "name", "individual", "leader", "president", "king", "queen", "author", "chief",
    "director", "minister", "officer", "player", "scientist",
}
_ORG_HEADS = {
    "organisation", "organization", "company", "provider", "body", "agency", "team", "council", "trust", "authority",
    "firm", "group", "department", "service", "party", "university", "club", "network",
    "watchdog", "inspectorate", "regulator", "consortium", "charity",
}
_LOC_HEADS = {"city", "country", "place", "location", "region", "state", "area", "town", "county", "continent", "river", "street", "borough", "site", "where"}
_MONEY_HEADS = {"cost", "costs", "price", "budget", "money", "funding", "spend", "spending", "amount", "salary", "revenue", "fee", "fees", "income", "overspend", "grant", "grants", "investment", "sum", "sums", "allocation", "award"}
# Nouns that make the phrase before them a measure ("agency staffing level", "vacancy rate")
_MEASURE_HEADS = {
    "level", "levels", "rate", "rates", "number", "figure", "figures", "target", "share", "proportion", "percentage", "size",
    "total", "cost", "headcount", "count", "tally",
}
_DURATION_HEADS = {"hours", "duration", "durations", "timescale", "timescales", "wait", "waits"}
_COUNT_HEADS = {"number", "amount", "total", "size", "population", "count", "headcount", "caseload", "tally", "figure"}

# Words that end the noun phrase after "what is": "what is the annual budget | for ...", "... | did ...".
_NP_END = frozenset(
    "of for at in on by to from with among between during within across under over since after before than "
    "did does do is was are were has had have will would can could should that which who when where".split()
)
_DETERMINERS = frozenset("the a an its their his her our this that these those".split())


def _copula_np_head(after: list[str]) -> str:
    """The last word of the noun phrase after "what is": "what was the london crc's annual budget" -> "budget"."""
    words = after[1:] if after and after[0] in ("is", "was", "are", "were") else []
    np_words: list[str] = []
    for w in words:
        if w in _NP_END:
            break
        if not np_words and w in _DETERMINERS:
            continue
        np_words.append(w)
    return np_words[-1] if np_words else ""


# A question opening with a subordinate clause asks with the wh-word of its main clause.
_LEADING_CLAUSE_RX = re.compile(
    r"^\s*(?:when|where|while|whenever|if|once|after|before)\b[^?]*?,\s*((?:what|which|who|whom|how|when|where|why)\b.*)$"
    # "when London CRC staff were interviewed, more than 77% of them reported holding more than how many cases?"
    r"|^\s*(?:when|where|while|whenever|if|once|after|before)\b"
    r"(?!\s+(?:did|does|do|is|was|were|are|will|has|have|had|can|could|would|should)\b)[^?,]*,\s*((?:(?!\b(?:when|where)\b)[^?])*\b(?:what|which|who|whom|how)\b.*)$"
)
_Q_WORD = re.compile(r"[a-z0-9£$%]+(?:['’-][a-z0-9]+)*")


# A question that ends by asking again, more exactly: "How long has MTC run London CRC - since which year?",
# "... when interventions were delivered? what was the exact figure"
_FOLLOW_UP_RX = re.compile(
    r"(?:\s[-–—]+\s|[:?]\s+)((?:(?:since|from|until|in|by|at|for|to)\s+)?(?:what|which|who|whom|when|where|how)\b[^-–—:?]*\??)\s*$"
)
_WH_WORD_RX = re.compile(rf"\b(?:{'|'.join(w for w in WH_WORDS if w != 'other')})\b")


def question_type(question: str) -> QuestionType:
    """The expected answer type of `question` from its wh-word and head noun."""
    q = question.lower().replace("’", "'")
    lead = _LEADING_CLAUSE_RX.match(q)
    if lead:  # "when bromley places a child ..., who signs off ...": the main clause asks
        return question_type(lead.group(1) or lead.group(2))
    follow_up = _FOLLOW_UP_RX.search(q)
    if follow_up and _WH_WORD_RX.search(q, 0, follow_up.start()):
        return question_type(follow_up.group(1))
    words = _Q_WORD.findall(q)
    wh = "other"
    wh_pos = -1
    for k, w in enumerate(words):
        if w in ("what", "which", "who", "whom", "whose", "when", "where", "why", "how"):
            wh, wh_pos = ("who" if w in ("whom", "whose") else w), k
            break
    head = ""
    after = words[wh_pos + 1 :] if wh_pos >= 0 else words
    for w in after:
        if w not in _NOT_HEAD:
            head = w
            break
    nxt = after[0] if after else ""
    if wh == "how" and nxt in ("many", "much"):
        # "how many men": the thing counted is the head, not "many" (the answer reads "146 men")
        head = next((w for w in after[1:] if w not in _NOT_HEAD), head)
    if wh in ("what", "which") and nxt and (nxt in _SKIP_HEAD and nxt not in ("kind", "type", "sort", "form")):
        type_head = ""  # "what does the service offer": no head noun to type the answer by
    elif nxt in ("kind", "type", "sort", "form") and len(after) > 2 and after[1] == "of":
        type_head = after[2]
    else:
        type_head = nxt
    if type_head in _HEAD_MODIFIERS:  # "what overall verdict": the noun types the answer
        type_head = next((w for w in after[1:] if w not in _HEAD_MODIFIERS), "")
    if wh in ("what", "which") and type_head:
        # "what agency staffing level": the noun phrase's head is "level", not the organisation word before it
        np_words = list(itertools.takewhile(lambda w: w not in _NP_END, after))
        later = [w for w in np_words[np_words.index(type_head) + 1 :] if w in _MEASURE_HEADS] if type_head in np_words else []
        if later:
            # "staffing level", "vacancy figure": a figure of some kind ("level of risk" never gets here:
            # "of" ends the noun phrase before it)
            type_head = "number" if later[-1] in ("level", "levels", "figure", "figures", "target") else later[-1]
    date_part = ""
    if re.search(r"\b(end|ended|ends|finish|finished|conclude|concluded|last day|final day|close|closed)\b", q):
        date_part = "end"
    elif re.search(r"\b(start|started|starts|begin|began|begins|commence|commenced|first day)\b", q):
        date_part = "start"
    if re.search(r"\bdates\b|\bperiod\b|\bfrom when\b|\bbetween which\b|\b(?:what|which) years\b", q):
        date_part = "range"
    # The first noun naming a kind of answer within a few words: "which Ofsted inspector", "what overall grade".
    near = [w for w in after[:4] if w not in _SKIP_HEAD]
    if wh in ("what", "which") and not type_head:
        # "what was the population ...": the head noun after the copula still types the answer
        type_head = head if head in (_COUNT_HEADS | _MONEY_HEADS | _PERCENT_HEADS) else ""
        np_head = _copula_np_head(after)
        if np_head in (_COUNT_HEADS | _MONEY_HEADS | _PERCENT_HEADS | _RATING_HEADS):
            type_head = np_head  # "what is the total cost" is money, "what was the positive rate" a share

    expected = PHRASE
    if re.search(r"\b(what|which)\s+(share|proportion|percentage|percent|per cent|fraction)\b", q) or re.search(
        r"\bhow much of\b|\bwhat (?:%|per cent)\b|\bwhat (?:is|was|were) the (?:share|proportion|percentage|rate)\b", q
    ):
        expected = PERCENT
    elif re.search(
        r"\b(?:what|which) (?:age|ages|age range|age ranges|age group|age groups|age bracket)\b|\bhow old\b|\bage range\b", q
    ):
        expected = AGE
    elif re.search(r"\b(?:what|which) (?:level|figure|number)\b(?! of\b)", q):
        expected = COUNT  # "to what level does it want to cut agency staff": "15%"; "caseloads above what figure": "55"
    elif re.search(
        r"\b(?:over|for|during|in|within) (?:what|which) (?:\w+ )?(?:period|length of time|timescale|time ?frame)\b", q
    ):
        expected = DURATION
    elif wh in ("what", "which") and (
        type_head in _DURATION_HEADS
        or _copula_np_head(after) in _DURATION_HEADS
        or re.search(r"\b(?:waiting|wait|response|turnaround|processing) times?\b", q)
    ):
        expected = DURATION  # "what are the operating hours": "24 hours a day"; "the average waiting time": "18 months"
    elif wh == "how" and nxt == "many" and re.search(r"\bhow many (?:years|months|weeks|days|nights|hours|minutes|decades)\b", q):
        expected = DURATION  # "for how many weeks of the year": "52-week", "12 weeks"
    elif wh == "how" and nxt in ("many",):
        expected = COUNT
    elif wh == "how" and nxt == "much" and re.search(r"\bhow much (?:time|longer)\b", q):
        expected = DURATION  # "how much time do they build up": "two years"
    elif wh == "how" and nxt == "much":
        expected = MONEY if (set(words) & _MONEY_HEADS or "£" in q or "$" in q or re.search(r"\b(pay|paid|spend|spent|cost|worth|earn|raise|raised)\b", q)) else COUNT
    elif wh == "how" and nxt == "long" and re.search(r"\bhow long (?:is|was|are|were) (?:the|its|their|a) (?:[\w-]+ ){0,3}(?:list|lists|queue|queues|backlog)\b", q):
        expected = COUNT  # "how long was the waiting list": its size
    elif wh == "how" and nxt in ("long", "often", "frequently"):
        expected = DURATION  # "how often": a frequency ("once a fortnight") is read as a duration type
    elif wh == "how" and nxt in ("quickly", "soon", "promptly", "swiftly", "rapidly", "speedily"):
        expected = DURATION  # "how quickly were new arrivals moved to the first night centre": "within two hours"
    elif wh == "how" and nxt in ("old", "big", "large", "tall", "far", "high", "fast", "wide", "deep", "often", "heavy", "small"):
        expected = MONEY if set(words) & _MONEY_HEADS else COUNT
    elif wh == "when" or (wh in ("what", "which") and type_head in _DATE_HEADS) or re.search(r"\b(?:what|which)\b(?:\s+\w+){0,3}\s+(?:date|dates|year|day|month)\b", q) or re.search(r"\b(in|on|since|by|until) (what|which) (year|date|day|month|century|decade)\b", q):
        expected = DATE
    elif wh == "who" or (wh == "what" and _names_a_role(q)):
        expected = PERSON
    elif wh == "what" and _CAUSE_VERB_RX.search(q):
        expected = PHRASE  # "what dragged the rating down": a cause, though the question names a rating
    elif _GIVEN_GRADE_RX.search(q):
        expected = PHRASE  # "which judgement area was rated outstanding": the grade is given, the area asked
    elif (wh in ("what", "which") and (head in _RATING_HEADS or type_head in _RATING_HEADS or re.search(r"\b(grade|rating|judgement|judgment)\b", q))) or re.search(
        r"\bhow (?:was|were|is|are|did)\b.*\b(rated|graded|judged|assessed|scored)\b|\boverall effectiveness\b", q
    ) or re.search(
        # "how did London CRC do on unpaid work", "how did Ofsted grade Barnet's services for children in care":
        # asked of a report, how something did is its grade
        r"\bhow (?:well |highly )?(?:did|does|do|has|have)\s+"
        r"(?:(?:ofsted|inspectors|the inspectors|the inspectorate)\s+(?:rate|grade|score|judge)\b"
        r"|(?:\S+\s+){1,8}?(?:do|fare|perform)\s+(?:on|for|in|at|with)\b)", q
    ) or re.search(
        # "how well does Croydon protect children, according to its Ofsted grading": the grade says how well
        r"^(?:.*,\s*)?how (?:well|good)\b.*\b(?:grading|grade|graded|rating|rated|judgement|judgment)\b", q
    ):
        expected = RATING
    elif wh in ("what", "which") and type_head in _PERCENT_HEADS:
        expected = PERCENT
    elif wh in ("what", "which") and type_head in _MONEY_HEADS:
        expected = MONEY
    elif wh in ("what", "which") and type_head in _COUNT_HEADS:
        expected = COUNT
    elif wh == "what" and re.search(r"\bwhat name (?:do|does|did|is|was|are|were|has|have|had)\b", q):
        expected = PHRASE  # "what name does Bromley give to its commitment": a thing's name, not a person's
    elif wh in ("what", "which") and (
        type_head in _PERSON_HEADS
        or (wh == "which" and type_head in _ROLE_WORDS and not type_head.endswith("s"))  # "which head of the inspectorate"
        # "which MTC executive responded": the role noun after an organisation's name is the head
        or (
            wh == "which"
            and not _AUX_VERBS.intersection(after[:4])
            and near[1:2]
            and near[1] in _ROLE_WORDS
            and not near[1].endswith("s")
        )
        # "which Ofsted inspector led it" asks for a person; "what did the chief inspector say" does not: the
        # person after "did" is the subject, and "what" is what they said ("what word did the chief inspector
        # use": the auxiliary may follow the asked noun); "the full name of the ... provider" names no person
        or (
            not _AUX_VERBS.intersection(after[:4])
            and near[1:2]
            and near[1] in _PERSON_HEADS
            and near[0] not in _ORG_HEADS
            and not (near[1] == "name" and _NAME_OF_RX.search(q) and not _names_a_role(q))
        )
    ):
        expected = PERSON
    elif wh in ("what", "which") and re.search(r"\b(?:what|which) (?:\w+ )?groups? of\b", q):
        expected = PHRASE  # "which group of children": a kind of people, not an organisation
    elif wh in ("what", "which") and (
        type_head in _ORG_HEADS
        # "which council department", "what Ofsted team"; not "what standards had the service fallen short of",
        # whose "service" is the subject after the auxiliary
        or (near[1:2] and near[1] in _ORG_HEADS and not _AUX_VERBS.intersection(after[: after.index(near[1])]))
        # "which private and third-sector consortium runs ...": the noun after the coordinated modifiers
        or (len(near) > 2 and near[1] == "and" and near[3:4] and near[3] in _ORG_HEADS and not _AUX_VERBS.intersection(after[:4]))
    ):
        expected = ORG
    elif wh == "where" or (wh in ("what", "which") and type_head in _LOC_HEADS):
        expected = LOCATION
    elif wh == "why":
        expected = REASON
    elif wh == "how":
        expected = MANNER
    if wh == "other" and expected == PHRASE:
        expected, head = _search_box_type(words, head)
    if wh == "how" and nxt in ("many", "much"):
        wh = "how" + nxt
    if expected != DATE:
        date_part = ""
    return QuestionType(expected=expected, wh=wh, head=head, date_part=date_part)


# A query typed as into a search box ("barnet inspection dates", "london crc caseload", "lead inspector
# hackney") has no question word: the noun it asks for types it. That noun is the one before "of" ("number
# of children in care"), else the last such noun ("croydon overall rating"). A yes/no question naming a grade
# ("is croydon good?") is answered by the grade.
_SEARCH_BOX_HEADS: dict[str, str] = {
    **{w: RATING for w in _RATING_HEADS},
    **{w: DATE for w in ("date", "dates", "dated", "when")},
    **{w: PERCENT for w in _PERCENT_HEADS - {"per"} | {"percentages", "shares", "proportions", "%"}},
    **{w: MONEY for w in _MONEY_HEADS - {"amount"}},
    **{w: COUNT for w in _COUNT_HEADS | {"capacity", "caseloads", "numbers", "totals"}},
    **{w: DURATION for w in _DURATION_HEADS},
    **{w: PERSON for w in ("inspector", "inspectors", "chair", "director", "chief", "minister", "leader", "who")},
}
_WAIT_RX = re.compile(r"\b(?:waiting|wait|response|turnaround|processing) times?\b|\bwaits?\b")
_YES_NO_LEADS = frozenset("is are was were did does do has have had can could will would should".split())
_GOOD_GRADE = r"good(?!\s+enough)"  # "good enough" is no grade: "is its risk work good enough?" asks for a judgement
_GRADE_WORDS_RX = re.compile(rf"\b(?:outstanding|{_GOOD_GRADE}|inadequate|requires improvement|requiring improvement)\b")


_GRADE_ASKED_RX = re.compile(
    r"\b(?:(?:rated|graded|judged|assessed|seen|found|considered)\s+(?:as\s+|to\s+be\s+)?)?"
    rf"(?:outstanding|{_GOOD_GRADE}|inadequate|requires? improvement(?: to be good)?|requiring improvement)\b(?:\s+overall)?",
    re.I,
)


def yes_no_grade_query(question: str) -> str | None:
    """A yes/no question about a grade, rewritten as the query for that grade ("is Croydon rated good?" ->
    "Croydon rating"), since the answer is the grade given, whichever it is; None for any other question."""
    words = _Q_WORD.findall(question.lower())
    if not words or words[0] not in _YES_NO_LEADS:
        return None
    rest = re.sub(r"^\W*\w+\s*", "", question.strip())
    if not _GRADE_ASKED_RX.search(rest):
        return None
    without = _GRADE_ASKED_RX.sub(" ", rest)
    without = re.sub(r"\s+", " ", without).strip(" ?.!,")
    return f"{without} rating" if without else None


def _search_box_type(words: list[str], head: str) -> tuple[str, str]:
    """(expected type, head noun) of a query with no question word; (PHRASE, head) when nothing types it."""
    if not words:
        return PHRASE, head
    if words[0] in _YES_NO_LEADS:
        return (RATING if _GRADE_WORDS_RX.search(" ".join(words)) else PHRASE), head
    if _WAIT_RX.search(" ".join(words)):
        return DURATION, head  # "hillingdon neurodisability assessment waiting time": "18 months"
    typed = [(k, w) for k, w in enumerate(words) if w in _SEARCH_BOX_HEADS]
    if not typed:
        return PHRASE, head
    k, w = next(((k, w) for k, w in typed if k + 1 < len(words) and words[k + 1] in ("of", "for")), typed[-1])
    expected = _SEARCH_BOX_HEADS[w]
    if expected == COUNT and k + 2 < len(words) and words[k + 1] == "of":
        head = next((x for x in words[k + 2 :] if x not in _NOT_HEAD), head)  # "number of children": "children"
    return expected, head


# ---------------------------------------------------------------------------------------------
# Typed spans inside a sentence
# ---------------------------------------------------------------------------------------------
_MOD = (
    r"(?:(?:much |far |slightly |just |well |no |not )?(?:more|less|fewer|greater|lower|higher) than|over|under|almost|nearly"
    r"|around|about|approximately|roughly|up to|at least|at most|just over|just under|some|only|fewer than|below|above)"
)
_NUM = r"\d+(?:[.,]\d+)*"
# flexible whitespace between words: PDF text may break a line anywhere (no literal spaces here, see _rx)
_S = r"[\x20\t\u00a0]+(?:\n[\x20\t\u00a0]*)?|[\x20\t\u00a0]*\n[\x20\t\u00a0]*"
_FRACTION = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|\d+)" + f"(?:{_S})in(?:{_S})" + r"(?:two|three|four|five|six|seven|eight|nine|ten|twenty|\d+)"
    r"|(?:a|one|two|three)(?:" + _S + r")(?:half|halves|third|thirds|quarter|quarters|fifth|fifths|tenth|tenths)"
)
_VAGUE_SHARE = (
    r"half|(?:the|a)(?: (?:large|vast|small|significant|overwhelming|great|clear|substantial|sizeable|tiny))? (?:majority|minority)"
    r"|most|nearly all|almost all|all|none|a few|few|many"
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace(" ", f"(?:{_S})"), re.IGNORECASE)


_PERCENT_RX = _rx(rf"(?:{_MOD} )?{_NUM}(?:\s?%| per ?cent| percent| percentage points?)")
_SHARE_RX = _rx(
    rf"\b(?:{_MOD} )?(?:{_FRACTION})\b|\b(?:{_MOD} )?(?:{_VAGUE_SHARE})(?= of\b| the\b| said\b| were\b| was\b| are\b| had\b| have\b|[.,;]|$)"
)
_MONEY_RX = _rx(rf"(?:{_MOD} )?(?:[£$€]{_NUM}(?: ?(?:million|billion|thousand|bn|m|k)\b)?|{_NUM} (?:million |billion |thousand )?(?:pounds|dollars|euros)\b)")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1[0-9]{3}|20[0-9]{2})"
_DATE_RANGE_RX = _rx(
    rf"(?P<a>{_DAY}(?: {_MONTH})?(?: {_YEAR})?) (?:to|-|–|—|and|until) (?P<b>{_DAY} {_MONTH}(?: {_YEAR})?)"
    rf"|(?P<c>{_MONTH}(?: {_YEAR})?) (?:to|-|–|—|until) (?P<d>{_MONTH} {_YEAR})"
    rf"|(?P<e>{_YEAR}) ?(?:to|-|–|—|until) ?(?P<f>{_YEAR}|\d\d)\b"
)
_DATE_RX = _rx(
    rf"\b(?:(?:early|mid|late|in|since|by|before|after)(?:-| ))?(?:{_DAY} {_MONTH}(?:,? {_YEAR})?|{_MONTH} {_DAY}(?:st|nd|rd|th)?(?:,? {_YEAR})?|{_MONTH} {_YEAR}|(?:[Ss]pring|[Ss]ummer|[Aa]utumn|[Ww]inter) (?:of )?{_YEAR}|{_YEAR}s?|the {_YEAR}s|{_NUM}(?:st|nd|rd|th) century)\b"
)
_DURATION_UNIT = r"(?:years?|months?|weeks?|days?|nights?|hours?|minutes?|decades?|centuries)"
_DURATION_RX = _rx(
    rf"(?:(?:the|a) )?(?:(?:past|last|next|first|previous|following) )?(?:{_MOD} )?(?:{_NUM}|{_NUM_WORD}|a|an|several|few)(?:-| )"
    rf"(?:(?:and a half|full|calendar|working|school|business|clear) )?{_DURATION_UNIT}\b"
    # "1 hour and 45 minutes": one duration
    rf"(?: and (?:{_NUM}|{_NUM_WORD}|a|an) {_DURATION_UNIT}\b)?"
)
# A period named without a number: "in the months ahead", "over the coming year", "the past few weeks"
_PERIOD_UNIT = r"(?:years?|months?|weeks?|days?|decades?)"
_RELATIVE_PERIOD_RX = _rx(
    rf"\bthe (?:(?:coming|next|following|past|last|previous|recent) (?:few |several |two |three )?{_PERIOD_UNIT}"
    rf"|{_PERIOD_UNIT} (?:ahead|to come))\b"
)
# Ages and age ranges: "aged 12 to 24", "16- and 17-year-olds", "under-fives", "age 19 or above"
_AGE_NUM = rf"(?:{_NUM}|{_NUM_WORD})"
_AGE_RX = _rx(
    rf"\b(?:(?:aged|ages?)(?: between| from)? {_AGE_NUM}"
    rf"(?:(?: ?(?:to|-|–|and) ?{_AGE_NUM})|(?: (?:and|or) (?:over|above|under|below|older|younger)))?"
    rf"|(?:between )?the ages? of {_AGE_NUM}(?: (?:and|to) {_AGE_NUM})?(?: years?(?: old)?)?"
    rf"|{_AGE_NUM}(?:-? ?(?:and|to|or) {_AGE_NUM})?(?:-| )years?(?:-| )olds?"
    rf"|under(?:-| )(?:{_AGE_NUM})s"
    # "assigning an adviser to care leavers at 17 and a half years": a point in a life is an age
    rf"|(?<=\bat\s){_AGE_NUM}(?:(?: |-)and(?: |-)a(?: |-)half)?(?: |-)years?(?: old)?)\b"
)
# "paying their council tax until they are 25": the age at which something stops or starts
_AGE_REACHED_RX = _rx(
    r"\b(?:until|till|when|once|before|after|by the time) "
    r"(?:they|he|she|young people|children|care leavers|the young person|a child) "
    rf"(?:are|is|turn|turns|reach|reaches|become|becomes) (?P<n>{_AGE_NUM})\b(?! ?(?:%|per\b|percent))"
)
_AGE_REACHED_WORDS = frozenset({"until", "till", "when", "once", "before", "after", "time"})
# How often: "once a fortnight", "twice a week", "three times a year", "every month", "weekly"
_FREQUENCY_RX = _rx(
    rf"\b(?:(?:once|twice|(?:{_NUM}|{_NUM_WORD}) (?:times|days|nights|hours|sessions|visits)) (?:a|an|per|each|every) (?:day|week|fortnight|month|quarter|term|year)"
    rf"|every (?:(?:{_NUM}|{_NUM_WORD}|other|few) )?(?:days?|weeks?|fortnights?|months?|quarters?|terms?|years?)"
    r"|(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly))\b"
)
_ONE_ANOTHER_RX = re.compile(r"(?:\s+[\w’'-]+){0,4}?\s+(?:to|or|after)?\s*another\b", re.IGNORECASE)
_COUNT_RX = _rx(rf"(?:{_MOD} )?(?:{_NUM}(?: (?:million|billion|thousand|hundred))?|\b{_NUM_WORD}(?:(?:-| ){_NUM_WORD})*\b)")
# The three outcomes of an Ofsted and CQC area SEND inspection, which such a report gives as its grade
_AREA_OUTCOME = (
    r"typically\s+leads?\s+to\s+positive\s+experiences\s+and\s+outcomes"
    r"|inconsistent\s+experiences\s+and\s+outcomes"
    r"|widespread\s+and/or\s+systemic\s+failings"
)
_AREA_OUTCOME_RX = re.compile(rf"\b(?:{_AREA_OUTCOME})\b", re.IGNORECASE)
_RATING_RX = re.compile(
    # Ofsted and probation grades, HM Inspectorate of Prisons' healthy-prison scores, area SEND outcomes
    rf"\b(?:{_AREA_OUTCOME}|"
    r"require[sd]?(?:\s+|\s*\n\s*)improvement(?:(?:\s+|\s*\n\s*)to(?:\s+|\s*\n\s*)be(?:\s+|\s*\n\s*)good)?"
    r"|requiring(?:\s+|\s*\n\s*)improvement|not(?:\s+|\s*\n\s*)sufficiently(?:\s+|\s*\n\s*)good"
    r"|reasonably(?:\s+|\s*\n\s*)good|outstanding|good|inadequate|poor)\b",
    re.IGNORECASE,
)
# A role named in lower case answers "who" as a name does ("led by a consultant psychologist", "chaired by
# the chief executive"): a few modifiers and a role noun.
_ROLE_NOUNS = (
    "psychologist|psychologists|manager|managers|director|directors|officer|officers|executive|leader|leaders|chair|"
    "head|lead|adviser|advisers|advisor|advisors|coordinator|consultant|consultants|nurse|nurses|"
    "practitioner|practitioners|inspector|inspectors|governor|clinician|clinicians|commissioner|therapist|therapists|"
    "psychiatrist|paediatrician|paediatricians|councillor|councillors|mayor|minister|secretary|chairman|chairwoman|chairperson"
)
_ROLE_RX = re.compile(rf"\b(?:{_ROLE_NOUNS})\b")
_ROLE_WORDS = frozenset(_ROLE_NOUNS.split("|"))
_ROLE_DETERMINERS = frozenset("the a an its their our".split())
_ROLE_MODIFIER_RX = re.compile(r"[a-z][a-z’'-]*")
_WORD_BEFORE_RX = re.compile(r"(\S+)(?=\s)[ \t]*\n?[ \t]*$")  # the word before a position, across one line break
_NOT_MODIFIERS = frozenset(
    "and or with by as is are was were be been to of for in on at from who which that has have had".split()
)
_ACRONYM_RX = re.compile(r"\b[A-Z][A-Z&]{1,6}s?\b")
# A capitalised word of a name: "Russell", "J.", and names with a second capital ("McLaughlin", "O’Brien",
# "Smith-Jones"), tried first so that "McLaughlin" is not cut to "Mc".
_CAPWORD = r"(?:[A-Z][a-z]*(?:[’'\-]?[A-Z][a-z’'\-]+)+|[A-Z][a-z’'\-]+|[A-Z]\.)"
_CAPWORD_RX = re.compile(_CAPWORD)
_NAME_RX = re.compile(rf"\b{_CAPWORD}(?:[ \t]+(?:\n[ \t]*)?(?:{_CAPWORD}|(?:de|van|von|da|al|du|le|la|of|the|and|for|upon|on)\b)){{0,5}}(?<![ \t\n])")
# Agencies named in lower case ("information from the police", "referrals to children's social care"):
# organisations all the same, for "which agency" questions
_AGENCY_RX = _rx(
    r"\b(?:the police|children['’]s social care(?: services)?|the probation service"
    r"|(?:the )?youth (?:offending|justice) (?:service|team))\b"
)
# Words stamped on a document in capitals ("SAMPLE DOCUMENT", "OFFICIAL-SENSITIVE", "DRAFT"): a marking, no
# organisation's initials.
DOCUMENT_MARKINGS = frozenset("SAMPLE DOCUMENT DRAFT OFFICIAL SENSITIVE CONFIDENTIAL RESTRICTED NOTE".split())
_ORG_WORDS = {
    "council", "trust", "ltd", "limited", "plc", "university", "college", "company", "committee", "inspectorate", "service",
    "services", "agency", "partnership", "board", "department", "ministry", "office", "court", "group", "foundation", "institute",
    "society", "association", "corporation", "authority", "commission", "bank", "party", "church", "school", "academy", "nhs", "police",
}
_NAME_STOP = {"the", "a", "an", "this", "that", "these", "in", "on", "at", "of", "for", "and", "but", "or", "it", "he", "she", "they", "we", "there", "however", "his", "her", "their", "its", "inspection", "lead", "judgement", "grade", "overall"}


# Cheap tests that rule a pattern out before it runs: each pattern above needs a digit or one of these
# whole words, and scanning a sentence with the patterns themselves is most of a cold question's cost.
_DIGIT_RX = re.compile(r"\d")
_LETTER_WORD_RX = re.compile(r"[a-z]+")
_CURRENCY_WORDS = frozenset({"pounds", "dollars", "euros"})
_SHARE_WORDS = frozenset(
    "one two three four five six seven eight nine half halves third thirds quarter quarters fifth fifths tenth "
    "tenths majority minority most all none few many".split()
)
_DURATION_WORDS = frozenset(
    "year years month months week weeks day days night nights hour hours minute minutes decade decades centuries".split()
)
_FREQUENCY_WORDS = frozenset(
    "once twice times every daily weekly fortnightly monthly quarterly annually yearly days nights hours sessions visits".split()
)
_COUNT_WORDS = frozenset(_NUMBER_WORDS)
_AGE_WORDS = frozenset({"age", "aged", "ages", "old", "olds", "under"})


def _normalise_text_ws(text: str) -> str:
    return " ".join(text.split())


_NAME_OF_RX = re.compile(r"\bname of ((?:[\w'’-]+ ){0,5}?[\w'’-]+?)(?: (?:of|at|in|for|on|who|that|during)\b|\s*\?|$)")


def _names_a_role(q: str) -> bool:
    """Whether a lower-case question asks for the name of a role holder ("the name of the chief executive")."""
    m = _NAME_OF_RX.search(q)
    return bool(m) and bool(role_nouns(m.group(1).split()[-1]))


def states_area_outcome(text: str) -> bool:
    """Whether `text` gives an area SEND inspection's outcome ("... lead to inconsistent experiences and outcomes ...")."""
    return _AREA_OUTCOME_RX.search(text) is not None


def without_name_of_thing(question: str) -> str:
    """The lower-case question without "name of ..." when what is named is no role holder: "what is the
    full name of the London probation provider" speaks of no person."""
    q = question.lower()
    return q if _names_a_role(q) else _NAME_OF_RX.sub(" ", q)


def role_nouns(text: str) -> frozenset[str]:
    """The role nouns in `text`, lower case and singular ("chairs" -> "chair", "Chief Executive" -> "executive")."""
    found = set()
    for word in re.findall(r"[a-z]+", text.lower()):
        singular = word[:-1] if word.endswith("s") and word[:-1] in _ROLE_WORDS else word
        if singular in _ROLE_WORDS:
            found.add(singular)
    return frozenset(found)


_UNIT_SCALE = {
    "minute": 0, "minutes": 0, "hour": 1, "hours": 1, "day": 2, "days": 2, "night": 2, "nights": 2, "week": 3, "weeks": 3,
    "fortnight": 3, "fortnights": 3, "month": 4, "months": 4, "year": 5, "years": 5, "decade": 6, "decades": 6,
}
_ASKED_UNIT_RX = re.compile(r"\bhow many (minutes|hours|days|nights|weeks|months|years|decades)\b", re.IGNORECASE)
_UNIT_RX = re.compile(r"\b(minutes?|hours?|days?|nights?|weeks?|fortnights?|months?|years?|decades?)\b", re.IGNORECASE)


def unit_scale(text: str) -> int | None:
    """The time unit a duration is in ("18 months"), as a step on the scale minute (0) ... decade (6), or
    None when it names none."""
    m = _UNIT_RX.search(text)
    return _UNIT_SCALE[m.group(1).lower()] if m else None


def asked_unit(question: str) -> int | None:
    """The unit a "how many weeks/months/..." question asks in (see `unit_scale`), or None."""
    m = _ASKED_UNIT_RX.search(question)
    return _UNIT_SCALE[m.group(1).lower()] if m else None


_VAGUE_WORDS = frozenset("majority minority most many few some all none several".split())


def is_vague_amount(text: str) -> bool:
    """Whether `text` gives an amount with no figure ("the majority", "most", "a few"), which answers no
    "how many" ("half" and "one in four" are figures)."""
    words = re.findall(r"[\w’'-]+", text.lower())
    figure = any(w in _NUMBER_WORDS or any(c.isdigit() for c in w) for w in words)
    return not figure and any(w in _VAGUE_WORDS for w in words)


def is_frequency(text: str) -> bool:
    """Whether `text` is a frequency ("once a fortnight", "every month", "weekly")."""
    return _FREQUENCY_RX.fullmatch(text.strip()) is not None


_DRIVING_RX = re.compile(r"\bwhat (?:is|was|are|were) (?:driving|behind|causing)\b")


def asks_cause(question: str) -> bool:
    """Whether the question asks what caused something ("what brought the rating down", "what was driving
    the violence")."""
    q = question.lower()
    return _CAUSE_VERB_RX.search(q) is not None or _DRIVING_RX.search(q) is not None


def asks_how_often(question: str) -> bool:
    """Whether the question asks for a frequency ("How often ...", "How frequently ...")."""
    return re.search(r"\bhow (?:often|frequently)\b", question, re.IGNORECASE) is not None


def typed_spans(text: str, *, prefilter: bool = True) -> list[tuple[int, int, str]]:
    """All typed answer spans in `text` as (start, end, type), sorted by start then length (longest first).

    Overlapping spans are all kept (the reader chooses); "more than 77%" is reported as well as "77%".
    Date ranges give the whole range and its end date (type DATE) so "when did it end" can pick the end.
    `prefilter=False` runs every pattern whatever the cheap tests say (the tests check both agree).
    """
    found: dict[tuple[int, int], str] = {}

    def add(a: int, b: int, kind: str) -> None:
        while b > a and text[b - 1] in " \t\n\u00a0,;:":
            b -= 1
        while a < b and text[a] in " \t\n\u00a0":
            a += 1
        if b > a and (a, b) not in found:
            found[(a, b)] = kind

    digit = _DIGIT_RX.search(text) is not None
    lowered = text.lower()
    words = set(_LETTER_WORD_RX.findall(lowered))

    def may(rx: re.Pattern[str], ok: bool) -> list[re.Match[str]]:
        return list(rx.finditer(text)) if ok or not prefilter else []

    for m in may(_MONEY_RX, digit and (any(c in text for c in "£$€") or bool(words & _CURRENCY_WORDS))):
        add(m.start(), m.end(), MONEY)
    # "per cent"/"percent" carry no closing word boundary in the pattern ("5 percentile" matches), so the
    # test is on the letters, not the whole word
    for m in may(_PERCENT_RX, digit and ("%" in text or "per" in lowered)):
        add(m.start(), m.end(), PERCENT)
        # the bare figure without its modifier ("77%")
        inner = re.search(r"\d", m.group(0))
        if inner and inner.start() > 0:
            add(m.start() + inner.start(), m.end(), PERCENT)
    for m in may(_SHARE_RX, digit or bool(words & _SHARE_WORDS)):
        add(m.start(), m.end(), PERCENT)
    for m in may(_DATE_RANGE_RX, digit):
        add(m.start(), m.end(), DATE)
        for g in ("b", "d"):
            if m.group(g):
                add(m.start(g), m.end(g), DATE)
    for m in may(_DATE_RX, digit):
        s = m.group(0)
        pre = re.match(r"(?:early|mid|late|in|since|by|before|after)(?:-| )", s, re.IGNORECASE)
        a = m.start() + (pre.end() if pre else 0)
        add(a, m.end(), DATE)
        if pre and pre.group(0).lower()[:3] in ("ear", "mid", "lat"):
            add(m.start(), m.end(), DATE)
    for m in may(_FREQUENCY_RX, bool(words & _FREQUENCY_WORDS)):
        add(m.start(), m.end(), DURATION)
    for m in may(_AGE_RX, bool(words & _AGE_WORDS) or ("at" in words and bool(words & {"year", "years"}))):
        add(m.start(), m.end(), AGE)
        # the ages without "aged": "12 to 24" of "aged 12 to 24"
        inner = re.match(r"(?:aged|ages?)(?:\s+(?:between|from))?\s+", m.group(0), re.IGNORECASE)
        if inner:
            add(m.start() + inner.end(), m.end(), AGE)
    for m in may(_AGE_REACHED_RX, bool(words & _AGE_REACHED_WORDS)):
        add(m.start(), m.end(), AGE)
        add(m.start("n"), m.end("n"), AGE)
    for m in may(_RELATIVE_PERIOD_RX, bool(words & _DURATION_WORDS)):
        add(m.start(), m.end(), DURATION)
    for m in may(_DURATION_RX, bool(words & _DURATION_WORDS)):
        add(m.start(), m.end(), DURATION)
        inner = re.match(r"(?:(?:the|a)\s+)?(?:(?:past|last|next|first|previous|following)\s+)?", m.group(0), re.IGNORECASE)
        if inner and inner.end() > 0 and inner.end() < len(m.group(0)):
            add(m.start() + inner.end(), m.end(), DURATION)
    for m in may(_COUNT_RX, digit or bool(words & _COUNT_WORDS)):
        s = m.group(0)
        if not s.strip():
            continue
        # a number inside a date ("March 2024", "11 to 22 March") or an age ("aged 16 and 17", "under the
        # age of five") is not a count of anything
        if any(kind in (DATE, AGE) and a <= m.start() and m.end() <= b for (a, b), kind in found.items()):
            continue
        # nor one inside a length of time ("less than 12 months' experience"), though "three times a year"
        # counts times
        if any(
            kind == DURATION and a <= m.start() and m.end() <= b and not _FREQUENCY_RX.fullmatch(text[a:b])
            for (a, b), kind in found.items()
        ):
            continue
        # nor is a number naming a grade or part ("band 3 prison officers", "key stage 4", "category C",
        # the school year "Year 9")
        labelled = _LABEL_NUMBER_RX.search(text, 0, m.start()) or _SCHOOL_YEAR_RX.search(text, 0, m.start())
        if labelled and re.fullmatch(r"\d+", s.strip()):
            continue
        # nor is the "one" of "from one phase to another", "one way or another", "one another"
        if s.strip().lower() == "one" and _ONE_ANOTHER_RX.match(text, m.end()):
            continue
        # nor is a section number opening a line ("2.1 Assessment")
        line_start = not text[: m.start()].strip() or text[: m.start()].rstrip(" \t").endswith("\n")
        if line_start and re.fullmatch(r"\d+(?:\.\d+)+", s.strip()) and re.match(r"\s+[A-Z]", text[m.end() :]):
            continue
        add(m.start(), m.end(), COUNT)
        inner = re.search(r"\d|\b(?:%s)\b" % _NUM_WORD, s, re.IGNORECASE)
        if inner and inner.start() > 0:
            add(m.start() + inner.start(), m.end(), COUNT)
    for m in _RATING_RX.finditer(text):
        add(m.start(), m.end(), RATING)
    for m in may(_ROLE_RX, bool(words & _ROLE_WORDS)):
        # the role noun with up to three lower-case modifiers before it ("consultant psychologist", "chief
        # executive"), and with its determiner
        start = m.start()
        for _ in range(3):
            prev = _WORD_BEFORE_RX.search(text, max(0, start - 60), start)  # a short window: one word back
            word = prev.group(1) if prev else ""
            if not word or not _ROLE_MODIFIER_RX.fullmatch(word) or word in _NOT_MODIFIERS or word in _ROLE_DETERMINERS:
                break
            start = prev.start(1)
        add(start, m.end(), ROLE)
        prev = _WORD_BEFORE_RX.search(text, max(0, start - 60), start)
        if prev and prev.group(1).lower() in _ROLE_DETERMINERS:
            add(prev.start(1), m.end(), ROLE)
    agency_words = ("police", "social care", "probation service", "youth")
    for m in may(_AGENCY_RX, any(w in lowered for w in agency_words)):
        add(m.start(), m.end(), ORG)
    for m in _ACRONYM_RX.finditer(text):
        # a plural acronym names a group of people ("PAs", "IROs", "GPs"), not an organisation
        word = m.group(0)
        if word not in ("I", "A") and len(word) >= 2 and not word.endswith("s") and word not in DOCUMENT_MARKINGS:
            add(m.start(), m.end(), ORG)
    for m in _NAME_RX.finditer(text):
        words = m.group(0).split()
        # drop leading function words ("The", "In") and month names
        k = 0
        while k < len(words) and (words[k].lower() in _NAME_STOP or words[k].lower().strip(".") in MONTHS):
            k += 1
        if k >= len(words):
            continue
        a = m.start() + m.group(0).find(words[k], sum(len(w) for w in words[:k]))
        b = m.end()
        rest = text[a:b]
        rw = rest.split()
        # trim trailing function words
        while rw and rw[-1].lower() in _NAME_STOP:
            b = a + rest.rfind(rw[-1])
            while b > a and text[b - 1] in " \t\n":
                b -= 1
            rw = rw[:-1]
            rest = text[a:b]
        if not rw:
            continue
        low = {w.lower().strip("’'s,.") for w in rw}
        if low & _ORG_WORDS:
            kind = ORG
        elif 2 <= len(rw) <= 4 and all(_CAPWORD_RX.fullmatch(w) for w in rw) and not any(w.lower() in MONTHS for w in rw):
            kind = PERSON
        else:
            kind = "proper"
        if (a, b) not in found:
            add(a, b, kind)
        # a table flattened into lines runs one cell's capitals into the next: "Integrated Care Board \nStephen
        # Kitchman, Director of Children's Services" holds a name on its own line, set off by the comma after it
        cut = text.rfind("\n", a, b)
        if cut >= 0 and text.startswith(",", b):
            tail = text[cut + 1 : b].split()
            if 2 <= len(tail) <= 4 and all(_CAPWORD_RX.fullmatch(w) for w in tail) and not (
                {w.lower().strip("’'s,.") for w in tail} & _ORG_WORDS or any(w.lower() in MONTHS for w in tail)
            ):
                add(cut + 1, b, PERSON)
        # each run of capitalised words on its own ("Justin Russell" in "Justin Russell on Monday")
        if len(rw) > 1:
            for run in re.finditer(rf"{_CAPWORD}(?:[ \t]+(?:\n[ \t]*)?{_CAPWORD})*", text[a:b]):
                ws = run.group(0).split()
                if run.end() - run.start() < b - a and ws and ws[0].lower() not in _NAME_STOP:
                    ra, rb = a + run.start(), a + run.end()
                    if 2 <= len(ws) <= 4 and not {w.lower().strip("’'s,.") for w in ws} & _ORG_WORDS and not any(w.lower() in MONTHS for w in ws):
                        add(ra, rb, PERSON)
                    else:
                        add(ra, rb, "proper")
    return sorted(((a, b, k) for (a, b), k in found.items()), key=lambda t: (t[0], -(t[1] - t[0])))


def span_type_of(text: str) -> str:
    """The type of a whole span, by the typed patterns above (the longest typed match covering it)."""
    stripped = text.strip()
    for a, b, k in typed_spans(stripped):
        if a == 0 and b == len(stripped):
            return k
    if re.fullmatch(r"[\d.,]+", stripped):
        return "number"
    return "other"


# Shares written in words and in figures name the same amount: "a quarter", "one in four" and "25%"; "more
# than three-quarters" and "more than 77%". `shares_in` finds them so that the reader can match a question's
# "roughly a quarter of the workforce" with a sentence's "around one in four of the staff".
SHARE_POINTS = (10, 20, 25, 33, 50, 67, 75)  # the shares people say in words, in percent
SHARE_TOLERANCE = 3.0  # percentage points within which a figure is said as one of them ("77%": three-quarters)
_FRACTION_DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
                          "fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10}
# The values of the number words people write for small counts ("which three stages", "one in four").
NUMBER_WORD_VALUES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                      "nine": 9, "ten": 10}
_SMALL_NUMBERS = {"a": 1, "an": 1, **NUMBER_WORD_VALUES}  # "a quarter"
_WORDED_FRACTION_RX = re.compile(
    r"(?<!\band )\b(a|an|one|two|three|four)[\s-]+(half|third|thirds|quarter|quarters|fifth|fifths|tenth|tenths)\b"
    r"(?=\s+of\b|\s+the\b|[\s,.;]|$)"
    r"|(?<!\band a )(?<!\band an )\b(half)\s+(?:of\s+)?(?:the|all|its|their|our|these|those|them)\b",
    re.IGNORECASE,
)
_IN_EVERY_RX = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|\d)\s+(?:in|out of)\s+(?:every\s+)?(two|three|four|five|ten|\d{1,2})\b",
    re.IGNORECASE,
)
_SHARE_PERCENT_RX = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d+)?)\s?(?:%|per\s?cent\b)", re.IGNORECASE)
_MAY_SHARE_RX = re.compile(
    r"\b(?:half|halves|thirds?|quarters?|fifths?|tenths?|per\s?cent)\b"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|\d)\s+(?:in|out of)\b",
    re.IGNORECASE,
)


def _number(word: str) -> float:
    return float(word) if word.isdigit() else float(_SMALL_NUMBERS.get(word.lower(), 0))


def _share_points(value: float) -> list[int]:
    return [p for p in SHARE_POINTS if abs(value - p) <= SHARE_TOLERANCE]


def shares_in(text: str, *, figures: bool = True) -> list[tuple[int, int, list[int]]]:
    """Shares in `text` as (start, end, share points they name), for shares said in words ("a quarter of",
    "one in four", "half the aspects") and, with `figures`, percentages ("77%", "25 per cent")."""
    out: list[tuple[int, int, list[int]]] = []
    if not (figures and "%" in text) and not _MAY_SHARE_RX.search(text):
        return out  # most sentences hold no share at all: one cheap test instead of three patterns
    for m in _WORDED_FRACTION_RX.finditer(text):
        if m.group(3):
            value = 50.0
            end = m.end(3)
        else:
            value = 100.0 * _number(m.group(1)) / _FRACTION_DENOMINATORS[m.group(2).lower()]
            end = m.end(2)
        out.append((m.start(), end, _share_points(value)))
    for m in _IN_EVERY_RX.finditer(text):
        whole = _number(m.group(2))
        if whole > 1:
            out.append((m.start(), m.end(), _share_points(100.0 * _number(m.group(1)) / whole)))
    if figures:
        for m in _SHARE_PERCENT_RX.finditer(text):
            out.append((m.start(), m.end(), _share_points(float(m.group(1)))))
    return [(a, b, points) for a, b, points in out if points]
