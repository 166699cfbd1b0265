"""The REST API: TLS 1.2 at least for clients, a client certificate towards the backend."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigateway
from constructs import Construct

#: API Gateway's security policy name for "TLS 1.2 minimum" on the API's endpoint.
TLS_POLICY = "TLS_1_2"


class ApiTransport(Construct):
    """Minimum TLS version on the API and a client certificate on its stage."""

    def __init__(
        self, scope: Construct, construct_id: str, *, suffix: str, api: apigateway.RestApi
    ) -> None:
        super().__init__(scope, construct_id)
        cfn_api = api.node.default_child
        assert isinstance(cfn_api, apigateway.CfnRestApi)
        cfn_api.security_policy = TLS_POLICY
        self.certificate = apigateway.CfnClientCertificate(
            self, "ClientCertificate", description=f"trading-api-{suffix} to its backend"
        )
        cfn_stage = api.deployment_stage.node.default_child
        assert isinstance(cfn_stage, apigateway.CfnStage)
        cfn_stage.client_certificate_id = self.certificate.ref
