/*-------------------------------------------------------------------------
 *
 * aws_live.c
 *		The credential layer end to end against test/awsmeta.py.
 *
 * Needs AWSTORE_AWSMETA_ENDPOINT (test/run starts the server with
 * awstore_start_awsmeta and runs this program after the unit tests).
 * Every source yields credentials, each failure gives its message, the
 * cache calls the endpoints once per lifetime of the credentials, and no
 * message ever holds a secret, a session token or a web identity token.
 * The process environment is the sources' input: each test sets what it
 * needs after clearing every variable the sources read.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "unit.h"
#include "aws/awsint.h"

#define BASE_KEY "AKIDAWSTORETEST"
#define BASE_SECRET "awstore/test+secret"
#define CONTAINER_TOKEN "awstore-container-token"
#define WEB_TOKEN "awstore.web.identity.token"
#define ROLE_ARN "arn:aws:iam::123456789012:role/awstore-target"

static const char *endpoint;
static char sts_url[256];
static char tmpdir[] = "/tmp/awstore-aws-live.XXXXXX";
static char errbuf[1024];

/* Every message is checked against these. */
static const char *const secrets_list[] = {BASE_SECRET, CONTAINER_TOKEN, WEB_TOKEN, "FQoG", "imdstok-"};

static void
no_secret(const char *name, const char *msg)
{
	size_t		i;

	for (i = 0; i < sizeof(secrets_list) / sizeof(secrets_list[0]); i++)
		if (strstr(msg, secrets_list[i]) != NULL)
		{
			unit_check(0, name, "the message holds a secret: %s", msg);
			return;
		}
}

#define EXPECT_FAIL(name, st, want_status, fragment) \
	do { \
		no_secret(name ": no secret in the message", errbuf); \
		unit_check((st) == (want_status) && strstr(errbuf, (fragment)) != NULL, (name), \
				   "status %d, message \"%s\", want \"%s\"", (int) (st), errbuf, (fragment)); \
	} while (0)

static void
clear_env(void)
{
	static const char *const vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE",
		"AWS_CONFIG_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL_STS", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_METADATA_SERVICE_TIMEOUT", "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
		"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
		"ALL_PROXY", "all_proxy"
	};
	size_t		i;
	char		files[512];

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	/* no ~/.aws of the machine's */
	snprintf(files, sizeof(files), "%s/none", tmpdir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", files, 1);
	setenv("AWS_CONFIG_FILE", files, 1);
	setenv("AWS_ENDPOINT_URL_STS", sts_url, 1);
	setenv("AWS_REGION", "us-east-1", 1);
	errbuf[0] = '\0';
}

static void
ctx_init(AwsContext *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->connect_timeout_ms = 1000;
	ctx->timeout_ms = 3000;
	ctx->max_attempts = 2;
}

static void
spec_init(AwsCredSpec *spec, AwsSource source)
{
	memset(spec, 0, sizeof(*spec));
	spec->source = source;
}

/* Talks to awsmeta's control API; returns the body (malloc'd) or NULL. */
static char *
control(const char *method, const char *path, const char *body)
{
	AwsContext	ctx;
	AwsHttpRequest req;
	AwsHttpResponse resp;
	char		url[512];
	char	   *out = NULL;

	ctx_init(&ctx);
	snprintf(url, sizeof(url), "%s%s", endpoint, path);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.body = body;
	if (aws_http(&ctx, &req, &resp) == AWS_OK && resp.status == 200)
		out = strdup(resp.body ? resp.body : "");
	aws_http_response_clear(&resp);
	return out;
}

static void
configure(const char *json)
{
	free(control("POST", "/__config", json));
}

/* How many times awsmeta served name since the last reset. */
static long
served(const char *name)
{
	char	   *body = control("GET", "/__stats", NULL);
	struct json_object *obj,
			   *v;
	long		n = -1;

	if (body == NULL)
		return -1;
	obj = json_tokener_parse(body);
	if (obj && json_object_object_get_ex(obj, name, &v))
		n = (long) json_object_get_int64(v);
	else if (obj)
		n = 0;
	json_object_put(obj);
	free(body);
	return n;
}

static void
reset_stats(void)
{
	free(control("POST", "/__stats/reset", ""));
}

