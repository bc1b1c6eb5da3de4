/*-------------------------------------------------------------------------
 *
 * credentials.c
 *		AWS credentials of a user mapping: resolved, cached, renewed.
 *
 * Each DynamoDB client (connection.c) has an AwCredState: what its user
 * mapping says about credentials (AwCredOptions, options.c) turned into a
 * request to the credential layer (src/aws), the context that layer needs
 * (region, sts_endpoint, ca_bundle, a cancel check), and the access key the
 * client signs with now.
 *
 * Which credentials: the mapping's keys (static); with credential_source,
 * that source; without either, for a superuser only, the server process's
 * environment (the behaviour before credential_source existed).  Every
 * source but static, and a role assumed without the mapping's own keys,
 * uses the database server's own AWS identity: the option validator lets
 * only superusers set them, and here they are used only on a server a
 * superuser owns, whose endpoints a superuser chose.
 *
 * Temporary credentials (every source but plain static keys) live in one
 * backend-wide cache (aws_cache_*), one entry per client: the key holds the
 * server, the user mapping and a generation, so that a client replaced
 * after ALTER USER MAPPING or ALTER SERVER never shares an entry with the
 * client a cursor still uses.  An entry is dropped with its client.  The
 * dynamo layer asks awstore_cred_renew() before each request it sends; it
 * costs no network call until the credentials are due for renewal.
 *
 * Errors: awstore_cred_create() and awstore_cred_get() report them
 * (ereport); awstore_cred_renew() runs inside the dynamo layer and must not
 * longjmp, so it hands its failure back in a DynError.  No message holds
 * a secret, a session token or a web identity token: the credential layer
 * writes none, and nothing here adds one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "fdw/fdw.h"

struct AwCredState
{
	char	   *cache_key;		/* NULL: plain static keys, never renewed */
	AwsCredSpec spec;			/* strings in TopMemoryContext */
	char	   *region;
	char	   *sts_endpoint;
	char	   *profile;
	char	   *ca_bundle;
	bool		restrict_addresses; /* the server's owner is not a superuser */
	char		key_id[256];	/* the access key the client signs with */
	long long	expiration;		/* ... and the expiration of its set */
};

static AwsCredCache *aw_cred_cache = NULL;
static uint64 aw_cred_generation = 0;

/* AwsAbortFn: stop a credential request on a query cancel or termination. */
static bool
aw_cred_abort(void *arg)
{
	(void) arg;
	return QueryCancelPending || ProcDiePending;
}

static char *
aw_top_strdup(const char *s)
{
	return s ? MemoryContextStrdup(TopMemoryContext, s) : NULL;
}

/* Clears and frees a copy of a secret. */
static void
aw_free_secret(const char *s)
{
	if (s)
	{
		volatile char *p = (volatile char *) s;

		while (*p)
			*p++ = '\0';
		pfree((char *) s);
	}
}

void
awstore_cred_context(const AwCredState *st, AwsContext *ctx)
{
	memset(ctx, 0, sizeof(AwsContext));
	ctx->region = st->region;
	ctx->sts_endpoint = st->sts_endpoint;
	ctx->profile = st->profile;
	ctx->ca_bundle = st->ca_bundle;
	ctx->abort_fn = aw_cred_abort;
	ctx->restrict_addresses = st->restrict_addresses;
}

/* Reports a failed resolution; a cancel raises the cancel error. */
static void
aw_cred_report(AwsStatus status, const char *servername, const char *msg)
{
	if (status == AWS_ABORTED)
		awstore_raise_canceled();
	ereport(ERROR,
			(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
			 errmsg("could not obtain AWS credentials for server \"%s\"", servername),
			 errdetail_internal("%s", msg)));
}

/*
 * Resolves st's credentials now: from the cache, or the static keys.
 * On AWS_OK *out is the caller's (aws_credentials_clear).
 */
static AwsStatus
aw_cred_resolve(AwCredState *st, bool *refreshed, AwsCredentials *out,
				char *msg, size_t msglen)
{
	AwsContext	ctx;

	awstore_cred_context(st, &ctx);
	if (refreshed)
		*refreshed = false;
	if (st->cache_key == NULL)
		return aws_resolve(&ctx, &st->spec, out, msg, msglen);
	if (aw_cred_cache == NULL)
	{
		aw_cred_cache = aws_cache_create(-1, -1);
		if (aw_cred_cache == NULL)
		{
			snprintf(msg, msglen, "out of memory");
			return AWS_FAILED;
		}
	}
	return aws_cache_get(aw_cred_cache, st->cache_key, &ctx, &st->spec, out,
						 refreshed, msg, msglen);
}

