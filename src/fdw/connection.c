/*-------------------------------------------------------------------------
 *
 * connection.c
 *		DynamoDB clients cached per user mapping.
 *
 * A client (with its libcurl session and open connections) is kept per user
 * mapping for the life of the backend, so TCP and TLS are set up once.
 * Changing the server or the user mapping invalidates it through syscache
 * callbacks (as postgres_fdw's ConnCacheEntry does).
 *
 * Lifetime: a client must outlive every scan, cursor, modify state and
 * call that uses it.  awstore_get_client() therefore hands out references:
 * each is released by a reset callback of the memory context it was taken
 * in, so the executor state, the cursor's portal or the function call that
 * holds the pointer holds the client too.  An invalidated client is
 * replaced at its next use; the replaced one is destroyed only once it has
 * no reference and no call left (right then, or when the last reference
 * goes), and an unused invalidated client is destroyed at transaction end.
 * A cursor opened before ALTER USER MAPPING thus goes on with the client
 * it started with, while new queries use the new credentials.
 *
 * Sockets are counted by PostgreSQL's fd accounting (AcquireExternalFD):
 * a socket the backend cannot afford is an error naming the cause, not a
 * failure to connect.  When the last reference to a client goes, idle
 * connections beyond a few are closed (a wide parallel scan opens one per
 * segment).
 *
 * Credentials: each client has its own AwCredState (credentials.c), made
 * with it and freed with it.  A client whose credentials are temporary
 * gets them renewed before each request (the dynamo layer's credentials
 * callback); a replaced client's cached credentials go with it.
 *
 * Nothing here sends a request (request.c) or reports one's failure
 * (errors.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>

#include "access/xact.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "fdw/fdw.h"

/* Idle connections a client keeps once nothing uses it. */
#define AW_IDLE_CONNECTIONS 8

/* A client and the count of references to it (in TopMemoryContext). */
typedef struct AwClient
{
	DynClient  *client;
	AwCredState *cred;
	int			refs;			/* references not yet released */
	bool		retired;		/* replaced: destroy once unused */
	struct AwClient *next_retired;
} AwClient;

/* One reference, released when the context it lives in goes. */
typedef struct AwClientRef
{
	AwClient   *ac;
	MemoryContextCallback cb;
} AwClientRef;

/*
 * A client is cached per user mapping and per role using it: a mapping for
 * PUBLIC is one mapping for many roles, and what it may use depends on the
 * role (the server's environment credentials only for a superuser), so a
 * client made for one role is never handed to another.
 */
typedef struct AwClientKey
{
	Oid			umid;			/* user mapping OID */
	Oid			userid;			/* the role using it */
	bool		streams;		/* DynamoDB Streams' endpoint, not DynamoDB's */
} AwClientKey;

typedef struct AwClientEntry
{
	AwClientKey key;			/* hash key */
	AwClient   *current;		/* the client new users get, or NULL */
	bool		invalidated;	/* current is out of date */
	uint32		server_hashvalue;
	uint32		mapping_hashvalue;
} AwClientEntry;

static HTAB *aw_clients = NULL;
static AwClient *aw_retired = NULL;	/* replaced clients still in use */

/*
 * Marks clients out of date.  Nothing is freed here: the callback may run
 * while a client is in use (a sinval reset, hashvalue 0, marks them all).
 */
static void
aw_invalidate_clients(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	AwClientEntry *entry;

	(void) arg;
	hash_seq_init(&scan, aw_clients);
	while ((entry = hash_seq_search(&scan)) != NULL)
	{
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && entry->server_hashvalue == hashvalue) ||
			(cacheid == USERMAPPINGOID && entry->mapping_hashvalue == hashvalue))
			entry->invalidated = true;
	}
}

/* Can the client go: no reference, and no call that points to it? */
static bool
aw_client_unused(AwClient *ac)
{
	return ac->refs == 0 && !dyn_client_has_calls(ac->client);
}

static void
aw_client_destroy(AwClient *ac)
{
	dyn_client_destroy(ac->client);
	awstore_cred_destroy(ac->cred);
	pfree(ac);
}

