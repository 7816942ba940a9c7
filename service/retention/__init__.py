"""Retention and destruction (保管期限与销毁): retention policies and each file's computed period, legal
holds, destruction batches (proposed, approved, executed), their certificates and the destruction register
whose chained entries prove what was destroyed.

Its pages and API are in service/web/retention/, its records in storage/retention*.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["READERS", "RetentionService", "require_reader"],
    "rules": ["DATED"],
    "certificate": ["certificate_pdf"],
    "destruction": ["DestructionService"],
    "execution": ["KEPT", "DestructionExecutor"],
    "holds": ["HoldService"],
    "register": ["DestructionRegister", "entry_hash"],
})
