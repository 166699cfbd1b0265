"""Patches over moto bugs, for the local AWS endpoint of the tests and the demo only.

The product (``compliance/``) never imports this: it talks to whatever endpoint it is given.
Each patch names the moto behaviour it works around; :func:`install` applies them all, once.
Measured on moto 5.2.5 in server mode.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_installed = False


def kms_key_cloudformation_tags() -> None:
    """moto's AWS::KMS::Key reads ``Tags`` as ``[{TagKey, TagValue}]`` (the KMS API shape);
    CloudFormation writes ``[{Key, Value}]``, so moto raised KeyError 'TagKey' (HTTP 500)."""
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: type, name: str, json_: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        properties = json_.get("Properties", {})
        tags = properties.get("Tags") or []
        properties["Tags"] = [
            {"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t for t in tags
        ]
        return original(cls, name, json_, *args, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign]


def custom_resources_answer_success() -> None:
    """moto runs a custom resource's Lambda provider only in Docker (none here), so the stack
    stayed CREATE_IN_PROGRESS for ever; the patch answers for the provider: SUCCESS, no data."""
    from moto.cloudformation.custom_model import CustomModel

    original = CustomModel.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: type, name: str, json_: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        from moto.cloudformation import cloudformation_backends

        account_id, region = args[0], args[1]
        stack = cloudformation_backends[account_id][region].get_stack(kwargs["StackId"])
        resource = CustomModel(region, "shim", kwargs["LogicalId"], name)
        resource.set_data({})
        stack.add_custom_resource(resource)
        return resource

    del original
    CustomModel.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign]


def change_set_outputs() -> None:
    """moto's ExecuteChangeSet applied the resources but kept the stack's old parsed template
    and output map, so DescribeStacks showed no outputs after a change set."""
    from moto.cloudformation.models import CloudFormationBackend

    original: Callable[..., None] = CloudFormationBackend.execute_change_set

    def execute(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        for change_set in self.change_sets.values():
            if change_set_name in (change_set.change_set_id, change_set.change_set_name):
                stack = self.stacks[change_set.stack_id]
                stack._parse_template()
                stack.output_map = stack._create_output_map()

    CloudFormationBackend.execute_change_set = execute  # type: ignore[method-assign]


def aurora_instance_engine_version() -> None:
    """An Aurora DB instance takes its engine version from its cluster and declares none;
    moto's DBInstance looked the engine up in a table without Aurora (KeyError, HTTP 500)."""
    from moto.rds.models import DBInstance

    DBInstance.default_engine_versions.setdefault("aurora-postgresql", "15.3")
    DBInstance.default_engine_versions.setdefault("aurora-mysql", "8.0.mysql_aurora.3.05.2")


def change_set_depends_on() -> None:
    """moto's change-set path (ResourceMap.update) created added resources in template order,
    ignoring DependsOn (an API deployment before its methods: "The REST API doesn't contain any
    methods"); the patch orders them so that every DependsOn target comes first."""
    from moto.cloudformation.parsing import ResourceMap

    original = ResourceMap.build_resource_diff

    def diff(self: Any, other: dict[str, Any], parameters: Any = None) -> dict[str, Any]:
        actions = original(self, other, parameters)
        actions["Add"] = _depends_on_order(actions["Add"], other["Resources"])
        return actions

    ResourceMap.build_resource_diff = diff  # type: ignore[method-assign]


def _depends_on_order(names: list[str], resources: dict[str, Any]) -> list[str]:
    ordered: list[str] = []
    wanted = set(names)

    def visit(name: str, seen: frozenset[str]) -> None:
        if name in ordered or name in seen or name not in wanted:
            return
        depends = resources.get(name, {}).get("DependsOn", [])
        for each in [depends] if isinstance(depends, str) else depends:
            visit(each, seen | {name})
        ordered.append(name)

    for name in names:
        visit(name, frozenset())
    return ordered


