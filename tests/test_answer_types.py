"""Question typing and typed span extraction (rag/answer_types.py): pure rules, fast."""
from __future__ import annotations

import pytest

from rag.answer_types import question_type, typed_spans


def spans(text: str, kind: str | None = None) -> list[str]:
    return [text[a:b] for a, b, k in typed_spans(text) if kind is None or k == kind]


@pytest.mark.parametrize(
    "question,expected",
    [
        ("What share of staff had over 55 cases?", "percent"),
        ("What proportion of children were seen within a week?", "percent"),
        ("What percentage of plans were reviewed?", "percent"),
        ("How many children were referred?", "count"),
        # asked of a report, how something did is its grade; how people did something is a manner
        ("How did London CRC do on unpaid work?", "rating"),
        ("How did Waltham Forest's services for children in care fare at the July 2024 inspection?", "rating"),
        ("How did Ofsted grade Barnet's services for children in care?", "rating"),
        ("How did staff do their work?", "manner"),
        # how well a service does, asked of its grade
        ("How well did Ofsted rate Croydon's help and protection?", "rating"),
        ("How well does Croydon protect children, according to Ofsted's 2024 grading?", "rating"),
        ("How well did leaders respond?", "manner"),
        # the organisation word after an auxiliary is the subject, not the asked noun
        ("What standards had the service fallen short of before the reforms?", "phrase"),
        ("Which council department runs the front door?", "org"),
        ("How much did the council spend on agency staff?", "money"),
        ("When did the inspection end?", "date"),
        ("On what date did the inspection of Barnet end?", "date"),
        ("What were the inspection dates for Barnet?", "date"),
        ("Which year was the service rated?", "date"),
        ("How long had the post been vacant?", "duration"),
        ("For how many weeks of the year is the flat available?", "duration"),
        ("Who was the lead inspector?", "person"),
        ("Which people did the watchdog say were not being properly protected?", "phrase"),  # a group
        ("Which organisation runs the probation service?", "org"),
        ("What grade was given for the experiences and progress of children in care?", "rating"),
        ("What was the overall effectiveness judgement for Barnet children's services?", "rating"),
        ("Where is the office?", "location"),
        ("Why were caseloads high?", "reason"),
        ("How do managers oversee the work?", "manner"),
        ("What does the service offer to care leavers?", "phrase"),
        # "what name does X give" asks for a thing's name; "the name of the director" for a person's
        ("What name does Bromley give to its commitment to proportionate caseloads?", "phrase"),
        ("What is the name of the chief executive?", "person"),
        # a role after "did" is the subject: "what word did the chief inspector use" asks for a word
        ("What word did the Chief Inspector use to describe the delays?", "phrase"),
        ("Which Ofsted inspector led the inspection?", "person"),
        # the head of the noun phrase after "what is" types the answer, not its first word
        ("What was the London CRC's annual budget?", "money"),
        ("What is the average salary of a probation officer?", "money"),
        ("What was the total cost of the scheme?", "money"),
        ("What was the random drug testing positive rate in October 2021?", "percent"),
        ("What is the population of the prison?", "count"),
        ("What is the name of the charity?", "phrase"),
        ("What sum did the programme award the prison?", "money"),
        ("What score did the prison receive for respect?", "rating"),
        # a measure noun heads the phrase, not the organisation word before it
        ("What agency staffing level is the council aiming for?", "count"),
        ("Which agency runs the service?", "org"),
        ("What level of risk do they pose?", "phrase"),
        # hours and waits are durations, and a waiting time is not a date
        ("What are the operating hours of the safeguarding hub?", "duration"),
        ("What is the average waiting time for an autism assessment?", "duration"),
        ("What time does the office open?", "date"),
        ("What years does the five-year strategy cover?", "date"),
        # ages
        ("What age range does the counselling service cater for?", "age"),
        ("How old are the youngest children in the panel?", "age"),
        ("At what age do young people move to adult services?", "age"),
    ],
)
def test_question_types(question, expected):
    assert question_type(question).expected == expected


