"""A tiny but valid PDF, built by hand so the dw site can serve a non-HTML document at an article URL
(real news sites do: reports and press releases) without shipping a binary file.
"""

from __future__ import annotations

from collections.abc import Sequence


def _pdf_string(text: str) -> bytes:
    """A PDF literal string; only Latin-1 text (the standard Helvetica font has no Arabic)."""
    raw = text.encode("latin-1", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def minimal_pdf(lines: Sequence[str], title: str = "") -> bytes:
    """One A4 page showing ``lines``; byte-for-byte deterministic (no dates, no random IDs)."""
    text = b"BT /F1 14 Tf 72 770 Td 20 TL " + b" ".join(_pdf_string(x) + b" Tj T*" for x in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title " + _pdf_string(title) + b" /Producer (akhbar sample sites) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{num} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode() + b"0000000000 65535 f \n"
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
