"""Typed settings read once from the environment; bad values fail fast."""
from __future__ import annotations

import os
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import Mapping
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError


class SettingsError(ValueError):
    """A setting is missing or has a value that cannot be used."""


def _text(env: Mapping[str, str], name: str, default: str | None = None) -> str:
    value = env.get(name, default)
    if value is None or value == "":
        raise SettingsError(f"{name} must be set")
    return value


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


DEFAULT_LOAN_DAYS = {"staff": 14, "archivist": 30, "approver": 30, "executive": 30}


@dataclass(frozen=True)
class Settings:
    """Everything the processes need to know, immutable once read."""

    mongo_url: str
    db_name: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    secret_key: str
    data_dir: Path
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    bucket_prefix: str = "archive"
    index_dir: Path | None = None
    max_upload_bytes: int = 200 * 1024 * 1024
    default_locale: str = "zh"
    timezone: str = "Asia/Shanghai"
    session_minutes: int = 30
    token_days: int = 30
    secure_cookies: bool = False
    worker_lease_seconds: int = 300
    worker_poll_seconds: float = 1.0
    job_max_attempts: int = 5
    ready_timeout_seconds: float = 2.0
    archive_number_rule: str = "{project}-{yyyy}-{seq:05}"
    ocr_dpi: int = 200
    ocr_page_timeout_seconds: float = 120.0
    ocr_max_pixels: int = 80_000_000
    sweep_grace_seconds: int = 3600
    sweep_interval_seconds: int = 3600
    fixity_interval_seconds: int = 86400
    fixity_sample: int = 0
    loan_days: dict = field(default_factory=lambda: dict(DEFAULT_LOAN_DAYS))
    loan_renewal_limit: int = 2
    postgres_url: str = ""  # the PostgreSQL under FerretDB (development, tests); empty on MongoDB
    extra: dict = field(default_factory=dict)

    @property
    def search_dir(self) -> Path:
        """Where the Whoosh index lives."""
        return self.index_dir or self.data_dir / "index"

    def with_overrides(self, **changes) -> "Settings":
        """A copy with some values replaced (tests give each case its own names)."""
        return replace(self, **changes)


def _bucket_prefix(env: Mapping[str, str]) -> str:
    prefix = env.get("ARCHIVE_BUCKET_PREFIX") or "archive"
    if not (3 <= len(prefix) <= 40) or not all(c.islower() or c.isdigit() or c == "-" for c in prefix):
        raise SettingsError("ARCHIVE_BUCKET_PREFIX must be 3-40 lower-case letters, digits or '-'")
    return prefix


def _db_name(env: Mapping[str, str]) -> str:
    name = env.get("ARCHIVE_DB") or "archive"
    if not name.isascii() or not all(c.isalnum() or c in "_-" for c in name) or len(name) > 60:
        raise SettingsError("ARCHIVE_DB must be an ASCII name of letters, digits, '_' or '-'")
    return name


def _timezone(env: Mapping[str, str]) -> str:
    name = env.get("ARCHIVE_TIMEZONE") or "Asia/Shanghai"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"ARCHIVE_TIMEZONE is not a known time zone: {name!r}") from None
    return name


def _number_rule(env: Mapping[str, str]) -> str:
    rule = env.get("ARCHIVE_NUMBER_RULE") or "{project}-{yyyy}-{seq:05}"
    import string
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(rule) if name is not None}
    except ValueError as exc:
        raise SettingsError(f"ARCHIVE_NUMBER_RULE is not a valid pattern: {exc}") from None
    if "seq" not in names or names - {"seq", "project", "yyyy", "yy", "mm"}:
        raise SettingsError("ARCHIVE_NUMBER_RULE must contain {seq} and only {project}, {yyyy}, {yy}, {mm}")
    return rule