def test_date_parts():
    assert question_type("On what date did the inspection end?").date_part == "end"
    assert question_type("What were the inspection dates?").date_part == "range"
    assert question_type("When did the inspection start?").date_part == "start"
    assert question_type("What years does the SEND strategy cover?").date_part == "range"


def test_percent_and_shares():
    s = "Workloads are high, with more than 77% of interviewed staff saying they managed more than 55 cases."
    assert "more than 77%" in spans(s, "percent")
    assert "77%" in spans(s, "percent")
    t = "One in four children waited, almost half were seen late and less than half of staff were trained."
    got = spans(t, "percent")
    assert "One in four" in got and "almost half" in got and "less than half" in got


def test_counts_money_dates():
    s = "There were 28,819 contacts and six audits; the council spent £1.2 million over the past nine months, as it did in 2014."
    assert "28,819" in spans(s, "count")
    assert "six" in spans(s, "count")
    assert "£1.2 million" in spans(s, "money")
    assert "the past nine months" in spans(s, "duration")
    assert "2014" in spans(s, "date")


def test_date_range_and_its_end():
    s = "Inspection dates: 23 to 27 September 2024"
    got = spans(s, "date")
    assert "23 to 27 September 2024" in got
    assert "27 September 2024" in got


def test_date_range_across_line_break():
    s = "Inspection dates: 23 to 27 \nSeptember 2024"
    got = spans(s, "date")
    assert "23 to 27 \nSeptember 2024" in got


def test_people_orgs_ratings():
    s = "Lead inspector: Christine Kennet, His Majesty’s Inspector"
    assert "Christine Kennet" in spans(s, "person")
    assert "Justin Russell" in spans("The report was signed by Justin Russell on Monday.", "person")
    assert "MTC" in spans("Services are delivered by MTC under contract.", "org")
    row = "The experiences and progress of \nchildren in care \nRequires improvement to be good"
    assert "Requires improvement to be good" in spans(row, "rating")
    for grade in ("Good", "Outstanding", "Inadequate", "Requires improvement"):
        assert grade in spans(f"Overall effectiveness {grade}", "rating")


def test_offsets_slice_back():
    s = "In 2019, about 40% of the 1,200 staff (nearly half) left MTC, costing £3m."
    for a, b, _ in typed_spans(s):
        assert s[a:b] == s[a:b].strip() and s[a:b]


def test_a_year_inside_a_date_is_not_a_count():
    text = "Response and action plan following the inspection of HMP Eastmoor, March 2024"
    kinds = {(text[a:b], kind) for a, b, kind in typed_spans(text)}
    assert ("March 2024", "date") in kinds
    assert ("2024", "count") not in kinds
    alone = "In 2024, 812 men were held."
    assert ("812", "count") in {(alone[a:b], k) for a, b, k in typed_spans(alone)}


def test_the_head_of_how_many_is_the_thing_counted():
    assert question_type("How many men were waiting for education?").head == "men"
    assert question_type("How much funding did the council secure?").head == "funding"
    assert question_type("How many?").head == "many"


def test_a_number_hyphenated_to_its_unit_is_a_duration():
    assert "52-week" in spans("a 52-week accommodation offer", "duration")
    assert "four-night" in spans("a four-night residential trip", "duration")


def test_a_season_and_year_is_a_date():
    # "the new home was expected to open by summer 2024": the season is part of the answer
    assert "summer 2024" in spans("The home was expected to open by summer 2024.", "date")
    assert "spring of 2023" in spans("Work began in the spring of 2023.", "date")
    assert "summer" not in spans("Trips run every summer.", "date")  # no year, no date


def test_compound_durations_and_frequencies():
    assert "1 hour and 45 minutes" in spans("Men were unlocked for an average of 1 hour and 45 minutes a day.", "duration")
    text = "Men could visit the library once a fortnight; family days were held every month and reviews ran weekly."
    assert {"once a fortnight", "every month", "weekly"} <= set(spans(text, "duration"))
    assert question_type("How often could prisoners use the library?").expected == "duration"
    # "how long was the waiting list" asks for its size, not a time
    assert question_type("How long was the education waiting list at HMP Eastmoor?").expected == "count"
    assert question_type("How long did men wait for a transfer?").expected == "duration"


