"""Settings of the platform, declared once: name, default and help.

Values come from the environment; every setting is listed in the README
(``tests/test_docs.py`` checks that).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: str
    help: str

    def get(self) -> str:
        return os.environ.get(self.name, self.default)


DATA_DIR = Setting(
    "APPRAISAL_DATA_DIR", str(ROOT / "data"), "folder for the SQLite database and the local key file"
)
DATABASE_URL = Setting(
    "DATABASE_URL",
    "",
    "SQLAlchemy URL of the database; empty means SQLite at $APPRAISAL_DATA_DIR/appraisal.sqlite3 "
    "(PostgreSQL: postgresql+psycopg://user@host:5432/name)",
)
SECRET_KEY = Setting(
    "APPRAISAL_SECRET_KEY",
    "",
    "base64 key (32 bytes) for encrypting personal data and keying hashes; empty means a key file "
    "generated in $APPRAISAL_DATA_DIR/secret.key on first use",
)
SESSION_IDLE_MINUTES = Setting(
    "APPRAISAL_SESSION_IDLE_MINUTES",
    "30",
    "minutes without a request after which a staff login session ends (checked on the server)",
)
LOGIN_BACKOFF_AFTER = Setting(
    "APPRAISAL_LOGIN_BACKOFF_AFTER",
    "5",
    "failed sign-ins of one account after which each further try must wait (2 s, then doubling)",
)
LOGIN_LOCKOUT_AFTER = Setting(
    "APPRAISAL_LOGIN_LOCKOUT_AFTER",
    "10",
    "failed sign-ins of one account within APPRAISAL_LOGIN_LOCKOUT_MINUTES that lock it for that long "
    "(an administrator can unlock it earlier)",
)
LOGIN_NETWORK_LOCKOUT_AFTER = Setting(
    "APPRAISAL_LOGIN_NETWORK_LOCKOUT_AFTER",
    "30",
    "failed sign-ins from one network address (any accounts) within APPRAISAL_LOGIN_LOCKOUT_MINUTES "
    "that lock sign-in from that address for that long",
)
LOGIN_LOCKOUT_MINUTES = Setting(
    "APPRAISAL_LOGIN_LOCKOUT_MINUTES",
    "15",
    "how long failed sign-ins are counted, and how long a lockout lasts",
)
TRUST_PROXY = Setting(
    "APPRAISAL_TRUST_PROXY",
    "false",
    "true when a reverse proxy in front of the app sets X-Forwarded-For: then the address it appended "
    "is the client's network for sign-in limits; otherwise the header is ignored (a client can forge it)",
)
DB_POOL_SIZE = Setting(
    "APPRAISAL_DB_POOL_SIZE",
    "20",
    "database connections kept open per process (plus up to as many again under load)",
)
VERIFIER = Setting(
    "APPRAISAL_VERIFIER",
    "simulator",
    "how survey respondents' mobile numbers are verified: simulator (code written to the server "
    "log), own (our own code sent by an SMS provider) or twilio (Twilio Verify)",
)
TWILIO_ACCOUNT_SID = Setting(
    "TWILIO_ACCOUNT_SID", "", "Twilio account SID (AC...), for Twilio Verify and APPRAISAL_TELEPHONY=twilio"
)
TWILIO_AUTH_TOKEN = Setting(
    "TWILIO_AUTH_TOKEN",
    "",
    "Twilio auth token, for Twilio Verify and Twilio telephony (it also checks the webhooks' signatures)",
)
TWILIO_VERIFY_SERVICE_SID = Setting(
    "TWILIO_VERIFY_SERVICE_SID", "", "Twilio Verify service SID (VA...) used when APPRAISAL_VERIFIER=twilio"
)
PUBLIC_URL = Setting(
    "APPRAISAL_PUBLIC_URL",
    "",
    "public address of the survey printed in QR codes and SMS links (e.g. https://pingyi.example.gov.cn); "
    "empty means the address the staff member is using",
)
TELEPHONY = Setting(
    "APPRAISAL_TELEPHONY",
    "simulator",
    "voice and SMS provider of the phone sampling: simulator (nothing is dialled or sent) or twilio",
)
TWILIO_FROM_NUMBER = Setting(
    "TWILIO_FROM_NUMBER",
    "",
    "the agency's number in E.164 (+86...), shown as caller ID on calls and used as the SMS sender",
)
WEBHOOK_BASE_URL = Setting(
    "APPRAISAL_WEBHOOK_BASE_URL",
    "",
    "public base URL at which the telephony provider reaches the webhooks "
    "(e.g. https://pingyi.example.gov.cn); signatures are checked against it, "
    "so it must be exactly what the provider calls",
)
HTTP_MAX_BODY_BYTES = Setting(
    "APPRAISAL_HTTP_MAX_BODY_BYTES",
    "65536",
    "largest request body, in bytes, that the plain HTTP routes (telephony webhooks, signing in) "
    "accept; a larger one gets 413 before it is read",
)
FAULT_TOLERANCE_BODY = Setting(
    "APPRAISAL_FAULT_TOLERANCE_BODY",
    "市纪委监委",
    "the body that decides fault-tolerance applications (容错免责), named on every decision",
)
SETTINGS = (
    DATA_DIR,
    DATABASE_URL,
    SECRET_KEY,
    SESSION_IDLE_MINUTES,
    LOGIN_BACKOFF_AFTER,
    LOGIN_LOCKOUT_AFTER,
    LOGIN_NETWORK_LOCKOUT_AFTER,
    LOGIN_LOCKOUT_MINUTES,
    TRUST_PROXY,
    DB_POOL_SIZE,
    VERIFIER,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_VERIFY_SERVICE_SID,
    PUBLIC_URL,
    TELEPHONY,
    TWILIO_FROM_NUMBER,
    WEBHOOK_BASE_URL,
    HTTP_MAX_BODY_BYTES,
    FAULT_TOLERANCE_BODY,
)


def data_dir() -> Path:
    return Path(DATA_DIR.get())


def database_url() -> str:
    """The configured database, or the default SQLite file in the data folder."""
    url = DATABASE_URL.get().strip()
    if url:
        return url
    return f"sqlite:///{data_dir() / 'appraisal.sqlite3'}"
