"""Our MCP servers over HTTP against other local users and web pages: a bearer token, Host and
Origin checked on every bind address, loopback unless told otherwise, SIGTERM obeyed.

The other local user is real where the machine allows it (`setpriv` to nobody, as root);
otherwise those tests are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time

import httpx2
import pytest

from tests.tools.fs_server import COMMAND, REPO, connect, free_port, http_server, served
from tools.hub import Approval, ToolHub
from tools.mcp_config import ServerSpec

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _post(url: str, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.post(url, headers={**ACCEPT, **(headers or {})}, json=INITIALIZE, timeout=10)


def test_requests_need_the_bearer_token(tmp_path):
    (tmp_path / "a.txt").write_text("private")
    with http_server(tmp_path) as server:
        assert _post(server.url).status_code == 401
        assert _post(server.url, {"Authorization": "Bearer wrong"}).status_code == 401
        assert _post(server.url, server.headers).status_code == 200
        with connect(server.url, server.token) as session:
            assert session.text("read_text_file", path="a.txt") == "private"
        printed = server.log.read_text()
        assert f"Authorization: Bearer {server.token}" in printed
        token = next(server.tokens.glob("*.token"))
        assert stat.S_IMODE(token.stat().st_mode) == 0o600
        assert stat.S_IMODE(server.tokens.stat().st_mode) == 0o700
    assert not token.exists()  # gone with the server


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2"])
def test_a_foreign_host_or_origin_is_refused_on_any_loopback_address(tmp_path, host):
    with served([*COMMAND, str(tmp_path)], host=host) as server:
        assert _post(server.url, server.headers).status_code == 200
        foreign = _post(server.url, {**server.headers, "Host": "evil.example"})
        assert foreign.status_code == 421
        origin = _post(server.url, {**server.headers, "Origin": "http://evil.example"})
        assert origin.status_code == 403


def test_a_wildcard_bind_needs_a_flag_warns_and_still_checks_the_host(tmp_path):
    refused = subprocess.run(
        [*COMMAND, str(tmp_path), "--http", f"0.0.0.0:{free_port()}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 2
    assert "not a loopback address" in refused.stderr and "--allow-remote" in refused.stderr
    with served([*COMMAND, str(tmp_path)], "--allow-remote", host="0.0.0.0") as server:
        assert "WARNING: serving on 0.0.0.0" in server.log.read_text()
        url = server.url.replace("0.0.0.0", "127.0.0.1")
        assert _post(url, server.headers).status_code == 200
        assert _post(url, {**server.headers, "Host": "evil.example"}).status_code == 421


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_agent_mcp_serve_binds_ipv6_loopback(tmp_path):
    (tmp_path / "six.txt").write_text("over ::1")
    argv = [
        sys.executable,
        "-m",
        "agent.cli",
        "mcp",
        "serve",
        "filesystem",
        "--root",
        str(tmp_path),
    ]
    with served(argv, host="::1") as server:
        assert server.url.startswith("http://[::1]:")
        with connect(server.url, server.token) as session:
            assert session.text("read_text_file", path="six.txt") == "over ::1"


def test_our_hub_finds_the_token_and_trusts_our_server(tmp_path):
    (tmp_path / "a.txt").write_text("found")
    with http_server(tmp_path) as server:
        hub = ToolHub(
            [ServerSpec("files", "streamable-http", url=server.url)],
            Approval("read-only"),
            tokens=server.tokens,
        )
        try:
            assert hub.tools["files__read_text_file"].read_only
            assert hub.call("files__read_text_file", {"path": "a.txt"}).text == "found"
        finally:
            hub.close()


def test_sigterm_ends_the_server_while_a_call_is_running(tmp_path):
    with (tmp_path / "huge.txt").open("wb") as handle:  # text, then 1.5 GB of holes
        handle.write(b"text\n" * 2000)
        handle.truncate(1536 << 20)
    options = ("--scan-mib", "100000", "--scan-seconds", "600")  # let the search run long
    with http_server(tmp_path, *options) as server:
        body = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "search_files", "arguments": {"content": "needle"}},
        }
        with connect(server.url, server.token):
            pass  # the server is up and answers
        started = _post(server.url, server.headers)
        session = {"Mcp-Session-Id": started.headers.get("mcp-session-id", "")}
        headers = {**ACCEPT, **server.headers, **session, "Mcp-Protocol-Version": "2025-11-25"}
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        httpx2.post(server.url, headers=headers, json=initialized, timeout=10)
        with httpx2.stream("POST", server.url, headers=headers, json=body, timeout=60):
            time.sleep(1.0)  # the search is under way
            server.process.terminate()
            server.process.wait(timeout=60)  # with uvicorn's graceful wait alone: never
        assert server.process.returncode is not None


def _can_be_nobody() -> str | None:
    if os.geteuid() != 0:
        return "switching to another user needs root"
    if shutil.which("setpriv") is None:
        return "setpriv is not installed"
    done = subprocess.run(_as_nobody("print('ok')"), capture_output=True, text=True, timeout=30)
    return None if done.returncode == 0 else f"cannot run as nobody: {done.stderr[-200:]}"


def _as_nobody(code: str) -> list[str]:
    return [
        "setpriv",
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
        sys.executable,
        "-P",
        "-c",
        code,
    ]


PROBE = """
import json, sys, urllib.request, urllib.error
url, token_file, body = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    open(token_file).read()
    token = "read"
except OSError as exc:
    token = type(exc).__name__
request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
    "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
try:
    status = urllib.request.urlopen(request, timeout=10).status
except urllib.error.HTTPError as exc:
    status = exc.code
print(json.dumps({"token": token, "status": status}))
"""


def test_another_local_user_can_neither_use_the_server_nor_read_its_token(tmp_path):
    reason = _can_be_nobody()
    if reason:
        pytest.skip(reason)
    with http_server(tmp_path) as server:
        token = next(server.tokens.glob("*.token"))
        probe = subprocess.run(
            [*_as_nobody(PROBE), server.url, str(token), json.dumps(INITIALIZE)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout)
    assert seen == {"token": "PermissionError", "status": 401}


def test_the_token_folder_must_be_private(tmp_path):
    runtime = tmp_path / "runtime"
    (runtime / "qwen-operator" / "mcp").mkdir(parents=True)
    (runtime / "qwen-operator" / "mcp").chmod(0o777)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    done = subprocess.run(
        [*COMMAND, str(tmp_path), "--http", f"127.0.0.1:{free_port()}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "chmod 700" in done.stderr
    assert not list((runtime / "qwen-operator" / "mcp").iterdir())


def test_a_bad_address_is_named(tmp_path):
    done = subprocess.run(
        [*COMMAND, str(tmp_path), "--http", "[::1:80"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "brackets" in done.stderr
