"""Templates and identifier checks: pure functions, no servers needed."""
from __future__ import annotations

import copy
from datetime import date

import pytest
from jsonschema import Draft202012Validator

from service.files import BUILTIN_TEMPLATES
from service.files import check_template_definition
from service.files import compile_schema
from service.files import templates
from service.files import validate_fields
from service.files import validators

INDIVIDUAL = BUILTIN_TEMPLATES["individual"]
ENTERPRISE = BUILTIN_TEMPLATES["enterprise"]
VALID_ID = "11010519491231002X"  # GB 11643's own example; its check character is X
VALID_CREDIT_CODE = "91350100M000100Y43"


def with_check_digit(first17: str) -> str:
    """An ID number whose check digit is right, so that only the other part under test can fail."""
    return first17 + validators.id_check_char(first17)


def individual_fields(**changes) -> dict:
    fields = {
        "gender": "女", "birth_date": "1949-12-31", "id_type": "身份证", "id_number": VALID_ID,
        "phone": "138 0013 8000", "address": "北京市朝阳区建国路88号", "occupation": "教师",
        "income_band": "20-50万", "household": "三口之家", "budget": 350.5, "unit_type": "三室两厅",
        "area_preference": "90-120平方米", "location_preference": "朝阳区", "purchase_time": "三个月内",
        "source_channel": "老带新", "contract_no": "HT-2024-001", "contract_end_date": "2026-06-30",
    }
    fields.update(changes)
    return fields


def enterprise_fields(**changes) -> dict:
    fields = {
        "ownership_type": "私营", "credit_code": VALID_CREDIT_CODE,
        "legal_rep": {"name": "张伟", "title": "董事长", "birth_date": "1970-05-20"},
        "main_brands": "美的、格力", "business_mode": "批发",
        "sales_by_year": [{"year": 2022, "amount": 1200}, {"year": 2023, "amount": 1530.5}],
        "credit_rating": "AA", "credit_limit": 500, "credit_term_days": 60,
        "contacts": [{"name": "李娜", "title": "采购经理", "phone": "0591-87654321"},
                     {"name": "王强", "title": "财务", "phone": "13912345678"}],
        "branches": [{"name": "厦门分公司", "region": "福建省厦门市"}],
        "contract_no": "QY-2024-017", "contract_end_date": "2027-12-31",
    }
    fields.update(changes)
    return fields


def admin_template(*fields: dict, **attributes) -> dict:
    return {"key": "vip_buyer", "label": {"zh": "大客户", "en": "VIP buyer"}, "fields": list(fields), **attributes}


def field(key: str, type_: str = "string", **extra) -> dict:
    return {"key": key, "type": type_, "label": {"zh": key, "en": key}, **extra}


# --- 身份证 numbers ---------------------------------------------------------------------------

def test_a_real_id_number_passes_in_any_case_and_spacing():
    assert validators.id_check_char("11010519491231002") == "X"
    assert validators.check_resident_id(VALID_ID) is None
    assert validators.check_resident_id("11010519491231002x") is None
    assert validators.check_resident_id(" 110105 19491231 002X ") is None
    assert validators.check_resident_id(with_check_digit("44030619900307123")) is None
    assert validators.normalize_id_number(" 110105 19491231002x") == VALID_ID


def test_a_wrong_check_digit_in_the_id_number_is_named():
    assert validators.check_resident_id("110105194912310021") == validators.WRONG_CHECK


def test_an_impossible_birth_date_in_the_id_number_is_refused():
    assert "不存在" in validators.check_resident_id(with_check_digit("11010519490230002"))
    assert "1900" in validators.check_resident_id(with_check_digit("11010518991231002"))
    future = validators.check_resident_id(with_check_digit("11010520300101002"), today=date(2024, 1, 1))
    assert future == "出生日期在未来"


def test_an_id_number_from_an_unknown_region_is_refused():
    assert "地区码无效" == validators.check_resident_id(with_check_digit("99010519491231002"))
    assert "地区码无效" == validators.check_resident_id(with_check_digit("20010519491231002"))


@pytest.mark.parametrize("value", ["", "11010519491231002", "1101051949123100211", "11010519491231002Y",
                                   "A1010519491231002X", 110105194912310021, None])
