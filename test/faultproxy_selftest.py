#!/usr/bin/python3
"""
test/faultproxy_selftest.py — checks test/faultproxy.py end to end.

Starts dynalite and three proxies in front of it on loopback (one plain and
strict, one with a session token that tolerates absent signed headers, one
that also accepts the temporary keys test/awsmeta.py issues), then
talks to them with boto3, with raw HTTP signed by botocore, and with the curl
command line (libcurl's own SigV4, the signer awstore uses).  Prints one
"ok - ..." or "not ok - ..." line per check, TAP style, and exits non-zero
when any check failed.  Every process it starts is stopped on the way out,
whatever happens.

Run with Debian's /usr/bin/python3 (python3-boto3).
"""

import atexit
import ctypes
import http.client
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib

os.environ['NO_PROXY'] = os.environ['no_proxy'] = '127.0.0.1,localhost'
for var in ('HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY',
            'all_proxy', 'AWS_PROFILE', 'AWS_ENDPOINT_URL',
            'AWS_ENDPOINT_URL_DYNAMODB'):
    os.environ.pop(var, None)
os.environ['AWS_CONFIG_FILE'] = os.devnull
os.environ['AWS_SHARED_CREDENTIALS_FILE'] = os.devnull

import boto3                                        # noqa: E402
from botocore.auth import SigV4Auth                 # noqa: E402
from botocore.awsrequest import AWSRequest          # noqa: E402
from botocore.config import Config                  # noqa: E402
from botocore.credentials import Credentials        # noqa: E402
from botocore.exceptions import ClientError         # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DYNALITE = os.path.join(HERE, 'node_modules', 'dynalite', 'cli.js')
PROXY = os.path.join(HERE, 'faultproxy.py')
AWSMETA = os.path.join(HERE, 'awsmeta.py')
CONTAINER_TOKEN = 'awstore-container-token'     # awsmeta.py's default
ACCESS, SECRET, REGION = 'AKIDAWSTORETEST', 'awstore/test+secret', 'us-east-1'
TOKEN = 'selftest-session-token'
AMZ_JSON = 'application/x-amz-json-1.0'
TABLE = 'selftest'

_procs = []
_tmp = tempfile.mkdtemp(prefix='faultproxy-selftest.')
_results = {'ok': 0, 'fail': 0}


# ---- processes -------------------------------------------------------------

def cleanup():
    for p in _procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except OSError:
                pass
    for p in _procs:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait()
    _procs.clear()


def _on_signal(signum, frame):
    sys.exit(128 + signum)


atexit.register(cleanup)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


