"""`agent view RUN_DIR`: one self-contained HTML page per run (screenshots embedded, no network),
with each executed action drawn where it happened on the screen."""

from __future__ import annotations

import base64
import json
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from agent.resume import load_run

_MARKER_RADIUS = 0.012  # of the screen width


def render_report(run_dir: Path | str) -> Path:
    """Write `report.html` into the run directory and return its path."""
    saved = load_run(run_dir)
    result_file = saved.run_dir / "result.json"
    result = json.loads(result_file.read_text()) if result_file.exists() else None
    css = (resources.files("agent") / "templates" / "report.css").read_text()
    screen = saved.info.get("screen", [1280, 800])
    body = [_header(saved.task, saved.info, result)]
    body += [_step(saved.run_dir, step, screen) for step in saved.steps]
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(saved.task)}</title><style>{css}</style></head>"
        f"<body>{body[0]}<main>{''.join(body[1:])}</main></body></html>"
    )
    out = saved.run_dir / "report.html"
    out.write_text(page, encoding="utf-8")
    return out


def _header(task: str, info: dict[str, Any], result: dict[str, Any] | None) -> str:
    if result is None:
        outcome = "<span class='status-error'>unfinished (no result.json)</span>"
    else:
        answer = (
            f" — answer: <b>{escape(str(result['answer']))}</b>" if result.get("answer") else ""
        )
        outcome = (
            f"<span class='status-{escape(result['status'])}'>{escape(result['status'])}</span>: "
            f"{escape(result['reason'].splitlines()[0])}{answer}; {result['steps']} steps, "
            f"{result['usage']['prompt_tokens']} prompt + {result['usage']['completion_tokens']} "
            f"completion tokens, {result['seconds']:.1f} s"
        )
    meta = ", ".join(
        f"{k}: {escape(str(info[k]))}"
        for k in ("model", "grid", "screen", "image_size")
        if k in info
    )
    return (
        f"<header><h1>{escape(task)}</h1><div>{outcome}</div>"
        f"<div class='meta'>{meta}</div></header>"
    )


def _step(run_dir: Path, step: dict[str, Any], screen: list[int]) -> str:
    index = step["step"]
    parts = [f"<section class='step' id='step-{index}'><h2>Step {index}</h2>"]
    if step.get("screenshot"):
        parts.append(_frame(run_dir / step["screenshot"], step, screen))
    if step.get("error"):
        parts.append(f"<p class='error'>Not executed: {escape(step['error'])}</p>")
    actions = [a for a in step["actions"] if a.get("action")]
    if actions:
        items = "".join(
            f"<li>{escape(json.dumps(a['action'], ensure_ascii=False))} → "
            f"{escape(a['result'])}</li>"
            for a in actions
        )
        parts.append(f"<ul class='actions'>{items}</ul>")
    if step.get("reasoning"):
        parts.append(
            f"<details><summary>Reasoning</summary><pre>{escape(step['reasoning'])}</pre></details>"
        )
    parts.append(
        f"<details><summary>Raw reply</summary><pre>{escape(step.get('reply') or '')}</pre>"
    )
    calls = json.dumps(step.get("tool_calls", []), indent=1, ensure_ascii=False)
    parts.append(f"<pre>{escape(calls)}</pre></details>")
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{v:.3f} s</td></tr>" for k, v in step["timings"].items()
    )
    usage = step.get("usage", {})
    parts.append(
        f"<details><summary>Timings and tokens</summary><table class='timings'>{rows}</table>"
        f"<p>{usage.get('prompt_tokens', 0)} prompt + {usage.get('completion_tokens', 0)} "
        "completion tokens</p></details></section>"
    )
    return "".join(parts)


def _frame(image: Path, step: dict[str, Any], screen: list[int]) -> str:
    mime = "image/jpeg" if image.suffix in (".jpeg", ".jpg") else "image/png"
    data = base64.b64encode(image.read_bytes()).decode()
    width, height = screen
    marks, captions = [], []
    for record in step["actions"]:
        action = record.get("action")
        if action:
            svg, caption = _mark(action, step["step"], width)
            marks.append(svg)
            captions += [caption] if caption else []
    caption = f"<div class='caption'>{escape(' · '.join(captions))}</div>" if captions else ""
    return (
        f"<div class='frame'><img alt='screen before step {step['step']}' "
        f"src='data:{mime};base64,{data}'>"
        f"<svg viewBox='0 0 {width} {height}' preserveAspectRatio='none'>"
        "<defs><marker id='arrow' viewBox='0 0 10 10' refX='8' refY='5' markerWidth='4' "
        "markerHeight='4' orient='auto'><path d='M0,0 L10,5 L0,10 z' fill='#ff00ff'/></marker>"
        f"</defs>{''.join(marks)}</svg>{caption}</div>"
    )


def _mark(action: dict[str, Any], step: int, width: int) -> tuple[str, str]:
    """SVG for one action in screen pixels, and a caption for what cannot be drawn."""
    kind = action["kind"]
    radius = max(6, round(width * _MARKER_RADIUS))
    data = f"data-step='{step}' data-kind='{kind}'"
    if kind in ("click", "move"):
        x, y = action["x"], action["y"]
        label = f"{action.get('button', '')} x{action.get('count', 1)}" if kind == "click" else ""
        size = radius if kind == "click" else radius // 2
        return (
            f"<circle class='marker' {data} data-x='{x}' data-y='{y}' cx='{x}' cy='{y}' "
            f"r='{size}'><title>{kind} {label}</title></circle>",
            "",
        )
    if kind == "drag":
        x1, y1, x2, y2 = action["x1"], action["y1"], action["x2"], action["y2"]
        return (
            f"<line class='marker-line' {data} x1='{x1}' y1='{y1}' x2='{x2}' y2='{y2}' "
            "marker-end='url(#arrow)'/>",
            "",
        )
    if kind == "scroll":
        x, y = action["x"], action["y"]
        x2 = x + action["dx"] * radius
        y2 = y - action["dy"] * radius
        return (
            f"<line class='marker-line' {data} x1='{x}' y1='{y}' x2='{x2}' y2='{y2}' "
            "marker-end='url(#arrow)'/>",
            f"scroll dy={action['dy']} dx={action['dx']}",
        )
    if kind == "type":
        return "", f"type “{action['text']}”"
    if kind == "key":
        return "", "key " + "+".join(action["keys"])
    if kind == "wait":
        return "", f"wait {action['seconds']} s"
    if kind == "answer":
        return "", f"answer “{action['text']}”"
    return "", f"{kind} {action.get('status', '')}".strip()
