DROP FUNCTION IF EXISTS ductus_find_api_session(bytea);
DROP TABLE IF EXISTS api_sessions;
