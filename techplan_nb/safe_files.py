"""The one way techplan reads a user's file: bounded, regular files only, never blocking.

Every reader (inputs, mapping files, imported plans and issues, plans to check, templates,
notebooks) goes through read_capped, so that a pipe, a device, a socket, a link loop or a
sparse 50 GB file is refused at once, naming the file, instead of hanging or filling memory.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import InputError, UsageError

MIB = 1024 * 1024
_CHUNK = 64 * 1024
# The size caps of every kind of file techplan reads; each reader names its cap from here.
MAX_PLAN_BYTES = 4 * MIB  # a Markdown plan
MAX_NOTEBOOK_BYTES = 16 * MIB  # a notebook holds its outputs, charts as PNG
MAX_TEMPLATE_BYTES = 4 * MIB  # a Jinja2 template
MAX_IMPORT_BYTES = 16 * MIB  # a document or GitHub export to import (an inputs file is capped at 1 MiB)


def shown_name(path: str | Path) -> str:
    """A file name as messages print it: control characters, invisible characters and bytes that
    are not UTF-8 escaped (a name with a newline would otherwise split the message in two)."""
    text = os.fsdecode(path) if not isinstance(path, str) else path
    if text.isprintable() and not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    out = []
    for ch in text:
        if "\udc80" <= ch <= "\udcff":  # an undecodable byte, kept by the surrogateescape handler
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    return "".join(out)


def utf8_name_problem(path: str | Path) -> str | None:
    """Why a file name cannot travel into a notebook, audit record or JSON summary, if it cannot."""
    text = os.fsdecode(path) if not isinstance(path, str) else path
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8 (it holds bytes from another encoding); rename the file"
    return None


LINK_PROBLEM = ("is a symbolic link; a plan folder's files must be the files themselves (a link can point at "
                "any file on this computer): replace the link with a copy of the file, or remove it")


def _a(what: str) -> str:
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def _size(limit: int) -> str:
    return f"{limit // MIB:,} MiB" if limit % MIB == 0 else f"{limit:,} bytes"


def read_capped(path: str | Path, limit: int, *, what: str = "file", hint: str = "",
                report_over: bool = True, links: bool = True) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputError naming the file otherwise.

    With report_over=False a larger file gives its first limit + 1 bytes instead, for a caller
    that says where the limit was passed (the inputs loader names the line).

    The file is opened without blocking (a FIFO with no writer would block open() forever) and
    checked with fstat on the open descriptor, so the check and the read are of the same file.
    A size over the limit is refused from fstat, before a byte is read.

    links=False refuses a symbolic link: a plan folder's own files are read where they lie (a
    pull request can commit a link named inputs.yaml pointing at any file of the person who
    runs techplan on it).
    """
    name = shown_name(path)
    if not links and os.path.islink(path):
        raise InputError.single(name, LINK_PROBLEM)
    try:
        # Looked at before it is opened: opening a device can itself do something (a tape rewinds).
        if not stat.S_ISREG(os.stat(path).st_mode) and not stat.S_ISDIR(os.stat(path).st_mode):
            raise InputError.single(name, f"is not a regular file (a pipe, device or socket); give {_a(what)}")
    except OSError:
        pass  # open() below says what is wrong, with the same messages
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        problem = "is a link to a file that does not exist" if os.path.islink(path) else "no such file"
        raise InputError.single(name, problem) from None
    except PermissionError:
        raise InputError.single(name, f"permission denied; check the {what}'s permissions") from None
    except OSError as exc:
        raise InputError.single(name, _open_problem(exc, what)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError.single(name, f"is a folder; give {_a(what)}")
        if not stat.S_ISREG(info.st_mode):
            raise InputError.single(name, f"is not a regular file (a pipe, device or socket); give {_a(what)}")
        over = f"is larger than {_size(limit)}, the limit for {_a(what)}" + (f"; {hint}" if hint else "")
        if info.st_size > limit and report_over:
            raise InputError.single(name, over)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:  # the file may grow while it is read: stop one byte past the limit
            try:
                chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            except BlockingIOError:  # pragma: no cover - regular files never block
                continue
            except OSError as exc:
                raise InputError.single(name, f"cannot read the {what}: {exc.strerror}") from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit and report_over:
            raise InputError.single(name, over)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_file(path: str | Path, limit: int, *, what: str, hint: str = "", links: bool = True) -> bytes:
    """read_capped for a file that is not an inputs file (a plan, a notebook, a template): its
    problem is "FILE: message", a UsageError (exit 2), without the inputs' "(file)" field."""
    try:
        return read_capped(path, limit, what=what, hint=hint, links=links)
    except InputError as exc:
        issue = exc.issues[0]
        raise UsageError(f"{issue.file}: {issue.message}") from None


def _open_problem(exc: OSError, what: str) -> str:
    if exc.errno == errno.ELOOP:
        return "is a symbolic link that leads back to itself (a link loop); point it at a file"
    if exc.errno == errno.ENXIO:  # opening a Unix socket (or a FIFO's other side)
        return f"is not a regular file (a socket or device); give {_a(what)}"
    if exc.errno == errno.EISDIR:
        return f"is a folder; give {_a(what)}"
    if exc.errno == errno.ENAMETOOLONG:
        return "the file name is too long for this system"
    return f"cannot read the {what}: {exc.strerror}"