def test_how_much_time_is_a_duration():
    assert question_type("How much time do care leavers build up on the housing register?").expected == "duration"
    assert question_type("How much did the council spend?").expected == "money"


@pytest.mark.parametrize(
    "text, ages",
    [
        ("a counselling service for young people aged 12 to \n24, in Haringey", ["aged 12 to \n24", "12 to \n24"]),
        ("NEET young people age 19 or above lack advice", ["age 19 or above", "19 or above"]),
        ("services for 16- and 17-year-olds", ["16- and 17-year-olds"]),
        ("children between the ages of 5 and 11", ["between the ages of 5 and 11"]),
        ("the Bexley Under 5s panel", ["Under 5s"]),
        ("A 15-year-old boy", ["15-year-old"]),
        ("There were 12 children in 24 homes.", []),
    ],
)
def test_ages_and_age_ranges(text, ages):
    assert [text[a:b] for a, b, k in typed_spans(text) if k == "age"] == ages


def test_a_plural_acronym_is_a_group_of_people_not_an_organisation():
    text = "PAs and IROs keep in touch with the NHS and the LADO."
    orgs = [text[a:b] for a, b, k in typed_spans(text) if k == "org"]
    assert "NHS" in orgs and "LADO" in orgs
    assert "PAs" not in orgs and "IROs" not in orgs


@pytest.mark.parametrize(
    "text, roles",
    [
        (
            "The clinical service, led by a consultant psychologist, is embedded.",
            {"a consultant psychologist", "consultant psychologist"},
        ),
        ("The board is chaired by the chief executive and meets monthly.", {"the chief executive", "chief executive"}),
        ("Social workers and managers know children well.", {"managers"}),
        ("Caseloads are high.", set()),
    ],
)
def test_roles_named_in_lower_case(text, roles):
    assert {text[a:b] for a, b, k in typed_spans(text) if k == "role"} >= roles
    assert all(k != "role" or text[a:b] in roles or text[a:b] in {"a consultant", "consultant"} for a, b, k in typed_spans(text))


def test_what_dragged_a_rating_down_asks_for_a_cause_not_a_rating():
    assert question_type("What brought London CRC's rating down?").expected == "phrase"
    assert question_type("According to the Chief Inspector, what dragged the overall rating down?").expected == "phrase"
    assert question_type("What rating did London CRC get?").expected == "rating"


def test_a_number_inside_a_date_is_no_count():
    text = "Fieldwork 11 to 22 March 2019, when 41 people were interviewed."
    assert set(spans(text, "count")) == {"41"}


def test_a_number_inside_an_age_is_no_count():
    assert spans("a protocol for children aged 16 and 17 who are homeless", "count") == []
    assert spans("Children under the age of five can be referred.", "count") == []
    assert spans("over 130 care leavers aged 21 or over", "count") == ["over 130", "130"]


def test_a_section_number_opening_a_line_is_no_count():
    assert spans("2.1 Assessment\nGood", "count") == []
    assert spans("an average of 2.5 visits", "count") == ["2.5"]


def test_a_leading_clause_does_not_set_the_question_type():
    question = "When Bromley places a child in an unregistered children's home, who signs off the risk assessment?"
    assert question_type(question).expected == "person"
    assert question_type("When did the inspection start?").expected == "date"
    # a leading clause holding a list of its own
    question = "When it came to planning, delivering and reviewing work, how many of the cases were up to standard?"
    assert question_type(question).expected == "count"
    assert question_type("When did MTC take over, and why?").expected == "date"


def test_a_qualified_majority_is_a_share():
    assert spans("As a result, a large majority of children in care live in stable homes.", "percent") == ["a large majority"]
    assert spans("The vast majority of care leavers are in touch.", "percent") == ["The vast majority"]


def test_the_person_after_did_is_the_subject_not_the_answer_type():
    assert question_type("What did the Chief Inspector say about the efforts made?").expected == "phrase"
    assert question_type("Which Ofsted inspector led the inspection?").expected == "person"


