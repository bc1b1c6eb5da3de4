#!/usr/bin/python3
"""awsmeta.py - the AWS credential endpoints awstore's tests talk to.

One HTTP server on 127.0.0.1 speaks three documented protocols:

  IMDSv2     PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds
             (1..21600, else 400) hands out a session token valid that many
             seconds; GET /latest/meta-data/iam/security-credentials/ (the
             role name) and .../<role> (credentials JSON) need a valid token
             in X-aws-ec2-metadata-token, else 401.  No role: 404.
  container  GET /container/credentials: the Authorization header must equal
             --container-token, else 401 with {"code", "message"}.
  STS        POST / in the Query protocol (Version=2011-06-15): AssumeRole and
             GetCallerIdentity must carry a valid AWS Signature Version 4 of
             service sts, checked here with the standard library, from the
             base key or a temporary key this server issued (with its
             session token, before it expires); AssumeRoleWithWebIdentity
             must carry --web-identity-token.  Answers are STS's XML, errors
             STS's ErrorResponse XML.

Temporary credentials expire --expiry seconds after they are issued
(configurable at run time).  A role whose name contains "denied" is refused
(AccessDenied); one whose name contains "external" needs ExternalId equal
to --external-id.

Control (for tests): GET /__stall answers after 10 s; GET /__stats (JSON counts of every call served),
POST /__stats/reset, GET /__issued (JSON: every temporary key issued so far,
{"<access key>": {"secret", "token", "expiry" (epoch seconds), "expiration"
(ISO 8601), "arn"}}; test/faultproxy.py --awsmeta reads it to accept these
keys in DynamoDB requests; not counted in /__stats), POST /__config with JSON {"expiry": s, "role": name
("" for none), "imds": "off" (403 on token PUT) / "on", "sts_fail": n (the
next n STS requests answer 503 ServiceUnavailable), "container_token" and
"web_identity_token" (the tokens it accepts from now on)}, POST
/__config/reset (the configuration it started with).

Listens on --port (0: a free one) and prints "awsmeta listening on <port>".
Stops on SIGTERM.  Standard library only.
"""
import argparse
import datetime
import hashlib
import hmac
import http.server
import json
import secrets
import signal
import socketserver
import sys
import threading
import time
import urllib.parse

NS = 'https://sts.amazonaws.com/doc/2011-06-15/'

lock = threading.Lock()
counts = {}
imds_tokens = {}      # token -> expiry (epoch)
issued = {}           # access key -> {secret, token, expiry, arn}
state = {}
initial = {}          # the configuration at start, for /__config/reset


def bump(name):
    with lock:
        counts[name] = counts.get(name, 0) + 1


def now():
    return datetime.datetime.now(datetime.timezone.utc).timestamp()


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%SZ')


def xml_escape(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
            .replace('"', '&quot;'))


def issue(arn):
    """New temporary credentials for arn."""
    key = 'ASIA' + secrets.token_hex(8).upper()
    cred = {'key': key, 'secret': secrets.token_urlsafe(30),
            'token': 'FQoG' + secrets.token_urlsafe(60),
            'expiry': now() + state['expiry'], 'arn': arn}
    with lock:
        issued[key] = cred
    return cred


def sts_error(code, message, status=400, kind='Sender'):
    body = ('<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code>'
            '<Message>%s</Message></Error><RequestId>%s</RequestId>'
            '</ErrorResponse>\n' % (NS, kind, code, xml_escape(message),
                                    secrets.token_hex(8)))
    return status, body


def sts_credentials_xml(action, cred, extra=''):
    return 200, (
        '<%sResponse xmlns="%s">\n  <%sResult>\n%s    <Credentials>\n'
        '      <AccessKeyId>%s</AccessKeyId>\n'
        '      <SecretAccessKey>%s</SecretAccessKey>\n'
        '      <SessionToken>%s</SessionToken>\n'
        '      <Expiration>%s</Expiration>\n    </Credentials>\n'
        '    <AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>AROA:%s</AssumedRoleId>'
        '</AssumedRoleUser>\n  </%sResult>\n'
        '  <ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>\n'
        '</%sResponse>\n' % (action, NS, action, extra, cred['key'],
                             xml_escape(cred['secret']), xml_escape(cred['token']),
                             iso(cred['expiry']), xml_escape(cred['arn']),
                             secrets.token_hex(4), action, secrets.token_hex(8),
                             action))


