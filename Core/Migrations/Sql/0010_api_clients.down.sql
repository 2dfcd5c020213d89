DROP TABLE IF EXISTS api_clients;
