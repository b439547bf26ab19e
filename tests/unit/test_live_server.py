"""The browser tests' server closes a response body the server abandoned."""

import gc

from tests.conftest import closing_body


class Body:
    def __init__(self):
        self.closed = False

    def __iter__(self):
        yield b"one"
        yield b"two"

    def close(self):
        self.closed = True


def test_a_body_abandoned_mid_response_is_closed():
    body = Body()
    app = closing_body(lambda environ, start_response: body)

    chunks = app({}, lambda status, headers: None)
    assert next(chunks) == b"one"
    del chunks  # the server gave up after a dropped connection, without close()
    gc.collect()

    assert body.closed


def test_a_body_sent_whole_is_closed_once_and_unchanged():
    body = Body()
    app = closing_body(lambda environ, start_response: body)

    assert b"".join(app({}, lambda status, headers: None)) == b"onetwo"
    assert body.closed
