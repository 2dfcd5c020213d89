DROP FUNCTION IF EXISTS ductus_find_api_client(text);
DROP TABLE IF EXISTS api_clients;
