-- sql/include/dynamo_server.sql: awstore in schema aw, and server "dynamo"
-- on the run's DynamoDB engine with a user mapping for the current user.
\getenv endpoint AWSTORE_DYNAMODB_ENDPOINT
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER dynamo FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER dynamo
    OPTIONS (access_key_id 'test', secret_access_key 'test');
