"""Numbered tasks and their responsible units, read from work-plan texts with offsets into the text."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from common import settings

# --- lookup tables -------------------------------------------------------------------------------
#
# Output choices, documented once:
# - A task is a leaf of the outline 一、 > (一) > 1. > (1) inside a top-level section that holds at
#   least one responsibility parenthesis (so 总体要求 / 保障措施 prose is not read as tasks), or a row
#   of an annex table laid out one cell per line (序号 … 责任单位 header).
# - task_no: the outline path below the top level, joined by "." — "十二", "十二.1", "一.1.(2)";
#   annex table rows are "表" + their 序号 ("表1" … "表18").
# - section: the headings of the task's ancestors joined by " > " ("三、深化产业务实合作 > (十二)加快…");
#   a task's own heading stays in its text. Table rows: "<table title> > <type>".
# - task_type: the top-level heading without its numeral ("强化两地对口合作工作机制", "主要任务");
#   table rows: the type row they sit under ("协同发展类").
# - unit: canonical name. "市X" takes the city of its list ("大连市财政局"); a bare name after a "区X"
#   unit takes "区" ("区发展改革委"); district units stay as the plan writes them ("区金融办", not
#   "黄浦区金融办": plan_id already says which district). Generic entries ("各有关单位", "开放先导区")
#   are kept as written; a trailing "等" and annotations such as "(按职责分工负责,下同)" are dropped.
#   Names are NFKC-normalised so full- and half-width plans agree; text is verbatim.
# - Role wording ("牵头单位:A;配合单位:B") is read as one list A, B in that order; the role is not kept.

# Per-plan settings live in the plan's sidecar (data/plans/<plan_id>.json, key "tasks"): "cities", the cities of
# its ";"-separated unit groups in order, and "default_city", the city of a list that names none. Plans without
# the key are parsed by structure alone.
NO_SETTINGS: dict = {"cities": (), "default_city": None}


def plan_settings(plan_id: str, plans_dir: str | Path | None = None) -> dict:
    """The "tasks" settings of a plan's sidecar, or NO_SETTINGS when it has none."""
    sidecar = Path(plans_dir or settings.get("plans_dir")) / f"{plan_id}.json"
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return dict(NO_SETTINGS)
    return settings_of(meta)


def settings_of(meta: dict) -> dict:
    cfg = meta.get("tasks") or {}
    return {"cities": tuple(cfg.get("cities") or ()), "default_city": cfg.get("default_city")}

# prefix a unit name may start with -> the city it belongs to (longest first when matching)
CITY_PREFIXES: dict[str, str] = {
    "上海": "上海", "沪": "上海", "浦东新区": "上海", "黄浦区": "上海",
    "大连": "大连",
}

# words that open a responsibility parenthesis: (责任单位:…)
RESP_LABELS = ("责任单位", "责任部门", "牵头单位", "牵头部门", "配合单位", "配合部门", "协办单位",
               "参与单位", "责任主体")

# a nested parenthesis inside a unit list whose content has one of these is an annotation, not a name
ANNOTATION_WORDS = ("按职责", "分工", "下同", "负责", "牵头", "配合")

# beginnings that mark a unit as generic or already qualified: never prefixed with 区
NO_DISTRICT_PREFIX = ("区", "各", "相关", "其他", "有关")

# endings of a unit name in an annex table cell; a line without one ends the table
UNIT_SUFFIXES = ("办", "委", "局", "部", "室", "院", "会", "中心", "所", "馆", "处", "署", "厅", "队",
                 "集团", "公司", "政府", "街道", "单位", "区", "办公室")

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
CN_NUM = "[一二三四五六七八九十]{1,3}"

RESP_RE = re.compile(r"\(\s*(?:%s)\s*:" % "|".join(RESP_LABELS))
ROLE_RE = re.compile(r"^\s*(?:%s)\s*:" % "|".join(RESP_LABELS))
# outline markers, matched on the normalised copy: level -> regex with the number in group 1
MARKERS: dict[int, re.Pattern] = {
    1: re.compile(r"(?:^|(?<=\s))(%s)、" % CN_NUM),
    2: re.compile(r"\((%s)\)" % CN_NUM),
    3: re.compile(r"(?:^|(?<=[\s。;]))(\d{1,2})\.(?!\d)"),
    4: re.compile(r"\((\d{1,2})\)"),
}
TABLE_NO_RE = re.compile(r"^\d{1,3}$")
TABLE_TYPE_RE = re.compile(r"^\D{2,10}类$")

