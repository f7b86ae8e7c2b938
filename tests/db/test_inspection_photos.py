"""Photos of inspection visits (services.inspection_photos): accepted by content, re-encoded
upright, scaled down, and stored without any metadata (GPS EXIF, PNG text chunks, ICC)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, PngImagePlugin

from services.errors import Refused
from services.inspection_photos import (
    MAX_PHOTO_BYTES,
    MAX_SIDE,
    PhotoRefused,
    clean_name,
    prepare_photo,
    sniff,
)


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "SecretModel-123"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (45.0, 17.0, 42.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (130.0, 58.0, 11.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at the back door")
    return out.getvalue()


def test_gps_exif_written_by_pillow_is_gone_afterwards() -> None:
    raw = jpeg_with_gps()
    with Image.open(io.BytesIO(raw)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really carries GPS
    name, content_type, data = prepare_photo("IMG_0001.JPG", raw)
    assert (name, content_type) == ("IMG_0001.jpg", "image/jpeg")
    with Image.open(io.BytesIO(data)) as after:
        assert after.format == "JPEG"
        assert after.size == (64, 32)
        assert not after.getexif()
        assert not after.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in after.info and "comment" not in after.info and "icc_profile" not in after.info
    for leaked in (b"Exif", b"SecretModel", b"PhoneMaker", b"back door", b"GPS"):
        assert leaked not in data


def test_a_png_text_chunk_is_gone() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret location 45.29N")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPSLatitude 45</x:xmpmeta>")
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
    raw = out.getvalue()
    assert b"secret location" in raw
    name, content_type, data = prepare_photo("shot.png", raw)
    assert (name, content_type) == ("shot.png", "image/png")
    assert b"secret location" not in data and b"xmpmeta" not in data
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP"):
        assert chunk not in data
    with Image.open(io.BytesIO(data)) as after:
        assert after.mode == "RGBA" and after.getpixel((0, 0)) == (0, 0, 255, 128)
        assert not getattr(after, "text", {})


def test_the_exif_orientation_is_applied() -> None:
    # orientation 6: the camera was turned; the picture must be shown rotated 90° clockwise
    _, _, data = prepare_photo("p.jpg", jpeg_with_gps((40, 20), orientation=6))
    with Image.open(io.BytesIO(data)) as after:
        assert after.size == (20, 40)
        assert not after.getexif()


def test_a_large_photo_is_scaled_to_the_long_side_limit() -> None:
    out = io.BytesIO()
    Image.new("RGB", (3000, 1500), (10, 120, 10)).save(out, "WEBP", quality=50)
    name, content_type, data = prepare_photo("wide.webp", out.getvalue())
    assert (name, content_type) == ("wide.webp", "image/webp")
    with Image.open(io.BytesIO(data)) as after:
        assert after.size == (MAX_SIDE, MAX_SIDE // 2)


def test_the_kind_is_told_by_content_not_by_name() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    # a PNG called .jpg is stored as the PNG it is
    assert prepare_photo("fake.jpg", out.getvalue())[:2] == ("fake.png", "image/png")
    with pytest.raises(PhotoRefused, match=r"the photo notes\.jpg is not a JPEG, PNG or WebP image"):
        prepare_photo("notes.jpg", b"GIF89a" + bytes(100))
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    with pytest.raises(PhotoRefused, match="not a JPEG, PNG or WebP"):
        prepare_photo("anim.png", gif.getvalue())


def test_too_large_empty_and_broken_files_are_refused_naming_the_file() -> None:
    with pytest.raises(PhotoRefused, match=r"the photo big\.jpg is 8\.0 MB; at most 8 MB"):
        prepare_photo("big.jpg", b"\xff\xd8\xff" + bytes(MAX_PHOTO_BYTES))
    with pytest.raises(PhotoRefused, match=r"the photo e\.jpg is empty"):
        prepare_photo("e.jpg", b"")
    truncated = jpeg_with_gps()[:200]
    with pytest.raises(PhotoRefused, match=r"the photo cut\.jpg cannot be read as an image"):
        prepare_photo("cut.jpg", truncated)
    assert issubclass(PhotoRefused, Refused)


def test_a_decompression_bomb_is_refused() -> None:
    # a tiny PNG that declares 20000 × 20000 pixels (400 million)
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG", optimize=True)
    raw = out.getvalue()
    assert len(raw) < 200_000
    with pytest.raises(PhotoRefused, match=r"the photo bomb\.png has (too many pixels|20000×20000 pixels)"):
        prepare_photo("bomb.png", raw)


def test_names_lose_folders_and_control_characters() -> None:
    assert clean_name("C:\\Users\\me\\DCIM\\IMG 1.jpeg", "jpeg") == "IMG 1.jpg"
    assert clean_name("../../etc/passwd", "png") == "passwd.png"
    assert clean_name("", "webp") == "photo.webp"
    assert clean_name("a\x00b.jpg", "jpeg") == "ab.jpg"
    assert len(clean_name("长" * 500 + ".jpg", "jpeg")) == 200


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=64))
def test_sniff_accepts_only_the_three_signatures(prefix: bytes) -> None:
    kind = sniff(prefix)
    assert kind in (None, "jpeg", "png", "webp")
    if kind == "jpeg":
        assert prefix.startswith(b"\xff\xd8\xff")
    if kind is None:
        assert not prefix.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
