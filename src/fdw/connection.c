/*-------------------------------------------------------------------------
 *
 * connection.c
 *		DynamoDB clients cached per user mapping, interruptible waits, and
 *		the reporting of DynamoDB errors.
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
 * Credentials come from the user mapping.  Only when the mapping has none,
 * its user is a superuser and so is the server's owner does the server's
 * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
 * stand in, like postgres_fdw's password_required.
 *
 * Waiting: the client's sockets are watched together with the backend's
 * latch and postmaster death (WaitEventSet).  A query cancel or a
 * statement_timeout sets the latch; the wait then returns "interrupted", the
 * transfers are abandoned (freed by their owners' memory context callbacks)
 * and CHECK_FOR_INTERRUPTS() raises the real error.  Other interrupts
 * (proc-signal barriers, memory context logging …) are processed in the
 * wait itself.  Nothing ever longjmps out of libcurl: the wait is not
 * called from inside it, and the wait event set is freed on every path.
 *
 * Errors: DynamoDB's __type maps to a SQLSTATE, its message goes in the
 * detail, the action and table in the context.  No credential is ever part
 * of a message.
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
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/wait_event.h"

#include "fdw/fdw.h"

/* Idle connections a client keeps once nothing uses it. */
#define AW_IDLE_CONNECTIONS 8

/* A client and the count of references to it (in TopMemoryContext). */
typedef struct AwClient
{
	DynClient  *client;
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

typedef struct AwClientEntry
{
	Oid			umid;			/* hash key: user mapping OID */
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

static char *
aw_option_value(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

static void
aw_credentials(ForeignServer *server, UserMapping *user, AwCredentials *cred)
{
	cred->access_key_id = aw_option_value(user->options, "access_key_id");
	cred->secret_access_key = aw_option_value(user->options, "secret_access_key");
	cred->session_token = aw_option_value(user->options, "session_token");

	if (cred->access_key_id && cred->secret_access_key)
		return;
	if (cred->access_key_id || cred->secret_access_key)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has only part of the credentials",
						server->servername),
				 errhint("Set both access_key_id and secret_access_key in the user mapping.")));
	/*
	 * The server's environment holds the instance's own credentials: only
	 * for a superuser, and only to an endpoint a superuser chose.
	 */
	if (!OidIsValid(user->userid) || !superuser_arg(user->userid) ||
		!superuser_arg(server->owner))
		ereport(ERROR,
				(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
				 errmsg("credentials are required for server \"%s\"", server->servername),
				 superuser_arg(server->owner)
				 ? errdetail("Non-superusers must give access_key_id and secret_access_key in their user mapping.")
				 : errdetail("The server is owned by a role that is not a superuser: the server's environment credentials are not sent to its endpoint."),
				 errhint("ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD access_key_id '...', ADD secret_access_key '...');",
						 quote_identifier(server->servername))));
	cred->access_key_id = getenv("AWS_ACCESS_KEY_ID");
	cred->secret_access_key = getenv("AWS_SECRET_ACCESS_KEY");
	cred->session_token = getenv("AWS_SESSION_TOKEN");
	if (cred->access_key_id == NULL || cred->access_key_id[0] == '\0' ||
		cred->secret_access_key == NULL || cred->secret_access_key[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("no credentials for server \"%s\"", server->servername),
				 errdetail("The user mapping has none, and the server's environment has no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."),
				 errhint("Give access_key_id and secret_access_key in the user mapping.")));
}

/*
 * Returns the cached client of a user mapping, creating it when needed.
 * opts must hold the server's options.  The client stays valid until the
 * current memory context is reset or deleted: keep the pointer no longer
 * than that, and take it in a context that outlives the calls made with it.
 */
