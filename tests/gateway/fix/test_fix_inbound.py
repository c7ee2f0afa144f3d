"""InboundWatch: which sockets it watches, and whether it sees input QuickFIX has not read."""

import socket
import time

import pytest

from gateway.fix.inbound import PROC_FDS, InboundWatch

pytestmark = pytest.mark.skipif(not PROC_FDS.is_dir(), reason="needs /proc/self/fd (Linux)")


def listening() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


def connected(server: socket.socket) -> tuple[socket.socket, socket.socket]:
    client = socket.create_connection(server.getsockname())
    accepted, _ = server.accept()
    return client, accepted


def settle() -> None:
    time.sleep(0.05)  # loopback delivery


def test_watches_the_connections_accepted_on_the_ports_and_sees_unread_input():
    server, elsewhere = listening(), listening()
    port = server.getsockname()[1]
    watch = InboundWatch()
    try:
        assert watch.track({port}) == 0  # the listening socket has no peer
        client, accepted = connected(server)
        other_client, other_accepted = connected(elsewhere)  # another port: not watched
        assert watch.track({port}) == 1
        assert watch.track({port}) == 0  # already watched
        assert not watch.waiting()

        other_client.sendall(b"ignored")
        client.sendall(b"8=FIX.4.4\x01")  # the client's side of a connection is never watched
        settle()
        assert watch.waiting()
        accepted.recv(100)  # QuickFIX reads it
        assert not watch.waiting()

        client.sendall(b"more")
        settle()
        assert watch.waiting()
        accepted.close()  # the connection closes with input unread: its registration goes with it
        assert not watch.waiting()
        for s in (client, other_client, other_accepted):
            s.close()
    finally:
        watch.close()
        server.close()
        elsewhere.close()


def test_a_descriptor_number_reused_after_a_close_is_not_watched_until_tracked():
    server = listening()
    port = server.getsockname()[1]
    watch = InboundWatch()
    try:
        first_client, first = connected(server)
        assert watch.track({port}) == 1
        number = first.fileno()
        second_client = socket.create_connection(server.getsockname())
        first.close()
        second, _ = server.accept()  # the lowest free number: the one just closed
        assert second.fileno() == number
        second_client.sendall(b"x")
        settle()
        assert not watch.waiting()  # a new socket under the old number is not in the set
        assert watch.track({port}) == 1
        assert watch.waiting()
        for s in (first_client, second_client, second):
            s.close()
    finally:
        watch.close()
        server.close()
