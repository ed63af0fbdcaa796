"""Figures out of running prose: each quantity with its region, period, metric and source sentence.

The rules follow the language of counterpart-support reports rather than particular sentences:
- period: a review section (回顾/过去五年/主要成就) describes the period before the plan's; a marker in
  the sentence (“十一五”期间, “十三五”末, 2019年,) overrides; a period after 是/比 is a comparison base.
- region: 在<region> and other mentions scope the figures after them in the sentence; a figure with no
  mention before it takes one from its own clause or the next figure's clause (投入82.5亿元,实施对口支援
  都江堰…项目117个); then the section heading's region (（四）参与西部大开发…); then 全国-type mentions;
  then the plan's default. Lists of places that are not a named group are ambiguous and scope nothing.
- metric: the cue words of the metric dictionary — the noun right after a count (8个对口支援地区), else
  the nearest cue before the number in its clause (投入资金92.34亿元) — restricted to metrics whose units
  fit the figure.
- not figures: dates, durations, ordinals (第30届), names in quotes or book titles (“扩大开放50条”),
  document numbers, thresholds (注册资金100万元以上), the article 一个, structural counts (8个原则, 三个方面),
  growth rates (增长12%); each goes to rejects with a reason. A quoted statement (“…41亿元。”他说) is speech,
  and its numbers are figures.
New documents (reports, news) add, through their context (loaders/drafting.py):
- time: loaders/time_expressions.py marks (自2010年…以来, 2018年至2020年, 截至2020年底, 今年, 2019年安排…); the
  nearest before a figure decides, else the first in its sentence, else the last of the paragraph;
- places: every county and prefecture (common/gazetteer.py), rolled up to regions.csv rows; companies
  (浙江吉利控股集团), media (新疆日报) and destinations (赴上海务工) are not places; 甘肃甘南州 is one place;
- roles: givers (`actors`) scope nothing; in reports and news the recipient named last holds until a sentence
  names another or a new section starts, and a generic scope word (西部, 对口支援地区) does not override it;
- metrics: a 其中 part takes the metric of the figure it is part of; 近亿元, 培训交流1.3万 are read too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from common import dictionaries as d
from common.gazetteer import place_index
from common.numbers import CN_DIGITS, CN_MEASURE_UNITS, FIGURE_FAMILIES, NumberError, Quantity, iter_spans, normalize
from loaders import text as tx
from loaders import time_expressions as te

REVIEW_HEADING = re.compile(r"回顾|过去五年|主要成就|工作成效|取得的成绩|发展基础|基础$")
FUTURE_HEADING = re.compile(r"未来|形势|趋势|背景|目标|任务|思路|原则|指导|保障|措施|展望|面临")
PERIOD_MARK = re.compile(r"“?(十[一二三四五六七八九]?五)”?(期间|时期|末|以来|初|规划期)?")
YEAR_OPENER = re.compile(r"((?:19|20)\d\d)年(?:度)?(?:,|上半年|全年|当年)")
COMPARISON_BEFORE = re.compile(r"(是|比|较|相当于|为|与)$")
FROM_TO = re.compile(r"由$|从$")
THRESHOLD_CUES = re.compile(r"(注册资金|注册资本|资产|规模|投资额|营业收入|年产值|产值|金额)$")
CLUSTER_GAP = re.compile(r"^[、和及与等的]{0,2}$")
WEAK_SCOPES = {"nationwide"}
GENERIC_SCOPES = {"all_counterpart", "west", "northeast_central", "nationwide"}
COMPANY_AFTER = re.compile(r"[^\W\d的和或与等及、]{0,8}?(?:集团|公司|控股|股份|银行|有限|实业)|(?:日报|晚报|报社|电视台|"
                           r"广播电视台|新闻网|卫视)")  # companies and media (新疆日报) are not places  # 浙江吉利控股集团
DESTINATION_BEFORE = re.compile(r"(?:赴|到|去|在|来)$")
DESTINATION_AFTER = re.compile(r"(?:市|省)?(?:等地|等省市)?(?:务工|就业|培训|学习|考察|研修|挂职)")
STRUCTURAL_AFTER = re.compile(r"(?:大|项|个|条)?(?:重点任务|任务|原则|方面|关系|举措|措施|机制|体系|目标|领域|环节|"
                              r"行动|要求|聚焦|不摘|坚持|服务|着力点|抓手|平台|功能)")
GROWTH_BEFORE = re.compile(r"(?:增长|增加|提高|提升|下降|减少|增幅|降低|上升)(?:了)?$")
PART_OF = re.compile(r"其中")
BARE_MAGNITUDE = re.compile(r"(?P<pre>近|上|逾|超|约|将近)?(?P<num>\d+(?:\.\d+)?)?(?P<mag>万|亿)(?P<unit>元|人次|人|名|户|个|家)?")
MONEY_WORDS = re.compile(r"资金|投资|金额|销售|收入|产值|资产|采购|捐|元")
PEOPLE_WORDS = re.compile(r"培训|就业|务工|人才|干部|群众|交流|学生|医生|教师|劳动力|人员")

PERIOD_ORDER = list(d.FIVE_YEAR_PERIODS)


@dataclass
class Figure:
    plan_id: str
    period: str
    region_id: str
    metric_id: str
    quantity: Quantity
    value_base: float
    base_unit: str
    section: str
    quote: str
    quote_start: int
    quote_end: int
    span_start: int
    span_end: int
    number_text: str
    ref_period: str | None = None
    note: str | None = None
    year: int | None = None
    time_phrase: str | None = None  # the words the period was read from (自2010年…以来, 今年)
    place: str | None = None        # the place named, finer than region_id (塔什库尔干塔吉克自治县)

    def as_row(self) -> dict:
        q = self.quantity
        return dict(
            figure_id=f"{self.plan_id}:{self.span_start}", source_kind="plan", plan_id=self.plan_id,
            period=self.period, year=self.year, region_id=self.region_id, metric_id=self.metric_id,
            value=q.value, unit=q.unit, qualifier=q.qualifier, value_base=self.value_base,
            base_unit=self.base_unit, number_text=self.number_text, section=self.section,
            quote=self.quote, quote_start=self.quote_start, quote_end=self.quote_end,
            span_start=self.span_start, span_end=self.span_end, ref_period=self.ref_period, note=self.note,
            time_phrase=self.time_phrase, place=self.place,
        )


@dataclass
class Reject:
    plan_id: str
    section: str
    span_text: str
    span_start: int
    span_end: int
    quote: str
    reason: str
    detail: str = ""

    def as_row(self) -> dict:
        return self.__dict__.copy()


@dataclass
class Extraction:
    figures: list[Figure] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


@dataclass(frozen=True)
class PlanContext:
    plan_id: str
    period: str
    review_period: str | None
    default_region: str
    actors: tuple[str, ...] = ("shanghai",)  # who gives the aid: a mention of them scopes nothing
    heading_scope: bool = True  # False where every heading names the plan's theme (长三角…), not a recipient
    doc_year: int | None = None   # the document's date, for 今年 / 去年 / …以来
    doc_month: int | None = None
    carry_recipient: bool = False  # reports and news: a recipient named once holds until another is named


def previous_period(period: str) -> str | None:
    if period in PERIOD_ORDER:
        i = PERIOD_ORDER.index(period)
        return PERIOD_ORDER[i - 1] if i > 0 else None
    return None


# --- regions in a stretch of text ---------------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    region_id: str


def _protected(norm: str, pos: int) -> bool:
    """Inside a book title 《》 or a quoted name (“三个服务”): names, not scopes nor figures.

    A quoted statement (“过去五年,我们累计接收援建资金41亿元…”) is speech: its numbers are figures."""
    if tx.enclosing(norm, pos, "《", "》"):
        return True
    if not tx.enclosing(norm, pos, "“", "”"):
        return False
    closing = norm.find("”", pos)
    if closing == -1:
        return True
    said = norm[closing - 1] in "。!?" or re.match(r"[^。“]{0,16}?(?:说|表示|介绍|指出|强调|谈到)", norm[closing + 1:])
    return not said


def region_mentions(norm: str, start: int, end: int, index: d.RegionIndex) -> list[Mention]:
    """Mentions in norm[start:end], with lists of places resolved to their group or dropped as ambiguous."""
    raw = place_mentions(norm, start, end, index)
    out: list[Mention] = []
    i = 0
    while i < len(raw):
        cluster = [raw[i]]
        j = i + 1
        while j < len(raw) and CLUSTER_GAP.match(norm[cluster[-1].end:raw[j].start]):
            cluster.append(raw[j])
            j += 1
        ids = {m.region_id for m in cluster}
        resolved = _resolve_cluster(cluster, ids, index)
        mixed = len(cluster) == 1 and _in_mixed_list(norm, cluster[0], start, end)
        if resolved and not mixed:
            out.append(Mention(cluster[0].start, cluster[-1].end, resolved))
        i = j
    return out


def _nested(raw: list[Mention], province: dict[str, str], level: dict[str, str]) -> list[Mention]:
    """甘肃甘南州, 浙江湖州市, 四川省广安市: a province written right before a place in it names that place."""
    out: list[Mention] = []
    for mn in raw:
        if out and out[-1].end == mn.start and (
                mn.region_id == out[-1].region_id  # 红河州元阳县: a prefecture and its county
                or (level.get(out[-1].region_id) == "province" and province.get(mn.region_id) == out[-1].region_id)):
            out[-1] = Mention(out[-1].start, mn.end, mn.region_id)
            continue
        out.append(mn)
    return out


def is_destination(norm: str, s: int, e: int) -> bool:
    """赴上海务工, 到江苏就业, 在济南务工: where the recipient's people go, not who receives."""
    return bool(DESTINATION_BEFORE.search(norm, max(0, s - 1), s) and DESTINATION_AFTER.match(norm, e))