def _die_with_parent():
    # Linux prctl(PR_SET_PDEATHSIG, SIGTERM): the child is stopped even if
    # this script is killed with SIGKILL and cannot clean up.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def spawn(cmd, log_name, stdout=None):
    log = open(os.path.join(_tmp, log_name), 'wb')
    # its own process group, so cleanup reaches the children too
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=stdout if stdout is not None else log,
                         stderr=log, start_new_session=True,
                         preexec_fn=_die_with_parent)
    _procs.append(p)
    return p


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_port(port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def start_dynalite():
    for _ in range(3):
        port = free_port()
        p = spawn(['node', DYNALITE, '--host', '127.0.0.1', '--port', str(port),
                   '--createTableMs', '0', '--deleteTableMs', '0',
                   '--updateTableMs', '0'], 'dynalite.log')
        # the port must be ours: another test run's server may hold it
        # (then this dynalite exits, failing to bind)
        if wait_port(port, 20):
            time.sleep(0.3)
            if p.poll() is None:
                return port
        p.kill()
    raise RuntimeError('dynalite did not start; see %s' % _tmp)


def start_proxy(upstream_port, name, *extra):
    p = spawn(['/usr/bin/python3', PROXY, '--listen-port', '0',
               '--upstream', 'http://127.0.0.1:%d' % upstream_port,
               '--access-key', ACCESS, '--secret-key', SECRET,
               '--region', REGION] + list(extra), name + '.log',
              stdout=subprocess.PIPE)
    ready, _, _ = select.select([p.stdout], [], [], 20)
    line = p.stdout.readline().decode() if ready else ''
    if not line.startswith('faultproxy listening on '):
        raise RuntimeError('%s did not start (%r); see %s' % (name, line, _tmp))
    return int(line.split()[-1])


def start_awsmeta():
    p = spawn(['/usr/bin/python3', AWSMETA, '--port', '0'], 'awsmeta.log',
              stdout=subprocess.PIPE)
    ready, _, _ = select.select([p.stdout], [], [], 20)
    line = p.stdout.readline().decode() if ready else ''
    if not line.startswith('awsmeta listening on '):
        raise RuntimeError('awsmeta did not start (%r); see %s' % (line, _tmp))
    return int(line.split()[-1])


# ---- output ----------------------------------------------------------------

def check(name, cond, diag=None):
    if cond:
        _results['ok'] += 1
        print('ok - %s' % name)
    else:
        _results['fail'] += 1
        print('not ok - %s' % name)
        if diag is not None:
            for line in str(diag).splitlines():
                print('#   %s' % line)
    sys.stdout.flush()
    return cond


def note(msg):
    print('# %s' % msg)
    sys.stdout.flush()


# ---- clients -----------------------------------------------------------------

def client(port, key=ACCESS, secret=SECRET, region=REGION, token=None, attempts=1):
    return boto3.client(
        'dynamodb', endpoint_url='http://127.0.0.1:%d' % port, region_name=region,
        aws_access_key_id=key, aws_secret_access_key=secret,
        aws_session_token=token,
        # total_max_attempts counts the first try; botocore's 'max_attempts'
        # counts retries only, so {'max_attempts': 1} still retries once
        config=Config(retries={'total_max_attempts': attempts, 'mode': 'standard'},
                      connect_timeout=5, read_timeout=15))


def error_of(fn, *args, **kw):
    """(code, message) of the ClientError fn raises, or (None, result)."""
    try:
        return None, fn(*args, **kw)
    except ClientError as e:
        return e.response['Error'].get('Code'), e.response['Error'].get('Message')


def signed(port, action, payload, key=ACCESS, secret=SECRET, region=REGION,
           token=None, timestamp=None):
    """A request signed by botocore: (body bytes, header dict)."""
    body = json.dumps(payload).encode()
    req = AWSRequest('POST', 'http://127.0.0.1:%d/' % port, data=body,
                     headers={'Content-Type': AMZ_JSON,
                              'X-Amz-Target': 'DynamoDB_20120810.' + action})
    auth = SigV4Auth(Credentials(key, secret, token), 'dynamodb', region)
    if timestamp is None:
        auth.add_auth(req)
    else:                       # add_auth with a chosen clock
        req.context['timestamp'] = timestamp
        auth._modify_request_before_signing(req)
        canonical = auth.canonical_request(req)
        sig = auth.signature(auth.string_to_sign(req, canonical), req)
        auth._inject_signature_to_request(req, sig)
    return body, dict(req.headers.items())


def send(port, body, headers, timeout=10, conn=None):
    """POST; returns (status, lower-case header dict, body bytes)."""
    c = conn or http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        c.request('POST', '/', body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        if conn is None:
            c.close()


def raw(port, action, payload, **kw):
    timeout = kw.pop('timeout', 10)
    conn = kw.pop('conn', None)
    body, headers = signed(port, action, payload, **kw)
    return send(port, body, headers, timeout=timeout, conn=conn)


def aws_type(data):
    try:
        return json.loads(data).get('__type', '').split('#')[-1]
    except ValueError:
        return None


def crc_ok(headers, data):
    return headers.get('x-amz-crc32') == str(zlib.crc32(data))


def control(port, path, payload=None):
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    try:
        if payload is None:
            c.request('GET', path)
        else:
            c.request('POST', path, body=json.dumps(payload or {}).encode(),
                      headers={'Content-Type': 'application/json'})
        r = c.getresponse()
        return r.status, json.loads(r.read())
    finally:
        c.close()


def arm(port, **spec):
    status, resp = control(port, '/__fault', spec)
    if status != 200:
        raise RuntimeError('arming %r failed: %r' % (spec, resp))


def stats(port):
    return control(port, '/__stats')[1]


def curl(port, target, extra=(), data='{}', user='%s:%s' % (ACCESS, SECRET)):
    """curl's --aws-sigv4; returns (http code or None, body, exit status)."""
    out = os.path.join(_tmp, 'curl.out')
    cmd = ['curl', '-s', '--noproxy', '*', '-o', out, '-w', '%{http_code}',
           '--aws-sigv4', 'aws:amz:%s:dynamodb' % REGION, '--user', user,
           '-H', 'Content-Type: ' + AMZ_JSON,
           '-H', 'X-Amz-Target: DynamoDB_20120810.' + target] + list(extra) + \
          ['-d', data, 'http://127.0.0.1:%d/' % port]
    p = subprocess.run(cmd, capture_output=True, timeout=30)
    body = open(out, 'rb').read() if os.path.exists(out) else b''
    code = p.stdout.decode().strip()
    return (int(code) if code.isdigit() and code != '000' else None), body, p.returncode


def key(pk):
    return {'pk': {'S': pk}}


# ---- the checks --------------------------------------------------------------

def test_signatures(p1):
    control(p1, '/__stats/reset', {})
    ddb = client(p1)
    err, _ = error_of(ddb.create_table, TableName=TABLE,
                      AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}],
                      KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
                      BillingMode='PAY_PER_REQUEST')
    check('CreateTable through the proxy with a good signature', err is None, err)
    err, _ = error_of(ddb.put_item, TableName=TABLE, Item={'pk': {'S': 'a'}, 'v': {'N': '1'}})
    check('PutItem through the proxy', err is None, err)
    err, got = error_of(ddb.get_item, TableName=TABLE, Key=key('a'))
    check('GetItem through the proxy returns the item',
          err is None and got.get('Item', {}).get('v') == {'N': '1'}, got)
    err, got = error_of(ddb.scan, TableName=TABLE)
    check('Scan through the proxy', err is None and got.get('Count') == 1, got)
    s = stats(p1)
    check('good signatures are counted signature_ok',
          s['signature_ok'] == 4 and s['signature_bad'] == 0 and s['forwarded'] == 4, s)
    check('stats count requests by action',
          s['by_action'] == {'CreateTable': 1, 'PutItem': 1, 'GetItem': 1, 'Scan': 1},
          s['by_action'])
    note('botocore signs: %s' % ', '.join(sorted(s['signed_headers_seen'])))

    code, msg = error_of(client(p1, secret='wrong-secret').list_tables)
    check('wrong secret key gives InvalidSignatureException',
          code == 'InvalidSignatureException' and msg.startswith(
              'The request signature we calculated does not match the signature '
              'you provided. Check your AWS Secret Access Key and signing method.'),
          (code, msg))
    code, msg = error_of(client(p1, key='AKIDUNKNOWN').list_tables)
    check('unknown access key gives UnrecognizedClientException',
          code == 'UnrecognizedClientException'
          and msg == 'The security token included in the request is invalid.', (code, msg))
    code, msg = error_of(client(p1, region='eu-west-1').list_tables)
    check('wrong region gives "Credential should be scoped to a valid region"',
          code == 'InvalidSignatureException'
          and msg == "Credential should be scoped to a valid region, not 'eu-west-1'. ",
          (code, msg))
    s = stats(p1)
    check('bad signatures are counted signature_bad with the last reason',
          s['signature_bad'] == 3 and s['forwarded'] == 4
          and s['last_bad_reason'].startswith('InvalidSignatureException: Credential'), s)

    body, headers = signed(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})
    status, rh, data = send(p1, body.replace(b'"a"', b'"b"'), headers)
    check('a body changed after signing is refused',
          status == 400 and aws_type(data) == 'InvalidSignatureException', data)
    check('generated errors carry a correct x-amz-crc32 and the JSON content type',
          crc_ok(rh, data) and rh.get('content-type') == AMZ_JSON
          and 'x-amzn-requestid' in rh, rh)
    headers2 = dict(headers, **{'X-Amz-Target': 'DynamoDB_20120810.DeleteItem'})
    status, _, data = send(p1, body, headers2)
    check('a signed header changed after signing is refused',
          status == 400 and aws_type(data) == 'InvalidSignatureException', data)
    status, _, data = send(p1, body, dict(headers, **{'X-Unsigned-Extra': 'x'}))
    check('an extra unsigned header does not matter', status == 200, data)
    old = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(time.time() - 20 * 60))
    status, _, data = raw(p1, 'ListTables', {}, timestamp=old)
    check('a request signed 20 minutes ago is refused as expired',
          status == 400 and b'Signature expired' in data, data)
    status, _, data = raw(p1, 'ListTables', {}, key='AKIDUNKNOWN', secret='x')
    check('raw: unknown access key is HTTP 400 UnrecognizedClientException',
          status == 400 and aws_type(data) == 'UnrecognizedClientException', data)


