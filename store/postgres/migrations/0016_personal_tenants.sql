-- Integration tokens may be a user's own (a personal tenant, named by the
-- user's id) as well as an organization's, so that the docs' grant example,
-- which names no tenant, works for every user. tenant_keys and
-- integration_revocations lose their foreign key to organizations: org_id
-- now holds a tenant's id, an organization's or a user's, and the engine
-- deletes a tenant's rows with its organization or user. Nothing is
-- renamed, so the previous version's nodes keep working during a rolling
-- upgrade (an organization one of them deletes leaves its unreachable keys
-- behind).
ALTER TABLE tenant_keys DROP CONSTRAINT tenant_keys_org_id_fkey;
ALTER TABLE integration_revocations DROP CONSTRAINT integration_revocations_org_id_fkey;
