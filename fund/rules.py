"""Who may do what with the fund: the one place these rules live.

Roles are groups (`portal.roles`); `rules.is_group_member` remembers a user's groups on
the user object, so asking many times costs one query.
"""

import rules

from portal.roles import Role
from startups.rules import is_member

is_fund_officer = rules.is_group_member(Role.FUND_OFFICER)
is_finance_approver = rules.is_group_member(Role.FINANCE_APPROVER)
is_auditor = rules.is_group_member(Role.AUDITOR)

# Staff who read every application, award and ledger entry; only officers and approvers
# write, each their own part.
reads_all_of_fund = is_fund_officer | is_finance_approver | is_auditor


@rules.predicate
def is_applicant(user, application):
    """A member of the organisation that applied."""
    return application is not None and is_member(user, application.organization)


@rules.predicate
def is_requester(user, disbursement):
    return disbursement is not None and disbursement.requested_by_id == user.pk


@rules.predicate
def is_sent(user, application):
    """Sent to the fund: no longer a draft only its applicants see."""
    return application is not None and application.status != "draft"


rules.add_perm("fund.read_application", is_applicant | (reads_all_of_fund & is_sent))
rules.add_perm("fund.submit_application", is_applicant)
rules.add_perm("fund.withdraw_application", is_applicant)
rules.add_perm("fund.review_application", is_fund_officer)
rules.add_perm("fund.decide_application", is_fund_officer)
rules.add_perm("fund.verify_milestone", is_fund_officer)
rules.add_perm("fund.request_disbursement", is_fund_officer)
rules.add_perm("fund.decide_disbursement", is_finance_approver & ~is_requester)
rules.add_perm("fund.reverse_payment", is_finance_approver)
