"""C2SP signed notes, keys, checkpoints and cosignatures: public vectors, then round trips."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutual.core.merkle import MerkleProofError, verify_consistency
from mutual.core.notes import (
    COSIGNATURE_V1,
    ED25519,
    MAX_SIGNATURES,
    Checkpoint,
    CheckpointError,
    Note,
    NoteError,
    NoteKeyError,
    NoteSignature,
    SignerKey,
    VerifierKey,
    cosignature_key,
    cosignature_message,
    cosignature_timestamp,
    format_checkpoint_body,
    format_note,
    format_signature_line,
    format_signer_key,
    format_verifier_key,
    is_valid_key_name,
    key_id,
    open_checkpoint,
    open_note,
    parse_checkpoint_body,
    parse_note,
    parse_signature_line,
    parse_signer_key,
    parse_verifier_key,
    sign_cosignature,
    sign_note,
    signer_key_from_seed,
    verifier_key,
    verifier_key_of,
    verify_cosignature,
)

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"


def _load(relative: str) -> Any:
    """A vector file; a missing vector set fails collection, never skips."""
    path = VECTORS / relative
    if not path.is_file():
        raise FileNotFoundError(f"missing vector file {path}: is ../shared checked out?")
    return json.loads(path.read_text(encoding="utf-8"))


NOTES = _load("signed-note/notes.json")
KEYS = _load("signed-note/keys.json")
UPSTREAM = _load("signed-note/notes-upstream.json")
CHECKPOINTS = _load("checkpoint/checkpoints.json")
EXAMPLES = _load("c2sp-examples/examples.json")
WITNESS = _load("tlog-witness/witness.json")

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
VALID_KEYS = [entry for entry in KEYS["keys"] if entry["valid"]]
INVALID_KEYS = [entry for entry in KEYS["keys"] if not entry["valid"]]


def _names(signatures: list[NoteSignature]) -> list[str]:
    return [sig.name for sig in signatures]


# --- signed-note/notes.json ----------------------------------------------------------------


@pytest.mark.parametrize("case", NOTES["notes"], ids=lambda c: f"{c['key_id_hex']}-{c['valid']}")
def test_notes_vector(case: dict[str, Any]) -> None:
    """Each note opens under its key exactly when valid, and its key id follows the rule."""
    vk = parse_verifier_key(case["verifier_key"])
    assert vk.key_id.hex() == case["key_id_hex"]
    assert key_id(vk.name, ED25519, vk.public_key).hex() == case["key_id_hex"]
    assert format_note(parse_note(case["note"])) == case["note"]
    if case["valid"]:
        note, verified, unverified = open_note(case["note"], [vk])
        assert note.text == case["text"]
        assert _names(verified) == [vk.name]
        assert unverified == []
    else:
        with pytest.raises(NoteError) as caught:
            open_note(case["note"], [vk])
        assert caught.value.kind == "invalid_signature"
    if case["signer_key"] is not None:
        signer = parse_signer_key(case["signer_key"])
        assert verifier_key_of(signer) == vk
        assert format_note(Note(case["text"], (sign_note(case["text"], signer),))) == case["note"]


# --- signed-note/keys.json -----------------------------------------------------------------


@pytest.mark.parametrize("entry", VALID_KEYS, ids=lambda e: e["name"])
def test_valid_keys_vector(entry: dict[str, Any]) -> None:
    """Valid vkeys and signer keys parse to the listed fields and format back byte for byte."""
    public_key = base64.b64decode(entry["public_key_b64"])
    if "vkey" in entry:
        vk = parse_verifier_key(entry["vkey"])
        assert (vk.name, vk.key_id.hex(), vk.sig_type, vk.public_key) == (
            entry["name"],
            entry["key_id_hex"],
            entry["sig_type"],
            public_key,
        )
        assert format_verifier_key(vk) == entry["vkey"]
        assert key_id(vk.name, vk.sig_type, public_key).hex() == entry["key_id_hex"]
    if entry.get("signer_key"):
        signer = parse_signer_key(entry["signer_key"])
        assert format_signer_key(signer) == entry["signer_key"]
        derived = verifier_key_of(signer)
        assert (derived.name, derived.key_id.hex(), derived.public_key) == (
            entry["name"],
            entry["key_id_hex"],
            public_key,
        )
        if "vkey" in entry:
            assert format_verifier_key(derived) == entry["vkey"]


@pytest.mark.parametrize("entry", INVALID_KEYS, ids=lambda e: e["why"])
def test_invalid_keys_vector(entry: dict[str, Any]) -> None:
    """Every invalid vkey of the vector set is refused."""
    with pytest.raises(NoteKeyError):
        parse_verifier_key(entry["vkey"])


def test_proper_substrings_and_increments_of_a_vkey_are_refused() -> None:
    """No proper substring and no single-character increment of a valid vkey is accepted."""
    parse_verifier_key(PETER_VKEY)
    for begin in range(len(PETER_VKEY)):
        for end in range(begin + 1, len(PETER_VKEY) + 1):
            if (begin, end) == (0, len(PETER_VKEY)):
                continue
            with pytest.raises(NoteKeyError):
                parse_verifier_key(PETER_VKEY[begin:end])
    for position, char in enumerate(PETER_VKEY):
        mangled = PETER_VKEY[:position] + chr(ord(char) + 1) + PETER_VKEY[position + 1 :]
        with pytest.raises(NoteKeyError):
            parse_verifier_key(mangled)


def test_cosignature_form_of_an_ed25519_vkey() -> None:
    """An Ed25519 witness vkey converts to its type 0x04 form with the type 0x04 key id."""
    (entry,) = [e for e in VALID_KEYS if "as_cosignature_v1_vkey" in e]
    cosigner = cosignature_key(parse_verifier_key(entry["vkey"]))
    assert format_verifier_key(cosigner) == entry["as_cosignature_v1_vkey"]
    assert parse_verifier_key(entry["as_cosignature_v1_vkey"]) == cosigner
    assert cosigner.sig_type == COSIGNATURE_V1


@pytest.mark.parametrize(
    "text",
    [
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+C74F20A3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PUBLIC+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3",
        PETER_VKEY,
    ],
)
def test_bad_signer_keys_are_refused(text: str) -> None:
    """Truncated, mislabelled, wrong-id and wrong-name signer keys are refused."""
    with pytest.raises(NoteKeyError):
        parse_signer_key(text)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\tb", "a\u00a0b", "a\u2003b", "a\x01b"])
def test_bad_key_names_are_refused(name: str) -> None:
    """Empty names and names with spaces, "+" or control characters are refused everywhere."""
    assert not is_valid_key_name(name)
    with pytest.raises(NoteKeyError):
        signer_key_from_seed(name, bytes(32))
    with pytest.raises(NoteError):
        NoteSignature(name, bytes(4), b"x")


def test_key_dataclasses_check_their_key_id() -> None:
    """A key built by hand with a wrong key id or type is refused, and seeds never print."""
    signer = signer_key_from_seed("example.org/w", bytes(range(32)))
    vk = verifier_key_of(signer)
    with pytest.raises(NoteKeyError):
        VerifierKey(vk.name, bytes(4), vk.sig_type, vk.public_key)
    with pytest.raises(NoteKeyError):
        VerifierKey(vk.name, vk.key_id, 0x02, vk.public_key)
    with pytest.raises(NoteKeyError):
        SignerKey(signer.name, bytes(4), signer.sig_type, signer.seed)
    assert signer.seed.hex() not in repr(signer)
    assert verifier_key(vk.name, vk.public_key) == vk


# --- signed-note/notes-upstream.json -------------------------------------------------------


@pytest.mark.parametrize("case", UPSTREAM["open_cases"], ids=lambda c: c["desc"][:48])
def test_open_cases_vector(case: dict[str, Any]) -> None:
    """Opening each upstream note gives the expected verified and unverified signers or error."""
    data: str | bytes = case["note"] if "note" in case else bytes.fromhex(case["note_hex"])
    known = [parse_verifier_key(text) for text in case["verifier_keys"]]
    if case["expect"] == "ok":
        note, verified, unverified = open_note(data, known)
        assert _names(verified) == case["verified"]
        assert _names(unverified) == case["unverified"]
        assert isinstance(data, str)
        assert format_note(note) == data
    else:
        kind = case["expect"].removeprefix("error:")
        with pytest.raises(NoteError) as caught:
            open_note(data, known)
        assert caught.value.kind == kind
        if kind == "malformed":
            with pytest.raises(NoteError):
                parse_note(data)


@pytest.mark.parametrize("case", UPSTREAM["sign_cases"], ids=lambda c: c["desc"])
def test_sign_cases_vector(case: dict[str, Any]) -> None:
    """Signing reproduces the upstream signature line, and refuses text without a final newline."""
    signer = parse_signer_key(case["signer_key"])
    if "want_signature_line" in case:
        assert format_signature_line(sign_note(case["text"], signer)) == case["want_signature_line"]
    else:
        with pytest.raises(NoteError) as caught:
            sign_note(case["text"], signer)
        assert caught.value.kind == case["expect"].removeprefix("error:")


def test_upstream_file_has_only_known_sections() -> None:
    """The upstream notes file holds only the open and sign cases exercised here."""
    assert set(UPSTREAM) == {"about", "open_cases", "sign_cases"}


# --- checkpoint/checkpoints.json -----------------------------------------------------------


@pytest.mark.parametrize("case", CHECKPOINTS["signed"], ids=lambda c: c["desc"][:48])
def test_signed_checkpoints_vector(case: dict[str, Any]) -> None:
    """Each signed checkpoint opens under its log key, or fails for the listed reason."""
    log_key = parse_verifier_key(case["log_vkey"])
    text = case["checkpoint"]
    if case["expect"] != "ok":
        with pytest.raises(CheckpointError) as caught:
            open_checkpoint(text, case["expected_origin"], log_key)
        assert caught.value.kind == case["expect"].removeprefix("error:")
        return
    origin = parse_checkpoint_body(parse_note(text).text).origin
    checkpoint, note = open_checkpoint(text, origin, log_key)
    assert format_note(note) == text
    assert format_checkpoint_body(checkpoint) == note.text
    if "size" in case:
        assert (checkpoint.origin, checkpoint.size) == (case["origin"], case["size"])
        assert checkpoint.root == base64.b64decode(case["root_b64"])
    others = [parse_verifier_key(vkey) for vkey in case.get("other_vkeys", [])]
    _, verified, unverified = open_note(text, [log_key])
    assert _names(verified) == [log_key.name]
    assert _names(unverified) == [vk.name for vk in others]
    if others:
        _, verified, unverified = open_note(text, [log_key, *others])
        assert _names(verified) == [log_key.name] + [vk.name for vk in others]
        assert unverified == []
    if "log_signer_key" in case:
        signer = parse_signer_key(case["log_signer_key"])
        assert format_note(Note(note.text, (sign_note(note.text, signer),))) == text


@pytest.mark.parametrize("case", CHECKPOINTS["consistency"], ids=lambda c: c["desc"])
def test_checkpoint_consistency_vector(case: dict[str, Any]) -> None:
    """The witness test's consistency proof between the monkeys checkpoints verifies."""
    proof = [bytes.fromhex(item) for item in case["proof_hex"]]
    root1, root2 = base64.b64decode(case["root1_b64"]), base64.b64decode(case["root2_b64"])
    assert case["want_valid"]
    verify_consistency(case["size1"], case["size2"], root1, root2, proof)