DynClient *
awstore_get_client(ForeignServer *server, UserMapping *user, AwOptions *opts)
{
	AwClientEntry *entry;
	AwClientRef *ref;
	bool		found;

	if (aw_clients == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(AwClientEntry);
		aw_clients = hash_create("awstore DynamoDB clients", 8, &ctl,
								 HASH_ELEM | HASH_BLOBS);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, aw_invalidate_clients, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, aw_invalidate_clients, (Datum) 0);
		RegisterXactCallback(aw_client_xact_callback, NULL);
	}

	/* the reference first: nothing can fail once the count is taken */
	ref = MemoryContextAllocZero(CurrentMemoryContext, sizeof(AwClientRef));

	entry = hash_search(aw_clients, &user->umid, HASH_ENTER, &found);
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
		AwCredentials cred;
		DynConfig	cfg;
		DynError	err;

		aw_credentials(server, user, &cred);
		memset(&cfg, 0, sizeof(cfg));
		cfg.http.endpoint = opts->endpoint;
		cfg.http.region = opts->region;
		cfg.http.service = "dynamodb";
		cfg.http.access_key_id = cred.access_key_id;
		cfg.http.secret_access_key = cred.secret_access_key;
		cfg.http.session_token = cred.session_token;
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
		ac = MemoryContextAllocZero(TopMemoryContext, sizeof(AwClient));
		ac->client = dyn_client_create(&cfg, &err);
		if (ac->client == NULL)
		{
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
 * Waits for the sockets, the latch or the timeout (HttpWaitFn).  Returns
 * false on a query cancel or a termination request: the caller abandons
 * its transfers and raises the error.  Other interrupts are processed here
 * (CHECK_FOR_INTERRUPTS), which may raise an error: the wait event set is
 * freed on every path, and the http and dynamo layers hold nothing across
 * the wait.
 */
bool
awstore_wait(void *arg, HttpWaitSocket *socks, int nsocks, long timeout_ms)
{
	WaitEventSet *volatile set = NULL;
	WaitEvent  *events;
	volatile int nevents = 0;

	(void) arg;
	if (QueryCancelPending || ProcDiePending)
		return false;
	CHECK_FOR_INTERRUPTS();

	events = palloc(sizeof(WaitEvent) * (nsocks + 2));
	PG_TRY();
	{
		set = CreateWaitEventSet(CurrentMemoryContext, nsocks + 2);
		AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
		AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
		for (int i = 0; i < nsocks; i++)
		{
			uint32		ev = (socks[i].want_read ? WL_SOCKET_READABLE : 0) |
				(socks[i].want_write ? WL_SOCKET_WRITEABLE : 0);

			if (ev != 0)
				AddWaitEventToSet(set, ev, socks[i].fd, NULL, &socks[i]);
		}
		nevents = WaitEventSetWait(set, timeout_ms, events, nsocks + 2, PG_WAIT_EXTENSION);
	}
	PG_FINALLY();
	{
		if (set)
			FreeWaitEventSet(set);
	}
	PG_END_TRY();

	for (int i = 0; i < nevents; i++)
	{
		if (events[i].events & WL_LATCH_SET)
			ResetLatch(MyLatch);
		else if (events[i].user_data)
		{
			HttpWaitSocket *s = events[i].user_data;

			if (events[i].events & WL_SOCKET_READABLE)
				s->readable = true;
			if (events[i].events & WL_SOCKET_WRITEABLE)
				s->writable = true;
		}
	}
	pfree(events);
	if (QueryCancelPending || ProcDiePending)
		return false;
	/* barriers, catchup, memory context logging …: handled, not cleared */
	CHECK_FOR_INTERRUPTS();
	return true;
}

void
awstore_raise_canceled(void)
{
	CHECK_FOR_INTERRUPTS();
	/* an interrupt that did not raise an error: still, the request is gone */
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("DynamoDB request interrupted")));
}

void
awstore_wait_for(DynClient *client, DynCall *call)
{
	for (;;)
	{
		DynCall    *done;
		DynWaitResult r;

		if (dyn_call_finished(call))
			return;
		r = dyn_wait(client, awstore_wait, NULL, &done);
		if (r == DYN_WAIT_INTERRUPTED)
			awstore_raise_canceled();
		CHECK_FOR_INTERRUPTS();
	}
}

static void
aw_free_held_call(void *arg)
{
	AwCallHolder *holder = arg;

	if (holder->call)
	{
		dyn_call_free(holder->call);
		holder->call = NULL;
	}
}

/*
 * The holder lives in a small context of its own under cxt, so that
 * releasing it gives back everything, callback included: a scan that holds
 * a call per page stays flat however many pages it reads.
 */
AwCallHolder *
awstore_hold_call(MemoryContext cxt, DynCall *call)
{
	MemoryContext own;
	AwCallHolder *holder;

	PG_TRY();
	{
		own = AllocSetContextCreate(cxt, "awstore call", ALLOCSET_SMALL_SIZES);
	}
	PG_CATCH();
	{
		dyn_call_free(call);
		PG_RE_THROW();
	}
	PG_END_TRY();
	holder = MemoryContextAllocZero(own, sizeof(AwCallHolder));
	holder->call = call;
	holder->cxt = own;
	holder->cb.func = aw_free_held_call;
	holder->cb.arg = holder;
	MemoryContextRegisterResetCallback(own, &holder->cb);
	return holder;
}

