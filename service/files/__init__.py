"""Customer files (客户档案): registering and editing a file from its template, archive numbers, the list of
files, duplicates and merging, corrections, spreadsheet imports, labels with QR codes, and the templates
with their validators.

Its pages and API are in service/web/files/, its records in storage/files.py and storage/templates.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["CLASSIFICATION_KEYS", "CUSTOMER_TYPES", "EDITABLE", "LOCATION_KEYS", "STAGES", "FileService",
                "merge_patch", "target_of"],
    "lists": ["FileLists"],
    "duplicates": ["RETIRED_STATUSES", "DuplicateService", "duplicate_keys", "find_duplicates"],
    "merging": ["MergeService"],
    "corrections": ["CorrectionService"],
    "imports": ["ImportService", "imports"],
    "labels": ["labels"],
    "templates": ["BUILTIN_TEMPLATES", "check_template_definition", "compile_schema", "path_label", "templates",
                  "validate_fields"],
    "template_registry": ["TemplateRegistry"],
    "validators": ["credit_check_char", "id_check_char", "validators"],
    "pinyin": ["name_keys", "sound_key"],
})