@pytest.mark.parametrize("case", CHECKPOINTS["body_format"], ids=lambda c: c["desc"][:48])
def test_checkpoint_body_format_vector(case: dict[str, Any]) -> None:
    """The sumdb tree body formats and parses exactly; hex sizes and bad roots are refused."""
    if case.get("expect") == "error":
        with pytest.raises(CheckpointError):
            parse_checkpoint_body(case["body"])
        return
    checkpoint = Checkpoint(case["origin"], case["size"], base64.b64decode(case["root_b64"]))
    assert format_checkpoint_body(checkpoint) == case["body"]
    assert parse_checkpoint_body(case["body"]) == checkpoint


PARSE_BODY = CHECKPOINTS["parse_body"]
STRICT_CASES = PARSE_BODY["cases"] + PARSE_BODY["strict_extra"]["cases"]


@pytest.mark.parametrize("case", STRICT_CASES, ids=lambda c: c["desc"][:48])
def test_checkpoint_strict_parse_vector(case: dict[str, Any]) -> None:
    """Bodies parse under the strict C2SP reading exactly when the vector says so."""
    if case["want_error_strict"]:
        with pytest.raises(CheckpointError):
            parse_checkpoint_body(case["body"])
    else:
        assert format_checkpoint_body(parse_checkpoint_body(case["body"])) == case["body"]


