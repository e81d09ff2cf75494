"""The `agent` command. Thin: it turns flags into a RunConfig and calls the library."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import webbrowser
from pathlib import Path

from agent import config, serve
from agent.doctor import DoctorSettings, diagnose
from agent.errors import AgentError
from agent.model import DEFAULT_URL
from agent.report import render_report
from agent.runner import RunConfig, run
from environments.android.virtual_phone.main import add_phone_arguments, serve_phone


def _screen(value: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"screen size is WIDTHxHEIGHT, e.g. 1280x800, not {value!r}"
        ) from None
    if width < 320 or height < 240:
        raise argparse.ArgumentTypeError(f"screen {value} is too small: at least 320x240")
    return width, height


def _positive(kind: type) -> object:
    def parse(value: str) -> object:
        number = kind(value)
        if number <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {value}")
        return number

    return parse


def _server_arguments(group: argparse._ActionsContainer) -> None:
    """Where the model is served; the same three flags for run, bench and doctor."""
    group.add_argument(
        "--model-url", default=DEFAULT_URL, help="OpenAI-compatible base URL (default: %(default)s)"
    )
    group.add_argument("--model", help="served model id (default: the first one the server lists)")
    group.add_argument(
        "--api-key",
        default=os.environ.get("OPENAI_API_KEY"),
        help="API key, if the server needs one (default: $OPENAI_API_KEY)",
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="agent", description="Operate a computer or a phone with a Qwen VL model."
    )
    commands = root.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("run", help="carry out one task on a virtual desktop or a phone")
    cmd.add_argument("task", nargs="?", help="what to do, in plain words")
    cmd.add_argument(
        "--resume", type=Path, metavar="RUN_DIR", help="continue an interrupted run from its record"
    )
    model = cmd.add_argument_group("model")
    _server_arguments(model)
    model.add_argument(
        "--thinking",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="thinking mode (default: on)",
    )
    model.add_argument(
        "--grid",
        choices=["relative", "absolute"],
        help="coordinate grid (default: from the model name)",
    )
    model.add_argument(
        "--max-tokens",
        type=_positive(int),
        default=8192,
        help="reply budget, reasoning included (default: %(default)s)",
    )
    model.add_argument("--temperature", type=float, help="override the model card's sampling")
    model.add_argument("--top-p", type=float, help="override the model card's sampling")
    model.add_argument(
        "--history-images",
        type=_positive(int),
        default=3,
        help="screenshots kept in the prompt (default: %(default)s)",
    )
    model.add_argument(
        "--max-pixels",
        type=_positive(int),
        default=1280 * 800,
        help="pixel budget of a screenshot sent to the model (default: %(default)s)",
    )
    model.add_argument(
        "--stream", action="store_true", help="stream replies (implied by --verbose)"
    )
    env = cmd.add_argument_group("environment")
    env.add_argument(
        "--env", choices=["desktop", "android"], default="desktop",
        help="a virtual desktop (default) or an Android device over adb",
    )  # fmt: skip
    env.add_argument(
        "--vnc", type=int, nargs="?", const=0, metavar="PORT",
        help="serve the display over VNC on 127.0.0.1 (a free port unless given); view-only",
    )  # fmt: skip
    env.add_argument(
        "--takeover", action="store_true",
        help="a key pressed in the terminal pauses the agent so you can act; another hands back",
    )  # fmt: skip
    env.add_argument(
        "--display", help="attach to this X display (e.g. :1) instead of starting a private one"
    )
    env.add_argument(
        "--screen", type=_screen, default=(1280, 800), help="virtual screen WxH (default: 1280x800)"
    )
    phone = cmd.add_argument_group("android (with --env android)")
    phone.add_argument("--device", metavar="SERIAL", help="adb serial (default: the only device)")
    phone.add_argument("--connect", metavar="HOST:PORT", help="`adb connect` to it first")
    phone.add_argument("--adb-host", default="127.0.0.1", help="adb server host")
    phone.add_argument("--adb-port", type=_positive(int), help="adb server port (default: 5037)")
    phone.add_argument(
        "--mobile-actions", choices=["tool", "notebook"], default="tool",
        help="mobile_use action set: Qwen's tool schema (default) or the Qwen3-VL notebook's",
    )  # fmt: skip
    tools = cmd.add_argument_group("tools")
    tools.add_argument(
        "--mcp-config", type=Path, metavar="FILE",
        help='MCP servers in the common {"mcpServers": {...}} shape, offered next to computer_use',
    )  # fmt: skip
    tools.add_argument(
        "--approve", choices=["ask", "auto", "read-only"],
        help="tools not marked read-only: ask (default on a terminal), auto, or read-only "
        "(refuse them; the default otherwise)",
    )  # fmt: skip
    tools.add_argument(
        "--workspace", type=Path, metavar="DIR",
        help="offer the built-in filesystem MCP server, rooted at DIR (the only files it touches)",
    )  # fmt: skip
    tools.add_argument(
        "--app-tools", action="store_true",
        help="offer the built-in apps MCP server (list and launch apps, focus and close windows)",
    )  # fmt: skip
    budget = cmd.add_argument_group("budget and output")
    budget.add_argument("--max-steps", type=_positive(int), default=30, help="default: %(default)s")
    budget.add_argument("--timeout", type=_positive(float), help="seconds for the whole run")
    budget.add_argument(
        "--out", type=Path, default=Path("runs"), help="where run records go (default: %(default)s)"
    )
    budget.add_argument(
        "--verbose", "-v", action="store_true", help="show the model's reasoning as it arrives"
    )
    budget.add_argument(
        "--record-video",
        action="store_true",
        help="write screen.mp4 of the display into the record",
    )
    root.run_parser = cmd  # type: ignore[attr-defined]
    config_cmd = commands.add_parser("config", help="show the settings agent run would use")
    config_cmd.add_argument("action", choices=["show"])
    mcp_cmd = commands.add_parser("mcp", help="serve our tools to other MCP clients")
    mcp_sub = mcp_cmd.add_subparsers(dest="mcp_command", required=True)
    mcp_serve = mcp_sub.add_parser("serve", help="run one of our MCP servers")
    mcp_serve.add_argument("server", choices=["filesystem", "computer", "apps"])
    mcp_serve.add_argument(
        "--root", type=Path, help="the workspace a filesystem server is rooted at"
    )
    mcp_serve.add_argument("--http", metavar="HOST:PORT", help="streamable HTTP instead of stdio")
    mcp_serve.add_argument("--display", help="attach to this X display instead of a private one")
    mcp_serve.add_argument("--screen", type=_screen, default=(1280, 800))
    bench = commands.add_parser("bench", help="run a task suite and score it")
    bench.add_argument("suite", type=Path, help="a folder of task files (or one task file)")
    bench.add_argument("--oracle", action="store_true", help="play each task's reference solution")
    bench.add_argument("--workers", type=_positive(int), default=1)
    bench.add_argument("--out", type=Path, default=Path("bench-results"))
    bench.add_argument("--resume", action="store_true", help="skip tasks already in results.json")
    bench.add_argument(
        "--task-timeout",
        type=_positive(float),
        default=900.0,
        help="seconds per task (default 900)",
    )
    bench.add_argument(
        "--list",
        action="store_true",
        help="OSWorld suites: what runs here and why the rest is skipped",
    )
    bench.add_argument(
        "--domain",
        action="append",
        default=[],
        help="OSWorld suites: only this domain (repeatable)",
    )
    bench.add_argument(
        "--cache", type=Path, help="OSWorld suites: the download cache (default OUT/cache)"
    )
    _server_arguments(bench)
    doctor = commands.add_parser("doctor", help="check the set-up and the model server")
    _server_arguments(doctor)
    doctor.add_argument("--history-images", type=_positive(int), default=3)
    doctor.add_argument("--max-tokens", type=_positive(int), default=8192)
    view = commands.add_parser("view", help="write a self-contained HTML report of a run")
    view.add_argument("run_dir", type=Path, help="a run directory (runs/<run-id>)")
    view.add_argument("--no-open", action="store_true", help="do not open it in a browser")
    android = commands.add_parser("android", help="Android helpers")
    android_sub = android.add_subparsers(dest="android_command", required=True)
    phone_cmd = android_sub.add_parser(
        "virtual-phone", help="serve a virtual phone that `adb connect` attaches (for tests)"
    )
    add_phone_arguments(phone_cmd)
    serve_cmd = commands.add_parser(
        "serve", help="print (or run) the vllm serve command for a model"
    )
    serve_cmd.add_argument("preset", nargs="?", help="a preset name; see --list")
    serve_cmd.add_argument("--list", action="store_true", help="list the presets")
    serve_cmd.add_argument("--exec", action="store_true", help="run vLLM (needs the vllm extra)")
    serve_cmd.add_argument("--tp", type=_positive(int), help="override the tensor-parallel size")
    serve_cmd.add_argument("--port", type=_positive(int), default=8000)
    serve_cmd.add_argument("--history-images", type=_positive(int), default=3)
    return root


def config_from(args: argparse.Namespace) -> RunConfig:
    sampling = {
        key: value
        for key, value in (("temperature", args.temperature), ("top_p", args.top_p))
        if value is not None
    }
    return RunConfig(
        task=args.task or "",
        model_url=args.model_url,
        model=args.model,
        api_key=args.api_key,
        thinking=args.thinking,
        grid=args.grid,
        env=args.env,
        display=args.display,
        screen=args.screen,
        max_steps=args.max_steps,
        timeout=args.timeout,
        out=args.out,
        verbose=args.verbose,
        stream=args.stream,
        max_tokens=args.max_tokens,
        history_images=args.history_images,
        max_pixels=args.max_pixels,
        sampling=sampling,
        resume=args.resume,
        vnc=args.vnc,
        takeover=args.takeover,
        record_video=args.record_video,
        mcp_config=args.mcp_config,
        approve=args.approve,
        app_tools=args.app_tools,
        workspace=args.workspace,
        device=args.device,
        adb_host=args.adb_host,
        adb_port=args.adb_port,
        connect=args.connect,
        mobile_actions=args.mobile_actions,
    )


def serve_command(args: argparse.Namespace) -> int:
    if args.list or not args.preset:
        print(serve.listing())
        return 0
    argv = serve.vllm_argv(
        serve.preset(args.preset), tp=args.tp, port=args.port, history_images=args.history_images
    )
    if args.exec:
        serve.execute(argv)
    print(shlex.join(argv))
    return 0


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a terminated run ends like Ctrl-C: recorded, display closed


def view_command(args: argparse.Namespace) -> int:
    path = render_report(args.run_dir)
    print(path)
    if not args.no_open:
        webbrowser.open(path.resolve().as_uri())
    return 0


def run_command(args: argparse.Namespace) -> int:
    result = run(config_from(args))
    if result.answer is not None:
        print(result.answer)
    print(f"run record: {result.run_dir}", file=sys.stderr)
    return 0 if result.ok else 1


def doctor_command(args: argparse.Namespace) -> int:
    settings = DoctorSettings(
        model_url=args.model_url,
        model=args.model,
        api_key=args.api_key,
        history_images=args.history_images,
        max_tokens=args.max_tokens,
    )
    return 0 if diagnose(settings) else 1


def bench_command(args: argparse.Namespace) -> int:
    from tasks.bench import BenchSettings, run_suite
    from tasks.osworld.index import SuiteOptions, list_suite

    osworld = SuiteOptions(tuple(args.domain), args.cache or args.out / "cache", fetch=True)
    if args.list:
        return list_suite(args.suite, osworld)
    settings = BenchSettings(
        args.suite, args.out, args.workers, args.oracle, args.model_url, args.model,
        args.api_key, args.resume, args.task_timeout, osworld,
    )  # fmt: skip
    records = run_suite(settings)
    return 0 if records and all(r["score"] >= 1.0 for r in records) else 1


def mcp_command(args: argparse.Namespace) -> int:
    from tools.serve import ServeSettings
    from tools.serve import serve as serve_mcp

    serve_mcp(ServeSettings(args.server, args.root, args.http, args.display, args.screen))
    return 0


def android_command(args: argparse.Namespace) -> int:
    return serve_phone(args)


COMMANDS = {
    "run": run_command,
    "serve": serve_command,
    "view": view_command,
    "doctor": doctor_command,
    "bench": bench_command,
    "mcp": mcp_command,
    "android": android_command,
}


def main(argv: list[str] | None = None) -> int:
    root = parser()
    try:
        settings = config.load(root.run_parser, config.config_files())  # type: ignore[attr-defined]
    except AgentError as exc:
        print(f"agent: {exc}", file=sys.stderr)
        return 2
    config.apply(root.run_parser, settings)  # type: ignore[attr-defined]
    args = root.parse_args(argv)
    if args.command == "config":
        print(config.show(settings))
        return 0
    if args.command == "run" and not (args.task or args.resume):
        root.error("agent run needs a TASK, or --resume RUN_DIR")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return COMMANDS[args.command](args)
    except AgentError as exc:
        print(f"agent: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("agent: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