/* Frees the call and the holder itself. */
void
awstore_release_call(AwCallHolder *holder)
{
	MemoryContextDelete(holder->cxt);
}

AwCallHolder *
awstore_call(DynClient *client, const char *action, char *body, size_t len,
			 const char *table)
{
	return awstore_call_tolerating(client, action, body, len, table, NULL);
}

AwCallHolder *
awstore_call_tolerating(DynClient *client, const char *action, char *body, size_t len,
						const char *table, const char *tolerated_type)
{
	DynCall    *call;
	AwCallHolder *holder;

	if (body == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory building a DynamoDB %s request", action)));
	call = dyn_call_start(client, action, body, len);
	if (call == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory starting a DynamoDB %s request", action)));
	holder = awstore_hold_call(CurrentMemoryContext, call);
	awstore_wait_for(client, call);
	if (!dyn_call_ok(call))
	{
		DynError	err = *dyn_call_error(call);

		awstore_release_call(holder);
		if (tolerated_type && err.kind == DYN_ERR_SERVICE &&
			strcmp(err.type, tolerated_type) == 0)
			return NULL;
		awstore_report_error(&err, action, table);
	}
	return holder;
}

/* The SQLSTATE of a DynamoDB error type. */
static int
aw_sqlstate(const DynError *err)
{
	const char *t = err->type;

	switch (err->kind)
	{
		case DYN_ERR_UNREACHABLE:
			return ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
		case DYN_ERR_TRANSPORT:
			return ERRCODE_CONNECTION_FAILURE;
		case DYN_ERR_CANCELED:
			return ERRCODE_QUERY_CANCELED;
		case DYN_ERR_INTERNAL:
			return ERRCODE_OUT_OF_MEMORY;
		case DYN_ERR_NO_SOCKET:
			return ERRCODE_INSUFFICIENT_RESOURCES;
		case DYN_ERR_RESPONSE:
		case DYN_ERR_HTTP:
			return ERRCODE_FDW_ERROR;
		default:
			break;
	}
	if (strcmp(t, "ResourceNotFoundException") == 0)
		return ERRCODE_FDW_TABLE_NOT_FOUND;
	if (strcmp(t, "UnrecognizedClientException") == 0 ||
		strcmp(t, "InvalidSignatureException") == 0 ||
		strcmp(t, "MissingAuthenticationTokenException") == 0 ||
		strcmp(t, "IncompleteSignatureException") == 0 ||
		strcmp(t, "ExpiredTokenException") == 0 ||
		strcmp(t, "InvalidClientTokenId") == 0)
		return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
	if (strcmp(t, "AccessDeniedException") == 0)
		return ERRCODE_INSUFFICIENT_PRIVILEGE;
	if (strcmp(t, "ConditionalCheckFailedException") == 0)
		return ERRCODE_FDW_ERROR;
	if (strcmp(t, "ItemCollectionSizeLimitExceededException") == 0)
		return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
	if (strcmp(t, "ResourceInUseException") == 0)
		return ERRCODE_OBJECT_IN_USE;
	if (strcmp(t, "LimitExceededException") == 0 || dyn_error_type_throttling(t))
		return ERRCODE_CONFIGURATION_LIMIT_EXCEEDED;
	if (strcmp(t, "ValidationException") == 0 ||
		strcmp(t, "SerializationException") == 0)
		return ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE;
	return ERRCODE_FDW_ERROR;
}

static int
aw_error_context(const char *action, const char *table)
{
	if (table)
		return errcontext("DynamoDB %s on table \"%s\"", action, table);
	return errcontext("DynamoDB %s", action);
}

/* Does action read (Scan, Query, GetItem …) rather than write? */
static bool
aw_is_read_action(const char *action)
{
	return strcmp(action, "Scan") == 0 || strcmp(action, "Query") == 0 ||
		strcmp(action, "GetItem") == 0 || strcmp(action, "BatchGetItem") == 0;
}

void
awstore_report_error(const DynError *err, const char *action, const char *table)
{
	int			code = aw_sqlstate(err);
	const char *retried = err->attempts > 1 ? psprintf(" after %d attempts", err->attempts) : "";

	if (err->kind == DYN_ERR_UNREACHABLE && http_curl_code_tls(err->curl_code))
		ereport(ERROR,
				(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
				 errmsg("could not establish a verified TLS connection to DynamoDB"),
				 errdetail_internal("%s", err->message),
				 errhint("Check the server's endpoint, and its ca_bundle option: the endpoint's certificate must be valid, for its host name, and signed by a trusted CA."),
				 aw_error_context(action, table)));
	switch (err->kind)
	{
		case DYN_ERR_UNREACHABLE:
			ereport(ERROR,
					(errcode(code),
					 errmsg("could not connect to DynamoDB"),
					 errdetail_internal("%s", err->message),
					 errhint("Check the server's endpoint and region options, and the network."),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_TRANSPORT:
			ereport(ERROR,
					(errcode(code),
					 errmsg("lost the connection to DynamoDB%s", retried),
					 errdetail_internal("%s", err->message),
					 errhint("Check the network, or raise the server's request_timeout or max_retries."),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_RESPONSE:
			ereport(ERROR,
					(errcode(code),
					 errmsg("invalid response from DynamoDB%s", retried),
					 errdetail_internal("%s", err->message),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_HTTP:
			ereport(ERROR,
					(errcode(code),
					 errmsg("unexpected HTTP response from DynamoDB%s", retried),
					 errdetail_internal("%s", err->message),
					 errhint("Check that the server's endpoint is a DynamoDB endpoint."),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_CANCELED:
			awstore_raise_canceled();
			break;
		case DYN_ERR_INTERNAL:
			ereport(ERROR,
					(errcode(code),
					 errmsg("could not send a DynamoDB request"),
					 errdetail_internal("%s", err->message),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_NO_SOCKET:
			ereport(ERROR,
					(errcode(code),
					 errmsg("could not open another connection to DynamoDB: too many open files in this backend"),
					 errdetail("The backend may use only part of max_files_per_process for sockets, and they are in use."),
					 errhint("Lower the scan_segments option, close cursors open on other servers, or raise max_files_per_process."),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_SERVICE:
		case DYN_ERR_NONE:
			break;
	}

	if (strcmp(err->type, "ResourceNotFoundException") == 0)
		ereport(ERROR,
				(errcode(code),
				 table ? errmsg("DynamoDB table \"%s\" does not exist", table)
				 : errmsg("DynamoDB resource not found"),
				 errdetail_internal("%s", err->message),
				 errhint("Check the table_name option and the server's region."),
				 aw_error_context(action, table)));
	if (strcmp(err->type, "InvalidSignatureException") == 0 &&
		strstr(err->message, "scoped to a valid region") != NULL)
		ereport(ERROR,
				(errcode(code),
				 errmsg("DynamoDB rejected the region of the request signature"),
				 errdetail_internal("%s", err->message),
				 errhint("Check the server's region option: it must match the endpoint's region."),
				 aw_error_context(action, table)));
	if (code == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION)
		ereport(ERROR,
				(errcode(code),
				 errmsg("DynamoDB rejected the credentials (%s)", err->type),
				 errdetail_internal("%s", err->message),
				 errhint("Check access_key_id, secret_access_key and session_token in the user mapping."),
				 aw_error_context(action, table)));
	if (strcmp(err->type, "UnknownOperationException") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the DynamoDB endpoint does not implement %s", action),
				 err->message[0] ? errdetail_internal("%s", err->message) : 0,
				 errhint("Local DynamoDB servers implement only part of the API."),
				 aw_error_context(action, table)));
	if (dyn_error_type_throttling(err->type))
		ereport(ERROR,
				(errcode(code),
				 errmsg("DynamoDB kept throttling requests%s", retried),
				 errdetail_internal("%s: %s", err->type, err->message),
				 aw_is_read_action(action)
				 ? errhint("Raise the table's read capacity or the server's max_retries, or lower scan_segments.")
				 : errhint("Raise the table's write capacity or the server's max_retries."),
				 aw_error_context(action, table)));
	if (strcmp(err->type, "ResourceInUseException") == 0 && table)
		ereport(ERROR,
				(errcode(strcmp(action, "CreateTable") == 0 ? ERRCODE_DUPLICATE_TABLE : code),
				 strcmp(action, "CreateTable") == 0
				 ? errmsg("DynamoDB table \"%s\" already exists", table)
				 : errmsg("DynamoDB table \"%s\" is in use", table),
				 err->message[0] ? errdetail_internal("%s", err->message) : 0,
				 strcmp(action, "CreateTable") == 0 ? 0 :
				 errhint("A table being created, updated or deleted accepts no other change until it is done."),
				 aw_error_context(action, table)));
	ereport(ERROR,
			(errcode(code),
			 errmsg("DynamoDB returned %s%s", err->type[0] ? err->type : "an error", retried),
			 err->message[0] ? errdetail_internal("%s", err->message) : 0,
			 aw_error_context(action, table)));
	pg_unreachable();
}
