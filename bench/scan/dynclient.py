"""
bench/scan/dynclient.py — a minimal signed DynamoDB client for the benchmark.

One keep-alive HTTP/1.1 connection (http.client), requests signed with
botocore's SigV4Auth (dynalite does not check signatures, but the client
pays for signing as a real one would), the response body returned as raw
bytes: nothing is parsed unless the caller asks.  Used by load.py (which
parses the small BatchWriteItem replies) and raw_scan.py (which parses
only LastEvaluatedKey and Count).

Also: the shape of the ActingWeb attributes items; the measuring (CPU
seconds from /proc, the result line) comes from bench/measure.py and is
re-exported here for the scripts.

Run with Debian's /usr/bin/python3 (python3-boto3 provides botocore).
"""

import http.client
import json
import os
import sys
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from measure import (PerfRecord, Sampler, cpu_delta, fmt, now, process_cpu,  # noqa: E402,F401
                     reset_hwm, result_line, status)

TARGET = 'DynamoDB_20120810.'
AMZ_JSON = 'application/x-amz-json-1.0'
# dynalite does not check signatures; any key signs.
ACCESS_KEY = 'AKIDBENCHSCAN'
SECRET_KEY = 'bench-scan-secret'
REGION = 'us-east-1'


class DynamoError(Exception):
    pass


class Connection:
    """One keep-alive connection to a DynamoDB endpoint."""

    def __init__(self, endpoint, timeout=600):
        u = urllib.parse.urlsplit(endpoint)
        self.host = u.hostname
        self.port = u.port or 80
        self.url = endpoint.rstrip('/') + '/'
        self.timeout = timeout
        self.auth = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), 'dynamodb', REGION)
        self.conn = None
        self.requests = 0
        self.bytes = 0

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.connect()

    def call_raw(self, action, body):
        """POSTs one signed request; returns the body bytes (HTTP 200) or
        raises DynamoError.  body: bytes."""
        req = AWSRequest(method='POST', url=self.url, data=body,
                         headers={'Content-Type': AMZ_JSON,
                                  'X-Amz-Target': TARGET + action})
        self.auth.add_auth(req)
        headers = dict(req.headers.items())
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request('POST', '/', body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # the server closed an idle keep-alive connection: once more
                self.close()
                if attempt == 2:
                    raise
        self.requests += 1
        self.bytes += len(data)
        if resp.status != 200:
            raise DynamoError('%s: HTTP %d: %s' % (action, resp.status, data[:500]))
        return data

    def call(self, action, payload):
        """A request from a dict, the reply parsed (small replies only)."""
        return json.loads(self.call_raw(action, json.dumps(payload, separators=(',', ':')).encode()))

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
