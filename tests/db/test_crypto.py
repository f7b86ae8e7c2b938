"""Personal data at rest (db/crypto.py): encryption, keys, keyed hashes, phone numbers, masking."""

from __future__ import annotations

import base64
import hashlib
import shutil
import stat
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

import config
from db import crypto
from db.models import Campaign, CampaignSeries, District, FrameEntry, SamplingFrame, Unit

KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(1, 33))).decode()
PHONE = "+8613812345678"


@pytest.fixture
def key_a(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY_A)


@pytest.fixture
def key_file_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No key in the environment: the key file in a private data folder is used."""
    monkeypatch.delenv("APPRAISAL_SECRET_KEY", raising=False)
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "secret.key"


# ---------------------------------------------------------------- encryption


@pytest.mark.parametrize("plain", ["张伟", PHONE, "", "Zhang Wei 😀", "欧阳娜娜" * 100])
def test_encrypt_then_decrypt_gives_the_text_back(key_a: None, plain: str) -> None:
    blob = crypto.encrypt(plain)
    assert isinstance(blob, bytes)
    assert crypto.decrypt(blob) == plain
    assert crypto.decrypt(memoryview(blob)) == plain  # as psycopg returns bytea


def test_ciphertext_differs_every_time_and_holds_no_plaintext(key_a: None) -> None:
    blobs = [crypto.encrypt(PHONE) for _ in range(50)]
    assert len(set(blobs)) == 50  # a fresh nonce per value
    assert len({b[1:13] for b in blobs}) == 50
    for blob in blobs:
        for needle in (PHONE, "13812345678", "12345678", "5678"):
            assert needle.encode() not in blob
        assert len(blob) == 1 + 12 + len(PHONE) + 16  # format byte, nonce, ciphertext, tag
    name = crypto.encrypt("张伟")
    assert "张伟".encode() not in name and "张".encode() not in name


def test_a_value_encrypted_with_another_key_does_not_decrypt(
    key_a: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = crypto.encrypt(PHONE)
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY_B)
    with pytest.raises(crypto.DecryptionError, match="another key"):
        crypto.decrypt(blob)
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY_A)
    assert crypto.decrypt(blob) == PHONE


def test_a_tampered_or_foreign_value_does_not_decrypt(key_a: None) -> None:
    blob = bytearray(crypto.encrypt(PHONE))
    blob[20] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(blob))
    with pytest.raises(crypto.DecryptionError, match="unknown format"):
        crypto.decrypt(PHONE.encode())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not base64!", "not valid base64"),
        (base64.b64encode(b"short").decode(), "32 bytes"),
        (base64.b64encode(bytes(64)).decode(), "32 bytes"),
    ],
)
def test_a_bad_key_in_the_environment_is_refused_clearly(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", value)
    with pytest.raises(crypto.SecretKeyError, match=message):
        crypto.encrypt("x")


def test_url_safe_base64_keys_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = bytes([251] * 32)  # encodes with + and / in the standard alphabet
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", base64.urlsafe_b64encode(raw).decode())
    blob = crypto.encrypt("x")
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", base64.b64encode(raw).decode())
    assert crypto.decrypt(blob) == "x"


# ---------------------------------------------------------------- the local key file


def test_without_a_configured_key_a_private_key_file_is_generated_once(key_file_only: Path) -> None:
    assert not key_file_only.exists()
    blob = crypto.encrypt(PHONE)
    assert key_file_only.exists()
    assert stat.S_IMODE(key_file_only.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file_only.read_text().strip())) == 32
    assert list(key_file_only.parent.iterdir()) == [key_file_only]  # no temporary file left behind
    content = key_file_only.read_text()
    crypto._keyring_for.cache_clear()  # a new process reads the same file
    assert crypto.decrypt(blob) == PHONE
    assert key_file_only.read_text() == content


def test_the_key_file_matches_the_same_key_given_in_the_environment(
    key_file_only: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = crypto.encrypt(PHONE)
    h = crypto.keyed_hash(PHONE)
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", key_file_only.read_text().strip())
    assert crypto.decrypt(blob) == PHONE
    assert crypto.keyed_hash(PHONE) == h


def test_the_default_key_file_is_ignored_by_git(repo_root: Path) -> None:
    default = Path(config.DATA_DIR.default) / crypto.KEY_FILE_NAME
    if shutil.which("git") is None or not (repo_root / ".git").exists():
        # outside a checkout, read the rule itself
        rules = (repo_root / ".gitignore").read_text(encoding="utf-8").split()
        assert "data/" in rules or "/data/" in rules, "secret.key in the data folder must never be committed"
        return
    result = subprocess.run(
        ["git", "check-ignore", "-q", str(default.relative_to(repo_root))], cwd=repo_root, check=False
    )
    assert result.returncode == 0, "secret.key in the data folder must never be committed"


# ---------------------------------------------------------------- keyed hashes


def test_keyed_hash_is_stable_keyed_and_not_a_plain_hash(
    key_a: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = crypto.keyed_hash(PHONE)
    assert h == crypto.keyed_hash(PHONE)
    assert len(h) == 64 and int(h, 16) >= 0
    assert h != crypto.keyed_hash("+8613812345679")
    assert h != crypto.keyed_hash(PHONE, purpose="device")
    assert h not in {hashlib.sha256(PHONE.encode()).hexdigest(), hashlib.sha256(b"13812345678").hexdigest()}
    assert crypto.phone_hash("138 1234 5678") == h
    assert crypto.phone_hash("0086-138-1234-5678") == h
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY_B)
    assert crypto.keyed_hash(PHONE) != h


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+86-13812345678",
        "0086 13812345678",
        "8613812345678",
        "(+86) 138.1234.5678",
        "１３８１２３４５６７８",  # full-width digits, as typed with a Chinese input method
    ],
)
def test_accepted_spellings_of_a_mobile_number_normalize_to_e164(raw: str) -> None:
    assert crypto.normalize_cn_mobile(raw) == PHONE


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "no phone number"),
        ("  ", "no phone number"),
        ("1381234567", "got 10 digits"),
        ("138123456789", "got 12 digits"),
        ("12812345678", "starting with 13–19"),
        ("027-8888 8888", "landlines are not accepted"),
        ("+1 415 555 0100", "only mainland China"),
        ("+852 9123 4567", "only mainland China"),
        ("138l2345678", "only digits"),
    ],
)
def test_other_numbers_are_refused_without_repeating_them(raw: str, message: str) -> None:
    with pytest.raises(crypto.InvalidPhoneError, match=message) as info:
        crypto.normalize_cn_mobile(raw)
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) >= 7:
        assert digits not in str(info.value)


# ---------------------------------------------------------------- masking


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (PHONE, "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("0086 15912345678", "159****5678"),
        ("02788881234", "027****1234"),
        ("12345", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_are_masked_for_display(raw: str | None, shown: str) -> None:
    assert crypto.mask_phone(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("张伟", "张*"),
        ("李秀英", "李**"),
        ("欧阳娜娜", "欧***"),
        ("王", "*"),
        (" 张伟 ", "张*"),
        ("", ""),
        (None, ""),
    ],
)
def test_names_are_masked_for_display(raw: str | None, shown: str) -> None:
    assert crypto.mask_name(raw) == shown


# ---------------------------------------------------------------- in the database


def test_a_frame_entry_row_holds_no_plaintext_phone_or_name(key_a: None, make_uow, database_url: str) -> None:  # type: ignore[no-untyped-def]
    phone, name = "+8613987654321", "张建华"
    with make_uow() as uow:
        s = uow.session
        series = CampaignSeries(code="s", name="系列")
        s.add(series)
        s.flush()
        campaign = Campaign(code="c", series_id=series.id, year=2024)
        district = District(name="江滨区")
        s.add_all([campaign, district])
        s.flush()
        unit = Unit(code="U1", name="汉兴街派出所", category="grassroots", district_id=district.id)
        frame = SamplingFrame(campaign_id=campaign.id, name="服务对象抽样框")
        s.add_all([unit, frame])
        s.flush()
        s.add(
            FrameEntry(
                frame_id=frame.id,
                unit_id=unit.id,
                name_enc=crypto.encrypt(name),
                phone_enc=crypto.encrypt(phone),
                phone_hash=crypto.phone_hash(phone),
                service_date=date(2024, 11, 3),
                case_number="BJ2024110300123",
            )
        )
        uow.commit()

    with make_uow() as uow:
        raw = uow.session.execute(text("SELECT name_enc, phone_enc, phone_hash FROM frame_entry")).one()
        columns = [bytes(raw[0]), bytes(raw[1]), str(raw[2]).encode()]
        for needle in (phone, phone[3:], phone[-8:], name, name[1:]):
            for column in columns:
                assert needle.encode() not in column
        entry = uow.session.execute(select(FrameEntry)).scalar_one()
        assert crypto.decrypt(entry.phone_enc) == phone
        assert crypto.decrypt(entry.name_enc) == name
        assert crypto.mask_phone(crypto.decrypt(entry.phone_enc)) == "139****4321"
        found = uow.session.execute(
            select(FrameEntry.id).where(FrameEntry.phone_hash == crypto.phone_hash("139 8765 4321"))
        ).scalar_one()
        assert found == entry.id

    if database_url.startswith("sqlite"):
        # nothing in the database file (or its write-ahead log) spells the number or the name
        from db.engine import dispose_all

        dispose_all()
        path = Path(database_url.removeprefix("sqlite:///"))
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert "汉兴街派出所".encode() in stored  # the check can see plain text when it is there
        assert phone[3:].encode() not in stored and name.encode() not in stored
