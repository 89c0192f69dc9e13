import Foundation
import Testing
@testable import SecureMail

@Suite struct UnwrapAndVerdictTests {
    typealias F = SMIMEFixtures

    private func signedDetached(_ message: MIMEPart, signer: Identity? = nil) throws -> MIMEPart {
        let signer = try signer ?? F.customer
        return try SMIMEWriter.wrap(message, protectHeaders: false, encrypted: false) { try SMIMEWriter.signDetached($0, signer: signer) }
    }

    @Test func detachedSignatureFromTheFromAddressIsVerified() throws {
        let (unwrapped, assessment) = try F.assess(signedDetached(F.textMessage()))
        #expect(assessment.verdict == .verified, "\(assessment.reasons)")
        #expect(assessment.signature == .valid)
        #expect(assessment.signer == "kunde@example.dk")
        #expect(assessment.signerMatchesFrom == true)
        #expect(unwrapped.layers.map(\.kind) == [.signed])
        #expect(unwrapped.layers.first?.form == .detached)
    }

    @Test(arguments: [DigestAlgorithm.sha256, .sha384, .sha512])
    func opaqueSignatureIsVerified(digest: DigestAlgorithm) throws {
        let customer = try F.customer
        let message = try SMIMEWriter.wrap(F.textMessage(), protectHeaders: true, encrypted: false) {
            try SMIMEWriter.signOpaque($0, signer: customer, digest: digest)
        }
        let (unwrapped, assessment) = try F.assess(message)
        #expect(assessment.verdict == .verified, "\(assessment.reasons)")
        #expect(unwrapped.layers.first?.form == .opaque)
        #expect(unwrapped.layers.first?.algorithm == digest.rawValue)
    }

    @Test(arguments: [ContentCipher.aes128CBC, .aes256CBC, .aes256GCM])
    func signedThenEncryptedIsDecryptedAndVerified(cipher: ContentCipher) throws {
        let customer = try F.customer
        let recipient = try F.recipient("sikkermail")
        let message = try SMIMEWriter.wrap(F.textMessage(subject: "Til Søren Kjærgaard"), protectHeaders: true, encrypted: true, obscuredSubject: "...") {
            try SMIMEWriter.encrypt(SMIMEWriter.signDetached($0, signer: customer), recipients: [recipient], cipher: cipher)
        }
        let (unwrapped, assessment) = try F.assess(message)
        #expect(assessment.verdict == .verified, "\(assessment.reasons)")
        #expect(unwrapped.layers.map(\.kind) == [cipher == .aes256GCM ? .authEnveloped : .enveloped, .signed])
        #expect(unwrapped.layers.first?.algorithm == cipher.rawValue)
        #expect(ProtectedHeaders.effectiveValue("Subject", of: unwrapped) == "Til Søren Kjærgaard")
        #expect(unwrapped.originalHeader.first("Subject")?.value == "...")
    }

    @Test func encryptedThenSignedAndSignedTwiceAreVerified() throws {
        let customer = try F.customer
        let recipient = try F.recipient("sikkermail-ec")
        let outerSigned = try SMIMEWriter.wrap(F.textMessage(), protectHeaders: false, encrypted: true) {
            try SMIMEWriter.signOpaque(SMIMEWriter.encrypt($0, recipients: [recipient]), signer: customer)
        }
        let (first, firstAssessment) = try F.assess(outerSigned)
        #expect(first.layers.map(\.kind) == [.signed, .enveloped])
        #expect(firstAssessment.verdict == .verified, "\(firstAssessment.reasons)")

        let twice = try SMIMEWriter.wrap(F.textMessage(), protectHeaders: false, encrypted: false) {
            try SMIMEWriter.signOpaque(SMIMEWriter.signDetached($0, signer: customer), signer: customer, digest: .sha512)
        }
        let (second, secondAssessment) = try F.assess(twice)
        #expect(second.layers.map(\.kind) == [.signed, .signed])
        #expect(second.layers.map(\.form) == [.opaque, .detached])
        #expect(secondAssessment.verdict == .verified, "\(secondAssessment.reasons)")
    }