def place_mentions(norm: str, start: int, end: int, index: d.RegionIndex) -> list[Mention]:
    """Every place named in norm[start:end], one by one: not in names or titles, not a company (浙江吉利控股集团),
    not where people go to work (赴上海务工); a province right before a place in it merges into that place."""
    raw = [Mention(s, e, rid) for s, e, rid in index.find_all(norm, start, end)
           if not _protected(norm, s) and not is_destination(norm, s, e)
           and not (norm.startswith("西部", s) and s > 0 and norm[s - 1] in "东中")  # 东西部协作, 中西部: not 西部
           and not (index.level.get(rid) != "scope" and COMPANY_AFTER.match(norm, e))]
    return _nested(raw, getattr(index, "province", {}), index.level)


def _resolve_cluster(cluster: list[Mention], ids: set[str], index: d.RegionIndex) -> str | None:
    if len(ids) == 1:
        return next(iter(ids))
    groups = [m.region_id for m in cluster if index.level.get(m.region_id) == "group"]
    if groups:
        return groups[-1]
    group = index.group_of(ids)
    if group:
        return group
    province = getattr(index, "common_province", lambda _: None)(ids)
    if province and all(index.level.get(i) != "scope" for i in ids):
        return province  # 阿克苏地区和兵团第一师: places in one province count for it
    scopes = [m.region_id for m in cluster if index.level.get(m.region_id) == "scope"]
    if len(set(scopes)) == 1:
        return scopes[0]
    return None  # several places named together: no single region


