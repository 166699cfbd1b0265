"""Property-based tests of scan (hypothesis): whatever template it is given, it never raises,
it answers with a valid record or a one-line input error, and it never reports a pass where a
value that decides the control could not be resolved."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from compliance.cli import main
from compliance.record.findings import FindingsRecord
from tests.compliance.engine_testdata import ROOT

pytestmark = pytest.mark.slow

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    derandomize=os.environ.get("TAP_HYPOTHESIS_RANDOM") is None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)

PARAMETERS = {"Stage": {"Type": "String"}, "KeyParam": {"Type": "String"}}
CONDITIONS = {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}}

# --- values -----------------------------------------------------------------------------------

_text = st.text(max_size=12)
_unicode = st.text(alphabet=st.characters(min_codepoint=0x80, max_codepoint=0x2FFF), max_size=8)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), _text, _unicode)
#: Text checkov's parser reads (it refuses control characters YAML cannot carry, such as
#: U+0091, even in a valid JSON template: scan then says so in one line, exit 2).
_printable = st.text(
    alphabet=st.characters(
        min_codepoint=0x20, max_codepoint=0x2FFF, exclude_categories=("Cc", "Cs")
    ),
    max_size=12,
)


def _intrinsic(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Intrinsic functions around other values, nested at random (well-formed or not)."""
    return st.one_of(
        st.builds(lambda v: {"Fn::Join": ["", [v, "-x"]]}, inner),
        st.builds(lambda v: {"Fn::Select": [0, [v]]}, inner),
        st.builds(lambda a, b: {"Fn::If": ["IsProd", a, b]}, inner, inner),
        st.builds(lambda v: {"Fn::Sub": ["${V}", {"V": v}]}, inner),
        st.builds(lambda v: {"Fn::Base64": v}, inner),
        st.just({"Ref": "Stage"}),
        st.just({"Ref": "AWS::Region"}),
        st.just({"Fn::ImportValue": "Other-Stack-Export"}),
        st.builds(lambda v: {"Fn::GetAZs": v}, inner),
    )


def _nested(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(_printable.filter(bool), inner, max_size=3),
            _intrinsic(inner),
        ),
        max_leaves=12,
    )


_values = _nested(_scalars)
#: Values CloudFormation accepts in a template: no null anywhere, text checkov can read.
_valid_values = _nested(st.one_of(st.booleans(), st.integers(-5, 5), _printable))
_TYPES = (
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::KMS::Key",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::Lambda::Function",
    "AWS::DynamoDB::Table",
    "AWS::RDS::DBInstance",
    "AWS::EC2::Volume",
    "AWS::SQS::Queue",
)
_PROPERTY_NAMES = st.sampled_from(
    (
        "BucketEncryption",
        "PublicAccessBlockConfiguration",
        "PolicyDocument",
        "Bucket",
        "EnableKeyRotation",
        "KeySpec",
        "Policies",
        "Roles",
        "KmsKeyArn",
        "Environment",
        "SSESpecification",
        "StorageEncrypted",
        "KmsKeyId",
        "Encrypted",
        "AccessControl",
        "Tags",
    )
)


@st.composite
def _resource(draw: st.DrawFn, values: st.SearchStrategy[Any] = _values) -> dict[str, Any]:
    resource: dict[str, Any] = {"Type": draw(st.sampled_from(_TYPES))}
    shape = draw(st.sampled_from(("properties", "empty", "null-values", "missing")))
    if shape == "properties":
        resource["Properties"] = draw(st.dictionaries(_PROPERTY_NAMES, values, max_size=4))
    elif shape == "empty":
        resource["Properties"] = {}
    elif shape == "null-values" and values is _values:
        resource["Properties"] = draw(st.dictionaries(_PROPERTY_NAMES, st.none(), max_size=3))
    if draw(st.booleans()):
        resource["Condition"] = "IsProd"
    return resource


_LOGICAL_IDS = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,10}", fullmatch=True),
    st.text(min_size=1, max_size=6),  # unicode and punctuation: CloudFormation rejects them
)

