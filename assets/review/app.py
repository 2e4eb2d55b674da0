"""The review page: a Starlette app, server-rendered HTML and a small inline script for the keyboard.

GET /          the queue (filters: source, city, band) and the selected pair (?i=position in the filtered queue)
POST /decide   one decision (form: source_l, id_l, source_r, id_r, label, token) → the decision log
GET /healthz   ok

Role (C360_REVIEW_ROLE): `steward` sees personal data in clear, `analyst` (the default: fail closed) masked.
POSTs carry a token made when the app starts, so another site open in the steward's browser cannot decide.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pandas as pd
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from assets.layout import DataLayout
from assets.review.decisions import current_decisions, record_decisions, reviewer_name
from assets.review.queue import BANDS, ReviewData, filter_queue, load_review, pair_detail, requeue
from linkage.config import LinkageConfig, load_linkage_config

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ROLES = ("steward", "analyst")
LIST_LENGTH = 200  # queue rows listed beside the pair


def review_role() -> str:
    role = os.environ.get("C360_REVIEW_ROLE", "analyst").strip().lower() or "analyst"
    if role not in ROLES:
        raise ValueError(f"C360_REVIEW_ROLE must be one of {ROLES}, got {role!r}")
    return role


@dataclass
class ReviewState:
    """The loaded review data, reloaded when the linkage output changes; the queue follows every decision."""

    layout: DataLayout
    config: LinkageConfig
    data: ReviewData | None = None
    signature: tuple = ()
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def _signature(self) -> tuple:
        files = [self.layout.linkage_dir / f"{t}.parquet" for t in ("review_queue", "customer_xref")]
        return tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in files)

    def current(self) -> ReviewData:
        signature = self._signature()
        if self.data is None or signature != self.signature:
            self.data, self.signature = load_review(self.layout, self.config), signature
        return self.data

    def after_decision(self) -> None:
        data = self.current()
        data.decisions = current_decisions(self.layout, data.persons.reset_index(drop=True))
        requeue(data, self.config)


def create_app(layout: DataLayout, config: LinkageConfig | None = None, role: str | None = None) -> Starlette:
    state = ReviewState(layout=layout, config=config or load_linkage_config(_config_path(layout)))
    role = role or review_role()

    async def index(request: Request) -> Response:
        data = state.current()
        q = request.query_params
        source, city, band = q.get("source", ""), q.get("city", ""), q.get("band", "")
        queue = filter_queue(data.queue, source, city, band)
        try:
            i = min(max(int(q.get("i", "0")), 0), max(len(queue) - 1, 0))
        except ValueError:
            i = 0
        row = queue.iloc[i] if len(queue) else None
        detail = pair_detail(row, data, state.config, masked=role != "steward") if row is not None else None
        sources = sorted(set(data.queue.get("source_l", [])) | set(data.queue.get("source_r", [])))
        cities = sorted({c for c in [*data.queue.get("city_l", []), *data.queue.get("city_r", [])] if c})
        start = max(0, i - LIST_LENGTH // 2)
        listed = queue.iloc[start : start + LIST_LENGTH]
        return TEMPLATES.TemplateResponse(
            request,
            "review.html",
            {
                "role": role,
                "reviewer": reviewer_name(),
                "token": state.token,
                "total": len(data.queue),
                "count": len(queue),
                "i": i,
                "row": row,
                "detail": detail,
                "listed": [(start + k, r) for k, r in enumerate(listed.itertuples(index=False))],
                "filters": {"source": source, "city": city, "band": band},
                "sources": sources,
                "cities": cities,
                "bands": BANDS,
                "decided": len(data.decisions),
                "query": lambda k: urlencode(
                    {**{n: v for n, v in (("source", source), ("city", city), ("band", band)) if v}, "i": k}
                ),
                "waterfall": waterfall_svg(detail["waterfall"]) if detail else "",
                "stale": int(data.decisions["stale"].sum()) if "stale" in data.decisions else 0,
            },
        )

    async def decide(request: Request) -> Response:
        # URL-encoded by the page's script; parsed here (Starlette's form parser needs python-multipart)
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8")).items()}
        if not secrets.compare_digest(str(form.get("token", "")), state.token):
            return PlainTextResponse("stale or missing token: reload the page", status_code=403)
        label = str(form.get("label", ""))
        if label not in ("match", "non_match", "unsure"):
            return PlainTextResponse("label must be match, non_match or unsure", status_code=400)
        keys = {k: str(form.get(k, "")) for k in ("source_l", "id_l", "source_r", "id_r")}
        if not all(keys.values()):
            return PlainTextResponse("source_l, id_l, source_r and id_r are required", status_code=400)
        data = state.current()
        rows = record_decisions(
            state.layout, pd.DataFrame([keys]), label, "page", persons=data.persons.reset_index(drop=True)
        )
        state.after_decision()
        return JSONResponse(
            {"decision_id": rows.loc[0, "decision_id"], "label": label, "left": len(state.data.queue)}
        )

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/", index),
            Route("/decide", decide, methods=["POST"]),
            Route("/healthz", healthz),
        ]
    )


def waterfall_svg(bars: list[dict], height: int = 150, step: int = 64) -> str:
    """A Splink-style waterfall as inline SVG: one bar per step from where the previous one ended."""
    ends = [0.0] + [b["start"] for b in bars] + [b["end"] for b in bars]
    top, bottom = max(ends), min(ends)
    span = max(top - bottom, 1e-9)
    pad = 24

    def y(v: float) -> float:
        return pad + (top - v) / span * (height - 2 * pad)

    parts = [f'<svg id="waterfall" width="{step * len(bars) + 80}" height="{height + 70}" role="img" '
             f'aria-label="match weight waterfall" xmlns="http://www.w3.org/2000/svg" font-size="11">',
             f'<line x1="0" x2="{step * len(bars) + 20}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#52606d"/>']  # fmt: skip
    for k, b in enumerate(bars):
        x = 10 + k * step
        y0, y1 = sorted((y(b["start"]), y(b["end"])))
        colour = "#1565c0" if b.get("total") else "#2e7d32" if b["weight"] >= 0 else "#c62828"
        parts.append(
            f'<rect x="{x + 6}" y="{y0:.1f}" width="{step - 12}" height="{max(y1 - y0, 1):.1f}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{x + step / 2}" y="{y0 - 4:.1f}" text-anchor="middle">{b["weight"]:+.1f}</text>'
        )
        parts.append(
            f'<text transform="translate({x + step / 2},{height + 4}) rotate(35)">{escape(b["name"])}</text>'
        )
    return "".join(parts) + "</svg>"


def _config_path(layout: DataLayout) -> Path | None:
    path = layout.config_dir / "linkage.yaml"
    return path if path.exists() else None


def serve(layout: DataLayout, host: str = "127.0.0.1", port: int = 8765) -> None:
    import uvicorn

    uvicorn.run(create_app(layout), host=host, port=port, log_level="warning")
