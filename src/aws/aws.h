/*-------------------------------------------------------------------------
 *
 * aws.h
 *		AWS credentials the way AWS deployments provide them.
 *
 * This layer finds credentials where the AWS SDKs find them: the process
 * environment, the shared credentials and config files (profiles, with
 * role_arn chains), a web identity token exchanged at STS (EKS service
 * accounts), the container credentials endpoint (ECS task roles, EKS Pod
 * Identity) and the EC2 instance metadata service (IMDSv2 only).  On top
 * of any of them it can assume a role through STS AssumeRole, and it asks
 * STS who the credentials belong to (GetCallerIdentity).  A small cache
 * keeps temporary credentials until shortly before they expire.
 *
 * Like src/http and src/dynamo it knows nothing of PostgreSQL: every
 * function returns an AwsStatus and, on failure, a whole message in the
 * caller's buffer that names the source and what was missing.  No message
 * ever holds a secret key, a session token or a web identity token.
 * Everything allocated is malloc'd and freed by the functions here
 * (aws_credentials_clear, aws_cache_destroy).  Network calls have short
 * timeouts and bounded retries, and poll the context's abort callback so
 * that the caller can cancel them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_AWS_H
#define AWSTORE_AWS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * aws_ is a common prefix (the AWS C libraries use it): these names stay
 * inside awstore.so, never exported to other modules of the backend.
 */
#pragma GCC visibility push(hidden)

/* Where credentials come from (the user mapping's credential_source). */
typedef enum AwsSource
{
	AWS_SOURCE_STATIC,			/* keys given by the caller */
	AWS_SOURCE_ENVIRONMENT,
	AWS_SOURCE_PROFILE,
	AWS_SOURCE_WEB_IDENTITY,
	AWS_SOURCE_CONTAINER,
	AWS_SOURCE_INSTANCE,
	AWS_SOURCE_CHAIN
} AwsSource;

typedef enum AwsStatus
{
	AWS_OK,
	AWS_NOT_CONFIGURED,			/* the source is not set up here: a chain
								 * moves on to the next one */
	AWS_FAILED,					/* the source is set up but failed */
	AWS_ABORTED					/* the abort callback said stop */
} AwsStatus;

/* A set of credentials; strings are malloc'd, freed by aws_credentials_clear. */
typedef struct AwsCredentials
{
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;	/* NULL when there is none */
	long long	expiration;		/* Unix epoch seconds; 0: they do not expire */
	char		source[192];	/* "instance", "profile \"dev\"", ... never a secret */
} AwsCredentials;

/* Returns true when the transfer in progress must stop (a query cancel). */
typedef bool (*AwsAbortFn) (void *arg);

/* How to reach the network; all fields may be zero / NULL. */
typedef struct AwsContext
{
	const char *region;			/* for STS; NULL: AWS_REGION, AWS_DEFAULT_REGION */
	const char *sts_endpoint;	/* NULL: AWS_ENDPOINT_URL_STS, else regional */
	const char *profile;		/* NULL: AWS_PROFILE, else "default" */
	const char *ca_bundle;		/* PEM file of CAs for https; NULL: system's */
	long		connect_timeout_ms; /* 0: 1000 */
	long		timeout_ms;		/* per attempt; 0: 5000 */
	int			max_attempts;	/* 0: 3 */
	AwsAbortFn	abort_fn;
	void	   *abort_arg;

	/*
	 * For a server not owned by a superuser, whose STS endpoint a role that
	 * is not a superuser chose: never connect to a link-local address (the
	 * instance metadata service) nor send plain http:// beyond loopback,
	 * checked on the address about to be used (src/http's address guard).
	 */
	bool		restrict_addresses;
} AwsContext;

/* What to resolve: a source, optionally with a role assumed on top. */
typedef struct AwsCredSpec
{
	AwsSource	source;
	const char *access_key_id;	/* AWS_SOURCE_STATIC only */
	const char *secret_access_key;
	const char *session_token;
	const char *role_arn;		/* NULL: no AssumeRole */
	const char *external_id;
	const char *role_session_name;	/* NULL: "awstore-<epoch>" */
	int			duration_seconds;	/* 0: STS's default (3600) */
} AwsCredSpec;

