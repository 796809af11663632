"""An evaluation report on disk: report.json and the report's PNG bar chart, each written atomically.

    write_outputs(evaluate_questions(qa, questions), Path("out/questions"))

Any report with `to_json`, `to_text`, `chart` and a `chart_name` will do (`Report`):
`qa.evaluation.questions.QuestionReport` and `qa.evaluation.benchmark.BenchmarkReport` are the two.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from qa.errors import EvalInputError
from qa.evaluation.metrics import Chart


class Report(Protocol):
    """What `write_outputs` and `qa.evaluation.questions.run_cli` need of a question-set or benchmark report."""

    chart_name: str

    def to_json(self) -> dict[str, object]: ...

    def to_text(self) -> str: ...

    def chart(self) -> tuple[str, Chart]: ...


def save_bar_chart(path: Path, title: str, groups: Chart) -> None:
    """Grouped bars: one group per key of `groups`, one bar per series inside it (values 0..1)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = list(next(iter(groups.values()), {}))
    figure = Figure(figsize=(max(6.0, 0.9 * len(groups) + 2), 4.0), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.8 / max(1, len(series))
    for i, name in enumerate(series):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        axes.bar(xs, [row[name] for row in groups.values()], width, label=name)
    axes.set_xticks(range(len(groups)), list(groups))
    # Head room above 1.0 keeps the legend clear of full-height bars.
    axes.set_ylim(0, 1.15)
    axes.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    axes.set_title(title)
    axes.legend(loc="upper center", ncols=max(1, len(series)), fontsize="small", frameon=False)
    figure.tight_layout()
    figure.savefig(path, format="png")


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write to a sibling temporary file, then rename it over `path`."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_outputs(report: Report, out: Path) -> list[Path]:
    """`report.json` and the report's PNG chart in folder `out` (created if needed)."""
    text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
    title, groups = report.chart()
    try:
        out.mkdir(parents=True, exist_ok=True)
        _write_atomic(out / "report.json", lambda p: p.write_text(text, encoding="utf-8"))
        _write_atomic(out / report.chart_name, lambda p: save_bar_chart(p, title, groups))
    except OSError as error:
        raise EvalInputError(f"cannot write the report to {out} ({error}); pass a writable folder to --out") from None
    return [out / "report.json", out / report.chart_name]