def _in_mixed_list(norm: str, m: Mention, lo: int, hi: int) -> bool:
    """西部大开发、东北振兴、中部崛起 — a region named inside a list of other things scopes nothing."""
    before = norm[m.start - 1] if m.start > lo else ""
    after = norm[m.end] if m.end < hi else ""
    return before == "、" or after == "、"


# --- metric classification ----------------------------------------------------------------------

@lru_cache(maxsize=None)
def _units(units: str) -> frozenset[str]:
    return frozenset(d.split_list(units))


def _compatible(metric_row: dict, q: Quantity) -> bool:
    return metric_row["unit_family"] == q.family and q.base_unit in _units(metric_row["units"])


def _top_level_stop(norm: str, start: int, end: int) -> int:
    """First list separator or verb boundary after a count, outside brackets."""
    depth = 0
    for i in range(start, end):
        c = norm[i]
        if c in "(“《":
            depth += 1
        elif c in ")”》" and depth:
            depth -= 1
        elif depth == 0 and c in "、和及与,;。":
            return i
    return end


def classify(norm: str, q: Quantity, unit_start: int, after_end: int, clause_start: int,
             prev_span_end: int, mindex: d.MetricIndex) -> str | None:
    compatible = {mid for mid, row in mindex.rows.items() if _compatible(row, q)}
    if not compatible:
        return None
    if len(compatible) == 1 and q.family in ("percent", "ratio"):
        return next(iter(compatible))
    # 1. the noun right after a count or a number of people: 8个对口支援地区, 5575万人口, 98个贫困县
    if q.family in ("count", "people"):
        stop = _top_level_stop(norm, unit_start + len(q.base_unit), after_end)
        window = norm[unit_start:stop]
        best = None
        for cue, mid in mindex.cues:
            if mid in compatible:
                pos = window.find(cue)
                if pos != -1 and (best is None or pos < best[0] or (pos == best[0] and len(cue) > best[1])):
                    best = (pos, len(cue), mid)
        if best:
            return best[2]
    # 2. a governing verb before the number (培训当地干部5.6万人次 counts people trained, not cadres)
    before = norm[prev_span_end:unit_start]
    governing = [(before.rfind(cue), mid) for cue, mid in mindex.governing if mid in compatible and cue in before]
    if governing:
        return max(governing)[1]
    # 3. the nearest cue before the number: first since the previous figure, then the whole clause
    for lo in (prev_span_end, clause_start):
        before = norm[lo:unit_start]
        best = None
        for cue, mid in mindex.cues:
            if mid in compatible:
                pos = before.rfind(cue)
                if pos != -1:
                    key = (pos + len(cue), len(cue))
                    if best is None or key > best[0]:
                        best = (key, mid)
        if best:
            return best[1]
    # 4. a cue written ~资金 counts only when nothing more specific is in the clause
    before = norm[clause_start:unit_start]
    weak = [(before.rfind(cue), mid) for cue, mid in _weak_cues(mindex) if mid in compatible and cue in before]
    if weak:
        return max(weak)[1]
    return None


