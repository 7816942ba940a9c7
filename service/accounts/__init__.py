"""People (用户): accounts with their roles and department, passwords (Argon2) with lock-out after
failures, deactivation, and API tokens.

Its pages are in service/web/accounts/, its records in storage/users.py and storage/tokens.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "users": ["ROLES", "User", "UserService", "lock_delay", "users"],
    "tokens": ["TokenService"],
})