@pytest.mark.parametrize("case", PARSE_BODY["marshal"], ids=lambda c: c["origin"])
def test_checkpoint_marshal_placeholders_are_refused(case: dict[str, Any]) -> None:
    """Upstream's marshal cases use short placeholder roots, which a strict checkpoint refuses."""
    with pytest.raises(CheckpointError):
        Checkpoint(case["origin"], case["size"], bytes.fromhex(case["root_hex"]))
    with pytest.raises(CheckpointError):
        parse_checkpoint_body(case["want"])


@pytest.mark.parametrize(
    "fields",
    [
        ("", 1, bytes(32), ()),
        ("a", -1, bytes(32), ()),
        ("a", 2**64, bytes(32), ()),
        ("a", 1, bytes(31), ()),
        ("a", 1, bytes(32), ("",)),
        ("a\r", 1, bytes(32), ()),
    ],
)
def test_bad_checkpoints_are_refused(fields: tuple[str, int, bytes, tuple[str, ...]]) -> None:
    """Empty origins, sizes outside uint64, short roots and bad extension lines are refused."""
    with pytest.raises(CheckpointError):
        Checkpoint(*fields)


# --- c2sp-examples/examples.json -----------------------------------------------------------


def test_c2sp_signed_note_example() -> None:
    """The signed-note specification's example verifies under its published key."""
    example = EXAMPLES["signed_note"]
    _, verified, _ = open_note(example["note"], [parse_verifier_key(example["vkey"])])
    assert example["verifies"]
    assert _names(verified) == ["example.com/foo"]