def _weak_cues(mindex: d.MetricIndex) -> tuple[tuple[str, str], ...]:
    return tuple((c[1:], mid) for c, mid in mindex.cues if c.startswith("~"))


# --- the walk over a plan -----------------------------------------------------------------------

def _not_a_figure(norm: str, m, q: Quantity | NumberError, clause_start: int) -> tuple[str, str] | None:
    """(reason, detail) when the span is not a figure."""
    s, e = m.start(), m.end()
    if isinstance(q, NumberError):
        return q.reason, str(q)
    if q.family == "time":
        if q.base_unit in ("年", "年度") and 1900 <= q.value <= 2100 and q.value == int(q.value):
            return "date", "年份"
        if q.base_unit in ("月", "日"):
            return "date", "日期"
        return "duration", "时长"
    if q.family == "label":
        if tx.enclosing(norm, s, "〔", "〕") or q.base_unit == "号":
            return "doc_number", "文号"
        return "ordinal", "序数或届次"
    if s > 0 and norm[s - 1] == "第":
        return "ordinal", "序数"
    if tx.enclosing(norm, s, "〔", "〕"):
        return "doc_number", "文号"
    if _protected(norm, s):
        return "name", "引号或书名号中的名称"
    post = m.group("post") or ""
    following = norm[e:e + 1]
    lead = norm[max(clause_start, s - 6):s]
    if post in ("以上", "以下") or norm[e:e + 2] in ("以上", "以下"):
        if following == "的" or THRESHOLD_CUES.search(lead) or tx.enclosing(norm, s, "(", ")"):
            return "threshold", "门槛条件,不是数量"
    if re.fullmatch(r"[一壹]", m.group("num")) and q.family == "count":
        return "article", "“一个”等量词短语"
    if re.fullmatch(f"[{CN_DIGITS}]+", m.group("num")) and q.base_unit not in CN_MEASURE_UNITS:
        return "numeral_word", "中文数字构成的词语(如“四省市”“二次创业”)"
    return None


