"""Binary documents for the default suite, written byte by byte: a one-page PDF and a PNG image.

No dependencies: the PDF is the smallest valid structure (catalog, pages, page, content stream,
Helvetica) with a correct xref table, so pypdf and pdftotext both read its text.
"""

from __future__ import annotations

import struct
import textwrap
import zlib


def _pdf_string(text: str) -> bytes:
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + safe.encode("latin-1", "replace") + b")"


def pdf(title: str, paragraphs: list[str] | tuple[str, ...]) -> bytes:
    """A one-page PDF showing ``title`` and ``paragraphs`` (wrapped at 90 characters)."""
    lines = [f"BT /F2 15 Tf 56 790 Td 18 TL {_pdf_string(title).decode('latin-1')} Tj T* /F1 10 Tf"]
    for para in paragraphs:
        for line in textwrap.wrap(para, 90):
            lines.append(f"{_pdf_string(line).decode('latin-1')} Tj T*")
        lines.append("T*")
    lines.append("ET")
    content = "\n".join(lines).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>"),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _pdf_string(title) + b" /Producer (Northbridge Council) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, len(objects), xref)
    return bytes(out)


def png(color: tuple[int, int, int], *, width: int = 32, height: int = 20) -> bytes:
    """A small RGB PNG: a ``color`` field with a darker band, so two colours give two images."""
    band = tuple(c // 2 for c in color)
    rows = []
    for y in range(height):
        pixel = bytes(band if height // 3 <= y < height // 2 else color)
        rows.append(b"\x00" + pixel * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))