def outputs_of_unmodelled_resources() -> None:
    """moto accepts resource types it does not model (AWS::RDS::DBCluster, ...) but then failed
    on an output reading one of their attributes: CreateStack's output validation met a type
    without a class (HTTP 500) and DescribeStacks raised "Fn::GetAtt references undefined
    resource". The patch skips that validation for such types and shows the output's value as
    ``<not modelled by moto: TYPE>`` (an export of it is left out)."""
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import ValidationError

    validate = parsing.ResourceMap.validate_outputs
    parse_output = parsing.parse_output
    exports = parsing.OutputMap.exports.fget

    def unmodelled(resources: dict[str, Any], output: Any) -> str | None:
        value = output.get("Value") if isinstance(output, dict) else None
        refs = parsing.get_references_from_template(value) if isinstance(value, dict) else []
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            refs.append(value["Fn::GetAtt"][0])
        for name in refs:
            kind = resources.get(name, {}).get("Type")
            if kind and parsing.resource_class_from_type(kind) is None:
                return str(kind)
        return None

    def validate_outputs(self: Any) -> None:
        outputs = self._template.get("Outputs") or {}
        kept = {k: v for k, v in outputs.items() if not unmodelled(self._resource_json_map, v)}
        template = self._template
        self._template = {**template, "Outputs": kept}
        try:
            validate(self)
        finally:
            self._template = template

    def parse(key: str, output: Any, resources: Any) -> Any:
        try:
            return parse_output(key, output, resources)
        except ValidationError:
            kind = unmodelled(resources._resource_json_map, output)
            if kind is None:
                raise
            return parsing.Output(key, f"<not modelled by moto: {kind}>", output.get("Description"))

    def exports_(self: Any) -> list[Any]:
        json_map = self._output_json_map or {}
        resources = self._resource_map._resource_json_map
        kept = {k: v for k, v in json_map.items() if not unmodelled(resources, v)}
        saved, self._output_json_map = self._output_json_map, kept
        try:
            return list(exports(self))
        finally:
            self._output_json_map = saved

    parsing.ResourceMap.validate_outputs = validate_outputs  # type: ignore[method-assign]
    parsing.parse_output = parse
    parsing.OutputMap.exports = property(exports_)  # type: ignore[method-assign,assignment]


def update_stack_without_changes() -> None:
    """moto answers "No updates are to be performed." only when parameters are passed; an
    UpdateStack without parameters and with the stack's own template reported UPDATE_COMPLETE."""
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.update_stack

    def update(self: Any, **kwargs: Any) -> Any:
        stack = self.get_stack(kwargs["name"])
        if not kwargs.get("parameters") and stack.template == kwargs["template"]:
            raise ValidationError(stack.name, message="No updates are to be performed.")
        return original(self, **kwargs)

    CloudFormationBackend.update_stack = update  # type: ignore[method-assign]


def get_template_of_change_set() -> None:
    """moto's GetTemplate ignored ``ChangeSetName`` and answered the stack's template; AWS
    answers the change set's ("ChangeSetName: ... CloudFormation returns the associated
    template", GetTemplate API reference)."""
    from moto.cloudformation.responses import CloudFormationResponse

    original = CloudFormationResponse.get_template

    def get_template(self: Any) -> Any:
        name = self._get_param("ChangeSetName")
        if not name:
            return original(self)
        from moto.core.responses import ActionResult

        change_set = self.cloudformation_backend.describe_change_set(name)
        return ActionResult({"TemplateBody": change_set.template})

    CloudFormationResponse.get_template = get_template  # type: ignore[method-assign]


def kms_key_policy_document() -> None:
    """moto's AWS::KMS::Key stored ``KeyPolicy`` as the object CloudFormation passes, not the
    JSON text the KMS API stores, so every call that checks the key policy (DescribeKey, ...)
    failed with HTTP 500 on a key the stack created."""
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: type, name: str, json_: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        properties = json_.get("Properties", {})
        if isinstance(properties.get("KeyPolicy"), dict):
            properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
        return original(cls, name, json_, *args, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign]


def s3_bucket_cloudformation_properties() -> None:
    """moto's AWS::S3::Bucket applied only BucketEncryption and Tags: a bucket's
    PublicAccessBlockConfiguration and VersioningConfiguration never reached the bucket
    (GetPublicAccessBlock answered NoSuchPublicAccessBlockConfiguration right after the
    deploy). The patch applies both through moto's own S3 backend."""
    from moto.s3.models import FakeBucket, s3_backends

    original = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: type, name: str, json_: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        bucket = original(cls, name, json_, *args, **kwargs)
        properties = json_.get("Properties", {})
        backend = s3_backends[args[0]]["aws"]
        if properties.get("PublicAccessBlockConfiguration"):
            backend.put_public_access_block(
                bucket.name, properties["PublicAccessBlockConfiguration"]
            )
        status = (properties.get("VersioningConfiguration") or {}).get("Status")
        if status:
            backend.put_bucket_versioning(bucket.name, status)
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign]


