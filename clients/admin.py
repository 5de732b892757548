# Client records are deliberately not registered in the admin: curators (staff) keep the
# directory and are not clinicians, so the admin shows no client or plan contents. The
# audit log (crisisplan.AuditEvent) is listed there, and it holds no client data.