def test_id_numbers_of_the_wrong_shape_are_refused(value):
    assert validators.check_resident_id(value) is not None


# --- unified social credit codes ------------------------------------------------------------

def test_a_real_credit_code_passes_even_in_lower_case():
    assert validators.credit_check_char("91350100M000100Y4") == "3"
    assert validators.check_credit_code(VALID_CREDIT_CODE) is None
    assert validators.check_credit_code(VALID_CREDIT_CODE.lower()) is None
    computed = "91440300MA5DABCD1" + validators.credit_check_char("91440300MA5DABCD1")
    assert validators.check_credit_code(computed) is None


def test_a_wrong_check_character_in_the_credit_code_is_named():
    assert validators.check_credit_code("91350100M000100Y44") == validators.WRONG_CHECK


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_a_credit_code_with_a_letter_the_standard_leaves_out_is_refused(letter):
    problem = validators.check_credit_code("91350100M000100" + letter + "43")
    assert problem is not None and letter in problem


@pytest.mark.parametrize("value", ["", "91350100M000100Y4", "91350100M000100Y433", "913501A0M000100Y43", 42])
def test_credit_codes_of_the_wrong_shape_are_refused(value):
    assert validators.check_credit_code(value) is not None


# --- phones -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000",
                                   "8613800138000", "+8619912345678", "１３８００１３８０００"])
def test_mainland_mobiles_pass_with_prefix_and_separators(value):
    assert validators.check_mobile(value) is None
    normalized = validators.normalize_mobile(value)
    assert len(normalized) == 11 and normalized.isascii() and normalized.isdigit()


@pytest.mark.parametrize("value", ["12800138000", "1380013800", "138001380001", "010-88886666", "", "abc", None])
def test_things_that_are_not_mobiles_are_refused(value):
    assert validators.check_mobile(value) is not None


def test_a_mobile_is_stored_as_its_eleven_digits():
    assert validators.normalize_mobile("+86 138-0013-8000") == "13800138000"
    assert validators.normalize_mobile("１３８００１３８０００") == "13800138000"
    assert validators.normalize_mobile(" not a phone ") == "not a phone"


@pytest.mark.parametrize("value", ["010-88886666", "0755-12345678", "(0755)12345678", "0755 8888 6666",
                                   "010-88886666-123", "021-66668888转8001", "+86 10 88886666", "0591-7654321",
                                   "13912345678"])
def test_landlines_with_an_area_code_and_mobiles_are_phones(value):
    assert validators.check_phone(value) is None


@pytest.mark.parametrize("value", ["88886666", "010-8888", "0123-4567890", "110", "电话号码", "010-123456789", None])
def test_numbers_without_an_area_code_are_not_phones(value):
    assert validators.check_phone(value) is not None


# --- field names ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["budget", "a", "sales_2023", "x" * 40])
def test_plain_lower_case_names_are_safe_field_names(name):
    assert validators.safe_field_name(name) is None


@pytest.mark.parametrize("name", ["a.b", "$where", "_id", "id", "archive_no", "version", "status", "template",
                                  "Budget", "1st", "名字", "x" * 41, "", "budget\n", None])
def test_names_a_database_would_misread_are_refused(name):
    assert validators.safe_field_name(name) is not None


# --- the built-in templates -------------------------------------------------------------------

def test_an_individual_buyer_with_chinese_values_is_valid():
    assert validate_fields(INDIVIDUAL, individual_fields()) == {}


def test_an_enterprise_customer_with_chinese_values_is_valid():
    assert validate_fields(ENTERPRISE, enterprise_fields()) == {}


def test_only_the_required_fields_are_enough():
    assert validate_fields(INDIVIDUAL, {"phone": "13800138000"}) == {}
    assert validate_fields(ENTERPRISE, {"ownership_type": "外企", "credit_code": VALID_CREDIT_CODE}) == {}


def test_a_wrong_check_digit_in_the_files_id_number_is_named():
    problems = validate_fields(INDIVIDUAL, individual_fields(id_number="110105194912310021"))
    assert problems == {"id_number": validators.WRONG_CHECK}


def test_a_passport_number_is_not_checked_as_an_id_card():
    assert validate_fields(INDIVIDUAL, individual_fields(id_type="护照", id_number="E12345678")) == {}


