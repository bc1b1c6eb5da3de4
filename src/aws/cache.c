/*-------------------------------------------------------------------------
 *
 * cache.c
 *		Resolved credentials kept until shortly before they expire.
 *
 * An entry per caller's key holds one set of credentials and the time at
 * which to resolve them again: refresh_margin seconds before Expiration,
 * less a random jitter (so that backends started together do not all call
 * IMDS or STS in the same second).  Credentials without an Expiration are
 * kept until invalidated.  A refresh that fails while the old credentials
 * have not expired yet keeps serving those, as the SDKs do, and is tried
 * again a few seconds later (never at every call); the failure shows once
 * they have expired.
 *
 * The cache is not thread-safe (one per backend).  Entries are malloc'd
 * and freed by aws_cache_invalidate / aws_cache_reset / aws_cache_destroy.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/awsint.h"

/* Seconds between refresh attempts while old credentials are still valid. */
#define AWS_CACHE_RETRY_S 5

typedef struct AwsCacheEntry
{
	struct AwsCacheEntry *next;
	char	   *key;
	AwsCredentials creds;
	long long	refresh_at;		/* epoch seconds; 0: never */
} AwsCacheEntry;

struct AwsCredCache
{
	AwsCacheEntry *entries;
	int			refresh_margin;
	int			jitter;
	unsigned int seed;
	long		resolutions;
};

AwsCredCache *
aws_cache_create(int refresh_margin_s, int jitter_s)
{
	AwsCredCache *cache = calloc(1, sizeof(AwsCredCache));

	if (cache == NULL)
		return NULL;
	cache->refresh_margin = refresh_margin_s < 0 ? 300 : refresh_margin_s;
	cache->jitter = jitter_s < 0 ? 60 : jitter_s;
	cache->seed = (unsigned int) time(NULL) ^ ((unsigned int) getpid() << 16);
	return cache;
}

static void
aws_cache_entry_free(AwsCacheEntry *e)
{
	aws_credentials_clear(&e->creds);
	free(e->key);
	free(e);
}

void
aws_cache_reset(AwsCredCache *cache)
{
	while (cache && cache->entries)
	{
		AwsCacheEntry *e = cache->entries;

		cache->entries = e->next;
		aws_cache_entry_free(e);
	}
}

void
aws_cache_destroy(AwsCredCache *cache)
{
	aws_cache_reset(cache);
	free(cache);
}

void
aws_cache_invalidate(AwsCredCache *cache, const char *key)
{
	AwsCacheEntry **p;

	for (p = &cache->entries; *p; p = &(*p)->next)
		if (strcmp((*p)->key, key) == 0)
		{
			AwsCacheEntry *e = *p;

			*p = e->next;
			aws_cache_entry_free(e);
			return;
		}
}

long
aws_cache_resolutions(const AwsCredCache *cache)
{
	return cache->resolutions;
}

/* When to resolve credentials expiring at expiration again. */
static long long
aws_cache_refresh_at(AwsCredCache *cache, long long expiration, long long now)
{
	long long	at;
	int			jitter = 0;

	if (expiration == 0)
		return 0;
	if (cache->jitter > 0)
		jitter = (int) (rand_r(&cache->seed) % (unsigned int) (cache->jitter + 1));
	at = expiration - cache->refresh_margin - jitter;

	/*
	 * Credentials that live less than the margin (a short STS duration, a
	 * test) are used for half their remaining life rather than not at all.
	 */
	if (at <= now)
		at = now + (expiration - now) / 2;

	/*
	 * Credentials already expired when they came (a clock running ahead, a
	 * source serving stale ones in an outage): asked again only every few
	 * seconds, never per request.
	 */
	if (at <= now)
		at = now + AWS_CACHE_RETRY_S;
	return at;
}

AwsStatus
aws_cache_get(AwsCredCache *cache, const char *key, const AwsContext *ctx,
			  const AwsCredSpec *spec, AwsCredentials *out, bool *refreshed,
			  char *errbuf, size_t errlen)
{
	AwsCacheEntry *e;
	long long	now = (long long) time(NULL);
	AwsCredentials fresh;
	AwsStatus	status;

	memset(out, 0, sizeof(*out));
	if (refreshed)
		*refreshed = false;
	for (e = cache->entries; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			break;
	if (e != NULL && (e->refresh_at == 0 || now < e->refresh_at))
	{
		if (!aws_credentials_copy(out, &e->creds))
		{
			aws_error(errbuf, errlen, "out of memory");
			return AWS_FAILED;
		}
		return AWS_OK;
	}

	cache->resolutions++;
	status = aws_resolve(ctx, spec, &fresh, errbuf, errlen);
	if (status != AWS_OK)
	{
		/*
		 * Still valid: keep using them, and try again a little later,
		 * whatever the failure (a source that did not answer in time says
		 * "not configured").
		 */
		if (status != AWS_ABORTED && e != NULL && e->creds.expiration > now)
		{
			e->refresh_at = now + AWS_CACHE_RETRY_S < e->creds.expiration ?
				now + AWS_CACHE_RETRY_S : e->creds.expiration;
			if (!aws_credentials_copy(out, &e->creds))
			{
				aws_error(errbuf, errlen, "out of memory");
				return AWS_FAILED;
			}
			return AWS_OK;
		}
		return status;
	}
	if (e == NULL)
	{
		e = calloc(1, sizeof(AwsCacheEntry));
		if (e == NULL || (e->key = strdup(key)) == NULL)
		{
			free(e);
			aws_credentials_clear(&fresh);
			aws_error(errbuf, errlen, "out of memory");
			return AWS_FAILED;
		}
		e->next = cache->entries;
		cache->entries = e;
	}
	else
		aws_credentials_clear(&e->creds);
	e->creds = fresh;
	e->refresh_at = aws_cache_refresh_at(cache, fresh.expiration, now);
	if (refreshed)
		*refreshed = true;
	if (!aws_credentials_copy(out, &e->creds))
	{
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}
	return AWS_OK;
}