def test_a_number_naming_a_grade_or_part_is_no_count():
    assert spans("Some 34% of band 3 prison officers were new", "count") == ["Some 34", "34"]
    assert spans("pupils at key stage 4 and level 2 courses", "count") == []
    # a school year is no count; a year of time before a count is ("over the last year 15 children")
    assert spans("annual reviews from Year 9 onwards", "count") == []
    assert spans("over the last year 15 children left care", "count") == ["15"]
    assert spans("3 wings were closed", "count") == ["3"]


def test_a_number_inside_a_length_of_time_is_no_count_but_one_inside_a_frequency_is():
    assert spans("34% had less than 12 months' experience", "count") == ["34"]
    assert spans("the board meets three times a year", "count") == ["three"]


def test_days_a_week_is_a_frequency():
    from rag.answer_types import is_frequency

    assert is_frequency("2 days a week") and is_frequency("three sessions a month")
    assert "2 days a week" in spans("Mental health workers are at the hub 2 days a week.", "duration")


def test_an_amount_without_a_figure_is_vague():
    from rag.answer_types import is_vague_amount

    assert is_vague_amount("the majority") and is_vague_amount("most") and is_vague_amount("a few")
    assert not is_vague_amount("half") and not is_vague_amount("one in four") and not is_vague_amount("a majority of 80%")


def test_an_adjective_before_the_asked_noun_is_not_the_head():
    assert question_type("Across how many separate areas of its work was it graded?").head == "areas"
    assert question_type("How many formal recommendations did the inspectorate make?").head == "recommendations"
    verdict = question_type("What overall verdict did inspectors give the CRC?")
    assert verdict.expected == "rating" and verdict.head == "verdict"
    assert question_type("Which His Majesty's Inspector led the inspection?").expected == "person"
    assert question_type("Which head of the probation inspectorate commented on the results?").expected == "person"
    # a role noun after an organisation's name: "MTC" does not make it an organisation question
    assert question_type("Which MTC executive responded publicly to the inspection?").expected == "person"
    assert question_type("Which council officers did inspectors meet?").expected != "person"


def test_a_group_of_people_is_no_organisation():
    assert question_type("Which group of children forms the majority of those in care?").expected == "phrase"
    assert question_type("Which group runs the youth forum?").expected == "org"


def test_within_what_timeframe_asks_for_a_length_of_time():
    assert question_type("Within what timeframe will a monitoring inspection take place?").expected == "duration"
    assert question_type("Which three stages of case supervision were of concern?").head == "stages"


def test_the_one_of_one_to_another_is_no_count():
    def counts(text):
        return [text[a:b] for a, b, kind in typed_spans(text) if kind == "count"]

    assert counts("as they move from one phase of \neducation to another.") == []
    assert counts("They support one another, one way or another.") == []
    assert counts("One child was placed in one home.") == ["One", "one"]


def test_shares_said_in_words_and_in_figures_name_the_same_amount():
    from rag.answer_types import shares_in

    def points(text: str, **kw) -> list[list[int]]:
        return [p for _, _, p in shares_in(text, **kw)]

    assert points("Roughly a quarter of the workforce") == [[25]]
    assert points("Agency workers make up around one in four of the probation staff.") == [[25]]
    assert points("More than three-quarters of staff") == [[75]]
    assert points("more than 77% of staff") == [[75]]  # within the tolerance of three-quarters
    assert points("half the aspects were rated good") == [[50]]
    assert points("one in every three children") == [[33]]
    assert points("more than 77% of staff", figures=False) == []  # figures match as figures already
    assert points("17 and a half years") == []  # an age, not a share
    assert points("in the first quarter of 2024") == []  # a time of year
    assert points("some 41% of cases") == []  # no share people say in words
    text = "Agency workers make up around one in four of the probation staff."
    a, b, _ = shares_in(text)[0]
    assert text[a:b] == "one in four"


def test_a_precise_headcount_asks_for_a_count():
    q = question_type("The news said almost 29,000; what precise supervised headcount did the watchdog give for London CRC?")
    assert q.expected == "count"


def test_a_document_marking_is_no_organisation():
    spans = typed_spans("An inspection of London Community Rehabilitation Company SAMPLE DOCUMENT. The MASH and LADO.")
    text = "An inspection of London Community Rehabilitation Company SAMPLE DOCUMENT. The MASH and LADO."
    texts = {text[a:b] for a, b, _ in spans}
    assert "SAMPLE" not in texts and "DOCUMENT" not in texts
    assert {"MASH", "LADO"} <= texts


