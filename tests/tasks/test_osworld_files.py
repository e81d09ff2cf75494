"""OSWorld's metrics on plain files, archives and Thunderbird folders, on files the tests
write (archives with Python's zipfile and tarfile, PDFs with LibreOffice where it matters)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from tasks.osworld.files import (
    check_csv,
    compare_archive,
    compare_config,
    compare_python_pure_text,
    compare_result_files,
    compare_zip_files,
)
from tasks.osworld.mail import check_thunderbird_folder
from tasks.osworld.metrics import check_options

ACCOUNTS = "url,user,password\nimap://mail.example.org,ann@example.org,s3cr$t\n"
ACCOUNTS += "smtp://mail.example.org,ann@example.org,s3cr$t\n"


def test_check_csv_expected_and_unexpected_records(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(ACCOUNTS)
    imap = {"url": "imap://mail.example.org", "user": "ann@example.org", "password": "s3cr$t"}
    smtp = {**imap, "url": "smtp://mail.example.org"}
    assert check_csv(str(path), {"expect": [imap, smtp]}) == 1.0
    assert check_csv(str(path), {"expect": [{**imap, "password": "other"}]}) == 0.0
    assert check_csv(str(path), {"expect": [{"port": "993"}]}) == 0.0  # no such column
    assert check_csv(str(path), {"unexpect": [{"url": "imap://mail.example.org"}]}) == 0.0
    assert check_csv(str(path), {"unexpect": [{"url": "pop3://mail.example.org"}]}) == 1.0
    empty = tmp_path / "empty.csv"
    empty.write_text("url,user,password\n")
    assert check_csv(str(empty), {"unexpect": [{"url": "imap://mail.example.org"}]}) == 1.0
    assert check_csv(str(empty), {"expect": [imap]}) == 0.0
    assert check_csv(None, {"unexpect": []}) == 0.0
    assert check_csv(str(tmp_path / "missing.csv"), {"unexpect": []}) == 0.0


def test_compare_config_is_the_exact_text(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"workbench.colorTheme": "Visual Studio Dark"}\n')
    rule = {"expected": '{"workbench.colorTheme": "Visual Studio Dark"}\n'}
    assert compare_config(str(path), rule) == 1.0
    path.write_text('{"workbench.colorTheme": "Visual Studio Dark"}')  # no final newline
    assert compare_config(str(path), rule) == 0.0
    assert compare_config(None, rule) == 0.0


def _zip(path: Path, files: dict[str, str]) -> str:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return str(path)


def _tar(path: Path, files: dict[str, str]) -> str:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return str(path)


def test_compare_archive_of_texts(tmp_path):
    gold = _zip(tmp_path / "gold.zip", {"notes/a.txt": "one", "notes/b.txt": "two"})
    same = _zip(tmp_path / "same.zip", {"notes/a.txt": "one", "notes/b.txt": "two"})
    half = _zip(tmp_path / "half.zip", {"notes/a.txt": "one", "notes/b.txt": "three"})
    renamed = _zip(tmp_path / "renamed.zip", {"notes/a.txt": "one", "notes/c.txt": "two"})
    assert compare_archive(same, gold, file_path="notes") == 1.0
    assert compare_archive(half, gold, file_path="notes") == 0.5  # the mean over the files
    assert compare_archive(renamed, gold, file_path="notes") == 0.0
    assert compare_archive(same, gold) == 0.0  # the top folder lists "notes": no file
    assert compare_archive(same, gold, file_path="elsewhere") == 0.0
    assert compare_archive(None, gold) == 0.0
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"no archive")
    assert compare_archive(str(broken), gold, file_path="notes") == 0.0
    # a tar.gz against a zip: only the files count
    tarred = _tar(tmp_path / "same.tar.gz", {"notes/a.txt": "one", "notes/b.txt": "two"})
    assert compare_archive(tarred, gold, file_path="notes") == 1.0
    # options go to the files' metric
    upper = _zip(tmp_path / "upper.zip", {"notes/a.txt": "ONE", "notes/b.txt": "TWO"})
    assert compare_archive(upper, gold, file_path="notes") == 0.0
    assert compare_archive(upper, gold, file_path="notes", ignore_case=True) == 1.0


def test_a_tar_member_cannot_leave_the_folder(tmp_path):
    escape = _tar(tmp_path / "escape.tar.gz", {"../../outside.txt": "x"})
    gold = _tar(tmp_path / "gold.tar.gz", {"a.txt": "x"})
    assert compare_archive(escape, gold) == 0.0
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice to write PDFs")
def test_compare_archive_of_pdfs(tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    for name, text in (("intro", "Lecture one: sets"), ("next", "Lecture two: graphs")):
        (texts / f"{name}.txt").write_text(text)
    command = ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless"]
    command += ["--convert-to", "pdf", "--outdir", str(tmp_path / "pdf")]
    command += [str(p) for p in sorted(texts.iterdir())]
    environment = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run(command, check=True, capture_output=True, timeout=120, env=environment)
    pdfs = {p.name: p.read_bytes() for p in (tmp_path / "pdf").iterdir()}

    def archive(path: Path, files: dict[str, bytes]) -> str:
        with zipfile.ZipFile(path, "w") as handle:
            for name, data in files.items():
                handle.writestr(f"slides/{name}", data)
        return str(path)

    gold = archive(tmp_path / "gold.zip", pdfs)
    assert (
        compare_archive(
            archive(tmp_path / "a.zip", pdfs), gold, file_path="slides", file_type="pdf"
        )
        == 1.0
    )
    swapped = {"intro.pdf": pdfs["next.pdf"], "next.pdf": pdfs["intro.pdf"]}
    score = compare_archive(
        archive(tmp_path / "b.zip", swapped), gold, file_path="slides", file_type="pdf"
    )
    assert 0.0 < score < 1.0  # similar texts, not the same


def test_archive_file_types_we_cannot_compare_are_reasons():
    assert check_options("compare_archive", {"file_type": "audio"}, []) == [
        ("metric", "compare_archive file_type audio")
    ]
    assert check_options("compare_archive", {"file_path": "x", "file_type": "pdf"}, []) == []


def _message(sender: str, subject: str, status: str = "0001", keys: str = "") -> str:
    return (
        "From - Mon Jan 29 10:00:00 2024\n"
        f"X-Mozilla-Status: {status}\n"
        "X-Mozilla-Status2: 00000000\n"
        f"X-Mozilla-Keys: {keys}\n"
        "MIME-Version: 1.0\n"
        f"From: {sender}\n"
        f"Subject: {subject}\n\n"
        f"About {subject}.\n\n"
    )


def test_thunderbird_folder_holds_the_same_messages(tmp_path):
    def folder(name: str, *messages: str) -> str:
        path = tmp_path / name
        path.write_text("".join(messages))
        return str(path)

    bill, receipt = _message("shop@example.org", "Bill"), _message("x@example.org", "Receipt")
    gold = folder("gold", bill, receipt)
    assert check_thunderbird_folder(folder("same", receipt, bill), gold) == 1.0  # any order
    assert check_thunderbird_folder(folder("less", bill), gold) == 0.0
    assert check_thunderbird_folder(folder("twice", bill, bill, receipt), gold) == 1.0
    twice = folder("twice2", bill, bill, receipt)
    assert check_thunderbird_folder(twice, gold, remove_duplicate=False) == 0.0
    deleted = _message("spam@example.org", "Spam", status="0009")
    assert check_thunderbird_folder(folder("deleted", bill, receipt, deleted), gold) == 1.0
    with_deleted = folder("deleted2", bill, receipt, deleted)
    assert check_thunderbird_folder(with_deleted, gold, remove_deleted=False) == 0.0
    read = folder("read", _message("shop@example.org", "Bill", status="0003"), receipt)
    assert check_thunderbird_folder(read, gold) == 0.0
    assert check_thunderbird_folder(read, gold, ignore_status=True) == 1.0
    labelled = folder("labelled", _message("shop@example.org", "Bill", keys="$label1"), receipt)
    assert check_thunderbird_folder(labelled, gold) == 0.0
    assert check_thunderbird_folder(labelled, gold, ignore_keys=True) == 1.0
    # lists of folders pair up; a missing result folder scores 0
    empty = folder("empty")
    assert check_thunderbird_folder([gold, empty], [gold, folder("empty2")]) == 1.0
    assert check_thunderbird_folder([gold, None], [gold, empty]) == 0.0
    assert check_thunderbird_folder(str(tmp_path / "missing"), gold) == 0.0
    assert check_options("check_thunderbird_folder", {"remove_deleted": True}, []) == []


def test_compare_zip_files(tmp_path):
    gold = _zip(tmp_path / "gold.zip", {"a.txt": "one", "b/c.txt": "two"})
    assert (
        compare_zip_files(_zip(tmp_path / "same.zip", {"b/c.txt": "two", "a.txt": "one"}), gold)
        == 1.0
    )
    assert (
        compare_zip_files(_zip(tmp_path / "diff.zip", {"a.txt": "one", "b/c.txt": "2"}), gold)
        == 0.0
    )
    assert compare_zip_files(_zip(tmp_path / "less.zip", {"a.txt": "one"}), gold) == 0.0
    assert compare_zip_files(None, gold) == 0.0
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"no zip")
    assert compare_zip_files(str(broken), gold) == 0.0


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice to write PDFs")
def test_compare_zip_files_reads_pdfs_by_their_text(tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "report.txt").write_text("Recruitment and retention of health professionals")
    command = ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless"]
    command += ["--convert-to", "pdf", "--outdir", str(tmp_path / "one"), str(texts / "report.txt")]
    environment = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run(command, check=True, capture_output=True, timeout=120, env=environment)
    first = (tmp_path / "one" / "report.pdf").read_bytes()
    (texts / "report.txt").write_text("Something else entirely, in other words")
    command[-2] = str(tmp_path / "two")
    subprocess.run(command, check=True, capture_output=True, timeout=120, env=environment)
    second = (tmp_path / "two" / "report.pdf").read_bytes()

    def archive(name: str, data: bytes) -> str:
        with zipfile.ZipFile(tmp_path / name, "w") as handle:
            handle.writestr("report.pdf", data)
        return str(tmp_path / name)

    gold = archive("gold.zip", first)
    # a PDF written again differs in its bytes (creation date, ids) but not in its text
    assert (
        compare_zip_files(archive("again.zip", first.replace(b"/Producer", b"/Producer ")), gold)
        == 1.0
    )
    assert compare_zip_files(archive("other.zip", second), gold) == 0.0


def test_compare_result_files(tmp_path):
    def text(name: str, content: str) -> str:
        (tmp_path / name).write_text(content)
        return str(tmp_path / name)

    gold = text("gold.txt", "42.5\n")
    assert compare_result_files(text("a.txt", "42.5"), gold) == 1.0
    assert compare_result_files(text("b.txt", "The answer is 42.5 dollars"), gold) == 1.0
    assert compare_result_files(text("c.txt", "42.50001"), gold) == 1.0  # within 1e-4
    assert compare_result_files(text("d.txt", "42.6"), gold) == 0.0
    assert compare_result_files(text("e.txt", "about forty"), gold) == 0.0
    words = text("words.txt", "Paris\n")
    assert compare_result_files(text("f.txt", " Paris "), words) == 1.0
    assert compare_result_files(text("g.txt", "It is Paris"), words) == 0.0  # no number: exact
    assert compare_result_files(None, gold) == 0.0


def test_compare_python_pure_text(tmp_path):
    gold = tmp_path / "gold.py"
    gold.write_text("def f(x):\n    return x + 1\n")
    same = tmp_path / "same.py"
    same.write_text("def f(x):\n\treturn x+1")
    other = tmp_path / "other.py"
    other.write_text("def f(x):\n    return x + 2\n")
    assert compare_python_pure_text(str(same), str(gold)) == 1.0
    assert compare_python_pure_text(str(other), str(gold)) == 0.0
    assert compare_python_pure_text(None, str(gold)) == 0.0
