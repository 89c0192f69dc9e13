import Foundation
import Testing
@testable import SecureMail

/// S/MIME both ways with three independent implementations: what SecureMail signs and
/// encrypts, each of them verifies and decrypts; what each of them signs and encrypts,
/// SecureMail verifies and decrypts; for every algorithm the tool supports.
@Suite struct InteropTests {
    static let peerNames = Peers.all.map(\.name)

    private static func content() -> MIMEPart {
        MIMEPart.leaf(
            content: Array("Hej Gjensidige,\r\n\r\nSkade på bilen den 1. november. Med venlig hilsen\r\n".utf8),
            contentType: ContentType(type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "utf-8")]),
            transferEncoding: .quotedPrintable)
    }

    /// A message with the usual outer fields around an S/MIME entity.
    private static func message(from: String, around entity: MIMEPart) -> MIMEPart {
        var message = entity
        message.header.fields = [
            MIMEHeaderField(name: "From", value: from), MIMEHeaderField(name: "To", value: "sikkermail@gjensidige.dk"),
            MIMEHeaderField(name: "Subject", value: "Til Skade"), MIMEHeaderField(name: "MIME-Version", value: "1.0"),
        ] + entity.header.fields
        return message
    }

    private static func customerAddress(ec: Bool) -> String { ec ? "kunde.ec@example.dk" : "kunde@example.dk" }

    @Test(arguments: peerNames)
    func secureMailVerifiesWhatThePeerSigns(peerName: String) throws {
        guard let peer = try Peers.make(peerName) else { return }
        var checked = 0
        for digest in peer.digests {
            for detached in [true, false] {
                for ec in peer.supportsEC ? [false, true] : [false] {
                    let inner = Self.content()
                    let signature = try peer.sign(inner.canonicalBytes(), detached: detached, digest: digest, ec: ec)
                    let entity = detached
                        ? SMIMEWriter.multipartSigned(inner, signature: signature, digest: digest)
                        : SMIMEWriter.pkcs7Mime(signature, smimeType: "signed-data")
                    let (unwrapped, assessment) = try SMIMEFixtures.assess(Self.message(from: Self.customerAddress(ec: ec), around: entity))
                    let label = "\(peer.name) \(digest) \(detached ? "detached" : "opaque") \(ec ? "EC" : "RSA")"
                    #expect(assessment.verdict == .verified, "\(label): \(assessment.reasons)")
                    #expect(unwrapped.layers.first?.algorithm == digest.rawValue, "\(label)")
                    #expect(unwrapped.content.text() == inner.text(), "\(label)")
                    checked += 1
                }
            }
        }
        #expect(checked == peer.digests.count * 2 * (peer.supportsEC ? 2 : 1))
    }

    @Test(arguments: peerNames)
    func secureMailDecryptsAndVerifiesWhatThePeerSignsAndEncrypts(peerName: String) throws {
        guard let peer = try Peers.make(peerName) else { return }
        for cipher in peer.choosesItsOwnCipher ? [ContentCipher.aes256CBC] : peer.ciphers {
            for keyTransport in peer.keyTransports {
                for ec in peer.supportsEC && !peer.choosesItsOwnCipher ? [false, true] : [false] {
                    if ec, case .rsaOAEP = keyTransport { continue }
                    let signedEntity = SMIMEWriter.pkcs7Mime(
                        try peer.sign(Self.content().canonicalBytes(), detached: false, digest: .sha256, ec: ec), smimeType: "signed-data")
                    let enveloped = try peer.encrypt(signedEntity.canonicalBytes(), cipher: cipher, keyTransport: keyTransport, ec: ec)
                    let smimeType = cipher == .aes256GCM ? "authEnveloped-data" : "enveloped-data"
                    let message = Self.message(from: Self.customerAddress(ec: ec), around: SMIMEWriter.pkcs7Mime(enveloped, smimeType: smimeType))
                    let (unwrapped, assessment) = try SMIMEFixtures.assess(message)
                    let label = "\(peer.name) \(cipher) \(keyTransport) \(ec ? "EC" : "RSA")"
                    #expect(assessment.verdict == .verified, "\(label): \(assessment.reasons)")
                    #expect(unwrapped.layers.map(\.kind) == [cipher == .aes256GCM ? .authEnveloped : .enveloped, .signed], "\(label)")
                    if !peer.choosesItsOwnCipher {
                        #expect(unwrapped.layers.first?.algorithm == cipher.rawValue, "\(label)")
                    }
                    #expect(unwrapped.content.text() == Self.content().text(), "\(label)")
                }
            }
        }
    }

    @Test(arguments: peerNames)
    func thePeerVerifiesWhatSecureMailSigns(peerName: String) throws {
        guard let peer = try Peers.make(peerName) else { return }
        for digest in peer.digests {
            for detached in [true, false] {
                for ec in peer.supportsEC ? [false, true] : [false] {
                    let signer = try ec ? SMIMEFixtures.mailboxEC : SMIMEFixtures.mailbox
                    let inner = Self.content()
                    let label = "\(peer.name) \(digest) \(detached ? "detached" : "opaque") \(ec ? "EC" : "RSA")"
                    if detached {
                        let entity = try SMIMEWriter.signDetached(inner, signer: signer, digest: digest)
                        let reparsed = try MIMEParser.parse(entity.serialize())
                        let signedBytes = reparsed.children[0].canonicalBytes()
                        let verified = try peer.verify(reparsed.children[1].decodedBody(), detachedContent: signedBytes)
                        #expect(verified == signedBytes, "\(label)")
                    } else {
                        let entity = try SMIMEWriter.signOpaque(inner, signer: signer, digest: digest)
                        let verified = try peer.verify(entity.decodedBody(), detachedContent: nil)
                        #expect(verified == inner.canonicalBytes(), "\(label)")
                    }
                }
            }
        }
    }

    @Test(arguments: peerNames)
    func thePeerDecryptsWhatSecureMailEncrypts(peerName: String) throws {
        guard let peer = try Peers.make(peerName) else { return }
        for cipher in peer.ciphers {
            for keyTransport in peer.keyTransports {
                for ec in peer.supportsEC && !peer.choosesItsOwnCipher ? [false, true] : [false] {
                    if ec, case .rsaOAEP = keyTransport { continue }
                    let recipient = try SMIMEFixtures.recipient(ec ? "demo-customer-ec" : "demo-customer", keyTransport)
                    let signed = try SMIMEWriter.signDetached(Self.content(), signer: SMIMEFixtures.mailbox)
                    let entity = try SMIMEWriter.encrypt(signed, recipients: [recipient], cipher: cipher)
                    let decrypted = try peer.decrypt(entity.decodedBody())
                    let label = "\(peer.name) \(cipher) \(keyTransport) \(ec ? "EC" : "RSA")"
                    #expect(decrypted == signed.canonicalBytes(), "\(label)")
                    let inner = try MIMEParser.parse(decrypted)
                    let verified = try peer.verify(inner.children[1].decodedBody(), detachedContent: inner.children[0].canonicalBytes())
                    #expect(verified != nil, "\(label): the peer does not accept the signature inside")
                }
            }
        }
    }
}

/// The peers' verdicts mean something: each rejects a signature over altered content.
@Suite struct PeerSanityTests {
    @Test(arguments: InteropTests.peerNames)
    func thePeerRejectsAlteredContent(peerName: String) throws {
        guard let peer = try Peers.make(peerName) else { return }
        let content = Array("Udbetal 100 kr.\r\n".utf8)
        let signature = try CMS.sign(content, signer: SMIMEFixtures.mailbox, detached: true)
        #expect(try peer.verify(signature, detachedContent: content) == content)
        #expect(try peer.verify(signature, detachedContent: Array("Udbetal 900 kr.\r\n".utf8)) == nil)
    }
}
