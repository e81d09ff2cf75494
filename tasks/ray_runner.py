"""Attempts as Ray tasks (`agent bench --ray ADDRESS|auto`): each attempt asks for one `desktop`
(or `phone`) resource, so a node runs as many at once as it declares
(`ray start --resources '{"desktop": 4}'`), and runs it through `tasks.attempt.run_attempt`,
the function a local suite uses, in a worker process with its own display, ports, workspace and
HOME. Displays come from Xvfb's -displayfd and ports from the kernel, so workers on one node
(or several nodes on one machine) never collide.

What travels: the suite folder goes to the object store once and is unpacked once per node; each
attempt's folder (trajectory, screenshots, workspace; not the apps' HOME, which holds only
profiles and caches) comes back through the object store and lands under the driver's `--out`,
so no shared filesystem is needed and `--resume` on the driver sees everything. With
`--shared-out`, `--out` is a folder every node mounts at the same path: nodes write there and
nothing is shipped (for runs whose trajectories are too large to pass through the driver).

An attempt whose node is lost (the node died, its worker crashed) runs again on another node, at
most `node_retries` times; its record says so in `retried`, and only the attempt that finished
is recorded, so nothing is counted twice.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import socket
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import RayError, RayTaskError, TaskCancelledError

from agent.errors import AgentError
from tasks.attempt import Unit, WorkerOptions, failed, run_attempt
from tasks.bench import RayOptions

MAX_SUITE_BYTES = 200 * 1024 * 1024
SCRATCH = "qwen-operator-ray"  # under each node's temporary folder
STARVED_AFTER = 120.0  # seconds without any node offering what waiting attempts need


@dataclass(frozen=True)
class _Running:
    unit: Unit
    attempts: int
    retried: tuple[str, ...]
    started: float


class RayRunner:
    def __init__(
        self, settings: RayOptions, suite: Path, out: Path, options: WorkerOptions, say: Any = print
    ) -> None:
        self.settings, self.out, self.options, self.say = settings, out.resolve(), options, say
        try:
            _check_reachable(settings.address)
            ray.init(address=settings.address, logging_level=logging.WARNING, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise AgentError(
                f"no Ray cluster at {settings.address!r} ({exc}): start one with "
                "`ray start --head --resources '{\"desktop\": 4}'`, or pass its address to --ray"
            ) from exc
        self.root = suite if suite.is_dir() else suite.parent
        blob = pack(self.root)
        if len(blob) > MAX_SUITE_BYTES:
            size = len(blob) >> 20
            raise AgentError(f"{self.root} packs to {size} MB: give the suite a folder of its own")
        self.digest = hashlib.sha256(blob).hexdigest()[:16]
        self.suite_ref = ray.put(blob)
        self.remote = ray.remote(_on_node)
        self._running: dict[ray.ObjectRef, _Running] = {}
        self._capacity_checked: set[str] = set()
        self._starved_since: float | None = None

    def capacity(self) -> int:
        resources = ray.cluster_resources()
        return max(1, int(resources.get("desktop", 0) + resources.get("phone", 0)))

    def running(self) -> list[Unit]:
        return [item.unit for item in self._running.values()]

    def start(self, unit: Unit, attempts: int = 1, retried: tuple[str, ...] = ()) -> None:
        self._check_resource(unit.resource)
        shared = str(self.out) if self.settings.shared_out else None
        task_file = unit.task.path.resolve().relative_to(self.root.resolve()).as_posix()
        ref = self.remote.options(
            resources={unit.resource: 1}, num_cpus=0, max_retries=0, name=f"bench {unit.key}"
        ).remote(self.suite_ref, self.digest, task_file, unit, self.options, shared)
        self._running[ref] = _Running(unit, attempts, retried, time.monotonic())

    def _check_resource(self, name: str) -> None:
        if name in self._capacity_checked:
            return
        if not ray.cluster_resources().get(name):
            raise AgentError(
                f"no node of the Ray cluster at {self.settings.address!r} declares a {name!r} "
                f"resource: start nodes with `ray start ... --resources '{{\"{name}\": 4}}'`"
            )
        self._capacity_checked.add(name)

    def collect(self) -> list[dict[str, Any]]:
        ready, _ = ray.wait(list(self._running), num_returns=1, timeout=1.0)
        if not ready:
            self._check_not_starved()
        records = []
        for ref in ready:
            item = self._running.pop(ref)
            try:
                reply = ray.get(ref)
            except TaskCancelledError:
                continue
            except RayTaskError as exc:  # our code failed on the node: a harness error
                note = str(exc).strip().splitlines()[-1]
                records.append(self._record(item, failed(item.unit, note, item.started)))
            except RayError as exc:  # the node or its worker was lost
                if record := self._lost(item, exc):
                    records.append(record)
            else:
                records.append(self._record(item, self._land(item.unit, reply)))
        return records

    def _check_not_starved(self) -> None:
        """Attempts wait for ever when no node offers their resource any more: say so."""
        resources = ray.cluster_resources()
        if all(resources.get(unit.resource) for unit in self.running()):
            self._starved_since = None
            return
        self._starved_since = self._starved_since or time.monotonic()
        if time.monotonic() - self._starved_since > STARVED_AFTER:
            names = sorted({unit.resource for unit in self.running()})
            raise AgentError(
                f"for {STARVED_AFTER:g} s no node of the Ray cluster has offered "
                f"{' or '.join(names)}: start nodes with that resource, then run again with "
                "--resume"
            )

    def _lost(self, item: _Running, exc: RayError) -> dict[str, Any] | None:
        note = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"[:300]
        retried = (*item.retried, note)
        if item.attempts <= self.settings.node_retries:
            self.say(f"  {item.unit.key}: lost its node ({note}); running it again elsewhere")
            self.start(item.unit, item.attempts + 1, retried)
            return None
        reason = f"lost its node {item.attempts} times; last: {note}"
        last = _Running(item.unit, item.attempts, retried, item.started)
        return self._record(last, failed(item.unit, reason, item.started))

    @staticmethod
    def _record(item: _Running, record: dict[str, Any]) -> dict[str, Any]:
        return {**record, "attempts": item.attempts, "retried": list(item.retried)}

    def _land(self, unit: Unit, reply: dict[str, Any]) -> dict[str, Any]:
        """Unpack what the node sent under --out; the record then points there."""
        record = reply["record"]
        if reply["files"] is None:
            return record
        scratch = Path(reply["scratch"])
        folder = unit.out(self.out) / unit.task.key
        shutil.rmtree(folder, ignore_errors=True)
        unpack(reply["files"], self.out)
        if record.get("run_dir"):
            record["run_dir"] = str(self.out / Path(record["run_dir"]).relative_to(scratch))
        return record

    def close(self) -> None:
        for ref in self._running:
            ray.cancel(ref, force=True)
        self._running.clear()
        ray.shutdown()


def _check_reachable(address: str) -> None:
    """ray.init waits for an address that does not answer without end: ask first."""
    if address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise ValueError("the address is HOST:PORT of the head node, or auto")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=5).close()
    except OSError as exc:
        raise ConnectionError(f"nothing answers at {address}: {exc.strerror or exc}") from exc


def _on_node(
    suite: bytes,
    digest: str,
    task_file: str,
    unit: Unit,
    options: WorkerOptions,
    shared_out: str | None,
) -> dict[str, Any]:
    """One attempt on a Ray node."""
    base = Path(tempfile.gettempdir()) / SCRATCH
    context = ray.get_runtime_context()
    node = f"{ray.util.get_node_ip_address()}/{context.get_node_id()[:8]}"
    suite_dir = _unpacked(suite, digest, base)
    if shared_out is not None:
        record = run_attempt(unit, suite_dir / task_file, Path(shared_out), options)
        return {"record": {**record, "node": node}, "files": None, "scratch": None}
    (base / "runs").mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{unit.task.id}-", dir=base / "runs"))
    try:
        record = run_attempt(unit, suite_dir / task_file, scratch, options)
        folder = unit.out(scratch) / unit.task.key
        files = pack(scratch, skip=(folder / "home",))
        return {"record": {**record, "node": node}, "files": files, "scratch": str(scratch)}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _unpacked(suite: bytes, digest: str, base: Path) -> Path:
    """The suite on this node, unpacked once (atomically: several workers may race)."""
    target = base / "suites" / digest
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{digest}-", dir=target.parent))
        unpack(suite, staging)
        try:
            os.rename(staging, target)
        except OSError:  # another worker got there first
            shutil.rmtree(staging, ignore_errors=True)
    return target


def pack(folder: Path, skip: tuple[Path, ...] = ()) -> bytes:
    """The regular files and folders under `folder` as a gzipped tar (sockets, fifos and
    anything under `skip` left out)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for path in sorted(folder.rglob("*")):
            if any(path == s or s in path.parents for s in skip) or path.is_symlink():
                continue
            if path.is_file() or path.is_dir():
                tar.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False)
    return buffer.getvalue()


def unpack(blob: bytes, into: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        tar.extractall(into, filter="data")