    @Test func messagesWithBareLineFeedsStillVerify() throws {
        let customer = try F.customer
        let message = try SMIMEWriter.wrap(F.textMessage(body: "Linje et\r\nLinje to æøå\r\n"), protectHeaders: false, encrypted: false) {
            try SMIMEWriter.signDetached($0, signer: customer)
        }
        let lineFeedOnly = Canonicalization.normalizeLineEndings(message.serialize(), to: .lf)
        #expect(!lineFeedOnly.contains(0x0D))
        let (_, assessment) = try F.assess(bytes: lineFeedOnly)
        #expect(assessment.verdict == .verified, "\(assessment.reasons)")
    }

    @Test func eightBitContentIsMadeSafeBeforeSigning() throws {
        var message = F.textMessage()
        message = MIMEPart(
            header: { var header = message.header; header.replaceOrAppend(name: "Content-Transfer-Encoding", value: "8bit"); return header }(),
            body: .single(Array("Skade på bilen: 5.000 kr.\r\n".utf8)))
        let signed = try signedDetached(message)
        #expect(!signed.serialize().contains { $0 >= 0x80 })
        let (unwrapped, assessment) = try F.assess(signed)
        #expect(assessment.verdict == .verified)
        #expect(unwrapped.content.text() == "Skade på bilen: 5.000 kr.\r\n")
    }

    @Test func aFlippedByteInSignedContentIsInvalid() throws {
        let signed = try signedDetached(F.textMessage(body: "Udbetal 1000 kr.\r\n")).serialize()
        let tampered = F.replacing("Udbetal 1000 kr.", with: "Udbetal 9000 kr.", in: signed)
        #expect(tampered != signed)
        let (_, assessment) = try F.assess(bytes: tampered)
        #expect(assessment.signature == .invalid)
        #expect(assessment.verdict == .notVerified)
    }

    @Test func untrustedExpiredAndRevokedSignersAreNotVerified() throws {
        let message = try signedDetached(F.textMessage())
        let (_, untrusted) = try F.assess(message, trust: TrustStore(anchors: [LAMPS.certificate("sample-ca.pem")]))
        #expect(untrusted.signature == .untrusted)
        #expect(untrusted.verdict == .notVerified)

        let (_, expired) = try F.assess(message, at: Date().addingTimeInterval(40 * 365 * 86_400))
        #expect(expired.signature == .expired)
        #expect(expired.verdict == .notVerified)

        let authority = try TestAuthority.make()
        defer { try? FileManager.default.removeItem(at: authority.folder) }
        let trust = TrustStore(anchors: [authority.authority], revocationLists: [authority.revocationList])
        let revoked = try signedDetached(F.textMessage(from: "revoked@example.test"), signer: authority.revokedSigner)
        let (_, revokedAssessment) = try F.assess(revoked, trust: trust)
        #expect(revokedAssessment.signature == .revoked)
        #expect(revokedAssessment.verdict == .notVerified)
        let good = try signedDetached(F.textMessage(from: "good@example.test"), signer: authority.goodSigner)
        #expect(try F.assess(good, trust: trust).1.verdict == .verified)
    }

    @Test(arguments: [
        ("Mallory <other@example.dk>", "is not the From address"),
        ("\"sikkermail@gjensidige.dk\" <kunde@example.dk>", "display name shows the address"),
        ("\"Kundeservice,sikkermail@gjensidige.dk\" <kunde@example.dk>", "display name shows the address sikkermail@gjensidige.dk"),
        ("\"Kundeservice [sikkermail@gjensidige.dk]\" <kunde@example.dk>", "display name shows the address sikkermail@gjensidige.dk"),
        ("\"Hej \u{301}sikkermail@gjensidige.dk\" <kunde@example.dk>", "display name shows the address"),
        ("kunde@example.dk, other@example.dk", "names 2 addresses"),
    ])
    func spoofedFromIsNeverVerified(from: String, reason: String) throws {
        let (_, assessment) = try F.assess(signedDetached(F.textMessage(from: from)))
        #expect(assessment.signature == .valid)
        #expect(assessment.verdict == .notVerified)
        #expect(assessment.reasons.contains { $0.contains(reason) }, "\(assessment.reasons)")
    }

