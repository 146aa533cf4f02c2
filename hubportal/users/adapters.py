from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by hub staff for nominated trainees; the public cannot sign up."""

    def is_open_for_signup(self, request):
        return False