def test_c2sp_checkpoint_example() -> None:
    """The checkpoint specification's example parses and formats back byte for byte."""
    example = EXAMPLES["checkpoint"]
    note = parse_note(example["note"])
    assert format_note(note) == example["note"]
    checkpoint = parse_checkpoint_body(note.text)
    assert (checkpoint.origin, checkpoint.size) == (example["origin"], example["size"])
    assert checkpoint.root == base64.b64decode(example["root_b64"])
    assert format_checkpoint_body(checkpoint) == note.text
    (signature,) = note.signatures
    assert signature.key_id.hex() == "033de0ae"


def test_c2sp_cosignature_example() -> None:
    """The cosignature example decodes to key id 8d66cf3f and time 1679315147 over its message."""
    example = EXAMPLES["cosignature_v1"]
    note = parse_note(example["checkpoint_with_cosignature"])
    assert format_note(note) == example["checkpoint_with_cosignature"]
    cosignature = parse_signature_line(example["cosignature_line"])
    assert note.signatures[-1] == cosignature
    assert format_signature_line(cosignature) == example["cosignature_line"]
    assert cosignature.key_id.hex() == example["key_id_hex"] == "8d66cf3f"
    assert len(cosignature.signature) == 72
    timestamp = cosignature_timestamp(cosignature)
    assert timestamp == example["timestamp"] == 1679315147
    assert cosignature_message(note.text, timestamp) == example["signed_message"].encode()


def _parse_add_checkpoint(body: str) -> tuple[int, list[str], str]:
    """Test-only tlog-witness request parser: old size, proof lines, signed checkpoint."""
    head, separator, checkpoint = body.partition("\n\n")
    lines = head.split("\n")
    matched = re.fullmatch(r"old (0|[1-9][0-9]*)", lines[0])
    if not separator or matched is None or len(lines) > 64:
        raise ValueError("not an add-checkpoint request")
    proof = lines[1:]
    for line in proof:
        base64.b64decode(line, validate=True)
    return int(matched.group(1)), proof, checkpoint


def test_c2sp_witness_request_example() -> None:
    """The tlog-witness request example splits into old size, four proof lines and a checkpoint."""
    example = EXAMPLES["witness_add_checkpoint_request"]
    old, proof, checkpoint = _parse_add_checkpoint(example["body"])
    assert old == example["old_size"]
    assert len(proof) == example["proof_lines"]
    assert all(len(base64.b64decode(line)) == 32 for line in proof)
    note = parse_note(checkpoint)
    assert len(note.signatures) == example["checkpoint_signatures"]
    assert parse_checkpoint_body(note.text).size > old


