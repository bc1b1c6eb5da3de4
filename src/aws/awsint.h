/*-------------------------------------------------------------------------
 *
 * awsint.h
 *		Internals of the credential layer: parsers and the HTTP fetch.
 *
 * The parsers read bytes that come from the network or from files (STS's
 * XML, the credential JSON of IMDS and of the container endpoint, the
 * shared ini files).  They accept any bytes, never read past len, and
 * return false on anything they do not understand; what they return is
 * malloc'd and freed by the matching *_free / aws_credentials_clear.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_AWSINT_H
#define AWSTORE_AWSINT_H

#include "aws/aws.h"

#pragma GCC visibility push(hidden)

/* Longest answer read from IMDS, a container endpoint or STS. */
#define AWS_MAX_BODY (64 * 1024)
/* Longest token file or shared config file read. */
#define AWS_MAX_FILE (1024 * 1024)

/* --- parse.c -------------------------------------------------------- */

/*
 * An STS Query-protocol answer.  On success (the XML has Credentials or
 * the identity) the fields are set; on an ErrorResponse code and message
 * are (malloc'd, NULL when absent).  Returns false for what is neither.
 */
typedef struct AwsStsReply
{
	AwsCredentials creds;
	AwsIdentity identity;
	char	   *code;
	char	   *message;
} AwsStsReply;

extern bool aws_parse_sts(const char *body, size_t len, AwsStsReply *out);
extern void aws_sts_reply_clear(AwsStsReply *reply);

/* The text of the first <tag>…</tag> in body, entities decoded; malloc'd. */
extern char *aws_xml_text(const char *body, size_t len, const char *tag);

/*
 * Credential JSON (IMDS, container endpoint): AccessKeyId,
 * SecretAccessKey, Token, Expiration; an IMDS Code other than "Success"
 * or a container error ({"code", "message"}) fills code / message.
 */
typedef struct AwsJsonReply
{
	AwsCredentials creds;
	bool		has_creds;
	char	   *code;
	char	   *message;
} AwsJsonReply;

extern bool aws_parse_cred_json(const char *body, size_t len, AwsJsonReply *out);
extern void aws_json_reply_clear(AwsJsonReply *reply);

/* A parsed ini file: sections of key = value pairs, in file order. */
typedef struct AwsIniPair
{
	char	   *section;
	char	   *key;
	char	   *value;
} AwsIniPair;

typedef struct AwsIni
{
	AwsIniPair *pairs;
	int			npairs;
	char	  **sections;
	int			nsections;
} AwsIni;

/*
 * Parses the shared file format.  config_file: a section "[profile x]"
 * names profile x, "[default]" the default one, and other sections
 * ("[sso-session y]", a bare "[x]") are skipped, as the SDKs do; in the
 * credentials file "[x]" is profile x.
 * Comments (#, ;), indented sub-property lines and lines that are not
 * "key = value" are skipped.  Returns NULL only when out of memory.
 */
extern AwsIni *aws_ini_parse(const char *text, size_t len, bool config_file);
extern void aws_ini_free(AwsIni *ini);
extern bool aws_ini_has_section(const AwsIni *ini, const char *section);
/* The last value of key in section (the last one written wins), or NULL. */
extern const char *aws_ini_get(const AwsIni *ini, const char *section, const char *key);

/* --- fetch.c -------------------------------------------------------- */

typedef struct AwsHttpRequest
{
	const char *method;			/* "GET", "PUT", "POST" */
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value" lines */
	const char *body;			/* POST body, NULL: none */
	const AwsCredentials *sign; /* SigV4 for service sts, NULL: unsigned */
	const char *region;			/* signing region */
	long		connect_timeout_ms; /* 0: the context's */
	long		timeout_ms;		/* 0: the context's */
	int			max_attempts;	/* 0: the context's */
} AwsHttpRequest;

typedef struct AwsHttpResponse
{
	long		status;			/* 0: no answer */
	char	   *body;			/* malloc'd, NUL-terminated */
	size_t		len;
	bool		unreachable;	/* could not connect at all */
	char		error[256];		/* libcurl's message when status is 0 */
} AwsHttpResponse;

/*
 * Performs the request, retrying connection failures, timeouts and 5xx
 * answers with backoff up to max_attempts.  Returns AWS_OK when an answer
 * (any status) arrived, AWS_ABORTED, or AWS_FAILED with resp->error set.
 * The caller frees resp with aws_http_response_clear().
 */
extern AwsStatus aws_http(const AwsContext *ctx, const AwsHttpRequest *req,
						  AwsHttpResponse *resp);
extern void aws_http_response_clear(AwsHttpResponse *resp);

/* Appends key=value, URL-encoded, to a malloc'd form body; false: no memory. */
extern bool aws_form_add(char **body, const char *key, const char *value);

/* Reads a whole small file (<= AWS_MAX_FILE); NULL and errno on failure. */
extern char *aws_read_file(const char *path, size_t *len);

/* snprintf into errbuf (a no-op when errbuf is NULL); creds.c. */
extern void aws_error(char *errbuf, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* malloc'd copy or NULL (NULL in, NULL out); creds.c. */
extern char *aws_strdup(const char *s);

/* --- creds.c -------------------------------------------------------- */

/* "2026-12-02T17:00:00Z" (fraction and +hh:mm allowed) to epoch seconds. */
extern bool aws_parse_time(const char *text, long long *epoch);

/* Fills *out with copies of the strings; false when out of memory. */
extern bool aws_creds_set(AwsCredentials *out, const char *key, const char *secret,
						  const char *token, long long expiration, const char *label);

/* getenv(), with an empty value taken as unset. */
extern const char *aws_getenv(const char *name);

/*
 * The sources.  Each returns AWS_OK with *out filled, AWS_NOT_CONFIGURED
 * (not set up here), AWS_FAILED or AWS_ABORTED, with a bare reason (no
 * source name in front) in errbuf.
 */
extern AwsStatus aws_source_static(const AwsCredSpec *spec, AwsCredentials *out,
								   char *errbuf, size_t errlen);
extern AwsStatus aws_source_environment(AwsCredentials *out, char *errbuf, size_t errlen);

/* --- metadata.c, profile.c ------------------------------------------- */

extern AwsStatus aws_source_container(const AwsContext *ctx, AwsCredentials *out,
									  char *errbuf, size_t errlen);
extern AwsStatus aws_source_instance(const AwsContext *ctx, AwsCredentials *out,
									 char *errbuf, size_t errlen);
extern AwsStatus aws_source_profile(const AwsContext *ctx, AwsCredentials *out,
									char *errbuf, size_t errlen);

/* --- sts.c ---------------------------------------------------------- */

extern AwsStatus aws_assume_role_with_web_identity(const AwsContext *ctx,
												   const char *role_arn,
												   const char *session_name,
												   const char *token_file,
												   const char *source_label,
												   AwsCredentials *out,
												   char *errbuf, size_t errlen);

#pragma GCC visibility pop

#endif							/* AWSTORE_AWSINT_H */
