"""Long, report-like PDFs generated on the fly (fpdf2), for the size test and benchmarks/bench_big_pdf.py.

Every page reads like a page of an inspection report: a heading, a few sentences and a running
footer. The sentences are drawn from templates with seeded random figures and names, so chunks
differ from page to page (identical pages would make a meaningless index), and each page states one
fact only it holds (`page_fact`), so a test can check that any page was indexed and is findable.
"""
from __future__ import annotations

import random
import textwrap
from pathlib import Path

SITES = [
    "Ashford", "Bramley", "Calder", "Dunmore", "Elmstead", "Fairholme", "Glenrock", "Hatherley", "Ivybridge",
    "Kingsmead", "Larkfield", "Marlow", "Newbury", "Oakhurst", "Penrose", "Queensway", "Rushden", "Stanwell",
]
TOPICS = [
    "staffing and workloads", "case management", "safeguarding", "education and training", "health care",
    "resettlement", "leadership", "partnership working", "accommodation", "quality assurance",
]
PEOPLE = ["Amara Okafor", "Ben Hollis", "Chen Wei", "Dana Price", "Elif Demir", "Farid Khan", "Grace Lowe", "Hugo Barnes"]
TEMPLATES = [
    "Inspectors reviewed {n} case files at the {site} office and found that {pct}% had a sufficient assessment of risk.",
    "Staff at {site} told us they were managing around {n} cases each, which limited the time they could spend with people.",
    "The {topic} team was led by {person}, who had been in post since {month} {year}.",
    "Only {pct}% of the people we surveyed said they knew who their responsible officer was.",
    "Sickness absence in the {topic} team stood at {small} days per employee over the year.",
    "Leaders had commissioned {small} new services for {topic}, of which {few} had started by the time of the inspection.",
    "The budget for {topic} at {site} was £{money} million in {year}, a rise of {small}% on the previous year.",
    "Managers checked the quality of work in {topic} every {few} weeks, and the records we saw were current.",
    "In {pct}% of the cases we inspected, the plan reflected the views of the person under supervision.",
    "Partnership work with the {site} housing service had improved, but waiting times remained at {small} weeks.",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
          "December"]


def page_fact(page: int) -> tuple[str, str]:
    """A sentence only page `page` holds, and a question it answers (word for word, for BM25)."""
    code = f"QX{page:05d}"
    return (
        f"The reference number recorded for visit {code} was {1000 + 7 * page}.",
        f"What reference number was recorded for visit {code}?",
    )


def page_lines(page: int, pages: int, rng: random.Random, sentences: int = 4) -> list[str]:
    site = rng.choice(SITES)
    topic = rng.choice(TOPICS)
    lines = [f"Section {page}: {topic.capitalize()} at {site}", ""]
    body = []
    for _ in range(sentences):
        body.append(
            rng.choice(TEMPLATES).format(
                n=rng.randint(8, 140),
                pct=rng.randint(11, 97),
                site=rng.choice(SITES),
                topic=rng.choice(TOPICS),
                person=rng.choice(PEOPLE),
                month=rng.choice(MONTHS),
                year=rng.randint(2015, 2024),
                small=rng.randint(2, 19),
                few=rng.randint(2, 6),
                money=f"{rng.randint(1, 40)}.{rng.randint(0, 9)}",
            )
        )
    body.insert(rng.randint(0, len(body)), page_fact(page)[0])
    lines += textwrap.wrap(" ".join(body), 95)
    lines += ["", f"Sample long report (generated for tests) - page {page} of {pages}"]
    return lines


def write_report_pdf(path: Path, pages: int, *, seed: int = 7, sentences: int = 4) -> Path:
    """Write a `pages`-page PDF report to `path` (about 1 KB of text a page)."""
    from fpdf import FPDF

    rng = random.Random(seed)
    pdf = FPDF(format="A4")
    pdf.set_title(f"Sample long inspection report ({pages} pages)")
    pdf.set_font("Helvetica", size=10)
    pdf.set_auto_page_break(False)
    for n in range(1, pages + 1):
        pdf.add_page()
        for line in page_lines(n, pages, rng, sentences):
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return Path(path)
