"""The download cache: OSWorld's task files (its `download` steps and `cloud_file` getters) are
fetched once, stored by the SHA-256 of their content, and found again by URL.

    DIR/blobs/<sha256>          the bytes
    DIR/urls/<sha256 of URL>    the blob's name, once the download is complete

A task loads as runnable only when every URL it needs is in the cache (or a local file);
`prefetch` fills the cache before a suite runs, and a URL it cannot fetch leaves the task
skipped with "network: ..." as the reason.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path


def _name(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Cache:
    root: Path

    def lookup(self, url: str) -> Path | None:
        """The cached file of `url`, or None when it was never fetched."""
        try:
            blob = (self.root / "urls" / _name(url)).read_text(encoding="ascii").strip()
        except OSError:
            return None
        path = self.root / "blobs" / blob
        return path if path.is_file() else None

    def fetch(self, url: str, timeout: float = 60.0) -> Path:
        """Download `url` into the cache (once); raises OSError naming the URL when it fails."""
        found = self.lookup(url)
        if found is not None:
            return found
        (self.root / "blobs").mkdir(parents=True, exist_ok=True)
        (self.root / "urls").mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        handle, temporary = tempfile.mkstemp(dir=self.root / "blobs", prefix=".part-")
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "qwen-operator"})
            with (
                os.fdopen(handle, "wb") as out,
                urllib.request.urlopen(request, timeout=timeout) as response,
            ):
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
            blob = self.root / "blobs" / digest.hexdigest()
            os.replace(temporary, blob)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            Path(temporary).unlink(missing_ok=True)
            raise OSError(f"download of {url} failed: {exc}") from exc
        index = self.root / "urls" / _name(url)
        index.with_suffix(".tmp").write_text(digest.hexdigest(), encoding="ascii")
        index.with_suffix(".tmp").replace(index)
        return blob

    def prefetch(self, urls: Iterable[str], workers: int = 4) -> dict[str, str]:
        """Fetch every URL not yet cached; returns the failures, URL -> reason."""
        missing = sorted({url for url in urls if self.lookup(url) is None})

        def one(url: str) -> tuple[str, str | None]:
            try:
                self.fetch(url)
            except OSError as exc:
                return url, str(exc)
            return url, None

        with ThreadPoolExecutor(max(1, workers)) as pool:
            return {url: error for url, error in pool.map(one, missing) if error}