static void
write_file(const char *name, const char *text, char *path, size_t len)
{
	FILE	   *f;

	snprintf(path, len, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f)
	{
		fputs(text, f);
		fclose(f);
	}
}

static void
use_instance(void)
{
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint, 1);
}

/* ------------------------------------------------------------------ */

static void
test_environment(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c;
	AwsStatus	st;

	ctx_init(&ctx);
	spec_init(&spec, AWS_SOURCE_ENVIRONMENT);
	clear_env();
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("environment: unset", st, AWS_NOT_CONFIGURED, "AWS_ACCESS_KEY_ID is not set");
	setenv("AWS_ACCESS_KEY_ID", BASE_KEY, 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("environment: key without secret", st, AWS_FAILED,
				"AWS_SECRET_ACCESS_KEY is not");
	setenv("AWS_SECRET_ACCESS_KEY", BASE_SECRET, 1);
	setenv("AWS_SESSION_TOKEN", "tok", 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && strcmp(c.access_key_id, BASE_KEY) == 0 &&
			   strcmp(c.session_token, "tok") == 0 && strcmp(c.source, "environment") == 0,
			   "environment: keys and token", "%s", errbuf);
	aws_credentials_clear(&c);
}

static void
test_instance(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c;
	AwsStatus	st;
	AwsHttpRequest req;
	AwsHttpResponse resp;
	char		url[512];
	long long	now = (long long) time(NULL);

	ctx_init(&ctx);
	spec_init(&spec, AWS_SOURCE_INSTANCE);
	clear_env();
	use_instance();
	reset_stats();
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && strncmp(c.access_key_id, "ASIA", 4) == 0 &&
			   c.session_token != NULL && c.expiration > now + 800 &&
			   c.expiration < now + 1000 && strcmp(c.source, "instance") == 0,
			   "instance: IMDSv2 credentials", "%s", errbuf);
	aws_credentials_clear(&c);
	UNIT_EQ_INT("instance: one token PUT", served("imds_token"), 1);
	UNIT_EQ_INT("instance: one role name GET", served("imds_role"), 1);
	UNIT_EQ_INT("instance: one credentials GET", served("imds_credentials"), 1);

	/* the server's side of IMDSv2: no token, no answer */
	snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/", endpoint);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	UNIT_TRUE("instance: IMDS answers 401 without a token",
			  aws_http(&ctx, &req, &resp) == AWS_OK && resp.status == 401);
	aws_http_response_clear(&resp);

	configure("{\"role\": \"\"}");
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("instance: no role", st, AWS_FAILED, "no IAM role is attached to this instance");
	configure("{\"role\": \"awstore-instance-role\", \"imds\": \"off\"}");
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("instance: IMDS turned off", st, AWS_FAILED, "IMDS refused a session token (HTTP 403)");
	configure("{\"imds\": \"on\"}");

	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("instance: disabled", st, AWS_NOT_CONFIGURED, "AWS_EC2_METADATA_DISABLED is set");
	unsetenv("AWS_EC2_METADATA_DISABLED");

	/* port 9 (discard) on loopback: nothing listens */
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("instance: unreachable", st, AWS_NOT_CONFIGURED, "did not answer");
}

static void
test_container(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c;
	AwsStatus	st;
	char		url[512];
	char		path[512];

	ctx_init(&ctx);
	spec_init(&spec, AWS_SOURCE_CONTAINER);
	clear_env();
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("container: unset", st, AWS_NOT_CONFIGURED,
				"neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor");
	snprintf(url, sizeof(url), "%s/container/credentials", endpoint);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", CONTAINER_TOKEN, 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && c.session_token != NULL && strcmp(c.source, "container") == 0,
			   "container: credentials with the token", "%s", errbuf);
	aws_credentials_clear(&c);

	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-token", 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("container: wrong token", st, AWS_FAILED, "answered HTTP status 401: AccessDenied");

	write_file("container-token", CONTAINER_TOKEN "\n", path, sizeof(path));
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK, "container: token file wins over the variable", "%s", errbuf);
	aws_credentials_clear(&c);

	snprintf(path, sizeof(path), "%s/missing-token", tmpdir);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("container: token file missing", st, AWS_FAILED, "is not readable");

	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://user:pw@example.com/creds", 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("container: no password in the URL", st, AWS_FAILED, "must not hold a user name");
	UNIT_TRUE("container: the password is not quoted", strstr(errbuf, "pw@") == NULL);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/creds", 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("container: a plain http host that is not allowed", st, AWS_FAILED,
				"is neither https://");
}

