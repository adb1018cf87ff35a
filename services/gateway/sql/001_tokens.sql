-- Bearer tokens (docs/contract.md#roles): only hashes are stored.
CREATE TABLE tokens (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('township', 'county', 'checker', 'province', 'admin')),
    region      char(12) NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz
);
