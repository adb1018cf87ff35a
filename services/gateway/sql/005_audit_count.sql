-- Refusals are audited without the gateway's loop waiting for the database:
-- they queue in the gateway and are written one row at a time, and while a
-- row is being written, refusals of the same kind from the same address in
-- the same second share the next row, which counts them. A flood of bad
-- tokens thus costs a row per second and address, and no refusal goes
-- unrecorded. `client` is the peer's address ('' for hrssctl and for rows
-- written before this migration).
ALTER TABLE audit ADD COLUMN client text NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN count int NOT NULL DEFAULT 1 CHECK (count >= 1);

-- The hash covers the new columns too; a row with neither (client '' and
-- count 1) hashes as before, so the rows written before stay valid.
CREATE FUNCTION audit_row_hash(prev bytea, id bigint, at_us bigint, token_id bigint, actor text,
                               role text, action text, route text, region text, status int,
                               detail text, client text, count int)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(concat_ws(chr(31), id, at_us, coalesce(token_id, 0), actor,
                                               role, action, route, region, status, detail)
                                     || CASE WHEN client = '' AND count = 1 THEN ''
                                             ELSE chr(31) || client || chr(31) || count END,
                                     'UTF8'))
$$;

-- audit_append as before (hrssctl calls it with eight arguments), plus the
-- address, the count and the time of the first refusal the row stands for.
DROP FUNCTION audit_append(bigint, text, text, text, text, text, int, text);
CREATE FUNCTION audit_append(p_token_id bigint, p_actor text, p_role text, p_action text,
                             p_route text, p_region text, p_status int, p_detail text,
                             p_client text DEFAULT '', p_count int DEFAULT 1,
                             p_at_us bigint DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    prev bytea;
    new_id bigint;
    now_us bigint := coalesce(p_at_us,
                              (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.audit'));
    SELECT hash INTO prev FROM audit ORDER BY id DESC LIMIT 1;
    prev := coalesce(prev, audit_genesis());
    new_id := nextval('audit_id_seq');
    INSERT INTO audit (id, at_us, token_id, actor, role, action, route, region, status, detail,
                       client, count, prev_hash, hash)
    VALUES (new_id, now_us, p_token_id, p_actor, p_role, p_action, p_route, p_region, p_status,
            p_detail, p_client, p_count, prev,
            audit_row_hash(prev, new_id, now_us, p_token_id, p_actor, p_role, p_action, p_route,
                           p_region, p_status, p_detail, p_client, p_count));
    RETURN new_id;
END
$$;