/* Destroys the replaced clients nothing uses any more. */
static void
aw_sweep_retired(void)
{
	AwClient  **p = &aw_retired;

	while (*p)
	{
		AwClient   *ac = *p;

		if (aw_client_unused(ac))
		{
			*p = ac->next_retired;
			aw_client_destroy(ac);
		}
		else
			p = &ac->next_retired;
	}
}

/* Reset callback of a reference's memory context.  Never raises an error. */
static void
aw_release_client(void *arg)
{
	AwClientRef *ref = arg;
	AwClient   *ac = ref->ac;

	Assert(ac->refs > 0);
	ac->refs--;
	if (ac->refs > 0)
		return;
	if (ac->retired)
		aw_sweep_retired();
	else
		(void) dyn_client_close_idle(ac->client, AW_IDLE_CONNECTIONS);
}

/*
 * At transaction end no executor state is left: destroy the invalidated
 * clients, so that dropped credentials and servers leave no connection
 * behind (postgres_fdw closes its invalidated connections there too).
 */
static void
aw_client_xact_callback(XactEvent event, void *arg)
{
	HASH_SEQ_STATUS scan;
	AwClientEntry *entry;

	(void) arg;
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT &&
		event != XACT_EVENT_PREPARE)
		return;
	hash_seq_init(&scan, aw_clients);
	while ((entry = hash_seq_search(&scan)) != NULL)
	{
		if (entry->current && entry->invalidated && aw_client_unused(entry->current))
		{
			aw_client_destroy(entry->current);
			entry->current = NULL;
		}
		else if (entry->current && entry->current->refs == 0)
			(void) dyn_client_close_idle(entry->current->client, AW_IDLE_CONNECTIONS);
	}
	aw_sweep_retired();
}

/*
 * The backend's fd accounting, for the http layer's sockets.  One slot is
 * left free, for the wait's own epoll descriptor (awstore_wait).
 */
static bool
aw_acquire_fd(void)
{
	if (!AcquireExternalFD())
		return false;
	if (!AcquireExternalFD())
	{
		ReleaseExternalFD();
		return false;
	}
	ReleaseExternalFD();
	return true;
}

static void
aw_release_fd(void)
{
	ReleaseExternalFD();
}

/*
 * Returns the cached client of a user mapping, creating it when needed.
 * opts must hold the server's options.  The client stays valid until the
 * current memory context is reset or deleted: keep the pointer no longer
 * than that, and take it in a context that outlives the calls made with it.
 */
static DynClient *aw_get_client(ForeignServer *server, UserMapping *user, AwOptions *opts,
							   bool streams);

DynClient *
awstore_get_client(ForeignServer *server, UserMapping *user, AwOptions *opts)
{
	return aw_get_client(server, user, opts, false);
}

/*
 * The client for DynamoDB Streams (DescribeStream, GetShardIterator,
 * GetRecords): its own endpoint and X-Amz-Target service, the same
 * credentials, cached and released as the other.
 */
DynClient *
awstore_get_streams_client(ForeignServer *server, UserMapping *user, AwOptions *opts)
{
	return aw_get_client(server, user, opts, true);
}

