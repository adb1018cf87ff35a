-- Codes, regions and identifiers are ASCII and compared for equality or
-- prefix order only: byte order ("C") makes every index probe a memcmp
-- instead of a locale comparison.
ALTER TABLE facts ALTER COLUMN code TYPE text COLLATE "C",
                  ALTER COLUMN region TYPE char(12) COLLATE "C";
ALTER TABLE targets ALTER COLUMN code TYPE text COLLATE "C",
                    ALTER COLUMN region TYPE char(12) COLLATE "C";
ALTER TABLE persons ALTER COLUMN id_number TYPE text COLLATE "C";
ALTER TABLE enrollments ALTER COLUMN id_number TYPE text COLLATE "C",
                        ALTER COLUMN scheme TYPE text COLLATE "C";
ALTER TABLE deaths ALTER COLUMN id_number TYPE text COLLATE "C";