def signing_key(secret, date, region, service):
    k = hmac.new(('AWS4' + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, 'aws4_request'):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def check_sigv4(handler, body):
    """Returns (identity arn, None) or (None, (status, xml)) for a refusal."""
    auth = handler.headers.get('Authorization', '')
    if not auth.startswith('AWS4-HMAC-SHA256 '):
        return None, sts_error('MissingAuthenticationToken',
                               'Request is missing Authentication Token', 403)
    fields = {}
    for part in auth[len('AWS4-HMAC-SHA256 '):].split(','):
        k, _, v = part.strip().partition('=')
        fields[k] = v
    try:
        key, date, region, service, term = fields['Credential'].split('/')
        signed = fields['SignedHeaders'].split(';')
        signature = fields['Signature']
    except (KeyError, ValueError):
        return None, sts_error('IncompleteSignature', 'The request signature is malformed', 403)
    amz_date = handler.headers.get('X-Amz-Date', '')
    if service != 'sts' or term != 'aws4_request' or not amz_date.startswith(date):
        return None, sts_error('SignatureDoesNotMatch', 'The credential scope is wrong', 403)
    if 'host' not in signed or 'x-amz-date' not in signed:
        return None, sts_error('SignatureDoesNotMatch', 'Host and X-Amz-Date must be signed', 403)
    try:
        t = datetime.datetime.strptime(amz_date, '%Y%m%dT%H%M%SZ').replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        return None, sts_error('IncompleteSignature', 'X-Amz-Date is malformed', 403)
    if abs(t - now()) > 300:
        return None, sts_error('SignatureDoesNotMatch', 'Signature expired', 403)

    if key == state['access_key']:
        secret, token, expiry = state['secret_key'], None, None
        arn = 'arn:aws:iam::%s:user/awstore-test' % state['account']
    else:
        with lock:
            cred = issued.get(key)
        if cred is None:
            return None, sts_error('InvalidClientTokenId',
                                   'The security token included in the request is invalid.', 403)
        secret, token, expiry, arn = cred['secret'], cred['token'], cred['expiry'], cred['arn']
    sent_token = handler.headers.get('X-Amz-Security-Token')
    if token is not None:
        if sent_token != token or 'x-amz-security-token' not in signed:
            return None, sts_error('InvalidClientTokenId',
                                   'The security token included in the request is invalid.', 403)
        if now() >= expiry:
            return None, sts_error('ExpiredToken',
                                   'The security token included in the request is expired')
    elif sent_token is not None:
        return None, sts_error('InvalidClientTokenId',
                               'The security token included in the request is invalid.', 403)

    lines = []
    for name in signed:
        value = handler.headers.get(name)
        if value is None:
            return None, sts_error('SignatureDoesNotMatch',
                                   'Signed header %s is missing' % name, 403)
        lines.append('%s:%s\n' % (name, ' '.join(value.strip().split())))
    path, _, query = handler.path.partition('?')
    canonical = '\n'.join([handler.command, path or '/', query, ''.join(lines),
                           ';'.join(signed), hashlib.sha256(body).hexdigest()])
    to_sign = '\n'.join(['AWS4-HMAC-SHA256', amz_date,
                         '/'.join([date, region, service, term]),
                         hashlib.sha256(canonical.encode()).hexdigest()])
    want = hmac.new(signing_key(secret, date, region, service), to_sign.encode(),
                    hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, signature):
        # as AWS does: the canonical request follows, session token included
        return None, sts_error(
            'SignatureDoesNotMatch',
            'The request signature we calculated does not match the signature you provided. '
            'Check your AWS Secret Access Key and signing method.\n\n'
            'The Canonical String for this request should have been\n\'%s\'' % canonical, 403)
    return arn, None


def role_arn_ok(arn):
    parts = arn.split(':')
    return (len(parts) == 6 and parts[0] == 'arn' and parts[2] == 'iam'
            and len(parts[4]) == 12 and parts[4].isdigit() and parts[5].startswith('role/'))


def assumed_arn(role_arn, session):
    account = role_arn.split(':')[4]
    return 'arn:aws:sts::%s:assumed-role/%s/%s' % (account, role_arn.split('/')[-1], session)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        sys.stderr.write('awsmeta: ' + (fmt % args) + '\n')

    def answer(self, status, body, ctype='text/plain'):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    # --- IMDSv2 ---------------------------------------------------------
    def imds_token_ok(self):
        token = self.headers.get('X-aws-ec2-metadata-token')
        with lock:
            exp = imds_tokens.get(token)
        return exp is not None and now() < exp

    def do_PUT(self):
        self.read_body()
        if self.path != '/latest/api/token':
            return self.answer(404, 'not found')
        bump('imds_token')
        if state['imds'] == 'off':
            return self.answer(403, 'Forbidden')
        ttl = self.headers.get('X-aws-ec2-metadata-token-ttl-seconds', '')
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.answer(400, 'Bad Request')
        token = 'imdstok-' + secrets.token_urlsafe(32)
        with lock:
            imds_tokens[token] = now() + int(ttl)
        self.send_response(200)
        self.send_header('X-aws-ec2-metadata-token-ttl-seconds', ttl)
        self.send_header('Content-Length', str(len(token)))
        self.end_headers()
        self.wfile.write(token.encode())

    def do_GET(self):
        prefix = '/latest/meta-data/iam/security-credentials/'
        if self.path == '/__stats':
            with lock:
                return self.answer(200, json.dumps(counts), 'application/json')
        if self.path == '/__issued':
            with lock:
                table = {k: {'secret': c['secret'], 'token': c['token'],
                             'expiry': c['expiry'], 'expiration': iso(c['expiry']),
                             'arn': c['arn']} for k, c in issued.items()}
            return self.answer(200, json.dumps(table), 'application/json')
        if self.path.startswith(prefix):
            name = self.path[len(prefix):]
            bump('imds_role' if name == '' else 'imds_credentials')
            if not self.imds_token_ok():
                return self.answer(401, 'Unauthorized')
            role = state['role']
            if not role:
                return self.answer(404, 'Not Found')
            if name == '':
                return self.answer(200, role)
            if name != role:
                return self.answer(404, 'Not Found')
            cred = issue('arn:aws:sts::%s:assumed-role/%s/i-0123456789abcdef0'
                         % (state['account'], role))
            return self.answer(200, json.dumps({
                'Code': 'Success', 'LastUpdated': iso(now()), 'Type': 'AWS-HMAC',
                'AccessKeyId': cred['key'], 'SecretAccessKey': cred['secret'],
                'Token': cred['token'], 'Expiration': iso(cred['expiry'])}),
                'application/json')
        if self.path == '/__stall':
            # never answers in time: for cancellation tests
            time.sleep(10)
            return self.answer(200, '{}', 'application/json')
        if self.path == '/container/credentials':
            bump('container')
            if self.headers.get('Authorization') != state['container_token']:
                return self.answer(401, json.dumps({
                    'code': 'AccessDenied',
                    'message': 'the Authorization header is missing or wrong'}),
                    'application/json')
            cred = issue('arn:aws:sts::%s:assumed-role/ecs-task-role/task'
                         % state['account'])
            return self.answer(200, json.dumps({
                'AccessKeyId': cred['key'], 'SecretAccessKey': cred['secret'],
                'Token': cred['token'], 'Expiration': iso(cred['expiry']),
                'RoleArn': 'arn:aws:iam::%s:role/ecs-task-role' % state['account']}),
                'application/json')
        return self.answer(404, 'not found')

    # --- STS and control --------------------------------------------------
    def do_POST(self):
        body = self.read_body()
        if self.path == '/__stats/reset':
            with lock:
                counts.clear()
            return self.answer(200, '{}', 'application/json')
        if self.path == '/__config/reset':
            with lock:
                state.update(initial)
            return self.answer(200, '{}', 'application/json')
        if self.path == '/__config':
            conf = json.loads(body or b'{}')
            with lock:
                state.update({k: conf[k] for k in ('expiry', 'role', 'imds', 'sts_fail',
                                                   'container_token', 'web_identity_token')
                              if k in conf})
            return self.answer(200, '{}', 'application/json')
        form = {k: v[0] for k, v in urllib.parse.parse_qs(
            body.decode('utf-8', 'replace'), keep_blank_values=True).items()}
        action = form.get('Action', '')
        bump('sts_' + (action or 'none'))
        with lock:
            fail = state['sts_fail'] > 0
            if fail:
                state['sts_fail'] -= 1
        if fail:
            status, xml = sts_error('ServiceUnavailable', 'Service is unavailable', 503, 'Receiver')
        elif form.get('Version') != '2011-06-15':
            status, xml = sts_error('InvalidAction', 'Version must be 2011-06-15')
        elif action == 'AssumeRole':
            status, xml = self.assume_role(form, body)
        elif action == 'AssumeRoleWithWebIdentity':
            status, xml = self.assume_role_web(form)
        elif action == 'GetCallerIdentity':
            status, xml = self.whoami(body)
        else:
            status, xml = sts_error('InvalidAction', 'Could not find operation %s' % action)
        self.answer(status, xml, 'text/xml')

    def role_checks(self, form):
        arn = form.get('RoleArn', '')
        session = form.get('RoleSessionName', '')
        if not role_arn_ok(arn):
            return sts_error('ValidationError', '%s is invalid' % arn)
        if not session or len(session) > 64:
            return sts_error('ValidationError', 'RoleSessionName is invalid')
        duration = form.get('DurationSeconds')
        if duration is not None and not (duration.isdigit() and 900 <= int(duration) <= 43200):
            return sts_error('ValidationError', 'DurationSeconds is invalid')
        if 'denied' in arn.split('/')[-1]:
            return sts_error('AccessDenied', 'User is not authorized to perform: '
                             'sts:AssumeRole on resource: %s' % arn, 403)
        return None

    def assume_role(self, form, body):
        who, refusal = check_sigv4(self, body)
        if refusal:
            return refusal
        refusal = self.role_checks(form)
        if refusal:
            return refusal
        arn = form['RoleArn']
        if 'external' in arn.split('/')[-1] and form.get('ExternalId') != state['external_id']:
            return sts_error('AccessDenied', '%s is not authorized to perform: sts:AssumeRole '
                             'on resource: %s' % (who, arn), 403)
        cred = issue(assumed_arn(arn, form['RoleSessionName']))
        return sts_credentials_xml('AssumeRole', cred)

    def assume_role_web(self, form):
        refusal = self.role_checks(form)
        if refusal:
            return refusal
        if form.get('WebIdentityToken') != state['web_identity_token']:
            return sts_error('InvalidIdentityToken', 'Couldn\'t retrieve verification key '
                             'from your identity provider')
        cred = issue(assumed_arn(form['RoleArn'], form['RoleSessionName']))
        return sts_credentials_xml(
            'AssumeRoleWithWebIdentity', cred,
            '    <SubjectFromWebIdentityToken>system:serviceaccount:default:app'
            '</SubjectFromWebIdentityToken>\n')

    def whoami(self, body):
        who, refusal = check_sigv4(self, body)
        if refusal:
            return refusal
        return 200, (
            '<GetCallerIdentityResponse xmlns="%s">\n  <GetCallerIdentityResult>\n'
            '    <Arn>%s</Arn>\n    <UserId>AIDA%s</UserId>\n'
            '    <Account>%s</Account>\n  </GetCallerIdentityResult>\n'
            '  <ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>\n'
            '</GetCallerIdentityResponse>\n' % (NS, xml_escape(who), secrets.token_hex(6).upper(),
                                               state['account'], secrets.token_hex(8)))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--access-key', default='AKIDAWSTORETEST')
    p.add_argument('--secret-key', default='awstore/test+secret')
    p.add_argument('--account', default='123456789012')
    p.add_argument('--role', default='awstore-instance-role')
    p.add_argument('--expiry', type=int, default=900)
    p.add_argument('--container-token', default='awstore-container-token')
    p.add_argument('--web-identity-token', default='awstore.web.identity.token')
    p.add_argument('--external-id', default='awstore-external-id')
    a = p.parse_args()
    state.update({'access_key': a.access_key, 'secret_key': a.secret_key,
                  'account': a.account, 'role': a.role, 'expiry': a.expiry,
                  'container_token': a.container_token,
                  'web_identity_token': a.web_identity_token,
                  'external_id': a.external_id, 'imds': 'on', 'sts_fail': 0})
    initial.update(state)
    server = Server(('127.0.0.1', a.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print('awsmeta listening on %d' % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