static void
test_web_identity(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c;
	AwsStatus	st;
	char		path[512];

	ctx_init(&ctx);
	spec_init(&spec, AWS_SOURCE_WEB_IDENTITY);
	clear_env();
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("web identity: unset", st, AWS_NOT_CONFIGURED, "AWS_WEB_IDENTITY_TOKEN_FILE is not set");
	write_file("web-token", WEB_TOKEN "\n", path, sizeof(path));
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("web identity: no role", st, AWS_FAILED, "AWS_ROLE_ARN is not");
	setenv("AWS_ROLE_ARN", ROLE_ARN, 1);
	setenv("AWS_ROLE_SESSION_NAME", "pod-a", 1);
	reset_stats();
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && c.session_token != NULL && strcmp(c.source, "web_identity") == 0,
			   "web identity: AssumeRoleWithWebIdentity", "%s", errbuf);
	aws_credentials_clear(&c);
	UNIT_EQ_INT("web identity: one STS call", served("sts_AssumeRoleWithWebIdentity"), 1);

	write_file("web-token-bad", "not.the.token", path, sizeof(path));
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("web identity: STS refuses the token", st, AWS_FAILED,
				"STS refused AssumeRoleWithWebIdentity: InvalidIdentityToken");
	UNIT_TRUE("web identity: the token is not in the message", strstr(errbuf, "not.the.token") == NULL);

	snprintf(path, sizeof(path), "%s/no-such-token", tmpdir);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("web identity: token file not readable", st, AWS_FAILED,
				"the web identity token file");
	UNIT_TRUE("web identity: says not readable", strstr(errbuf, "is not readable") != NULL);
}

