"""What a click costs in a real browser: a filter change and a slide change, at 1k and 1M synthetic figures.

Two `streamlit run app.py` servers run side by side on free ports, one per database (the bench_pages databases,
copied to a temp dir so the saved views the slides need stay out of the cache), and headless Debian chromium
(Playwright, no browser download) drives both. Sizes are interleaved: every round runs every scenario at every
size, the order of sizes alternating between rounds. Each cell is median [min–max] over the rounds.

A timing starts when the action is sent (a selectbox option clicked, ArrowRight pressed) and ends at the last DOM
change in the page's main area once Streamlit's script run is over and the page has been quiet for --quiet ms
(the quiet wait itself is not counted); the action's own target (the chart, the cards, the slide bar) must have
changed, so a run that did nothing is not timed as fast. Server CPU (the streamlit process, all threads) is
recorded beside the wall time.

Scenarios:
  overview_period  the overview's period picker (the headline cards' fragment)
  funding_metric   the funding page's metric picker (the filter-and-chart fragment: the chart is rebuilt)
  slide_same_page  presentation mode, ArrowRight to the next saved view of the same page (the slide fragment)
  slide_next_page  presentation mode, ArrowRight to a saved view of another page
  page_load        the funding page opened in a new tab of a running server (a new session: the whole script, the
                   chart drawn), from navigation start to the last change once settled

Round 1 sees each filter value for the first time on that server (cold caches) and is reported apart; the
ratio 1M/1k is paired within a round. Goals: filter change at 1M <= 1.5x at 1k; a slide change well under 1 s.

    python bench/bench_browser.py                       # 1k and 1M, 1 cold + 4 warm rounds
    python bench/bench_browser.py --sizes 1000 100000 --rounds 3
    python bench/bench_browser.py --baseline /tmp/main-checkout   # and the same clicks on another checkout
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCALE_GOAL = 1.5
SLIDE_GOAL_S = 1.0
SCENARIOS = ("overview_period", "funding_metric", "slide_same_page", "slide_next_page", "page_load")

# records mutations in the main area and the script state; window.__bench.{t0, running, ended, last, hit}
_WATCH = """(target) => {
  const b = {t0: performance.now(), running: false, ended: null, last: null, hit: false};
  window.__bench = b;
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const stateNow = () => app.getAttribute('data-test-script-state');
  if (window.__benchObs) window.__benchObs.forEach(o => o.disconnect());
  const o1 = new MutationObserver(() => {
    const s = stateNow();
    if (s === 'running') { b.running = true; b.ended = null; }
    else if (b.running && s === 'notRunning') { b.ended = performance.now(); }
  });
  o1.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  const o2 = new MutationObserver((records) => {
    const now = performance.now();
    b.last = now;
    if (!b.hit) {
      for (const r of records) {
        const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (node && node.closest && node.closest(target)) { b.hit = true; break; }
        // a target drawn anew (another page's slide bar) arrives as an added node of its container
        for (const n of r.addedNodes || []) {
          if (n.nodeType === 1 && (n.matches(target) || n.querySelector(target))) { b.hit = true; break; }
        }
        if (b.hit) break;
      }
    }
  });
  o2.observe(main, {attributes: true, childList: true, subtree: true, characterData: true});
  window.__benchObs = [o1, o2];
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """`streamlit run app.py` on a free port against one database."""

    def __init__(self, db: Path, log_dir: Path, root: Path = ROOT):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "AID_DB_PATH": str(db), "PYTHONPATH": str(root)}
        self.log = open(log_dir / f"streamlit-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(self.base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not come up: " + Path(self.log.name).read_text()[-2000:])
            time.sleep(0.3)

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# seconds from the watch's start to the last change, once the script run is over, no skeleton is left, the page has
# been quiet for q ms and (when `need_hit`) the action's target changed; null until then
_SETTLED = """([q, needHit]) => { const b = window.__bench;
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = app.getAttribute('data-test-script-state') === 'notRunning'
               && !document.querySelector('[data-testid="stSkeleton"]');
  const last = b.last === null ? b.t0 : b.last;
  if (!idle || (needHit && (!b.hit || b.last === null)) || performance.now() - last <= q) return null;
  return (last - b.t0) / 1000; }"""


def _wait_settled(page, quiet_ms: int, timeout_s: float, need_hit: bool, poll_ms: int, what: str) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        res = page.evaluate(_SETTLED, [quiet_ms, need_hit])
        if res is not None:
            return res
        page.wait_for_timeout(poll_ms)
    raise TimeoutError(what)


