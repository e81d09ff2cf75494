"""`agent android virtual-phone`: serve a virtual phone until stopped, optionally attached.

agent android virtual-phone --port 15555 --connect
agent run "turn on airplane mode" --env android --device 127.0.0.1:15555
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from environments.android.virtual_phone.quirks import Quirks

DEFAULT_PORT = 15555


def add_phone_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="TCP port (default %(default)s; 0: any)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--connect", action="store_true", help="attach it to the adb server (`adb connect`)"
    )
    parser.add_argument("--adb-port", type=int, help="the adb server's port (default: 5037)")
    parser.add_argument(
        "--no-adb-keyboard", action="store_true", help="a phone without the ADB Keyboard IME"
    )
    parser.add_argument("--size", default="1080x2400", help="screen WxH (default %(default)s)")
    quirks = parser.add_argument_group("behaviours of real phones (see virtual_phone/quirks.py)")
    quirks.add_argument(
        "--adb-keyboard-enabled",
        action="store_true",
        help="the ADB Keyboard starts enabled (default: installed but not enabled)",
    )
    quirks.add_argument("--sdk", type=int, default=34, help="API level; 29 plays Android 10")
    quirks.add_argument("--displays", type=int, default=1, help="number of displays")
    quirks.add_argument(
        "--dump-failures", type=int, default=0, help="the first N uiautomator dumps fail"
    )
    quirks.add_argument(
        "--focus-null",
        type=int,
        default=1,
        help="dumpsys window shows mCurrentFocus=null N times after an app starts (default 1)",
    )
    quirks.add_argument(
        "--secure",
        action="append",
        default=[],
        metavar="PACKAGE",
        help="an app whose windows have FLAG_SECURE (repeatable)",
    )
    quirks.add_argument(
        "--bandwidth",
        type=float,
        metavar="MB/S",
        help="deliver data no faster than this (e.g. 25 for USB 2.0 adb); default: loopback",
    )


def quirks_from(args: argparse.Namespace) -> Quirks:
    from environments.android.virtual_phone.quirks import Quirks

    return Quirks(
        adb_keyboard_enabled=args.adb_keyboard_enabled,
        sdk=args.sdk,
        displays=args.displays,
        dump_failures=args.dump_failures,
        focus_null=args.focus_null,
        secure=frozenset(args.secure),
        bandwidth=args.bandwidth * 1e6 if args.bandwidth else None,
    )


def serve_phone(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from environments.android.device import AdbSettings, adb_client
    from environments.android.virtual_phone import Phone
    from environments.android.virtual_phone.adbd import VirtualPhoneServer

    width, height = (int(v) for v in args.size.lower().split("x"))
    phone = Phone(width, height, adb_keyboard=not args.no_adb_keyboard, quirks=quirks_from(args))
    server = VirtualPhoneServer(phone, args.host, args.port).start()
    print(f"virtual phone ({width}x{height}) listening on {server.address}", flush=True)
    if not ipaddress.ip_address(server.host).is_loopback:
        print(
            f"WARNING: {server.host} is not a loopback address: any host that reaches this port "
            "can drive the phone (only loopback connections are checked for their user)",
            file=sys.stderr,
            flush=True,
        )
    client = None
    try:
        if args.connect:
            settings = AdbSettings()
            if args.adb_port:
                settings = replace(settings, port=args.adb_port)
            client = adb_client(settings)
            print(f"adb: {client.connect(server.address, timeout=10)}", flush=True)
        else:
            print(f"attach it with: adb connect {server.address}", flush=True)
        print("stop it with Ctrl-C", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        if client is not None:
            client.disconnect(server.address)
        server.close()
    return 0
