-- The rest of the fund work (issue 16): contributions, certifications,
-- deferrals, stabilization refunds, the arrears blacklist copy, suspicious
-- records, recoveries that can be collected, the fund ledger, payment runs
-- and maker-checker corrections. Periods are YYYYMM ints, money bigint fen.

-- A month as a running number, so that "more than 12 months before" is a
-- subtraction.
CREATE FUNCTION month_index(p int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS 'SELECT (p / 100) * 12 + p % 100 - 1';

-- Protocol-buffer encoding of the derived events a payment run writes
-- straight into the outbox (INSERT ... SELECT: recipients never pass through
-- C). Plain SQL expressions, which the planner inlines: a run of a million
-- payments calls no procedural code for the values below 2^28 (every tag,
-- length and monthly amount in practice); pb_varint_long does the rest.
CREATE FUNCTION pb_varint_long(v bigint) RETURNS bytea LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    out bytea := ''::bytea;
BEGIN
    IF v < 0 THEN
        RAISE EXCEPTION 'pb_varint: negative value';
    END IF;
    LOOP
        IF v < 128 THEN
            RETURN out || set_byte('\x00'::bytea, 0, v::int);
        END IF;
        out := out || set_byte('\x00'::bytea, 0, (v % 128)::int + 128);
        v := v / 128;
    END LOOP;
END $$;

CREATE FUNCTION pb_varint(v bigint) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN v >= 0 AND v < 128 THEN set_byte('\x00'::bytea, 0, v::int)
    WHEN v >= 0 AND v < 16384 THEN
        set_byte(set_byte('\x0000'::bytea, 0, (v & 127)::int | 128), 1, (v >> 7)::int)
    WHEN v >= 0 AND v < 2097152 THEN
        set_byte(set_byte(set_byte('\x000000'::bytea, 0, (v & 127)::int | 128),
                          1, ((v >> 7) & 127)::int | 128), 2, (v >> 14)::int)
    WHEN v >= 0 AND v < 268435456 THEN
        set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea, 0, (v & 127)::int | 128),
                                   1, ((v >> 7) & 127)::int | 128),
                          2, ((v >> 14) & 127)::int | 128), 3, (v >> 21)::int)
    ELSE pb_varint_long(v)
END
$$;

-- A string field (tag below 16); a varint field.
CREATE FUNCTION pb_string(field int, s text) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT set_byte('\x00'::bytea, 0, field * 8 + 2)
       || CASE WHEN octet_length(s) < 128 THEN set_byte('\x00'::bytea, 0, octet_length(s))
               ELSE pb_varint_long(octet_length(s)) END
       || convert_to(s, 'UTF8')
$$;

CREATE FUNCTION pb_int64(field int, v bigint) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS 'SELECT set_byte(''\x00''::bytea, 0, field * 8) || pb_varint(v)';

