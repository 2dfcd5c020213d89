REVOKE SELECT ON ductus_schema_history FROM ductus_app;
DROP FUNCTION IF EXISTS ductus_find_api_client(text);
DROP TABLE IF EXISTS api_clients;
