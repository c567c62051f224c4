"""Binary sniffing and charset repair on bytes built here (the crawl-level checks are in test_faults)."""

from __future__ import annotations

import codecs
import gzip

import pytest

from core.charset import control_bytes, decode_html, looks_binary

PAGE = ("<html><head><title>عنوان المقال</title></head><body>"
        + "<p>أعلنت وزارة الزراعة السورية اليوم عن بدء موسم قطاف الفستق الحلبي في ريف حماة.</p>" * 40
        + "</body></html>")
LEGACY = "<p>وأكد مدير الزراعة أن الموسم يبشر بالخير للمزارعين</p>"


@pytest.mark.parametrize("body", [
    bytes(range(256)) * 64,  # random-looking bytes
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
    b"GIF89a\x01\x00\x01\x00",  # a 1x1 GIF: too short for any share to tell
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    gzip.compress(PAGE.encode()),
    b"\x00\x00\x00\x18ftypmp42",
])
def test_binary_bodies(body):
    assert looks_binary(body)


@pytest.mark.parametrize("body", [
    PAGE.encode()[:3000] + b"\x00" + PAGE.encode()[3000:],  # one NUL in the first 4 KB
    PAGE.encode().replace(b"</p>", b"\x01</p>", 3),  # a few stray controls in a long page
    PAGE.encode("utf-16"),  # UTF-16 with its BOM: half its bytes are NULs
    b"",
])
def test_text_bodies(body):
    assert not looks_binary(body)


def test_control_bytes_counts_what_text_never_holds():
    assert control_bytes(b"a\x00b\x1fc\td\ne\x0cf\rg\x1bh") == 2  # NUL and US; not tab/LF/FF/CR/ESC
    assert control_bytes(PAGE.encode("utf-16")) == 0


def test_stray_nul_is_dropped_when_decoding():
    body = PAGE.encode()[:3000] + b"\x00" + PAGE.encode()[3000:]
    text = decode_html(body, "text/html; charset=utf-8").text
    assert "\x00" not in text and text == PAGE


@pytest.mark.parametrize("label", ["iso-8859-6", "windows-1256", "iso-8859-1"])
def test_utf8_under_a_legacy_label_is_utf8(label):
    decoded = decode_html(PAGE.encode(), f"text/html; charset={label}")
    assert decoded.text == PAGE and decoded.encoding == "utf-8" and decoded.repaired


@pytest.mark.parametrize("legacy", ["cp1256", "iso8859_6"])
def test_legacy_fragment_in_a_utf8_page(legacy):
    """An old include inside a UTF-8 page labelled ISO-8859-6: both parts come out right."""
    body = PAGE.encode().replace(b"</body>", LEGACY.encode(legacy) + b"</body>")
    assert decode_html(body, "text/html; charset=iso-8859-6").text == PAGE.replace("</body>", LEGACY + "</body>")


@pytest.mark.parametrize(("codec", "label"), [("cp1256", "windows-1256"), ("iso8859_6", "iso-8859-6")])
def test_real_legacy_pages_keep_their_label(codec, label):
    decoded = decode_html(PAGE.encode(codec), f"text/html; charset={label}")
    assert decoded.text == PAGE and codecs.lookup(decoded.encoding).name == codecs.lookup(codec).name
    assert not decoded.repaired
