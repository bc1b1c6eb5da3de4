--
-- Rows whose actor no longer exists: awstore.orphans lists them,
-- awstore.purge_orphans() counts them (dry run) or deletes them.
--
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;

INSERT INTO aw.actors VALUES ('alive', 'c', 'p', NULL);
INSERT INTO aw.properties VALUES ('alive', 'k', 'v'), ('gone1', 'k', 'v'), ('gone1', 'k2', 'v'), ('gone2', 'k', 'v');
INSERT INTO aw.attributes (id, bucket_name, bucket, name) VALUES ('alive', 'b:n', 'b', 'n'), ('gone1', 'b:n', 'b', 'n');
INSERT INTO aw.trusts (id, peerid, baseuri, type, relationship, secret, approved, peer_approved, verified)
VALUES ('gone2', 'p', 'u', 't', 'r', 's', true, true, true);
INSERT INTO aw.peertrustees VALUES ('gone3', 'p', 'u', 't', 'pw');
INSERT INTO aw.subscriptions VALUES ('gone1', 'p:s', 'p', 's', NULL, NULL, NULL, NULL, 1, false);
INSERT INTO aw.subscription_diffs VALUES ('gone1', 's:1', 's', '2026-01-01', 'd', 1);
INSERT INTO aw.subscription_suspensions VALUES ('gone1', 't', '', now());

SELECT * FROM awstore.orphans ORDER BY table_name::text, actor_id;

-- The default is a dry run: counted, nothing deleted.
SELECT * FROM awstore.purge_orphans() ORDER BY table_name::text;
SELECT count(*) FROM aw.properties;

SELECT * FROM awstore.purge_orphans(dry_run => false) ORDER BY table_name::text;
SELECT * FROM awstore.orphans;
SELECT id, name FROM aw.properties;
SELECT id FROM aw.attributes;
-- should fail
SELECT * FROM awstore.purge_orphans(NULL);

DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
