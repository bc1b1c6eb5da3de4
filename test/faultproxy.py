#!/usr/bin/python3
"""
test/faultproxy.py — a SigV4-checking, fault-injecting DynamoDB proxy for tests.

Sits on loopback between awstore (libcurl) and dynalite.  Every DynamoDB
request (POST with X-Amz-Target) is

  1. checked for a valid AWS Signature Version 4, with botocore as an
     independent oracle: the proxy parses the Authorization header, rebuilds
     the request from exactly the headers the client says it signed (with
     their received values) and the exact body bytes, and lets botocore's
     SigV4Auth compute canonical request, string to sign and signature with
     the configured secret key.  Failures are answered the way DynamoDB
     answers them (HTTP 400, UnrecognizedClientException,
     InvalidSignatureException, IncompleteSignatureException ...), with a
     correct x-amz-crc32 header, and are never forwarded;
  2. then, if a fault is armed for it, failed in the armed way (throttling,
     5xx, dropped connection before or after dynalite applied it, stall,
     truncated or corrupted reply, empty Scan/Query page);
  3. otherwise forwarded to dynalite, the reply relayed unchanged (status,
     body, x-amz-crc32, x-amzn-RequestId, Content-Type ...).

Keys: the static --access-key/--secret-key (with --session-token, when
given, required in every request) and, with --awsmeta URL, every temporary
key test/awsmeta.py issued (read from URL/__issued when an unknown key
arrives).  A temporary key is accepted only with its own session token,
sent in X-Amz-Security-Token and signed (else UnrecognizedClientException
or InvalidSignatureException, as from AWS), and only until its expiry;
after that the answer is DynamoDB's: HTTP 400
{"__type": "com.amazon.coral.service#ExpiredTokenException",
 "message": "The security token included in the request is expired"}.
/__stats counts verified requests signed with a temporary key
(temporary_ok) and the distinct temporary keys seen (temporary_keys).

--latency-ms N adds a fixed N ms to every DynamoDB request (control
requests excepted): the request is read, then waits N ms before it is
checked, forwarded or answered, as if DynamoDB were that far away.  Each
client connection has its own thread, so requests on different connections
wait at the same time; a parallel scan overlaps its waits as it would
against DynamoDB.  bench/scan/run measures through it at 10 and 40 ms.

Control, on the same port, under paths DynamoDB never uses:

  POST /__fault        {"mode": "throttle", "count": 2}
                       {"mode": "error500", "rate": 0.1, "seed": 7}
                       {"mode": "mix", "rate": 0.2, "seed": 7,
                        "faults": ["throttle", "drop_before"]}
                       optional "targets": ["Scan", "BatchWriteItem"],
                       "seconds": N (stall, default 30),
                       "after": N (let the first N matching requests pass),
                       "close": "rst" | "fin" (drop_*, default rst)
                       {"mode": "off"}
                       Neither count nor rate: every matching request until
                       {"mode": "off"}.
  GET  /__fault        the armed fault
  GET  /__stats        counters (JSON)
  POST /__stats/reset  zero the counters
  GET  /__capacity     every answer relayed since the last reset that
                       carried ConsumedCapacity: [{"t": seconds (monotonic)
                       when its request arrived, "answered": when the
                       answer was relayed, "action": "Scan", "units": 2.5},
                       ...].  DynamoDB admits a request, and counts its
                       capacity, when it arrives: "t" is that moment; a
                       local engine's queueing shows in "answered" only.

  POST /__capacity/reset  forget them

Faults: throttle, throttling, limit, error500, error503, error503_text,
validation, expired_token, malformed, bad_crc, truncate, drop_before, drop_after, stall,
empty_page, unprocessed, signature_echo, oversize.  A fault only fires on
requests whose signature verified (signature_echo: on any request); a
request with a bad signature gets the signature error, as from AWS.

signature_echo answers InvalidSignatureException the way AWS does, quoting
the canonical request it expected, X-Amz-Security-Token included (to test
that no secret reaches an error message).

oversize answers a well-formed empty page padded to "megabytes" (default
17) MB, bigger than any DynamoDB response.

unprocessed (BatchWriteItem only) forwards the first half of the request's
writes (none of a single one) and answers the rest as UnprocessedItems, the
way DynamoDB answers a partly throttled batch.

Rate mode draws from random.Random(seed) once per matching request, so a
sequence of requests sent one after another sees the same faults on every
run; concurrent requests draw in arrival order.

Notes on signature checking (see also --allow-absent-signed-headers):
  - botocore's client-side signer never signs Expect, User-Agent and
    X-Amzn-Trace-Id; a server has to canonicalize exactly what the client
    named, so when the client signed one of those the check uses a subclass
    of SigV4Auth whose only change is to keep them.
  - A header named in SignedHeaders but absent from the request is rejected
    by default, as AWS services do ("'expect' is named as a SignedHeader, but
    it does not exist in the HTTP request.").  libcurl before 8.3.0 does this
    whenever a default header is suppressed with "Expect:" (curl issue
    #11664).
  - Error __type prefixes are DynamoDB's: com.amazon.coral.service# for
    authentication errors, com.amazonaws.dynamodb.v20120810# for DynamoDB's
    own.  Clients should compare only the part after '#'.

Run with Debian's /usr/bin/python3 (python3-boto3 provides botocore).
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import random
import re
import select
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import zlib

from botocore.auth import SIGNED_HEADERS_BLACKLIST, SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

SERVICE = 'dynamodb'
AMZ_JSON = 'application/x-amz-json-1.0'
DDB = 'com.amazonaws.dynamodb.v20120810#'
CORAL = 'com.amazon.coral.service#'

MSG_BAD_TOKEN = 'The security token included in the request is invalid.'
MSG_EXPIRED_TOKEN = 'The security token included in the request is expired'
MSG_BAD_SIGNATURE = ('The request signature we calculated does not match the '
                     'signature you provided. Check your AWS Secret Access Key '
                     'and signing method. Consult the service documentation '
                     'for details.')

# fault -> (status, __type, message) for the ones that are a plain JSON error
JSON_FAULTS = {
    'throttle': (400, DDB + 'ProvisionedThroughputExceededException',
                 'The level of configured provisioned throughput for the table '
                 'was exceeded. Consider increasing your provisioning level '
                 'with the UpdateTable API.'),
    'throttling': (400, 'com.amazon.coral.availability#ThrottlingException',
                   'Rate of requests exceeds the allowed throughput.'),
    'limit': (400, DDB + 'RequestLimitExceeded',
              'Throughput exceeds the current throughput limit for your '
              'account. Please contact AWS Support at '
              'https://aws.amazon.com/support request a limit increase'),
    'error500': (500, DDB + 'InternalServerError', 'Internal server error'),
    'error503': (503, 'com.amazon.coral.availability#ServiceUnavailableException',
                 'Service Unavailable'),
    'validation': (400, 'com.amazon.coral.validate#ValidationException',
                   'injected validation error'),
    'expired_token': (400, 'com.amazon.coral.service#ExpiredTokenException',
                      'The security token included in the request is expired'),
}
OTHER_FAULTS = ('error503_text', 'drop_before', 'drop_after', 'stall',
                'truncate', 'bad_crc', 'malformed', 'empty_page', 'unprocessed',
                'signature_echo', 'oversize')
ALL_FAULTS = tuple(JSON_FAULTS) + OTHER_FAULTS
PAGED_ACTIONS = ('Scan', 'Query')

HOP_BY_HOP = {'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer',
              'transfer-encoding', 'upgrade', 'proxy-authorization',
              'proxy-authenticate'}

# headers a DynamoDB client is expected to sign; only host is enforced
EXPECTED_SIGNED = ('host', 'x-amz-date', 'x-amz-target')


def log(msg):
    sys.stderr.write('faultproxy: %s\n' % msg)
    sys.stderr.flush()


def action_of(target):
    """'DynamoDB_20120810.Scan' -> 'Scan'"""
    if not target:
        return '(none)'
    return target.rsplit('.', 1)[-1]


class AuthError(Exception):
    """A request DynamoDB would refuse: status, __type, message, and a
    longer reason for the stats (never containing a secret)."""

    def __init__(self, status, type_, message, reason=None):
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.reason = reason or message


class _SigV4KeepingAllHeaders(SigV4Auth):
    """botocore's SigV4Auth, except that headers_to_sign does not drop the
    headers botocore refuses to sign as a client (Expect, User-Agent,
    X-Amzn-Trace-Id).  Used only when the client did sign one of those; the
    canonical request, string to sign and signature are botocore's own."""

    def headers_to_sign(self, request):
        header_map = HTTPHeaders()
        for name, value in request.headers.items():
            header_map[name.lower()] = value
        return header_map