def test_a_bad_contact_phone_is_named_by_its_place_in_the_list():
    fields = enterprise_fields()
    fields["contacts"][0]["phone"] = "87654321"
    assert list(validate_fields(ENTERPRISE, fields)) == ["contacts.0.phone"]


def test_a_bad_credit_code_is_named():
    assert list(validate_fields(ENTERPRISE, enterprise_fields(credit_code="91350100M000100Y44"))) == ["credit_code"]


def test_a_budget_that_is_not_a_number_is_named_with_a_clear_message():
    assert validate_fields(INDIVIDUAL, individual_fields(budget="lots")) == {"budget": "应为数字"}


def test_true_is_not_a_number_of_days_and_nan_is_not_an_amount():
    problems = validate_fields(ENTERPRISE, enterprise_fields(credit_term_days=True, credit_limit=float("nan")))
    assert set(problems) == {"credit_term_days", "credit_limit"}


def test_missing_required_fields_are_each_named():
    assert validate_fields(INDIVIDUAL, {"gender": "男"}) == {"phone": templates.REQUIRED}
    assert set(validate_fields(ENTERPRISE, {})) == {"ownership_type", "credit_code"}
    fields = enterprise_fields(sales_by_year=[{"year": 2023}])
    assert validate_fields(ENTERPRISE, fields) == {"sales_by_year.0.amount": templates.REQUIRED}


def test_every_problem_is_reported_at_once():
    fields = individual_fields(gender="未知", birth_date="1990-02-30", contract_end_date="2026/06/30",
                               phone="12345", income_band=None)
    problems = validate_fields(INDIVIDUAL, fields)
    assert set(problems) == {"gender", "birth_date", "contract_end_date", "phone", "income_band"}
    assert "不存在" in problems["birth_date"] and "YYYY-MM-DD" in problems["contract_end_date"]


def test_dates_inside_nested_objects_are_checked_too():
    fields = enterprise_fields(legal_rep={"name": "张伟", "birth_date": "1970-13-01"})
    assert list(validate_fields(ENTERPRISE, fields)) == ["legal_rep.birth_date"]


def test_values_of_the_wrong_shape_are_named_not_crashed_on():
    fields = enterprise_fields(contacts=["李娜"], legal_rep="张伟", sales_by_year={"2023": 1})
    assert set(validate_fields(ENTERPRISE, fields)) == {"contacts.0", "legal_rep", "sales_by_year"}
    assert validate_fields(INDIVIDUAL, ["13800138000"]) == {"fields": templates.MUST_BE_OBJECT}


def test_an_unknown_key_is_refused_unless_the_template_allows_extra_fields():
    fields = individual_fields(wechat="zhang_wei88")
    assert validate_fields(INDIVIDUAL, fields) == {"wechat": templates.UNKNOWN_FIELD}
    relaxed = {**copy.deepcopy(INDIVIDUAL), "allow_extra": True}
    assert validate_fields(relaxed, fields) == {}
    nested = enterprise_fields(branches=[{"name": "厦门分公司", "manager": "陈"}])
    assert validate_fields(ENTERPRISE, nested) == {"branches.0.manager": templates.UNKNOWN_FIELD}


def test_the_compiled_schemas_are_valid_json_schema():
    for template in BUILTIN_TEMPLATES.values():
        schema = compile_schema(template)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == templates.SCHEMA_DIALECT
        assert schema["additionalProperties"] is False
    assert compile_schema(INDIVIDUAL)["properties"]["birth_date"]["pattern"] == r"^\d{4}-\d{2}-\d{2}$"
    assert compile_schema(ENTERPRISE)["properties"]["ownership_type"]["enum"] == ["国营", "外企", "股份", "私营"]


def test_every_built_in_field_has_a_chinese_and_an_english_label():
    for template in BUILTIN_TEMPLATES.values():
        assert check_template_definition(template) == {}
        for definition in template["fields"] + [s for d in template["fields"] for s in d.get("fields", [])]:
            assert definition["label"]["zh"] and definition["label"]["en"]


# --- templates an admin defines ---------------------------------------------------------------

