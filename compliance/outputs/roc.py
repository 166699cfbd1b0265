"""The ROC status (PCI DSS Report on Compliance) of a requirement or a control, from the
effective statuses of the findings that map to it. The rule, applied in this order (the same
text is in ``reports/data/roc_statuses.yaml``):

* **Not in Place** - any unwaived failure maps to it (a failed check, an unresolvable
  template, or a waiver that has expired);
* **In Place** - every mapped finding passed or failed under an active waiver; with waivers
  it is "In Place with compensating controls" and the waivers are listed;
* **Not Applicable** - every mapped finding is not applicable by design (the catalogue
  scopes its control out of the environment), or no finding maps to it and no checked
  template has a resource of a type governed by the catalogue controls that map to it;
* **Not Tested** - no finding maps to it although such resources are present.

The audit report gives it per requirement; the diff compares it per control.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from compliance.record.findings import Status

RocStatus = Literal["Not in Place", "In Place", "Not Applicable", "Not Tested"]
#: In the order the rule tries them.
ROC_STATUSES: tuple[RocStatus, ...] = ("Not in Place", "In Place", "Not Applicable", "Not Tested")


def roc_status(statuses: Iterable[Status], governed_types_present: bool) -> RocStatus:
    """The ROC status from the mapped findings' effective statuses."""
    seen = set(statuses)
    if "fail" in seen:
        return "Not in Place"
    if seen - {"not-applicable"}:
        return "In Place"
    if seen:
        return "Not Applicable"
    return "Not Tested" if governed_types_present else "Not Applicable"
