"""The framework's own time per step, side by side with the common peer pipeline.

Ours: observe (mss) + resize + encode + request build + parse + execute (pyautogui), the model
excluded. Peer: screenshot with scrot to a PNG file + base64 of the full PNG + the same request
build and parse + execute with xdotool, followed by a fixed 2 s wait. Both run interleaved on the
same private Xvfb display, one display size per child process.

    .venv/bin/python bench/step_overhead.py [--steps 30] [--sizes 1280x800 1920x1080]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from agent import actions as A  # noqa: E402
from agent.builder import family_for  # noqa: E402
from agent.families.base import AssistantEntry, Family, UserEntry  # noqa: E402
from agent.imaging import EncodedImage  # noqa: E402
from agent.model import ModelClient, ModelSettings  # noqa: E402
from agent.turn import ModelTurn  # noqa: E402
from environments.base import Observation  # noqa: E402

PEER_FIXED_WAIT = 2.0
REPLY = (
    'Thought: click it.\n<tool_call>\n{"name": "computer_use", "arguments": '
    '{"action": "left_click", "coordinate": [%d, 500]}}\n</tool_call>'
)


CLIENT = ModelClient(ModelSettings(model="Qwen/Qwen3-VL-8B-Thinking"))


def _request(protocol: Family, entries: list, screen: tuple[int, int]) -> bytes:
    fields = protocol.request_fields()
    body = CLIENT.request_body(protocol.render(entries), protocol.tools(screen), fields)
    return json.dumps(body).encode()


def _parse(protocol: Family, observation, step: int) -> A.Action:
    text = REPLY % (100 + step % 5)
    turn = protocol.read_turn(ModelTurn(content=text, text=text), protocol.tools(observation.size))
    result = protocol.parse(turn, observation)
    assert result.error is None, result.error
    return result.calls[0].action


def ours(env, protocol, entries, step: int) -> dict[str, float]:
    times = {}
    clock = time.perf_counter()
    observation = env.observe()
    times["observe"] = time.perf_counter() - clock
    clock = time.perf_counter()
    image = protocol.encode(observation)
    times["encode"] = time.perf_counter() - clock
    clock = time.perf_counter()
    entries.append(UserEntry(image=image))
    _request(protocol, entries[-4:], observation.size)
    action = _parse(protocol, observation, step)
    times["request+parse"] = time.perf_counter() - clock
    result = env.execute(A.Move(action.x, action.y))  # type: ignore[union-attr]
    times["execute"] = result.act_seconds
    times["settle"] = result.settle_seconds
    entries.append(AssistantEntry("", (), ()))
    return times


def peer(env, protocol, screen: tuple[int, int], step: int, folder: Path) -> dict[str, float]:
    times = {}
    path = folder / "screen.png"
    clock = time.perf_counter()
    subprocess.run(["scrot", "-o", str(path)], env=env.display.env, check=True)
    data = path.read_bytes()
    times["observe"] = time.perf_counter() - clock
    clock = time.perf_counter()
    image = EncodedImage(data, "png", screen)
    base64.b64encode(data)
    times["encode"] = time.perf_counter() - clock
    clock = time.perf_counter()
    _request(protocol, [protocol.first_entry("task", image)], screen)

    observation = Observation(Image.new("RGB", screen), pointer=(0, 0))
    action = _parse(protocol, observation, step)
    times["request+parse"] = time.perf_counter() - clock
    clock = time.perf_counter()
    subprocess.run(
        ["xdotool", "mousemove", str(action.x), str(action.y)],  # type: ignore[union-attr]
        env=env.display.env,
        check=True,
    )
    times["execute"] = time.perf_counter() - clock
    return times


def child(width: int, height: int, steps: int) -> dict[str, object]:
    from environments.desktop import DesktopEnvironment, DesktopSettings

    protocol = family_for("Qwen/Qwen3-VL-8B-Thinking")
    with (
        DesktopEnvironment(DesktopSettings(screen=(width, height))) as env,
        tempfile.TemporaryDirectory() as folder,
    ):
        env.launch(["xterm", "-geometry", "100x30+50+50", "-e", "top"])
        time.sleep(1.0)
        entries = [protocol.first_entry("task", protocol.encode(env.observe()))]
        rows_ours, rows_peer = [], []
        for step in range(steps):
            rows_ours.append(ours(env, protocol, entries, step))
            rows_peer.append(peer(env, protocol, (width, height), step, Path(folder)))
    return {"ours": rows_ours, "peer": rows_peer}


def median_ms(rows: list[dict[str, float]], key: str | None = None, skip=("settle",)) -> float:
    if key is not None:
        return statistics.median(r[key] for r in rows) * 1000
    return statistics.median(sum(v for k, v in r.items() if k not in skip) for r in rows) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--sizes", nargs="+", default=["1280x800", "1920x1080"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        width, height = map(int, args.child.split("x"))
        print(json.dumps(child(width, height, args.steps)))
        return
    print(f"median per step over {args.steps} steps, milliseconds (model time excluded)\n")
    header = f"{'screen':>10} {'pipeline':>8} {'observe':>8} {'encode':>7} {'req+parse':>9} "
    print(header + f"{'execute':>8} {'total':>7} {'settle':>7}")
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", size, "--steps", str(args.steps)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        data = json.loads(out.strip().splitlines()[-1])
        for name in ("ours", "peer"):
            rows = data[name]
            settle = f"{median_ms(rows, 'settle'):7.1f}" if name == "ours" else f"{'2000*':>7}"
            print(
                f"{size:>10} {name:>8} {median_ms(rows, 'observe'):8.1f} "
                f"{median_ms(rows, 'encode'):7.1f} {median_ms(rows, 'request+parse'):9.1f} "
                f"{median_ms(rows, 'execute'):8.1f} {median_ms(rows):7.1f} {settle}"
            )
        ours_total, peer_total = median_ms(data["ours"]), median_ms(data["peer"])
        ours_settled = ours_total + median_ms(data["ours"], "settle")
        peer_waited = peer_total + PEER_FIXED_WAIT * 1000
        print(
            f"{size:>10} ratio peer/ours excluding settle and fixed wait: "
            f"{peer_total / ours_total:.1f}x; with settle vs the fixed 2 s wait: "
            f"{peer_waited / ours_settled:.0f}x"
        )
    print("\n* the peer pipeline sleeps a fixed 2 s after every action instead of settling")


if __name__ == "__main__":
    main()
