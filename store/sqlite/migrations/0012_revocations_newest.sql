-- The tenant's revocation list reads newest first, a page at a time: the
-- primary key (org_id, jti) cannot serve that order, so pages would sort
-- every revocation of the tenant.
CREATE INDEX integration_revocations_org_revoked ON integration_revocations(org_id, revoked_at, jti);