def test_session_token(p2):
    err, _ = error_of(client(p2, token=TOKEN).list_tables)
    check('session token: the configured token passes', err is None, err)
    code, msg = error_of(client(p2).list_tables)
    check('session token: a request without it gives UnrecognizedClientException',
          code == 'UnrecognizedClientException', (code, msg))
    code, msg = error_of(client(p2, token='another-token').list_tables)
    check('session token: a different token gives UnrecognizedClientException',
          code == 'UnrecognizedClientException', (code, msg))
    body, headers = signed(p2, 'ListTables', {})
    headers['X-Amz-Security-Token'] = TOKEN         # added after signing
    status, _, data = send(p2, body, headers)
    check('session token: an unsigned X-Amz-Security-Token is refused',
          status == 400 and aws_type(data) == 'InvalidSignatureException'
          and b"'X-Amz-Security-Token' must be a 'SignedHeader'" in data, data)


def container_credentials(meta):
    """Temporary credentials from awsmeta's container endpoint:
    (key, secret, token)."""
    c = http.client.HTTPConnection('127.0.0.1', meta, timeout=10)
    try:
        c.request('GET', '/container/credentials',
                  headers={'Authorization': CONTAINER_TOKEN})
        r = c.getresponse()
        cred = json.loads(r.read())
    finally:
        c.close()
    return cred['AccessKeyId'], cred['SecretAccessKey'], cred['Token']