def test_c2sp_witness_response_example() -> None:
    """The response example is cosignature lines; two carry timestamps beyond 2**63 - 1."""
    body = EXAMPLES["witness_add_checkpoint_response"]["body"]
    lines = body.splitlines(keepends=True)
    signatures = [parse_signature_line(line) for line in lines]
    assert "".join(format_signature_line(sig) for sig in signatures) == body
    assert [sig.name for sig in signatures] == ["witness.example/w1"] * 2 + ["witness.example/w2"]
    assert all(len(sig.signature) == 72 for sig in signatures)
    for sig in signatures[:2]:
        with pytest.raises(NoteError) as caught:
            cosignature_timestamp(sig)
        assert caught.value.kind == "malformed"
    assert cosignature_timestamp(signatures[2]) == 2970657736413210787


# --- tlog-witness/witness.json -------------------------------------------------------------

WITNESS_KEYS = WITNESS["keys"]
LOG_KEY = parse_verifier_key(WITNESS_KEYS["log_vkey"])
LOGS = {"monkeys": LOG_KEY}


def _witness_status(latest: str, request: str) -> tuple[int, str]:
    """Test-only add-checkpoint decision built on the core primitives (C2SP tlog-witness)."""
    try:
        old, proof_lines, submitted = _parse_add_checkpoint(request)
        origin = parse_checkpoint_body(parse_note(submitted).text).origin
    except ValueError:
        return 400, ""
    if origin not in LOGS:
        return 404, ""
    try:
        checkpoint, _ = open_checkpoint(submitted, origin, LOGS[origin])
    except NoteError:
        return 403, ""
    if old > checkpoint.size:
        return 400, ""
    held, _ = open_checkpoint(latest, origin, LOGS[origin])
    if old != held.size:
        return 409, f"{held.size}\n"
    proof = [base64.b64decode(line) for line in proof_lines]
    try:
        # The vector maps an equal-size root mismatch to 422 with every other proof failure.
        verify_consistency(old, checkpoint.size, held.root, checkpoint.root, proof)
    except MerkleProofError:
        return 422, ""
    return 200, ""


@pytest.mark.parametrize("case", WITNESS["update_cases"], ids=lambda c: c["desc"][:48])
def test_witness_update_vector(case: dict[str, Any]) -> None:
    """Every checkpoint verifies, and the core primitives yield the expected witness status."""
    _, _, submitted = _parse_add_checkpoint(case["request"])
    for text in (case["witness_latest"], submitted):
        origin = parse_checkpoint_body(parse_note(text).text).origin
        checkpoint, note = open_checkpoint(text, origin, LOG_KEY)
        assert format_checkpoint_body(checkpoint) == note.text
    status, body = _witness_status(case["witness_latest"], case["request"])
    assert status == case["expect_status"]
    assert body == case.get("expect_body", "")


@pytest.mark.parametrize("case", WITNESS["request_parse"]["cases"], ids=lambda c: c["desc"])
def test_witness_request_parse_vector(case: dict[str, Any]) -> None:
    """Request bodies split into old size, proof lines and checkpoint, or are refused."""
    if case["want_error"]:
        with pytest.raises(ValueError, match=r"add-checkpoint|Incorrect|Invalid|Non-base64"):
            _parse_add_checkpoint(case["body"])
        return
    old, proof, checkpoint = _parse_add_checkpoint(case["body"])
    assert (old, proof, checkpoint) == (
        case["want_old_size"],
        case["want_proof_b64"],
        case["want_checkpoint"],
    )
    assert format_note(parse_note(checkpoint)) == checkpoint


def test_witness_keys_and_cosignatures() -> None:
    """The witness key signs cosignature/v1 lines that verify under its type 0x04 form only."""
    ed25519_vk = parse_verifier_key(WITNESS_KEYS["witness_vkey_ed25519"])
    plain_signer = parse_signer_key(WITNESS_KEYS["witness_signer_key"])
    assert verifier_key_of(plain_signer) == ed25519_vk
    assert parse_signer_key(WITNESS_KEYS["log_signer_key"]).key_id == LOG_KEY.key_id
    signer = signer_key_from_seed(plain_signer.name, plain_signer.seed, COSIGNATURE_V1)
    cosigner = verifier_key_of(signer)
    assert cosigner == cosignature_key(ed25519_vk)
    assert cosigner.key_id == key_id("witness", COSIGNATURE_V1, ed25519_vk.public_key)
    assert cosigner.key_id != ed25519_vk.key_id
    assert format_verifier_key(cosigner).startswith(f"witness+{cosigner.key_id.hex()}+B")
    for case in WITNESS["update_cases"]:
        if case["expect_status"] != 200:
            continue
        _, _, submitted = _parse_add_checkpoint(case["request"])
        note = parse_note(submitted)
        cosig = sign_cosignature(note.text, 1679315147, signer)
        line = format_signature_line(cosig)
        assert parse_signature_line(line) == cosig
        assert len(base64.b64decode(line.split(" ")[2])) == 4 + 8 + 64
        assert verify_cosignature(note.text, cosig, cosigner) == 1679315147
        with pytest.raises(NoteError) as caught:
            verify_cosignature(note.text, cosig, ed25519_vk)
        assert caught.value.kind == "no_verifiable_signatures"
        cosigned = submitted + line
        _, verified, unverified = open_note(cosigned, [LOG_KEY, cosigner])
        assert verified == [*note.signatures, cosig]
        assert unverified == []
        _, verified, unverified = open_note(cosigned, [LOG_KEY, ed25519_vk])
        assert (verified, unverified) == (list(note.signatures), [cosig])


