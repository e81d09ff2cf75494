"""A stand-in for a vLLM OpenAI-compatible server whose "model" answers from a script.

It answers the way vLLM does for a given configuration (`VLLMConfig`: reasoning parser and the
field it fills, tool parser, how the model writes tool calls, image limit, context length), so
tests can cover every setup a user may run, and a reference solution can be played through the
real HTTP path without a GPU:

    with ScriptedModelServer([ScriptedTurn(content="Hello")]) as server:
        client = openai.OpenAI(base_url=server.url, api_key="x")

Routes: POST /v1/chat/completions (JSON or SSE streaming), GET /v1/models, GET /health; other
paths get FastAPI's 404 `{"detail": "Not Found"}`. How a turn becomes a response lives in
`agent.scripted.request`, `agent.scripted.parsers` and `agent.scripted.render`.

Faults are keyed by the 0-based arrival index of POST /v1/chat/completions requests (every POST
counts, faulted ones too) and do not consume a scripted reply:
"500" / "429" answer with a vLLM-style error body (429 with `Retry-After: 0`; vLLM itself never
sends 429, a proxy in front of it does); "drop" closes the connection without a response;
"drop_mid_stream" sends the start of a response (two SSE chunks, or part of the JSON body) and
closes; "slow:SECONDS" waits, then answers normally (and so does consume a reply), unless
the server is closed meanwhile, which drops the request (a long wait plays a hung server).
Faults of a broken server, none consuming a reply: "429:SECONDS" a 429 with that Retry-After;
"bad_json" / "empty_choices" / "error_200" an HTTP 200 whose body is not JSON, has
`"choices": []`, or is an error object; "trickle" a JSON body sent one byte every 0.2 s;
"endless_stream" SSE chunks without end; "stall_stream" two SSE chunks, then silence;
"keepalive_stream" two SSE chunks, then an SSE comment (": keep-alive") every 0.2 s, which
keeps the connection busy without advancing the reply (all until the client hangs up or the
server closes).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from agent.probe import HEADER as PROBE_HEADER
from agent.scripted.render import answer, completion_id, models_body
from agent.scripted.request import (
    RequestError,
    ScriptedCall,
    ScriptedTurn,
    VLLMConfig,
    error_body,
    plan_request,
)

# What a scripted server answers `agent doctor`'s probes with (a model doing as they ask).
PROBE_TURN = ScriptedTurn(
    reasoning="Waiting as asked.",
    calls=(ScriptedCall("computer_use", {"action": "wait", "time": 1}),),
)

Replies = Sequence[ScriptedTurn] | Callable[[dict[str, Any]], ScriptedTurn]

CHAT_PATH = "/v1/chat/completions"
_FAULTS = (
    "500",
    "429",
    "drop",
    "drop_mid_stream",
    "bad_json",
    "empty_choices",
    "error_200",
    "trickle",
    "endless_stream",
    "stall_stream",
    "keepalive_stream",
)
_NOT_FOUND = (404, {"detail": "Not Found"})  # FastAPI's answer for an unknown route


def _is_fault(fault: object) -> bool:
    if not isinstance(fault, str):
        return False
    if fault.startswith(("slow:", "429:")):
        try:
            return float(fault[4:].lstrip(":")) >= 0
        except ValueError:
            return False
    return fault in _FAULTS


def _check_faults(faults: dict[int, str]) -> dict[int, str]:
    for index, fault in faults.items():
        if not isinstance(index, int) or not _is_fault(fault):
            raise ValueError(f"bad fault {index!r}: {fault!r} (want {_FAULTS} or 'slow:SECONDS')")
    return dict(faults)


def _json_bytes(body: Any) -> bytes:
    """JSON the way vLLM's FastAPI responses write it: compact, UTF-8."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class ScriptedModelServer:
    """An OpenAI-compatible server on 127.0.0.1 answering like vLLM, with scripted turns.

    `replies` is a list of turns served in order (a 500 says so when it runs out) or a function
    from the request body to a turn. It starts serving on construction, on an ephemeral port
    unless `port` is given; `close()` (or leaving the `with` block) stops it and every
    connection thread.
    """

    def __init__(
        self,
        replies: Replies,
        config: VLLMConfig | None = None,
        faults: dict[int, str] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = config or VLLMConfig()
        self._replies: Replies = replies if callable(replies) else list(replies)
        self._faults = _check_faults(faults or {})
        self._lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []
        self._arrivals = 0
        self._served = 0
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._closed = False
        self._httpd = _HTTPServer((host, port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="scripted-vllm",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The base URL for OpenAI clients: http://127.0.0.1:PORT/v1."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every chat request body received so far (faulted ones included), in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def replies_served(self) -> int:
        with self._lock:
            return self._served

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._stopping.set()
        self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:  # wakes handlers waiting on keep-alive connections
            _shut(connection)
        self._httpd.server_close()
        self._thread.join()
        for thread in self._httpd.connection_threads:
            thread.join(timeout=5)

    def __enter__(self) -> ScriptedModelServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- used by the request handler --

    def _track(self, connection: socket.socket) -> None:
        with self._lock:
            if self._stopping.is_set():
                _shut(connection)
            else:
                self._connections.add(connection)

    def _untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def _arrive(self, raw: bytes) -> tuple[str | None, dict[str, Any] | None]:
        """Log one chat request; return the fault planned for it and its parsed body."""
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self._lock:
            index = self._arrivals
            self._arrivals += 1
            if isinstance(body, dict):
                self._requests.append(body)
        return self._faults.get(index), body if isinstance(body, dict) else None

    def _respond(
        self, body: dict[str, Any] | None, probe: bool = False
    ) -> dict[str, Any] | list[dict[str, Any]]:
        if body is None:
            raise RequestError(400, "The request body is not a JSON object.")
        plan = plan_request(body, self.config)
        if probe and not callable(self._replies):  # a doctor's probe keeps the run's turns
            return answer(PROBE_TURN, plan, self.config)
        return answer(self._next_turn(body), plan, self.config)

    def _next_turn(self, body: dict[str, Any]) -> ScriptedTurn:
        if callable(self._replies):
            try:
                return self._replies(body)
            except Exception as exc:
                message = f"ScriptedModelServer: the reply function failed: {exc!r}"
                raise RequestError(500, message, "InternalServerError") from exc
        with self._lock:
            if self._served >= len(self._replies):
                message = (
                    f"ScriptedModelServer: the script ran out of replies "
                    f"(all {len(self._replies)} were served)."
                )
                raise RequestError(500, message, "InternalServerError")
            self._served += 1
            return self._replies[self._served - 1]

    def _wait(self, seconds: float) -> bool:
        """Sleep unless closing; True when the server is closing."""
        return self._stopping.wait(seconds)


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class _HTTPServer(ThreadingHTTPServer):
    """One daemon thread per connection, tracked so that `close()` can join them all
    (the standard mix-in only joins non-daemon threads)."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: ScriptedModelServer) -> None:
        self.app = app
        self.connection_threads: list[threading.Thread] = []
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="scripted-vllm-connection",
            daemon=True,
        )
        alive = [t for t in self.connection_threads if t.is_alive()]
        self.connection_threads = [*alive, thread]
        thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up mid-answer are expected here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.app._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.app._untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.partition("?")[0]
        if path == "/v1/models":
            self._send_json(200, models_body(self.server.app.config))
        elif path == "/health":
            self._send(200, b"", None)
        elif path == CHAT_PATH:
            self._send_json(405, {"detail": "Method Not Allowed"})
        else:
            self._send_json(*_NOT_FOUND)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.partition("?")[0]
        if path != CHAT_PATH:
            known = path in ("/v1/models", "/health")
            self._send_json(*((405, {"detail": "Method Not Allowed"}) if known else _NOT_FOUND))
            return
        app = self.server.app
        fault, body = app._arrive(raw)
        if fault is not None and self._fault(fault, body):
            return
        try:
            result = app._respond(body, probe=self.headers.get(PROBE_HEADER) is not None)
        except RequestError as exc:
            self._send_json(exc.status, exc.body)
            return
        except Exception as exc:  # a bug or an odd request: say so rather than hang up
            message = f"ScriptedModelServer failed on this request: {exc!r}"
            self._send_json(500, error_body(500, message, "InternalServerError"))
            return
        if isinstance(result, list):
            self._send_stream(result)
        else:
            self._send_json(200, result)

    def _fault(self, fault: str, body: dict[str, Any] | None) -> bool:
        """Act out a fault; False when the request should then be answered normally."""
        if fault.startswith("slow:"):
            stopping = self.server.app._wait(float(fault[5:]))
            self.close_connection = stopping  # a closing server drops what still waits
            return stopping
        if fault == "500":
            self._send_json(500, error_body(500, "Internal server error", "InternalServerError"))
        elif fault.startswith("429"):
            message = "Too many requests (scripted fault)."
            after = {"Retry-After": fault.partition(":")[2] or "0"}
            self._send_json(429, error_body(429, message, "RateLimitError"), after)
        elif fault in ("bad_json", "empty_choices", "error_200"):
            self._send_broken_200(fault)
        elif fault in ("trickle", "endless_stream", "stall_stream", "keepalive_stream"):
            self._send_slowly(fault)
            self.close_connection = True
        else:  # "drop" sends nothing at all
            if fault == "drop_mid_stream":
                self._send_partial(bool(body and body.get("stream")))
            self.close_connection = True
        return True

    def version_string(self) -> str:
        return "uvicorn"

    def _send(
        self,
        status: int,
        data: bytes,
        content_type: str | None,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self._write(data)

    def _send_json(self, status: int, body: Any, extra: dict[str, str] | None = None) -> None:
        self._send(status, _json_bytes(body), "application/json", extra)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _send_event(self, data: bytes) -> None:
        event = b"data: " + data + b"\n\n"
        self._write(f"{len(event):x}\r\n".encode() + event + b"\r\n")

    def _send_stream(self, chunks: list[dict[str, Any]]) -> None:
        self._start_stream()
        for chunk in chunks:
            self._send_event(_json_bytes(chunk))
        self._send_event(b"[DONE]")
        self._write(b"0\r\n\r\n")

    def _send_partial(self, stream: bool) -> None:
        """The start of an answer, then nothing: the connection closes mid-response."""
        model = self.server.app.config.model_id
        head = {"id": completion_id(), "object": "chat.completion.chunk", "model": model}
        if stream:
            self._start_stream()
            for delta in ({"role": "assistant", "content": ""}, {"content": "Let me"}):
                choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}
                self._send_event(_json_bytes({**head, "choices": [choice]}))
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "4096")
        self.end_headers()
        self._write(b'{"id":"' + head["id"].encode() + b'","object":"chat.completion",')

    def _send_broken_200(self, fault: str) -> None:
        if fault == "bad_json":
            self._send(200, b'{"id": "chatcmpl-1", "choices": [', "application/json")
            return
        if fault == "error_200":
            self._send_json(200, error_body(500, "engine died (scripted fault)", "EngineError"))
            return
        model = self.server.app.config.model_id
        body = {"id": completion_id(), "object": "chat.completion", "model": model}
        self._send_json(200, {**body, "created": 0, "choices": []})

    def _send_slowly(self, fault: str) -> None:
        """Keep the client waiting until it hangs up or the server closes."""
        app = self.server.app
        if fault == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            while not self.close_connection and not app._wait(0.2):
                self._write(b" ")
            return
        self._start_stream()
        model = app.config.model_id
        head = {"id": completion_id(), "object": "chat.completion.chunk", "model": model}
        choice = {"index": 0, "delta": {"content": "."}, "logprobs": None, "finish_reason": None}
        event = _json_bytes({**head, "created": 0, "choices": [choice]})
        for _ in range(2):
            self._send_event(event)
        while not self.close_connection and not app._wait(0.05):
            if fault == "endless_stream":
                self._send_event(event)
            elif fault == "keepalive_stream" and not app._wait(0.15):
                comment = b": keep-alive\n\n"
                self._write(f"{len(comment):x}\r\n".encode() + comment + b"\r\n")

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


def turn_from_dict(data: dict[str, Any]) -> ScriptedTurn:
    """A turn from JSON: {"reasoning", "content", "calls": [{"name", "arguments"}], ...}."""
    unknown = set(data) - {"reasoning", "content", "calls", "truncated", "raw", "output"}
    if unknown:
        raise ValueError(f"unknown turn keys: {sorted(unknown)}")
    calls = tuple(ScriptedCall(c["name"], c.get("arguments", {})) for c in data.get("calls", ()))
    return ScriptedTurn(
        reasoning=data.get("reasoning", ""),
        content=data.get("content", ""),
        calls=calls,
        truncated=bool(data.get("truncated", False)),
        raw=data.get("raw"),
        output=data.get("output"),
    )


def load_script(path: Path) -> list[ScriptedTurn]:
    """Read a JSON file holding a list of turns."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of turns")
    return [turn_from_dict(item) for item in data]


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    from agent.scripted import scripts

    parser = argparse.ArgumentParser(
        prog="python -m agent.scripted",
        description="Serve scripted model turns the way a vLLM OpenAI server would.",
        epilog=scripts.help_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--script", required=True, metavar="FILE|NAME", help="a JSON list of turns, or an example"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--model", default=VLLMConfig.model_id, help="served model id")
    parser.add_argument(
        "--tool-parser",
        choices=["hermes", "qwen3_coder", "none"],
        default="hermes",
        help="as --tool-call-parser with --enable-auto-tool-choice; none = calls stay text",
    )
    parser.add_argument(
        "--reasoning-parser",
        choices=["reasoning", "reasoning_content", "none"],
        default="reasoning",
        help="message field vLLM's qwen3 reasoning parser fills; none = <think> text",
    )
    parser.add_argument("--model-format", choices=["hermes", "qwen3_coder"], default="hermes")
    parser.add_argument(
        "--think-open-tag",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the model writes <think> itself (Qwen3-VL); --no-think-open-tag for Qwen3.5",
    )
    parser.add_argument("--max-images", type=int, help="as --limit-mm-per-prompt")
    parser.add_argument("--max-model-len", type=int, default=VLLMConfig.max_model_len)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import sys

    from agent.scripted import scripts

    args = _arguments(argv)
    try:
        turns = scripts.load(args.script)
    except scripts.ScriptError as exc:
        print(f"python -m agent.scripted: {exc}", file=sys.stderr)
        return 2
    config = VLLMConfig(
        model_id=args.model,
        reasoning_parser=None if args.reasoning_parser == "none" else args.reasoning_parser,
        think_open_tag=args.think_open_tag,
        tool_parser=None if args.tool_parser == "none" else args.tool_parser,
        model_format=args.model_format,
        max_images=args.max_images,
        max_model_len=args.max_model_len,
    )
    with ScriptedModelServer(turns, config, host=args.host, port=args.port) as s:
        print(s.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
