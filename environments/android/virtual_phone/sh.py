"""A small /system/bin/sh: quoting, `;` `&&` `||` `|` lists, redirections and `exit`.

adb sends a shell service one string and the device's shell splits it, so clients quote their
arguments (adbutils joins lists with shlex.quote). The tokenizer follows POSIX quoting, as
shlex does, but also keeps operators apart from words and sees whether a digit is glued to a
redirection (`2>/dev/null` redirects stderr, `echo 2 > f` writes "2"), which shlex cannot tell.
Commands themselves are looked up by the caller; an unknown one fails with status 127. The only
variable is `$?` (adbutils appends `; echo X4EXIT:$?` to learn exit codes over shell v1), and
there is no working directory other than `/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from environments.android.virtual_phone.result import ShellResult

SHELL = "/system/bin/sh"
_OPERATORS = ("&&", "||", ">>", ">&", ";", "|", "&", ">", "<", "\n")


class ShellSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Redirect:
    fd: int
    op: str  # ">", ">>", ">&" or "<"
    target: str


@dataclass
class Command:
    argv: list[str] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass(frozen=True)
class _Token:
    text: str
    operator: bool = False


def tokenize(line: str) -> list[_Token]:
    tokens: list[_Token] = []
    word: list[str] = []
    in_word = quoted = False
    i = 0

    def finish() -> None:
        nonlocal in_word, quoted
        if in_word:
            tokens.append(_Token("".join(word)))
        word.clear()
        in_word = quoted = False

    while i < len(line):
        char = line[i]
        if char in "'\"":
            i = _quoted(line, i, word)
            in_word = quoted = True
        elif char == "\\" and i + 1 < len(line):
            if line[i + 1] != "\n":
                word.append(line[i + 1])
                in_word = True
            i += 2
        elif char == "#" and not in_word:
            end = line.find("\n", i)
            i = len(line) if end < 0 else end
        elif char in " \t":
            finish()
            i += 1
        elif operator := next((op for op in _OPERATORS if line.startswith(op, i)), None):
            text = "".join(word)
            if operator[0] in "<>" and in_word and not quoted and text.isdigit():
                word.clear()
                in_word = False
                operator = text + operator
            finish()
            tokens.append(_Token(operator, operator=True))
            i += len(operator.lstrip("0123456789"))
        else:
            word.append(char)
            in_word = True
            i += 1
    finish()
    return tokens


def _quoted(line: str, i: int, word: list[str]) -> int:
    """Append the quoted string starting at line[i] to `word`; the index after it."""
    if line[i] == "'":
        end = line.find("'", i + 1)
        if end < 0:
            raise ShellSyntaxError("unterminated quoted string")
        word.append(line[i + 1 : end])
        return end + 1
    i += 1
    while i < len(line):
        char = line[i]
        if char == '"':
            return i + 1
        if char == "\\" and i + 1 < len(line) and line[i + 1] in '"\\$`\n':
            if line[i + 1] != "\n":
                word.append(line[i + 1])
            i += 2
            continue
        word.append(char)
        i += 1
    raise ShellSyntaxError("unterminated quoted string")


def parse(line: str) -> list[tuple[str, list[Command]]]:
    """The line as (connector, pipeline) pairs; the connector says when the pipeline runs."""
    lists: list[tuple[str, list[Command]]] = []
    connector, pipeline, command = ";", [], Command()
    dangling = False  # the last operator needs a command after it
    tokens = tokenize(line)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token.operator:
            command.argv.append(token.text)
            dangling = False
            continue
        op = token.text.lstrip("0123456789")
        if op in (">", ">>", ">&", "<"):
            if index >= len(tokens) or tokens[index].operator:
                raise ShellSyntaxError(f"syntax error: '{token.text}' unexpected")
            fd = int(token.text[: -len(op)] or (0 if op == "<" else 1))
            command.redirects.append(Redirect(fd, op, tokens[index].text))
            index += 1
            continue
        if not command.argv and not command.redirects:
            if op in ("\n", ";", "&") and not pipeline:
                continue
            raise ShellSyntaxError(f"syntax error: '{op.strip() or 'newline'}' unexpected")
        pipeline.append(command)
        command = Command()
        dangling = op in ("&&", "||", "|")
        if op != "|":
            lists.append((connector, pipeline))
            connector, pipeline = ("&&" if op == "&&" else "||" if op == "||" else ";"), []
    if command.argv or command.redirects:
        pipeline.append(command)
    elif dangling:
        raise ShellSyntaxError("syntax error: unexpected end of file")
    if pipeline:
        lists.append((connector, pipeline))
    return lists


Run = Callable[[list[str], bytes], ShellResult | None]
ReadFile = Callable[[str], bytes | None]
WriteFile = Callable[[str, bytes, bool], None]


@dataclass
class Shell:
    """Runs command lines; `run` executes one command (None: no such command), `read` and
    `write` reach the file system for redirections."""

    run: Run
    read: ReadFile
    write: WriteFile

    def execute(self, line: str) -> ShellResult:
        try:
            lists = parse(line)
        except ShellSyntaxError as exc:
            return ShellResult(b"", f"{SHELL}: {exc}\n".encode(), 1)
        stdout: list[bytes] = []
        stderr: list[bytes] = []
        both: list[bytes] = []
        status = 0
        for connector, pipeline in lists:
            if (connector == "&&" and status != 0) or (connector == "||" and status == 0):
                continue
            for command in pipeline:
                command.argv = [word.replace("$?", str(status)) for word in command.argv]
            if pipeline[0].argv[:1] == ["exit"]:
                code = pipeline[0].argv[1:2]
                status = int(code[0]) & 0xFF if code and code[0].isdigit() else status
                break
            data = b""
            for command in pipeline:
                data, err, status = self._command(command, data)
                stderr.append(err)
                both.append(err)
            stdout.append(data)
            both.append(data)
        interleaved = _join(both) if any(stderr) else None
        return ShellResult(_join(stdout), _join(stderr), status, interleaved)

    def _command(self, command: Command, stdin: bytes) -> tuple[bytes, bytes, int]:
        targets: dict[int, tuple[str, str]] = {1: ("stdout", ""), 2: ("stderr", "")}
        for redirect in command.redirects:
            if redirect.op == "<":
                data = self.read(redirect.target)
                if data is None:
                    return b"", self._cannot("open", redirect.target), 1
                stdin = data
            elif redirect.op == ">&":
                source = int(redirect.target) if redirect.target.isdigit() else 1
                targets[redirect.fd] = targets.get(source, ("stdout", ""))
            else:
                targets[redirect.fd] = (redirect.op, redirect.target)
        result = ShellResult(b"", b"", 0)
        if command.argv:
            found = self.run(command.argv, stdin)
            name = command.argv[0]
            result = found or ShellResult(b"", f"{SHELL}: {name}: not found\n".encode(), 127)
        streams: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
        for fd, data in ((1, result.stdout), (2, result.stderr)):
            kind, path = targets.get(fd, ("stdout", ""))
            if kind in streams:
                streams[kind].append(data)
                continue
            if path == "/dev/null":
                continue
            try:
                self.write(path, data, kind == ">>")
            except OSError as exc:
                return _join(streams["stdout"]), self._cannot("create", path, exc), 1
        return _join(streams["stdout"]), _join(streams["stderr"]), result.exit_code

    @staticmethod
    def _cannot(verb: str, path: str, exc: OSError | None = None) -> bytes:
        reason = exc.strerror if exc is not None else "No such file or directory"
        return f"{SHELL}: can't {verb} {path}: {reason}\n".encode()


def _join(chunks: list[bytes]) -> bytes:
    """Concatenate output without copying the common case of one chunk (a 10 MB frame)."""
    chunks = [chunk for chunk in chunks if chunk]
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
