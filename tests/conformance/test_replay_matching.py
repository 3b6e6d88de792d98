"""What makes two requests the same request in a replay, and what a cassette may hold."""

from __future__ import annotations

import urllib3.filepost
from assistant_conformance.redact import find_keylike
from assistant_conformance.replay import OTHER_KEY, RUN_KEY, make_vcr, request_meaning, seeded_boundaries
from vcr.request import Request

#: Shaped like a Pinecone key but made up; assembled at run time so no key-shaped literal is stored.
FAKE_KEYLIKE = "pcsk" + "_4x8Qa1LkTw9" + "ZmN2pRb7Yv"

KEY = "fake_key_replay_matching_0123"
URL = "http://127.0.0.1:8765/assistant/chat/conf-1?x=1"


def _scrubbed(headers: dict[str, str], body: bytes = b'{"a": 1, "b": 2}', url: str = URL) -> Request:
    """A request as the recorder sees it when the run's key is ``KEY``."""
    hook = make_vcr("none", [KEY])._build_before_record_request({})
    return hook(Request("POST", url, body, {"Content-Type": "application/json", **headers}))


def test_the_key_header_becomes_a_marker_of_which_key_was_sent_never_its_value():
    assert _scrubbed({"Api-Key": KEY}).headers["Api-Key"] == RUN_KEY
    assert _scrubbed({"Api-Key": "not-the-run-key"}).headers["Api-Key"] == OTHER_KEY
    assert "Api-Key" not in _scrubbed({}).headers
    # A marker read back from a cassette stays what it was.
    assert _scrubbed({"Api-Key": RUN_KEY}).headers["Api-Key"] == RUN_KEY


def test_a_request_without_a_key_never_matches_one_with_the_run_key_or_another_key():
    with_key = request_meaning(_scrubbed({"Api-Key": KEY}))
    without = request_meaning(_scrubbed({}))
    wrong = request_meaning(_scrubbed({"Api-Key": "not-the-run-key"}))
    assert len({with_key, without, wrong}) == 3
    assert request_meaning(_scrubbed({"Api-Key": KEY})) == with_key


def test_the_version_header_is_part_of_the_match():
    plain = request_meaning(_scrubbed({"Api-Key": KEY, "X-Pinecone-Api-Version": "2026-04"}))
    other = request_meaning(_scrubbed({"Api-Key": KEY, "X-Pinecone-Api-Version": "2025-10"}))
    missing = request_meaning(_scrubbed({"Api-Key": KEY}))
    assert len({plain, other, missing}) == 3


def test_json_bodies_match_by_value_and_other_bodies_byte_for_byte():
    spaced = request_meaning(_scrubbed({}, b'{"b": 2, "a": 1}'))
    assert spaced == request_meaning(_scrubbed({}, b'{"a":1,"b":2}'))
    assert spaced != request_meaning(_scrubbed({}, b'{"a": 1, "b": 3}'))
    assert request_meaning(_scrubbed({}, b"{not json")) != request_meaning(_scrubbed({}, b"{not  json"))


def test_query_and_path_are_part_of_the_match_but_not_the_order_of_query_parameters():
    base = request_meaning(_scrubbed({}, url=URL + "&y=2"))
    assert base == request_meaning(_scrubbed({}, url=URL.replace("?x=1", "?y=2&x=1")))
    assert base != request_meaning(_scrubbed({}, url=URL + "&y=3"))
    assert base != request_meaning(_scrubbed({}, url=URL.replace("conf-1", "conf-2") + "&y=2"))


def test_multipart_boundaries_declared_in_the_content_type_do_not_count():
    def multipart(boundary: str, text: str) -> tuple:
        body = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=file\r\n\r\n{text}\r\n--{boundary}--\r\n"
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        hook = make_vcr("none", [KEY])._build_before_record_request({})
        return request_meaning(hook(Request("PUT", URL, body.encode(), headers)))

    assert multipart("aaaa1111", "hello") == multipart("bbbb2222", "hello")
    assert multipart("aaaa1111", "hello") != multipart("aaaa1111", "hellO")


def test_the_key_is_scrubbed_from_urls_and_bodies():
    scrubbed = _scrubbed({"Api-Key": KEY}, f'{{"echo": "{KEY}"}}'.encode(), URL + f"&k={KEY}")
    assert KEY not in scrubbed.uri
    assert KEY.encode() not in scrubbed.body


def test_multipart_boundaries_follow_the_seed():
    def draw(seed: int) -> list[str]:
        with seeded_boundaries(seed):
            return [urllib3.filepost.choose_boundary() for _ in range(3)]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)
    assert len(set(draw(7))) == 3
    assert urllib3.filepost.choose_boundary() != urllib3.filepost.choose_boundary()


def test_key_shapes_are_found_and_described_without_their_value():
    found = find_keylike('{"x": "' + FAKE_KEYLIKE + '"}')
    assert found is not None
    assert "4x8Q" not in found
    assert find_keylike("Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345") is not None
    assert find_keylike('{"api_key": "[REDACTED:run-key]", "name": "conf-1a2b"}') is None
