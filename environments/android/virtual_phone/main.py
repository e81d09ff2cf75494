"""`agent android virtual-phone`: serve a virtual phone until stopped, optionally attached.

agent android virtual-phone --port 15555 --connect
agent run "turn on airplane mode" --env android --device 127.0.0.1:15555
"""

from __future__ import annotations

import argparse
import threading

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


def serve_phone(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from environments.android.device import AdbSettings, adb_client
    from environments.android.virtual_phone import Phone
    from environments.android.virtual_phone.adbd import VirtualPhoneServer

    width, height = (int(v) for v in args.size.lower().split("x"))
    phone = Phone(width, height, adb_keyboard=not args.no_adb_keyboard)
    server = VirtualPhoneServer(phone, args.host, args.port).start()
    print(f"virtual phone ({width}x{height}) listening on {server.address}", flush=True)
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
