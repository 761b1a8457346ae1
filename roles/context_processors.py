from functools import cache

from . import permissions


def portal(request):
    """The navigation needs the user's institutions and what they may do in the current one.

    Computed lazily (pages without navigation pay nothing) and once per request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def nav():
        institution_id = request.session.get("institution_id")
        institutions = permissions.institution_list(user)[: permissions.MENU_INSTITUTIONS]
        current = next((i for i in institutions if i.pk == institution_id), None)
        if current is None and institutions:
            current = institutions[0]
        allowed = (
            {action for action in permissions.ACTIONS if permissions.can(user, action, current)}
            if current
            else set()
        )
        return {
            "institutions": institutions,
            "current": current,
            "allowed": allowed,
            # The menu of links is all these decide (with the language): its rendered HTML is
            # cached under them (templates/base.html), shared by every user with the same rights.
            "allowed_key": ",".join(sorted(allowed)),
        }

    return {"portal_nav": nav}