def test_temporary_keys(p3, meta):
    control(p3, '/__stats/reset', {})
    err, _ = error_of(client(p3).list_tables)
    check('temporary keys: the static key still passes', err is None, err)
    key_id, secret, token = container_credentials(meta)
    err, _ = error_of(client(p3, key=key_id, secret=secret, token=token).list_tables)
    check('temporary keys: an issued key with its session token passes', err is None, err)
    st = stats(p3)
    check('temporary keys: /__stats counts it', st['temporary_ok'] == 1
          and st['temporary_keys'] == 1, st)
    code, msg = error_of(client(p3, key=key_id, secret=secret,
                                token=token[:-4] + 'XXXX').list_tables)
    check('temporary keys: a wrong token gives UnrecognizedClientException',
          code == 'UnrecognizedClientException'
          and msg == 'The security token included in the request is invalid.', (code, msg))
    code, msg = error_of(client(p3, key=key_id, secret=secret).list_tables)
    check('temporary keys: no token gives UnrecognizedClientException',
          code == 'UnrecognizedClientException', (code, msg))
    other = container_credentials(meta)
    code, msg = error_of(client(p3, key=key_id, secret=secret, token=other[2]).list_tables)
    check('temporary keys: another key\'s token gives UnrecognizedClientException',
          code == 'UnrecognizedClientException', (code, msg))
    code, msg = error_of(client(p3, key=key_id, secret='not-the-secret',
                                token=token).list_tables)
    check('temporary keys: a wrong secret gives InvalidSignatureException',
          code == 'InvalidSignatureException', (code, msg))
    body, headers = signed(p3, 'ListTables', {}, key=key_id, secret=secret)
    headers['X-Amz-Security-Token'] = token         # added after signing
    status, _, data = send(p3, body, headers)
    check('temporary keys: an unsigned X-Amz-Security-Token is refused',
          status == 400 and aws_type(data) == 'InvalidSignatureException', data)
    code, msg = error_of(client(p3, key='ASIA0000000000000000', secret=secret,
                                token=token).list_tables)
    check('temporary keys: a key awsmeta never issued gives UnrecognizedClientException',
          code == 'UnrecognizedClientException', (code, msg))

    # a key that expires one second after it is issued
    control(meta, '/__config', {'expiry': 1})
    try:
        key_id, secret, token = container_credentials(meta)
    finally:
        control(meta, '/__config', {'expiry': 900})
    err, _ = error_of(client(p3, key=key_id, secret=secret, token=token).list_tables)
    check('temporary keys: a short-lived key passes before its expiry', err is None, err)
    time.sleep(1.2)
    status, headers, data = raw(p3, 'ListTables', {}, key=key_id, secret=secret, token=token)
    check('temporary keys: after its expiry, DynamoDB\'s ExpiredTokenException',
          status == 400 and json.loads(data) == {
              '__type': 'com.amazon.coral.service#ExpiredTokenException',
              'message': 'The security token included in the request is expired'}
          and crc_ok(headers, data), (status, data))
    code, msg = error_of(client(p3, key=key_id, secret=secret, token=token).list_tables)
    check('temporary keys: boto3 sees ExpiredTokenException',
          code == 'ExpiredTokenException', (code, msg))
    st = stats(p3)
    check('temporary keys: refusals are never forwarded',
          st['forwarded'] == 3 and st['bad_by_type'].get('ExpiredTokenException') == 2,
          st)


