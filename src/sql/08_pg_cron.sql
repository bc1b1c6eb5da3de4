-- src/sql/08_pg_cron.sql
--	TTL cleanup scheduled with pg_cron.

/*
 * ---------------------------------------------------------------------------
 * Scheduling with pg_cron.  pg_cron runs jobs from one database
 * (cron.database_name).  When that is this one, the job is scheduled here;
 * otherwise the error's hint is the exact call to make there.
 * ---------------------------------------------------------------------------
 */
CREATE FUNCTION awstore.ttl_cleanup_job_name()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 'awstore_ttl_cleanup'::text $$;
COMMENT ON FUNCTION awstore.ttl_cleanup_job_name() IS
    'name of the pg_cron job that runs the TTL cleanup';

-- Raises the error telling what to do when pg_cron cannot be used from
-- this database; returns when it can.  remedy is the call to run in
-- pg_cron's database when that is another one.
CREATE FUNCTION awstore.require_pg_cron(remedy text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cron_db text := current_setting('cron.database_name', true);
BEGIN
    IF cron_db IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not loaded in this server'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Add pg_cron to shared_preload_libraries, set cron.database_name = %L, restart the server, run CREATE EXTENSION pg_cron in database %I, then call awstore.schedule_ttl_cleanup() again.',
                                current_database(), current_database());
    ELSIF cron_db <> current_database() THEN
        RAISE EXCEPTION 'pg_cron runs its jobs from database "%", not from this one', cron_db
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Connect to database %I and run: %s', cron_db, remedy);
    ELSIF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'extension "pg_cron" is not installed in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run CREATE EXTENSION pg_cron, then call awstore.schedule_ttl_cleanup() again.';
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.require_pg_cron(text) IS
    'fail with the exact remedy when pg_cron cannot schedule jobs from this database';

CREATE FUNCTION awstore.schedule_ttl_cleanup(schedule text DEFAULT '* * * * *')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    jobid bigint;
    remedy text;
BEGIN
    IF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    remedy := format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                     awstore.ttl_cleanup_job_name() || ':' || current_database(),
                     schedule, 'CALL awstore.purge_expired()', current_database());
    PERFORM awstore.require_pg_cron(remedy);
    -- cron.schedule with a job name updates the caller's job of that name,
    -- so calling again changes the schedule and keeps the job id.
    EXECUTE 'SELECT cron.schedule($1, $2, $3)'
        INTO jobid
        USING awstore.ttl_cleanup_job_name(), schedule, 'CALL awstore.purge_expired()';
    RETURN jobid;
END
$$;
COMMENT ON FUNCTION awstore.schedule_ttl_cleanup(text) IS
    'schedule CALL awstore.purge_expired() with pg_cron (every minute by default); returns the job id';

CREATE FUNCTION awstore.unschedule_ttl_cleanup()
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    jobid bigint;
    remedy text;
BEGIN
    remedy := format('SELECT cron.unschedule(%L);',
                     awstore.ttl_cleanup_job_name() || ':' || current_database());
    PERFORM awstore.require_pg_cron(remedy);
    EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = current_user'
        INTO jobid
        USING awstore.ttl_cleanup_job_name();
    IF jobid IS NULL THEN
        RAISE NOTICE 'the TTL cleanup is not scheduled';
        RETURN false;
    END IF;
    EXECUTE 'SELECT cron.unschedule($1)' USING jobid;
    RETURN true;
END
$$;
COMMENT ON FUNCTION awstore.unschedule_ttl_cleanup() IS
    'remove the pg_cron job of the TTL cleanup; false when there was none';

-- Privileges: scheduling is for superusers and the roles they grant it to.
REVOKE ALL ON FUNCTION awstore.schedule_ttl_cleanup(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.unschedule_ttl_cleanup() FROM PUBLIC;