def test_an_admin_template_with_every_kind_of_field_is_accepted_and_enforced():
    definition = admin_template(
        field("nickname"), field("notes", "text"), field("visited_on", "date", required=True),
        field("floors", "integer"), field("deposit", "number"), field("vip", "boolean"),
        field("level", "choice", choices=["金卡", "银卡"]), field("hobbies", "multi_choice", choices=["高尔夫", "茶"]),
        field("member_no", pattern=r"^VIP\d{6}$"),
        field("spouse", "object", fields=[field("name"), field("mobile", check="mobile")]),
        field("visits", "list", fields=[field("day", "date"), field("agent")]),
    )
    assert check_template_definition(definition) == {}
    Draft202012Validator.check_schema(compile_schema(definition))
    good = {"visited_on": "2024-03-01", "hobbies": ["茶"], "member_no": "VIP000123", "vip": True,
            "spouse": {"name": "王芳", "mobile": "13700137000"}, "visits": [{"day": "2024-03-02", "agent": "刘"}]}
    assert validate_fields(definition, good) == {}
    bad = {**good, "member_no": "VIP12", "hobbies": ["茶", "茶"], "spouse": {"mobile": "1370013"}}
    assert set(validate_fields(definition, bad)) == {"member_no", "hobbies", "spouse.mobile"}


@pytest.mark.parametrize("key", ["a.b", "$where", "_id", "Name", "名字"])
def test_field_keys_unsafe_for_the_database_are_refused(key):
    problems = check_template_definition(admin_template(field("ok"), field(key)))
    assert list(problems) == ["fields.1.key"]


def test_a_subfield_key_unsafe_for_the_database_is_refused():
    problems = check_template_definition(admin_template(field("spouse", "object", fields=[field("$gt")])))
    assert list(problems) == ["fields.0.fields.0.key"]


def test_an_unknown_field_type_is_refused():
    assert list(check_template_definition(admin_template(field("photo", "image")))) == ["fields.0.type"]


def test_a_list_inside_a_list_is_refused():
    inner = field("rooms", "list", fields=[field("name")])
    problems = check_template_definition(admin_template(field("visits", "list", fields=[inner])))
    assert list(problems) == ["fields.0.fields.0.type"]
    chosen = field("tags", "multi_choice", choices=["a"])
    assert list(check_template_definition(admin_template(field("visits", "list", fields=[chosen])))) == [
        "fields.0.fields.0.type"]


def test_choice_fields_need_distinct_choices_and_only_they_have_any():
    definition = admin_template(field("level", "choice"), field("size", "multi_choice", choices=["大", "大"]),
                                field("nickname", choices=["a"]))
    assert set(check_template_definition(definition)) == {"fields.0.choices", "fields.1.choices", "fields.2.choices"}


def test_duplicate_keys_bad_patterns_and_unknown_checks_are_refused():
    definition = admin_template(field("code", pattern="([a-z"), field("code"), field("tax_no", check="vat"),
                                field("age", "integer", pattern=r"\d+"), field("memo", requried=True))
    assert set(check_template_definition(definition)) == {
        "fields.0.pattern", "fields.1.key", "fields.2.check", "fields.3.pattern", "fields.4.requried"}


def test_a_template_needs_a_safe_key_a_chinese_label_and_fields():
    assert set(check_template_definition({"key": "Bad.Key", "label": {"en": "x"}, "fields": []})) == {
        "key", "label", "fields"}
    assert check_template_definition("individual") == {"template": templates.MUST_BE_OBJECT}
    assert list(check_template_definition(admin_template(field("a"), allow_extra="yes"))) == ["allow_extra"]


def test_a_definition_full_of_junk_is_answered_with_problems_not_a_crash():
    junk = {"key": ["a"], "type": ["x"], "label": "x", "required": "yes", "choices": [[1]], "check": ["x"],
            "when": "x", "fields": 3}
    problems = check_template_definition(admin_template(junk, field("a"), "b", version="2"))
    assert {"fields.0.key", "fields.0.type", "fields.0.label", "fields.0.required", "fields.0.check",
            "fields.0.when", "fields.2", "version"} <= set(problems)


def test_a_check_condition_must_name_a_sibling_field():
    definition = admin_template(field("kind", "choice", choices=["身份证", "护照"]),
                                field("number", check="resident_id", when={"type": "身份证"}))
    assert list(check_template_definition(definition)) == ["fields.1.when"]
