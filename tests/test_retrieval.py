"""Which documents a question names, and what the lexical search looks for (rag/retrieval), over small built folders."""
from __future__ import annotations

from pathlib import Path

from rag.assistant import Assistant
from rag.build import build_index
from rag.retrieval import named_documents

DOCS = {
    "hmp-eastmoor-report.txt": "Report on HMP Eastmoor\n\nThe prison held 812 men. Safety was not sufficiently good.",
    "eastmoor-action-plan.txt": "Eastmoor action plan\n\nThe governor will recruit 36 officers by December.",
    "northbridge-report.txt": "Northbridge children's services\n\nThe council cares for 612 children.",
    "london-crc-report.txt": "London CRC inspection\n\nThe company supervises 28,819 people.",
    "barnet-report.txt": "Barnet children's services\n\nThe council cares for 300 children.",
}


def _open(tmp_path: Path, fake_embedder, docs: dict[str, str]) -> Assistant:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    build_index(folder, tmp_path / "index", embedder=fake_embedder)
    return Assistant.open(tmp_path / "index", embedder=fake_embedder)


def _named(assistant: Assistant, question: str) -> set[str]:
    data = assistant.data
    return {data.documents[i].path for i in named_documents(data, question)}


def test_a_report_and_its_companion_are_both_named_in_a_small_folder(tmp_path, fake_embedder):
    # "eastmoor" is in 2 of 5 names: still a naming word (it was not, when at most 15% of 5 could share it)
    assistant = _open(tmp_path, fake_embedder, DOCS)
    assert _named(assistant, "What happened at Eastmoor?") == {"hmp-eastmoor-report.txt", "eastmoor-action-plan.txt"}
    # when the titles say nothing of the rest of the question, the documents' text decides between them
    assert _named(assistant, "What will the Eastmoor governor do?") == {"eastmoor-action-plan.txt"}
    assert _named(assistant, "How many men did HMP Eastmoor hold?") == {"hmp-eastmoor-report.txt"}  # "HMP" decides
    assert _named(assistant, "How many children does Northbridge care for?") == {"northbridge-report.txt"}


def test_a_word_in_every_name_names_nothing(tmp_path, fake_embedder):
    docs = {"a-report.txt": "Report on Acton\n\nText one.", "b-report.txt": "Report on Bow\n\nText two."}
    assistant = _open(tmp_path, fake_embedder, docs)
    assert _named(assistant, "What does the report say?") == set()
    assert _named(assistant, "What does the report on Bow say?") == {"b-report.txt"}


def test_a_common_word_in_one_title_does_not_outname_a_name(tmp_path, fake_embedder):
    # "report" is only in Eastmoor's title, so it is the rarest title word of the question; but it is an
    # everyday word, and the question's name word ("Northbridge") decides
    docs = {
        "hmp-eastmoor-inspection.txt": "Report on an inspection of HMP Eastmoor\n\nThe prison held 812 men.",
        "northbridge-inspection.txt": "Northbridge children's services\n\nThe council cares for 612 children.",
        "northbridge-briefing.txt": "Northbridge briefing note\n\nThe council opened three homes.",
        "london-crc-inspection.txt": "London CRC inspection\n\nThe company supervises 28,819 people.",
        "barnet-inspection.txt": "Barnet children's services\n\nThe council cares for 300 children.",
    }
    assistant = _open(tmp_path, fake_embedder, docs)
    assert _named(assistant, "When was the Northbridge report published?") == {"northbridge-inspection.txt", "northbridge-briefing.txt"}
    # alone, an everyday word names nothing ("reported" is no reference to Eastmoor's "Report on ...")
    assert _named(assistant, "What share of staff reported caseloads above 55?") == set()
    # ... unless the question writes it as a name
    assert _named(assistant, "What does the Report on an inspection say about safety?") == {"hmp-eastmoor-inspection.txt"}


def test_an_everyday_word_completing_a_rarer_name_is_no_name_of_its_own():
    from rag.retrieval import _capitalised_words

    # "City Council" completes Westminster's name: as names, "city" and "council" named "Northbridge City
    # Council" over Westminster's report in the 48-document index; in "the City of London" no rarer word names it
    assert _capitalised_words("How many children were in Westminster City Council's care?") == {"westminster"}
    assert _capitalised_words("How many children does the City of London care for?") == {"city", "london"}
    question = "Who spoke for MTC, director of probation for London and Thames Valley?"
    assert _capitalised_words(question) == {"mtc", "london", "thame"}


def test_the_lexical_search_also_looks_for_the_acronyms_a_question_spells_out():
    from rag.retrieval import _lexical_query

    vocab = {"crc": 0, "ehc": 1, "supervis": 2, "two": 3}
    assert _lexical_query("How many people does London's community rehabilitation company supervise?", vocab).endswith(" crc")
    # small words inside the run are skipped ("education, health and care plan" -> EHC)
    assert _lexical_query("How many children have an education, health and care plan?", vocab).endswith(" ehc")
    # a run is made of content words only, and an acronym that is an everyday word is no acronym
    assert _lexical_query("How many people supervised?", vocab) == "How many people supervised?"
    assert _lexical_query("What do the team want overall?", vocab) == "What do the team want overall?"



def test_a_misspelt_report_name_is_put_right(tmp_path, fake_embedder):
    from rag.retrieval import correct_names

    assistant = _open(tmp_path, fake_embedder, DOCS)
    data = assistant.data
    assert correct_names(data, "How many children does Northbrige care for?") == "How many children does Northbridge care for?"
    assert correct_names(data, "barnot children") == "barnet children"
    assert correct_names(data, "What did Eastmor plan?") == "What did Eastmoor plan?"  # a letter dropped
    assert _named(assistant, correct_names(data, "How many men did HMP Eastmor hold?")) == {"hmp-eastmoor-report.txt"}
    # a known word, an ending added, or a word near no name (or near two) stays as it is
    for question in ("How many children does the council care for?", "What did the reports say?", "Who is Zebedee?"):
        assert correct_names(data, question) == question
    assert assistant.ask("How many children does Northbrige care for?", threshold=0.0).answer == "612"
    assert assistant.ask("How many children does Northbrige care for?").question == "How many children does Northbrige care for?"


def test_a_year_in_file_names_tells_a_places_reports_apart_but_names_none_alone(tmp_path, fake_embedder):
    docs = {
        "80487_barnet_2023-03-01.txt": "Barnet children's services\n\nThe council cares for 300 children.",
        "80487_barnet_2024-07-23.txt": "Barnet children's services\n\nThe council cares for 320 children.",
        "80501_hillingdon_2023-11-20.txt": "Hillingdon children's services\n\nThe council cares for 410 children.",
        "hmp-eastmoor-report.txt": "Report on HMP Eastmoor\n\nThe prison spent money on security during 2023.",
        "london-crc-report.txt": "London CRC inspection\n\nThe company supervises 28,819 people.",
        "northbridge-report.txt": "Northbridge children's services\n\nThe council cares for 612 children.",
    }
    assistant = _open(tmp_path, fake_embedder, docs)
    assert _named(assistant, "How much did the prison spend on security in 2023?") == set()
    assert _named(assistant, "How many children did Barnet care for in 2024?") == {"80487_barnet_2024-07-23.txt"}
