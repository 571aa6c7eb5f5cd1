"""The fund in the dashboard (/dashboard/fund/): applicants' pages (`applicant`) and the
fund office's workspace for officers, approvers and auditors (`staff`)."""