def extract(ctx: PlanContext, text: str, rindex: d.RegionIndex | None = None,
            mindex: d.MetricIndex | None = None) -> Extraction:
    rindex = rindex or place_index()
    mindex = mindex or d.metric_index()
    norm = normalize(text)
    junk = tx.junk_ranges(norm)
    heads = tx.headings(norm)
    paths = tx.section_paths(heads)
    out = Extraction()
    seen_sentences: set[str] = set()

    path_i = -1
    path: tuple[tx.Heading, ...] = ()
    period_start = (te.period_bounds(ctx.period) or (None, None))[0]
    if period_start and ctx.period.isdigit():  # cumulative figures of a one-year report run from its five-year period
        period_start = next((y for y in d.FIVE_YEAR_PERIODS.values() if y <= period_start <= y + 4), period_start)
    paragraph, carried, carried_start = -2, None, None
    recipient = ctx.default_region  # reports and news: the recipient named last (headline, first sentence …)
    seen_metrics: dict[str, list[str]] = {}  # unit family -> metrics of this paragraph's figures, in order
    for sent in tx.sentences(norm):
        para = norm.rfind("\n", 0, sent.start)
        if para != paragraph:  # a time stated once holds until the paragraph ends …
            continues = norm[sent.start:sent.start + 6].lstrip().startswith("其中")  # … or its 其中 parts do
            paragraph = para
            if not continues:
                carried, carried_start = None, None
                seen_metrics = {}
        tmarks = te.marks(norm, sent.start, sent.end, ctx.doc_year, ctx.doc_month, carried_start, period_start,
                          untied_years=ctx.review_period is None)
        sent_carried = carried
        if tmarks:
            carried = tmarks[-1]
            carried_start = next((te.start_year(t) for t in reversed(tmarks) if te.start_year(t)), carried_start)
        if any(a <= sent.start < b for a, b in junk):
            continue
        while path_i + 1 < len(paths) and paths[path_i + 1][0] < sent.end:
            path_i += 1
            path = paths[path_i][1]
            recipient = ctx.default_region  # a recipient named in one section does not carry into the next
        sent_recipient = recipient
        mentions = None
        if ctx.carry_recipient:  # every sentence may name the next recipient, with figures or not
            mentions = [mn for mn in region_mentions(norm, sent.start, sent.end, rindex)
                        if mn.region_id not in ctx.actors]
            places = {mn.region_id for mn in mentions if rindex.level.get(mn.region_id) != "scope"}
            if len(places) == 1:
                recipient = places.pop()
        spans = list(_spans_in(norm, sent.start, sent.end))
        if not spans:
            continue
        if mentions is None:
            mentions = [mn for mn in region_mentions(norm, sent.start, sent.end, rindex)
                        if mn.region_id not in ctx.actors]
        quote = text[sent.start:sent.end].strip()
        qs = sent.start + (len(text[sent.start:sent.end]) - len(text[sent.start:sent.end].lstrip()))
        qe = qs + len(quote)
        section = " > ".join(text[h.start:h.end].strip() for h in path)
        key = norm[qs:qe]
        repeated = key in seen_sentences
        seen_sentences.add(key)

        sentence_period, ref_period, year, marked = _sentence_period(norm, sent, path, ctx)
        if ctx.carry_recipient and sent_recipient not in WEAK_SCOPES:
            # a generic scope word (西部, 对口支援地区) does not override a recipient already named
            mentions = [mn for mn in mentions if rindex.level.get(mn.region_id) != "scope"
                        or mn.region_id not in GENERIC_SCOPES]
        strong = [mn for mn in mentions if mn.region_id not in WEAK_SCOPES]
        weak = [mn for mn in mentions if mn.region_id in WEAK_SCOPES]
        section_region = _section_region(norm, path, rindex, ctx.actors) if ctx.heading_scope else None
        clauses = tx.split_positions(norm, sent.start, sent.end, ",;:")
        fig_clause = [_clause_of(clauses, m.start()) for m, _ in spans]
        respectively = _respectively(norm, sent, spans, strong)

        reasons = [_not_a_figure(norm, m, q, clauses[fig_clause[k]][0]) for k, (m, q) in enumerate(spans)]
        candidates = [k for k, r in enumerate(reasons) if r is None]
        prev_end = sent.start
        for k, (m, q) in enumerate(spans):
            s, e = m.start(), m.end()
            c_start, c_end = clauses[fig_clause[k]]
            reason = reasons[k]
            span_text = text[s:e]
            if reason is None and repeated:
                reason = ("repeated_text", "与前文重复的句子")
            if reason is None and q.family not in FIGURE_FAMILIES:
                reason = ("not_a_figure", "不是数量")
            if reason:
                out.rejects.append(Reject(ctx.plan_id, section, span_text, s, e, quote, *reason))
                prev_end = e
                continue
            next_start = spans[k + 1][0].start() if k + 1 < len(spans) else sent.end
            after_end = min(c_end, next_start)
            metric = classify(norm, q, m.start("unit"), after_end, c_start, prev_end, mindex)
            part_of = PART_OF.search(norm, prev_end, s) is not None
            prev_end = e
            earlier = seen_metrics.get(q.family, [])
            if part_of and earlier and metric not in earlier:
                metric = earlier[-1]  # a 其中 part is part of a figure already counted
            elif metric is None and earlier and PART_OF.search(norm, sent.start, s):
                metric = earlier[-1]  # 其中喀什3亿元、和田2亿元: later parts of the same split
            if metric is None and q.family == "money" and out.figures and out.figures[-1].span_end == s \
                    and out.figures[-1].metric_id == "enterprises":
                metric = "investment"  # 引进企业12家5.3亿元: what the firms just counted invest
            if metric is not None and q.family == "count" and STRUCTURAL_AFTER.match(norm, e):
                out.rejects.append(Reject(ctx.plan_id, section, span_text, s, e, quote, "structural",
                                          "结构性数量(如“三个方面”“8个原则”),不是统计数据"))
                continue
            if q.family == "percent" and GROWTH_BEFORE.search(norm, max(sent.start, s - 4), s):
                out.rejects.append(Reject(ctx.plan_id, section, span_text, s, e, quote, "growth_rate",
                                          "增长率,不是占比"))
                continue
            if metric is None:
                out.rejects.append(Reject(ctx.plan_id, section, span_text, s, e, quote, "unclassified_metric",
                                          "无法从上下文判断指标"))
                continue
            seen_metrics.setdefault(q.family, []).append(metric)
            region = respectively.get(k) or _region_for(k, s, candidates, fig_clause, clauses, strong, weak,
                                                        section_region, sent_recipient)
            named = [mn for mn in strong if mn.region_id == region]
            named_before = [mn for mn in named if mn.end <= s]
            place = named_before[-1] if named_before else (named[0] if named else None)
            period, note, phrase, fig_year = sentence_period, None, None, year
            earlier_marks = [t for t in tmarks if t.end <= s]
            if earlier_marks:
                period, phrase = earlier_marks[-1].period, earlier_marks[-1]
            elif not marked and tmarks and tmarks[0].kind != "year":
                period, phrase = tmarks[0].period, tmarks[0]
            elif not marked and sent_carried is not None:
                period, phrase = sent_carried.period, sent_carried
            if period != sentence_period:
                fig_year = int(period) if period.isdigit() else None
            if FROM_TO.search(norm[max(sent.start, s - 1):s]) and re.match(r"(扩展|增加|增长|提高|上升|发展|扩大)到",
                                                                          norm[e:e + 4]):
                earlier = previous_period(sentence_period)
                if earlier is None:
                    out.rejects.append(Reject(ctx.plan_id, section, span_text, s, e, quote, "start_value",
                                              "“由…到…”的起始值,无法确定所属期间"))
                    continue
                period, note = earlier, "起始值:由…扩展到…,记为前一期末的数值"
            row = mindex.rows[metric]
            base_unit = q.base_unit if q.family in ("money", "percent", "ratio") else row["base_unit"]
            out.figures.append(Figure(
                plan_id=ctx.plan_id, period=period, region_id=region, metric_id=metric, quantity=q,
                value_base=q.value_base, base_unit=base_unit, section=section, quote=quote,
                quote_start=qs, quote_end=qe, span_start=s, span_end=e, number_text=span_text,
                ref_period=ref_period if q.family == "ratio" else None, note=note,
                year=fig_year, time_phrase=text[phrase.start:phrase.end] if phrase else None,
                place=text[place.start:place.end] if place else None,
            ))
    return out


