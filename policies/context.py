"""What a check is told about the deployment it judges, passed explicitly to every check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policies.cfn.template import Template

#: The regions TAP may operate in when nobody says otherwise (plain checkov uses these).
DEFAULT_ALLOWED_REGIONS = ("us-east-1",)


@dataclass(frozen=True)
class Context:
    """The deployment a template belongs to: the regions its roles may act in (TAP-IAM-01),
    the keys from outside the template known to be customer-managed (TAP-ENC-01/02/03/05),
    the templates deployed beside it."""

    allowed_regions: tuple[str, ...] = DEFAULT_ALLOWED_REGIONS
    #: Key ARNs, ids or aliases from outside the template known to be customer-managed
    #: (``scan --cmk``, an environment's ``customer_managed_keys``).
    customer_managed_keys: tuple[str, ...] = ()
    #: The other templates deployed with this one (the stacks of one app in one environment):
    #: a policy in one of them may govern a resource of this one (TAP-PUB-02).
    peers: tuple[Template, ...] = field(default=(), compare=False, repr=False)

    @staticmethod
    def for_regions(
        regions: tuple[str, ...] | list[str] | None,
        keys: tuple[str, ...] | list[str] = (),
        peers: tuple[Template, ...] = (),
    ) -> Context:
        """A context for these regions (normalised to lower case; the default when none),
        these keys known to be customer-managed and these templates deployed beside it."""
        cleaned = tuple(r.strip().lower() for r in regions or () if r.strip())
        return Context(cleaned or DEFAULT_ALLOWED_REGIONS, tuple(dict.fromkeys(keys)), peers)