static void
test_assume_role(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c,
				c2;
	AwsIdentity id;
	AwsStatus	st;

	ctx_init(&ctx);
	clear_env();
	spec_init(&spec, AWS_SOURCE_STATIC);
	spec.access_key_id = BASE_KEY;
	spec.secret_access_key = BASE_SECRET;

	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && c.session_token == NULL && c.expiration == 0,
			   "static: keys", "%s", errbuf);
	st = aws_get_caller_identity(&ctx, &c, &id, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && strcmp(id.account, "123456789012") == 0 &&
			   strcmp(id.arn, "arn:aws:iam::123456789012:user/awstore-test") == 0,
			   "GetCallerIdentity: static keys, signed", "%s", errbuf);
	aws_identity_clear(&id);
	aws_credentials_clear(&c);

	spec.role_arn = ROLE_ARN;
	spec.role_session_name = "migration";
	spec.duration_seconds = 900;
	reset_stats();
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && c.session_token != NULL && strstr(c.source, ROLE_ARN) != NULL,
			   "AssumeRole: on static keys, SigV4 checked by STS", "%s", errbuf);
	UNIT_EQ_INT("AssumeRole: one STS call", served("sts_AssumeRole"), 1);
	if (st == AWS_OK)
	{
		st = aws_get_caller_identity(&ctx, &c, &id, errbuf, sizeof(errbuf));
		unit_check(st == AWS_OK &&
				   strcmp(id.arn, "arn:aws:sts::123456789012:assumed-role/awstore-target/migration") == 0,
				   "GetCallerIdentity: the assumed role, with its session token", "%s", errbuf);
		aws_identity_clear(&id);

		/* a role chained on temporary credentials */
		st = aws_assume_role(&ctx, &c, "arn:aws:iam::210987654321:role/second", NULL, NULL, 0,
							 &c2, errbuf, sizeof(errbuf));
		unit_check(st == AWS_OK, "AssumeRole: chained on temporary credentials", "%s", errbuf);
		aws_credentials_clear(&c2);

		/* AWS's SignatureDoesNotMatch quotes the canonical request: scrubbed */
		c.secret_access_key[0] ^= 1;
		st = aws_get_caller_identity(&ctx, &c, &id, errbuf, sizeof(errbuf));
		EXPECT_FAIL("GetCallerIdentity: a wrong secret with a session token", st, AWS_FAILED,
					"SignatureDoesNotMatch: The request signature we calculated");
		UNIT_TRUE("GetCallerIdentity: the canonical request is cut off",
				  strstr(errbuf, "x-amz") == NULL && strstr(errbuf, "Canonical") == NULL);
		aws_credentials_clear(&c);
	}

	/* a 503 is retried, a bounded number of times */
	configure("{\"sts_fail\": 1}");
	reset_stats();
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK, "AssumeRole: a 503 is retried", "%s", errbuf);
	UNIT_EQ_INT("AssumeRole: two calls for one 503", served("sts_AssumeRole"), 2);
	aws_credentials_clear(&c);
	configure("{\"sts_fail\": 5}");
	reset_stats();
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("AssumeRole: STS unavailable", st, AWS_FAILED, "STS refused AssumeRole: ServiceUnavailable");
	UNIT_EQ_INT("AssumeRole: retries stop at max_attempts", served("sts_AssumeRole"), 2);
	configure("{\"sts_fail\": 0}");

	spec.role_arn = "arn:aws:iam::123456789012:role/denied-role";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("AssumeRole: refused", st, AWS_FAILED, "STS refused AssumeRole: AccessDenied: ");
	UNIT_TRUE("AssumeRole: the message names the role and the source",
			  strstr(errbuf, "denied-role") != NULL && strstr(errbuf, "static") != NULL);

	spec.role_arn = "arn:aws:iam::123456789012:role/external-partner";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("AssumeRole: ExternalId required", st, AWS_FAILED, "AccessDenied");
	spec.external_id = "awstore-external-id";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK, "AssumeRole: with its ExternalId", "%s", errbuf);
	aws_credentials_clear(&c);

	spec.external_id = NULL;
	spec.role_arn = ROLE_ARN;
	spec.secret_access_key = "not-the-secret";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("AssumeRole: a wrong secret", st, AWS_FAILED, "SignatureDoesNotMatch");

	/* no endpoint and no region: a clear message, no call */
	unsetenv("AWS_ENDPOINT_URL_STS");
	unsetenv("AWS_REGION");
	spec.secret_access_key = BASE_SECRET;
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("AssumeRole: no region", st, AWS_FAILED, "no region is known for STS");
	{
		char	   *url;

		ctx.region = "eu-north-1";
		url = aws_sts_endpoint(&ctx, errbuf, sizeof(errbuf));
		UNIT_EQ_STR("STS: the regional endpoint", url, "https://sts.eu-north-1.amazonaws.com/");
		free(url);
		ctx.region = "cn-north-1";
		url = aws_sts_endpoint(&ctx, errbuf, sizeof(errbuf));
		UNIT_EQ_STR("STS: a China region's own domain", url, "https://sts.cn-north-1.amazonaws.com.cn/");
		free(url);
		ctx.sts_endpoint = "https://sts.example.test";
		url = aws_sts_endpoint(&ctx, errbuf, sizeof(errbuf));
		UNIT_EQ_STR("STS: the sts_endpoint option wins", url, "https://sts.example.test");
		free(url);
	}
}

static void
test_expired_token(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c;
	AwsIdentity id;
	AwsStatus	st;

	ctx_init(&ctx);
	clear_env();
	use_instance();
	configure("{\"expiry\": 2}");
	spec_init(&spec, AWS_SOURCE_INSTANCE);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	configure("{\"expiry\": 900}");
	if (st != AWS_OK)
	{
		unit_check(0, "expired token: instance credentials", "%s", errbuf);
		return;
	}
	sleep(3);
	st = aws_get_caller_identity(&ctx, &c, &id, errbuf, sizeof(errbuf));
	EXPECT_FAIL("expired token: STS says ExpiredToken", st, AWS_FAILED, "STS refused GetCallerIdentity: ExpiredToken");
	aws_credentials_clear(&c);
}

