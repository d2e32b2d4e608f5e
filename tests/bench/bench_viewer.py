"""Hostile documents in the viewer: for each file of the corpus, the wall time until it was
shown or refused and the render child's peak resident memory, beside a plain one-page PDF
rendered in the same run. Targets: the limits the render child runs under. The
same for a 5000-point poster page at the largest zoom (400 %), which the child renders within
its per-page pixel cap."""

from __future__ import annotations

import statistics

from arbiter_app.gui.render_process import FIRST_PAGE, LIMITS, Rendering, render
from arbiter_app.gui.views.evidence import IMAGE_TYPES, TEXT_TYPES
from arbiter_app.gui.zoom import PERCENT, STEPS, PageRequest, Zoom
from arbiter_app.ipfs.sniff import SNIFF_BYTES, sniff
from arbiter_app.progress import run_to_end
from tests.bench import Row, Target
from tests.fixtures.hostile_documents import CORPUS, normal_pdf, page_objects, pdf

MIB = 1 << 20
MAPPED_ALLOWANCE = 128 * MIB  # resident code and mapped files beyond the data limit
REFERENCE_RUNS = 3


def _render(data: bytes, request: PageRequest = FIRST_PAGE) -> Rendering:
    media_type = sniff(data[:SNIFF_BYTES])
    kind = "text" if media_type in TEXT_TYPES else "image" if media_type in IMAGE_TYPES else "pdf"
    return run_to_end(render(kind, data, request, limits=LIMITS))


def run() -> list[Row]:
    """Render every corpus item and the poster at 400 % once, and the plain PDF
    :data:`REFERENCE_RUNS` times."""
    plain = [_render(normal_pdf()) for _ in range(REFERENCE_RUNS)]
    seconds = statistics.median(r.seconds for r in plain)
    rss = statistics.median(r.peak_rss for r in plain) / MIB
    in_time = Target("<=", LIMITS.deadline_seconds + 1, unit="s")
    in_memory = Target("<=", (LIMITS.memory_bytes + MAPPED_ALLOWANCE) / MIB, unit="MiB")
    rows: list[Row] = []
    poster = pdf(page_objects(media_box=b"[0 0 5000 5000]"))
    largest = PageRequest(zoom=Zoom(PERCENT, STEPS[-1]))
    for attack, got in [(h.attack, _render(h.build())) for h in CORPUS] + [
            ("pdf-5000-point-page-at-the-largest-zoom", _render(poster, largest))]:
        name = f"viewer {attack} ({'refused' if got.refusal else 'shown'})"
        rows.append(Row(f"{name}: time", got.seconds, "s", seconds, "plain 1-page PDF",
                        (in_time,)))
        rows.append(Row(f"{name}: child peak RSS", got.peak_rss / MIB, "MiB", rss,
                        "plain 1-page PDF", (in_memory,)))
    return rows