/*
 * The credentials of a user mapping for a server (opts: its options): the
 * privilege rules are checked, the credentials resolved once (*first, the
 * caller's: aws_credentials_clear), and the state returned, allocated in
 * TopMemoryContext and freed with awstore_cred_destroy().  Errors are
 * reported; nothing is left allocated then.
 */
AwCredState *
awstore_cred_create(ForeignServer *server, UserMapping *user, AwOptions *opts,
					AwsCredentials *first)
{
	AwCredOptions co;
	AwCredState *st;
	AwsCredSpec spec;
	AwsStatus	status;
	char		msg[1024];
	bool		renewable;
	bool		own_identity;

	awstore_credential_options(user, &co);
	memset(&spec, 0, sizeof(spec));
	spec.source = co.source;
	own_identity = co.source_given && co.source != AWS_SOURCE_STATIC;

	if (!co.source_given && !co.access_key_id && !co.secret_access_key)
	{
		/* no keys and no source: the environment, as before */
		spec.source = AWS_SOURCE_ENVIRONMENT;
		own_identity = true;
	}
	else if (!own_identity && !co.access_key_id && !co.secret_access_key)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has no access_key_id and secret_access_key",
						server->servername),
				 errdetail("Credential source \"static\" takes the keys from the user mapping.")));
	else if (!own_identity && !(co.access_key_id && co.secret_access_key))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has only part of the credentials",
						server->servername),
				 errhint("Set both access_key_id and secret_access_key in the user mapping.")));

	/*
	 * The server's own identity: only for a superuser's mapping (or one a
	 * superuser configured, credential_source being superuser-only), and
	 * only to endpoints a superuser chose.
	 */
	if (own_identity && co.source_given && !superuser_arg(server->owner))
		ereport(ERROR,
				(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
				 errmsg("credential source \"%s\" cannot be used with server \"%s\"",
						aws_source_name(co.source), server->servername),
				 errdetail("The server is owned by a role that is not a superuser: the database server's own AWS identity is not used for its endpoints.")));
	if (own_identity &&
		(!superuser_arg(server->owner) ||
		 (!co.source_given && (!OidIsValid(user->userid) || !superuser_arg(user->userid)))))
		ereport(ERROR,
				(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
				 errmsg("credentials are required for server \"%s\"", server->servername),
				 superuser_arg(server->owner)
				 ? errdetail("Non-superusers must give access_key_id and secret_access_key in their user mapping.")
				 : errdetail("The server is owned by a role that is not a superuser: the server's environment credentials are not sent to its endpoint."),
				 errhint("ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD access_key_id '...', ADD secret_access_key '...');",
						 quote_identifier(server->servername))));
	if (!co.source_given && spec.source == AWS_SOURCE_ENVIRONMENT)
	{
		const char *key = getenv("AWS_ACCESS_KEY_ID");
		const char *secret = getenv("AWS_SECRET_ACCESS_KEY");

		if (key == NULL || key[0] == '\0' || secret == NULL || secret[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("no credentials for server \"%s\"", server->servername),
					 errdetail("The user mapping has none, and the server's environment has no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."),
					 errhint("Give access_key_id and secret_access_key in the user mapping.")));
	}

	renewable = spec.source != AWS_SOURCE_STATIC || co.role_arn != NULL;
	st = MemoryContextAllocZero(TopMemoryContext, sizeof(AwCredState));
	st->spec.source = spec.source;
	st->spec.access_key_id = aw_top_strdup(co.access_key_id);
	st->spec.secret_access_key = aw_top_strdup(co.secret_access_key);
	st->spec.session_token = aw_top_strdup(co.session_token);
	st->spec.role_arn = aw_top_strdup(co.role_arn);
	st->spec.external_id = aw_top_strdup(co.external_id);
	st->spec.role_session_name = aw_top_strdup(co.role_session_name);
	st->spec.duration_seconds = co.duration;
	st->region = aw_top_strdup(opts->region);
	st->sts_endpoint = aw_top_strdup(opts->sts_endpoint);
	st->profile = aw_top_strdup(co.profile);
	st->ca_bundle = aw_top_strdup(opts->ca_bundle);
	/* the STS endpoint of such a server is held to its address rules */
	st->restrict_addresses = !superuser_arg(server->owner);
	if (renewable)
		st->cache_key = MemoryContextStrdup(TopMemoryContext,
											psprintf("%u/%u/" UINT64_FORMAT,
													 server->serverid, user->umid,
													 ++aw_cred_generation));

	status = aw_cred_resolve(st, NULL, first, msg, sizeof(msg));
	if (status != AWS_OK)
	{
		awstore_cred_destroy(st);
		aw_cred_report(status, server->servername, msg);
	}
	strlcpy(st->key_id, first->access_key_id, sizeof(st->key_id));
	st->expiration = first->expiration;
	return st;
}

