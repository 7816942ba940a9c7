"""Backup and restore (备份与恢复): a consistent backup of the database and the object store, its restore
(with the destruction register replayed so that nothing destroyed comes back), and BagIt packages of files
for export and import.

Its page is in service/web/backup/, its commands in service/backup_cli.py and service/bags_cli.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["FORMAT", "BackupService", "product_version"],
    "restore": ["RestoreService"],
    "disposition": ["DispositionReplay", "load_register"],
    "bags": ["BagService", "safe_name"],
})