static void
test_profiles(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c;
	AwsStatus	st;
	char		cred[512],
				conf[512],
				token[512],
				text[2048];

	ctx_init(&ctx);
	clear_env();
	spec_init(&spec, AWS_SOURCE_PROFILE);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("profile: no files, no default", st, AWS_NOT_CONFIGURED, "profile \"default\" is in neither");

	write_file("web-token", WEB_TOKEN, token, sizeof(token));
	write_file("credentials",
			   "[default]\naws_access_key_id = " BASE_KEY "\naws_secret_access_key = " BASE_SECRET "\n"
			   "[half]\naws_access_key_id = AKIDHALF\n", cred, sizeof(cred));
	snprintf(text, sizeof(text),
			 "[default]\nregion = us-east-1\n"
			 "[profile dev]\nrole_arn = " ROLE_ARN "\nsource_profile = default\nrole_session_name = dev\n"
			 "[profile deeper]\nrole_arn = arn:aws:iam::123456789012:role/deeper\nsource_profile = dev\n"
			 "[profile loop1]\nrole_arn = " ROLE_ARN "\nsource_profile = loop2\n"
			 "[profile loop2]\nrole_arn = " ROLE_ARN "\nsource_profile = loop1\n"
			 "[profile eks]\nrole_arn = " ROLE_ARN "\nweb_identity_token_file = %s\n"
			 "[profile proc]\ncredential_process = /bin/false\n"
			 "[profile orphan]\nrole_arn = " ROLE_ARN "\n"
			 "[profile fromenv]\nrole_arn = " ROLE_ARN "\ncredential_source = Environment\n",
			 token);
	write_file("config", text, conf, sizeof(conf));
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
	setenv("AWS_CONFIG_FILE", conf, 1);

	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && strcmp(c.access_key_id, BASE_KEY) == 0 &&
			   strcmp(c.source, "profile \"default\"") == 0,
			   "profile: default static keys", "%s", errbuf);
	aws_credentials_clear(&c);

	ctx.profile = "dev";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && c.session_token != NULL && strcmp(c.source, "profile \"dev\"") == 0,
			   "profile: role_arn with source_profile", "%s", errbuf);
	aws_credentials_clear(&c);

	setenv("AWS_PROFILE", "deeper", 1);
	ctx.profile = NULL;
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && c.session_token != NULL, "profile: AWS_PROFILE, a chain of two roles",
			   "%s", errbuf);
	aws_credentials_clear(&c);
	unsetenv("AWS_PROFILE");

	ctx.profile = "loop1";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("profile: a loop of source_profile", st, AWS_FAILED,
				"form a loop: \"loop1\" -> \"loop2\" -> \"loop1\"");

	ctx.profile = "eks";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && c.session_token != NULL, "profile: web_identity_token_file", "%s", errbuf);
	aws_credentials_clear(&c);

	ctx.profile = "proc";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("profile: credential_process is not run", st, AWS_FAILED, "uses credential_process");

	ctx.profile = "orphan";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("profile: role without a source", st, AWS_FAILED, "neither source_profile");

	ctx.profile = "half";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("profile: key without secret", st, AWS_FAILED, "no aws_secret_access_key");

	ctx.profile = "fromenv";
	setenv("AWS_ACCESS_KEY_ID", BASE_KEY, 1);
	setenv("AWS_SECRET_ACCESS_KEY", BASE_SECRET, 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && c.session_token != NULL, "profile: credential_source Environment",
			   "%s", errbuf);
	aws_credentials_clear(&c);

	ctx.profile = "nosuch";
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("profile: a named profile that does not exist", st, AWS_FAILED,
				"profile \"nosuch\" is in neither");
}

