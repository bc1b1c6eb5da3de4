--
-- Deleting and scheduling are not for PUBLIC; monitoring is for pg_monitor.
--
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE ROLE regress_awstore_user;
CREATE ROLE regress_awstore_monitor IN ROLE pg_monitor;
CREATE TABLE public.not_yours (t bigint);

SELECT p.oid::regprocedure AS routine,
       has_function_privilege('regress_awstore_user', p.oid, 'EXECUTE') AS public_can_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'awstore'::regnamespace
 ORDER BY p.oid::regprocedure::text;

SET ROLE regress_awstore_user;
-- should fail
CALL awstore.purge_expired();
-- should fail
SELECT awstore.schedule_ttl_cleanup();
-- should fail
SELECT awstore.unschedule_ttl_cleanup();
-- should fail
SELECT awstore.ttl_register('public.not_yours', 't');
-- should fail
SELECT * FROM awstore.purge_orphans(false);
-- should fail
SELECT * FROM awstore.ttl_status;
-- should fail
SELECT * FROM awstore.orphans;
SELECT awstore.application_schema();
RESET ROLE;

-- pg_monitor reads the status view.
SET ROLE regress_awstore_monitor;
SELECT table_name, rows_with_ttl FROM awstore.ttl_status;
RESET ROLE;

-- A role granted ttl_register still cannot register a table it does not own.
GRANT EXECUTE ON FUNCTION awstore.ttl_register(regclass, name) TO regress_awstore_user;
SET ROLE regress_awstore_user;
-- should fail
SELECT awstore.ttl_register('public.not_yours', 't');
RESET ROLE;

DROP TABLE public.not_yours;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
DROP ROLE regress_awstore_user, regress_awstore_monitor;
