"""`agent view RUN_DIR`: one self-contained HTML page per run (screenshots embedded, no network).

Every step shows what the model saw, what it asked for in words ("click at (412, 300)"), each
tool call of an MCP server with its arguments, result and images, the steps a person took over,
and where an interrupted run was resumed.
"""

from __future__ import annotations

import base64
import json
import time
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from agent.actions import describe, from_dict
from agent.report_marks import overlay
from agent.resume import load_run


def render_report(run_dir: Path | str) -> Path:
    """Write `report.html` into the run directory and return its path."""
    saved = load_run(run_dir)
    result_file = saved.run_dir / "result.json"
    result = json.loads(result_file.read_text()) if result_file.exists() else None
    css = (resources.files("agent") / "templates" / "report.css").read_text()
    screen = saved.info.get("screen", [1280, 800])
    resumes = sorted(float(t) for t in saved.info.get("resumed_at", []))
    sections = []
    for step in saved.steps:
        while resumes and float(step.get("started_at", 0)) >= resumes[0]:
            sections.append(_resumed(resumes.pop(0)))
        sections.append(_step(saved.run_dir, step, screen))
    sections += [_resumed(moment) for moment in resumes]
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(saved.task)}</title><style>{css}</style></head>"
        f"<body>{_header(saved.task, saved.info, result)}<main>{''.join(sections)}</main>"
        "</body></html>"
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
        for k in ("model", "family", "grid", "screen", "image_size")
        if k in info
    )
    return (
        f"<header><h1>{escape(task)}</h1><div>{outcome}</div>"
        f"<div class='meta'>{meta}</div></header>"
    )


def _resumed(moment: float) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(moment))
    return f"<div class='resumed'>Resumed here ({stamp}) on a fresh screen</div>"


def _step(run_dir: Path, step: dict[str, Any], screen: list[int]) -> str:
    index = step["step"]
    request = step.get("request") or {}
    if request.get("human"):
        seconds = (step.get("timings") or {}).get("human", 0.0)
        return (
            f"<section class='step human' id='step-{index}'><h2>Step {index}: a person acted</h2>"
            f"<p>{escape(str(request.get('reason', '')))} — the person had the screen for "
            f"{seconds:.0f} s, then handed it back to the model.</p></section>"
        )
    parts = [f"<section class='step' id='step-{index}'><h2>Step {index}</h2>"]
    screen_actions = [a["action"] for a in step["actions"] if a.get("action")]
    if step.get("screenshot"):
        frame = _frame(run_dir / step["screenshot"], index, screen, screen_actions)
        if not screen_actions and step["actions"]:  # only tool calls: the screen is context
            frame = f"<details><summary>The screen the model saw</summary>{frame}</details>"
        parts.append(frame)
    if step.get("error"):
        parts.append(f"<p class='error'>Not executed: {escape(step['error'])}</p>")
    arguments = {c.get("id"): c.get("arguments") for c in step.get("tool_calls") or []}
    calls = [_call(run_dir, r, arguments.get(r.get("call_id"))) for r in step["actions"]]
    if calls:
        parts.append(f"<ol class='calls'>{''.join(calls)}</ol>")
    if step.get("reasoning"):
        parts.append(
            f"<details><summary>Reasoning</summary><pre>{escape(step['reasoning'])}</pre></details>"
        )
    parts.append(_raw(step))
    parts.append("</section>")
    return "".join(parts)


def _call(run_dir: Path, record: dict[str, Any], arguments: dict[str, Any] | None) -> str:
    """One call of the step: a screen action in words, or an MCP tool with what it returned."""
    result = escape(str(record.get("result") or ""))
    css = " class='failed'" if record.get("error") else ""
    if record.get("action"):
        words = escape(describe(from_dict(record["action"])))
        return f"<li{css}><span class='what'>{words}</span> → {result}</li>"
    tool = escape(str(record.get("tool") or "?"))
    table = _arguments(arguments)
    images = "".join(
        f"<img class='tool-image' alt='image from {tool}' src='{_data_uri(run_dir / name)}'>"
        for name in record.get("images") or []
        if (run_dir / name).exists()
    )
    note = f"<p class='note'>{escape(record['note'])}</p>" if record.get("note") else ""
    return (
        f"<li{css}><span class='what'>tool <b>{tool}</b></span>{table}"
        f"<pre class='tool-result'>{result}</pre>{images}{note}</li>"
    )


def _arguments(arguments: dict[str, Any] | None) -> str:
    if not arguments:
        return ""
    rows = "".join(
        f"<tr><td>{escape(str(name))}</td><td>{escape(_value(value))}</td></tr>"
        for name, value in arguments.items()
    )
    return f"<table class='arguments'>{rows}</table>"


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _raw(step: dict[str, Any]) -> str:
    calls = json.dumps(step.get("tool_calls", []), indent=1, ensure_ascii=False)
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{v:.3f} s</td></tr>"
        for k, v in (step.get("timings") or {}).items()
    )
    usage = step.get("usage", {})
    return (
        f"<details><summary>Raw reply</summary><pre>{escape(step.get('reply') or '')}</pre>"
        f"<pre>{escape(calls)}</pre></details>"
        f"<details><summary>Timings and tokens</summary><table class='timings'>{rows}</table>"
        f"<p>{usage.get('prompt_tokens', 0)} prompt + {usage.get('completion_tokens', 0)} "
        "completion tokens</p></details>"
    )


def _data_uri(image: Path) -> str:
    mime = "image/jpeg" if image.suffix in (".jpeg", ".jpg") else "image/png"
    return f"data:{mime};base64,{base64.b64encode(image.read_bytes()).decode()}"


def _frame(image: Path, step: int, screen: list[int], actions: list[dict[str, Any]]) -> str:
    return (
        f"<div class='frame'><img alt='screen before step {step}' src='{_data_uri(image)}'>"
        f"{overlay(actions, step, screen)}</div>"
    )
