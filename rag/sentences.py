"""Sentence units with exact character offsets into extracted page text.

Answers are cited as ``page_text[start:end]``, so nothing here may rewrite text:
every unit is a ``(start, end)`` range into the string it was given.

The splitter works in two passes:

1. *Lines to blocks.* PDF text arrives as wrapped lines.  A block is a run of lines
   that belong together: a wrapped line continues the block, while a blank line, a
   list item, a short heading-like line, a ``Label: value`` line or a rating line
   (the flattened judgement table on page 1 of Ofsted reports) ends it.
2. *Blocks to sentences.* Inside a block, split after ``.``/``?``/``!`` (plus any
   closing quote) when the next word starts a sentence and the full stop does not
   belong to an abbreviation, an initial or a number.

Units longer than :data:`MAX_UNIT_CHARS` are then cut near the middle so that no
passage-level consumer sees a 600-character "sentence".
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence

logger = logging.getLogger(__name__)

MAX_UNIT_CHARS = 400
"""Upper bound on a unit's length; longer ones are split at "; ", ", " or whitespace."""

# Judgement grades that appear alone on a line in flattened rating tables.
_RATING_LINE = re.compile(
    r"(?:outstanding|good|requires improvement(?: to be good)?|inadequate|not met|met|reasonably good|not sufficiently good|poor)\W*",
    re.IGNORECASE,
)
_GRADE_LAST_WORDS = ("outstanding", "good", "improvement", "inadequate", "met", "poor")
_TRAILING_NON_WORD = re.compile(r"\W+$")
# Bullet glyphs seen in the reports plus common ones (and Symbol-font private-use bullets).
_BULLET = re.compile(r"[◼•▪●○◦■□▫➢►✓✔·\-*\uf0a7\uf0b7\uf0d8\uf076\uf0fc](?=\s|$)")
# "1." "12)" "(a)" "a)" "(iv)" item markers; the lookahead keeps "2.5" and "1.2m" out.
_NUMBERED = re.compile(r"(?:\d{1,3}[.)]|\((?:\d{1,3}|[a-z]|[ivxlc]{1,5})\)|[a-z]\))(?=\s)")
# "Inspection dates: 23 to 27 September 2024" - a short capitalised label, then a value.
_LABEL_LINE = re.compile(r"[A-Z][\w’'()/&-]*(?: [\w’'()/&-]+){0,5}:\s+\S")

# Words after which a wrapped line obviously continues ("rose to \n12. This").
_OPEN_WORDS = frozenset(
    """a an the and or nor but of to in on at by for from with into onto than as that which who whom
    whose is are was were be been being has have had about around over under nearly almost
    approximately only just some all per between among including such their its our your his her
    this these those very more most less fewer not no""".split()
)
# Full stops after these never end a sentence: a name or a continuation follows.
_TITLES = frozenset(
    "mr mrs ms mx dr st prof sr jr rev hon capt col gen lt sgt cllr messrs mt ft".split()
)
_NEVER_FINAL = frozenset("e.g eg i.e ie cf vs viz approx c.f".split())
# Full stops after these are not sentence ends when a number follows ("No. 5", "para. 3").
_NUMBER_ABBREVIATIONS = frozenset(
    "no nos para paras p pp fig figs vol vols art arts sec secs ch chap ref refs tel ext op".split()
)
# After an acronym such as "U.K." only these words make us believe a new sentence starts.
_SENTENCE_STARTERS = frozenset(
    "The This That These Those It Its He She They We I You There Here However In On At Our Their A An".split()
)

