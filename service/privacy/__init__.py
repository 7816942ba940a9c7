"""Personal information (个人信息): masking ID numbers and phones for those who may not see them in full,
audited reveals, subject access packages and erasure requests.

Its pages and API are in service/web/privacy/.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["PrivacyService"],
    "pii": ["pii"],
    "export": ["export"],
})
