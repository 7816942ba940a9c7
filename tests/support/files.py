"""Customer files for the tests: good request bodies of both templates, and a file registered through the form."""
from __future__ import annotations

from tests.support.auth import csrf_from

VALID_ID = "11010519491231002X"
VALID_CREDIT = "91350100M000100Y43"


def individual(**overrides) -> dict:
    """A good body of an individual buyer's file (keys overridden by `overrides`)."""
    body = {"template": "individual", "name": "张伟",
            "fields": {"gender": "男", "id_type": "身份证", "id_number": VALID_ID, "phone": "13812345678",
                       "address": "北京市朝阳区建国路88号", "budget": 320},
            "classification": {"customer_type": "刚需", "stage": "意向", "project": "JXLT"},
            "security": "normal", "location": {"room": "A101", "cabinet": "3", "shelf": "2", "box": "17"}}
    body.update(overrides)
    return body


def enterprise(**overrides) -> dict:
    """A good body of an enterprise customer's file (keys overridden by `overrides`)."""
    body = {"template": "enterprise", "name": "华夏置业有限公司",
            "fields": {"ownership_type": "私营", "credit_code": VALID_CREDIT,
                       "legal_rep": {"name": "李娜", "title": "董事长"},
                       "contacts": [{"name": "王强", "title": "采购经理", "phone": "010-88886666"}],
                       "sales_by_year": [{"year": 2025, "amount": 1200}]},
            "classification": {"customer_type": "私营", "stage": "成交", "project": "JXLT"}}
    body.update(overrides)
    return body


VALID_ID = "11010519491231002X"


def form_for(client, template="individual") -> dict:
    """The new-file form's hidden values (CSRF token, template) as a signed-in person gets them."""
    page = client.get(f"/files/new?template={template}").get_data(as_text=True)
    return {"csrf_token": csrf_from(page), "template": template}


def register(client, **values) -> str:
    """Register an individual's file through the form (values override the form's); its id."""
    data = {**form_for(client), "name": "张伟", "c.stage": "意向", "c.project": "JXLT", "security": "normal",
            "f.id_type": "身份证", "f.id_number": VALID_ID, "f.phone": "138 1234 5678", "l.room": "A101",
            "l.cabinet": "3", **values}
    response = client.post("/files/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[1]