def test_a_question_that_gives_the_grade_asks_what_earned_it():
    assert question_type("Which judgement area did Ofsted rate outstanding for Hounslow in October 2023?").expected == "phrase"
    assert question_type("What overall judgement did Ofsted give Camden?").expected == "rating"


def test_over_what_recent_period_asks_for_a_length_of_time():
    assert question_type("Over what recent period had an agency audited the casework?").expected == "duration"


def test_at_an_age_in_years_is_an_age():
    text = "The current practice of assigning an LCA to care leavers at 17 and a half years provides insufficient time."
    found = {(text[a:b], kind) for a, b, kind in typed_spans(text)}
    assert ("17 and a half years", "age") in found
    assert {k for a, b, k in typed_spans("looked at 40 cases over two years")} >= {"duration"}  # no "at" before it
    assert typed_spans(text) == typed_spans(text, prefilter=False)


def test_how_quickly_asks_for_a_length_of_time():
    assert question_type("How quickly were new arrivals at HMP Eastmoor taken to the first night centre?").expected == "duration"
    assert question_type("How soon are children seen after a referral?").expected == "duration"
    assert question_type("How did the chief inspector describe it?").expected == "manner"


def test_what_level_or_figure_asks_for_a_figure():
    asked = "What level does Northbridge council want to cut agency social workers to by March 2025?"
    assert question_type(asked).expected == "count"
    assert question_type("More than three-quarters of staff said they carried caseloads above what figure?").expected == "count"
    assert question_type("What level of risk do they pose?").expected == "phrase"  # a kind of risk


@pytest.mark.parametrize(
    "text, span, kind",
    [
        # "McLaughlin" was cut to "Mc", so the lead inspector's row held no name and was never read
        ("Lead inspector: Brenda McLaughlin, His Majesty’s Inspector", "Brenda McLaughlin", "person"),
        ("The visit was led by Sian O’Brien.", "Sian O’Brien", "person"),
        ("Jane Smith-Jones chairs the board.", "Jane Smith-Jones", "person"),
        ("Lead inspector: Jenny-ellen Scotland, His Majesty’s Inspector", "Jenny-ellen Scotland", "person"),
        # a flattened table runs one cell's capitals into the name on the next line
        ("Bexley Local Authority South East London Integrated Care Board \nStephen Kitchman, Director of Children’s",
         "Stephen Kitchman", "person"),
        # a period named without a number
        ("These will continue to improve in the months ahead.", "the months ahead", "duration"),
        ("Managers expect it to fall over the coming year.", "the coming year", "duration"),
        ("In the last few weeks, waits have shortened.", "the last few weeks", "duration"),
        # the age something stops or starts at
        ("This includes paying their council tax until they are 25, regardless of where they live.", "25", "age"),
        ("There is a further targeted visit at three-and-a-half years for those children.", "three-and-a-half years", "age"),
        ("All care leavers are offered a tenancy by the age of 25 years.", "the age of 25 years", "age"),
    ],
)
def test_names_periods_and_ages_are_found_whole(text, span, kind):
    assert span in spans(text, kind)


def test_a_number_after_are_is_no_age_without_a_time_word():
    assert "25" not in spans("There are 25 children in the unit.", "age")


def test_working_days_and_no_more_than_are_part_of_a_duration():
    limit = "The provider should reduce them to no more than five working days."
    assert "no more than five working days" in spans(limit, "duration")
    assert "20 school days" in spans("Pupils missed 20 school days.", "duration")
    assert "no fewer than 12" in spans("There were no fewer than 12 visits.", "count")


def test_agencies_named_in_lower_case_are_organisations():
    text = "Information from the police about call-outs, and from children’s social care services, was not used."
    assert {"the police", "children’s social care services"} <= set(spans(text, "org"))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("croydon overall rating", "rating"),
        ("barnet inspection dates", "date"),
        ("london crc caseload", "count"),
        ("number of children in care tower hamlets", "count"),
        ("agency staff share london crc", "percent"),
        ("cost of the netting at eastmoor", "money"),
        ("lead inspector hackney", "person"),
        ("eastmoor self-harm incidents last year", "phrase"),  # nothing types it: read as a phrase
    ],
)
def test_a_search_box_query_is_typed_by_the_noun_it_asks_for(query, expected):
    qt = question_type(query)
    assert (qt.wh, qt.expected) == ("other", expected)