ROW_KEYS = ("plan_id", "section", "task_no", "task_type", "text", "unit", "unit_city", "unit_order",
            "span_start", "span_end")


class TaskParseError(ValueError):
    """A span that looks like task structure but cannot be read."""


# --- helpers -------------------------------------------------------------------------------------

def _normalise(text: str) -> str:
    """Same-length copy for matching: each character NFKC-folded when that yields one character."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def _cn_int(s: str) -> int:
    if s.isdigit():
        return int(s)
    if "十" not in s:
        return CN_DIGITS[s]
    tens, _, ones = s.partition("十")
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _close_paren(norm: str, open_at: int) -> int:
    """Index just past the parenthesis that closes norm[open_at]; nested pairs allowed."""
    depth = 0
    for i in range(open_at, len(norm)):
        if norm[i] == "(":
            depth += 1
        elif norm[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    raise TaskParseError(f"unclosed responsibility parenthesis at offset {open_at}: "
                         f"{norm[open_at:open_at + 40]!r}")


def _split_top(s: str, seps: str) -> list[str]:
    """Split on separators outside nested parentheses."""
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if ch in seps and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _drop_annotations(s: str) -> str:
    """Remove nested parentheticals that annotate the list rather than name a unit."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "(":
            depth, j = 0, i
            while j < len(s):
                depth += {"(": 1, ")": -1}.get(s[j], 0)
                j += 1
                if depth == 0:
                    break
            inner = s[i + 1:j - 1]
            if any(w in inner for w in ANNOTATION_WORDS):
                i = j
                continue
            out.append(s[i:j])
            i = j
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def _city_of(name: str) -> str | None:
    for prefix in sorted(CITY_PREFIXES, key=len, reverse=True):
        if name.startswith(prefix):
            return CITY_PREFIXES[prefix]
    return None


def _canonical(name: str, city: str | None, previous: str | None) -> str:
    if name.endswith("等") and len(name) > 2:
        name = name[:-1]
    if _city_of(name):
        return name
    if name.startswith("市") and not name.startswith("市场"):
        # "市财政局" in a Dalian list is 大连市财政局; without a known city it stays as written
        return (city + name) if city else name
    if previous and previous.startswith("区") and not name.startswith(NO_DISTRICT_PREFIX):
        return "区" + name
    return name


def split_units(content: str, cities: tuple[str, ...] = (), default_city: str | None = None
                ) -> list[tuple[str, str | None]]:
    """Units of a responsibility list (the text after "责任单位:") as (canonical name, city), in order.

    ";" separates city groups (上海 units; 大连 units). A group's city is that of its first unit with
    a city prefix, else the group's position in `cities`, else `default_city`; within a group a
    prefixed unit switches the city for the units after it. When ";" separates roles (牵头单位:…;
    配合单位:…) the groups are read as one list.
    """
    content = _normalise(content)
    content = _drop_annotations(content)
    groups = _split_top(content, ";")
    roles = any(ROLE_RE.match(g) for g in groups[1:])
    out: list[tuple[str, str | None]] = []
    previous: str | None = None
    city: str | None = default_city
    for gi, group in enumerate(groups):
        group = ROLE_RE.sub("", group, count=1)
        names = [n.strip() for n in _split_top(group, "、,") if n.strip()]
        first = next((c for c in map(_city_of, names) if c), None)
        if first is not None:
            city = first
        elif roles:
            # "牵头单位:…;配合单位:…" are roles, not cities: the city runs on from the unit before
            city = city if gi else default_city
        elif len(groups) == len(cities):
            city = cities[gi]
        else:
            city = default_city
        for name in names:
            city = _city_of(name) or city
            canon = _canonical(name, city, previous)
            out.append((canon, city))
            previous = canon
    return out


# --- outline parser (一、 > (一) > 1. > (1), units in parentheses) --------------------------------

@dataclass
class _Node:
    level: int
    label: str          # "十二", "1", "(1)"
    start: int          # marker start
    body: int           # just past the marker
    end: int = 0
    children: list["_Node"] = field(default_factory=list)
    parent: "_Node | None" = None


def _markers(norm: str, region_end: int, masked: list[tuple[int, int]]) -> list[_Node]:
    """Outline markers in reading order, keeping only those that continue their level's numbering."""
    def inside_mask(pos: int) -> bool:
        return any(a <= pos < b for a, b in masked)

    cands = []
    for level, rx in MARKERS.items():
        for m in rx.finditer(norm, 0, region_end):
            if not inside_mask(m.start()):
                cands.append((m.start(), level, m))
    cands.sort(key=lambda c: (c[0], c[1]))
    last = {lvl: 0 for lvl in MARKERS}
    fresh = {lvl: True for lvl in MARKERS}  # a higher level moved on since this level's last marker
    nodes = []
    for pos, level, m in cands:
        n = _cn_int(m.group(1))
        if n == last[level] + 1 or (n == 1 and fresh[level]):
            last[level] = n
            fresh[level] = False
            for deeper in MARKERS:
                if deeper > level:
                    # numbering below may restart at 1 here, or carry on (Dalian's (一)…(二十五) does)
                    fresh[deeper] = True
            label = f"({m.group(1)})" if level == 4 else m.group(1)
            nodes.append(_Node(level, label, pos, m.end()))
    return nodes


def _build_tree(nodes: list[_Node], region_end: int) -> list[_Node]:
    roots: list[_Node] = []
    stack: list[_Node] = []
    for node in nodes:
        while stack and stack[-1].level >= node.level:
            stack.pop().end = node.start
        if stack:
            node.parent = stack[-1]
            stack[-1].children.append(node)
        elif node.level == 1:
            roots.append(node)
        # markers below the first top-level heading with no parent (preamble) are dropped
        if node.level == 1 or stack:
            stack.append(node)
    for node in stack:
        node.end = region_end
    return roots


def _heading_end(norm: str, node: _Node) -> int:
    """A heading runs from its marker to the first whitespace, "。" or child marker."""
    stop = node.children[0].start if node.children else node.end
    m = re.search(r"\s|。", norm[node.body:stop])
    return node.body + m.start() if m else stop


def _heading(text: str, norm: str, node: _Node) -> str:
    return text[node.start:_heading_end(norm, node)].strip()


def _leaves(node: _Node) -> list[_Node]:
    if not node.children:
        return [node]
    return [leaf for child in node.children for leaf in _leaves(child)]


def _parse_outline(plan_id: str, text: str, norm: str, region_end: int, cfg: dict) -> list[dict]:
    resp: list[tuple[int, int, int]] = []  # (open, content start, close)
    for m in RESP_RE.finditer(norm, 0, region_end):
        if resp and m.start() < resp[-1][2]:
            continue
        resp.append((m.start(), m.end(), _close_paren(norm, m.start())))
    if not resp:
        return []
    nodes = _markers(norm, region_end, [(a, c) for a, _, c in resp])
    roots = _build_tree(nodes, region_end)

    def parens_in(a: int, b: int) -> list[tuple[int, int, int]]:
        return [r for r in resp if a <= r[0] < b]

    rows: list[dict] = []
    for root in roots:
        if not parens_in(root.body, root.end) or not root.children:
            continue
        task_type = text[root.body:_heading_end(norm, root)]
        for leaf in _leaves(root):
            own = parens_in(leaf.body, leaf.end)
            units_from = own
            parent = leaf.parent
            if parent is not None and parent.level > 1 and len(parent.children) > 1:
                last = parent.children[-1]
                lp = parens_in(last.body, last.end)
                if (lp and not any(parens_in(c.body, c.end) for c in parent.children[:-1])
                        and not norm[lp[-1][2]:last.end].strip()):
                    # one list closing the last sub-item and none before it covers the whole item
                    units_from = lp
            text_end = own[0][0] if own else leaf.end
            s, e = _strip_span(text, leaf.body, text_end)
            if s == e:
                raise TaskParseError(f"{plan_id}: empty task text at offset {leaf.start}")
            path, anc = [], leaf
            while anc.level > 1:
                path.append(anc.label)
                anc = anc.parent
            heads, anc = [], leaf.parent
            while anc is not None:
                heads.append(_heading(text, norm, anc))
                anc = anc.parent
            base = {
                "plan_id": plan_id,
                "section": " > ".join(reversed(heads)),
                "task_no": ".".join(reversed(path)),
                "task_type": task_type.strip(),
                "text": text[s:e],
                "span_start": s,
                "span_end": e,
            }
            units: list[tuple[str, str | None]] = []
            for _, cstart, close in units_from:
                units += split_units(text[cstart:close - 1], cfg.get("cities", ()),
                                     cfg.get("default_city"))
            rows += _unit_rows(base, units)
    return rows


def _unit_rows(base: dict, units: list[tuple[str, str | None]]) -> list[dict]:
    if not units:
        return [{**base, "unit": None, "unit_city": None, "unit_order": None}]
    return [{**base, "unit": u, "unit_city": c, "unit_order": i}
            for i, (u, c) in enumerate(units, start=1)]


# --- annex table parser (one cell per line) ------------------------------------------------------

def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line, stripped."""
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        s, e = _strip_span(text, pos, pos + len(raw))
        if s < e:
            out.append((s, e))
        pos += len(raw)
    return out


def _table_start(text: str, norm: str) -> tuple[int, int] | None:
    """(offset where the table's title begins, index of the first data line) or None."""
    lines = _lines(text)
    cells = [norm[s:e] for s, e in lines]
    for i, cell in enumerate(cells):
        if cell == "序号" and "责任单位" in cells[i + 1:i + 4]:
            j = cells.index("责任单位", i + 1)
            head = i - 1 if i > 0 and cells[i - 1] == "类型" else i
            title = head - 1 if head > 0 else head
            return lines[title][0], j + 1
    return None


def _is_unit_cell(cell: str) -> bool:
    return len(cell) <= 25 and cell.endswith(UNIT_SUFFIXES)


def _parse_table(plan_id: str, text: str, norm: str, cfg: dict) -> list[dict]:
    found = _table_start(text, norm)
    if found is None:
        return []
    title_at, first = found
    lines = _lines(text)
    title = norm[title_at:lines[[s for s, _ in lines].index(title_at)][1]]
    cells = [(s, e, norm[s:e]) for s, e in lines]
    rows: list[dict] = []
    ttype, expect = None, 0
    cur: dict | None = None
    units: list[str] = []

    def flush() -> None:
        if cur is not None:
            named = split_units("、".join(units), cfg.get("cities", ()), cfg.get("default_city"))
            rows.extend(_unit_rows(cur, named))

    i = first
    while i < len(cells):
        s, e, cell = cells[i]
        if TABLE_NO_RE.match(cell):
            if int(cell) != expect + 1:
                raise TaskParseError(f"{plan_id}: table row {cell} follows {expect} at offset {s}")
            flush()
            expect = int(cell)
            if i + 1 >= len(cells):
                raise TaskParseError(f"{plan_id}: table row {cell} has no task text")
            ts, te, _ = cells[i + 1]
            cur = {"plan_id": plan_id, "section": f"{title} > {ttype}" if ttype else title,
                   "task_no": f"表{cell}", "task_type": ttype, "text": text[ts:te],
                   "span_start": ts, "span_end": te}
            units = []
            i += 2
            continue
        if TABLE_TYPE_RE.match(cell):
            ttype = cell
        elif cur is not None and _is_unit_cell(cell):
            units.append(cell)
        else:
            # end of the table (site footer and the like); a numbered row after it means we misread
            if any(TABLE_NO_RE.match(c) for _, _, c in cells[i + 1:]):
                raise TaskParseError(f"{plan_id}: unreadable table cell {cell!r} at offset {s}")
            break
        i += 1
    flush()
    return rows


# --- entry ---------------------------------------------------------------------------------------

def extract_tasks(plan_id: str, text: str, cfg: dict | None = None) -> list[dict]:
    """One dict per (task, responsible unit) — keys ROW_KEYS — from an outline with unit
    parentheses, an annex table laid out one cell per line, or both; raises TaskParseError when the
    text has neither. cfg: the plan's task settings (default: read from its sidecar)."""
    cfg = plan_settings(plan_id) if cfg is None else {**NO_SETTINGS, **cfg}
    norm = _normalise(text)
    table = _table_start(text, norm)
    region_end = table[0] if table else len(text)
    rows = _parse_outline(plan_id, text, norm, region_end, cfg)
    rows += _parse_table(plan_id, text, norm, cfg)
    if not rows:
        raise TaskParseError(f"{plan_id}: no numbered tasks with responsibility lists or task table found")
    return [{k: r[k] for k in ROW_KEYS} for r in rows]