def test_curl(p1, p2):
    control(p1, '/__stats/reset', {})
    code, body, rc = curl(p1, 'ListTables')
    s = stats(p1)
    seen = list(s['signed_headers_seen'])
    check('curl --aws-sigv4 (libcurl SigV4) passes the botocore check',
          code == 200 and s['signature_ok'] == 1, (code, body, rc, s))
    check('curl signs host, x-amz-date and x-amz-target',
          len(seen) == 1 and {'host', 'x-amz-date', 'x-amz-target'} <= set(seen[0].split(';')),
          seen)
    note('curl signs without "Expect:": %s' % (seen[0] if seen else None))

    control(p1, '/__stats/reset', {})
    code, body, rc = curl(p1, 'ListTables', ['-H', 'Expect:'])
    s = stats(p1)
    signed_with_expect = list(s['signed_headers_seen']) or \
        [s['last_bad_reason'] or '']
    if code == 200:
        check('curl with "Expect:" passes (this curl does not sign the absent header)',
              'expect' not in signed_with_expect[0], (signed_with_expect, s))
    else:
        check('curl with "Expect:" signs an absent "expect" header; strict proxy refuses it',
              code == 400 and aws_type(body) == 'IncompleteSignatureException'
              and b"'expect' is named as a SignedHeader" in body, (code, body, s))
    note('curl with "Expect:": HTTP %s; %s' % (code, s['last_bad_reason'] or seen))

    control(p2, '/__stats/reset', {})
    tok = ['-H', 'X-Amz-Security-Token: ' + TOKEN]
    code, body, rc = curl(p2, 'ListTables', tok)
    s = stats(p2)
    seen = list(s['signed_headers_seen'])
    check('curl with X-Amz-Security-Token passes the botocore check',
          code == 200 and s['signature_ok'] == 1, (code, body, s))
    check('curl signs x-amz-security-token',
          len(seen) == 1 and 'x-amz-security-token' in seen[0].split(';'), seen)
    note('curl signs with a token: %s' % (seen[0] if seen else None))
    code, body, rc = curl(p2, 'ListTables', tok + ['-H', 'Expect:'])
    s = stats(p2)
    check('curl with token and "Expect:" verifies when an absent signed header '
          'counts as empty (--allow-absent-signed-headers)',
          code == 200 and s['signature_ok'] == 2, (code, body, s))
    note('absent signed headers tolerated: %s' % s['absent_signed_headers'])
    code, body, rc = curl(p2, 'ListTables', ['-H', 'X-Amz-Security-Token: not-it'])
    check('curl with a wrong token gives UnrecognizedClientException',
          code == 400 and aws_type(body) == 'UnrecognizedClientException', (code, body))
    code, body, rc = curl(p2, 'ListTables', tok, user='%s:%s' % (ACCESS, 'bad'))
    check('curl with a wrong secret gives InvalidSignatureException',
          code == 400 and aws_type(body) == 'InvalidSignatureException', (code, body))


def get(p, pk):
    status, _, data = raw(p, 'GetItem', {'TableName': TABLE, 'Key': key(pk)})
    return status, json.loads(data) if status == 200 else data


def test_json_faults(p1):
    expect = {
        'throttle': (400, 'ProvisionedThroughputExceededException',
                     'The level of configured provisioned throughput for the table was '
                     'exceeded. Consider increasing your provisioning level with the '
                     'UpdateTable API.'),
        'throttling': (400, 'ThrottlingException', None),
        'limit': (400, 'RequestLimitExceeded', None),
        'error500': (500, 'InternalServerError', None),
        'error503': (503, 'ServiceUnavailableException', None),
        'validation': (400, 'ValidationException', 'injected validation error'),
    }
    for fault, (st, typ, msg) in expect.items():
        control(p1, '/__stats/reset', {})
        arm(p1, mode=fault, count=1)
        status, rh, data = raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})
        after, _ = get(p1, 'a')
        s = stats(p1)
        check('fault %s: HTTP %d %s%s, correct crc, then requests pass'
              % (fault, st, typ, ' "%s"' % msg[:30] if msg else ''),
              status == st and aws_type(data) == typ and crc_ok(rh, data)
              and rh.get('content-type') == AMZ_JSON
              and (msg is None or json.loads(data)['message'] == msg)
              and after == 200 and s['injected'] == {fault: 1} and s['forwarded'] == 1,
              (status, rh, data, after, s))

    arm(p1, mode='throttle', count=1)
    code, msg = error_of(client(p1).get_item, TableName=TABLE, Key=key('a'))
    check('boto3 (total_max_attempts 1) sees ProvisionedThroughputExceededException',
          code == 'ProvisionedThroughputExceededException', (code, msg))
    arm(p1, mode='throttle', count=1)
    err, got = error_of(client(p1, attempts=3).get_item, TableName=TABLE, Key=key('a'))
    check('boto3 with retries gets through one throttle', err is None and 'Item' in got, err)
    arm(p1, mode='validation', count=1)
    code, msg = error_of(client(p1, attempts=3).get_item, TableName=TABLE, Key=key('a'))
    check('validation is not retried by boto3',
          code == 'ValidationException' and msg == 'injected validation error', (code, msg))


