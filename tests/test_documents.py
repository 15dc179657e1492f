"""Loading: discovery, encodings, formats, titles, errors."""

from __future__ import annotations

import hashlib
import logging
import zipfile
from pathlib import Path

import pytest

from rag.documents import (
    SUPPORTED_SUFFIXES,
    Document,
    DocumentError,
    _heading_title,
    _plausible_title,
    discover_documents,
    load_document,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- discovery


def test_discover_skips_unsupported_and_hidden(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "b")
    write(tmp_path / "a.md", "a")
    write(tmp_path / "sub" / "c.PDF", b"%PDF")
    write(tmp_path / "sub" / "d.html", "<p>d</p>")
    write(tmp_path / "notes.csv", "x,y")
    write(tmp_path / "image.png", b"\x89PNG")
    write(tmp_path / ".hidden.txt", "h")
    write(tmp_path / ".git" / "e.txt", "e")
    write(tmp_path / "sub" / ".cache" / "f.md", "f")
    (tmp_path / "folder.txt").mkdir()
    found = [p.relative_to(tmp_path).as_posix() for p in discover_documents(tmp_path)]
    assert found == ["a.md", "b.txt", "sub/c.PDF", "sub/d.html"]


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == (".pdf", ".txt", ".md", ".markdown", ".html", ".htm", ".docx")


# ---------------------------------------------------------------- text and markdown


def test_txt_utf8_with_bom_and_metadata(tmp_path: Path) -> None:
    data = "\ufeffChildren’s services\n\nThe council improved.\n".encode("utf-8")
    path = write(tmp_path / "sub" / "report_one.txt", data)
    doc = load_document(path, tmp_path)
    assert isinstance(doc, Document)
    assert doc.path == "sub/report_one.txt"
    assert doc.pages == ["Children’s services\n\nThe council improved.\n"]
    assert doc.page_count == 1
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.empty_pages == []
    assert doc.title == "Children’s services"


def test_txt_cp1252_falls_back_with_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path / "old.txt", "The council’s plan cost £5 – “agreed”.".encode("cp1252"))
    with caplog.at_level(logging.WARNING, logger="rag.documents"):
        doc = load_document(path, tmp_path)
    assert doc.pages == ["The council’s plan cost £5 – “agreed”."]
    assert "cp1252" in caplog.text
    assert doc.title == "old"  # a sentence is not a title: fall back to the stem


def test_txt_latin1_fallback(tmp_path: Path) -> None:
    # 0x81 is undefined in cp1252, so only latin-1 can decode it.
    path = write(tmp_path / "raw.txt", b"caf\xe9 \x81 end")
    assert load_document(path, tmp_path).pages == ["caf\xe9 \x81 end"]


def test_form_feed_pages_and_empty_page_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path / "paged.txt", "Page one.\fPage two.\f \f Page four.\f")
    with caplog.at_level(logging.WARNING, logger="rag.documents"):
        doc = load_document(path, tmp_path)
    assert doc.pages == ["Page one.", "Page two.", " ", " Page four."]
    assert doc.empty_pages == [3]
    assert "paged.txt" in caplog.text and "3" in caplog.text


