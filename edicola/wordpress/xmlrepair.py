"""Malformed WordPress export files, repaired while they stream to the XML parser.

`CleanStream` is a read-only file object between the raw file and lxml: it decodes the bytes
(UTF-8 unless the XML declaration or a BOM says otherwise; bytes that are not UTF-8 are read as
Windows-1252), drops characters XML forbids (in CDATA too), and outside CDATA sections and
comments replaces the references XML does not define (HTML5 names become their characters,
unknown names stay as text, a bare `&` becomes `&amp;`). Line breaks are never added or
removed, so the parser's line numbers are the file's. `RepairNotes` keeps one `Repair` per
kind and line for the import report.
"""

from __future__ import annotations

import codecs
import html.entities
import re
from collections.abc import Iterator
from typing import BinaryIO

from django.utils.translation import gettext as _

from .records import Repair

CHUNK = 1 << 18  # bytes read from the file at a time
REPAIRS_PER_KIND = 200  # listed one by one; beyond that one line says how many more
# Characters XML 1.0 does not allow anywhere, not even in CDATA.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
# Bytes that were not UTF-8, as the surrogateescape decoder leaves them.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_REFERENCE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{0,40}));")
_NAME_TAIL = re.compile(r"&#?[xX]?[A-Za-z0-9]{0,41}\Z")
_LATE_DECLARATION = re.compile(r"\s+(<\?xml[^>]*\?>)")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENCODING_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


def _allowed_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _cp1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
        return bytes([byte]).decode("latin-1")


class RepairNotes:
    """The repairs of one pass, grouped per line, at most REPAIRS_PER_KIND listed per kind.
    Only the first full pass (the survey) keeps them; later passes see the same file."""

    def __init__(self, keep: bool):
        self.keep = keep
        self.listed: list[Repair] = []
        self.counts: dict[str, int] = {}
        self.line = 0
        self.on_line: set[tuple[str, str]] = set()

    def add(self, kind: str, line: int, problem, detail: str = "") -> None:
        """Lists a repair of `kind` on `line`; `problem()` builds its sentence, only if needed.
        The same repair twice on one line (a line cut between two chunks) counts once."""
        if not self.keep:
            return
        if line != self.line:
            self.line, self.on_line = line, set()
        if (kind, detail) in self.on_line:
            return
        self.on_line.add((kind, detail))
        count = self.counts.get(kind, 0) + 1
        self.counts[kind] = count
        if count <= REPAIRS_PER_KIND:
            self.listed.append(Repair(_("line %(line)d") % {"line": line}, problem()))

    def summary(self) -> list[Repair]:
        kinds = {
            "control": _("control characters"),
            "entity": _("undefined entities"),
            "ampersand": _("bare ampersands"),
            "encoding": _("bytes that are not UTF-8"),
            "declaration": _("blank lines before the XML declaration"),
        }
        more = []
        for kind, count in self.counts.items():
            if count > REPAIRS_PER_KIND:
                more.append(
                    Repair(
                        _("whole file"),
                        _("%(count)d more repairs of %(kind)s, made the same way, are not listed.")
                        % {"count": count - REPAIRS_PER_KIND, "kind": kinds.get(kind, kind)},
                    )
                )
        return self.listed + more


