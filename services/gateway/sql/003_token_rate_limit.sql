-- Per-token request rate (requests per second): NULL takes the gateway's
-- default (HRSS_RATE_LIMIT), 0 means unlimited (benchmarks, trusted batch jobs).
ALTER TABLE tokens ADD COLUMN rate_limit int CHECK (rate_limit >= 0);
