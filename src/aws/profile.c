/*-------------------------------------------------------------------------
 *
 * profile.c
 *		Credentials from the shared credentials and config files.
 *
 * A profile (the context's, else AWS_PROFILE, else "default") is read from
 * AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE (else ~/.aws/credentials
 * and ~/.aws/config); the credentials file wins where both set a key.  A
 * profile yields static keys, or a role: role_arn with
 * web_identity_token_file (AssumeRoleWithWebIdentity), with source_profile
 * (the source profile's static keys, else its own role, followed at most
 * AWS_MAX_PROFILE_DEPTH links and never in a loop) or with
 * credential_source (Environment, Ec2InstanceMetadata, EcsContainer),
 * then AssumeRole with its external_id, role_session_name and
 * duration_seconds.  credential_process and IAM Identity Center are not
 * supported and say so.  A missing "default" profile is AWS_NOT_CONFIGURED;
 * a missing profile that was named is an error.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/awsint.h"

/* Deepest chain of source_profile links followed. */
#define AWS_MAX_PROFILE_DEPTH 8

typedef struct AwsProfileFiles
{
	char		cred_path[1024];
	char		config_path[1024];
	AwsIni	   *cred;
	AwsIni	   *config;
} AwsProfileFiles;

/* Loads one shared file; a missing one is empty.  false: error set. */
static bool
aws_load_ini(const char *path, bool config_file, AwsIni **ini, char *errbuf, size_t errlen)
{
	size_t		len;
	char	   *text = aws_read_file(path, &len);

	*ini = NULL;
	if (text == NULL)
	{
		if (errno == ENOENT || errno == ENOTDIR)
			return true;
		aws_error(errbuf, errlen, "could not read \"%s\": %s", path, strerror(errno));
		return false;
	}
	*ini = aws_ini_parse(text, len, config_file);
	free(text);
	if (*ini == NULL)
	{
		aws_error(errbuf, errlen, "out of memory");
		return false;
	}
	return true;
}

static bool
aws_profile_files_load(AwsProfileFiles *files, char *errbuf, size_t errlen)
{
	const char *home = getenv("HOME");
	const char *cred = aws_getenv("AWS_SHARED_CREDENTIALS_FILE");
	const char *config = aws_getenv("AWS_CONFIG_FILE");

	memset(files, 0, sizeof(*files));
	if (home == NULL || home[0] == '\0')
	{
		struct passwd *pw = getpwuid(geteuid());

		home = pw ? pw->pw_dir : "";
	}
	if (cred)
		snprintf(files->cred_path, sizeof(files->cred_path), "%s", cred);
	else
		snprintf(files->cred_path, sizeof(files->cred_path), "%s/.aws/credentials", home);
	if (config)
		snprintf(files->config_path, sizeof(files->config_path), "%s", config);
	else
		snprintf(files->config_path, sizeof(files->config_path), "%s/.aws/config", home);
	if (!aws_load_ini(files->cred_path, false, &files->cred, errbuf, errlen))
		return false;
	if (!aws_load_ini(files->config_path, true, &files->config, errbuf, errlen))
	{
		aws_ini_free(files->cred);
		files->cred = NULL;
		return false;
	}
	return true;
}

/* A profile's setting: the credentials file wins over the config file. */
static const char *
aws_profile_get(const AwsProfileFiles *files, const char *profile, const char *key)
{
	const char *v = aws_ini_get(files->cred, profile, key);

	if (v == NULL)
		v = aws_ini_get(files->config, profile, key);
	return (v && v[0]) ? v : NULL;
}

/* The profile's static keys, if it has them (AWS_NOT_CONFIGURED if not). */
static AwsStatus
aws_profile_static(const AwsProfileFiles *files, const char *profile,
				   AwsCredentials *out, char *errbuf, size_t errlen)
{
	const char *key = aws_profile_get(files, profile, "aws_access_key_id");
	const char *secret = aws_profile_get(files, profile, "aws_secret_access_key");
	char		label[160];

	if (key == NULL)
		return AWS_NOT_CONFIGURED;
	if (secret == NULL)
	{
		aws_error(errbuf, errlen, "profile \"%s\" has aws_access_key_id but no aws_secret_access_key",
				  profile);
		return AWS_FAILED;
	}
	snprintf(label, sizeof(label), "profile \"%s\"", profile);
	if (!aws_creds_set(out, key, secret, aws_profile_get(files, profile, "aws_session_token"),
					   0, label))
	{
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}
	return AWS_OK;
}