/* Who the credentials belong to (GetCallerIdentity); malloc'd strings. */
typedef struct AwsIdentity
{
	char	   *account;
	char	   *arn;
	char	   *user_id;
} AwsIdentity;

/* The SQL name of a source ("instance"), and back (false: unknown name). */
extern const char *aws_source_name(AwsSource source);
extern bool aws_source_from_name(const char *name, AwsSource *source);

/*
 * Resolves credentials from one source (AWS_SOURCE_CHAIN: the SDKs' order,
 * the first that is configured).  On AWS_OK *out is filled and the caller
 * frees it with aws_credentials_clear(); on any other status *out is left
 * empty and errbuf holds the message.
 */
extern AwsStatus aws_resolve(const AwsContext *ctx, const AwsCredSpec *spec,
							 AwsCredentials *out, char *errbuf, size_t errlen);

/* The same, one source only, without role_arn (spec's role is ignored). */
extern AwsStatus aws_resolve_source(const AwsContext *ctx, const AwsCredSpec *spec,
									AwsCredentials *out, char *errbuf, size_t errlen);

/*
 * STS AssumeRole signed with base.  role_arn must be set.  *out as for
 * aws_resolve; its source names the role and the base source.
 */
extern AwsStatus aws_assume_role(const AwsContext *ctx, const AwsCredentials *base,
								 const char *role_arn, const char *external_id,
								 const char *session_name, int duration_seconds,
								 AwsCredentials *out, char *errbuf, size_t errlen);

/* STS GetCallerIdentity; the caller frees *out with aws_identity_clear(). */
extern AwsStatus aws_get_caller_identity(const AwsContext *ctx,
										 const AwsCredentials *creds,
										 AwsIdentity *out, char *errbuf, size_t errlen);

/* The STS endpoint the context leads to (malloc'd), or NULL and a message. */
extern char *aws_sts_endpoint(const AwsContext *ctx, char *errbuf, size_t errlen);

extern void aws_credentials_clear(AwsCredentials *creds);
extern bool aws_credentials_copy(AwsCredentials *dst, const AwsCredentials *src);
extern void aws_identity_clear(AwsIdentity *id);

/*
 * A cache of resolved credentials, keyed by the caller's string (the
 * wrapper: backend-local, one key per user mapping).  An entry is used
 * until refresh_margin seconds (minus up to jitter seconds) before it
 * expires, then resolved again; credentials that do not expire are kept
 * until invalidated.  When a refresh fails while the old credentials are
 * still valid, those are returned.
 */
typedef struct AwsCredCache AwsCredCache;

/* refresh_margin_s < 0: 300 (the SDKs' 5 minutes); jitter_s < 0: 60. */
extern AwsCredCache *aws_cache_create(int refresh_margin_s, int jitter_s);
extern void aws_cache_destroy(AwsCredCache *cache);

/*
 * Credentials for key: from the cache, or resolved (aws_resolve) and kept.
 * On AWS_OK *out is the caller's own copy, freed with
 * aws_credentials_clear().  *refreshed, when not NULL, says whether this
 * call resolved them.  The cache compares keys only: when what a key
 * stands for changes (an altered user mapping), the caller invalidates it.
 */
extern AwsStatus aws_cache_get(AwsCredCache *cache, const char *key,
							   const AwsContext *ctx, const AwsCredSpec *spec,
							   AwsCredentials *out, bool *refreshed,
							   char *errbuf, size_t errlen);

/* Forgets key's credentials (ExpiredTokenException, a changed mapping). */
extern void aws_cache_invalidate(AwsCredCache *cache, const char *key);

/* Forgets every entry. */
extern void aws_cache_reset(AwsCredCache *cache);

/* Number of resolutions the cache has made (for tests and monitoring). */
extern long aws_cache_resolutions(const AwsCredCache *cache);

#pragma GCC visibility pop

#endif							/* AWSTORE_AWS_H */
