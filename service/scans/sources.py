"""The scanner's outputs in order: the files of a folder, or the members of a zip, sorted by name.

Nothing is ever written under a name taken from the input: a zip member is copied (up to the
size limit) to a temporary file named by its position, so a member called `../../evil.pdf` can
only be refused, never written anywhere. Hidden files, folders, unsafe names and members larger
than the limit come out as inputs with a reason to skip them.
"""
from __future__ import annotations

import logging
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from service.errors import Invalid
from service.messages import N_

log = logging.getLogger(__name__)

MAX_MEMBERS = 10_000
CHUNK = 1024 * 1024
HIDDEN = N_("隐藏文件")
FOLDER = N_("文件夹")
UNSAFE = N_("不安全的文件名（路径穿越）")
LINK = N_("符号链接")
NOT_REGULAR = N_("不是普通文件")
ENCRYPTED = N_("压缩包内的文件已加密")


def too_large(size: int, limit: int) -> str:
    """The reason given for an input over the size limit."""
    return N_("文件过大：%(size)s 字节，上限 %(limit)s 字节", size=size, limit=limit)


@dataclass(frozen=True)
class Input:
    """One scanner output: its name, where its bytes are (None if skipped), or why it is skipped."""

    name: str
    path: Path | None = None
    skip: str | None = None


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in name.split("/") if part)


def folder_inputs(folder: Path, limit: int) -> tuple[int, Iterator[Input]]:
    """How many entries the folder has, and its inputs sorted by name (subfolders are not entered)."""
    entries = sorted(folder.iterdir(), key=lambda p: p.name)
    return len(entries), (_folder_input(entry, limit) for entry in entries)


def _folder_input(entry: Path, limit: int) -> Input:
    if entry.name.startswith("."):
        return Input(entry.name, skip=HIDDEN)
    if entry.is_symlink():
        return Input(entry.name, skip=LINK)
    if entry.is_dir():
        return Input(entry.name, skip=FOLDER)
    if not entry.is_file():
        return Input(entry.name, skip=NOT_REGULAR)
    size = entry.stat().st_size
    if size > limit:
        return Input(entry.name, skip=too_large(size, limit))
    return Input(entry.name, path=entry)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name; zips made on Chinese Windows carry GBK names without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unsafe(name: str) -> bool:
    """A name that would leave the folder it is extracted to (or is absolute, or names a drive)."""
    text = name.replace("\\", "/")
    return text.startswith("/") or (len(text) > 1 and text[1] == ":") or ".." in text.split("/") or "\x00" in text


def open_zip(path: Path) -> zipfile.ZipFile:
    """The zip; Invalid if it is not one."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Invalid(N_("不是 ZIP 文件"), {"file": N_("不是有效的 ZIP 压缩包：%(why)s", why=str(exc))}) from None
    if len(archive.infolist()) > MAX_MEMBERS:
        archive.close()
        raise Invalid(N_("压缩包内文件太多"), {"file": N_("至多 %(n)s 个文件", n=MAX_MEMBERS)})
    return archive


def zip_inputs(archive: zipfile.ZipFile, work: Path, limit: int) -> tuple[int, Iterator[Input]]:
    """How many members the zip has, and its inputs sorted by name, each copied to work/ while it is used."""
    members = sorted(((member_name(info), info) for info in archive.infolist()), key=lambda pair: pair[0])
    return len(members), _members(archive, members, work, limit)


def _members(archive: zipfile.ZipFile, members: list, work: Path, limit: int) -> Iterator[Input]:
    for position, (name, info) in enumerate(members):
        reason = _member_skip(name, info, limit)
        if reason:
            yield Input(name, skip=reason)
            continue
        target = work / f"member-{position:05d}"
        try:
            reason = _copy_member(archive, info, target, limit)
            yield Input(name, skip=reason) if reason else Input(name, path=target)
        finally:
            target.unlink(missing_ok=True)


def _member_skip(name: str, info: zipfile.ZipInfo, limit: int) -> str | None:
    if _unsafe(name):
        return UNSAFE
    if info.is_dir():
        return FOLDER
    if _hidden(name):
        return HIDDEN
    if info.flag_bits & 0x1:
        return ENCRYPTED
    if info.file_size > limit:
        return too_large(info.file_size, limit)
    return None


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limit: int) -> str | None:
    """Copy a member out, stopping at the limit whatever its header claims; a reason if it failed."""
    written = 0
    try:
        with archive.open(info) as source, open(target, "wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    return too_large(written, limit)
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        return N_("压缩包内的文件已损坏：%(why)s", why=str(exc))
    return None
