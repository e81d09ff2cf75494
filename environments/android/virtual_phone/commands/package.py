"""`pm` / `cmd package`: package listings, APK paths, launcher activities, clearing app data."""

from __future__ import annotations

from environments.android.virtual_phone import packages
from environments.android.virtual_phone.commands.base import Command, options
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.result import ShellResult, fail, ok
from environments.android.virtual_phone.system_ui import LAUNCHER, LAUNCHER_ACTIVITY

_RESOLVE_INFO = "priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=false"


def list_packages(handset: Handset, args: list[str]) -> ShellResult:
    flags, _, rest = options(args, frozenset({"--user", "--uid"}))
    lines = []
    for package in packages.installed(handset):
        if ("-3" in flags and package.system) or ("-s" in flags and not package.system):
            continue
        if rest and rest[0] not in package.name:
            continue
        path = f"{package.path}=" if "-f" in flags else ""
        lines.append(f"package:{path}{package.name}\n")
    return ok("".join(lines))


def path(handset: Handset, args: list[str]) -> ShellResult:
    _, _, rest = options(args, frozenset({"--user"}))
    package = packages.find(handset, rest[0]) if rest else None
    if package is None:
        return ShellResult(b"", b"", 1)
    return ok(f"package:{package.path}\n")


def _components(handset: Handset, args: list[str]) -> list[str]:
    """Components matching an intent given as -a/-c options and an optional package."""
    _, values, rest = options(args, frozenset({"-a", "-c", "--user"}))
    categories = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "-c"]
    if values.get("-a", "android.intent.action.MAIN") != "android.intent.action.MAIN":
        return []
    if "android.intent.category.HOME" in categories:
        found = [f"{LAUNCHER}/{LAUNCHER_ACTIVITY}"]
    else:
        found = [app.component for app in handset.launchable()]
    if rest:
        found = [c for c in found if c.split("/", 1)[0] == rest[-1]]
    return found


def resolve_activity(handset: Handset, args: list[str]) -> ShellResult:
    found = _components(handset, args)
    if not found:
        return ok("No activity found\n")
    if "--brief" in args or "--components" in args:
        return ok(f"{_RESOLVE_INFO}\n{found[0]}\n")
    package, _, activity = found[0].partition("/")
    return ok(
        f"Activity Resolver Table:\n  {found[0]}\n    packageName={package}\n    name={activity}\n"
    )


def query_activities(handset: Handset, args: list[str]) -> ShellResult:
    found = _components(handset, args)
    if "--components" in args:
        return ok("".join(f"{c}\n" for c in found))
    if not found:
        return ok("No activities found\n")
    lines = [f"{len(found)} activities found:"]
    for index, component in enumerate(found):
        lines += [f"  Activity #{index}:", f"    {_RESOLVE_INFO}", f"    {component}"]
    return ok("\n".join(lines) + "\n")


def clear(handset: Handset, args: list[str]) -> ShellResult:
    app = handset.find_app(args[-1]) if args else None
    if app is None:
        return fail("Failed\n", 1, "")
    handset.force_stop(app.package)
    app.reset()
    handset.changed()
    return ok("Success\n")


def _refuse(_handset: Handset, _args: list[str]) -> ShellResult:
    return fail("Failure [INSTALL_FAILED_USER_RESTRICTED: this virtual phone installs no apps]\n")


_SUBCOMMANDS = {
    "list": lambda h, a: list_packages(h, a[1:]) if a[:1] == ["packages"] else _unknown(a),
    "path": path,
    "resolve-activity": resolve_activity,
    "query-activities": query_activities,
    "clear": clear,
    "install": _refuse,
    "install-create": _refuse,
    "uninstall": _refuse,
}


def _unknown(args: list[str]) -> ShellResult:
    return fail(f"Unknown command: list {' '.join(args)}\n", 255)


def pm(handset: Handset, args: list[str], _stdin: bytes = b"") -> ShellResult:
    if not args:
        return fail("Package manager (package) commands:\n  list packages\n  path\n  clear\n", 255)
    handler = _SUBCOMMANDS.get(args[0])
    if handler is None:
        return fail(f"Unknown command: {args[0]}\n", 255)
    return handler(handset, args[1:])


COMMANDS = {"pm": Command(pm)}
