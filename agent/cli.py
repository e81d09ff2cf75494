"""The `agent` command. Thin: it turns flags (and agent.toml) into Settings and calls the
library. Modules a command needs are imported by that command only, so start-up stays small."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from agent import config, options
from agent.errors import AgentError, Interrupted
from agent.options import positive, screen_size

if TYPE_CHECKING:
    from agent.settings import Settings


RUN_DESCRIPTION = """\
Carry out one task, given in plain words, on a private virtual desktop (or an Android phone):
the model sees the screen, and its clicks and keys are played there until it answers. The
record of every step goes under --out. Files: the built-in file tools work in a workspace/
folder of the working directory if there is one, else in the working directory (never your
home folder unless --workspace names it)."""

RUN_EXAMPLES = """\
examples:
  agent run "open the text editor and write a haiku about autumn"
  agent run "summarize CSVs in workspace" --model-url http://gpu-box:8000/v1"""


def _bench_arguments(bench: argparse.ArgumentParser) -> None:
    bench.add_argument("--oracle", action="store_true", help="play each task's reference solution")
    bench.add_argument("--workers", type=positive(int), default=1, help="tasks at once (here)")
    bench.add_argument(
        "--out", type=Path, default=Path("bench-results"), help="results.json and trajectories"
    )
    bench.add_argument(
        "--resume", action="store_true", help="skip tasks in results.json; rerun errors"
    )
    bench.add_argument(
        "--task-timeout", type=positive(float), default=900.0, help="seconds per task (900)"
    )
    bench.add_argument("--task", action="append", default=[], metavar="ID", help="only this task")
    bench.add_argument("-k", metavar="PATTERN", help="only tasks whose id contains (or matches) it")
    bench.add_argument(
        "--rollouts", type=positive(int), default=1, help="attempts per task: pass@1, pass@K"
    )
    bench.add_argument("--ray", metavar="ADDRESS|auto", help="run on this Ray cluster")
    bench.add_argument(
        "--shared-out", action="store_true", help="with --ray: every node mounts --out there"
    )
    bench.add_argument(
        "--node-retries", type=int, default=2, help="with --ray: reruns of a lost node's task"
    )
    bench.add_argument(
        "--list",
        action="store_true",
        help="OSWorld suites: what runs here, and why not",
    )
    bench.add_argument(
        "--domain",
        action="append",
        default=[],
        help="OSWorld suites: only this domain (again for more)",
    )
    bench.add_argument(
        "--cache", type=Path, help="OSWorld suites: the download cache (default OUT/cache)"
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="agent", description="Operate a computer or a phone with a self-hosted VL model."
    )
    commands = root.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser(
        "run",
        help="carry out one task on a virtual desktop or a phone",
        usage="%(prog)s TASK [options]\n       %(prog)s --resume RUN_DIR [options]",
        description=f"{RUN_DESCRIPTION}\n\n{RUN_EXAMPLES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("task", nargs="?", help="what to do, in plain words")
    options.add_options(cmd, options.RUN)
    config_cmd = commands.add_parser("config", help="show the settings agent run would use")
    config_cmd.add_argument("action", choices=["show"])
    options.add_options(config_cmd, options.CONFIG)
    mcp_cmd = commands.add_parser("mcp", help="serve our tools to other MCP clients")
    mcp_sub = mcp_cmd.add_subparsers(dest="mcp_command", required=True)
    mcp_serve = mcp_sub.add_parser("serve", help="run one of our MCP servers")
    mcp_serve.add_argument("server", choices=["filesystem", "computer", "apps"])
    mcp_serve.add_argument(
        "--root", type=Path, help="the workspace a filesystem server is rooted at"
    )
    mcp_serve.add_argument("--http", metavar="HOST:PORT", help="streamable HTTP instead of stdio")
    mcp_serve.add_argument("--display", help="attach to this X display instead of a private one")
    mcp_serve.add_argument("--screen", type=screen_size, default=options.DEFAULT_SCREEN)
    bench = commands.add_parser("bench", help="run a task suite and score it")
    bench.add_argument("suite", type=Path, help="a folder of task files (or one task file)")
    _bench_arguments(bench)
    options.add_options(bench, options.BENCH)
    doctor = commands.add_parser("doctor", help="check the set-up and the model server")
    options.add_options(doctor, options.DOCTOR)
    commands.add_parser(
        "families", help="list the model families, their presets and their --family-option"
    )
    view = commands.add_parser("view", help="write a self-contained HTML report of a run")
    view.add_argument("run_dir", type=Path, help="a run directory (runs/<run-id>)")
    view.add_argument("--no-open", action="store_true", help="do not open it in a browser")
    android = commands.add_parser("android", help="Android helpers")
    android_sub = android.add_subparsers(dest="android_command", required=True)
    android_sub.add_parser(
        "virtual-phone",
        help="serve a virtual phone that `adb connect` attaches (for tests); "
        "`agent android virtual-phone --help` lists its options",
        add_help=False,
    )
    serve_cmd = commands.add_parser(
        "serve", help="print (or run) the vllm serve command for a model"
    )
    serve_cmd.add_argument("preset", nargs="?", help="a preset name; see --list")
    serve_cmd.add_argument("--list", action="store_true", help="list the presets")
    serve_cmd.add_argument("--exec", action="store_true", help="run vLLM (needs the vllm extra)")
    serve_cmd.add_argument("--tp", type=positive(int), help="override the tensor-parallel size")
    serve_cmd.add_argument("--port", type=positive(int), default=8000)
    serve_cmd.add_argument("--history-images", type=positive(int), default=3)
    root.command_parsers = {  # type: ignore[attr-defined]
        "run": cmd,
        "config": config_cmd,
        "bench": bench,
        "doctor": doctor,
    }
    return root


def serve_command(args: argparse.Namespace) -> int:
    from agent import serve

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


class Terminated(Interrupted):
    """SIGTERM: the run ends as Ctrl-C ends it (recorded, display closed), and says so."""

    how = "SIGTERM"


_SIGNALS: list[str] = []  # the signals that stopped this process, for its last message


def _stop_on_sigterm(signum: int, frame: object) -> None:
    _SIGNALS.append("SIGTERM")
    raise Terminated


def families_command(args: argparse.Namespace) -> int:
    from agent.families import families

    for spec in families():
        aliases = f" (also {', '.join(spec.aliases)})" if spec.aliases else ""
        print(f"{spec.name}{aliases}: {spec.description}")
        print(f"  acts on: {', '.join(spec.environments)}")
        print(f"  presets: {', '.join(spec.presets().presets)}")
        for option in spec.options:
            print(f"  --family-option {option.describe()}")
    return 0


def view_command(args: argparse.Namespace) -> int:
    import webbrowser

    from agent.report import render_report

    path = render_report(args.run_dir)
    print(path)
    if not args.no_open:
        webbrowser.open(path.resolve().as_uri())
    return 0


def screenshot_only(settings: Settings) -> Path:
    """A screenshot of the fresh environment, saved under the run records' folder."""
    from agent.builder import build_environment

    out = settings.recording.out
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"screen-{time.strftime('%Y%m%d-%H%M%S')}.png"
    with build_environment(settings.environment) as environment:
        environment.observe().image.save(path)
    return path


FINISHED = ("success", "failure")  # the model ended these runs itself: nothing to continue


def _check_resume(run_dir: Path) -> None:
    import json

    result = run_dir / "result.json"
    if not result.exists():
        return
    status = json.loads(result.read_text()).get("status")
    if status in FINISHED:
        raise AgentError(
            f"{run_dir} has finished ({status}): there is nothing to resume; start a new run "
            "with agent run TASK"
        )


def _with_workspace(settings: Settings, say: bool = False) -> Settings:
    """The settings with the default workspace of this working directory filled in."""
    from agent.workspace import choose

    chosen = choose(settings.tools.workspace, Path.cwd(), Path.home())
    if chosen.root is None and say:
        print(f"note: no workspace: {chosen.why}", file=sys.stderr)
    sources = {} if settings.tools.workspace else {"workspace": chosen.why}
    return settings.with_values({"workspace": chosen.root}).with_sources(sources)


def run_command(args: argparse.Namespace, sources: dict[str, str]) -> int:
    from agent.runner import run

    settings = options.settings_from(args, sources)
    if args.resume is not None:
        _check_resume(args.resume)
    elif not args.screenshot_only:
        settings = _with_workspace(settings, say=True)
    if args.screenshot_only:
        where = screenshot_only(settings)
        print(f"screenshot of the fresh {settings.environment.env}: {where}")
        return 0
    result = run(settings)
    if result.answer is not None:
        print(result.answer)
    print(f"run record: {result.run_dir}", file=sys.stderr)
    if result.status == "interrupted":
        how = _SIGNALS[-1] if _SIGNALS else "Ctrl-C"
        print(
            f"agent: stopped by {how}; continue with: agent run --resume "
            f"{shlex.quote(str(result.run_dir))}",
            file=sys.stderr,
        )
        return 1
    return 0 if result.ok else 1


def doctor_command(args: argparse.Namespace, sources: dict[str, str]) -> int:
    from agent.doctor import diagnose

    return 0 if diagnose(options.settings_from(args, sources, task="")) else 1


def bench_command(args: argparse.Namespace, sources: dict[str, str]) -> int:
    from tasks.bench import BenchSettings, RayOptions, Selection, WorkerOptions, run_suite
    from tasks.osworld.index import SuiteOptions, list_suite

    osworld = SuiteOptions(tuple(args.domain), args.cache or args.out / "cache", fetch=True)
    if args.list:
        return list_suite(args.suite, osworld)
    agent = options.settings_from(args, sources, task="")
    worker = WorkerOptions(
        args.oracle, agent.model.model_url, agent.model.model, agent.model.api_key,
        args.task_timeout, agent.to_json(), osworld.cache,
    )  # fmt: skip
    settings = BenchSettings(
        suite=args.suite,
        out=args.out,
        worker=worker,
        workers=args.workers,
        resume=args.resume,
        rollouts=args.rollouts,
        selection=Selection(tuple(args.task), args.k),
        ray=RayOptions(args.ray, args.shared_out, args.node_retries) if args.ray else None,
        osworld=osworld,
    )
    result = run_suite(settings)
    return 130 if result.interrupted else 0 if result.ok else 1


def config_command(args: argparse.Namespace, sources: dict[str, str]) -> int:
    from agent.show import show

    settings = _with_workspace(options.settings_from(args, sources, task=""))
    print(show(settings, {**sources, **settings.sources}))
    return 0


def mcp_command(args: argparse.Namespace) -> int:
    from tools.serve import ServeSettings
    from tools.serve import serve as serve_mcp

    serve_mcp(ServeSettings(args.server, args.root, args.http, args.display, args.screen))
    return 0


def android_command(args: argparse.Namespace) -> int:
    from environments.android.virtual_phone.main import add_phone_arguments, serve_phone

    phone = argparse.ArgumentParser(prog="agent android virtual-phone")
    add_phone_arguments(phone)
    return serve_phone(phone.parse_args(args.phone_args))


COMMANDS = {
    "run": run_command,
    "doctor": doctor_command,
    "bench": bench_command,
    "config": config_command,
}
PLAIN_COMMANDS = {
    "families": families_command,
    "serve": serve_command,
    "view": view_command,
    "mcp": mcp_command,
    "android": android_command,
}


def main(argv: list[str] | None = None) -> int:
    root = parser()
    parsers: dict[str, argparse.ArgumentParser] = root.command_parsers  # type: ignore[attr-defined]
    try:
        files = config.load_all(parsers, config.config_files())
    except AgentError as exc:
        print(f"agent: {exc}", file=sys.stderr)
        return 2
    for command_parser in parsers.values():
        config.apply(command_parser, files)
    args, extra = root.parse_known_args(argv)
    if args.command == "android":  # the virtual phone parses its own options, lazily
        args.phone_args = extra
    elif extra:
        root.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "run" and not (args.task or args.resume or args.screenshot_only):
        parsers["run"].error("agent run needs a TASK, or --resume RUN_DIR")
    if args.command == "run" and args.task and args.resume:
        parsers["run"].error(
            f"--resume continues the recorded task of {args.resume}; drop {args.task!r}, "
            "or start a new run without --resume"
        )
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        if args.command in COMMANDS:
            sources = config.sources(parsers[args.command], args, files)
            return COMMANDS[args.command](args, sources)
        return PLAIN_COMMANDS[args.command](args)
    except AgentError as exc:
        print(f"agent: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        how = _SIGNALS[-1] if _SIGNALS else "Ctrl-C"
        print(f"agent: interrupted by {how}", file=sys.stderr)
        return 143 if _SIGNALS else 130


if __name__ == "__main__":
    sys.exit(main())
