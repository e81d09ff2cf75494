"""`dumpsys SERVICE`: the lines clients parse, in the shape Android 14 prints them.

- window: `mCurrentFocus=Window{5e9b13b u0 PKG/PKG.Activity}` and
  `mFocusedApp=ActivityRecord{a646676 u0 PKG/.Activity t12}` (adbutils' app_current).
- activity activities / top: `mResumedActivity: ActivityRecord{...}`, `ACTIVITY PKG/.A ... pid=`.
- display: the first `orientation=N` is the DisplayViewport's (adbutils' rotation()); input:
  `SurfaceOrientation: N`.
- SurfaceFlinger --display-id, battery, power, package PKG, wifi.
"""

from __future__ import annotations

import zlib

from environments.android.virtual_phone import packages
from environments.android.virtual_phone.commands.base import Command
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.result import ShellResult, ok
from environments.android.virtual_phone.system_ui import BATTERY_LEVEL, LAUNCHER

DISPLAY_ID = "4619827259835644672"


def display_ids(handset: Handset) -> list[str]:
    """SurfaceFlinger's physical display ids, the built-in screen first."""
    return [str(int(DISPLAY_ID) + n) for n in range(handset.quirks.displays)]


def _hash(text: str) -> str:
    return f"{zlib.crc32(text.encode()) & 0xFFFFFFF:07x}"


def _task(handset: Handset, package: str) -> int:
    names = [LAUNCHER, *handset.apps]
    return 10 + (names.index(package) if package in names else len(names))


def _records(handset: Handset) -> tuple[str, str, str]:
    """The focused window, its activity record and full class name."""
    package, activity = handset.current()
    app = handset.find_app(package)
    full = app.activity_class if app else package + activity
    window = f"Window{{{_hash(full)} u0 {package}/{full}}}"
    task = _task(handset, package)
    record = f"ActivityRecord{{{_hash(activity + package)} u0 {package}/{activity} t{task}}}"
    return window, record, full


def window(handset: Handset, _args: list[str]) -> str:
    focus, record, _ = _records(handset)
    width, height = handset.size
    orientation = "land" if handset.rotation % 2 else "port"
    flags = "LAYOUT_IN_SCREEN LAYOUT_INSET_DECOR SPLIT_TOUCH HARDWARE_ACCELERATED"
    if handset.current()[0] in handset.quirks.secure:
        flags = "SECURE " + flags
    current = focus
    if handset.focus_null > 0:
        handset.focus_null -= 1
        current = "null"
    return (
        "WINDOW MANAGER WINDOWS (dumpsys window windows)\n"
        f"  Window #0 {focus}:\n"
        f"    mDisplayId=0 rootTaskId={_task(handset, handset.current()[0])} "
        "mSession=Session{6b2f1 4321:u0a10123}\n"
        "    mAttrs={(0,0)(fillxfill) sim={adjust=resize forwardNavigation} ty=BASE_APPLICATION "
        "fmt=TRANSPARENT wanim=0x10302f8\n"
        f"      fl={flags}\n"
        "      pfl=NO_MOVE_ANIMATION FORCE_DRAW_STATUS_BAR_BACKGROUND}\n"
        f"    Requested w={width} h={height} mLayoutSeq=312\n"
        "  Window #1 Window{3c1a9e0 u0 StatusBar}:\n"
        "    mDisplayId=0 rootTaskId=1 mSession=Session{c0ffee1 1234:u0a10087}\n"
        "  Window #2 Window{8d2e4f7 u0 NavigationBar0}:\n"
        "    mDisplayId=0 rootTaskId=1 mSession=Session{c0ffee1 1234:u0a10087}\n"
        "\n"
        f"  mGlobalConfiguration={{1.0 ?mcc?mnc [en_US] ldltr sw411dp {orientation} finger}}\n"
        "  mHasPermanentDpad=false\n"
        "  mTopFocusedDisplayId=0\n"
        f"  mCurrentFocus={current}\n"
        f"  mFocusedApp={record}\n"
    )


def activity(handset: Handset, args: list[str]) -> str:
    _, record, _ = _records(handset)
    package, short = handset.current()
    task = _task(handset, package)
    if args[:1] == ["top"]:
        return (
            "TASK dumpsys activity top\n"
            f"TASK 10123:{package} id={task} userId=0\n"
            f"  ACTIVITY {package}/{short} {_hash(short)} pid={4000 + task}\n"
        )
    return (
        "ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)\n"
        "Display #0 (activities from top to bottom):\n"
        f"  * Task{{{_hash(package)} #{task} type=standard A=10123:{package} U=0 visible=true "
        "mode=fullscreen translucent=false sz=1}\n"
        + (
            f"    topResumedActivity={record}\n"
            if handset.quirks.sdk >= 31
            else f"    mResumedActivity: {record}\n"
        )
        + f"    * Hist  #0: {record}\n"
        "\n"
        f"  ResumedActivity: {record}\n"
    )


