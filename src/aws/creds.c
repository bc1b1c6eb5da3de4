/*-------------------------------------------------------------------------
 *
 * creds.c
 *		Credentials as values, messages, and the sources without network.
 *
 * The bottom of the credential layer: freeing and copying credentials and
 * identities (a secret or token is zeroed before it is freed), reading
 * an Expiration (ISO 8601), the message helper, and the two sources that only read memory: keys given
 * by the caller (static) and the process environment.  It calls nothing
 * else of the layer.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/awsint.h"

char *
aws_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void
aws_error(char *errbuf, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

bool
aws_parse_time(const char *text, long long *epoch)
{
	struct tm	tm;
	int			y,
				mo,
				d,
				h,
				mi,
				s,
				n = 0;
	const char *p;
	time_t		t;
	long		offset = 0;

	if (text == NULL ||
		sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
		n != 19)
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 ||
		h < 0 || mi < 0 || s < 0)
		return false;
	p = text + n;
	if (*p == '.')
	{
		p++;
		if (!isdigit((unsigned char) *p))
			return false;
		while (isdigit((unsigned char) *p))
			p++;
	}
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-')
	{
		int			oh,
					om,
					m = 0;

		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5 || oh > 23 || om > 59 ||
			oh < 0 || om < 0)
			return false;
		offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	}
	else
		return false;
	if (*p != '\0')
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm);
	if (t == (time_t) -1)
		return false;
	*epoch = (long long) t - offset;
	return true;
}

void
aws_credentials_clear(AwsCredentials *creds)
{
	if (creds->secret_access_key)
		memset(creds->secret_access_key, 0, strlen(creds->secret_access_key));
	if (creds->session_token)
		memset(creds->session_token, 0, strlen(creds->session_token));
	free(creds->access_key_id);
	free(creds->secret_access_key);
	free(creds->session_token);
	memset(creds, 0, sizeof(*creds));
}

bool
aws_credentials_copy(AwsCredentials *dst, const AwsCredentials *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->access_key_id = aws_strdup(src->access_key_id);
	dst->secret_access_key = aws_strdup(src->secret_access_key);
	dst->session_token = aws_strdup(src->session_token);
	dst->expiration = src->expiration;
	memcpy(dst->source, src->source, sizeof(dst->source));
	if ((src->access_key_id && !dst->access_key_id) ||
		(src->secret_access_key && !dst->secret_access_key) ||
		(src->session_token && !dst->session_token))
	{
		aws_credentials_clear(dst);
		return false;
	}
	return true;
}

/* Fills *out from strings (copied); false when out of memory. */
bool
aws_creds_set(AwsCredentials *out, const char *key, const char *secret,
			  const char *token, long long expiration, const char *label)
{
	AwsCredentials tmp;

	tmp.access_key_id = (char *) key;
	tmp.secret_access_key = (char *) secret;
	tmp.session_token = (token && token[0]) ? (char *) token : NULL;
	tmp.expiration = expiration;
	snprintf(tmp.source, sizeof(tmp.source), "%s", label);
	return aws_credentials_copy(out, &tmp);
}

const char *
aws_getenv(const char *name)
{
	const char *v = getenv(name);

	return (v && v[0]) ? v : NULL;
}

void
aws_identity_clear(AwsIdentity *id)
{
	free(id->account);
	free(id->arn);
	free(id->user_id);
	memset(id, 0, sizeof(*id));
}

/* --- static and environment ----------------------------------------- */

AwsStatus
aws_source_static(const AwsCredSpec *spec, AwsCredentials *out, char *errbuf, size_t errlen)
{
	if (spec->access_key_id == NULL || spec->access_key_id[0] == '\0' ||
		spec->secret_access_key == NULL || spec->secret_access_key[0] == '\0')
	{
		aws_error(errbuf, errlen, "access_key_id and secret_access_key are both required");
		return AWS_FAILED;
	}
	if (!aws_creds_set(out, spec->access_key_id, spec->secret_access_key,
					   spec->session_token, 0, "static"))
	{
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}
	return AWS_OK;
}

AwsStatus
aws_source_environment(AwsCredentials *out, char *errbuf, size_t errlen)
{
	const char *key = aws_getenv("AWS_ACCESS_KEY_ID");
	const char *secret = aws_getenv("AWS_SECRET_ACCESS_KEY");
	const char *exp = aws_getenv("AWS_CREDENTIAL_EXPIRATION");
	long long	expiration = 0;

	if (key == NULL)
	{
		aws_error(errbuf, errlen, "AWS_ACCESS_KEY_ID is not set");
		return AWS_NOT_CONFIGURED;
	}
	if (secret == NULL)
	{
		aws_error(errbuf, errlen, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
		return AWS_FAILED;
	}
	if (exp != NULL && !aws_parse_time(exp, &expiration))
	{
		aws_error(errbuf, errlen, "AWS_CREDENTIAL_EXPIRATION \"%s\" is not an ISO 8601 time", exp);
		return AWS_FAILED;
	}
	if (!aws_creds_set(out, key, secret, aws_getenv("AWS_SESSION_TOKEN"), expiration, "environment"))
	{
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}
	return AWS_OK;
}