def test_witness_file_sections() -> None:
    """The witness file holds the keys, update cases and request-parse cases exercised here."""
    assert set(WITNESS) == {"about", "keys", "update_cases", "request_parse"}


# --- behaviour not covered by vectors ------------------------------------------------------


def test_cosignature_failures_have_kinds() -> None:
    """Tampered, truncated and mistimed cosignatures fail with the right kind."""
    signer = signer_key_from_seed("example.org/w", bytes(range(32)), COSIGNATURE_V1)
    vk = verifier_key_of(signer)
    body = "example.org/log\n5\n" + base64.b64encode(bytes(32)).decode() + "\n"
    cosig = sign_cosignature(body, 42, signer)
    assert verify_cosignature(body, cosig, vk) == 42
    other_body = body.replace("\n5\n", "\n6\n")
    with pytest.raises(NoteError) as caught:
        verify_cosignature(other_body, cosig, vk)
    assert caught.value.kind == "invalid_signature"
    truncated = NoteSignature(cosig.name, cosig.key_id, cosig.signature[:-1])
    with pytest.raises(NoteError) as caught:
        verify_cosignature(body, truncated, vk)
    assert caught.value.kind == "malformed"
    with pytest.raises(NoteError):
        cosignature_message(body, 2**63)
    with pytest.raises(CheckpointError):
        sign_cosignature("not a checkpoint\n", 1, signer)
    with pytest.raises(NoteKeyError):
        sign_cosignature(body, 1, signer_key_from_seed("example.org/w", bytes(32)))
    with pytest.raises(NoteKeyError):
        sign_note(body, signer)


def test_open_note_refuses_conflicting_known_keys() -> None:
    """Two different known keys under one name and key id are a configuration error."""
    # Found by a birthday search: both 32-byte keys give key id ce2dc39e under "collide".
    first = verifier_key("collide", (73153).to_bytes(32, "big"))
    second = verifier_key("collide", (132274).to_bytes(32, "big"))
    assert first.key_id == second.key_id == bytes.fromhex("ce2dc39e")
    with pytest.raises(NoteKeyError):
        open_note(NOTES["notes"][0]["note"], [first, second])
    vk = parse_verifier_key(PETER_VKEY)
    assert _names(open_note(NOTES["notes"][0]["note"], [vk, vk, first])[1]) == [vk.name]


