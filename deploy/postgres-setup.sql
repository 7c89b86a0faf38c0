-- PostgreSQL for 党建台账看板: two roles, so the app itself cannot alter or drop the audit log.
--
--   dj_owner  owns the database and the tables; runs the migrations (a store creates the tables and
--             indexes a database lacks, so: run one CLI command as dj_owner, e.g. `python cli.py branch list`);
--             never configured in the running app.
--   dj_app    the role in the app's DATABASE_URL: reads and writes rows (SELECT/INSERT/UPDATE/DELETE
--             on the registers and batches), only SELECT and INSERT on audit_log; owns nothing, so it
--             cannot ALTER, DROP or TRUNCATE a table or drop or disable the audit log's triggers.
--
-- Run as a superuser (e.g. the postgres user), once:
--   psql -v owner_password='…' -v app_password='…' -f deploy/postgres-setup.sql
-- then create the tables as dj_owner (every table the app uses, the sign-in tables included: the
-- app role may not create one on first use) and grant dj_app its rights (deploy/postgres-grants.sql):
--   DATABASE_URL=postgresql+psycopg://dj_owner:…@HOST/dangjian python cli.py branch list
--   psql "postgresql://dj_owner:…@HOST/dangjian" -f deploy/postgres-grants.sql
-- and run the app with DATABASE_URL=postgresql+psycopg://dj_app:…@HOST/dangjian.
-- After every upgrade, run the CLI command and postgres-grants.sql as dj_owner again (new tables and
-- indexes are made then).
-- The database name may be changed with -v dbname=… (default dangjian).

\set ON_ERROR_STOP on
\if :{?dbname}
\else
  \set dbname dangjian
\endif

CREATE ROLE dj_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE dj_app LOGIN PASSWORD :'app_password';
CREATE DATABASE :"dbname" OWNER dj_owner ENCODING 'UTF8' TEMPLATE template0;
\connect :"dbname"
-- Only the owner creates objects; the app role may only use the schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO dj_owner;
GRANT USAGE ON SCHEMA public TO dj_app;
REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"dbname" TO dj_app;
