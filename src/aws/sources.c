/*-------------------------------------------------------------------------
 *
 * sources.c
 *		Where credentials come from: environment, profiles, web identity,
 *		container endpoint, instance metadata, and the chain of them.
 *
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
#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws/awsint.h"

/* Deepest chain of source_profile links followed. */
#define AWS_MAX_PROFILE_DEPTH 8

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
static bool
aws_set_creds(AwsCredentials *out, const char *key, const char *secret,
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

static const char *
aws_env(const char *name)
{
	const char *v = getenv(name);

	return (v && v[0]) ? v : NULL;
}

/* --- static and environment ----------------------------------------- */

static AwsStatus
aws_source_static(const AwsCredSpec *spec, AwsCredentials *out, char *errbuf, size_t errlen)
{
	if (spec->access_key_id == NULL || spec->access_key_id[0] == '\0' ||
		spec->secret_access_key == NULL || spec->secret_access_key[0] == '\0')
	{
		aws_error(errbuf, errlen, "access_key_id and secret_access_key are both required");
		return AWS_FAILED;
	}
	if (!aws_set_creds(out, spec->access_key_id, spec->secret_access_key,
					   spec->session_token, 0, "static"))
	{
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}
	return AWS_OK;
}

static AwsStatus
aws_source_environment(AwsCredentials *out, char *errbuf, size_t errlen)
{
	const char *key = aws_env("AWS_ACCESS_KEY_ID");
	const char *secret = aws_env("AWS_SECRET_ACCESS_KEY");
	const char *exp = aws_env("AWS_CREDENTIAL_EXPIRATION");
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
	if (!aws_set_creds(out, key, secret, aws_env("AWS_SESSION_TOKEN"), expiration, "environment"))
	{
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}
	return AWS_OK;
}

/* --- web identity ----------------------------------------------------- */

static AwsStatus
aws_source_web_identity(const AwsContext *ctx, AwsCredentials *out,
						char *errbuf, size_t errlen)
{
	const char *file = aws_env("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = aws_env("AWS_ROLE_ARN");

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
	return aws_assume_role_with_web_identity(ctx, role, aws_env("AWS_ROLE_SESSION_NAME"),
											 file, "web_identity", out, errbuf, errlen);
}

/* --- container -------------------------------------------------------- */

/*
 * May a plain http:// container URL go to this host?  The SDKs allow
 * loopback, ECS's 169.254.170.2 and EKS Pod Identity's 169.254.170.23 /
 * fd00:ec2::23.  XXX: a host name other than localhost is refused rather
 * than resolved and checked address by address as the SDKs do.
 */
static bool
aws_container_host_allowed(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
	{
		unsigned long a = ntohl(a4.s_addr);

		return (a >> 24) == 127 || a == 0xA9FEAA02UL || a == 0xA9FEAA17UL;
	}
	if (inet_pton(AF_INET6, host, &a6) == 1)
	{
		static const unsigned char eks[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0x23};

		return IN6_IS_ADDR_LOOPBACK(&a6) || memcmp(&a6, eks, 16) == 0;
	}
	return false;
}

/* The host of an http:// URL, into buf (false: no host found). */
static bool
aws_url_host(const char *url, char *buf, size_t len)
{
	const char *p = strstr(url, "://");
	size_t		n;

	if (p == NULL)
		return false;
	p += 3;
	if (strchr(p, '@') && strchr(p, '@') < p + strcspn(p, "/"))
		p = strchr(p, '@') + 1;
	if (*p == '[')
	{
		p++;
		n = strcspn(p, "]");
		if (p[n] != ']')
			return false;
	}
	else
		n = strcspn(p, ":/?#");
	if (n == 0 || n >= len)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

/* Reads the body of a credential JSON answer into *out. */
static AwsStatus
aws_cred_json(const AwsHttpResponse *resp, const char *what, const char *label,
			  AwsCredentials *out, char *errbuf, size_t errlen)
{
	AwsJsonReply reply;

	if (!aws_parse_cred_json(resp->body ? resp->body : "", resp->len, &reply))
	{
		aws_error(errbuf, errlen, "%s answered HTTP status %ld with a body that is not credentials JSON",
				  what, resp->status);
		return AWS_FAILED;
	}
	if (!reply.has_creds || resp->status != 200)
	{
		aws_error(errbuf, errlen, "%s answered HTTP status %ld: %s: %s", what, resp->status,
				  reply.code ? reply.code : "no credentials",
				  reply.message ? reply.message : "(no message)");
		aws_json_reply_clear(&reply);
		return AWS_FAILED;
	}
	*out = reply.creds;
	memset(&reply.creds, 0, sizeof(reply.creds));
	snprintf(out->source, sizeof(out->source), "%s", label);
	aws_json_reply_clear(&reply);
	return AWS_OK;
}

static AwsStatus
aws_source_container(const AwsContext *ctx, AwsCredentials *out, char *errbuf, size_t errlen)
{
	const char *rel = aws_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = aws_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *token_file = aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *token_env = aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char	   *token = NULL;
	char	   *url;
	char	   *auth = NULL;
	const char *headers[3];
	char		host[256];
	AwsHttpRequest req;
	AwsHttpResponse resp;
	AwsStatus	status;
	size_t		n;

	if (rel == NULL && full == NULL)
	{
		aws_error(errbuf, errlen,
				  "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
		return AWS_NOT_CONFIGURED;
	}
	if (rel != NULL)
	{
		n = strlen(rel) + 32;
		url = malloc(n);
		if (url)
			snprintf(url, n, "http://169.254.170.2%s%s", rel[0] == '/' ? "" : "/", rel);
	}
	else
	{
		if (strncmp(full, "https://", 8) != 0 &&
			(strncmp(full, "http://", 7) != 0 || !aws_url_host(full, host, sizeof(host)) ||
			 !aws_container_host_allowed(host)))
		{
			aws_error(errbuf, errlen,
					  "AWS_CONTAINER_CREDENTIALS_FULL_URI \"%s\" is neither https:// nor http:// to a loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23",
					  full);
			return AWS_FAILED;
		}
		url = strdup(full);
	}
	if (url == NULL)
	{
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}

	if (token_file != NULL)
	{
		token = aws_read_file(token_file, &n);
		if (token == NULL)
		{
			aws_error(errbuf, errlen, "the authorization token file \"%s\" (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) is not readable: %s",
					  token_file, strerror(errno));
			free(url);
			return AWS_FAILED;
		}
		while (n > 0 && isspace((unsigned char) token[n - 1]))
			token[--n] = '\0';
	}
	else if (token_env != NULL)
		token = strdup(token_env);
	if (token != NULL && strpbrk(token, "\r\n") != NULL)
	{
		aws_error(errbuf, errlen, "the container authorization token (%s) holds a line break",
				  token_file ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" : "AWS_CONTAINER_AUTHORIZATION_TOKEN");
		free(token);
		free(url);
		return AWS_FAILED;
	}
	n = 0;
	headers[n++] = "Accept: application/json";
	if (token != NULL)
	{
		size_t		al = strlen(token) + 32;

		auth = malloc(al);
		if (auth == NULL)
		{
			free(token);
			free(url);
			aws_error(errbuf, errlen, "out of memory");
			return AWS_FAILED;
		}
		snprintf(auth, al, "Authorization: %s", token);
		headers[n++] = auth;
		memset(token, 0, strlen(token));
		free(token);
	}
	headers[n] = NULL;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	status = aws_http(ctx, &req, &resp);
	if (auth)
	{
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	if (status == AWS_ABORTED)
		aws_error(errbuf, errlen, "the call of the container credentials endpoint was canceled");
	else if (status != AWS_OK)
		aws_error(errbuf, errlen, "the container credentials endpoint \"%s\" did not answer: %s",
				  url, resp.error);
	else
		status = aws_cred_json(&resp, "the container credentials endpoint", "container",
							   out, errbuf, errlen);
	aws_http_response_clear(&resp);
	free(url);
	return status;
}

/* --- instance metadata (IMDSv2) --------------------------------------- */

static AwsStatus
aws_imds_get(const AwsContext *ctx, const char *base, const char *path,
			 const char *token_header, AwsHttpResponse *resp)
{
	char		url[1024];
	const char *headers[2] = {token_header, NULL};
	AwsHttpRequest req;

	snprintf(url, sizeof(url), "%s%s", base, path);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	return aws_http(ctx, &req, resp);
}

static AwsStatus
aws_source_instance(const AwsContext *ctx, AwsCredentials *out, char *errbuf, size_t errlen)
{
	static const char *const token_req_headers[] = {
		"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL
	};
	const char *disabled = aws_env("AWS_EC2_METADATA_DISABLED");
	const char *endpoint = aws_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	char		base[512];
	char		url[600];
	char	   *token_header = NULL;
	char		role[256];
	char		path[400];
	AwsHttpRequest req;
	AwsHttpResponse resp;
	AwsStatus	status;
	size_t		n;

	if (disabled != NULL && strcasecmp(disabled, "true") == 0)
	{
		aws_error(errbuf, errlen, "AWS_EC2_METADATA_DISABLED is set");
		return AWS_NOT_CONFIGURED;
	}
	snprintf(base, sizeof(base), "%s", endpoint ? endpoint : "http://169.254.169.254");
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		base[--n] = '\0';

	/* a session token first; IMDSv1 (no token) is never used */
	snprintf(url, sizeof(url), "%s/latest/api/token", base);
	memset(&req, 0, sizeof(req));
	req.method = "PUT";
	req.url = url;
	req.headers = token_req_headers;
	status = aws_http(ctx, &req, &resp);
	if (status == AWS_ABORTED)
	{
		aws_error(errbuf, errlen, "the call of the instance metadata service was canceled");
		return status;
	}
	if (status != AWS_OK)
	{
		aws_error(errbuf, errlen, "the instance metadata service at \"%s\" did not answer: %s",
				  base, resp.error);
		aws_http_response_clear(&resp);
		return AWS_NOT_CONFIGURED;
	}
	if (resp.status != 200 || resp.len == 0 || strpbrk(resp.body, "\r\n") != NULL)
	{
		if (resp.status == 403)
			aws_error(errbuf, errlen, "IMDS refused a session token (HTTP 403): the instance metadata service is turned off for this instance");
		else if (resp.status == 404 || resp.status == 405)
			aws_error(errbuf, errlen, "IMDS answered %ld to the session token request: it does not offer IMDSv2, and awstore never falls back to IMDSv1",
					  resp.status);
		else
			aws_error(errbuf, errlen, "IMDS answered the session token request with HTTP status %ld",
					  resp.status);
		aws_http_response_clear(&resp);
		return AWS_FAILED;
	}
	n = resp.len + 40;
	token_header = malloc(n);
	if (token_header == NULL)
	{
		aws_http_response_clear(&resp);
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}
	snprintf(token_header, n, "X-aws-ec2-metadata-token: %s", resp.body);
	aws_http_response_clear(&resp);

	/* the role's name */
	status = aws_imds_get(ctx, base, "/latest/meta-data/iam/security-credentials/",
						  token_header, &resp);
	if (status == AWS_OK && resp.status == 200)
	{
		n = strcspn(resp.body ? resp.body : "", "\r\n");
		while (n > 0 && isspace((unsigned char) resp.body[n - 1]))
			n--;
		if (n == 0 || n >= sizeof(role) || memchr(resp.body, '/', n) != NULL ||
			memchr(resp.body, '\0', n) != NULL)
		{
			if (n != 0)
				aws_error(errbuf, errlen, "IMDS answered a role name that is not one");
			else
				aws_error(errbuf, errlen, "no IAM role is attached to this instance");
			status = AWS_FAILED;
		}
		else
		{
			memcpy(role, resp.body, n);
			role[n] = '\0';
		}
	}
	else if (status == AWS_OK)
	{
		if (resp.status == 404)
			aws_error(errbuf, errlen, "no IAM role is attached to this instance");
		else if (resp.status == 401)
			aws_error(errbuf, errlen, "IMDS answered 401: a session token is required");
		else
			aws_error(errbuf, errlen, "IMDS answered the role name request with HTTP status %ld",
					  resp.status);
		status = AWS_FAILED;
	}
	else if (status == AWS_ABORTED)
		aws_error(errbuf, errlen, "the call of the instance metadata service was canceled");
	else
		aws_error(errbuf, errlen, "the instance metadata service at \"%s\" stopped answering: %s",
				  base, resp.error);
	aws_http_response_clear(&resp);

	/* the role's credentials */
	if (status == AWS_OK)
	{
		snprintf(path, sizeof(path), "/latest/meta-data/iam/security-credentials/%s", role);
		status = aws_imds_get(ctx, base, path, token_header, &resp);
		if (status == AWS_ABORTED)
			aws_error(errbuf, errlen, "the call of the instance metadata service was canceled");
		else if (status != AWS_OK)
			aws_error(errbuf, errlen, "the instance metadata service at \"%s\" stopped answering: %s",
					  base, resp.error);
		else if (resp.status == 401)
		{
			aws_error(errbuf, errlen, "IMDS answered 401: a session token is required");
			status = AWS_FAILED;
		}
		else if (resp.status == 404)
		{
			aws_error(errbuf, errlen, "IMDS has no credentials for the IAM role \"%s\"", role);
			status = AWS_FAILED;
		}
		else
			status = aws_cred_json(&resp, "IMDS", "instance", out, errbuf, errlen);
		aws_http_response_clear(&resp);
	}
	memset(token_header, 0, strlen(token_header));
	free(token_header);
	return status;
}

/* --- profiles --------------------------------------------------------- */

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
	const char *cred = aws_env("AWS_SHARED_CREDENTIALS_FILE");
	const char *config = aws_env("AWS_CONFIG_FILE");

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
	if (!aws_set_creds(out, key, secret, aws_profile_get(files, profile, "aws_session_token"),
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
		status = aws_resolve_source(ctx, &spec, out, errbuf, errlen);
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

static AwsStatus
aws_source_profile(const AwsContext *ctx, AwsCredentials *out, char *errbuf, size_t errlen)
{
	const char *profile = ctx->profile;
	bool		named = true;
	AwsProfileFiles files;
	const char *visited[AWS_MAX_PROFILE_DEPTH];
	AwsStatus	status;

	if (profile == NULL || profile[0] == '\0')
		profile = aws_env("AWS_PROFILE");
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
	else
	{
		visited[0] = profile;
		status = aws_profile_resolve(ctx, &files, profile, visited, 0, out, errbuf, errlen);
	}
	aws_ini_free(files.cred);
	aws_ini_free(files.config);
	return status;
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