static void
test_chain(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c;
	AwsStatus	st;
	char		url[512];

	ctx_init(&ctx);
	clear_env();
	spec_init(&spec, AWS_SOURCE_CHAIN);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("chain: nothing found", st, AWS_FAILED, "no AWS credentials were found in the chain: ");
	UNIT_TRUE("chain: names every source and why",
			  strstr(errbuf, "environment: AWS_ACCESS_KEY_ID is not set") &&
			  strstr(errbuf, "; profile: profile \"default\" is in neither") &&
			  strstr(errbuf, "; web_identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set") &&
			  strstr(errbuf, "; container: neither") &&
			  strstr(errbuf, "; instance: AWS_EC2_METADATA_DISABLED is set"));

	unsetenv("AWS_EC2_METADATA_DISABLED");
	use_instance();
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && strcmp(c.source, "instance") == 0, "chain: the instance last",
			   "%s", errbuf);
	aws_credentials_clear(&c);

	/* a default profile with only a region is no source: the chain goes on */
	{
		char		path[512];
		char		none[512];

		write_file("region_only", "[default]\nregion = eu-west-1\n", path, sizeof(path));
		snprintf(none, sizeof(none), "%s", getenv("AWS_CONFIG_FILE"));
		setenv("AWS_CONFIG_FILE", path, 1);
		st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
		unit_check(st == AWS_OK && strcmp(c.source, "instance") == 0,
				   "chain: past a default profile that holds no credentials", "%s", errbuf);
		aws_credentials_clear(&c);
		/* ... but a profile asked for by name must hold some */
		setenv("AWS_PROFILE", "default", 1);
		st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
		EXPECT_FAIL("chain: a named profile without credentials stops it", st, AWS_FAILED,
					"profile \"default\" holds no credentials");
		unsetenv("AWS_PROFILE");
		setenv("AWS_CONFIG_FILE", none, 1);
	}

	snprintf(url, sizeof(url), "%s/container/credentials", endpoint);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", CONTAINER_TOKEN, 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && strcmp(c.source, "container") == 0, "chain: the container before the instance",
			   "%s", errbuf);
	aws_credentials_clear(&c);

	setenv("AWS_ACCESS_KEY_ID", BASE_KEY, 1);
	setenv("AWS_SECRET_ACCESS_KEY", BASE_SECRET, 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && strcmp(c.source, "environment") == 0, "chain: the environment first",
			   "%s", errbuf);
	aws_credentials_clear(&c);

	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong", 1);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("chain: a broken source stops the chain", st, AWS_FAILED,
				"credential source \"container\" (in the chain)");
}

static void
test_cache(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c1,
				c2;
	AwsStatus	st;
	bool		refreshed;
	AwsCredCache *cache = aws_cache_create(2, 0);
	int			i;

	ctx_init(&ctx);
	clear_env();
	use_instance();
	spec_init(&spec, AWS_SOURCE_INSTANCE);
	configure("{\"expiry\": 6}");
	reset_stats();

	st = aws_cache_get(cache, "mapping-1", &ctx, &spec, &c1, &refreshed, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && refreshed, "cache: first call resolves", "%s", errbuf);
	for (i = 0; i < 20; i++)
	{
		st = aws_cache_get(cache, "mapping-1", &ctx, &spec, &c2, &refreshed, errbuf, sizeof(errbuf));
		if (st != AWS_OK || refreshed || strcmp(c1.access_key_id, c2.access_key_id) != 0)
			break;
		aws_credentials_clear(&c2);
	}
	UNIT_EQ_INT("cache: 20 more calls are served from the cache", i, 20);
	UNIT_EQ_INT("cache: IMDS was called once", served("imds_credentials"), 1);

	/* 6 s credentials, 2 s margin: refreshed after 4 s */
	sleep(4);
	usleep(300000);
	st = aws_cache_get(cache, "mapping-1", &ctx, &spec, &c2, &refreshed, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && refreshed && strcmp(c1.access_key_id, c2.access_key_id) != 0,
			   "cache: refreshed before the expiration", "%s", errbuf);
	UNIT_EQ_INT("cache: IMDS was called a second time", served("imds_credentials"), 2);
	aws_credentials_clear(&c1);
	aws_credentials_clear(&c2);

	aws_cache_invalidate(cache, "mapping-1");
	st = aws_cache_get(cache, "mapping-1", &ctx, &spec, &c1, &refreshed, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && refreshed, "cache: invalidate forces a refresh", "%s", errbuf);

	/*
	 * No instance metadata at refresh time (as when IMDS does not answer in
	 * time, "not configured"): the still valid credentials are served.
	 */
	sleep(4);
	usleep(300000);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	st = aws_cache_get(cache, "mapping-1", &ctx, &spec, &c2, &refreshed, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && !refreshed && strcmp(c1.access_key_id, c2.access_key_id) == 0,
			   "cache: a failed refresh keeps valid credentials", "%s", errbuf);
	aws_credentials_clear(&c2);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	configure("{\"imds\": \"off\"}");
	sleep(2);
	st = aws_cache_get(cache, "mapping-1", &ctx, &spec, &c2, &refreshed, errbuf, sizeof(errbuf));
	EXPECT_FAIL("cache: the failure shows once they expired", st, AWS_FAILED, "HTTP 403");
	configure("{\"imds\": \"on\", \"expiry\": 900}");
	aws_credentials_clear(&c1);

	st = aws_cache_get(cache, "mapping-2", &ctx, &spec, &c1, &refreshed, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK && refreshed, "cache: another key resolves apart", "%s", errbuf);
	aws_credentials_clear(&c1);
	UNIT_TRUE("cache: counts its resolutions", aws_cache_resolutions(cache) == 6);
	aws_cache_destroy(cache);
}