def test_markdown_title_is_first_h1(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.md", "Intro line.\n\n## Not this\n# The Real Title #\n\nBody text.\n")
    doc = load_document(path, tmp_path)
    assert doc.title == "The Real Title"
    assert doc.pages[0].startswith("Intro line.")


def test_markdown_without_heading_uses_stem(tmp_path: Path) -> None:
    path = write(tmp_path / "my_area-report.markdown", "Just text.\n")
    assert load_document(path, tmp_path).title == "my area report"


def test_zero_byte_file_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.txt", b"")
    with pytest.raises(DocumentError, match="empty file"):
        load_document(path, tmp_path)


# ---------------------------------------------------------------- HTML


def test_html_drops_script_style_head_and_keeps_text(tmp_path: Path) -> None:
    html = (
        "<html><head><title>  Area  report </title><style>p {color: red}</style></head>"
        "<body><script>alert(1)</script><h1>Heading &amp; more</h1>"
        "<p>First para with\n   wrapped source.</p><div>Second&nbsp;block</div>"
        "<ul><li>one</li><li>two</li></ul>line<br>break</body></html>"
    )
    doc = load_document(write(tmp_path / "page.html", html), tmp_path)
    text = doc.pages[0]
    assert "alert" not in text and "color" not in text and "Area  report" not in text
    assert [line for line in text.split("\n") if line] == [
        "Heading & more",
        "First para with wrapped source.",
        "Second\xa0block",
        "one",
        "two",
        "line",
        "break",
    ]
    assert doc.title == "Area report"


def test_html_title_falls_back_to_h1(tmp_path: Path) -> None:
    path = write(tmp_path / "x.htm", "<body><h1>The <b>Big</b> One</h1><p>Text.</p></body>")
    doc = load_document(path, tmp_path)
    assert doc.title == "The Big One"


# ---------------------------------------------------------------- DOCX


def make_docx(
    path: Path, paragraphs: list[str], title: str | None = None, page_break_after: int = -1
) -> Path:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = []
    for i, text in enumerate(paragraphs):
        brk = '<w:r><w:br w:type="page"/></w:r>' if i == page_break_after else ""
        body.append(f"<w:p><w:r><w:t>{text}</w:t></w:r>{brk}</w:p>")
    document = f'<?xml version="1.0"?><w:document xmlns:w="{w}"><w:body>{"".join(body)}</w:body></w:document>'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", document)
        if title is not None:
            z.writestr(
                "docProps/core.xml",
                '<?xml version="1.0"?><cp:coreProperties '
                'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></cp:coreProperties>',
            )
    return path


def test_docx_paragraphs_title_and_page_breaks(tmp_path: Path) -> None:
    paragraphs = ["Report heading", "First para.", "Second para."]
    path = make_docx(tmp_path / "r.docx", paragraphs, page_break_after=1)
    doc = load_document(path, tmp_path)
    assert doc.pages == ["Report heading\nFirst para.", "Second para."]
    assert doc.title == "Report heading"
    path2 = make_docx(tmp_path / "s.docx", ["Heading", "Body."], title="Core Title")
    assert load_document(path2, tmp_path).title == "Core Title"
    path3 = make_docx(tmp_path / "t.docx", ["Heading", "Body."], title="draft_v2.docx")
    assert load_document(path3, tmp_path).title == "Heading"


def test_bad_docx_raises(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="not a valid DOCX"):
        load_document(write(tmp_path / "bad.docx", b"not a zip"), tmp_path)


# ---------------------------------------------------------------- PDF


def make_pdf(path: Path, user_password: str | None) -> Path:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def test_pdf_encrypted_with_empty_user_password_opens(tmp_path: Path) -> None:
    doc = load_document(make_pdf(tmp_path / "open.pdf", ""), tmp_path)
    assert doc.page_count == 1
    assert doc.empty_pages == [1]  # a blank page is reported, never silently dropped
    assert doc.title == "open"


def test_pdf_encrypted_with_password_raises(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="encrypted with a password"):
        load_document(make_pdf(tmp_path / "locked.pdf", "secret"), tmp_path)


def test_invalid_pdf_raises(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="not a valid PDF"):
        load_document(write(tmp_path / "junk.pdf", b"this is not a pdf at all"), tmp_path)


# ---------------------------------------------------------------- titles


@pytest.mark.parametrize(
    "title, ok",
    [
        ("Inspection of Camden children’s services", True),
        ("10327154 Lewisham Local Area Partnership 80508 final clean-174744-152206.docx", False),
        ("Microsoft Word - report.docx", False),
        ("Untitled", False),
        ("LA NAME  - standard-short inspection report - INSPECTION DATE", False),
        ("final_report_v2", False),
        ("", False),
        (None, False),
    ],
)
def test_plausible_metadata_titles(title: str | None, ok: bool) -> None:
    assert _plausible_title(title) is ok


def test_heading_title_joins_wrapped_lines() -> None:
    ilacs = (
        " \n \nInspection of City of London local \nauthority children’s services  \n"
        "Inspection dates: 23 to 27 September 2024 \nLead inspector: Christine Kennet \nJudgement Grade \n"
    )
    assert _heading_title(ilacs) == "Inspection of City of London local authority children’s services"
    send = (
        " \nLocal area partnership report  \n \n \nArea SEND inspection of Barking and \n"
        "Dagenham Local Area Partnership  \n \nInspection dates: 8 to 12 July 2024  \n"
    )
    assert _heading_title(send) == "Area SEND inspection of Barking and Dagenham Local Area Partnership"
    assert _heading_title("A whole sentence of prose.\nMore.") is None


@pytest.mark.shared
def test_real_pdf_title_and_pages() -> None:
    path = SHARED / "ofsted-ilacs-london" / "pdfs" / "80450_london-corporation_2024-11-05.pdf"
    if not path.is_file():
        pytest.skip("../shared/data absent")
    import pypdf

    doc = load_document(path, SHARED)
    assert doc.path == "ofsted-ilacs-london/pdfs/80450_london-corporation_2024-11-05.pdf"
    assert doc.title == "Inspection of City of London local authority children’s services"
    reader = pypdf.PdfReader(path)
    assert doc.pages == [p.extract_text() for p in reader.pages]  # verbatim, no normalisation
    assert doc.empty_pages == []
