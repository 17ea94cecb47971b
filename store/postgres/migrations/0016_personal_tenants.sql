-- Integration tokens may be a user's own (a personal tenant, named by the
-- user's id) as well as an organization's, so that the docs' grant example,
-- which names no tenant, works for every user. tenant_keys and
-- integration_revocations name their tenant in tenant_id, without a foreign
-- key: the engine deletes a tenant's rows with its organization or user.
ALTER TABLE tenant_keys DROP CONSTRAINT tenant_keys_org_id_fkey;
ALTER TABLE tenant_keys RENAME COLUMN org_id TO tenant_id;
ALTER INDEX tenant_keys_org RENAME TO tenant_keys_tenant;

ALTER TABLE integration_revocations DROP CONSTRAINT integration_revocations_org_id_fkey;
ALTER TABLE integration_revocations RENAME COLUMN org_id TO tenant_id;
ALTER INDEX integration_revocations_org_revoked RENAME TO integration_revocations_tenant_revoked;