class CleanStream:
    """A read-only file object that hands the parser clean UTF-8 while reading the raw file.

    It decodes the bytes (UTF-8 unless the XML declaration or a BOM says otherwise), drops
    characters XML forbids, and outside CDATA sections and comments replaces the references
    XML does not define. Line breaks are never added or removed, so the parser's line numbers
    are the file's."""

    def __init__(self, raw: BinaryIO, notes: RepairNotes):
        self.raw = raw
        self.notes = notes
        self.line = 1  # line of the first character not yet cleaned
        self.last_content_line = 0  # line of the last non-blank character seen so far
        self.eof = False
        self._pending = ""  # text held back until the next chunk shows how it ends
        self._state = "text"  # "text", "cdata" or "comment"
        self._start = True  # the start of the file (its XML declaration) is still to come
        self._out = bytearray()
        head = raw.read(CHUNK)
        self._decoder = self._decoder_for(head)
        self._head: bytes | None = head

    def _decoder_for(self, head: bytes):
        self._ascii_based = not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if head.startswith(codecs.BOM_UTF8):
            return codecs.getincrementaldecoder("utf-8-sig")("surrogateescape")
        if not self._ascii_based:
            return codecs.getincrementaldecoder("utf-16")("replace")
        declared = _ENCODING_DECL.match(head)
        name = declared.group(1).decode("ascii").lower() if declared else "utf-8"
        try:
            name = codecs.lookup(name).name
        except LookupError:
            name = "utf-8"
        if name == "utf-8":
            return codecs.getincrementaldecoder("utf-8")("surrogateescape")
        return codecs.getincrementaldecoder(name)("replace")

    def read(self, size: int = -1) -> bytes:
        while not self.eof and (size < 0 or len(self._out) < size):
            if self._head is not None:
                data, self._head = self._head, None
            else:
                data = self.raw.read(CHUNK)
            final = not data
            # Control characters are the same bytes in every encoding but UTF-16; looking for
            # them in the bytes is much quicker than in the text.
            suspect = not self._ascii_based or (
                len(data.translate(None, _CONTROL_BYTES)) != len(data)
                or b"\xef\xbf\xbe" in data
                or b"\xef\xbf\xbf" in data
            )
            self._out += self._clean(self._decoder.decode(data, final), final, suspect)
            self.eof = final
        if size < 0 or size >= len(self._out):
            chunk = bytes(self._out)
            self._out.clear()
        else:
            chunk = bytes(self._out[:size])
            del self._out[:size]
        return chunk

    # Cleaning ---------------------------------------------------------------------------

    def _note(self, kind: str, text: str, pos: int, problem, detail: str = "") -> None:
        """Lists a repair at `pos` of `text`."""
        if not self.notes.keep:
            return
        scanned, line = self._scanned
        if pos < scanned:
            scanned, line = 0, self.line
        line += text.count("\n", scanned, pos)
        self._scanned = (pos, line)
        self.notes.add(kind, line, problem, detail)

    def _clean(self, text: str, final: bool, suspect: bool) -> bytes:
        text = self._pending + text
        self._pending = ""
        self._scanned = (0, self.line)
        if self._start:
            if not final and "?>" not in text and len(text) < 1024:
                self._pending = text  # the XML declaration, if any, is not read whole yet
                return b""
            self._start = False
            late = _LATE_DECLARATION.match(text)
            if late:
                # A theme or plugin printed blank lines before the export: the declaration is
                # only allowed first, and the parser is told the encoding anyway.
                self._note(
                    "declaration",
                    text,
                    late.start(1),
                    lambda: _("Ignored the blank lines before the XML declaration."),
                )
                text = text[: late.start(1)] + " " * len(late.group(1)) + text[late.end(1) :]
        if suspect and _CONTROL.search(text):
            text = self._drop_control(text)
        out: list[str] = []
        pos = 0
        end = len(text)
        while pos < end:
            if self._state != "text":
                closer = "]]>" if self._state == "cdata" else "-->"
                found = text.find(closer, pos)
                if found < 0:
                    keep = end if final else max(pos, end - 2)
                    out.append(text[pos:keep])
                    self._pending = text[keep:]
                    pos = end
                    break
                out.append(text[pos : found + 3])
                pos = found + 3
                self._state = "text"
                continue
            cdata = text.find("<![CDATA[", pos)
            comment = text.find("<!--", pos, cdata if cdata >= 0 else end)
            boundary = comment if comment >= 0 else cdata if cdata >= 0 else end
            if boundary == end and not final:
                lt = text.rfind("<", max(pos, end - 8))
                if lt >= 0 and ">" not in text[lt:]:
                    boundary = lt  # perhaps the start of "<![CDATA[" or "<!--"
            pos = self._references(text, pos, boundary, final, out)
            if pos < boundary:
                break  # a reference cut by the chunk's end: kept in _pending
            if boundary == end or boundary != comment and boundary != cdata:
                self._pending = text[boundary:]
                break
            opener = "<!--" if boundary == comment else "<![CDATA["
            out.append(opener)
            self._state = "comment" if boundary == comment else "cdata"
            pos = boundary + len(opener)
        cleaned = "".join(out)
        try:
            encoded = cleaned.encode("utf-8")
        except UnicodeEncodeError:  # bytes the UTF-8 decoder could not read, as surrogates
            cleaned = self._fix_bytes(cleaned)
            encoded = cleaned.encode("utf-8", "replace")
        self.line += cleaned.count("\n")
        stripped = cleaned.rstrip()
        if stripped:
            self.last_content_line = self.line - cleaned.count("\n", len(stripped))
        return encoded

    def _references(self, text: str, pos: int, stop: int, final: bool, out: list[str]) -> int:
        """Copies text[pos:stop] (outside CDATA) to `out`, fixing its references; returns
        where it stopped: `stop`, or earlier when a reference may go on in the next chunk."""
        while True:
            amp = text.find("&", pos, stop)
            if amp < 0:
                out.append(text[pos:stop])
                return stop
            out.append(text[pos:amp])
            reference = _REFERENCE.match(text, amp, stop)
            if reference is None:
                if not final and stop == len(text) and _NAME_TAIL.match(text, amp):
                    self._pending = text[amp:]
                    return amp
                self._note(
                    "ampersand", text, amp, lambda: _("Escaped a bare “&” that XML does not allow.")
                )
                out.append("&amp;")
                pos = amp + 1
                continue
            out.append(self._resolve(reference, text))
            pos = reference.end()

    def _resolve(self, reference: re.Match, text: str) -> str:
        decimal, hexadecimal, name = reference.groups()
        if name is None:
            code = int(decimal) if decimal is not None else int(hexadecimal, 16)
            if _allowed_char(code):
                return reference.group()
            self._note(
                "control",
                text,
                reference.start(),
                lambda: (
                    _("Removed the reference %(reference)s to a character XML does not allow.")
                    % {"reference": reference.group()}
                ),
                reference.group(),
            )
            return ""
        if name in _XML_ENTITIES:
            return reference.group()
        character = html.entities.html5.get(name + ";")
        if character is None:
            self._note(
                "entity",
                text,
                reference.start(),
                lambda: _("Kept the unknown entity &%(name)s; as plain text.") % {"name": name},
                name,
            )
            return "&amp;" + name + ";"
        self._note(
            "entity",
            text,
            reference.start(),
            lambda: (
                _("Replaced the undefined entity &%(name)s; with the character it stands for.")
                % {"name": name}
            ),
            name,
        )
        return "".join(f"&#{ord(c)};" if c in "<>&\"'" else c for c in character)

    def _fix_bytes(self, text: str) -> str:
        for line in _lines_matching(text, _ESCAPED_BYTE, self.line) if self.notes.keep else ():
            self.notes.add(
                "encoding",
                line,
                lambda: _("Read bytes that are not valid UTF-8 as Windows-1252 characters."),
            )
        return _ESCAPED_BYTE.sub(lambda m: _cp1252(ord(m.group()) - 0xDC00), text)

    def _drop_control(self, text: str) -> str:
        for line in _lines_matching(text, _CONTROL, self.line) if self.notes.keep else ():
            self.notes.add(
                "control", line, lambda: _("Removed control characters that XML does not allow.")
            )
        return _CONTROL.sub("", text)


def _lines_matching(text: str, pattern: re.Pattern, first_line: int) -> Iterator[int]:
    """The lines of `text` (numbered from `first_line`) where `pattern` matches."""
    line, pos, current = first_line, 0, None
    for match in pattern.finditer(text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        if line != current:
            current = line
            yield line
