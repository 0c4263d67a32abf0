"""Gap: moto knows no AWS managed policies unless told to load them.

Every AWS account has the AWS managed policies (`arn:aws:iam::aws:policy/ReadOnlyAccess`, ...). moto
loads them only with MOTO_IAM_LOAD_MANAGED_POLICIES=true; without it, attaching one (the CI plan role
in terraform/modules/github_oidc attaches ReadOnlyAccess) answers NoSuchEntity, which AWS never does.
The local AWS process loads them, as AWS has them (~1,600 policies, about half a second of CPU once).
"""

from __future__ import annotations

import os

SETTING = "MOTO_IAM_LOAD_MANAGED_POLICIES"


def apply() -> None:
    os.environ.setdefault(SETTING, "true")