# Candidate sentence ends: terminal punctuation, closing quotes/brackets, then whitespace.
_END = re.compile(r"[.!?]+[”\"’')\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"([\w.’'-]*)$")
_SPACE = re.compile(r"\s+")
_TRAILING_DIGITS = re.compile(r"[\s\d]+$")


def _starts_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in "“\"‘'([◼•▪●£$€#"


def _is_sentence_end(block: str, dot_end: int, punct_start: int, nxt: int) -> bool:
    """Decide whether the punctuation block[punct_start:dot_end] ends a sentence.

    ``nxt`` is the index of the first non-space character after it (or len(block)).
    """
    if nxt >= len(block):
        return True
    following = block[nxt]
    if not _starts_sentence(following):
        return False  # "e.g. the", "approx. three": a lower-case word continues
    punct = block[punct_start:dot_end]
    if "?" in punct or "!" in punct:
        return True
    if block[punct_start] != ".":
        return True
    word = _WORD_BEFORE.search(block, max(0, punct_start - 60), punct_start).group(1).lstrip("’'-(")
    lower = word.lower().rstrip(".")
    if lower in _TITLES or lower in _NEVER_FINAL:
        return False
    if lower in _NUMBER_ABBREVIATIONS and following.isdigit():
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial: "J. Smith"
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):
        # "U.K." / "e.g." style: ends a sentence only before a typical sentence opener.
        next_word = re.match(r"\w+", block[nxt:])
        return bool(next_word and next_word.group(0) in _SENTENCE_STARTERS)
    return True


def _split_block(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Split text[start:end] (a block) into sentences appended to ``out``, trimmed."""
    block = text[start:end]
    cut = 0
    for m in _END.finditer(block):
        nxt = m.end()
        while nxt < len(block) and block[nxt].isspace():
            nxt += 1
        if _is_sentence_end(block, m.end(), m.start(), nxt):
            _emit(text, start + cut, start + m.end(), out)
            cut = m.end()
    _emit(text, start + cut, end, out)


def _emit(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Trim whitespace and append; split anything longer than MAX_UNIT_CHARS."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return
    if end - start <= MAX_UNIT_CHARS:
        out.append((start, end))
        return
    cut = _middle_cut(text, start, end)
    _emit(text, start, cut, out)
    _emit(text, cut, end, out)


def _middle_cut(text: str, start: int, end: int) -> int:
    """Offset near the middle of text[start:end] to split at, preferring "; " then ", "."""
    mid = (start + end) // 2
    window = (end - start) // 4  # look within the middle half for a clause break
    lo, hi = mid - window, mid + window
    for sep in ("; ", ", "):
        best = None
        for m in re.finditer(re.escape(sep), text[lo:hi]):
            pos = lo + m.end()
            if best is None or abs(pos - mid) < abs(best - mid):
                best = pos
        if best is not None:
            return best
    best = None
    for m in _SPACE.finditer(text, start + 1, end - 1):
        pos = m.end()
        if best is None or abs(pos - mid) < abs(best - mid):
            best = pos
        if pos > mid and best is not None and abs(pos - mid) > abs(best - mid):
            break
    # No whitespace at all (a URL, a run of one glyph): cut blindly in the middle.
    return best if best is not None else mid


def is_grade_line(line: str) -> bool:
    """Whether a line is only a judgement grade ("Requires improvement to be good", "Poor")."""
    return _RATING_LINE.fullmatch(line.strip()) is not None


def _ends_with_grade(text: str) -> bool:
    """A cheap test that `text` may end with a grade (its last word ends one), before any pattern runs."""
    return _TRAILING_NON_WORD.sub("", text).lower().endswith(_GRADE_LAST_WORDS)


# Table rows. PDF extraction gives a table cell per line: a label line ("Lead inspector") and the value
# under it, a one-line "Label: value", or a judgement row that ends on its grade ("Respect" /
# "Reasonably good"). The answer ranker reads a row by its label.
LABEL_WORDS = 5
VALUE_WORDS = 12
# A label does not end on one of these: "The service is good" is a sentence, not a row.
_FUNCTION_WORDS = frozenset(
    "a an the of to in on at by for with as and or but nor is are was were be been being has have had do does did "
    "that this these those it its their our his her not no so very too also than then".split()
)


def is_label_line(text: str) -> bool:
    """A table label line: a few words, capitalised, no figures, no closing punctuation ("Lead inspector")."""
    words = text.split()
    return (
        0 < len(words) <= LABEL_WORDS
        and "\n" not in text
        and text[:1].isupper()
        and not any(ch.isdigit() for ch in text)
        and text[-1] not in ".!?;:,"
    )


def row_label(text: str) -> str:
    """The label of a sentence unit that is a whole table row ("Lead inspector: Tom Anthony",
    "Respect\nReasonably good", "Overall effectiveness Good"), or "" for any other unit."""
    return _inline_label(text) or _grade_row_label(text)


def _inline_label(text: str) -> str:
    """The label of a one-line table row written "Label: value" ("Lead inspector: Tom Anthony"), or "".

    A value is short and not a sentence: "Inspectors found three things: delay and drift." is prose."""
    label, colon, value = text.partition(":")
    value = value.strip()
    if not colon or not is_label_line(label) or "\n" in value or not 0 < len(value.split()) <= VALUE_WORDS or value[-1] in ".!?":
        return ""
    return label


def is_grade_row(text: str) -> bool:
    """Whether a sentence unit is a whole judgement-table row ("Respect\nReasonably good")."""
    return bool(_grade_row_label(text))


def _grade_row_label(text: str) -> str:
    """The label of a judgement-table row the segmenter keeps as one unit: "label line(s)\ngrade"
    ("Respect\nReasonably good") or one line "label grade" ("Overall effectiveness Good"), or ""."""
    if not _ends_with_grade(text):
        return ""
    cut = text.rfind("\n")
    if cut > 0 and is_grade_line(text[cut + 1 :]):
        label = text[:cut].rstrip()
        return label if label and not is_grade_line(label.split("\n")[-1]) else ""
    if "\n" in text or is_grade_line(text):
        return ""
    spaces = [k for k, ch in enumerate(text) if ch == " "]
    for k in spaces:  # the longest grade that ends the line: "... Requires improvement to be good"
        if is_grade_line(text[k + 1 :]):
            label = text[:k].rstrip()
            last = label.split()[-1].lower() if label else ""
            return label if is_label_line(label) and not is_grade_line(label) and last not in _FUNCTION_WORDS else ""
    return ""


def _ends_open(stripped: str) -> bool:
    """True when a line ends mid-clause, so the next line must continue it."""
    if not stripped:
        return False
    last = stripped[-1]
    if last in ",-‐‑–(/&+":
        return True
    m = re.search(r"(\w+)$", stripped)
    return bool(m and m.group(1).lower() in _OPEN_WORDS)


def _terminal(stripped: str) -> bool:
    return bool(re.search(r"[.!?:;][”\"’')\]]*$", stripped))


def _marker_length(stripped: str) -> int:
    """Length of a leading bullet glyph or item marker, 0 if there is none."""
    m = _BULLET.match(stripped) or _NUMBERED.match(stripped)
    return m.end() if m else 0


def _mask(text: str, exclude: Sequence[tuple[int, int]]) -> str:
    """Replace excluded ranges by newlines, so they act as blank lines (hard breaks)."""
    if not exclude:
        return text
    parts: list[str] = []
    pos = 0
    for a, b in sorted(exclude):
        a, b = max(a, pos, 0), min(b, len(text))
        if a >= b:
            continue
        parts.append(text[pos:a])
        parts.append("\n" * (b - a))
        pos = b
    parts.append(text[pos:])
    return "".join(parts)


def typical_line_length(pages: Sequence[str]) -> int | None:
    """The length of a full line of prose across ``pages`` (80th percentile of non-blank line lengths).

    Given to ``split_sentences`` so that a page made mostly of short table lines still knows how long a
    full line is, and so which of its lines are headings and table cells rather than wrapped prose.
    """
    return _full_line(sorted(len(s) for text in pages for line in text.split("\n") if (s := line.strip())))


def _full_line(lengths: Sequence[int]) -> int | None:
    """The 80th percentile of sorted line lengths: a full line, which headings fall well short of."""
    return lengths[min(len(lengths) - 1, int(len(lengths) * 0.8))] if lengths else None


def split_sentences(
    text: str, exclude: Sequence[tuple[int, int]] = (), typical: int | None = None
) -> list[tuple[int, int]]:
    """Split ``text`` into sentence units given as ``(start, end)`` offsets into it.

    Units are ordered, non-overlapping, non-empty and trimmed of whitespace.  Every
    non-whitespace character outside ``exclude`` belongs to exactly one unit, except
    bullet glyphs and list-item markers ("◼", "1.", "(a)") that open a line.
    """
    masked = _mask(text, exclude)
    # Line table: (content start, content end, stripped content).
    lines: list[tuple[int, int, str]] = []
    pos = 0
    for raw in masked.split("\n"):
        stripped = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        lines.append((pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw) + 1
    lengths = sorted(len(s) for _, _, s in lines if s)
    if not lengths:
        return []
    # A "typical" full line: headings are much shorter than this. A page of table cells has few full
    # lines, so the document's typical line, when given, is the least.
    typical = max(_full_line(lengths) or 0, typical or 0)
    short = max(20, int(typical * 0.7))

    out: list[tuple[int, int]] = []
    block_start: int | None = None
    block_end = 0
    n = len(lines)

    def close() -> None:
        nonlocal block_start
        if block_start is not None:
            _split_block(masked, block_start, block_end, out)
            block_start = None

    for i, (a, b, s) in enumerate(lines):
        if not s:
            close()
            continue
        prev = lines[i - 1][2] if i > 0 else ""
        nxt = lines[i + 1][2] if i + 1 < n else ""
        start = a
        marker = _marker_length(s)
        if marker:
            is_bullet = _BULLET.match(s) is not None
            # A number opening a wrapped line ("rose to \n12. This") is not an item.
            if is_bullet or block_start is None or not _ends_open(prev):
                close()
                start = a + marker
        if _LABEL_LINE.match(s) and not _ends_open(prev):
            close()
        if _RATING_LINE.fullmatch(s):
            # A grade line closes the table row made of the label lines before it.
            if block_start is None:
                block_start = start
            block_end = b
            close()
            continue
        if block_start is None:
            block_start = start
        block_end = b
        if _line_ends_block(s, nxt, short, typical):
            close()
    close()
    if exclude:
        # Masked characters became newlines; a range that is not a whole line masks to a single one,
        # which wrapped prose may run across ("0\n!" for "00!" with its middle excluded): cut units there.
        out = [part for a, b in out for part in _outside(text, a, b, exclude)]
    return out


def _outside(text: str, a: int, b: int, exclude: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of the unit a..b outside the excluded ranges, trimmed of whitespace, empty ones dropped."""
    cuts = sorted((max(x, a), min(y, b)) for x, y in exclude if x < b and y > a and x < y)
    pieces, pos = [], a
    for x, y in cuts + [(b, b)]:
        if x > pos:
            pieces.append((pos, x))
        pos = max(pos, y)
    out = []
    for p, q in pieces:
        while p < q and text[p].isspace():
            p += 1
        while q > p and text[q - 1].isspace():
            q -= 1
        if p < q:
            out.append((p, q))
    return out


def _line_ends_block(s: str, nxt: str, short: int, typical: int) -> bool:
    """Whether the unit holding line ``s`` ends with it, looking at the next line."""
    if not nxt:
        return False  # blank or end of text: handled by the caller
    if _RATING_LINE.fullmatch(nxt):
        return False  # label lines stay with their grade
    if _ends_open(s):
        return False
    starts_upper = _starts_sentence(nxt[0])
    if _BULLET.match(nxt) or _NUMBERED.match(nxt):
        return True
    if _LABEL_LINE.match(s) and starts_upper and len(s) < typical * 1.2:
        return True
    if _LABEL_LINE.match(nxt):
        return True
    if not _terminal(s) and starts_upper and len(s) <= short:
        return True  # a heading-like line
    return False


_PAGE_OF = re.compile(r"\bpage\s+\d+\s+(?:of|/)\s+\d+\b", re.IGNORECASE)


def _running_key(line: str) -> str:
    """Normalise a header/footer line: drop page numbers ("... 2024 2", "Page 2 of 5"), collapse spaces."""
    line = _PAGE_OF.sub("page # of #", line)
    return _SPACE.sub(" ", _TRAILING_DIGITS.sub("", line)).strip()


def find_running_lines(pages: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Ranges of running header/footer lines on each page, for ``split_sentences(exclude=)``.

    A line is running when its key (trailing digits removed, whitespace collapsed)
    occurs on at least half of the pages and on at least 2 of them, in a document of
    3 pages or more (a short report's header often skips its cover page).  Only lines in
    the first or last few non-blank lines of a page are considered, so a body
    sentence that happens to repeat is not dropped.
    """
    edge = 4
    per_page: list[list[tuple[int, int, str]]] = []
    counts: Counter[str] = Counter()
    for text in pages:
        candidates: list[tuple[int, int, str]] = []
        pos = 0
        content: list[tuple[int, int, str]] = []
        for raw in text.split("\n"):
            stripped = raw.strip()
            if stripped:
                lead = len(raw) - len(raw.lstrip())
                content.append((pos + lead, pos + lead + len(stripped), stripped))
            pos += len(raw) + 1
        chosen = content[:edge] + content[max(edge, len(content) - edge):]
        seen: set[str] = set()
        for a, b, s in chosen:
            # A bare page number gets a shared key: it repeats like a header does.
            key = _running_key(s) or ("#page" if s.isdigit() else "")
            if not key:
                continue
            candidates.append((a, b, key))
            if key not in seen:
                seen.add(key)
                counts[key] += 1
        per_page.append(candidates)
    threshold = max(2, (len(pages) + 1) // 2) if len(pages) >= 3 else len(pages) + 1
    running = {k for k, c in counts.items() if c >= threshold}
    if running:
        logger.debug("running lines: %s", sorted(running))
    return [[(a, b) for a, b, key in cands if key in running] for cands in per_page]
