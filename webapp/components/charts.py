"""The app's plotly figures, built from plain tables so that they can be tested without a browser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from webapp.components.highlight import colour

_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
_LAYOUT = {"margin": {"l": 40, "r": 20, "t": 50, "b": 40}, "legend": {"orientation": "h", "y": -0.2}}


def per_label_bars(
    rows: Mapping[str, Mapping[str, float]],
    labels: Sequence[str],
    *,
    title: str,
    intervals: Mapping[str, Mapping[str, tuple[float, float]]] | None = None,
    reference: Mapping[str, Mapping[str, float]] | None = None,
    y_title: str = "strict F1",
) -> go.Figure:
    """Grouped bars: one group a label, one bar a model (``rows``: model -> label -> F1), with
    95 % intervals as error bars where given (model -> label -> (low, high)), and ``reference``
    bars (published figures, not run here) hatched and grey so that they never pass for ours."""
    figure = go.Figure()
    for model, scores in rows.items():
        values = [scores.get(label) for label in labels]
        bounds = (intervals or {}).get(model, {})
        error_y = None
        if bounds:
            pairs = list(zip(labels, values, strict=True))
            above = [bounds[name][1] - v if v is not None and name in bounds else None for name, v in pairs]
            below = [v - bounds[name][0] if v is not None and name in bounds else None for name, v in pairs]
            error_y = {"type": "data", "symmetric": False, "array": above, "arrayminus": below, "visible": True}
        figure.add_bar(name=model, x=list(labels), y=values, error_y=error_y)
    greys = ("#9e9e9e", "#757575", "#bdbdbd", "#616161", "#e0e0e0", "#424242")
    for index, (name, scores) in enumerate((reference or {}).items()):
        figure.add_bar(
            name=name,
            x=list(labels),
            y=[scores.get(label) for label in labels],
            marker={"color": greys[index % len(greys)], "pattern": {"shape": "/"}},
        )
    figure.update_layout(barmode="group", title=title, yaxis={"title": y_title, "range": [0, 1.05]}, **_LAYOUT)
    return figure


def learning_curve(curves: Mapping[str, Sequence[tuple[float, ...]]], *, title: str) -> go.Figure:
    """F1 against the share of training notes, one line a model family. A point is
    ``(share, F1)`` or ``(share, mean F1, standard deviation, runs)``; where a family has runs of
    several seeds, a band of one standard deviation either side of the mean is drawn."""
    figure = go.Figure()
    for index, (name, points) in enumerate(curves.items()):
        points = sorted(points)
        shares, means = [p[0] for p in points], [p[1] for p in points]
        spread = [p[2] if len(p) > 2 else 0.0 for p in points]
        runs = [p[3] if len(p) > 3 else 1 for p in points]
        colour_of_line = _PALETTE[index % len(_PALETTE)]
        if any(r > 1 for r in runs):
            figure.add_scatter(
                name=f"{name}: mean +- 1 sd over seeds",
                x=shares + shares[::-1],
                y=[m + s for m, s in zip(means, spread, strict=True)]
                + [m - s for m, s in zip(means, spread, strict=True)][::-1],
                fill="toself",
                fillcolor=colour_of_line,
                opacity=0.2,
                line={"width": 0},
                hoverinfo="skip",
            )
        figure.add_scatter(
            name=name,
            x=shares,
            y=means,
            mode="lines+markers",
            line={"color": colour_of_line},
            customdata=runs,
            hovertemplate="%{x:.0%}: %{y:.3f} (%{customdata} runs)<extra></extra>",
        )
    figure.update_layout(
        title=title,
        xaxis={"title": "share of training notes", "tickformat": ".0%"},
        yaxis={"title": "strict macro F1"},
        **_LAYOUT,
    )
    return figure


def confusion_heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]], *, title: str) -> go.Figure:
    """Rows gold, columns predicted, with counts written in the cells."""
    figure = go.Figure(
        go.Heatmap(
            z=[list(row) for row in matrix],
            x=list(labels),
            y=list(labels),
            colorscale="Blues",
            text=[[str(v) if v else "" for v in row] for row in matrix],
            texttemplate="%{text}",
            hovertemplate="gold %{y}, predicted %{x}: %{z}<extra></extra>",
        )
    )
    figure.update_layout(
        title=title,
        xaxis={"title": "predicted", "side": "top"},
        yaxis={"title": "gold", "autorange": "reversed"},
        height=max(380, 28 * len(labels) + 160),
        margin={"l": 80, "r": 20, "t": 90, "b": 20},
    )
    return figure


def error_kind_bars(table: Mapping[str, Mapping[str, int]], kinds: Sequence[str], *, title: str) -> go.Figure:
    """Stacked bars: errors of each kind per label (``table``: label -> kind -> count)."""
    figure = go.Figure()
    labels = list(table)
    for kind in kinds:
        figure.add_bar(name=kind, x=labels, y=[table[label].get(kind, 0) for label in labels])
    figure.update_layout(barmode="stack", title=title, yaxis={"title": "errors"}, **_LAYOUT)
    return figure


def before_after_bars(before: Mapping[str, float], after: Mapping[str, float], *, title: str, y: str) -> go.Figure:
    """Two bars a category: before and after SamBD."""
    keys = list(before)
    figure = go.Figure()
    figure.add_bar(name="before SamBD", x=keys, y=[before.get(k, 0) for k in keys])
    figure.add_bar(name="after SamBD", x=keys, y=[after.get(k, 0) for k in keys])
    figure.update_layout(barmode="group", title=title, yaxis={"title": y}, **_LAYOUT)
    return figure


def histogram(values: Sequence[int], *, title: str, x: str) -> go.Figure:
    figure = go.Figure(go.Histogram(x=list(values), nbinsx=30, marker_color=colour("Drug")))
    figure.update_layout(title=title, xaxis={"title": x}, yaxis={"title": "notes"}, **_LAYOUT)
    return figure


def training_curves(events: Sequence[Mapping[str, float]], *, title: str) -> go.Figure:
    """Loss per reported step and dev macro F1 per epoch, on two axes."""
    steps = [e for e in events if e["event"] == "step"]
    epochs = [e for e in events if e["event"] == "epoch"]
    figure = go.Figure()
    figure.add_scatter(name="training loss", x=[e["x"] for e in steps], y=[e["loss"] for e in steps], mode="lines")
    figure.add_scatter(
        name="dev macro F1",
        x=[e["x"] for e in epochs],
        y=[e["dev_macro_f1"] for e in epochs],
        mode="lines+markers",
        yaxis="y2",
    )
    figure.update_layout(
        title=title,
        xaxis={"title": "epoch"},
        yaxis={"title": "loss"},
        yaxis2={"title": "dev macro F1", "overlaying": "y", "side": "right", "range": [0, 1]},
        **_LAYOUT,
    )
    return figure


def reliability_chart(curves: Mapping[str, Sequence[Mapping[str, object]]], *, title: str) -> go.Figure:
    """Reliability diagram: for each model, the share of spans right against their mean
    probability, one point a probability bin (sized by its span count), beside the diagonal of a
    perfectly calibrated model."""
    figure = go.Figure()
    figure.add_scatter(
        name="perfectly calibrated", x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "#999"}
    )
    for index, (name, bins) in enumerate(curves.items()):
        filled = [b for b in bins if b.get("count")]
        counts = [int(b["count"]) for b in filled]
        biggest = max(counts, default=1)
        figure.add_scatter(
            name=name,
            x=[b["confidence"] for b in filled],
            y=[b["accuracy"] for b in filled],
            mode="lines+markers",
            marker={"size": [6 + 14 * c / biggest for c in counts]},
            line={"color": _PALETTE[index % len(_PALETTE)]},
            customdata=counts,
            hovertemplate="probability %{x:.2f}: %{y:.0%} right (%{customdata} spans)<extra></extra>",
        )
    figure.update_layout(
        title=title,
        xaxis={"title": "mean span probability in the bin", "range": [0, 1]},
        yaxis={"title": "share of spans right (n2c2 strict)", "range": [0, 1.02]},
        **_LAYOUT,
    )
    return figure
