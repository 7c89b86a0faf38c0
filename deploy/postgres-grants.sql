-- The app role's rights on the tables of 党建台账看板 (see deploy/postgres-setup.sql). Run as the
-- owner role (dj_owner) after the tables exist, and again after an upgrade adds tables. Plain SQL:
--   psql "postgresql://dj_owner:…@HOST/dangjian" -f deploy/postgres-grants.sql

-- Registers and import batches: rows are added, marked replaced (UPDATE removed_by), revived and
-- deleted by undo.
GRANT SELECT, INSERT, UPDATE, DELETE ON batches, batch_registers, study, inspections, volunteer, membership, work,
    targets, roster, aliases, custom_indicators TO dj_app;
-- Branch records (data.branches): a store opening a database adds the records its rows lack;
-- `cli.py branch add|rename` adds and renames them.
GRANT SELECT, INSERT, UPDATE ON branches TO dj_app;
-- Sign-in (data.sessions, data.signin_limits): sessions are started, ended (UPDATE) and dropped
-- a day after they end; failed sign-ins are counted, cleared on success and dropped after the window.
GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_sessions, signin_failures TO dj_app;
-- The audit log: read and append only. No UPDATE, DELETE or TRUNCATE right (the triggers refuse
-- them for the owner too), and as a non-owner dj_app cannot ALTER or DROP the table or its triggers.
REVOKE ALL ON audit_log FROM dj_app;
GRANT SELECT, INSERT ON audit_log TO dj_app;
-- Ids: nextval on insert; setval when a backup is restored (ids kept).
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO dj_app;