@pytest.mark.parametrize(
    "note",
    [
        "text\r\n\n\u2014 name AAAAAAA=\n",
        "text\n\n\u2014 name AAAAAA==\n",
        "text\n\n\u2014 name AAAAAAB=\n",
        "text\n\n- name AAAAAAA=\n",
        "text\n\n\u2014 name  AAAAAAA=\n",
        "text\n\n\u2014 name\n",
        "text\n\n\u2014 name AAAAAAA=\n\n",
        "\n\n",
        "text\ud800\n\n\u2014 name AAAAAAA=\n",
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    """Control characters, short or non-canonical payloads and bad separators are malformed."""
    assert format_note(parse_note("text\n\n\u2014 name AAAAAAA=\n")).endswith("AAAAAAA=\n")
    with pytest.raises(NoteError) as caught:
        parse_note(note)
    assert caught.value.kind == "malformed"


def test_signature_limits() -> None:
    """A note holds 1 to 100 signatures; the text may contain blank lines of its own."""
    sig = NoteSignature("n", bytes(4), b"s")
    assert len(Note("a\n", (sig,) * MAX_SIGNATURES).signatures) == MAX_SIGNATURES
    with pytest.raises(NoteError):
        Note("a\n", (sig,) * (MAX_SIGNATURES + 1))
    with pytest.raises(NoteError):
        Note("a\n", ())
    note = Note("a\n\nb\n\n", (sig,))
    assert parse_note(format_note(note)) == note


# --- round trips ---------------------------------------------------------------------------

_NAME_CHARS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"))
NAMES = st.text(_NAME_CHARS, min_size=1, max_size=16).filter(is_valid_key_name)
SEEDS = st.binary(min_size=32, max_size=32)
TYPES = st.sampled_from([ED25519, COSIGNATURE_V1])
_TEXT_CHARS = st.characters(codec="utf-8", exclude_categories=["Cs"]).filter(
    lambda ch: ch >= " " or ch == "\n"
)
TEXTS = st.text(_TEXT_CHARS, max_size=60).map(lambda text: text + "\n")
LINES = st.text(_TEXT_CHARS.filter(lambda ch: ch != "\n"), min_size=1, max_size=30)
SIGNATURES = st.builds(
    NoteSignature, NAMES, st.binary(min_size=4, max_size=4), st.binary(min_size=1, max_size=80)
)
CHECKPOINTS_ST = st.builds(
    Checkpoint,
    LINES,
    st.integers(min_value=0, max_value=2**64 - 1),
    st.binary(min_size=32, max_size=32),
    st.lists(LINES, max_size=3).map(tuple),
)


@given(TEXTS, st.lists(SIGNATURES, min_size=1, max_size=5))
def test_note_round_trip(text: str, signatures: list[NoteSignature]) -> None:
    """Notes survive format then parse, from text or UTF-8 bytes, and format stably."""
    note = Note(text, tuple(signatures))
    formatted = format_note(note)
    assert parse_note(formatted) == note
    assert parse_note(formatted.encode("utf-8")) == note
    assert format_note(parse_note(formatted)) == formatted


@given(CHECKPOINTS_ST)
def test_checkpoint_round_trip(checkpoint: Checkpoint) -> None:
    """Checkpoint bodies survive format then parse and format stably."""
    body = format_checkpoint_body(checkpoint)
    assert parse_checkpoint_body(body) == checkpoint
    assert format_checkpoint_body(parse_checkpoint_body(body)) == body


@settings(max_examples=50)
@given(NAMES, SEEDS, TYPES)
def test_key_round_trip(name: str, seed: bytes, sig_type: int) -> None:
    """Verifier and signer keys survive format then parse and format stably."""
    signer = signer_key_from_seed(name, seed, sig_type)
    vk = verifier_key_of(signer)
    vkey_text, signer_text = format_verifier_key(vk), format_signer_key(signer)
    assert parse_verifier_key(vkey_text) == vk
    assert parse_signer_key(signer_text) == signer
    assert format_verifier_key(parse_verifier_key(vkey_text)) == vkey_text
    assert format_signer_key(parse_signer_key(signer_text)) == signer_text


@settings(max_examples=50)
@given(NAMES, SEEDS, SEEDS, CHECKPOINTS_ST, st.integers(min_value=0, max_value=2**63 - 1))
def test_cosignature_round_trip(
    name: str, log_seed: bytes, witness_seed: bytes, checkpoint: Checkpoint, timestamp: int
) -> None:
    """A cosigned checkpoint formats stably and verifies for the log and the witness."""
    log = signer_key_from_seed(name, log_seed)
    witness = signer_key_from_seed(name + "/w", witness_seed, COSIGNATURE_V1)
    body = format_checkpoint_body(checkpoint)
    cosig = sign_cosignature(body, timestamp, witness)
    assert parse_signature_line(format_signature_line(cosig)) == cosig
    assert cosig.signature[:8] == timestamp.to_bytes(8, "big")
    assert verify_cosignature(body, cosig, verifier_key_of(witness)) == timestamp
    text = format_note(Note(body, (sign_note(body, log), cosig)))
    assert format_note(parse_note(text)) == text
    note, verified, _ = open_note(text, [verifier_key_of(log), verifier_key_of(witness)])
    assert verified == list(note.signatures)
    assert open_checkpoint(text, checkpoint.origin, verifier_key_of(log))[0] == checkpoint
