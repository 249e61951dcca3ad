"""Password hashing: argon2id through libpass (the maintained passlib)."""

from passlib.context import CryptContext

_context = CryptContext(schemes=["argon2"], deprecated="auto")
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _context.hash("not-a-real-password-only-for-timing")


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    return (
        bool(_context.verify(password, password_hash or _DUMMY_HASH)) and password_hash is not None
    )
