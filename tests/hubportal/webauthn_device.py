"""A security key in software: what a browser and a key would answer to allauth.mfa's WebAuthn pages.

It makes an ES256 key pair, answers a registration's options with a "none" attestation and an
authentication's with a signed assertion, in the JSON a browser posts (webauthn-json), so that the
tests drive the portal's WebAuthn pages (adding a key, signing in with a passkey) as a browser would.
"""

import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticationResponse,
    AuthenticatorAssertionResponse,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    CollectedClientData,
    RegistrationResponse,
)

FLAGS = AuthenticatorData.FLAG


class SoftwareKey:
    def __init__(self, origin: str = "http://testserver"):
        self.origin = origin
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.user_handle = b""
        self.counter = 0

    def register(self, creation_options: dict, *, resident: bool = False) -> str:
        """The credential (JSON) a browser posts after the key made a new credential for these options."""
        options = creation_options.get("publicKey", creation_options)
        self.user_handle = _bytes(options["user"]["id"])
        client_data = CollectedClientData.create(type=CollectedClientData.TYPE.CREATE,
                                                 challenge=_bytes(options["challenge"]), origin=self.origin)
        credential = AttestedCredentialData.create(
            Aaguid.NONE, self.credential_id, ES256.from_cryptography_key(self.private_key.public_key()))
        auth_data = AuthenticatorData.create(_rp_hash(options["rp"]["id"]), FLAGS.UP | FLAGS.UV | FLAGS.AT,
                                             self.counter, credential)
        response = RegistrationResponse(
            raw_id=self.credential_id,
            response=AuthenticatorAttestationResponse(
                client_data=client_data, attestation_object=AttestationObject.create("none", auth_data, {})),
            client_extension_results={"credProps": {"rk": resident}},
        )
        return json.dumps(dict(response))

    def assertion(self, request_options: dict, rp_id: str = "testserver") -> str:
        """The credential (JSON) a browser posts after the key signed these options' challenge."""
        options = request_options.get("publicKey", request_options)
        self.counter += 1
        client_data = CollectedClientData.create(type=CollectedClientData.TYPE.GET,
                                                 challenge=_bytes(options["challenge"]), origin=self.origin)
        auth_data = AuthenticatorData.create(_rp_hash(options.get("rpId", rp_id)), FLAGS.UP | FLAGS.UV, self.counter)
        signature = self.private_key.sign(auth_data + client_data.hash, ec.ECDSA(hashes.SHA256()))
        response = AuthenticationResponse(
            raw_id=self.credential_id,
            response=AuthenticatorAssertionResponse(client_data=client_data, authenticator_data=auth_data,
                                                    signature=signature, user_handle=self.user_handle or None),
        )
        return json.dumps(dict(response))


def _bytes(value) -> bytes:
    return websafe_decode(value) if isinstance(value, str) else bytes(value)


def _rp_hash(rp_id: str) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest()


def registration_for(user_id: str, rp_id: str = "testserver") -> str:
    """A key's registration for a login, without a server's challenge: a stored key, as in a fixture."""
    return SoftwareKey().register({"user": {"id": user_id.encode()}, "challenge": os.urandom(16),
                                   "rp": {"id": rp_id}})
