"""The tool's RSA key pair: the private key stays outside the repository; the LMS gets the public JWKS.

``helpcourse-grade lti-key generate PATH`` writes a new 2048-bit key (PEM, mode 0600; refuses to overwrite) and
prints the JWKS; ``helpcourse-grade lti-key jwks`` prints the JWKS of the key named by ``HELPCOURSE_LTI_KEY``.
The key id (``kid``) is the key's RFC 7638 thumbprint, so it never changes for the same key.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from jwt.utils import base64url_encode

__all__ = ["generate_key", "jwks", "key_id", "load_private_key", "public_jwk"]


def generate_key(path: str | os.PathLike[str]) -> Path:
    """Write a new RSA private key (PKCS#8 PEM) to ``path`` with mode 0600; never overwrites a file."""
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} exists: not replaced (the LMS holds its public key)")
    target.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return target


def load_private_key(path: str | os.PathLike[str]) -> rsa.RSAPrivateKey:
    """Read the tool's private key; refuses a key file other accounts can read."""
    target = Path(path)
    if os.stat(target).st_mode & 0o077:
        raise PermissionError(f"{target} is readable by other accounts: chmod 600 it")
    key = serialization.load_pem_private_key(target.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{target} is not an RSA private key")
    return key


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638 thumbprint of the public key (SHA-256 of its canonical JWK), base64url."""
    from cryptography.hazmat.primitives import hashes

    jwk = json.loads(RSAAlgorithm.to_jwk(public_key))
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(canonical.encode())
    return base64url_encode(digest.finalize()).decode()


def public_jwk(private_key: rsa.RSAPrivateKey) -> dict:
    """The public half as a JWK with ``kid``, ``alg`` RS256 and ``use`` sig."""
    public = private_key.public_key()
    jwk = json.loads(RSAAlgorithm.to_jwk(public))
    jwk.update({"kid": key_id(public), "alg": "RS256", "use": "sig"})
    return jwk


def jwks(private_key: rsa.RSAPrivateKey) -> dict:
    """The JSON Web Key Set to give the LMS (paste it, or serve it at a JWKS URL)."""
    return {"keys": [public_jwk(private_key)]}