static DynClient *
aw_get_client(ForeignServer *server, UserMapping *user, AwOptions *opts, bool streams)
{
	AwClientEntry *entry;
	AwClientKey key;
	AwClientRef *ref;
	bool		found;

	if (aw_clients == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(AwClientKey);
		ctl.entrysize = sizeof(AwClientEntry);
		aw_clients = hash_create("awstore DynamoDB clients", 8, &ctl,
								 HASH_ELEM | HASH_BLOBS);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, aw_invalidate_clients, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, aw_invalidate_clients, (Datum) 0);
		RegisterXactCallback(aw_client_xact_callback, NULL);
	}

	/* the reference first: nothing can fail once the count is taken */
	ref = MemoryContextAllocZero(CurrentMemoryContext, sizeof(AwClientRef));

	memset(&key, 0, sizeof(key));
	key.umid = user->umid;
	key.userid = user->userid;
	key.streams = streams;
	entry = hash_search(aw_clients, &key, HASH_ENTER, &found);
	if (!found)
	{
		entry->current = NULL;
		entry->invalidated = false;
	}
	if (entry->current && entry->invalidated)
	{
		/* out of date: new users get a new client, current ones keep theirs */
		if (aw_client_unused(entry->current))
			aw_client_destroy(entry->current);
		else
		{
			entry->current->retired = true;
			entry->current->next_retired = aw_retired;
			aw_retired = entry->current;
		}
		entry->current = NULL;
	}
	aw_sweep_retired();
	if (entry->current == NULL)
	{
		AwClient   *ac;
		AwCredState *cred;
		AwsCredentials first;
		DynConfig	cfg;
		DynError	err;

		cred = awstore_cred_create(server, user, opts, &first);
		memset(&cfg, 0, sizeof(cfg));
		cfg.http.endpoint = streams ? opts->streams_endpoint : opts->endpoint;
		/* Streams signs as service dynamodb too */
		cfg.target_prefix = streams ? "DynamoDBStreams_20120810" : NULL;
		cfg.http.region = opts->region;
		cfg.http.service = "dynamodb";
		cfg.http.access_key_id = first.access_key_id;
		cfg.http.secret_access_key = first.secret_access_key;
		cfg.http.session_token = first.session_token;
		cfg.http.connect_timeout_ms = opts->connect_timeout_ms;
		cfg.http.request_timeout_ms = opts->request_timeout_ms;
		cfg.http.ca_bundle = opts->ca_bundle;
		cfg.http.proxy = opts->proxy;
		/* the endpoint of a server a non-superuser owns: see options.c */
		cfg.http.restrict_addresses = !superuser_arg(server->owner);
		cfg.http.acquire_fd = aw_acquire_fd;
		cfg.http.release_fd = aw_release_fd;
		cfg.max_retries = opts->max_retries;
		cfg.backoff_base_ms = 25;
		cfg.backoff_cap_ms = 5000;
		if (awstore_cred_renewable(cred))
		{
			cfg.credentials_fn = awstore_cred_renew;
			cfg.credentials_arg = cred;
		}
		/* first's secrets are malloc'd: no allocation here may raise */
		ac = MemoryContextAllocExtended(TopMemoryContext, sizeof(AwClient),
										MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM);
		if (ac == NULL)
		{
			aws_credentials_clear(&first);
			awstore_cred_destroy(cred);
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		}
		ac->cred = cred;
		ac->client = dyn_client_create(&cfg, &err);
		aws_credentials_clear(&first);
		if (ac->client == NULL)
		{
			awstore_cred_destroy(cred);
			pfree(ac);
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("could not set up a DynamoDB client for server \"%s\"",
							server->servername),
					 errdetail_internal("%s", err.message)));
		}
		entry->current = ac;
		entry->invalidated = false;
		entry->server_hashvalue = GetSysCacheHashValue1(FOREIGNSERVEROID,
														ObjectIdGetDatum(server->serverid));
		entry->mapping_hashvalue = GetSysCacheHashValue1(USERMAPPINGOID,
														 ObjectIdGetDatum(user->umid));
	}

	ref->ac = entry->current;
	ref->cb.func = aw_release_client;
	ref->cb.arg = ref;
	entry->current->refs++;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &ref->cb);
	return entry->current->client;
}

/*
 * The credential state of the user mapping's cached client (created when
 * needed), held like the client itself: until the current memory context
 * is reset or deleted.
 */
AwCredState *
awstore_get_credentials(ForeignServer *server, UserMapping *user, AwOptions *opts)
{
	AwClientEntry *entry;
	AwClientKey key;

	(void) awstore_get_client(server, user, opts);
	memset(&key, 0, sizeof(key));
	key.umid = user->umid;
	key.userid = user->userid;
	entry = hash_search(aw_clients, &key, HASH_FIND, NULL);
	Assert(entry && entry->current);
	return entry->current->cred;
}
