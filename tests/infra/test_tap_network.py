"""The seed as written: the VPC: 10.0.0.0/16, 3 AZs, 3 public + 3 private /24 subnets, 3 NAT
gateways."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template


def test_vpc(seed: Template) -> None:
    seed.resource_count_is("AWS::EC2::VPC", 1)
    seed.has_resource_properties(
        "AWS::EC2::VPC",
        {
            "CidrBlock": "10.0.0.0/16",
            "Tags": Match.array_with([{"Key": "Name", "Value": "trading-vpc-dev"}]),
        },
    )
    seed.resource_count_is("AWS::EC2::InternetGateway", 1)


def test_three_public_and_three_private_subnets(seed_of_type: Any) -> None:
    subnets = [r["Properties"] for r in seed_of_type("AWS::EC2::Subnet").values()]
    assert len(subnets) == 6
    assert all(subnet["CidrBlock"].endswith("/24") for subnet in subnets)
    public = [s for s in subnets if s["MapPublicIpOnLaunch"]]
    private = [s for s in subnets if not s["MapPublicIpOnLaunch"]]
    assert len(public) == len(private) == 3
    for group in (public, private):
        assert {s["AvailabilityZone"] for s in group} == {"us-east-1a", "us-east-1b", "us-east-1c"}
    assert len({s["CidrBlock"] for s in subnets}) == 6


def test_a_nat_gateway_per_az_with_private_default_routes(
    seed: Template, seed_of_type: Any
) -> None:
    seed.resource_count_is("AWS::EC2::NatGateway", 3)
    seed.resource_count_is("AWS::EC2::EIP", 3)
    nat_routes = [
        r for r in seed_of_type("AWS::EC2::Route").values() if "NatGatewayId" in r["Properties"]
    ]
    assert len(nat_routes) == 3
    assert {r["Properties"]["DestinationCidrBlock"] for r in nat_routes} == {"0.0.0.0/0"}
