#!/usr/bin/python3
"""
test/credential_fixture_check.py — checks the suites' credential settings.

test/run gives the pg_regress server the settings of every AWS credential
source (awstore_credential_fixture in test/lib.sh: awsmeta's endpoints, the
shared AWS files, the token files).  This script runs in that same
environment, as the test user, and checks with boto3 that each source's
settings yield credentials from test/awsmeta.py the way the AWS SDKs read
them, and that the signature-checking proxy (AWSTORE_SIGNED_ENDPOINT)
accepts each set for a DynamoDB call.  A suite that fails can then blame
awstore, not the harness.  botocore 1.29 (Debian's) does not honour
AWS_ENDPOINT_URL_STS nor AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: the STS
calls name the endpoint, the token file is compared with the token.

Prints one "ok - ..." or "not ok - ..." line per check; exits non-zero
when any failed.  Run with Debian's /usr/bin/python3 (python3-boto3).
"""

import os
import sys

for var in ('HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY',
            'all_proxy', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB'):
    os.environ.pop(var, None)
os.environ['NO_PROXY'] = os.environ['no_proxy'] = '127.0.0.1,localhost'

import boto3                                            # noqa: E402
import botocore.session                                 # noqa: E402
from botocore.config import Config                      # noqa: E402
from botocore.credentials import ContainerProvider      # noqa: E402
from botocore.exceptions import ClientError             # noqa: E402

REGION = 'us-east-1'
failed = 0


def check(name, cond, diag=None):
    global failed
    print('%s - credential settings: %s' % ('ok' if cond else 'not ok', name))
    if not cond:
        failed += 1
        if diag is not None:
            for line in str(diag).splitlines():
                print('#   %s' % line)
    sys.stdout.flush()
    return cond


def dynamodb_accepts(key, secret, token=None):
    """None when the signature-checking proxy accepts the credentials for a
    ListTables, else the error."""
    try:
        boto3.client('dynamodb', endpoint_url=os.environ['AWSTORE_SIGNED_ENDPOINT'],
                     region_name=REGION, aws_access_key_id=key,
                     aws_secret_access_key=secret, aws_session_token=token,
                     config=Config(retries={'total_max_attempts': 1})).list_tables()
        return None
    except ClientError as e:
        return e.response['Error']


def sts(key=None, secret=None, token=None):
    kw = {}
    if key:
        kw = dict(aws_access_key_id=key, aws_secret_access_key=secret,
                  aws_session_token=token)
    return boto3.client('sts', endpoint_url=os.environ['AWS_ENDPOINT_URL_STS'],
                        region_name=REGION, **kw)


def from_sts(answer):
    c = answer['Credentials']
    return c['AccessKeyId'], c['SecretAccessKey'], c['SessionToken']


def profile_keys(name):
    c = boto3.session.Session(profile_name=name).get_credentials().get_frozen_credentials()
    return c.access_key, c.secret_key, c.token


def main():
    profiles = botocore.session.Session().full_config['profiles']

    for name in ('default', 'awstore-static', 'awstore-config-static'):
        creds = profile_keys(name)
        check('profile %s: static keys the proxy accepts' % name,
              creds[2] is None and dynamodb_accepts(*creds) is None, creds[0])
    err = dynamodb_accepts(*profile_keys('awstore-unknown-key'))
    check('profile awstore-unknown-key: the proxy refuses its key',
          err is not None and err['Code'] == 'UnrecognizedClientException', err)

    for name in ('awstore-assume', 'awstore-external'):
        p = profiles[name]
        kw = {'RoleArn': p['role_arn'],
              'RoleSessionName': p.get('role_session_name', 'awstore-check')}
        if 'external_id' in p:
            kw['ExternalId'] = p['external_id']
        creds = from_sts(sts(*profile_keys(p['source_profile'])).assume_role(**kw))
        check('profile %s: AssumeRole with profile %s, a key the proxy accepts'
              % (name, p['source_profile']), dynamodb_accepts(*creds) is None)
    p = profiles['awstore-denied']
    try:
        sts(*profile_keys(p['source_profile'])).assume_role(
            RoleArn=p['role_arn'], RoleSessionName='awstore-check')
        err = None
    except ClientError as e:
        err = e.response['Error']
    check('profile awstore-denied: STS refuses AssumeRole (AccessDenied)',
          err is not None and err['Code'] == 'AccessDenied', err)
    check('profile awstore-missing-source: its source profile does not exist',
          profiles['awstore-missing-source']['source_profile'] not in profiles)

    p = profiles['awstore-web-identity']
    with open(p['web_identity_token_file']) as f:
        token = f.read()
    creds = from_sts(sts().assume_role_with_web_identity(
        RoleArn=p['role_arn'], RoleSessionName=p['role_session_name'], WebIdentityToken=token))
    check('profile awstore-web-identity: AssumeRoleWithWebIdentity, a key the proxy accepts',
          dynamodb_accepts(*creds) is None)

    with open(os.environ['AWS_WEB_IDENTITY_TOKEN_FILE']) as f:
        token = f.read()
    creds = from_sts(sts().assume_role_with_web_identity(
        RoleArn=os.environ['AWS_ROLE_ARN'], RoleSessionName=os.environ['AWS_ROLE_SESSION_NAME'],
        WebIdentityToken=token))
    check('AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN: a key the proxy accepts',
          dynamodb_accepts(*creds) is None)
    unreadable = os.path.join(os.environ['AWSTORE_AWS_DIR'], 'unreadable-token')
    check('unreadable-token is not readable', not os.access(unreadable, os.R_OK))

    c = ContainerProvider().load().get_frozen_credentials()
    check('AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN: '
          'a key the proxy accepts', c.token and dynamodb_accepts(c.access_key, c.secret_key,
                                                                  c.token) is None)
    with open(os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE']) as f:
        check('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE holds the same token',
              f.read() == os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN'])

    session = botocore.session.Session()
    c = session.get_component('credential_provider').get_provider('iam-role').load()
    c = c.get_frozen_credentials() if c else None
    check('AWS_EC2_METADATA_SERVICE_ENDPOINT: IMDSv2 credentials the proxy accepts',
          c is not None and c.token and
          dynamodb_accepts(c.access_key, c.secret_key, c.token) is None)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
