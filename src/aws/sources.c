/*-------------------------------------------------------------------------
 *
 * sources.c
 *		Resolving credentials: one source by name, the web identity of the
 *		environment, the chain, and a role assumed on top.
 *
 * The sources themselves live in creds.c (static, environment),
 * profile.c, metadata.c (container, instance) and sts.c (web identity).
 * Each source either yields credentials (AWS_OK), is not set up in this
 * process (AWS_NOT_CONFIGURED: a chain moves on to the next source), or is
 * set up and fails (AWS_FAILED: the chain stops there, as the SDKs do, so
 * that a broken configuration is reported rather than skipped).  The
 * chain's order is the SDKs': environment, profile, web identity,
 * container, instance.  Its "nothing found" message names every source
 * with the reason it was passed over.
 *
 * The source functions write bare reasons; aws_resolve_source() puts the
 * source's name in front.  No reason ever quotes a secret, a session token
 * or a web identity token (their environment variables and files are
 * named, never their contents).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsint.h"

static const char *const aws_source_names[] = {
	[AWS_SOURCE_STATIC] = "static",
	[AWS_SOURCE_ENVIRONMENT] = "environment",
	[AWS_SOURCE_PROFILE] = "profile",
	[AWS_SOURCE_WEB_IDENTITY] = "web_identity",
	[AWS_SOURCE_CONTAINER] = "container",
	[AWS_SOURCE_INSTANCE] = "instance",
	[AWS_SOURCE_CHAIN] = "chain",
};

const char *
aws_source_name(AwsSource source)
{
	if ((int) source < 0 || (size_t) source >= sizeof(aws_source_names) / sizeof(aws_source_names[0]))
		return "unknown";
	return aws_source_names[source];
}

bool
aws_source_from_name(const char *name, AwsSource *source)
{
	size_t		i;

	for (i = 0; i < sizeof(aws_source_names) / sizeof(aws_source_names[0]); i++)
		if (strcmp(name, aws_source_names[i]) == 0)
		{
			*source = (AwsSource) i;
			return true;
		}
	return false;
}

/* --- web identity ----------------------------------------------------- */

static AwsStatus
aws_source_web_identity(const AwsContext *ctx, AwsCredentials *out,
						char *errbuf, size_t errlen)
{
	const char *file = aws_getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = aws_getenv("AWS_ROLE_ARN");

	if (file == NULL)
	{
		aws_error(errbuf, errlen, "AWS_WEB_IDENTITY_TOKEN_FILE is not set");
		return AWS_NOT_CONFIGURED;
	}
	if (role == NULL)
	{
		aws_error(errbuf, errlen, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
		return AWS_FAILED;
	}
	return aws_assume_role_with_web_identity(ctx, role, aws_getenv("AWS_ROLE_SESSION_NAME"),
											 file, "web_identity", out, errbuf, errlen);
}

/* --- resolution ------------------------------------------------------- */

static AwsStatus
aws_source_one(const AwsContext *ctx, const AwsCredSpec *spec, AwsSource source,
			   AwsCredentials *out, char *errbuf, size_t errlen)
{
	switch (source)
	{
		case AWS_SOURCE_STATIC:
			return aws_source_static(spec, out, errbuf, errlen);
		case AWS_SOURCE_ENVIRONMENT:
			return aws_source_environment(out, errbuf, errlen);
		case AWS_SOURCE_PROFILE:
			return aws_source_profile(ctx, out, errbuf, errlen);
		case AWS_SOURCE_WEB_IDENTITY:
			return aws_source_web_identity(ctx, out, errbuf, errlen);
		case AWS_SOURCE_CONTAINER:
			return aws_source_container(ctx, out, errbuf, errlen);
		case AWS_SOURCE_INSTANCE:
			return aws_source_instance(ctx, out, errbuf, errlen);
		case AWS_SOURCE_CHAIN:
			break;
	}
	aws_error(errbuf, errlen, "unknown credential source");
	return AWS_FAILED;
}

AwsStatus
aws_resolve_source(const AwsContext *ctx, const AwsCredSpec *spec,
				   AwsCredentials *out, char *errbuf, size_t errlen)
{
	static const AwsSource chain[] = {
		AWS_SOURCE_ENVIRONMENT, AWS_SOURCE_PROFILE, AWS_SOURCE_WEB_IDENTITY,
		AWS_SOURCE_CONTAINER, AWS_SOURCE_INSTANCE
	};
	char		reason[512];
	char		tried[2048];
	size_t		off = 0;
	size_t		i;
	AwsStatus	status;

	memset(out, 0, sizeof(*out));
	if (spec->source != AWS_SOURCE_CHAIN)
	{
		reason[0] = '\0';
		status = aws_source_one(ctx, spec, spec->source, out, reason, sizeof(reason));
		if (status != AWS_OK)
			aws_error(errbuf, errlen, "credential source \"%s\": %s",
					  aws_source_name(spec->source), reason);
		return status;
	}
	tried[0] = '\0';
	for (i = 0; i < sizeof(chain) / sizeof(chain[0]); i++)
	{
		reason[0] = '\0';
		status = aws_source_one(ctx, spec, chain[i], out, reason, sizeof(reason));
		if (status == AWS_OK)
			return AWS_OK;
		if (status != AWS_NOT_CONFIGURED)
		{
			aws_error(errbuf, errlen, "credential source \"%s\" (in the chain): %s",
					  aws_source_name(chain[i]), reason);
			return status;
		}
		if (off < sizeof(tried))
			off += (size_t) snprintf(tried + off, sizeof(tried) - off, "%s%s: %s",
									 i ? "; " : "", aws_source_name(chain[i]), reason);
	}
	aws_error(errbuf, errlen, "no AWS credentials were found in the chain: %s", tried);
	return AWS_FAILED;
}

AwsStatus
aws_resolve(const AwsContext *ctx, const AwsCredSpec *spec,
			AwsCredentials *out, char *errbuf, size_t errlen)
{
	AwsCredentials base;
	AwsStatus	status;
	char		reason[1024];

	status = aws_resolve_source(ctx, spec, &base, errbuf, errlen);
	if (status != AWS_OK || spec->role_arn == NULL || spec->role_arn[0] == '\0')
	{
		if (status == AWS_OK)
			*out = base;
		else
			memset(out, 0, sizeof(*out));
		return status;
	}
	reason[0] = '\0';
	status = aws_assume_role(ctx, &base, spec->role_arn, spec->external_id,
							 spec->role_session_name, spec->duration_seconds,
							 out, reason, sizeof(reason));
	if (status != AWS_OK)
		aws_error(errbuf, errlen, "could not assume role \"%s\" with the credentials of %s: %s",
				  spec->role_arn, base.source, reason);
	aws_credentials_clear(&base);
	return status;
}