def test_other_faults(p1):
    arm(p1, mode='error503_text', count=1)
    status, rh, data = raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})
    check('fault error503_text: 503, text/html body, no crc header',
          status == 503 and rh.get('content-type') == 'text/html'
          and 'x-amz-crc32' not in rh and data.startswith(b'<html>'), (status, rh, data))

    arm(p1, mode='malformed', count=1)
    status, rh, data = raw(p1, 'Scan', {'TableName': TABLE})
    check('fault malformed: 200 with body {"Items": [ and its correct crc',
          status == 200 and data == b'{"Items": [' and crc_ok(rh, data), (status, rh, data))

    arm(p1, mode='bad_crc', count=1)
    status, rh, data = raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})
    check('fault bad_crc: the real body with a wrong x-amz-crc32',
          status == 200 and 'Item' in json.loads(data) and 'x-amz-crc32' in rh
          and not crc_ok(rh, data), (status, rh, data))

    arm(p1, mode='truncate', count=1)
    try:
        status, rh, data = raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})
        outcome = ('complete', status, data)
    except http.client.IncompleteRead as e:
        outcome = ('incomplete', len(e.partial), e.expected)
    check('fault truncate: headers with the full Content-Length, half the body, close',
          outcome[0] == 'incomplete' and outcome[1] > 0, outcome)
    arm(p1, mode='truncate', count=1)
    code, body, rc = curl(p1, 'ListTables')
    check('fault truncate: curl reports a partial transfer (exit 18)', rc == 18, (code, rc))

    for close in ('rst', 'fin'):
        arm(p1, mode='drop_before', count=1, close=close)
        try:
            raw(p1, 'PutItem', {'TableName': TABLE,
                                'Item': {'pk': {'S': 'before-' + close}}})
            outcome = 'got a response'
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            outcome = type(e).__name__
        status, got = get(p1, 'before-' + close)
        check('fault drop_before (%s): connection closed without reply, write NOT applied'
              % close, outcome != 'got a response' and status == 200 and 'Item' not in got,
              (outcome, status, got))
        note('drop_before (%s) seen by http.client as %s' % (close, outcome))

        arm(p1, mode='drop_after', count=1, close=close)
        try:
            raw(p1, 'PutItem', {'TableName': TABLE,
                                'Item': {'pk': {'S': 'after-' + close}}})
            outcome = 'got a response'
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            outcome = type(e).__name__
        status, got = get(p1, 'after-' + close)
        check('fault drop_after (%s): connection closed without reply, write applied'
              % close, outcome != 'got a response' and status == 200 and 'Item' in got,
              (outcome, status, got))

    arm(p1, mode='drop_before', count=2)
    code, body, rc = curl(p1, 'ListTables')
    check('fault drop_before: curl on a fresh connection fails with exit 56 (recv error)',
          rc == 56, (code, rc))
    arm(p1, mode='drop_before', count=1, close='fin')
    code, body, rc = curl(p1, 'ListTables')
    check('fault drop_before close=fin: curl fails with exit 52 (empty reply)',
          rc == 52, (code, rc))
    arm(p1, mode='off')

    # libcurl resends a request whose reused connection dies before any reply
    control(p1, '/__stats/reset', {})
    arm(p1, mode='drop_before', count=1, targets=['DescribeTable'])
    sig = ['--aws-sigv4', 'aws:amz:%s:dynamodb' % REGION, '--user', '%s:%s' % (ACCESS, SECRET),
           '-H', 'Content-Type: ' + AMZ_JSON]
    url = 'http://127.0.0.1:%d/' % p1
    r = subprocess.run(['curl', '-s', '--noproxy', '*', '-o', os.devnull] + sig +
                       ['-H', 'X-Amz-Target: DynamoDB_20120810.ListTables', '-d', '{}', url,
                        '--next', '-o', os.devnull] + sig +
                       ['-H', 'X-Amz-Target: DynamoDB_20120810.DescribeTable',
                        '-d', json.dumps({'TableName': TABLE}), url],
                       capture_output=True, timeout=30)
    s = stats(p1)
    check('libcurl silently resends a request dropped on a reused connection '
          '(one drop_before invisible to curl; DescribeTable seen twice)',
          r.returncode == 0 and s['by_action'].get('DescribeTable') == 2
          and s['injected'] == {'drop_before': 1}, (r.returncode, s))