class IssuedKeys:
    """The temporary keys test/awsmeta.py issued, read from its GET /__issued.

    get(key) answers (secret, token, expiry epoch) for a key awsmeta issued,
    or None.  A key not seen yet makes it read the whole table again (a key
    is issued before any request is signed with it); what it read is kept,
    since awsmeta never changes an issued key."""

    def __init__(self, url):
        self.url = url.rstrip('/') + '/__issued'
        self.lock = threading.Lock()
        self.keys = {}

    def get(self, key):
        with self.lock:
            if key not in self.keys:
                try:
                    conn = http.client.HTTPConnection(
                        urllib.parse.urlsplit(self.url).netloc, timeout=5)
                    conn.request('GET', urllib.parse.urlsplit(self.url).path)
                    resp = conn.getresponse()
                    data = resp.read()
                    conn.close()
                    if resp.status == 200:
                        for k, c in json.loads(data).items():
                            self.keys[k] = (c['secret'], c['token'], float(c['expiry']))
                except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
                    log('could not read %s: %s' % (self.url, e))
            return self.keys.get(key)


class Verifier:
    """Checks SigV4 on received requests; raises AuthError.

    Accepts the static key (with session_token when one is configured) and,
    with issued (an IssuedKeys), every temporary key awsmeta issued: its
    session token must be sent, signed and equal, and after its expiry the
    request gets DynamoDB's ExpiredTokenException."""

    def __init__(self, access_key, secret_key, region, session_token=None,
                 max_skew=900, allow_absent=False, issued=None):
        self.access_key = access_key
        self.credentials = Credentials(access_key, secret_key)
        self.region = region
        self.session_token = session_token
        self.max_skew = max_skew
        self.allow_absent = allow_absent
        self.issued = issued

    @staticmethod
    def parse_authorization(value):
        algorithm, _, rest = value.strip().partition(' ')
        params = {}
        for part in rest.split(','):
            key, eq, val = part.strip().partition('=')
            if eq:
                params[key.strip()] = val.strip()
        return algorithm, params

    def verify(self, method, raw_path, headers, body):
        """Returns a dict of facts about a good request (signed headers,
        absent headers tolerated); raises AuthError otherwise."""
        auth = headers.get('Authorization')
        if not auth:
            raise AuthError(400, CORAL + 'MissingAuthenticationTokenException',
                            'Request is missing Authentication Token')
        algorithm, params = self.parse_authorization(auth)
        missing = ''.join("Authorization header requires '%s' parameter. " % p
                          for p in ('Credential', 'Signature', 'SignedHeaders')
                          if not params.get(p))
        amz_date = headers.get('X-Amz-Date')
        if not amz_date:
            missing += ("Authorization header requires existence of either a "
                        "'X-Amz-Date' or a 'Date' header. ")
        if missing:
            raise AuthError(400, CORAL + 'IncompleteSignatureException',
                            missing.strip())
        amz_date = amz_date.strip()
        try:
            when = datetime.datetime.strptime(amz_date, SIGV4_TIMESTAMP).replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            raise AuthError(400, CORAL + 'IncompleteSignatureException',
                            "Date must be in ISO-8601 'basic format'. Got '%s'. "
                            "See http://en.wikipedia.org/wiki/ISO_8601" % amz_date)
        if self.max_skew > 0:
            now = datetime.datetime.now(datetime.timezone.utc)
            fmt = lambda d: d.strftime(SIGV4_TIMESTAMP)
            skew = datetime.timedelta(seconds=self.max_skew)
            if when < now - skew:
                raise AuthError(400, CORAL + 'InvalidSignatureException',
                                'Signature expired: %s is now earlier than %s '
                                '(%s - %d min.)' % (amz_date, fmt(now - skew),
                                                    fmt(now), self.max_skew // 60))
            if when > now + skew:
                raise AuthError(400, CORAL + 'InvalidSignatureException',
                                'Signature not yet current: %s is still later '
                                'than %s (%s + %d min.)' % (amz_date, fmt(now + skew),
                                                            fmt(now), self.max_skew // 60))

        signed_list = params['SignedHeaders'].split(';')
        signed = set(signed_list)
        if 'host' not in signed:
            raise AuthError(400, CORAL + 'InvalidSignatureException',
                            "'Host' or ':authority' must be a 'SignedHeader' in "
                            "the AWS Authorization.")
        if algorithm != 'AWS4-HMAC-SHA256':
            raise AuthError(400, CORAL + 'IncompleteSignatureException',
                            "Unsupported AWS 'algorithm': '%s' (only "
                            "AWS4-HMAC-SHA256 for now). " % algorithm)
        credential = params['Credential']
        parts = credential.rstrip('/').split('/')
        if len(parts) != 5:
            raise AuthError(400, CORAL + 'IncompleteSignatureException',
                            "Credential must have exactly 5 slash-delimited "
                            "elements, e.g. keyid/date/region/service/term, got "
                            "'%s'" % credential)
        key_id, scope_date, scope_region, scope_service, term = parts
        msg = ''
        if scope_region != self.region:
            msg += "Credential should be scoped to a valid region, not '%s'. " % scope_region
        if scope_service != SERVICE:
            msg += "Credential should be scoped to correct service: '%s'. " % SERVICE
        if term != 'aws4_request':
            msg += ("Credential should be scoped with a valid terminator: "
                    "'aws4_request', not '%s'. " % term)
        if scope_date != amz_date[:8]:
            msg += ("Date in Credential scope does not match YYYYMMDD from "
                    "ISO-8601 version of date from HTTP: '%s' != '%s', from "
                    "'%s'." % (scope_date, amz_date[:8], amz_date))
        if msg:
            raise AuthError(400, CORAL + 'InvalidSignatureException', msg)
        credentials, want_token, expiry = self.credentials, self.session_token, None
        if key_id != self.access_key:
            temporary = self.issued.get(key_id) if self.issued else None
            if temporary is None:
                raise AuthError(400, CORAL + 'UnrecognizedClientException',
                                MSG_BAD_TOKEN,
                                'unknown access key %r' % key_id)
            secret, want_token, expiry = temporary
            credentials = Credentials(key_id, secret)

        present = {name.lower() for name in headers.keys()}
        absent = [h for h in signed_list if h not in present]
        if absent and not self.allow_absent:
            raise AuthError(400, CORAL + 'IncompleteSignatureException',
                            "'%s' is named as a SignedHeader, but it does not "
                            "exist in the HTTP request." % absent[0],
                            "'%s' is named as a SignedHeader, but it does not "
                            "exist in the HTTP request (SignedHeaders=%s)"
                            % (absent[0], params['SignedHeaders']))

        # Rebuild the request from what the client says it signed.
        host = headers.get('Host', '')
        request = AWSRequest(method=method, url='http://%s%s' % (host, raw_path),
                             data=body)
        for name, value in headers.items():
            if name.lower() in signed:
                request.headers[name] = value
        for name in absent:         # only with --allow-absent-signed-headers
            request.headers[name] = ''
        request.context['timestamp'] = amz_date
        signer_cls = (_SigV4KeepingAllHeaders if signed & set(SIGNED_HEADERS_BLACKLIST)
                      else SigV4Auth)
        signer = signer_cls(credentials, scope_service, scope_region)

        canonical = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical)
        expected = signer.signature(string_to_sign, request)
        rebuilt_list = signer.signed_headers(signer.headers_to_sign(request))
        if not hmac.compare_digest(expected, params['Signature']):
            reason = 'signature mismatch'
            if rebuilt_list != params['SignedHeaders']:
                reason += ('; SignedHeaders %r are not lower-case and sorted '
                           '(canonical %r)' % (params['SignedHeaders'], rebuilt_list))
            raise AuthError(400, CORAL + 'InvalidSignatureException',
                            MSG_BAD_SIGNATURE,
                            reason + '; canonical request was:\n' +
                            self._redact(canonical, want_token))

        sha_header = headers.get('X-Amz-Content-SHA256')
        if sha_header is not None and sha_header.strip() != hashlib.sha256(body).hexdigest():
            raise AuthError(400, CORAL + 'InvalidSignatureException',
                            "The provided 'x-amz-content-sha256' header does not "
                            "match what was computed.")

        token = headers.get('X-Amz-Security-Token')
        if token is not None and 'x-amz-security-token' not in signed:
            raise AuthError(400, CORAL + 'InvalidSignatureException',
                            "'X-Amz-Security-Token' must be a 'SignedHeader' in "
                            "the AWS Authorization.",
                            'X-Amz-Security-Token sent but not in SignedHeaders=%s'
                            % params['SignedHeaders'])
        if token is not None:
            token = token.strip()
        if token != want_token:
            why = ('session token missing' if token is None else
                   'session token sent but none configured' if want_token is None
                   else 'session token differs')
            if expiry is not None:
                why += ' (temporary key %s)' % key_id
            raise AuthError(400, CORAL + 'UnrecognizedClientException',
                            MSG_BAD_TOKEN, why)
        if expiry is not None and time.time() >= expiry:
            raise AuthError(400, CORAL + 'ExpiredTokenException', MSG_EXPIRED_TOKEN,
                            'temporary key %s expired %.0f s ago'
                            % (key_id, time.time() - expiry))
        return {'signed_headers': params['SignedHeaders'], 'absent': absent,
                'unsigned_expected': [h for h in EXPECTED_SIGNED if h not in signed],
                'temporary_key': key_id if expiry is not None else None}

    def _redact(self, canonical, token):
        if token:
            canonical = canonical.replace(token, '<token>')
        return re.sub(r'(?m)^(x-amz-security-token:).*$', r'\1<redacted>', canonical)


class FaultPlan:
    """The armed fault, shared by all handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self._set_off()

    def _set_off(self):
        self.spec = {'mode': 'off'}
        self.faults = ()
        self.count = None
        self.rate = None
        self.targets = None
        self.after = 0
        self.rng = None

    def configure(self, spec):
        if not isinstance(spec, dict):
            raise ValueError('control body must be a JSON object')
        mode = spec.get('mode')
        known = ('mode', 'count', 'rate', 'seed', 'faults', 'targets',
                 'seconds', 'close', 'after')
        unknown = sorted(set(spec) - set(known))
        if unknown:
            raise ValueError('unknown keys: %s' % ', '.join(unknown))
        if mode == 'off':
            with self.lock:
                self._set_off()
            return
        if mode == 'mix':
            faults = spec.get('faults')
            if not isinstance(faults, list) or not faults:
                raise ValueError('mode "mix" needs a non-empty "faults" list')
        elif mode in ALL_FAULTS:
            faults = [mode]
        else:
            raise ValueError('unknown mode %r; known: off, mix, %s'
                             % (mode, ', '.join(ALL_FAULTS)))
        for f in faults:
            if f not in ALL_FAULTS:
                raise ValueError('unknown fault %r' % (f,))
        count, rate = spec.get('count'), spec.get('rate')
        if count is not None and rate is not None:
            raise ValueError('give "count" or "rate", not both')
        if count is not None and (not isinstance(count, int) or count < 0):
            raise ValueError('"count" must be a non-negative integer')
        if rate is not None and (not isinstance(rate, (int, float)) or not 0 <= rate <= 1):
            raise ValueError('"rate" must be a number from 0 to 1')
        if count is None and rate is None:
            rate = 1.0
        targets = spec.get('targets')
        if targets is not None:
            if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
                raise ValueError('"targets" must be a list of action names')
            targets = {action_of(t) for t in targets}
        after = spec.get('after', 0)
        if not isinstance(after, int) or after < 0:
            raise ValueError('"after" must be a non-negative integer')
        seconds = spec.get('seconds', 30)
        if not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError('"seconds" must be a non-negative number')
        if spec.get('close', 'rst') not in ('rst', 'fin'):
            raise ValueError('"close" must be "rst" or "fin"')
        with self.lock:
            self.spec = dict(spec)
            self.faults = tuple(faults)
            self.count = count
            self.rate = rate
            self.targets = targets
            self.after = after
            self.rng = random.Random(spec.get('seed'))

    def describe(self):
        with self.lock:
            d = dict(self.spec)
            if self.count is not None:
                d['remaining'] = self.count
            return d

    def pick(self, action):
        """The fault for this request, or None.  Returns (fault, spec)."""
        with self.lock:
            if not self.faults:
                return None
            if self.targets is not None and action not in self.targets:
                return None
            eligible = [f for f in self.faults
                        if (f != 'empty_page' or action in PAGED_ACTIONS)
                        and (f != 'unprocessed' or action == 'BatchWriteItem')]
            if not eligible:
                return None
            if self.after > 0:
                self.after -= 1         # the first "after" requests pass
                return None
            if self.count is not None:
                if self.count <= 0:
                    return None
                self.count -= 1
            elif self.rng.random() >= self.rate:
                return None
            fault = eligible[0] if len(eligible) == 1 else self.rng.choice(eligible)
            return fault, self.spec

    def refund(self):
        """An armed empty_page that found nothing to empty gives its turn back."""
        with self.lock:
            if self.count is not None and self.faults:
                self.count += 1


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.stalls_active = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.requests = 0
            self.forwarded = 0
            self.upstream_errors = 0
            self.injected = {}
            self.signature_ok = 0
            self.signature_bad = 0
            self.bad_by_type = {}
            self.last_bad_reason = None
            self.by_action = {}
            self.signed_headers_seen = {}
            self.absent_signed_headers = {}
            self.unsigned_expected = {}
            self.stalls_aborted = 0
            self.empty_page_replayed = 0
            self.empty_page_skipped = 0
            self.temporary_ok = 0
            self.temporary_keys = {}

    def add(self, field, key=None, n=1):
        with self.lock:
            if key is None:
                setattr(self, field, getattr(self, field) + n)
            else:
                d = getattr(self, field)
                d[key] = d.get(key, 0) + n

    def bad(self, err):
        with self.lock:
            self.signature_bad += 1
            t = err.type.split('#')[-1]
            self.bad_by_type[t] = self.bad_by_type.get(t, 0) + 1
            self.last_bad_reason = '%s: %s' % (t, err.reason)

    def snapshot(self):
        with self.lock:
            return {
                'requests': self.requests,
                'forwarded': self.forwarded,
                'upstream_errors': self.upstream_errors,
                'injected': dict(self.injected),
                'injected_total': sum(self.injected.values()),
                'signature_ok': self.signature_ok,
                'signature_bad': self.signature_bad,
                'bad_by_type': dict(self.bad_by_type),
                'last_bad_reason': self.last_bad_reason,
                'by_action': dict(self.by_action),
                'signed_headers_seen': dict(self.signed_headers_seen),
                'absent_signed_headers': dict(self.absent_signed_headers),
                'unsigned_expected': dict(self.unsigned_expected),
                'stalls_active': self.stalls_active,
                'stalls_aborted': self.stalls_aborted,
                'empty_page_replayed': self.empty_page_replayed,
                'empty_page_skipped': self.empty_page_skipped,
                'temporary_ok': self.temporary_ok,
                'temporary_keys': len(self.temporary_keys),
            }


CC_KEY = b'"ConsumedCapacity":'
DECODER = json.JSONDecoder()


def consumed_capacity(body):
    """The top-level ConsumedCapacity of an answer body, or None.

    Parsing a megabyte Scan page costs the proxy milliseconds of CPU, under
    the GIL that every connection's thread shares; answers without the key
    are skipped, and the engines put it first or last among the top-level
    members, which is read without parsing the items.  A member counts as
    top-level only when it opens the body or its value ends right before
    the body's final brace (a nested one is followed by its own closing
    brackets); any other layout gets the full parse."""
    if b'"ConsumedCapacity"' not in body:
        return None
    head = body.lstrip()
    if head.startswith(b'{' + CC_KEY):
        text = head[1 + len(CC_KEY):1 + len(CC_KEY) + 65536].decode('utf-8', 'replace')
        try:
            value, at = DECODER.raw_decode(text)
            if text[at:at + 1] in (',', '}'):
                return value
        except ValueError:
            pass
    tail = body.rstrip()
    last = body.rfind(CC_KEY)
    if (tail.endswith(b'}') and last > 0 and body[last - 1:last] == b','
            and len(tail) - last < 65536):
        text = tail[last + len(CC_KEY):].decode('utf-8', 'replace')
        try:
            value, at = DECODER.raw_decode(text)
            if text[at:].strip() == '}':
                return value
        except ValueError:
            pass
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    return answer.get('ConsumedCapacity') if isinstance(answer, dict) else None


class CapacityLog:
    """The capacity each relayed answer consumed, and when: what a
    capacity budget is checked against."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = []

    def reset(self):
        with self.lock:
            self.entries = []

    def record(self, arrived, action, headers, body):
        for name, value in headers:
            if name.lower() == 'content-encoding' and value.lower() == 'gzip':
                try:
                    body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
                except zlib.error:
                    return
        cc = consumed_capacity(body)
        if not isinstance(cc, (dict, list)):
            return
        units = sum(c.get('CapacityUnits', 0) for c in (cc if isinstance(cc, list) else [cc]))
        with self.lock:
            self.entries.append({'t': arrived, 'answered': time.monotonic(),
                                 'action': action, 'units': units})

    def snapshot(self):
        with self.lock:
            return list(self.entries)


class EmptyPages:
    """Pages held back by the empty_page fault.  The client got an empty page
    whose LastEvaluatedKey is the real page's; when it asks for the next page
    from that key, it gets the held-back page (same key again), then
    pagination continues from dynalite.  No item is lost or repeated."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = {}

    @staticmethod
    def key(request, start_key):
        return (request.get('TableName'), request.get('IndexName'),
                request.get('Segment'), request.get('TotalSegments'),
                json.dumps(start_key, sort_keys=True))

    def put(self, key, response):
        with self.lock:
            self.pending[key] = response

    def take(self, key):
        with self.lock:
            return self.pending.pop(key, None)

    def clear(self):
        with self.lock:
            self.pending.clear()


class Proxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address, args):
        self.args = args
        self.upstream = urllib.parse.urlsplit(args.upstream)
        if self.upstream.scheme != 'http' or not self.upstream.hostname:
            raise SystemExit('faultproxy: --upstream must be an http:// URL')
        self.verifier = Verifier(args.access_key, args.secret_key, args.region,
                                 args.session_token, args.max_skew,
                                 args.allow_absent_signed_headers,
                                 IssuedKeys(args.awsmeta) if args.awsmeta else None)
        self.plan = FaultPlan()
        self.stats = Stats()
        self.capacity = CapacityLog()
        self.empty_pages = EmptyPages()
        self.stopping = threading.Event()
        self.latency = max(args.latency_ms, 0) / 1000.0
        super().__init__(address, Handler)

    def server_bind(self):
        # HTTPServer.server_bind resolves the host name (getfqdn), which can
        # hang without DNS; a loopback test proxy has no use for it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'faultproxy'

    def setup(self):
        super().setup()
        self.upstream = None
        self.upstream_used = 0.0

    def finish(self):
        try:
            super().finish()
        finally:
            if self.upstream is not None:
                self.upstream.close()

    def log_message(self, fmt, *args):
        if self.server.args.verbose:
            log('%s %s' % (self.address_string(), fmt % args))

    # ---- request plumbing ----------------------------------------------

    def read_body(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline().strip():    # trailers
                        pass
                    return b''.join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get('Content-Length') or 0))

    def send_body(self, status, body, headers, reason=None):
        self.send_response_only(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_aws_json(self, status, obj):
        body = json.dumps(obj, separators=(',', ':')).encode()
        self.send_body(status, body, [
            ('x-amzn-RequestId', uuid.uuid4().hex.upper()),
            ('x-amz-crc32', str(zlib.crc32(body))),
            ('Content-Type', AMZ_JSON),
            ('Date', self.date_time_string()),
        ])

    def send_aws_error(self, status, type_, message):
        self.send_aws_json(status, {'__type': type_, 'message': message})

    def send_control(self, status, obj):
        body = (json.dumps(obj, indent=1, sort_keys=True) + '\n').encode()
        self.send_body(status, body, [('Content-Type', 'application/json')])

    def drop(self, how):
        """Close the client connection without a response: a TCP reset
        (SO_LINGER 0) for "rst", an orderly close for "fin"."""
        self.close_connection = True
        if how == 'fin':
            return          # the server shuts the socket down after us
        sock = self.connection
        try:
            self.wfile.flush()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.rfile.close()      # drop makefile's reference so close() is real
            sock.close()
        except OSError:
            pass

    def upstream_exchange(self, body):
        """Forward the request; returns (status, reason, headers, body).
        One keep-alive connection per client connection; a reused connection
        that turns out to be closed by dynalite is retried once on a new one
        (nothing was applied then)."""
        headers = [(k, v) for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP
                   and k.lower() not in ('host', 'expect', 'content-length')]
        headers.append(('Content-Length', str(len(body))))
        for attempt in (1, 2):
            reused = self.upstream is not None
            if reused and time.monotonic() - self.upstream_used > 2.0:
                self.upstream.close()     # node closes idle sockets after 5 s
                self.upstream, reused = None, False
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(
                    self.server.upstream.hostname, self.server.upstream.port or 80,
                    timeout=self.server.args.upstream_timeout)
            conn = self.upstream
            try:
                conn.putrequest(self.command, self.path, skip_accept_encoding=True)
                for k, v in headers:
                    conn.putheader(k, v)
                conn.endheaders(body)
                resp = conn.getresponse()
                data = resp.read()
                self.upstream_used = time.monotonic()
                if resp.will_close:
                    conn.close()
                    self.upstream = None
                return resp.status, resp.reason, resp.getheaders(), data
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError):
                conn.close()
                self.upstream = None
                if attempt == 2 or not reused:
                    raise
            except Exception:
                conn.close()
                self.upstream = None
                raise

    def forward(self, body):
        """Forward and return the exchange; on upstream failure answer 502
        here and return None."""
        try:
            result = self.upstream_exchange(body)
        except (OSError, http.client.HTTPException) as e:
            self.server.stats.add('upstream_errors')
            log('upstream error: %s' % e)
            self.send_body(502, json.dumps({'__type': 'faultproxy#UpstreamError',
                                            'message': str(e)}).encode(),
                           [('Content-Type', 'application/json')])
            return None
        self.server.stats.add('forwarded')
        return result

    def relay(self, status, reason, headers, body, bad_crc=False, truncate=False):
        self.send_response_only(status, reason)
        for name, value in headers:
            lname = name.lower()
            if lname in HOP_BY_HOP or lname == 'content-length':
                continue
            if bad_crc and lname == 'x-amz-crc32':
                value = str((int(value) + 1) & 0xffffffff)
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if truncate:
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.wfile.write(body)

    def stall(self, seconds):
        """Wait, but give up as soon as the client goes away or the proxy
        stops.  True when the full time passed."""
        stats = self.server.stats
        stats.add('stalls_active')
        deadline = time.monotonic() + seconds
        sock = self.connection
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return True
                if self.server.stopping.is_set():
                    return False
                readable, _, _ = select.select([sock], [], [], min(0.2, left))
                if readable:
                    try:
                        peek = sock.recv(1, socket.MSG_PEEK)
                    except OSError:
                        return False
                    if not peek:
                        return False            # client closed
                    time.sleep(min(0.2, max(left, 0)))   # pipelined bytes
        finally:
            stats.add('stalls_active', n=-1)

    # ---- HTTP methods ------------------------------------------------------

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == '/__stats':
            self.send_control(200, self.server.stats.snapshot())
        elif path == '/__fault':
            self.send_control(200, self.server.plan.describe())
        elif path == '/__capacity':
            self.send_control(200, self.server.capacity.snapshot())
        else:
            result = self.forward(b'')      # DynamoDB's unauthenticated health check
            if result:
                self.relay(*result)

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith('/__'):
            self.control(path)
        else:
            self.dynamodb()

    def control(self, path):
        body = self.read_body()
        if path == '/__stats/reset':
            self.server.stats.reset()
            self.send_control(200, {'ok': True})
        elif path == '/__capacity/reset':
            self.server.capacity.reset()
            self.send_control(200, {'ok': True})
        elif path == '/__fault':
            try:
                spec = json.loads(body or b'{}')
                self.server.plan.configure(spec)
            except ValueError as e:
                self.send_control(400, {'ok': False, 'error': str(e)})
                return
            if spec.get('mode') == 'off':
                self.server.empty_pages.clear()
            log('fault armed: %s' % json.dumps(self.server.plan.describe(), sort_keys=True))
            self.send_control(200, {'ok': True, 'fault': self.server.plan.describe()})
        else:
            self.send_control(404, {'ok': False, 'error': 'unknown control path %s' % path})

    def dynamodb(self):
        srv = self.server
        stats = srv.stats
        body = self.read_body()
        if srv.latency > 0:
            # The network's round trip to a distant endpoint.  Each client
            # connection has its own thread, so waits on different
            # connections overlap, as requests in flight to DynamoDB do.
            time.sleep(srv.latency)
        arrived = time.monotonic()
        action = action_of(self.headers.get('X-Amz-Target'))
        stats.add('requests')
        stats.add('by_action', action)

        # signature_echo stands for a signature AWS rejected: it answers
        # before the proxy's own check, whatever the request carries.
        if srv.plan.describe().get('mode') == 'signature_echo':
            picked = srv.plan.pick(action)
            if picked is not None:
                stats.add('injected', 'signature_echo')
                log('%s: injecting signature_echo' % action)
                self.inject(action, body, picked, None)
                return
        try:
            facts = srv.verifier.verify(self.command, self.path, self.headers, body)
        except AuthError as err:
            stats.bad(err)
            log('%s rejected: %s' % (action, err.reason))
            self.send_aws_error(err.status, err.type, err.message)
            return
        stats.add('signature_ok')
        stats.add('signed_headers_seen', facts['signed_headers'])
        for h in facts['absent']:
            stats.add('absent_signed_headers', h)
        if facts['temporary_key']:
            stats.add('temporary_ok')
            stats.add('temporary_keys', facts['temporary_key'])
        for h in facts['unsigned_expected']:
            stats.add('unsigned_expected', h)
            log('%s: %s is not among the signed headers' % (action, h))

        request = None
        if action in PAGED_ACTIONS:
            try:
                request = json.loads(body)
            except ValueError:
                request = None
            if isinstance(request, dict) and request.get('ExclusiveStartKey'):
                held = srv.empty_pages.take(EmptyPages.key(request, request['ExclusiveStartKey']))
                if held:
                    stats.add('empty_page_replayed')
                    self.relay(*held)
                    return

        picked = srv.plan.pick(action)
        if picked is None:
            result = self.forward(body)
            if result:
                self.relay(*result)
                if result[0] == 200:
                    srv.capacity.record(arrived, action, result[2], result[3])
            return
        fault, spec = picked
        if fault != 'empty_page':
            stats.add('injected', fault)
            log('%s: injecting %s' % (action, fault))
        self.inject(action, body, picked, request)

    def inject(self, action, body, picked, request):
        srv = self.server
        stats = srv.stats
        fault, spec = picked
        if fault in JSON_FAULTS:
            self.send_aws_error(*JSON_FAULTS[fault])
        elif fault == 'error503_text':
            self.send_body(503, b'<html><body><h1>503 Service Unavailable</h1>'
                                b'</body></html>\n',
                           [('Content-Type', 'text/html')],
                           'Service Unavailable')
        elif fault == 'malformed':
            self.send_raw_malformed()
        elif fault == 'signature_echo':
            # AWS's InvalidSignatureException quotes the canonical request
            # it expected, security token header included.
            canonical = '\n'.join(['POST', '/', ''] +
                                  ['%s:%s' % (k.lower(), v.strip())
                                   for k, v in sorted(self.headers.items())
                                   if k.lower() in ('content-type', 'host', 'x-amz-date',
                                                    'x-amz-security-token', 'x-amz-target')])
            self.send_aws_error(400, CORAL + 'InvalidSignatureException',
                                MSG_BAD_SIGNATURE +
                                "\n\nThe Canonical String for this request should have been\n'" +
                                canonical + "'\n\nThe String-to-Sign should have been\n'" +
                                'AWS4-HMAC-SHA256\n' + self.headers.get('X-Amz-Date', '') + "'\n")
        elif fault == 'drop_before':
            self.drop(spec.get('close', 'rst'))
        elif fault == 'drop_after':
            if self.forward(body) is not None:     # applied by dynalite
                self.drop(spec.get('close', 'rst'))
        elif fault == 'stall':
            if self.stall(spec.get('seconds', 30)):
                result = self.forward(body)
                if result:
                    self.relay(*result)
            else:
                stats.add('stalls_aborted')
                self.close_connection = True
        elif fault in ('truncate', 'bad_crc'):
            result = self.forward(body)
            if result:
                self.relay(*result, bad_crc=(fault == 'bad_crc'),
                           truncate=(fault == 'truncate'))
        elif fault == 'empty_page':
            self.empty_page(request, body)
        elif fault == 'unprocessed':
            self.unprocessed(body)
        elif fault == 'oversize':
            self.send_oversize(spec.get('megabytes', 17))

    def send_oversize(self, megabytes):
        # a well-formed empty page, padded past what any client should take
        body = (b'{"Count":0,"Items":[],"ScannedCount":0,"Pad":"' +
                b'x' * (megabytes * 1024 * 1024) + b'"}')
        try:
            self.send_body(200, body, [
                ('x-amzn-RequestId', uuid.uuid4().hex.upper()),
                ('x-amz-crc32', str(zlib.crc32(body))),
                ('Content-Type', AMZ_JSON),
                ('Date', self.date_time_string()),
            ])
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True     # the client gave up, as it should

    def send_raw_malformed(self):
        body = b'{"Items": ['
        self.send_body(200, body, [
            ('x-amzn-RequestId', uuid.uuid4().hex.upper()),
            ('x-amz-crc32', str(zlib.crc32(body))),
            ('Content-Type', AMZ_JSON),
            ('Date', self.date_time_string()),
        ])

    def empty_page(self, request, body):
        srv = self.server
        result = self.forward(body)
        if not result:
            return
        status, reason, headers, data = result
        page = None
        if status == 200 and isinstance(request, dict):
            try:
                page = json.loads(data)
            except ValueError:
                page = None
        if not (isinstance(page, dict) and page.get('Items') and page.get('LastEvaluatedKey')):
            srv.plan.refund()
            srv.stats.add('empty_page_skipped')
            self.relay(*result)
            return
        srv.stats.add('injected', 'empty_page')
        log('%s: injecting empty_page' % action_of(self.headers.get('X-Amz-Target')))
        lek = page['LastEvaluatedKey']
        srv.empty_pages.put(EmptyPages.key(request, lek), result)
        empty = {'Count': 0, 'Items': [], 'LastEvaluatedKey': lek,
                 'ScannedCount': page.get('ScannedCount', page.get('Count', 0))}
        if 'ConsumedCapacity' in page:
            empty['ConsumedCapacity'] = page['ConsumedCapacity']
        self.send_aws_json(200, empty)


    def unprocessed(self, body):
        """Applies the first half of a BatchWriteItem, returns the rest."""
        try:
            request = json.loads(body)
            items = request['RequestItems']
        except (ValueError, KeyError, TypeError):
            result = self.forward(body)
            if result:
                self.relay(*result)
            return
        applied, left = {}, {}
        for table, writes in items.items():
            keep = len(writes) // 2
            if keep:
                applied[table] = writes[:keep]
            left[table] = writes[keep:]
        if applied:
            request['RequestItems'] = applied
            result = self.forward(json.dumps(request).encode())
            if result is None:
                return
            status, reason, headers, data = result
            if status != 200:
                self.relay(*result)
                return
            reply = json.loads(data)
            for table, writes in reply.get('UnprocessedItems', {}).items():
                left.setdefault(table, []).extend(writes)
        else:
            reply = {}
        reply['UnprocessedItems'] = left
        self.send_aws_json(200, reply)


def main(argv=None):
    p = argparse.ArgumentParser(description='SigV4-checking fault-injecting '
                                'proxy in front of dynalite')
    p.add_argument('--listen-host', default='127.0.0.1')
    p.add_argument('--listen-port', type=int, default=0,
                   help='0 picks a free port (printed on stdout)')
    p.add_argument('--upstream', required=True, help='dynalite URL, http://host:port')
    p.add_argument('--access-key', required=True)
    p.add_argument('--secret-key', required=True)
    p.add_argument('--region', default='us-east-1')
    p.add_argument('--session-token', default=None)
    p.add_argument('--awsmeta', default=None, metavar='URL',
                   help='test/awsmeta.py\'s endpoint: also accept the temporary '
                   'keys it issued (GET URL/__issued), each only with its session '
                   'token and until it expires')
    p.add_argument('--max-skew', type=int, default=900,
                   help='seconds X-Amz-Date may be off (0: no check)')
    p.add_argument('--allow-absent-signed-headers', action='store_true',
                   help='canonicalize a signed header that is not in the request '
                   'with an empty value instead of rejecting the request '
                   '(what libcurl < 8.3.0 computes for a suppressed "Expect:")')
    p.add_argument('--upstream-timeout', type=float, default=120)
    p.add_argument('--latency-ms', type=float, default=0, metavar='N',
                   help='add N milliseconds to every DynamoDB request, once, '
                   'before it is checked, forwarded or answered (a distant '
                   'endpoint); requests on different connections wait at '
                   'the same time')
    p.add_argument('--verbose', action='store_true', help='log every request')
    args = p.parse_args(argv)

    server = Proxy((args.listen_host, args.listen_port), args)

    def stop(signum, frame):
        server.stopping.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print('faultproxy listening on %d' % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        server.stopping.set()
        server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
