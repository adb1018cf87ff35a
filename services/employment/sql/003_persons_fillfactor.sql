-- A person is registered and then updated (employed, registered unemployed)
-- many times over. Pages filled to 80 % keep room for the new version of a
-- row on its own page: the update is then HOT (no new index entries), which
-- halves the cost of an employment or unemployment event. Pages written
-- before this change keep their fill.
ALTER TABLE persons SET (fillfactor = 80);