CREATE FUNCTION period_text(p int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS 'SELECT lpad((p / 100)::text, 4, ''0'') || ''-'' || lpad((p % 100)::text, 2, ''0'')';

-- 征缴: one row per payment_id (the event's key).
CREATE TABLE contributions (
    payment_id           text COLLATE "C" PRIMARY KEY,
    scheme               text COLLATE "C" NOT NULL,
    period               int NOT NULL,
    region               char(12) NOT NULL,
    amount_fen           bigint NOT NULL CHECK (amount_fen >= 0),
    id_number            char(18) COLLATE "C",
    employer_credit_code char(18) COLLATE "C",
    CHECK (id_number IS NOT NULL OR employer_credit_code IS NOT NULL)
);

-- 待遇资格认证, every one; the last per person decides liveness.
CREATE TABLE certifications (
    id_number    char(18) COLLATE "C" NOT NULL,
    certified_on date NOT NULL,
    channel      text NOT NULL,
    region       char(12) NOT NULL
);
CREATE INDEX certifications_person ON certifications (id_number, certified_on DESC);

-- 缓缴
CREATE TABLE deferrals (
    employer_credit_code char(18) COLLATE "C" NOT NULL,
    scheme               text COLLATE "C" NOT NULL,
    amount_fen           bigint NOT NULL CHECK (amount_fen >= 0),
    region               char(12) NOT NULL,
    period               int NOT NULL
);

-- 稳岗返还, paid from the unemployment fund.
CREATE TABLE stabilization_refunds (
    refund_id            text COLLATE "C" PRIMARY KEY,
    employer_credit_code char(18) COLLATE "C" NOT NULL,
    employees            bigint NOT NULL CHECK (employees >= 0),
    amount_fen           bigint NOT NULL CHECK (amount_fen >= 0),
    region               char(12) NOT NULL,
    period               int NOT NULL
);

-- insurance's copy of the arrears blacklist (from arrears' feed): listed for
-- three years from the listing unless delisted earlier.
CREATE TABLE blacklist (
    credit_code    char(18) COLLATE "C" PRIMARY KEY,
    name           text NOT NULL,
    reason         text NOT NULL,
    listed_at_us   bigint NOT NULL,
    expires_at_us  bigint NOT NULL,
    delisted_at_us bigint
);

-- 疑点数据 from the province (or raised here: employed_while_receiving).
CREATE TABLE suspicious_records (
    record_id       text COLLATE "C" PRIMARY KEY,
    id_number       char(18) COLLATE "C" NOT NULL,
    rule            text NOT NULL,
    scheme          text COLLATE "C" NOT NULL,
    amount_fen      bigint NOT NULL CHECK (amount_fen >= 0),
    region          char(12) NOT NULL,
    received_period int NOT NULL,
    status          text NOT NULL DEFAULT 'received'
                    CHECK (status IN ('received', 'no_issue', 'rectify')),
    rectify_fen     bigint CHECK (rectify_fen >= 0),
    recovered_fen   bigint NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
    CHECK (recovered_fen <= coalesce(rectify_fen, 0))
);
CREATE INDEX suspicious_records_person ON suspicious_records (id_number);

-- Death recoveries (追缴) get their own record id, collectable like a
-- rectification, and remember what has been collected.
ALTER TABLE recoveries ADD COLUMN record_id text COLLATE "C",
                       ADD COLUMN recovered_fen bigint NOT NULL DEFAULT 0;
UPDATE recoveries SET record_id = 'death:' || id_number || ':' || scheme || ':' || period;
ALTER TABLE recoveries ALTER COLUMN record_id SET NOT NULL,
                       ADD CONSTRAINT recoveries_record UNIQUE (record_id),
                       ADD CONSTRAINT recoveries_not_over CHECK (recovered_fen <= amount_fen);

-- Benefits: why a suspended one is suspended (death, decision), and the
-- payment runs' view of each recipient.
ALTER TABLE benefits ADD COLUMN suspended_reason text;
UPDATE benefits SET suspended_reason = 'deceased' WHERE status = 'suspended';
CREATE INDEX benefits_run ON benefits (scheme, region);

-- The fund ledger: append-only; a fund's balance is the sum of its entries.
-- Income is positive (contribution, recovery), expenditure negative
-- (benefit, stabilization_refund).
CREATE TABLE ledger (
    entry_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region     char(12) NOT NULL,
    scheme     text COLLATE "C" NOT NULL,
    period     int NOT NULL,
    kind       text NOT NULL
               CHECK (kind IN ('contribution', 'recovery', 'benefit', 'stabilization_refund')),
    amount_fen bigint NOT NULL,
    source     text COLLATE "C" NOT NULL,      -- payment_id, record_id, ... of the cause
    CHECK ((kind IN ('contribution', 'recovery') AND amount_fen >= 0)
        OR (kind IN ('benefit', 'stabilization_refund') AND amount_fen <= 0))
);
CREATE INDEX ledger_fund ON ledger (scheme, region, period);

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the fund ledger is append-only';
END $$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

-- Payment runs (待遇发放): each call's answer, under the run id the gateway
-- gave it, so that a caller cut off by a timeout can ask for it.
CREATE TABLE payment_runs (
    run_id      text COLLATE "C" PRIMARY KEY,
    scheme      text COLLATE "C" NOT NULL,
    period      int NOT NULL,
    region      char(12) NOT NULL,
    token_id    bigint NOT NULL,
    payments    bigint NOT NULL,
    total_fen   bigint NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE payments ADD COLUMN run_id text COLLATE "C";

-- Maker-checker corrections (一事一审批) and their audit trail.
CREATE TABLE corrections (
    correction_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id_number      char(18) COLLATE "C" NOT NULL,
    scheme         text COLLATE "C" NOT NULL,
    field          text NOT NULL CHECK (field IN ('monthly_amount_fen', 'suspended')),
    new_value      text NOT NULL,
    reason         text NOT NULL,
    region         char(12) NOT NULL,              -- the benefit's
    status         text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved')),
    proposed_by    bigint NOT NULL,                -- token id
    proposed_at    timestamptz NOT NULL DEFAULT now(),
    approved_by    bigint,
    approved_at    timestamptz,
    old_value      text
);
CREATE INDEX corrections_status ON corrections (status, region);

CREATE TABLE correction_audit (
    audit_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    correction_id bigint NOT NULL REFERENCES corrections,
    action        text NOT NULL,                  -- proposed, approved, refused_same_token, ...
    token_id      bigint NOT NULL,
    token_name    text,
    role          text NOT NULL,
    detail        text,
    at            timestamptz NOT NULL DEFAULT now()
);