def _viewport(handset: Handset, number: int = 0) -> str:
    width, height = handset.size
    unique = display_ids(handset)[number]
    return (
        f"DisplayViewport{{type=INTERNAL, valid=true, isActive=true, displayId={number}, "
        f"uniqueId='local:{unique}', physicalPort={number}, orientation={handset.rotation}, "
        f"logicalFrame=Rect(0, 0 - {width}, {height}), physicalFrame=Rect(0, 0 - {width}, "
        f"{height}), deviceWidth={width}, deviceHeight={height}}}"
    )


def display(handset: Handset, _args: list[str]) -> str:
    natural_width, natural_height = handset.natural_size
    width, height = handset.size
    viewports = ", ".join(_viewport(handset, n) for n in range(handset.quirks.displays))
    return (
        "DISPLAY MANAGER (dumpsys display)\n"
        "  mOnlyCore=false\n"
        "  mSafeMode=false\n"
        f"  mViewports=[{viewports}]\n"
        "\n"
        "Display Devices: size=1\n"
        f'  DisplayDeviceInfo{{"Built-in Screen": uniqueId="local:{DISPLAY_ID}", '
        f"{natural_width} x {natural_height}, modeId 1, density {handset.density}}}\n"
        "Logical Displays: size=1\n"
        "  Display 0:\n"
        '    mBaseDisplayInfo=DisplayInfo{"Built-in Screen", displayId 0, '
        f"real {width} x {height}, rotation {handset.rotation}, density {handset.density}}}\n"
    )


def input_(handset: Handset, _args: list[str]) -> str:
    width, height = handset.size
    natural_width, natural_height = handset.natural_size
    return (
        "INPUT MANAGER (dumpsys input)\n\n"
        "Input Reader State (Nums of device: 1):\n"
        "  Device 2: virtual_touchscreen\n"
        "    Touch Input Mapper (mode - DIRECT):\n"
        f"      Viewport INTERNAL: displayId=0, uniqueId=local:{DISPLAY_ID}, port=0, "
        f"orientation={handset.rotation}, logicalFrame=[0, 0, {width}, {height}], "
        f"physicalFrame=[0, 0, {width}, {height}], deviceSize=[{natural_width}, "
        f"{natural_height}], isActive=[true]\n"
        f"      SurfaceWidth: {width}px\n"
        f"      SurfaceHeight: {height}px\n"
        f"      SurfaceOrientation: {handset.rotation}\n"
    )


def package(handset: Handset, args: list[str]) -> str:
    found = packages.find(handset, args[0]) if args else None
    if found is None:
        return "Dexopt state:\n  Unable to find package\n"
    flags = (
        "SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA"
        if found.system
        else "HAS_CODE ALLOW_CLEAR_USER_DATA"
    )
    return (
        "Packages:\n"
        f"  Package [{found.name}] ({_hash(found.name)}):\n"
        "    userId=10123\n"
        f"    codePath={found.path.rsplit('/', 1)[0]}\n"
        "    versionCode=34 minSdk=29 targetSdk=34\n"
        "    versionName=14\n"
        f"    pkgFlags=[ {flags} ]\n"
        "    timeStamp=2024-01-05 00:00:00\n"
        "    firstInstallTime=2024-01-05 00:00:00\n"
        "    lastUpdateTime=2024-01-05 00:00:00\n"
    )


def battery(_handset: Handset, _args: list[str]) -> str:
    return (
        "Current Battery Service state:\n  AC powered: false\n  USB powered: true\n"
        "  Wireless powered: false\n  Max charging current: 500000\n"
        "  Max charging voltage: 5000000\n  Charge counter: 2550000\n  status: 2\n"
        f"  health: 2\n  present: true\n  level: {BATTERY_LEVEL}\n  scale: 100\n"
        "  voltage: 4200\n  temperature: 250\n  technology: Li-ion\n"
    )


def power(_handset: Handset, _args: list[str]) -> str:
    return (
        "POWER MANAGER (dumpsys power)\n\nPower Manager State:\n  mWakefulness=Awake\n"
        "  mHoldingDisplaySuspendBlocker=true\n  mDisplayReady=true\n"
    )


def wifi(handset: Handset, _args: list[str]) -> str:
    return "Wi-Fi is enabled\n" if handset.settings.wifi else "Wi-Fi is disabled\n"


def surface_flinger(handset: Handset, args: list[str]) -> str:
    if "--display-id" in args:
        return "".join(
            f'Display {unique} (HWC display {n}): port={n} pnpId=GGL displayName="Virtual Phone"\n'
            for n, unique in enumerate(display_ids(handset))
        )
    return "SurfaceFlinger (virtual phone)\n"


SERVICES = {
    "window": window,
    "activity": activity,
    "display": display,
    "input": input_,
    "package": package,
    "battery": battery,
    "power": power,
    "wifi": wifi,
    "SurfaceFlinger": surface_flinger,
}


def dumpsys(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    if not args or args[0] == "-l":
        return ok("Currently running services:\n" + "".join(f"  {s}\n" for s in sorted(SERVICES)))
    service = SERVICES.get(args[0])
    if service is None:
        return ok(f"Can't find service: {args[0]}\n")
    return ok(service(handset, args[1:]))


COMMANDS = {"dumpsys": Command(dumpsys, pure=True)}
