"""Office files (.docx, .xlsx) whose bytes do not depend on the clock."""

from __future__ import annotations

import io
import re
import zipfile

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_STAMP = "2000-01-01T00:00:00Z"


def fixed_zip(data: bytes, stamp: str | None = None) -> bytes:
    """``data`` (a zip package) rewritten with fixed member times, and its
    ``docProps/core.xml`` created/modified dates set to ``stamp`` (an ISO time, e.g. the
    results' ``created``), so the same tables give the same bytes."""
    stamp = stamp or _STAMP
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>" + stamp.encode("ascii"), content)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()
