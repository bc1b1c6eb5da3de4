#!/usr/bin/python3
"""tlsfront.py - test fronts for awstore's TLS and proxy paths.

Modes (one per process):

  tls      terminate TLS with --cert/--key and relay the plain bytes to
           --upstream host:port (dynalite, or the fault proxy so that its
           faults happen over TLS).  When either side closes, both close:
           a connection the fault proxy drops is dropped over TLS too.
  plain    relay the bytes as they come to --upstream, without TLS: the
           same path as tls but for the encryption (bench/scan measures
           a scan over TLS against one over plain http through it).
  stall    accept TCP connections and never answer the TLS handshake
           (to cancel a statement during a handshake).
  connect  an HTTP proxy that answers CONNECT host:port by opening a
           tunnel (how libcurl reaches an https:// endpoint through a
           proxy).  Only loopback targets are allowed.

Every accepted connection (tls: every completed handshake; plain: every
connection; connect: every tunnel) adds one to the count kept in --count-file, which tests read to see
that connections are reused.

Listens on 127.0.0.1 --port (0: a free one); writes the port to
--port-file once listening.  Stops on SIGTERM.
"""
import argparse
import os
import select
import signal
import socket
import ssl
import sys
import threading

lock = threading.Lock()
count = 0


def bump(path):
    global count
    with lock:
        count += 1
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % count)
        os.replace(tmp, path)


def relay(a, b):
    """Copies bytes both ways until one side closes; then closes both."""
    socks = [a, b]
    try:
        while True:
            ready, _, _ = select.select(socks, [], [], 120)
            if not ready:
                return
            for s in ready:
                # an SSL socket may hold decrypted bytes select cannot see
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
                while isinstance(s, ssl.SSLSocket) and s.pending():
                    more = s.recv(65536)
                    if not more:
                        return
                    (b if s is a else a).sendall(more)
    except (OSError, ssl.SSLError):
        return
    finally:
        for s in socks:
            try:
                s.close()
            except OSError:
                pass


def serve_relay(conn, args, context):
    """tls (context given) and plain: relay a connection to --upstream."""
    if context:
        try:
            conn = context.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()
            return
    bump(args.count_file)
    host, port = args.upstream.rsplit(':', 1)
    try:
        up = socket.create_connection((host, int(port)))
    except OSError:
        conn.close()
        return
    relay(conn, up)


def serve_stall(conn, args):
    bump(args.count_file)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass
    conn.close()


def serve_connect(conn, args):
    try:
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = conn.recv(4096)
            if not chunk:
                conn.close()
                return
            head += chunk
        line = head.split(b'\r\n', 1)[0].decode('latin-1').split()
        if len(line) < 2 or line[0] != 'CONNECT':
            conn.sendall(b'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n')
            conn.close()
            return
        host, port = line[1].rsplit(':', 1)
        if host not in ('127.0.0.1', 'localhost', '[::1]'):
            conn.sendall(b'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')
            conn.close()
            return
        up = socket.create_connection(('127.0.0.1', int(port)))
    except (OSError, ValueError):
        conn.close()
        return
    bump(args.count_file)
    conn.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
    relay(conn, up)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('mode', choices=('tls', 'plain', 'stall', 'connect'))
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--port-file', required=True)
    p.add_argument('--count-file', required=True)
    p.add_argument('--cert')
    p.add_argument('--key')
    p.add_argument('--upstream')
    args = p.parse_args()

    context = None
    if args.mode == 'tls':
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', args.port))
    listener.listen(64)
    with open(args.count_file, 'w') as f:
        f.write('0\n')
    with open(args.port_file, 'w') as f:
        f.write('%d\n' % listener.getsockname()[1])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    while True:
        conn, _ = listener.accept()
        if args.mode in ('tls', 'plain'):
            target, extra = serve_relay, (args, context)
        elif args.mode == 'stall':
            target, extra = serve_stall, (args,)
        else:
            target, extra = serve_connect, (args,)
        threading.Thread(target=target, args=(conn,) + extra, daemon=True).start()


if __name__ == '__main__':
    sys.exit(main())
