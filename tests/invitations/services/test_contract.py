"""The service functions of DESIGN §4: keyword-only, with the contract's defaults."""

import inspect

import pytest

from invitations import services

EMPTY = inspect.Parameter.empty
KEYWORD_ONLY = inspect.Parameter.KEYWORD_ONLY


# --- the contract -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "parameters"),
    [
        (
            services.create_invitation,
            {
                "unit": EMPTY,
                "role": EMPTY,
                "created_by": EMPTY,
                "expires_at": None,
                "max_uses": 1,
                "email": "",
            },
        ),
        (services.accept_invitation, {"token": EMPTY, "user": EMPTY}),
        (services.revoke_invitation, {"invitation": EMPTY, "by": EMPTY}),
        (services.expire_invitations, {"now": None}),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_signatures_are_keyword_only_as_the_contract_says(function, parameters):
    signature = inspect.signature(function)
    for name, default in parameters.items():
        parameter = signature.parameters[name]
        assert parameter.kind is KEYWORD_ONLY, name
        assert parameter.default == default, name
    # Nothing positional; anything beyond the contract is optional.
    for name, parameter in signature.parameters.items():
        assert parameter.kind is KEYWORD_ONLY
        if name not in parameters:
            assert parameter.default is not EMPTY, name