def test_a_search_box_count_counts_the_noun_after_of():
    assert question_type("number of children in care tower hamlets").head == "children"


@pytest.mark.parametrize(
    "question, query",
    [
        ("is croydon good?", "croydon rating"),
        ("Is Croydon rated good for care leavers?", "Croydon for care leavers rating"),
        ("Was Barnet judged outstanding overall?", "Barnet rating"),
        ("is the london crc requires improvement?", "the london crc rating"),
        ("Did Ofsted find that children in Barnet are safe?", None),  # a yes/no question naming no grade
        ("What rating did Croydon get?", None),  # not a yes/no question
        ("Is Camden outstanding?", "Camden rating"),
        ("Is London CRC's work to manage the risk of harm good enough?", None),  # "good enough" is no grade
    ],
)
def test_a_yes_no_question_about_a_grade_is_read_as_the_query_for_that_grade(question, query):
    from rag.answer_types import yes_no_grade_query

    assert yes_no_grade_query(question) == query
    if query:
        assert question_type(query).expected == "rating" and question_type(question).expected == "rating"


def test_the_name_of_a_thing_is_no_person_asked_for():
    from rag.answer_types import without_name_of_thing

    provider = "What is the full name of the London probation provider that the inspectorate examined in 2019?"
    assert question_type(provider).expected != "person"
    assert question_type("What is the full name of the chief executive?").expected == "person"
    assert "name" not in without_name_of_thing(provider)
    assert "name" in without_name_of_thing("What is the name of London CRC's chief executive?")


def test_an_area_send_outcome_is_a_grade():
    from rag.answer_types import states_area_outcome

    text = (
        "The local area partnership’s special educational needs and/or disability (SEND) arrangements typically\n"
        "lead to positive experiences and outcomes for children and young people with SEND."
    )
    assert states_area_outcome(text)
    assert ("typically\nlead to positive experiences and outcomes", "rating") in [(text[a:b], k) for a, b, k in typed_spans(text)]
    failing = "There are widespread and/or systemic failings leading to significant concerns."
    assert ("widespread and/or systemic failings", "rating") in [(failing[a:b], k) for a, b, k in typed_spans(failing)]
    assert not states_area_outcome("Outcomes for children are improving.")


@pytest.mark.parametrize(
    "question, expected",
    [
        ("How long has MTC been running London CRC - since which year?", "date"),  # the follow-up asks exactly
        ("Was it over half of the cases? What was the exact figure", "count"),
        ("What was the figure for agency staff?", "count"),  # any figure: a count, share or sum
        ("Who actually owns the London probation company - is it a private firm?", "person"),  # a yes/no follow-up
    ],
)
def test_a_question_that_asks_again_more_exactly_is_typed_by_its_follow_up(question, expected):
    assert question_type(question).expected == expected


def test_a_portion_is_a_share():
    assert question_type("What portion of London CRC's probation staff are agency workers?").expected == "percent"


@pytest.mark.parametrize(
    "question",
    [
        "Which watchdog inspected London CRC?",
        "Which regulator inspected Croydon?",
        "Which private and third-sector consortium runs London CRC?",  # the noun after coordinated modifiers
    ],
)
def test_a_watchdog_or_regulator_is_an_organisation(question):
    assert question_type(question).expected == "org"


@pytest.mark.parametrize(
    "question, expected",
    [
        # the main clause asks, wherever its question word stands
        ("When London CRC staff were interviewed, more than 77% of them reported holding more than how many cases?", "count"),
        ("If a child goes missing, the service responds within how many hours?", "duration"),
        ("When did the inspection start, and who led it?", "date"),  # "when did": the clause is a question itself
    ],
)
def test_a_leading_when_clause_is_no_question_of_its_own(question, expected):
    assert question_type(question).expected == expected