static AwsStatus aws_profile_resolve(const AwsContext *ctx, const AwsProfileFiles *files,
									 const char *profile, const char **visited, int depth,
									 AwsCredentials *out, char *errbuf, size_t errlen);

/* The credentials a role profile starts from (before its AssumeRole). */
static AwsStatus
aws_profile_base(const AwsContext *ctx, const AwsProfileFiles *files, const char *profile,
				 const char **visited, int depth, AwsCredentials *out,
				 char *errbuf, size_t errlen)
{
	const char *source_profile = aws_profile_get(files, profile, "source_profile");
	const char *credential_source = aws_profile_get(files, profile, "credential_source");
	AwsStatus	status;
	int			i;

	if (source_profile != NULL && credential_source != NULL)
	{
		aws_error(errbuf, errlen, "profile \"%s\" has both source_profile and credential_source", profile);
		return AWS_FAILED;
	}
	if (credential_source != NULL)
	{
		AwsCredSpec spec;

		memset(&spec, 0, sizeof(spec));
		if (strcmp(credential_source, "Environment") == 0)
			spec.source = AWS_SOURCE_ENVIRONMENT;
		else if (strcmp(credential_source, "Ec2InstanceMetadata") == 0)
			spec.source = AWS_SOURCE_INSTANCE;
		else if (strcmp(credential_source, "EcsContainer") == 0)
			spec.source = AWS_SOURCE_CONTAINER;
		else
		{
			aws_error(errbuf, errlen,
					  "profile \"%s\" has credential_source \"%s\"; awstore knows Environment, Ec2InstanceMetadata and EcsContainer",
					  profile, credential_source);
			return AWS_FAILED;
		}
		if (spec.source == AWS_SOURCE_ENVIRONMENT)
			status = aws_source_environment(out, errbuf, errlen);
		else if (spec.source == AWS_SOURCE_INSTANCE)
			status = aws_source_instance(ctx, out, errbuf, errlen);
		else
			status = aws_source_container(ctx, out, errbuf, errlen);
		return status == AWS_NOT_CONFIGURED ? AWS_FAILED : status;
	}
	if (source_profile == NULL)
	{
		aws_error(errbuf, errlen,
				  "profile \"%s\" has role_arn but neither source_profile, credential_source nor web_identity_token_file",
				  profile);
		return AWS_FAILED;
	}
	/* a profile naming itself uses its own keys (the SDKs allow it) */
	if (strcmp(source_profile, profile) == 0)
	{
		status = aws_profile_static(files, profile, out, errbuf, errlen);
		if (status == AWS_NOT_CONFIGURED)
		{
			aws_error(errbuf, errlen, "profile \"%s\" is its own source_profile but has no aws_access_key_id",
					  profile);
			status = AWS_FAILED;
		}
		return status;
	}
	for (i = 0; i <= depth; i++)
		if (strcmp(visited[i], source_profile) == 0)
		{
			char		path[512];
			size_t		off = 0;
			int			k;

			path[0] = '\0';
			for (k = 0; k <= depth && off < sizeof(path); k++)
				off += (size_t) snprintf(path + off, sizeof(path) - off, "\"%s\" -> ", visited[k]);
			if (off < sizeof(path))
				snprintf(path + off, sizeof(path) - off, "\"%s\"", source_profile);
			aws_error(errbuf, errlen, "the source_profile settings form a loop: %s", path);
			return AWS_FAILED;
		}
	if (depth + 1 >= AWS_MAX_PROFILE_DEPTH)
	{
		aws_error(errbuf, errlen, "profile \"%s\": more than %d source_profile links",
				  profile, AWS_MAX_PROFILE_DEPTH);
		return AWS_FAILED;
	}
	if (!aws_ini_has_section(files->cred, source_profile) &&
		!aws_ini_has_section(files->config, source_profile))
	{
		aws_error(errbuf, errlen, "the source_profile \"%s\" of profile \"%s\" is in neither \"%s\" nor \"%s\"",
				  source_profile, profile, files->cred_path, files->config_path);
		return AWS_FAILED;
	}
	/* static keys of a source profile win over its own role (the SDKs' rule) */
	status = aws_profile_static(files, source_profile, out, errbuf, errlen);
	if (status != AWS_NOT_CONFIGURED)
		return status;
	visited[depth + 1] = source_profile;
	return aws_profile_resolve(ctx, files, source_profile, visited, depth + 1, out, errbuf, errlen);
}

