"""Structure of a scraped plan text: junk lines, headings, sentences and clauses, all as offsets."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Lines that are site chrome, not document: short, no sentence punctuation, and a tell-tale word.
_JUNK_WORDS = re.compile(r"更新时间|网站地图|附件下载|打印本页|关闭窗口|app$|\.jpg$|\.png$|\.pdf$|首页|当前位置|来源[:：]|浏览次数")

_CN_NUM = "一二三四五六七八九十"
HEADING_PATTERNS: tuple[tuple[int, re.Pattern], ...] = (
    (1, re.compile(rf"[{_CN_NUM}]+、")),
    (2, re.compile(rf"\([{_CN_NUM}]+\)")),
    (3, re.compile(r"\d{1,2}\.(?!\d)")),
    (3, re.compile(r"专栏[:：]")),
    (4, re.compile(r"\(\d{1,2}\)")),
)
# where a heading may start: start of a line (after indentation) or right after a sentence end
_HEADING_START = re.compile(r"(?:^|(?<=\n)|(?<=[。;!?]))[ \t\u3000]*", re.M)
_TITLE_END = re.compile(r"[。\n]|(?<=\S)[ \t]{1,}(?=\S)|$")

SENTENCE_END = "。!?\n"


@dataclass(frozen=True)
class Heading:
    level: int
    start: int
    end: int          # end of the title
    title: str        # as in the original text (verbatim slice, stripped)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int          # exclusive; includes the terminal punctuation


def junk_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) of lines that are site chrome (headers, footers, attachment links)."""
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and len(stripped) <= 40 and not re.search(r"[。,，;；]", stripped) and _JUNK_WORDS.search(stripped):
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def headings(norm: str) -> list[Heading]:
    """Headings found at line starts or right after a sentence end, in order of position."""
    found: dict[int, Heading] = {}
    for start_m in _HEADING_START.finditer(norm):
        s = start_m.end()
        for level, pat in HEADING_PATTERNS:
            m = pat.match(norm, s)
            if not m:
                continue
            end_m = _TITLE_END.search(norm, m.end())
            end = end_m.start() if end_m else len(norm)
            title = norm[s:end].strip()
            # a heading title is short and is not a sentence full of clauses
            if 1 < len(title) - (m.end() - s) <= 60 or (level == 4 and len(title) > 3):
                # (1) items run on as sentences: their title is only their first clause
                if level == 4 or len(title) > 60:
                    cut = re.search(r"[。,;]", norm[m.end():end])
                    end = m.end() + cut.start() if cut else end
                found.setdefault(s, Heading(level, s, end, norm[s:end].strip()))
            break
    return [found[k] for k in sorted(found)]


def section_paths(heads: list[Heading]) -> list[tuple[int, tuple[Heading, ...]]]:
    """For each heading position, the path of enclosing headings (outermost first)."""
    stack: list[Heading] = []
    out = []
    for h in heads:
        while stack and stack[-1].level >= h.level:
            stack.pop()
        stack.append(h)
        out.append((h.start, tuple(stack)))
    return out


def sentences(norm: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    end = len(norm) if end is None else end
    out, s = [], start
    for i in range(start, end):
        if norm[i] in SENTENCE_END:
            if norm[s:i + 1].strip():
                out.append(Sentence(s, i + 1))
            s = i + 1
    if norm[s:end].strip():
        out.append(Sentence(s, end))
    return out


def split_positions(norm: str, start: int, end: int, chars: str) -> list[tuple[int, int]]:
    """Pieces of norm[start:end] split at `chars` outside brackets and quotes."""
    pieces, s, depth = [], start, 0
    for i in range(start, end):
        c = norm[i]
        if c in "(“《「[":
            depth += 1
        elif c in ")”》」]" and depth:
            depth -= 1
        elif c in chars and depth == 0:
            pieces.append((s, i))
            s = i + 1
    pieces.append((s, end))
    return pieces


def enclosing(norm: str, pos: int, open_: str, close: str, lo: int = 0) -> bool:
    """Is pos inside a bracket pair open_/close that opens after lo?"""
    depth = 0
    for i in range(pos - 1, lo - 1, -1):
        c = norm[i]
        if c == close:
            depth += 1
        elif c == open_:
            if depth == 0:
                return True
            depth -= 1
        elif c in "。\n":
            break
    return False


def read_plan_text(path: str | Path) -> str:
    """A plan text as saved by a browser or Word on Chinese systems: UTF-8 (with or without BOM), else GBK/GB18030.

    Raises UnicodeDecodeError when it is neither."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")
