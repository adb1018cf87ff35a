-- Gateways cache valid tokens: any change to the tokens table, by hrssctl or
-- by hand, tells them (LISTEN hrss_tokens) to forget what they know.
CREATE FUNCTION tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hrss_tokens', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER tokens_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION tokens_changed();
