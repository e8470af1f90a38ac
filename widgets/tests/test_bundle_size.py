"""The widget's page-speed budget: what a shop page loads before the chat is opened stays under 30 KB gzipped."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

BUILT = Path(__file__).resolve().parents[2] / "livechat" / "static" / "widget"
BUDGET_BYTES = 30 * 1024


def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_the_initial_widget_bundle_is_within_budget():
    widget = BUILT / "widget.js"
    if not widget.exists():
        pytest.fail(f"{widget} is not built; ./scripts/test builds it (npm run build in widgets/).")
    size = gzipped_size(widget)
    assert size <= BUDGET_BYTES, f"widget.js is {size / 1024:.1f} KB gzipped, over the {BUDGET_BYTES // 1024} KB budget"


def test_the_panel_is_a_separate_file_loaded_later():
    panel = BUILT / "widget-panel.js"
    assert panel.exists() and gzipped_size(panel) > 1024
    # The initial bundle does not contain the panel's code (its card and rating views).
    initial = (BUILT / "widget.js").read_text()
    assert "Copy code" not in initial and "How did we do?" not in initial
