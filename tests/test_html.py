"""The HTML page of saved runs: what it holds, read from saved runs, without a browser
(tests/test_browser.py opens it in one)."""

from __future__ import annotations

import html
import importlib.util
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from test_breakeven import synthetic_sweep

from parbench.analysis.verdict import judge
from parbench.data import results
from parbench.report import htmlreport, plot, render
from parbench.report.cli import main

from helpers import benchmark_entry, run_document

needs_pygal = pytest.mark.skipif(
    importlib.util.find_spec("pygal") is None, reason="pygal is not installed (plot extra)"
)
MB = 1_000_000


def entry(workload: str, strategy: str, median: float, memory: int, **fields: Any) -> dict:
    """A saved case whose process tree used ``memory`` MB at its peak."""
    processes = fields.get("workers", 1) + 1 if strategy == "processes" else 1
    peak = (memory * MB * processes, (memory + 10 * (processes - 1)) * MB, processes)
    return benchmark_entry(workload, strategy, median, memory=peak, **fields)


def sample_document() -> dict:
    """Sleep and factorial, each under threads and processes at 1, 2 and 4 workers."""
    entries = [entry("sleep", "serial", 0.8, 60, kind="io")]
    entries += [
        entry("sleep", strategy, 0.8 / w * 1.02, 60, workers=w, kind="io")
        for strategy in ("threads", "processes")
        for w in (1, 2, 4)
    ]
    entries.append(entry("factorial", "serial", 0.2, 70))
    entries += [entry("factorial", "threads", 0.2, 70, workers=w, cpu_per_wall=1.0) for w in (1, 2)]
    entries += [entry("factorial", "processes", 0.2 / w * 1.05, 70, workers=w) for w in (1, 2)]
    document = run_document(*entries)
    document["machine_info"]["cpu"] = {"brand_raw": "Example CPU <9000>"}
    return document


def saved(tmp_path: Path, document: dict, name: str = "run.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


class Page(HTMLParser):
    """The page's elements: each start tag with its attributes, and its text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def classed(self, tag: str, name: str) -> int:
        return sum(1 for t, a in self.tags if t == tag and name in (a.get("class") or "").split())


@needs_pygal
def test_a_page_holds_every_verdict_chart_table_and_memory(tmp_path: Path) -> None:
    run = results.read(saved(tmp_path, sample_document()))
    text = htmlreport.report([run])
    page = Page(text)
    verdicts = judge(run.measurements)

    # Each verdict line, in order, before its chart; one chart and one table a workload.
    places = [text.index(html.escape(render.sentence(v))) for v in verdicts]
    assert places == sorted(places)
    assert page.classed("p", "verdict") == len(verdicts) == 2
    assert page.classed("figure", "chart") == 2
    assert [t for t, _ in page.tags].count("table") == 2
    for v in verdicts:
        section = text[text.index(f'id="workload-{v.workload}"') :]
        assert (
            section.index(html.escape(render.sentence(v)))
            < section.index("<svg")
            < section.index("<table")
        )
    # Memory: a column of the table, and the verdict's note.
    assert "<th>memory</th>" in text
    assert "memory: processes x4 used 40 MB more than threads x4" in text
    # The machine and Python come first, the CPU's name escaped.
    header = text[: text.index("</header>")]
    assert "Example CPU &lt;9000&gt;" in header and "CPython 3.11.7" in header


def test_how_it_was_measured_is_folded_away_but_on_the_page(tmp_path: Path) -> None:
    recorded = Path(__file__).parent / "data" / "noisy_neighbour_run.json"
    run = results.read(recorded)
    text = htmlreport.report([run])

    folds = re.findall(r"<details>(.*?)</details>", text, re.S)
    disturbed = [
        n
        for v in judge(run.measurements)
        for n in render.notes(v)
        if n.startswith(htmlreport.FOLDED)
    ]
    assert disturbed, "the recorded run says how it was measured"
    assert all(html.escape(note) in "".join(folds) for note in disturbed)
    outside = re.sub(r"<details>.*?</details>", "", text, flags=re.S)
    assert not any(html.escape(note) in outside for note in disturbed)


@needs_pygal
def test_the_page_fetches_nothing(tmp_path: Path) -> None:
    text = htmlreport.report([results.read(saved(tmp_path, sample_document()))])
    page = Page(text)

    assert not [t for t, _ in page.tags if t in ("script", "link", "img", "iframe", "object")]
    assert not [a for _, a in page.tags if "src" in a or "href" in a]
    assert "@import" not in text and not re.search(r"url\(\s*['\"]?(https?:)?//", text)


def test_without_pygal_the_page_has_its_tables_and_says_how_to_get_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: object, **kwargs: object) -> None:
        raise plot.PlotUnavailable(plot.INSTALL_HINT)

    monkeypatch.setattr(plot, "draw", unavailable)
    text = htmlreport.report([results.read(saved(tmp_path, sample_document()))])

    assert "no charts: charts need pygal: pip install &#x27;parbench[plot]&#x27;" in text
    assert "<svg" not in text and text.count("<table") == 2


@needs_pygal
def test_a_sweep_run_shows_its_break_even_table_and_charts(tmp_path: Path) -> None:
    text = htmlreport.report([results.read(saved(tmp_path, synthetic_sweep()))])

    section = text[text.index('class="break-even"') :]
    assert "pays off above" in section
    assert section.count("<svg") >= 1


def test_report_html_writes_one_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run = saved(tmp_path, sample_document())
    page = tmp_path / "page.html"

    assert main(["report", str(run), "--format", "html", "-o", str(page)]) == 0
    assert capsys.readouterr().out == ""
    assert page.read_text().startswith("<!DOCTYPE html>")
    # Written whole under a temporary name, which is gone.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "run.json"]


def test_compare_html_shows_both_runs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    old = saved(tmp_path, sample_document(), "old.json")
    slower = sample_document()
    for bench in slower["benchmarks"]:
        bench["stats"]["median"] *= 1.5
        bench["stats"]["data"] = [t * 1.5 for t in bench["stats"]["data"]]
    new = saved(tmp_path, slower, "new.json")

    assert main(["compare", str(old), str(new), "--format", "html"]) == 0
    text = capsys.readouterr().out
    assert "what changed" in text
    assert text.count(f"{old}:") >= 2 and text.count(f"{new}:") >= 2
    assert "slower" in text


def test_a_page_that_cannot_be_written_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    run = saved(tmp_path, sample_document())
    target = tmp_path / "missing" / "page.html"

    assert main(["report", str(run), "--format", "html", "-o", str(target)]) == 2
    error = capsys.readouterr().err
    assert error == f"parbench: error: {target}: cannot be written (No such file or directory)\n"


def test_the_command_line_names_the_html_format() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "parbench.report.cli", "report", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "html" in shown and "--output" in shown