def test_stall(p1):
    control(p1, '/__stats/reset', {})
    arm(p1, mode='stall', seconds=30, count=1)
    t0 = time.monotonic()
    try:
        raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')}, timeout=1)
        outcome = 'answered'
    except socket.timeout:
        outcome = 'timeout'
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        s = stats(p1)
        if s['stalls_active'] == 0:
            break
        time.sleep(0.1)
    check('fault stall: the client times out; the stall ends when the client goes away',
          outcome == 'timeout' and s['stalls_active'] == 0 and s['stalls_aborted'] == 1
          and time.monotonic() - t0 < 4, (outcome, s))
    arm(p1, mode='stall', seconds=30, count=1)
    code, body, rc = curl(p1, 'ListTables', ['--max-time', '1'])
    time.sleep(0.5)
    s = stats(p1)
    check('fault stall: curl --max-time fires (exit 28) and the stall ends',
          rc == 28 and s['stalls_active'] == 0 and s['stalls_aborted'] == 2, (rc, s))

    arm(p1, mode='stall', seconds=0.6, count=1)
    t0 = time.monotonic()
    status, _, data = raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})
    took = time.monotonic() - t0
    check('fault stall: a short stall then answers normally',
          status == 200 and 'Item' in json.loads(data) and took >= 0.6, (status, took))

    # a stalled request does not hold up the others
    arm(p1, mode='stall', seconds=3, targets=['DescribeTable'])
    box = {}
    t = threading.Thread(target=lambda: box.setdefault(
        'r', raw(p1, 'DescribeTable', {'TableName': TABLE}, timeout=10)))
    t.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    status, _ = get(p1, 'a')
    quick = time.monotonic() - t0
    t.join()
    arm(p1, mode='off')
    check('threaded: a request is served while another one stalls',
          status == 200 and quick < 1 and box.get('r', (0,))[0] == 200, (status, quick, box))


def test_modes(p1):
    control(p1, '/__stats/reset', {})
    arm(p1, mode='throttle', count=2)
    statuses = [raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})[0]
                for _ in range(4)]
    _, f = control(p1, '/__fault')
    check('count mode: the next N requests fail, then they pass',
          statuses == [400, 400, 200, 200] and f.get('remaining') == 0, (statuses, f))

    arm(p1, mode='throttle', targets=['Scan'])
    a = raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})[0]
    b = raw(p1, 'Scan', {'TableName': TABLE})[0]
    c = raw(p1, 'Scan', {'TableName': TABLE})[0]
    arm(p1, mode='off')
    d = raw(p1, 'Scan', {'TableName': TABLE})[0]
    check('targets: only the named actions fail; "off" resets',
          (a, b, c, d) == (200, 400, 400, 200), (a, b, c, d))

    def pattern():
        arm(p1, mode='error500', rate=0.5, seed=7)
        out = [raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})[0]
               for _ in range(20)]
        arm(p1, mode='off')
        return out
    one, two = pattern(), pattern()
    check('rate mode: deterministic with the seed, some fail, some pass',
          one == two and 0 < one.count(500) < 20 and set(one) == {200, 500}, (one, two))

    arm(p1, mode='mix', rate=1, seed=3, faults=['throttle', 'error503', 'limit'])
    seen = [aws_type(raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})[2])
            for _ in range(15)]
    arm(p1, mode='off')
    check('mix mode: picks among the listed faults only',
          set(seen) == {'ProvisionedThroughputExceededException',
                        'ServiceUnavailableException', 'RequestLimitExceeded'}, seen)

    st1, r1 = control(p1, '/__fault', {'mode': 'nonsense'})
    st2, r2 = control(p1, '/__fault', {'mode': 'throttle', 'count': 1, 'rate': 0.5})
    check('control: bad fault specs are refused with 400',
          st1 == 400 and st2 == 400 and not r1['ok'], (st1, r1, st2, r2))

    st, _ = control(p1, '/__stats/reset', {})
    s = stats(p1)
    check('POST /__stats/reset zeroes the counters',
          st == 200 and s['requests'] == 0 and s['injected'] == {} and s['by_action'] == {}, s)


def test_empty_page(p1):
    ddb = client(p1)
    for i in range(7):
        ddb.put_item(TableName='pages', Item={'pk': {'S': 'p%d' % i}})
    control(p1, '/__stats/reset', {})
    arm(p1, mode='empty_page', count=2)
    pages, items = [], []
    start = None
    while True:
        kw = {'TableName': 'pages', 'Limit': 3}
        if start:
            kw['ExclusiveStartKey'] = start
        page = ddb.scan(**kw)
        pages.append(page['Count'])
        items += [it['pk']['S'] for it in page['Items']]
        start = page.get('LastEvaluatedKey')
        if not start:
            break
    s = stats(p1)
    check('fault empty_page: empty Scan pages with a LastEvaluatedKey, no item lost '
          'or repeated', sorted(items) == ['p%d' % i for i in range(7)]
          and pages.count(0) >= 2 and s['injected'].get('empty_page') == 2
          and s['empty_page_replayed'] == 2, (pages, items, s))