def _loan_days(env: Mapping[str, str]) -> dict:
    """ARCHIVE_LOAN_DAYS: the longest loan per role, e.g. "staff=14,approver=30"."""
    raw = env.get("ARCHIVE_LOAN_DAYS")
    if not raw:
        return dict(DEFAULT_LOAN_DAYS)
    days = {}
    for part in raw.split(","):
        role, _, value = part.strip().partition("=")
        if role not in DEFAULT_LOAN_DAYS or not value.strip().isdigit() or not 1 <= int(value) <= 365:
            raise SettingsError(f"ARCHIVE_LOAN_DAYS must list role=days (1-365) for {', '.join(DEFAULT_LOAN_DAYS)}, "
                                f"got {part!r}")
        days[role] = int(value)
    return days


def _postgres_url(env: Mapping[str, str]) -> str:
    value = (env.get("ARCHIVE_POSTGRES_URL") or "").strip()
    if value and not value.startswith(("postgres://", "postgresql://")):
        raise SettingsError("ARCHIVE_POSTGRES_URL must start with postgres:// or postgresql://")
    return value


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment, raising SettingsError on any bad value."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("ARCHIVE_DATA_DIR") or ".local/data").resolve()
    index_dir = env.get("ARCHIVE_INDEX_DIR")
    return Settings(
        mongo_url=_text(env, "ARCHIVE_MONGO_URL", "mongodb://127.0.0.1:27017/"),
        db_name=_db_name(env),
        s3_endpoint=_text(env, "ARCHIVE_S3_ENDPOINT", "127.0.0.1:9000"),
        s3_access_key=_text(env, "ARCHIVE_S3_ACCESS_KEY"),
        s3_secret_key=_text(env, "ARCHIVE_S3_SECRET_KEY"),
        s3_secure=_bool(env, "ARCHIVE_S3_SECURE", False),
        s3_region=env.get("ARCHIVE_S3_REGION") or "us-east-1",
        bucket_prefix=_bucket_prefix(env),
        secret_key=_text(env, "ARCHIVE_SECRET_KEY"),
        data_dir=data_dir,
        index_dir=Path(index_dir).resolve() if index_dir else None,
        max_upload_bytes=_int(env, "ARCHIVE_MAX_UPLOAD_MB", 200, minimum=1) * 1024 * 1024,
        default_locale=_choice(env, "ARCHIVE_LOCALE", "zh", ("zh", "en")),
        timezone=_timezone(env),
        session_minutes=_int(env, "ARCHIVE_SESSION_MINUTES", 30, minimum=1),
        token_days=_int(env, "ARCHIVE_TOKEN_DAYS", 30, minimum=1),
        secure_cookies=_bool(env, "ARCHIVE_SECURE_COOKIES", False),
        worker_lease_seconds=_int(env, "ARCHIVE_WORKER_LEASE_SECONDS", 300, minimum=1),
        job_max_attempts=_int(env, "ARCHIVE_JOB_MAX_ATTEMPTS", 5, minimum=1),
        archive_number_rule=_number_rule(env),
        ocr_dpi=_int(env, "ARCHIVE_OCR_DPI", 200, minimum=72),
        ocr_page_timeout_seconds=float(_int(env, "ARCHIVE_OCR_PAGE_TIMEOUT_SECONDS", 120, minimum=1)),
        ocr_max_pixels=_int(env, "ARCHIVE_OCR_MAX_MEGAPIXELS", 80, minimum=1) * 1_000_000,
        sweep_grace_seconds=_int(env, "ARCHIVE_SWEEP_GRACE_SECONDS", 3600, minimum=0),
        sweep_interval_seconds=_int(env, "ARCHIVE_SWEEP_INTERVAL_SECONDS", 3600, minimum=10),
        fixity_interval_seconds=_int(env, "ARCHIVE_FIXITY_INTERVAL_SECONDS", 86400, minimum=10),
        fixity_sample=_int(env, "ARCHIVE_FIXITY_SAMPLE", 0, minimum=0),
        loan_days=_loan_days(env),
        loan_renewal_limit=_int(env, "ARCHIVE_LOAN_RENEWALS", 2, minimum=0),
        postgres_url=_postgres_url(env),
    )