class _Bare:
    """A quantity written without a measure word (培训1.3万, 销售额2.1亿) or without a numeral (近亿元, 近万人)."""

    def __init__(self, m: re.Match, unit_start: int, groups: dict):
        self._m, self._unit_start, self._groups = m, unit_start, groups

    def start(self, group=None) -> int:
        return self._unit_start if group == "unit" else self._m.start()

    def end(self, group=None) -> int:
        return self._m.end()

    def group(self, name=0):
        return self._m.group(0) if name == 0 else self._groups.get(name)


def _bare_quantity(norm: str, m: re.Match, start: int) -> tuple[_Bare, Quantity] | None:
    num, mag, unit, pre = m.group("num"), m.group("mag"), m.group("unit"), m.group("pre")
    if num and unit:
        return None  # an ordinary span, read by common.numbers
    if not num and not (pre and unit):
        return None
    if num and (m.end() < len(norm) and re.match(r"[\u4e00-\u9fff\d%]", norm[m.end()])):
        return None  # 1.3万亩, 2万余: some other unit or a qualifier follows
    value = float(num) if num else 1.0
    factor = 1e4 if mag == "万" else 1e8
    if unit:
        family = "money" if unit == "元" else "people" if unit in ("人次", "人", "名") else "count"
        base = unit
    else:
        lead = norm[max(start, m.start() - 16):m.start()]
        lead = re.split(r"[,;。、]", lead)[-1]
        if MONEY_WORDS.search(lead):
            family, base = "money", "元"
        elif PEOPLE_WORDS.search(lead):
            family, base = "people", "人次"
        else:
            return None
    q = Quantity(value=value, unit=mag + (unit or ""), qualifier=pre, value_base=round(value * factor, 6),
                 base_unit=base, family=family, text=m.group(0))
    groups = {"num": num or "", "post": None, "pre": pre, "mag": mag, "unit": unit or ""}
    return _Bare(m, m.start("unit") if unit else m.end(), groups), q


