"""Photos of inspection visits (明察暗访): checked and re-encoded before anything is stored.

A phone's photo carries where and when it was taken (EXIF with GPS, XMP), the phone's
make and serial, and sometimes comments; a PNG may carry text chunks. None of it is
wanted: the registry keeps what the photo shows. :func:`prepare_photo`

* accepts JPEG, PNG and WebP, recognised by their content (a renamed file is refused),
  at most :data:`MAX_PHOTO_BYTES` as uploaded;
* refuses a broken file and a decompression bomb (more than :data:`MAX_PIXELS` pixels);
* turns the picture upright by its EXIF orientation (``ImageOps.exif_transpose``),
  converts an embedded colour profile to sRGB, and scales it down to at most
  :data:`MAX_SIDE` pixels on the long side;
* encodes fresh pixels only, so no metadata at all (EXIF incl. GPS, XMP, ICC profile,
  comments, PNG text chunks) reaches the stored bytes.

Pillow is imported inside the function: public pages must not load it at import time
(tests/test_lazy_imports.py).
"""

from __future__ import annotations

import io
import warnings
from pathlib import PurePosixPath, PureWindowsPath
from typing import Final

from services.errors import Refused

MAX_PHOTO_BYTES: Final = 8 * 1024 * 1024  # as uploaded
MAX_PIXELS: Final = 64_000_000  # a 64-megapixel photo; more is treated as a decompression bomb
MAX_SIDE: Final = 2048  # long side of the stored picture
MAX_NAME: Final = 200  # InspectionPhoto.name is String(200)
JPEG_QUALITY: Final = 85

# kind: (content type, file suffix, Pillow format)
KINDS: Final = {
    "jpeg": ("image/jpeg", ".jpg", "JPEG"),
    "png": ("image/png", ".png", "PNG"),
    "webp": ("image/webp", ".webp", "WEBP"),
}


class PhotoRefused(Refused):
    """A photo that cannot be stored: too large, not an image of an accepted kind, broken."""


def sniff(raw: bytes) -> str | None:
    """The kind of image ``raw`` holds by its first bytes (``jpeg``, ``png``, ``webp``), or None."""
    if raw[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if raw[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if len(raw) >= 12 and raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "webp"
    return None


def clean_name(name: str, kind: str) -> str:
    """The file's own name (no folders), with the suffix of what is stored, at most 200 characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name.strip()
    base = "".join(ch for ch in base if ch.isprintable()) or "photo"
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    suffix = KINDS[kind][1]
    return f"{stem[: MAX_NAME - len(suffix)] or 'photo'}{suffix}"


def prepare_photo(name: str, raw: bytes) -> tuple[str, str, bytes]:
    """``(name, content_type, data)`` to store for an uploaded photo, or :class:`PhotoRefused`
    naming the file and why."""
    shown = (name or "").strip() or "photo"
    if not raw:
        raise PhotoRefused(f"the photo {shown} is empty")
    if len(raw) > MAX_PHOTO_BYTES:
        raise PhotoRefused(
            f"the photo {shown} is {len(raw) / 2**20:.1f} MB; at most "
            f"{MAX_PHOTO_BYTES // 2**20} MB can be uploaded: take it at a lower resolution"
        )
    kind = sniff(raw)
    if kind is None:
        raise PhotoRefused(f"the photo {shown} is not a JPEG, PNG or WebP image")

    from PIL import Image, ImageOps

    content_type, _, pil_format = KINDS[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=[pil_format]) as opened:
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise PhotoRefused(
                        f"the photo {shown} has {width}×{height} pixels; at most "
                        f"{MAX_PIXELS // 1_000_000} million can be stored"
                    )
                if kind == "jpeg":
                    # decode at a reduced scale when the photo is much larger than is kept
                    opened.draft("RGB", (MAX_SIDE, MAX_SIDE))
                upright = ImageOps.exif_transpose(opened)
                upright.load()
                icc = opened.info.get("icc_profile")
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(f"the photo {shown} has too many pixels to be opened safely") from None
    except (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError, KeyError) as exc:
        raise PhotoRefused(f"the photo {shown} cannot be read as an image ({type(exc).__name__})") from None

    picture = _srgb(upright, icc)
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    )
    mode = "RGBA" if has_alpha and kind != "jpeg" else "RGB"
    picture = picture.convert(mode)
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # fresh pixels without any of the original's info (EXIF, XMP, ICC, comments, text chunks)
    bare = Image.frombytes(mode, picture.size, picture.tobytes())
    out = io.BytesIO()
    if kind == "jpeg":
        bare.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif kind == "png":
        bare.save(out, "PNG", optimize=False)
    else:
        bare.save(out, "WEBP", quality=JPEG_QUALITY)
    return clean_name(name, kind), content_type, out.getvalue()


def _srgb(picture, icc: bytes | None):  # type: ignore[no-untyped-def]
    """``picture`` converted from its embedded colour profile to sRGB (as is when that fails)."""
    if not icc or picture.mode not in ("RGB", "RGBA", "CMYK"):
        return picture
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        out_mode = "RGBA" if picture.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(picture, source, target, outputMode=out_mode) or picture
    except Exception:  # a damaged profile: keep the pixels as they are
        return picture