_templates = st.fixed_dictionaries(
    {
        "Parameters": st.just(PARAMETERS),
        "Conditions": st.just(CONDITIONS),
        "Resources": st.dictionaries(_LOGICAL_IDS, _resource(), min_size=1, max_size=4),
    }
)
#: Templates CloudFormation would accept as written (values of any type, nested intrinsics,
#: conditions, unicode text, resources without Properties): each must be judged.
_valid_templates = st.fixed_dictionaries(
    {
        "Parameters": st.just(PARAMETERS),
        "Conditions": st.just(CONDITIONS),
        "Resources": st.dictionaries(
            st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,10}", fullmatch=True),
            _resource(_valid_values),
            min_size=1,
            max_size=4,
        ),
    }
)


def _scan(body: Any, capsys: pytest.CaptureFixture[str], suffix: str = ".json") -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"generated{suffix}"
        text = json.dumps(body) if suffix == ".json" else yaml.safe_dump(body, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        code = main(["scan", str(path), "--format", "json", "--waivers", str(_NO_WAIVERS)])
    captured = capsys.readouterr()
    if code == 2:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("tap-compliance: error: "), captured.err
        assert captured.out == ""
        return code, ""
    assert code in (0, 1), code
    return code, captured.out


_NO_WAIVERS = Path(tempfile.mkdtemp(prefix="tap-props-")) / "waivers.yaml"
_NO_WAIVERS.write_text("waivers: []\n")


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@SETTINGS
@given(body=_templates, suffix=st.sampled_from((".json", ".yaml")))
def test_scan_never_raises_and_answers_a_record_or_one_line(
    body: dict[str, Any], suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _scan(body, capsys, suffix)
    if code != 2:
        record = FindingsRecord.model_validate_json(out)
        assert record.summary.gate.exit_code == code
        assert len(record.targets) == 1


@SETTINGS
@given(body=_valid_templates, suffix=st.sampled_from((".json", ".yaml")))
def test_a_template_cloudformation_accepts_is_always_judged(
    body: dict[str, Any], suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _scan(body, capsys, suffix)
    assert code in (0, 1), "judged, not refused"
    FindingsRecord.model_validate_json(out)


# --- never a pass on an unresolved value ------------------------------------------------------

_unresolvable = st.recursive(
    st.sampled_from(
        ({"Ref": "KeyParam"}, {"Fn::ImportValue": "Keys-DataKeyArn"}, {"Ref": "Stage"})
    ),
    lambda inner: st.one_of(
        st.builds(lambda v: {"Fn::Join": ["", [v]]}, inner),
        st.builds(lambda v: {"Fn::Select": [0, [v, "x"]]}, inner),
        st.builds(lambda v: {"Fn::Sub": ["${V}", {"V": v}]}, inner),
        st.builds(lambda v: {"Fn::If": ["IsProd", v, "alias/aws/s3"]}, inner),
    ),
    max_leaves=4,
)

#: Where one value decides a control: (rule, resource type, properties with the value in it).
_DECISIVE = (
    (
        "CKV_TAP_1",
        "AWS::S3::Bucket",
        lambda v: {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "ServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": v,
                        }
                    }
                ]
            }
        },
    ),
    ("CKV_TAP_6", "AWS::KMS::Key", lambda v: {"EnableKeyRotation": v}),
    (
        "CKV_TAP_8",
        "AWS::S3::Bucket",
        lambda v: {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": v,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            }
        },
    ),
    (
        "CKV_TAP_2",
        "AWS::DynamoDB::Table",
        lambda v: {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": v},
        },
    ),
)


@SETTINGS
@given(case=st.sampled_from(_DECISIVE), value=_unresolvable, noise=_valid_values)
def test_never_a_pass_where_the_deciding_value_is_unresolved(
    case: tuple[str, str, Any], value: Any, noise: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    rule, kind, properties = case
    props = {**properties(value), "Tags": [{"Key": "noise", "Value": noise}]}
    body = {
        "Parameters": PARAMETERS,
        "Conditions": CONDITIONS,
        "Resources": {"Judged": {"Type": kind, "Properties": props}},
    }
    code, out = _scan(body, capsys)
    assert code in (0, 1), "a well-formed template is judged"
    record = FindingsRecord.model_validate_json(out)
    verdicts = [
        f for f in record.findings if f.rule_id == rule and f.resource.logical_id == "Judged"
    ]
    assert verdicts, f"{rule} judged nothing"
    assert all(f.status == "fail" for f in verdicts), [f.message for f in verdicts]
