"""A draft sidecar read off a new document's text: title, issuer, date, 文号, periods, givers and recipient.

`python -m loaders add-plan` writes the draft beside the text; `python -m loaders extract` reads texts with it
instead of fixed defaults. Every field is a guess from the words of the text and says so in `drafted`; staff
correct the sidecar, never the code.
- givers: “X 对口支援/帮扶/协作/援助 Y”, “X 援疆/援藏”, “X (累计)向 Y 投入/选派…”, “X 安排/投入…” name X;
  the sidecar's `actors` list (empty = no givers) is what extraction uses.
- recipient: Y of those phrases in the headline or first sentences; else 援疆/援藏/援青 imply 新疆/西藏/青海; else the
  first place the opening names that is not a giver; of “A 与 B 对口合作”, the western or north-eastern one.
- period: a period in the title (“十四五”, 2020年, 2018—2020年); else the one year all dated statements share; else
  the five-year period containing the document's year. A review section describes the five-year period before.
"""
from __future__ import annotations

import re
from datetime import date as _date

from common import dictionaries as d
from common.gazetteer import place_index
from common.numbers import normalize
from loaders import text as tx
from loaders import time_expressions as te
from loaders.extract import PlanContext, is_destination, place_mentions, region_mentions

PLAN_KINDS = ("five_year_plan", "work_plan", "action_plan", "work_report", "news", "other")
# kinds whose headings scope their sections; in reports and news a named recipient carries to later sentences
STRUCTURED_KINDS = ("five_year_plan", "work_plan", "action_plan")

_GIVE_VERB = r"(?:对口支援|对口帮扶|结对帮扶|对口协作|东西部扶贫协作|东西部协作|扶贫协作|帮扶|援助|援建|支援|协作)"
_ACT_VERB = r"(?:累计|共|全年|已|还|就|再|先后|每年)*(?:安排|投入|拨付|选派|援建|派出|组织|动员|引导|帮助|支持|捐赠|培训)"
_IMPLIED = {"援疆": "xinjiang", "援藏": "tibet", "援青": "qinghai"}
_FULL_DATE = re.compile(r"((?:19|20)\d\d)\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?")
_MONTH = re.compile(r"((?:19|20)\d\d)年(\d{1,2})月")
_DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[(]((?:19|20)\d\d)[〕\])]\d{1,4}号")
_ISSUER = re.compile(r"^[\u4e00-\u9fff()]{4,40}(?:人民政府|办公室|办公厅|委员会|领导小组|指挥部|工作组|联络组|局|厅)$")
_ISSUED_BY = re.compile(r"^([\u4e00-\u9fff]{2,30}?(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|领导小组|指挥部))关于")
_SENDS_TO = re.compile(r"(?:市|省|州|地区|县)?(?:累计|共|还|每年)*(?:选派|派出|组织|输送|推荐)[^,。;]{0,12}?(?:到|赴|去)"
                       r"(?P<dest>[\u4e00-\u9fff]{2,8}?)(?:市|省)?(?:等地|等省市)?(?:挂职|学习|培训|考察|务工|就业|研修|交流)")
# a place right after these is an object (投入日喀则市援藏资金, 向陕西选派), not the one who gives
_OBJECT_BEFORE = re.compile(r"(?:投入|安排|拨付|向|对|在|为|给|支援|帮扶|援助|到|赴|支持|帮助|助力|走进|与|和|、)$")


def _kind(title: str) -> str:
    if re.search(r"规划", title):
        return "five_year_plan" if re.search(r"十[一二三四五六七八九]?五", title) else "work_plan"
    if re.search(r"行动方案|实施方案|行动计划", title):
        return "action_plan"
    if re.search(r"工作计划|工作要点", title) and not re.search(r"回顾|总结", title):
        return "work_plan"
    if re.search(r"总结|报告|综述|回顾|情况|成效", title):
        return "work_report"
    return "news"


def _is_dateline(line: str) -> bool:
    return bool(_FULL_DATE.match(line.strip("()（） ")) or _MONTH.match(line.strip("()（） ")))


def _title(lines: list[str], stem: str) -> tuple[str, bool]:
    """(title, whether the text has a headline): a short first line, else the opening of the first sentence."""
    body = [ln for ln in lines[:4] if not _is_dateline(ln)]  # 2020年8月12日 新疆日报 is a dateline
    if body and len(body[0]) <= 60 and not body[0].endswith("。"):
        return body[0], True
    if body:
        first = tx.sentences(body[0])[0]
        return body[0][first.start:first.end].strip()[:40], False
    return stem, False


