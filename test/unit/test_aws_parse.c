/*-------------------------------------------------------------------------
 *
 * test_aws_parse.c
 *		Unit tests of the credential layer's parsers (no server): STS's XML,
 *		credential JSON, ISO 8601 times, the shared ini files, form bodies.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "unit.h"
#include "aws/awsint.h"

static void
test_time(void)
{
	long long	t = 0;

	UNIT_TRUE("time: Z", aws_parse_time("2026-12-02T17:00:00Z", &t) && t == 1796230800LL);
	UNIT_TRUE("time: fraction", aws_parse_time("2026-12-02T17:00:00.123Z", &t) && t == 1796230800LL);
	UNIT_TRUE("time: offset", aws_parse_time("2026-12-02T18:00:00+01:00", &t) && t == 1796230800LL);
	UNIT_TRUE("time: garbage refused", !aws_parse_time("2026-12-02 17:00:00", &t));
	UNIT_TRUE("time: trailing text refused", !aws_parse_time("2026-12-02T17:00:00Zx", &t));
	UNIT_TRUE("time: NULL refused", !aws_parse_time(NULL, &t));
}

static void
test_sts_xml(void)
{
	const char *ok =
		"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
		"<AssumeRoleResult><Credentials>\n"
		"<AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n"
		"<SecretAccessKey>se&amp;cret&#x2F;x&#65;</SecretAccessKey>\n"
		"<SessionToken>tok&lt;en</SessionToken>\n"
		"<Expiration>2026-12-02T17:00:00Z</Expiration>\n"
		"</Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>"
		"</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>";
	const char *err =
		"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
		"<Type>Sender</Type><Code>AccessDenied</Code><Message>not &quot;allowed&quot;</Message>"
		"</Error><RequestId>x</RequestId></ErrorResponse>";
	const char *who =
		"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn>"
		"<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
		"</GetCallerIdentityResponse>";
	AwsStsReply r;

	UNIT_TRUE("sts xml: credentials parse", aws_parse_sts(ok, strlen(ok), &r));
	UNIT_EQ_STR("sts xml: key", r.creds.access_key_id, "ASIAEXAMPLE");
	UNIT_EQ_STR("sts xml: entities decoded", r.creds.secret_access_key, "se&cret/xA");
	UNIT_EQ_STR("sts xml: token", r.creds.session_token, "tok<en");
	UNIT_EQ_INT("sts xml: expiration", r.creds.expiration, 1796230800LL);
	UNIT_EQ_STR("sts xml: role arn", r.identity.arn, "arn:aws:sts::1:assumed-role/r/s");
	aws_sts_reply_clear(&r);

	UNIT_TRUE("sts xml: error parses", aws_parse_sts(err, strlen(err), &r));
	UNIT_EQ_STR("sts xml: error code", r.code, "AccessDenied");
	UNIT_EQ_STR("sts xml: error message", r.message, "not \"allowed\"");
	aws_sts_reply_clear(&r);

	UNIT_TRUE("sts xml: identity parses", aws_parse_sts(who, strlen(who), &r));
	UNIT_EQ_STR("sts xml: account", r.identity.account, "123456789012");
	aws_sts_reply_clear(&r);

	UNIT_TRUE("sts xml: html refused", !aws_parse_sts("<html>503</html>", 16, &r));
	UNIT_TRUE("sts xml: cut answer refused", !aws_parse_sts(ok, 200, &r));
	UNIT_TRUE("sts xml: bad entity refused",
			  aws_xml_text("<A>x&bogus;</A>", 15, "A") == NULL);
	UNIT_TRUE("sts xml: <AB> is not <A>", aws_xml_text("<AB>1</AB>", 10, "A") == NULL);
}

static void
test_cred_json(void)
{
	const char *imds = "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIA1\","
		"\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2026-12-02T17:00:00Z\"}\n";
	const char *imds_err = "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"no\"}";
	const char *cont_err = "{\"code\":\"AccessDenied\",\"message\":\"bad token\"}";
	AwsJsonReply r;

	UNIT_TRUE("json: imds credentials", aws_parse_cred_json(imds, strlen(imds), &r) && r.has_creds);
	UNIT_EQ_STR("json: token", r.creds.session_token, "t");
	UNIT_EQ_INT("json: expiration", r.creds.expiration, 1796230800LL);
	aws_json_reply_clear(&r);
	UNIT_TRUE("json: imds error", aws_parse_cred_json(imds_err, strlen(imds_err), &r) &&
			  !r.has_creds && strcmp(r.code, "AssumeRoleUnauthorizedAccess") == 0);
	aws_json_reply_clear(&r);
	UNIT_TRUE("json: container error", aws_parse_cred_json(cont_err, strlen(cont_err), &r) &&
			  !r.has_creds && strcmp(r.message, "bad token") == 0);
	aws_json_reply_clear(&r);
	UNIT_TRUE("json: not json refused", !aws_parse_cred_json("nope", 4, &r));
	UNIT_TRUE("json: trailing bytes refused", !aws_parse_cred_json("{} x", 4, &r));
	UNIT_TRUE("json: array refused", !aws_parse_cred_json("[]", 2, &r));
}

static void
test_ini(void)
{
	const char *config =
		"# comment\n"
		"[default]\r\nregion = eu-west-1\r\n"
		"[profile dev]\n"
		"role_arn = arn:aws:iam::123456789012:role/dev\n"
		"source_profile=default\n"
		"s3 =\n  max_concurrent_requests = 20\n"
		"[sso-session corp]\nsso_region = us-east-1\n"
		"[bare]\naws_access_key_id = ignored\n"
		"; other\n"
		"[profile dev]\nexternal_id = first\nexternal_id = last\n";
	const char *creds = "[default]\naws_access_key_id = AKID\naws_secret_access_key = s = x\n";
	AwsIni	   *ini = aws_ini_parse(config, strlen(config), true);
	AwsIni	   *cred = aws_ini_parse(creds, strlen(creds), false);

	UNIT_TRUE("ini: parsed", ini != NULL && cred != NULL);
	UNIT_EQ_STR("ini: default region (CRLF)", aws_ini_get(ini, "default", "region"), "eu-west-1");
	UNIT_EQ_STR("ini: [profile dev] is dev", aws_ini_get(ini, "dev", "source_profile"), "default");
	UNIT_TRUE("ini: sub-properties skipped", aws_ini_get(ini, "dev", "max_concurrent_requests") == NULL);
	UNIT_TRUE("ini: sso-session is no profile", !aws_ini_has_section(ini, "sso-session corp") &&
			  !aws_ini_has_section(ini, "corp"));
	UNIT_TRUE("ini: a bare section in config is no profile", !aws_ini_has_section(ini, "bare"));
	UNIT_EQ_STR("ini: the last value wins", aws_ini_get(ini, "dev", "external_id"), "last");
	UNIT_EQ_STR("ini: value keeps its '='", aws_ini_get(cred, "default", "aws_secret_access_key"), "s = x");
	UNIT_EQ_STR("ini: keys ignore case", aws_ini_get(cred, "default", "AWS_ACCESS_KEY_ID"), "AKID");
	aws_ini_free(ini);
	aws_ini_free(cred);
}

static void
test_form(void)
{
	char	   *body = NULL;

	UNIT_TRUE("form: built", aws_form_add(&body, "Action", "AssumeRole") &&
			  aws_form_add(&body, "RoleSessionName", "a b/c+d=é"));
	UNIT_EQ_STR("form: encoded", body, "Action=AssumeRole&RoleSessionName=a%20b%2Fc%2Bd%3D%C3%A9");
	free(body);
}

int
main(void)
{
	test_time();
	test_sts_xml();
	test_cred_json();
	test_ini();
	test_form();
	return unit_done();
}