def _spans_in(norm: str, start: int, end: int):
    spans = list(iter_spans(norm, start, end))
    taken = [(m.start(), m.end()) for m, _ in spans]
    for bm in BARE_MAGNITUDE.finditer(norm, start, end):
        if any(bm.start() < b and bm.end() > a for a, b in taken) or not bm.group(0):
            continue
        if bm.start() > 0 and re.match(r"[\d.]", norm[bm.start() - 1]):
            continue
        got = _bare_quantity(norm, bm, start)
        if got:
            spans.append(got)
    return sorted(spans, key=lambda mq: mq[0].start())


def _clause_of(clauses: list[tuple[int, int]], pos: int) -> int:
    for i, (a, b) in enumerate(clauses):
        if a <= pos < b:
            return i
    return len(clauses) - 1


def _sentence_period(norm: str, sent: tx.Sentence, path, ctx: PlanContext) -> tuple[str, str | None, int | None, bool]:
    """(period, comparison period, year, whether the sentence itself says) for a sentence."""
    base = ctx.period
    # the innermost heading that speaks of the past or the future decides
    for h in reversed(path):
        title = norm[h.start:h.end]
        pm = PERIOD_MARK.search(title)
        if pm and h.level >= 3:
            base = pm.group(1)
            break
        if REVIEW_HEADING.search(title) and ctx.review_period:
            base = ctx.review_period
            break
        if FUTURE_HEADING.search(title):
            break
    period, ref, year = base, None, None
    s = norm[sent.start:sent.end]
    first = True
    for pm in PERIOD_MARK.finditer(s):
        if not (pm.group(0).startswith("“") or pm.group(2)):
            continue  # a bare 十二五 inside other words is not a marker
        if COMPARISON_BEFORE.search(s[max(0, pm.start() - 3):pm.start()]):
            ref = pm.group(1)
            continue
        if first:
            period = pm.group(1)
            first = False
    marked = not first
    ym = YEAR_OPENER.search(s)
    if ym and (ym.start() == 0 or s[ym.start() - 1] in ",:;("):
        year = int(ym.group(1))
        period = str(year)
        marked = True
    return period, ref, year, marked