static AwsStatus
aws_profile_resolve(const AwsContext *ctx, const AwsProfileFiles *files,
					const char *profile, const char **visited, int depth,
					AwsCredentials *out, char *errbuf, size_t errlen)
{
	const char *role_arn = aws_profile_get(files, profile, "role_arn");
	const char *token_file = aws_profile_get(files, profile, "web_identity_token_file");
	const char *session_name = aws_profile_get(files, profile, "role_session_name");
	char		label[160];
	AwsStatus	status;

	snprintf(label, sizeof(label), "profile \"%s\"", profile);
	if (role_arn != NULL)
	{
		AwsCredentials base;
		const char *dur = aws_profile_get(files, profile, "duration_seconds");
		int			duration = 0;

		if (token_file != NULL)
			return aws_assume_role_with_web_identity(ctx, role_arn, session_name, token_file,
													 label, out, errbuf, errlen);
		if (dur != NULL)
		{
			char	   *end;
			long		d = strtol(dur, &end, 10);

			if (*end != '\0' || d < 900 || d > 43200)
			{
				aws_error(errbuf, errlen, "profile \"%s\" has duration_seconds \"%s\"; it must be between 900 and 43200",
						  profile, dur);
				return AWS_FAILED;
			}
			duration = (int) d;
		}
		status = aws_profile_base(ctx, files, profile, visited, depth, &base, errbuf, errlen);
		if (status != AWS_OK)
			return status;
		status = aws_assume_role(ctx, &base, role_arn,
								 aws_profile_get(files, profile, "external_id"),
								 session_name, duration, out, errbuf, errlen);
		aws_credentials_clear(&base);
		if (status == AWS_OK)
			snprintf(out->source, sizeof(out->source), "%s", label);
		return status;
	}
	if (token_file != NULL)
	{
		aws_error(errbuf, errlen, "profile \"%s\" has web_identity_token_file but no role_arn", profile);
		return AWS_FAILED;
	}
	status = aws_profile_static(files, profile, out, errbuf, errlen);
	if (status != AWS_NOT_CONFIGURED)
		return status;
	if (aws_profile_get(files, profile, "credential_process") != NULL)
		aws_error(errbuf, errlen, "profile \"%s\" uses credential_process, which awstore does not run",
				  profile);
	else if (aws_profile_get(files, profile, "sso_session") != NULL ||
			 aws_profile_get(files, profile, "sso_start_url") != NULL)
		aws_error(errbuf, errlen, "profile \"%s\" uses IAM Identity Center (sso_*), which awstore does not support",
				  profile);
	else
		aws_error(errbuf, errlen, "profile \"%s\" holds no credentials: no aws_access_key_id, role_arn or web_identity_token_file",
				  profile);
	return AWS_FAILED;
}

/*
 * Does a profile say anything about credentials?  A default profile that
 * holds only settings such as region is not a source: the chain goes on,
 * as in the AWS SDKs.
 */
static bool
aws_profile_has_credentials(const AwsProfileFiles *files, const char *profile)
{
	static const char *const keys[] = {
		"aws_access_key_id", "aws_secret_access_key", "role_arn",
		"web_identity_token_file", "credential_source", "credential_process",
		"sso_session", "sso_start_url",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (aws_profile_get(files, profile, keys[i]) != NULL)
			return true;
	return false;
}

AwsStatus
aws_source_profile(const AwsContext *ctx, AwsCredentials *out, char *errbuf, size_t errlen)
{
	const char *profile = ctx->profile;
	bool		named = true;
	AwsProfileFiles files;
	const char *visited[AWS_MAX_PROFILE_DEPTH];
	AwsStatus	status;

	if (profile == NULL || profile[0] == '\0')
		profile = aws_getenv("AWS_PROFILE");
	if (profile == NULL)
	{
		profile = "default";
		named = false;
	}
	if (!aws_profile_files_load(&files, errbuf, errlen))
		return AWS_FAILED;
	if (!aws_ini_has_section(files.cred, profile) && !aws_ini_has_section(files.config, profile))
	{
		aws_error(errbuf, errlen, "profile \"%s\" is in neither \"%s\" nor \"%s\"",
				  profile, files.cred_path, files.config_path);
		status = named ? AWS_FAILED : AWS_NOT_CONFIGURED;
	}
	else if (!named && !aws_profile_has_credentials(&files, profile))
	{
		aws_error(errbuf, errlen, "profile \"%s\" holds no credentials: no aws_access_key_id, role_arn or web_identity_token_file",
				  profile);
		status = AWS_NOT_CONFIGURED;
	}
	else
	{
		visited[0] = profile;
		status = aws_profile_resolve(ctx, &files, profile, visited, 0, out, errbuf, errlen);
	}
	aws_ini_free(files.cred);
	aws_ini_free(files.config);
	return status;
}