def _places(norm: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Places named in norm[start:end]: companies (浙江吉利控股集团) and destinations (赴上海务工) left out."""
    return [(m.start, m.end, m.region_id) for m in place_mentions(norm, start, end, place_index())]


def _roles(norm: str, start: int, end: int) -> tuple[list[str], list[str]]:
    """(givers, recipients) named in norm[start:end] by the phrasing around places."""
    givers: list[str] = []
    recipients: list[str] = []
    ix = place_index()
    places = _places(norm, start, end)
    done: set[int] = set()
    west = set()
    for scope in ("west", "northeast_central"):
        west |= set(d.split_list(d.regions().set_index("region_id").loc[scope, "members"]))
    for i, (s, e, rid) in enumerate(places):
        if i in done or ix.level.get(rid) == "scope":
            continue
        after = norm[e:end]
        nxt = places[i + 1] if i + 1 < len(places) else None
        gap = norm[e:nxt[0]] if nxt else ""
        if nxt and re.fullmatch(r"(?:市|省)?与", gap) and re.match(rf"[^。]{{0,12}}?(?:{_GIVE_VERB}|对口合作)",
                                                                   norm[nxt[1]:end]):
            a, b = rid, nxt[2]
            a_w, b_w = ix.province.get(a, a) in west, ix.province.get(b, b) in west
            giver, recipient = (b, a) if a_w and not b_w else (a, b)
            givers.append(giver)
            recipients.append(recipient)
            done.add(i + 1)
        elif nxt and ix.level.get(nxt[2]) != "scope" and re.fullmatch(
                rf"[^,。;:]{{0,8}}?{_GIVE_VERB}[^,。;:]{{0,3}}", gap):
            givers.append(rid)
            if norm[nxt[1]:nxt[1] + 1] not in ("、", "和", "及", "与"):  # one of several places is no one recipient
                recipients.append(nxt[2])
            done.add(i + 1)
        elif nxt and re.fullmatch(r"[^,。;:]{0,6}?(?:向|为|对|帮助|支持)", gap) and re.match(
                rf"(?:市|省|州|等[^,。;]{{0,4}})?{_ACT_VERB}", norm[nxt[1]:end]):
            givers.append(rid)
            recipients.append(nxt[2])
            done.add(i + 1)
        elif _OBJECT_BEFORE.search(norm, max(start, s - 2), s):
            continue
        elif (back := _SENDS_TO.match(norm, e, end)) is not None:
            # 遵义市选派干部到上海挂职: the recipient sends people to the giver (a reverse flow)
            dest = [r for a, b, r in ix.find_all(norm, back.start("dest"), back.end("dest"))]
            if dest:
                givers.append(dest[0])
                recipients.append(rid)
        elif re.match(rf"(?:市|省)?(?:(?:19|20)\d\d年度?|“?十[一二三四五六七八九]?五”?)?(?:援疆|援藏|援青|援滇|援黔|东西部|{_GIVE_VERB})",
                      after):  # 浙江省2021年东西部协作工作总结
            givers.append(rid)
        elif re.match(rf"(?:市|省)?{_ACT_VERB}", after):
            givers.append(rid)
    return givers, recipients


def _doc_date(norm: str) -> tuple[str | None, int | None, int | None]:
    """(ISO date, year, month) of the document: the first date in its opening lines."""
    head = norm[:200]
    m = _FULL_DATE.search(head)
    if m:
        y, mo, dd = (int(g) for g in m.groups())
        try:
            return _date(y, mo, dd).isoformat(), y, mo
        except ValueError:
            pass
    m = _MONTH.search(head)
    if m:
        return None, int(m.group(1)), int(m.group(2))
    return None, None, None


def _period_from(title: str) -> str | None:
    tm = te.marks(title, 0, len(title), None)
    for t in tm:
        if t.kind in ("five_year", "range", "year"):
            return t.period
    m = re.search(r"(?<![一二三四五六七八九十])“?(十[一二三四五六七八九]?五)”?(?![年个项])", title)
    return m.group(1) if m and m.group(1) in d.FIVE_YEAR_PERIODS else None


def _fyp_of(year: int) -> str:
    for label, start in d.FIVE_YEAR_PERIODS.items():
        if start <= year <= start + 4:
            return label
    return "十四五"


def draft_sidecar(text: str, stem: str) -> dict:
    """The sidecar a new document would get, read off its text (see the module docstring)."""
    norm = normalize(text)
    lines = [ln.strip() for ln in norm.split("\n") if ln.strip()]
    raw_lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    title_n, headline = _title(lines, stem)
    at = norm.find(title_n)
    title = text[at:at + len(title_n)] if at >= 0 else title_n  # verbatim (normalize keeps offsets)
    iso, doc_year, doc_month = _doc_date(norm)
    years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)年", norm) if int(y) <= _date.today().year + 10]
    notes = []
    if doc_year is None and years:
        doc_year = max(years)
        notes.append(f"document year {doc_year}: the latest year the text names")
    period = _period_from(title_n) if headline else None
    if period is None:
        all_marks = te.marks(norm, 0, len(norm), doc_year, doc_month)
        stated = {t.period for t in all_marks if t.kind == "year"}
        five = [t.period for t in all_marks if t.kind == "five_year"]
        if len(stated) == 1 and not re.search(r"(?<!\d)(?:19|20)\d\d年(?:[至到—–\-])", norm):
            period = stated.pop()
        elif five and not stated:
            period = max(set(five), key=five.count)
        elif doc_year:
            period = _fyp_of(doc_year)
        else:
            period = _fyp_of(_date.today().year)
            notes.append("no year in the text: period is the current five-year period")
    review = None
    if period in d.FIVE_YEAR_PERIODS and re.search(r"回顾|过去五年|主要成就|发展基础", norm):
        order = list(d.FIVE_YEAR_PERIODS)
        review = order[order.index(period) - 1] if order.index(period) > 0 else None
    # the opening: the headline and the first two sentences of the body
    sents = tx.sentences(norm)
    opening_end = sents[min(len(sents), 3) - 1].end if sents else len(norm)
    givers, recipients = _roles(norm, 0, opening_end)
    more_g, _ = _roles(norm, opening_end, len(norm))
    givers += [g for g in more_g if g not in givers]
    # a place named as the one receiving (江苏省对口支援新疆克州) is not also a giver because a later clause has it
    # allocate (阿图什市安排资金…): that is the giver's money spent there
    givers = [g for g in givers if g not in recipients]
    ix = place_index()
    default = recipients[0] if recipients else None
    if default is None:
        for mn in region_mentions(norm, 0, opening_end, ix):  # places listed together name no one recipient
            s, e, rid = mn.start, mn.end, mn.region_id
            if rid not in givers and ix.level.get(rid) != "scope" and not is_destination(norm, s, e):
                default = rid
                break
    if default is None:
        for word, rid in _IMPLIED.items():
            if word in norm[:opening_end]:
                default = rid
                break
    doc_no = None
    for m in _DOC_NO.finditer(norm[:300]):
        if not (tx.enclosing(norm, m.start(), "《", "》") or tx.enclosing(norm, m.start(), "(", ")")):
            doc_no = text[m.start():m.end()]
            break
    issuer = next((raw for ln, raw in zip(lines[:6] + lines[-4:], raw_lines[:6] + raw_lines[-4:])
                   if _ISSUER.match(ln)), None)
    by = _ISSUED_BY.match(title_n)  # 上海市人民政府办公厅关于印发…的通知
    if issuer is None and by:
        issuer = title[:by.end(1)]
    kind = _kind(title_n)
    return {
        "plan_id": stem, "title": title, "title_en": None, "issuer": issuer, "doc_number": doc_no, "date": iso,
        "as_of": f"{doc_year}-{doc_month:02d}" if doc_year and doc_month else (str(doc_year) if doc_year else None),
        "page_updated": None, "kind": kind, "period": period, "review_period": review,
        "default_region": default or "nationwide", "actors": list(dict.fromkeys(givers)),
        "heading_scope": True, "source_file": None, "notes": "; ".join(notes) or None,
        "origin": "Added with `python -m loaders add-plan`; sidecar drafted from the text — check it.",
        "review": "pending",
        "drafted": ["title", "issuer", "doc_number", "date", "as_of", "kind", "period", "review_period",
                    "default_region", "actors"],
    }


def context_for(meta: dict) -> PlanContext:
    """The extraction context of a sidecar (drafted or edited); `actors: []` means no givers."""
    actors = meta.get("actors")
    actors = ("shanghai",) if actors is None else tuple(actors)
    year = month = None
    when = meta.get("date") or meta.get("as_of")
    if when:
        m = re.match(r"((?:19|20)\d\d)(?:-(\d\d))?", str(when))
        if m:
            year, month = int(m.group(1)), int(m.group(2)) if m.group(2) else None
    return PlanContext(meta["plan_id"], meta["period"], meta.get("review_period"),
                       meta.get("default_region") or "nationwide", actors, meta.get("heading_scope", True),
                       doc_year=year, doc_month=month,
                       carry_recipient=meta.get("kind") not in STRUCTURED_KINDS)
