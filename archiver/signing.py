"""WACZ signing and verification (Webrecorder's "WACZ Signing and Verification" spec, 0.1.0).

A signed WACZ carries, in ``datapackage-digest.json``, a ``signedData`` object beside
``path``/``hash``. archiver writes the spec's *anonymous signature* form::

    {"hash": "sha256:…", "created": "<ISO 8601>", "software": "archiver 0.1.0",
     "version": "0.1.0", "signature": "<base64>", "publicKey": "<base64>"}

``signature`` is an ECDSA signature (SHA-256) over the UTF-8 bytes of the ``hash`` string;
``publicKey`` is the base64 DER SubjectPublicKeyInfo of the signing key. The key is a P-384
key, as ArchiveWeb.page's anonymous signatures use, created once and kept in the data directory
(``signing-key.pem``, readable only by its owner); its public half is written beside it
(``signing-key.pub.pem``) and published, so a reader can compare fingerprints. Signatures are
written as WebCrypto does (raw ``r||s``); verification accepts that and DER (authsign's form).

The spec's second form (domain certificate + RFC 3161 timestamp) is verified as far as the
signature by the certificate's key goes; its certificate chain and timestamp are reported as
not checked against trust roots.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from archiver.errors import ArchiverError

KEY_FILE = "signing-key.pem"
PUBLIC_KEY_FILE = "signing-key.pub.pem"
SPEC_VERSION = "0.1.0"
ANONYMOUS_KEYS = {"hash", "created", "software", "version", "signature", "publicKey"}
DOMAIN_KEYS = {"hash", "created", "software", "version", "signature", "domain", "domainCert",
               "timeSignature", "timestampCert", "crossSignedCert"}


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Signer:
    """The data directory's signing key: created on first use, then reused."""

    def __init__(self, data_dir: str | Path, *, software: str = "archiver") -> None:
        self.path = Path(data_dir) / KEY_FILE
        self.software = software
        self._key: ec.EllipticCurvePrivateKey | None = None

    @property
    def key(self) -> ec.EllipticCurvePrivateKey:
        if self._key is None:
            self._key = self._load() if self.path.is_file() else self._create()
        return self._key

    def _load(self) -> ec.EllipticCurvePrivateKey:
        try:
            key = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise ArchiverError(f"{self.path}: cannot read the signing key: {exc}") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ArchiverError(f"{self.path}: the signing key is not an ECDSA key")
        return key

    def _create(self) -> ec.EllipticCurvePrivateKey:
        key = ec.generate_private_key(ec.SECP384R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
        except FileExistsError:  # another process made it first: use theirs
            return self._load()
        except OSError as exc:
            raise ArchiverError(f"{self.path}: cannot create the signing key: {exc.strerror or exc}") from None
        (self.path.parent / PUBLIC_KEY_FILE).write_bytes(public_pem(key.public_key()))
        return key

    @property
    def public_key_b64(self) -> str:
        return base64.b64encode(spki(self.key.public_key())).decode("ascii")

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_key_b64)

    def sign(self, hash_value: str, created: datetime, version: str = "") -> dict[str, str]:
        """The spec's anonymous ``signedData`` for a ``datapackage.json`` hash (``sha256:…``)."""
        der = self.key.sign(hash_value.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        size = (self.key.curve.key_size + 7) // 8
        raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
        return {
            "hash": hash_value,
            "created": _iso(created),
            "software": self.software,
            "version": version or SPEC_VERSION,
            "signature": base64.b64encode(raw).decode("ascii"),
            "publicKey": self.public_key_b64,
        }


def spki(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_pem(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_fingerprint(public_key_b64: str) -> str:
    """``sha256:<hex>`` of the DER public key: what a reader compares with the published key."""
    return "sha256:" + hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()


def _verify_ecdsa(key: Any, signature: bytes, data: bytes) -> bool:
    """ECDSA/SHA-256 over ``data``; ``signature`` raw ``r||s`` (WebCrypto) or DER (authsign)."""
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    candidates = [signature]
    size = (key.curve.key_size + 7) // 8
    if len(signature) == 2 * size:
        r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        candidates.insert(0, encode_dss_signature(r, s))
    for candidate in candidates:
        try:
            key.verify(candidate, data, ec.ECDSA(hashes.SHA256()))
            return True
        except (InvalidSignature, ValueError):
            continue
    return False


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The outcome of checking a ``signedData`` object against the package's hash."""

    ok: bool
    kind: str  # "anonymous" | "domain" | "none"
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fingerprint: str | None = None  # of the public key that signed (anonymous form)
    created: str | None = None


def check_signed_data(signed: Any, expected_hash: str) -> SignatureCheck:
    """Check a ``signedData`` object: its form, its hash against the package's, its signature."""
    if not isinstance(signed, dict):
        return SignatureCheck(False, "none", ("signedData is not an object",))
    problems: list[str] = []
    notes: list[str] = []
    if signed.get("hash") != expected_hash:
        problems.append(f"signedData.hash {signed.get('hash')!r} is not the datapackage.json hash {expected_hash!r}")
    created = signed.get("created") if isinstance(signed.get("created"), str) else None
    try:
        signature = base64.b64decode(str(signed.get("signature", "")), validate=True)
    except (binascii.Error, ValueError):
        return SignatureCheck(False, "none", (*problems, "signature is not base64"))
    data = str(signed.get("hash", "")).encode("utf-8")
    if "publicKey" in signed:
        kind, fingerprint = "anonymous", None
        extra = set(signed) - ANONYMOUS_KEYS
        if extra:
            problems.append(f"signedData has keys the spec does not allow: {', '.join(sorted(extra))}")
        try:
            key = serialization.load_der_public_key(base64.b64decode(str(signed["publicKey"]), validate=True))
            fingerprint = key_fingerprint(str(signed["publicKey"]))
        except (binascii.Error, ValueError) as exc:
            return SignatureCheck(False, kind, (*problems, f"publicKey is not a DER public key: {exc}"), created=created)
        if not _verify_ecdsa(key, signature, data):
            problems.append("the signature does not match the hash and the public key")
        return SignatureCheck(not problems, kind, tuple(problems), tuple(notes), fingerprint, created)
    if "domainCert" in signed:
        extra = set(signed) - DOMAIN_KEYS
        if extra:
            problems.append(f"signedData has keys the spec does not allow: {', '.join(sorted(extra))}")
        try:
            cert = x509.load_pem_x509_certificates(str(signed["domainCert"]).encode("ascii"))[0]
        except (ValueError, IndexError) as exc:
            return SignatureCheck(False, "domain", (*problems, f"domainCert is not a PEM certificate: {exc}"), created=created)
        if not _verify_ecdsa(cert.public_key(), signature, data):
            problems.append("the signature does not match the hash and the domain certificate's key")
        notes.append(f"signed for the domain {signed.get('domain')!r}; its certificate chain and RFC 3161 "
                     "timestamp are not checked against trust roots here")
        return SignatureCheck(not problems, "domain", tuple(problems), tuple(notes), None, created)
    return SignatureCheck(False, "none", (*problems, "signedData has neither publicKey nor domainCert"), created=created)