/* Forgets the state's cached credentials and frees it.  Never errors. */
void
awstore_cred_destroy(AwCredState *st)
{
	if (st == NULL)
		return;
	if (st->cache_key)
	{
		if (aw_cred_cache)
			aws_cache_invalidate(aw_cred_cache, st->cache_key);
		pfree(st->cache_key);
	}
	if (st->spec.access_key_id)
		pfree((char *) st->spec.access_key_id);
	aw_free_secret(st->spec.secret_access_key);
	aw_free_secret(st->spec.session_token);
	if (st->spec.role_arn)
		pfree((char *) st->spec.role_arn);
	if (st->spec.external_id)
		pfree((char *) st->spec.external_id);
	if (st->spec.role_session_name)
		pfree((char *) st->spec.role_session_name);
	if (st->region)
		pfree(st->region);
	if (st->sts_endpoint)
		pfree(st->sts_endpoint);
	if (st->profile)
		pfree(st->profile);
	if (st->ca_bundle)
		pfree(st->ca_bundle);
	pfree(st);
}

/* Do the state's credentials change over time (temporary ones)? */
bool
awstore_cred_renewable(const AwCredState *st)
{
	return st->cache_key != NULL;
}

/*
 * The credentials in use now (renewed when due), the caller's
 * (aws_credentials_clear).  Errors are reported.
 */
void
awstore_cred_get(AwCredState *st, const char *servername, AwsCredentials *out)
{
	char		msg[1024];
	AwsStatus	status = aw_cred_resolve(st, NULL, out, msg, sizeof(msg));

	if (status != AWS_OK)
		aw_cred_report(status, servername, msg);
}

static bool
aw_cred_failed(DynError *err, DynErrorKind kind, const char *msg)
{
	err->kind = kind;
	snprintf(err->message, sizeof(err->message), "%s", msg);
	return false;
}

/*
 * DynCredentialsFn of a client with renewable credentials (arg: its
 * AwCredState): brings the client's credentials up to date before a
 * request is sent.  Never raises an error.
 */
bool
awstore_cred_renew(DynClient *client, void *arg, bool expired, DynError *err)
{
	AwCredState *st = arg;
	AwsCredentials creds;
	AwsStatus	status;
	char		msg[sizeof(err->message)];

	if (expired && aw_cred_cache)
		aws_cache_invalidate(aw_cred_cache, st->cache_key);
	status = aw_cred_resolve(st, NULL, &creds, msg, sizeof(msg));
	if (status == AWS_ABORTED)
		return aw_cred_failed(err, DYN_ERR_CANCELED, "canceled while obtaining AWS credentials");
	if (status != AWS_OK)
		return aw_cred_failed(err, DYN_ERR_CREDENTIALS, msg);
	/* a new set may keep the key id: its expiration tells it apart */
	if (strcmp(creds.access_key_id, st->key_id) != 0 || creds.expiration != st->expiration)
	{
		if (!dyn_client_set_credentials(client, creds.access_key_id,
										creds.secret_access_key, creds.session_token))
		{
			aws_credentials_clear(&creds);
			return aw_cred_failed(err, DYN_ERR_INTERNAL, "out of memory");
		}
		strlcpy(st->key_id, creds.access_key_id, sizeof(st->key_id));
		st->expiration = creds.expiration;
	}
	aws_credentials_clear(&creds);
	return true;
}
