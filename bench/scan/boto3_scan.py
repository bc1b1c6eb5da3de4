#!/usr/bin/python3
"""
bench/scan/boto3_scan.py — boto3 scanning a table, items kept as boto3
gives them (Debian's python3-boto3).

--mode client: the low-level client's paginator,
    client.get_paginator('scan').paginate(TableName=...); items are the
    typed dicts botocore parses ({'id': {'S': '...'}, ...}).
--mode resource: boto3.resource('dynamodb').Table(...).scan(), paging by
    LastEvaluatedKey by hand; items deserialized to Python values by
    boto3's TypeDeserializer (strings, Decimal), as the resource does.

Each item is touched (counted) and dropped with its page.  Prints one
result line as raw_scan.py does.
"""

import argparse
import sys
import time

import boto3
import botocore.config

import dynclient


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--table', required=True)
    ap.add_argument('--mode', choices=('client', 'resource'), default='client')
    ap.add_argument('--server-pid', type=int)
    args = ap.parse_args()

    session = boto3.session.Session(aws_access_key_id=dynclient.ACCESS_KEY,
                                    aws_secret_access_key=dynclient.SECRET_KEY,
                                    region_name=dynclient.REGION)
    config = botocore.config.Config(retries={'max_attempts': 3, 'mode': 'standard'},
                                    read_timeout=600)
    items = pages = 0
    if args.mode == 'client':
        client = session.client('dynamodb', endpoint_url=args.endpoint, config=config)
        client.describe_table(TableName=args.table)		# connection and endpoint set up
        server_cpu = dynclient.process_cpu(args.server_pid)
        cpu0 = time.process_time()
        t0 = dynclient.now()
        for page in client.get_paginator('scan').paginate(TableName=args.table):
            pages += 1
            for item in page['Items']:
                items += 1
    else:
        table = session.resource('dynamodb', endpoint_url=args.endpoint,
                                 config=config).Table(args.table)
        table.load()
        server_cpu = dynclient.process_cpu(args.server_pid)
        cpu0 = time.process_time()
        t0 = dynclient.now()
        kw = {}
        while True:
            page = table.scan(**kw)
            pages += 1
            for item in page['Items']:
                items += 1
            if 'LastEvaluatedKey' not in page:
                break
            kw['ExclusiveStartKey'] = page['LastEvaluatedKey']
    secs = dynclient.now() - t0
    client_cpu = time.process_time() - cpu0
    server_cpu = dynclient.cpu_delta(args.server_pid, server_cpu)
    print(dynclient.result_line(items=items, pages=pages, seconds=secs,
                                items_per_s=items / secs, client_cpu=client_cpu,
                                server_cpu=server_cpu))


if __name__ == '__main__':
    sys.exit(main())