def _section_region(norm: str, path, rindex: d.RegionIndex, actors=()) -> str | None:
    for h in reversed(path):
        ms = [mn for mn in region_mentions(norm, h.start, h.end, rindex)
              if mn.region_id not in WEAK_SCOPES and mn.region_id not in actors]
        if len({mn.region_id for mn in ms}) == 1:
            return ms[0].region_id
    return None


def _region_for(k, s, candidates, fig_clause, clauses, strong, weak, section_region, fallback: str) -> str:
    before = [mn for mn in strong if mn.end <= s]
    if before:
        return before[-1].region_id
    # after the figure: in its own clause, or the next clause if that clause holds the next figure
    own = fig_clause[k]
    allowed = {own}
    later = [c for c in candidates if c > k]
    if later and fig_clause[later[0]] == own + 1:
        allowed.add(own + 1)
    after = [mn for mn in strong if mn.start >= s and any(clauses[c][0] <= mn.start < clauses[c][1] for c in allowed)]
    if after:
        return after[0].region_id
    if section_region:
        return section_region
    if weak and fallback in WEAK_SCOPES:
        return weak[0].region_id
    return fallback


def _respectively(norm: str, sent: tx.Sentence, spans, strong: list[Mention]) -> dict[int, str]:
    """A和B分别…X和Y: pair regions with figures by order."""
    s = norm[sent.start:sent.end]
    pos = s.find("分别")
    if pos == -1:
        return {}
    at = sent.start + pos
    regions_before = [mn for mn in strong if mn.end <= at]
    figs_after = [k for k, (m, _) in enumerate(spans) if m.start() > at]
    n = len(figs_after)
    if n >= 2 and len(regions_before) >= n:
        return {k: mn.region_id for k, mn in zip(figs_after, regions_before[-n:])}
    return {}