static bool
abort_now(void *arg)
{
	(void) arg;
	return true;
}

static void
test_abort(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c;
	AwsStatus	st;

	ctx_init(&ctx);
	ctx.abort_fn = abort_now;
	clear_env();
	use_instance();
	spec_init(&spec, AWS_SOURCE_INSTANCE);
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("abort: the hook cancels a call", st, AWS_ABORTED, "canceled");
}

static double
seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double abort_after;

static bool
abort_later(void *arg)
{
	(void) arg;
	return seconds_now() >= abort_after;
}

/* A cancel stops a call in flight: the endpoint would answer in 10 s. */
static void
test_abort_in_flight(void)
{
	AwsContext	ctx;
	AwsCredSpec spec;
	AwsCredentials c;
	AwsStatus	st;
	char		url[512];
	double		start;

	ctx_init(&ctx);
	ctx.timeout_ms = 20000;
	ctx.abort_fn = abort_later;
	clear_env();
	snprintf(url, sizeof(url), "%s/__stall", endpoint);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	setenv("AWS_METADATA_SERVICE_TIMEOUT", "20", 1);
	spec_init(&spec, AWS_SOURCE_CONTAINER);
	start = seconds_now();
	abort_after = start + 0.3;
	st = aws_resolve(&ctx, &spec, &c, errbuf, sizeof(errbuf));
	EXPECT_FAIL("abort: a call in flight is canceled", st, AWS_ABORTED, "canceled");
	unit_check(seconds_now() - start < 2.0, "abort: within two seconds",
			   "took %.2f s", seconds_now() - start);
}

/*
 * A server not owned by a superuser: its STS endpoint is held to the
 * address rules of src/http, on the address about to be used.
 */
static void
test_restricted_addresses(void)
{
	AwsContext	ctx;
	AwsCredentials c;
	AwsIdentity id;
	AwsStatus	st;
	char		key[] = BASE_KEY;
	char		secret[] = BASE_SECRET;

	ctx_init(&ctx);
	clear_env();
	memset(&c, 0, sizeof(c));
	c.access_key_id = key;
	c.secret_access_key = secret;
	ctx.restrict_addresses = true;
	ctx.sts_endpoint = "http://169.254.169.254/";
	reset_stats();
	st = aws_get_caller_identity(&ctx, &c, &id, errbuf, sizeof(errbuf));
	EXPECT_FAIL("restricted: a link-local STS endpoint is refused before connecting", st,
				AWS_FAILED, "a link-local address");
	ctx.sts_endpoint = sts_url;
	st = aws_get_caller_identity(&ctx, &c, &id, errbuf, sizeof(errbuf));
	unit_check(st == AWS_OK, "restricted: plain http to loopback is allowed", "%s", errbuf);
	if (st == AWS_OK)
		aws_identity_clear(&id);
}

int
main(void)
{
	endpoint = getenv("AWSTORE_AWSMETA_ENDPOINT");
	if (endpoint == NULL || mkdtemp(tmpdir) == NULL)
	{
		printf("not ok 1 - aws_live needs AWSTORE_AWSMETA_ENDPOINT\n");
		return 1;
	}
	snprintf(sts_url, sizeof(sts_url), "%s/", endpoint);
	test_environment();
	test_instance();
	test_container();
	test_web_identity();
	test_assume_role();
	test_expired_token();
	test_profiles();
	test_chain();
	test_cache();
	test_abort();
	test_abort_in_flight();
	test_restricted_addresses();
	{
		char		cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", tmpdir);
	}
	return unit_done();
}
