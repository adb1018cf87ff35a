-- The audit trail: refused attempts (out of scope, forbidden, unauthorized)
-- and every change an operator makes (targets, tokens). Append-only for the
-- gateway's own role, and hash-chained: each row's hash covers its content
-- and the previous row's hash, so `hrssctl audit verify` finds an edited or
-- removed row.
CREATE TABLE audit (
    id         bigint PRIMARY KEY,
    at_us      bigint NOT NULL,
    token_id   bigint,
    actor      text NOT NULL,            -- token name, or '-' when none was valid
    role       text NOT NULL,
    action     text NOT NULL,            -- out_of_scope, forbidden, unauthorized, targets_put, token_create ...
    route      text NOT NULL,
    region     text NOT NULL,            -- what was asked for ('' when none)
    status     int NOT NULL,
    detail     text NOT NULL,
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);
CREATE SEQUENCE audit_id_seq OWNED BY audit.id;

REVOKE UPDATE, DELETE, TRUNCATE ON audit FROM CURRENT_USER;

-- The one definition of a row's hash, used to append and to verify.
CREATE FUNCTION audit_row_hash(prev bytea, id bigint, at_us bigint, token_id bigint, actor text,
                               role text, action text, route text, region text, status int,
                               detail text)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(concat_ws(chr(31), id, at_us, coalesce(token_id, 0), actor,
                                               role, action, route, region, status, detail),
                                     'UTF8'))
$$;

CREATE FUNCTION audit_genesis() RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(convert_to('hrss audit trail', 'UTF8'))
$$;

-- Appends one row. The lock serializes appenders (the gateway and hrssctl)
-- so that the chain never forks; each statement of this volatile function
-- sees rows committed before the lock was granted.
CREATE FUNCTION audit_append(p_token_id bigint, p_actor text, p_role text, p_action text,
                             p_route text, p_region text, p_status int, p_detail text)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    prev bytea;
    new_id bigint;
    now_us bigint := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.audit'));
    SELECT hash INTO prev FROM audit ORDER BY id DESC LIMIT 1;
    prev := coalesce(prev, audit_genesis());
    new_id := nextval('audit_id_seq');
    INSERT INTO audit (id, at_us, token_id, actor, role, action, route, region, status, detail,
                       prev_hash, hash)
    VALUES (new_id, now_us, p_token_id, p_actor, p_role, p_action, p_route, p_region, p_status,
            p_detail, prev,
            audit_row_hash(prev, new_id, now_us, p_token_id, p_actor, p_role, p_action, p_route,
                           p_region, p_status, p_detail));
    RETURN new_id;
END
$$;