    @Test func twoFromFieldsAreNeverVerified() throws {
        let message = F.textMessage(extraFields: [(name: "From", value: "kunde@example.dk")])
        let (_, assessment) = try F.assess(signedDetached(message))
        #expect(assessment.verdict == .notVerified)
        #expect(assessment.reasons.contains { $0.contains("2 From fields") })
    }

    @Test func protectedFromMustAgreeWithTheOuterFrom() throws {
        let customer = try F.customer
        var message = try SMIMEWriter.wrap(F.textMessage(), protectHeaders: true, encrypted: false) { try SMIMEWriter.signOpaque($0, signer: customer) }
        message.header.replaceOrAppend(name: "From", value: "Direktør <ceo@gjensidige.dk>")
        let (_, assessment) = try F.assess(message)
        #expect(assessment.verdict == .notVerified)
        #expect(assessment.reasons.contains { $0.contains("outer From") })
    }

    @Test func unsignedTextBesideASignedPartIsNotVerified() throws {
        let customer = try F.customer
        let signedPart = try SMIMEWriter.signDetached(
            MIMEPart.leaf(content: Array("Signeret tekst\r\n".utf8), contentType: .default, transferEncoding: .sevenBit), signer: customer)
        let injected = MIMEPart.leaf(content: Array("Udbetal til konto 1234\r\n".utf8), contentType: .default, transferEncoding: .sevenBit)
        var message = MIMEPart.multipart(subtype: "mixed", parts: [injected, signedPart])
        message.header.fields = F.textMessage().header.fields.filter { !$0.name.lowercased().hasPrefix("content-") } + message.header.fields
        let (unwrapped, assessment) = try F.assess(message)
        #expect(unwrapped.layers.isEmpty)
        #expect(unwrapped.partialSignatures.count == 1)
        #expect(assessment.signature == .valid)
        #expect(assessment.verdict == .notVerified)
        #expect(assessment.reasons.contains { $0.contains("only part of the message is signed") })
    }

    @Test func encryptedButUnsignedIsNeverVerified() throws {
        let recipient = try F.recipient("sikkermail", .rsaOAEP)
        let message = try SMIMEWriter.wrap(F.textMessage(), protectHeaders: true, encrypted: true) { try SMIMEWriter.encrypt($0, recipients: [recipient]) }
        let (unwrapped, assessment) = try F.assess(message)
        #expect(unwrapped.layers.map(\.kind) == [.enveloped])
        #expect(assessment.signature == .none)
        #expect(assessment.verdict == .notVerified)
    }

    @Test func mailForAnotherKeyIsDecryptFailed() throws {
        let recipient = try F.recipient("demo-customer")
        let message = try SMIMEWriter.wrap(F.textMessage(), protectHeaders: false, encrypted: true) { try SMIMEWriter.encrypt($0, recipients: [recipient]) }
        let (unwrapped, assessment) = try F.assess(message)
        #expect(assessment.verdict == .decryptFailed)
        #expect(unwrapped.decryptionFailure != nil)
        #expect(unwrapped.isEncrypted)
        #expect(unwrapped.content.contentType.mimeType == "application/pkcs7-mime")
        #expect(unwrapped.content.body == .single([]), "the ciphertext is released before decryption")
    }

    @Test(arguments: [
        "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\nbm90IENNUw==\r\n",
        "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\r\n\r\n--b\r\n\r\nonly one part\r\n--b--\r\n",
        "Content-Type: multipart/signed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b\r\nContent-Type: text/plain\r\n\r\nnot a signature\r\n--b--\r\n",
        "Content-Type: multipart/signed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n\r\ngarbage\r\n--b--\r\n",
    ])
    func brokenStructuresAreMalformed(text: String) throws {
        let (_, assessment) = try F.assess(bytes: Array(("From: a@example.dk\r\n" + text).utf8))
        #expect(assessment.verdict == .malformed, "\(assessment.reasons)")
        #expect(!assessment.reasons.isEmpty)
    }

    @Test func plainMailIsPlain() throws {
        let (unwrapped, assessment) = try F.assess(F.textMessage())
        #expect(assessment.verdict == .plain)
        #expect(assessment.signature == .none)
        #expect(ProtectedHeaders.fields(of: unwrapped).isEmpty)
    }
}