def s3_bucket_policy_resource() -> None:
    """moto's CloudFormation has no AWS::S3::BucketPolicy ("No Moto CloudFormation support"):
    the stack reported it created, but the bucket had no policy (GetBucketPolicy answered
    NoSuchBucketPolicy). The patch models the type: PutBucketPolicy on create and update,
    DeleteBucketPolicy on delete, through moto's own S3 backend."""
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel
    from moto.s3.models import s3_backends

    class BucketPolicy(CloudFormationModel):
        def __init__(self, bucket: str) -> None:
            self.bucket = bucket

        @property
        def physical_resource_id(self) -> str:
            return self.bucket

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::S3::BucketPolicy"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[misc]
            cls, name: str, json_: dict[str, Any], account_id: str, region: str, **kwargs: Any
        ) -> Any:
            properties = json_["Properties"]
            document = json.dumps(properties["PolicyDocument"]).encode()
            s3_backends[account_id]["aws"].put_bucket_policy(properties["Bucket"], document)
            return cls(properties["Bucket"])

        @classmethod
        def update_from_cloudformation_json(  # type: ignore[misc]
            cls, original: Any, name: str, json_: dict[str, Any], account_id: str, region: str
        ) -> Any:
            return cls.create_from_cloudformation_json(name, json_, account_id, region)

        @classmethod
        def delete_from_cloudformation_json(  # type: ignore[misc]
            cls, name: str, json_: dict[str, Any], account_id: str, region: str
        ) -> None:
            bucket = json_["Properties"]["Bucket"]
            s3_backends[account_id]["aws"].delete_bucket_policy(bucket)

    del BucketPolicy  # registered as a subclass of CloudFormationModel
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()


def dynamodb_table_cloudformation_properties() -> None:
    """moto's AWS::DynamoDB::Table ignored PointInTimeRecoverySpecification (a table declared
    with point-in-time recovery read DISABLED in DescribeContinuousBackups) and read its
    SSESpecification in the API's shape (``Enabled``, not CloudFormation's ``SSEEnabled``), so a
    table encrypted with a customer-managed key showed no SSEDescription. The patch passes
    ``SSEEnabled`` as ``Enabled`` and applies point-in-time recovery through moto's own
    DynamoDB backend."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import Table

    original = Table.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: type, name: str, json_: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        sse = json_.get("Properties", {}).get("SSESpecification")
        if isinstance(sse, dict) and "SSEEnabled" in sse:
            sse["Enabled"] = sse["SSEEnabled"]
        table = original(cls, name, json_, *args, **kwargs)
        spec = json_.get("Properties", {}).get("PointInTimeRecoverySpecification")
        if spec:
            backend = dynamodb_backends[args[0]][args[1]]
            backend.update_continuous_backups(table.name, spec)
        return table

    Table.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign]


def lambda_function_kms_key() -> None:
    """moto's AWS::Lambda::Function dropped KmsKeyArn: a function whose environment the
    template encrypts with a key read no KMSKeyArn (GetFunctionConfiguration)."""
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: type, name: str, json_: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        function = original(cls, name, json_, *args, **kwargs)
        key = json_.get("Properties", {}).get("KmsKeyArn")
        if key:
            function.kms_key_arn = key
        return function

    LambdaFunction.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign]


def iam_role_inline_policy_documents() -> None:
    """moto's AWS::IAM::Role stored each inline policy of ``Policies`` as the object
    CloudFormation passes, so GetRolePolicy answered its Python repr (single quotes), not the
    JSON document IAM keeps."""
    from moto.iam.models import Role

    original = Role.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: type, name: str, json_: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        for policy in json_.get("Properties", {}).get("Policies", []) or []:
            if isinstance(policy.get("PolicyDocument"), dict):
                policy["PolicyDocument"] = json.dumps(policy["PolicyDocument"])
        return original(cls, name, json_, *args, **kwargs)

    Role.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign]


PATCHES: tuple[Callable[[], None], ...] = (
    kms_key_cloudformation_tags,
    custom_resources_answer_success,
    change_set_outputs,
    aurora_instance_engine_version,
    change_set_depends_on,
    outputs_of_unmodelled_resources,
    update_stack_without_changes,
    get_template_of_change_set,
    kms_key_policy_document,
    s3_bucket_cloudformation_properties,
    s3_bucket_policy_resource,
    dynamodb_table_cloudformation_properties,
    lambda_function_kms_key,
    iam_role_inline_policy_documents,
)


def install() -> None:
    """Apply every patch (idempotent)."""
    global _installed
    if _installed:
        return
    for patch in PATCHES:
        patch()
    _installed = True