def settle(page, quiet_ms: int, timeout_s: float) -> float:
    """Until the first script run is over and the page has been quiet for quiet_ms (a page load); returns the
    seconds from the watch's start to the last change."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_s * 1000)
    page.evaluate(_WATCH, "body")
    return _wait_settled(page, quiet_ms, timeout_s, False, 100, "page did not settle")


def timed(page, action, target: str, server: Server, quiet_ms: int, timeout_s: float) -> tuple[float, float]:
    """(wall s, server cpu s) from the action until the last change of the main area, once the run is over,
    the target changed and the page stayed quiet for quiet_ms."""
    page.evaluate(_WATCH, target)
    c0 = server.cpu()
    action()
    wall = _wait_settled(page, quiet_ms, timeout_s, True, 50, f"no settled change of {target} within {timeout_s} s")
    return wall, server.cpu() - c0


def pick_option(page, key: str, label: str):
    """Opens the selectbox `key` (not timed) and returns the action: clicking the option whose text is `label`."""
    page.locator(f".st-key-{key} [role='combobox']").first.click()
    option = page.get_by_role("option", name=label, exact=True).first
    option.wait_for(state="visible")
    page.wait_for_timeout(300)  # the list's own opening animation is not the change being timed
    return option.click


def prepare_databases(sizes: list[int], cache: Path, work: Path) -> dict[int, tuple[Path, list[int]]]:
    """A private copy of each bench database with the deck the slide scenarios step through."""
    from bench_pages import database

    from outputs.views import save_view

    out = {}
    for n in sizes:
        src = database(n, cache)
        dst = work / f"browser-{n}.duckdb"
        shutil.copyfile(src, dst)
        ids = [save_view(dst, "十二五资金", "funding", {"metric": "aid_funding", "periods": ["十二五"]}),
               save_view(dst, "十一五项目", "funding", {"metric": "aid_projects", "periods": ["十一五"], "tab": "across"}),
               save_view(dst, "合作交流", "cooperation", {})]
        out[n] = (dst, ids)
    return out


def run_scenario(browser, server: Server, name: str, deck: list[int], rnd: int, quiet_ms: int,
                 timeout_s: float) -> tuple[float, float]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    try:
        if name == "page_load":
            c0 = server.cpu()
            page.goto(f"{server.base}/funding", wait_until="domcontentloaded")
            settle(page, quiet_ms, timeout_s)
            # performance.now() counts from the navigation's start
            last = page.evaluate("() => window.__bench.last === null ? window.__bench.t0 : window.__bench.last")
            return last / 1000, server.cpu() - c0
        # alternate the values each round, so a warm round asks for what the previous round cached
        if name == "overview_period":
            start, to = ("十二五", "十一五") if rnd % 2 == 0 else ("十一五", "十二五")
            page.goto(f"{server.base}/overview?overview_period={start}", wait_until="domcontentloaded")
            settle(page, quiet_ms, timeout_s)
            act = pick_option(page, "overview_period", _period_label(to))
            return timed(page, act, '[data-testid="stMetric"]', server, quiet_ms, timeout_s)
        if name == "funding_metric":
            start, to = ("aid_funding", "aid_projects") if rnd % 2 == 0 else ("aid_projects", "aid_funding")
            page.goto(f"{server.base}/funding?funding_metric={start}", wait_until="domcontentloaded")
            settle(page, quiet_ms, timeout_s)
            act = pick_option(page, "funding_metric", _metric_label(to))
            return timed(page, act, '[data-testid="stPlotlyChart"]', server, quiet_ms, timeout_s)
        first = deck[0] if name == "slide_same_page" else deck[1]
        params = ("funding_periods=十二五" if name == "slide_same_page"
                  else "funding_metric=aid_projects&funding_periods=十一五&funding_tab=across")
        page.goto(f"{server.base}/funding?present=1&deck={first}&{params}", wait_until="domcontentloaded")
        settle(page, quiet_ms, timeout_s)
        return timed(page, lambda: page.keyboard.press("ArrowRight"), ".st-key-present_bar", server, quiet_ms,
                     timeout_s)
    finally:
        ctx.close()


def _period_label(period: str) -> str:
    from common import dictionaries as d

    return d.period_info(period)["label_zh"]


def _metric_label(metric_id: str) -> str:
    import csv

    with open(ROOT / "data" / "dictionaries" / "metrics.csv", encoding="utf-8") as f:
        return next(r["name_zh"] for r in csv.DictReader(f) if r["metric_id"] == metric_id)


def _spread(values: list[float], scale: float = 1000.0, fmt: str = "{:.0f}") -> str:
    if not values:
        return "n/a"
    v = [x * scale for x in values]
    return f"{fmt.format(statistics.median(v))} [{fmt.format(min(v))}–{fmt.format(max(v))}]"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 1_000_000])
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the first is reported as cold")
    ap.add_argument("--scenarios", nargs="*", default=list(SCENARIOS), choices=SCENARIOS)
    ap.add_argument("--quiet", type=int, default=600, help="ms without DOM changes that count as settled")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/aid-bench"))
    ap.add_argument("--json", type=Path, help="also write the raw timings here")
    ap.add_argument("--baseline", type=Path,
                    help="another checkout (e.g. a `git worktree` of main) served and timed in the same rounds")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    from playwright.sync_api import sync_playwright

    sizes = sorted(args.sizes)
    versions = {"this": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    work = Path(tempfile.mkdtemp(prefix="aid-browser-bench-"))
    servers: dict[tuple[str, int], Server] = {}
    raw: dict[tuple[str, str], dict[int, list[tuple[float, float]]]] = {
        (v, s): {n: [] for n in sizes} for v in versions for s in args.scenarios}
    try:
        dbs = prepare_databases(sizes, args.cache, work)
        servers = {(v, n): Server(dbs[n][0], work, root) for v, root in versions.items() for n in sizes}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                for (v, n), server in servers.items():  # a first page load per server: its start-up is not a click
                    ctx = browser.new_context()
                    page = ctx.new_page()
                    t0, c0 = time.perf_counter(), server.cpu()
                    page.goto(server.base + "/overview", wait_until="domcontentloaded")
                    settle(page, args.quiet, args.timeout)
                    print(f"  first load {v:<8} {n:>9,}: {time.perf_counter() - t0:.1f} s "
                          f"(incl. {args.quiet} ms quiet), server cpu {server.cpu() - c0:.1f} s", flush=True)
                    ctx.close()
                for r in range(args.rounds):
                    order = sizes if r % 2 == 0 else sizes[::-1]
                    vorder = list(versions) if r % 2 == 0 else list(versions)[::-1]
                    for name in args.scenarios:
                        for n in order:
                            for v in vorder:
                                wall, cpu = run_scenario(browser, servers[v, n], name, dbs[n][1], r, args.quiet,
                                                         args.timeout)
                                raw[v, name][n].append((wall, cpu))
                                print(f"  round {r + 1} {name:<16} {v:<8} {n:>9,}  {wall * 1000:7.0f} ms wall "
                                      f"{cpu * 1000:7.0f} ms server cpu", flush=True)
            finally:
                browser.close()
    finally:
        for s in servers.values():
            s.stop()
        shutil.rmtree(work, ignore_errors=True)

    lo, hi = sizes[0], sizes[-1]
    print(f"\nms, median [min–max]; round 1 (cold: values first seen) apart from rounds 2–{args.rounds} (warm)")
    print(f"{'scenario':<17}{'version':<10}{'round':<7}"
          + "".join(f"{f'{n:,} wall':>24}{f'{n:,} cpu':>22}" for n in sizes) + f"{f'wall {hi:,}/{lo:,}':>24}")
    for name in args.scenarios:
        for v in versions:
            for label, sl in (("cold", slice(0, 1)), ("warm", slice(1, None))):
                runs = raw[v, name]
                cells = ""
                for n in sizes:
                    rs = runs[n][sl]
                    cells += f"{_spread([w for w, _ in rs]):>24}{_spread([c for _, c in rs]):>22}"
                pairs = [b[0] / a[0] for a, b in zip(runs[lo][sl], runs[hi][sl]) if a[0] > 0]
                ratio = (_spread(pairs, 1, "{:.2f}") + "x") if pairs else "n/a"
                flag = "  > goal" if pairs and statistics.median(pairs) > SCALE_GOAL else ""
                if name.startswith("slide") and label == "warm" and runs[hi][sl] and \
                        statistics.median(w for w, _ in runs[hi][sl]) >= SLIDE_GOAL_S:
                    flag += "  slide >= 1 s"
                print(f"{name:<17}{v:<10}{label:<7}{cells}{ratio:>24}{flag}")
    if args.json:
        args.json.write_text(json.dumps({f"{v}|{k}": {str(n): x for n, x in d.items()} for (v, k), d in raw.items()},
                                        indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