def test_unprocessed(p1):
    ddb = client(p1)
    writes = [{'PutRequest': {'Item': {'pk': {'S': 'u%d' % i}}}} for i in range(5)]
    control(p1, '/__stats/reset', {})
    arm(p1, mode='unprocessed', count=2)
    r1 = ddb.batch_write_item(RequestItems={'pages': writes})
    left1 = r1['UnprocessedItems'].get('pages', [])
    r2 = ddb.batch_write_item(RequestItems={'pages': left1})
    left2 = r2['UnprocessedItems'].get('pages', [])
    r3 = ddb.batch_write_item(RequestItems={'pages': left2})
    got = sorted(ddb.get_item(TableName='pages', Key=key_pk('u%d' % i)).get('Item', {})
                 .get('pk', {}).get('S', '-') for i in range(5))
    s = stats(p1)
    check('fault unprocessed: half of a BatchWriteItem applied, the rest returned, '
          'resending completes it',
          len(left1) == 3 and len(left2) == 2 and not r3['UnprocessedItems']
          and got == ['u%d' % i for i in range(5)]
          and s['injected'].get('unprocessed') == 2, (left1, left2, r3, got, s))
    arm(p1, mode='unprocessed', count=1)
    r = ddb.get_item(TableName='pages', Key=key_pk('u0'))
    check('fault unprocessed leaves other actions alone',
          'Item' in r and stats(p1)['injected'].get('unprocessed') == 2, r)
    arm(p1, mode='off')
    for i in range(5):
        ddb.delete_item(TableName='pages', Key=key_pk('u%d' % i))


def test_after(p1):
    control(p1, '/__stats/reset', {})
    arm(p1, mode='throttle', after=2, count=1, targets=['GetItem'])
    statuses = [raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')})[0] for _ in range(4)]
    check('"after": the first N matching requests pass, then the fault',
          statuses == [200, 200, 400, 200] and stats(p1)['injected'] == {'throttle': 1}, statuses)


def key_pk(pk):
    return {'pk': {'S': pk}}


def test_concurrency(p1):
    errors, lock = [], threading.Lock()

    def worker(n):
        try:
            ddb = client(p1)
            for _ in range(5):
                r = ddb.scan(TableName='pages', Segment=n, TotalSegments=8)
                assert r['ResponseMetadata']['HTTPStatusCode'] == 200
        except Exception as e:             # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(e))
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check('8 concurrent parallel-scan segments through the proxy', not errors, errors)

    conn = http.client.HTTPConnection('127.0.0.1', p1, timeout=10)
    statuses = [raw(p1, 'GetItem', {'TableName': TABLE, 'Key': key('a')}, conn=conn)[0]
                for _ in range(5)]
    conn.close()
    check('keep-alive: several requests on one client connection', statuses == [200] * 5,
          statuses)


def main():
    if shutil.which('curl') is None or shutil.which('node') is None:
        print('not ok - curl and node are needed')
        return 1
    ok = False
    try:
        dport = start_dynalite()
        p1 = start_proxy(dport, 'proxy-strict')
        p2 = start_proxy(dport, 'proxy-token', '--session-token', TOKEN,
                         '--allow-absent-signed-headers')
        meta = start_awsmeta()
        p3 = start_proxy(dport, 'proxy-awsmeta', '--awsmeta', 'http://127.0.0.1:%d' % meta)
        note('dynalite on %d, strict proxy on %d, token proxy on %d, awsmeta on %d, '
             'awsmeta proxy on %d; logs in %s' % (dport, p1, p2, meta, p3, _tmp))
        client(p1).create_table(
            TableName='pages',
            AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}],
            KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
            BillingMode='PAY_PER_REQUEST')
        test_signatures(p1)
        test_session_token(p2)
        test_temporary_keys(p3, meta)
        test_curl(p1, p2)
        test_json_faults(p1)
        test_other_faults(p1)
        test_stall(p1)
        test_modes(p1)
        test_empty_page(p1)
        test_unprocessed(p1)
        test_after(p1)
        test_concurrency(p1)
        ok = True
    except Exception:                       # noqa: BLE001 - a crash is a failure
        import traceback
        check('self-test ran to the end', False, traceback.format_exc())
    finally:
        cleanup()
    print('1..%d' % (_results['ok'] + _results['fail']))
    print('# %d passed, %d failed' % (_results['ok'], _results['fail']))
    if _results['fail'] == 0 and ok:
        shutil.rmtree(_tmp, ignore_errors=True)
        return 0
    print('# logs kept in %s' % _tmp)
    return 1


if __name__ == '__main__':
    sys.exit(main())
