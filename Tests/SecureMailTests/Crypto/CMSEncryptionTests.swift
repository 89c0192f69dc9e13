import Foundation
import Synchronization
import Testing
@testable import SecureMail

/// A recipient shape: which demo mailbox certificate and which key transport.
struct RecipientCase: Sendable, CustomStringConvertible {
    let name: String
    let transport: KeyTransport
    var description: String { "\(name) \(transport)" }

    static let all = [
        RecipientCase(name: "sikkermail", transport: .rsaPKCS1v15),
        RecipientCase(name: "sikkermail", transport: .rsaOAEP),
        RecipientCase(name: "sikkermail-ec", transport: .rsaPKCS1v15),
    ]

    /// The second recipient of the same kind.
    var partnerName: String { name.hasSuffix("-ec") ? "sikkermail-arbejdsskade-ec" : "sikkermail-arbejdsskade" }
}

@Suite struct CMSEncryptionTests {
    let content = Array("Content-Type: text/plain; charset=utf-8\r\n\r\nFortroligt: skadesanmeldelse\r\n".utf8)

    /// The type is read from the opening of the ContentInfo alone: it must agree with OpenSSL's
    /// full parse for BER (streamed) and DER alike, and refuse openings that are not CMS.
    @Test func contentTypeIsReadFromTheOpeningOfDERAndBER() throws {
        let recipient = try CryptoFixtures.identity("sikkermail")
        var streamed: [UInt8] = []
        try CMS.encrypt(writing: { emit in try emit(content[...]) }, recipients: [CMSRecipient(certificate: recipient.certificate)]) { piece in
            streamed += piece
        }
        #expect(Array(streamed.prefix(2)) == [0x30, 0x80], "the streamed form opens with an indefinite length")
        #expect(CMS.contentType(of: streamed) == .envelopedData)
        #expect(try CMS.decrypt(streamed, identities: [recipient]).content == content)

        let der = try CMS.encrypt(content, recipients: [CMSRecipient(certificate: recipient.certificate)])
        #expect(CMS.contentType(of: der) == .envelopedData)
        #expect(CMS.contentType(of: Array(der.prefix(der.count / 2))) == nil, "a definite length that overruns the bytes")
        // SEQUENCE { OID 1.2.3.4 }
        #expect(CMS.contentType(of: [0x30, 0x05, 0x06, 0x03, 0x2A, 0x03, 0x04]) == .other("1.2.3.4"))
        for opening: [UInt8] in [[], [0x30], [0x30, 0x80], [0x30, 0x80, 0x06], [0x30, 0x80, 0x06, 0x00], [0x30, 0x85, 0, 0, 0, 0, 1, 0x06, 0x01, 0x2A],
                                 [0x31, 0x80, 0x06, 0x03, 0x2A, 0x03, 0x04], [0x30, 0x80, 0x04, 0x03, 0x2A, 0x03, 0x04]] {
            #expect(CMS.contentType(of: opening) == nil, "\(opening)")
        }
    }

    @Test(arguments: ContentCipher.allCases, RecipientCase.all)
    func roundTripWithTwoRecipients(cipher: ContentCipher, recipientCase: RecipientCase) throws {
        let first = try CryptoFixtures.identity(recipientCase.name)
        let second = try CryptoFixtures.identity(recipientCase.partnerName)
        let encrypted = try CMS.encrypt(
            content,
            recipients: [CMSRecipient(certificate: first.certificate, keyTransport: recipientCase.transport),
                         CMSRecipient(certificate: second.certificate, keyTransport: recipientCase.transport)],
            cipher: cipher)
        #expect(CMS.contentType(of: encrypted) == (cipher == .aes256GCM ? .authEnvelopedData : .envelopedData))
        let unrelated = try CryptoFixtures.identity("demo-customer")
        let unrelatedEC = try CryptoFixtures.identity("demo-customer-ec")
        for expected in [first, second] {
            let result = try CMS.decrypt(encrypted, identities: [unrelated, unrelatedEC, expected])
            #expect(result.content == content)
            #expect(result.recipient == expected.certificate)
            #expect(result.kind == (cipher == .aes256GCM ? .authEnveloped : .enveloped))
            #expect(result.contentEncryptionAlgorithm == cipher.rawValue)
        }
        let error = try #require(throws: CryptoError.self) { try CMS.decrypt(encrypted, identities: [unrelated, unrelatedEC]) }
        #expect(error.kind == .noMatchingRecipient)
        #expect(error.description.contains(first.certificate.serialNumberHex))
        #expect(error.description.contains(second.certificate.serialNumberHex))
    }

    @Test func oaepUsesSHA256() throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let encrypted = try CMS.encrypt(
            content, recipients: [CMSRecipient(certificate: try CryptoFixtures.certificate("sikkermail"), keyTransport: .rsaOAEP)])
        try CryptoFixtures.write(encrypted, to: folder.appendingPathComponent("enc.der"))
        let dump = try OpenSSLTool.run(["cms", "-cmsout", "-print", "-inform", "DER", "-in", "enc.der"], in: folder)
        let text = String(decoding: dump.standardOutput, as: UTF8.self)
        #expect(text.contains("rsaesOaep"))
        #expect(text.contains("sha256"))
    }

    @Test(arguments: ContentCipher.allCases)
    func tamperedCiphertextFails(cipher: ContentCipher) throws {
        let identity = try CryptoFixtures.identity("sikkermail")
        let encrypted = try CMS.encrypt(content, recipients: [CMSRecipient(certificate: identity.certificate)], cipher: cipher)
        // The encrypted content sits at the end, before the GCM tag: flip a byte in its middle
        // for GCM (tag check), and the byte before the last block for CBC (changes the padding block).
        var tampered = encrypted
        let position = cipher == .aes256GCM ? tampered.count - 40 : tampered.count - 17
        tampered[position] ^= 0x01
        let outcome = Result { try CMS.decrypt(tampered, identities: [identity]) }
        switch outcome {
        case .success(let result):
            // CBC without a MAC can decrypt to garbage when the padding happens to stay valid.
            #expect(cipher != .aes256GCM)
            #expect(result.content != content)
        case .failure(let error):
            #expect((error as? CryptoError)?.kind == .decryptionFailed)
        }
        if cipher == .aes256GCM {
            // Flip a byte of the authentication tag itself (the last bytes of the structure).
            var badTag = encrypted
            badTag[badTag.count - 1] ^= 0x01
            let error = try #require(throws: CryptoError.self) { try CMS.decrypt(badTag, identities: [identity]) }
            #expect(error.kind == .decryptionFailed)
        }
    }

    /// EnvelopedData, DER or streamed BER in 4 KB pieces, is decrypted in the storage it was
    /// handed over in (the plaintext written over the ciphertext already read).
    @Test func envelopedDataIsDecryptedInItsOwnStorage() throws {
        let recipient = try CryptoFixtures.identity("sikkermail")
        let large = (0..<300_000).flatMap { Array("linje \($0) af en stor vedhæftning\r\n".utf8) }
        var streamed: [UInt8] = []
        try CMS.encrypt(writing: { emit in try emit(large[...]) }, recipients: [CMSRecipient(certificate: recipient.certificate)]) { streamed += $0 }
        #expect(Array(streamed.prefix(2)) == [0x30, 0x80])
        for var encrypted in [try CMS.encrypt(large, recipients: [CMSRecipient(certificate: recipient.certificate)]), streamed] {
            let storage = encrypted.withUnsafeMutableBufferPointer { UInt(bitPattern: $0.baseAddress) }
            let result = try CMS.decrypt(consume encrypted, identities: [try CryptoFixtures.identity("demo-customer"), recipient])
            #expect(result.content == large)
            #expect(result.content.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == storage)
            #expect(result.contentEncryptionAlgorithm == "aes-256-cbc")
            #expect(result.recipient == recipient.certificate)
        }
    }

    /// AuthEnvelopedData (AES-256-GCM) as well, and there a changed byte of the ciphertext
    /// always fails: the tag is checked after the content read as detached.
    @Test func authEnvelopedDataIsDecryptedInItsOwnStorageAndItsTagChecked() throws {
        let recipient = try CryptoFixtures.identity("sikkermail")
        let large = (0..<100_000).flatMap { Array("linje \($0) af en stor vedhæftning\r\n".utf8) }
        var streamed: [UInt8] = []
        try CMS.encrypt(
            writing: { emit in try emit(large[...]) }, recipients: [CMSRecipient(certificate: recipient.certificate)], cipher: .aes256GCM
        ) { streamed += $0 }
        let der = try CMS.encrypt(large, recipients: [CMSRecipient(certificate: recipient.certificate)], cipher: .aes256GCM)
        for var encrypted in [der, streamed] {
            var tampered = encrypted
            tampered[tampered.count / 2] ^= 0x01
            let storage = encrypted.withUnsafeMutableBufferPointer { UInt(bitPattern: $0.baseAddress) }
            let result = try CMS.decrypt(consume encrypted, identities: [recipient])
            #expect(result.kind == .authEnveloped)
            #expect(result.content == large)
            #expect(result.content.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == storage)
            let error = try #require(throws: CryptoError.self) { try CMS.decrypt(tampered, identities: [recipient]) }
            #expect(error.kind == .decryptionFailed)
        }
    }

    /// Damaged structure around the ciphertext, DER and BER: decryption fails with an error or
    /// gives some content, and never reads or writes outside the input.
    @Test func damagedEnvelopedDataFailsCleanly() throws {
        let recipient = try CryptoFixtures.identity("sikkermail")
        var streamed: [UInt8] = []
        try CMS.encrypt(writing: { emit in try emit(content[...]) }, recipients: [CMSRecipient(certificate: recipient.certificate)]) { streamed += $0 }
        let der = try CMS.encrypt(content, recipients: [CMSRecipient(certificate: recipient.certificate)])
        var state: UInt64 = 0x5EC0_4E3A_11
        func next() -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(truncatingIfNeeded: state >> 1)
        }
        for original in [der, streamed] {
            for _ in 0..<300 {
                var damaged = original
                for _ in 0...(next() % 3) {
                    let index = next() % damaged.count
                    switch next() % 3 {
                    case 0: damaged[index] = UInt8(truncatingIfNeeded: next())
                    case 1: damaged[index] ^= 0x80
                    default: damaged.removeSubrange(index..<min(damaged.count, index + 1 + next() % 8))
                    }
                }
                _ = try? CMS.decrypt(damaged, identities: [recipient])
            }
        }
    }

    /// Candidates are loaded in order until one is a recipient: the addressed mailbox's key opens
    /// the message without the others being read, and a key that cannot be read before a
    /// recipient is found is a configuration error, not an undecryptable message.
    @Test func decryptionLoadsCandidatesOnlyUntilOneIsARecipient() throws {
        let addressed = try CryptoFixtures.identity("sikkermail")
        let other = try CryptoFixtures.identity("sikkermail-arbejdsskade")
        let der = try CMS.encrypt(content, recipients: [CMSRecipient(certificate: addressed.certificate)])
        let loads = Mutex(0)
        let broken = DeferredIdentity(source: "of broken@gjensidige.dk (missing.key.pem)") {
            loads.withLock { $0 += 1 }
            throw ConfigurationError(source: "missing.key.pem", key: "", problem: "cannot read the key")
        }

        let opened = try CMS.decrypt(der, candidates: [DeferredIdentity(addressed), broken])
        #expect(opened.content == content)
        #expect(loads.withLock { $0 } == 0, "a candidate after the recipient is not loaded")

        let unavailable = #expect(throws: IdentityUnavailableError.self) {
            try CMS.decrypt(der, candidates: [DeferredIdentity(other), broken, DeferredIdentity(addressed)])
        }
        #expect(unavailable?.description.contains("missing.key.pem") == true)
        #expect(throws: IdentityUnavailableError.self) { try CMS.decrypt(der, candidates: [broken, DeferredIdentity(addressed)]) }
        #expect(loads.withLock { $0 } == 1, "a failed load is kept, not repeated for every message")

        let notOurs = #expect(throws: CryptoError.self) { try CMS.decrypt(der, candidates: [DeferredIdentity(other)]) }
        #expect(notOurs?.kind == .noMatchingRecipient)
    }

    @Test func signedDataIsNotDecryptable() throws {
        let identity = try CryptoFixtures.identity("sikkermail")
        let signed = try CMS.sign(content, signer: identity, detached: false)
        let error = try #require(throws: CryptoError.self) { try CMS.decrypt(signed, identities: [identity]) }
        #expect(error.kind == .malformedInput)
    }

    @Test(arguments: ContentCipher.allCases, RecipientCase.all)
    func opensslDecryptsOurs(cipher: ContentCipher, recipientCase: RecipientCase) throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let encrypted = try CMS.encrypt(
            content,
            recipients: [CMSRecipient(certificate: try CryptoFixtures.certificate(recipientCase.partnerName), keyTransport: recipientCase.transport),
                         CMSRecipient(certificate: try CryptoFixtures.certificate(recipientCase.name), keyTransport: recipientCase.transport)],
            cipher: cipher)
        try CryptoFixtures.write(encrypted, to: folder.appendingPathComponent("enc.der"))
        for name in [recipientCase.name, recipientCase.partnerName] {
            try OpenSSLTool.run(
                ["cms", "-decrypt", "-binary", "-inform", "DER", "-in", "enc.der", "-out", "out.txt",
                 "-recip", CryptoFixtures.certsPath("\(name).pem"), "-inkey", CryptoFixtures.certsPath("\(name).key.pem")],
                in: folder)
            #expect(try CryptoFixtures.bytes(folder.appendingPathComponent("out.txt").path) == content)
        }
    }

    @Test(arguments: ContentCipher.allCases, RecipientCase.all)
    func weDecryptOpenSSLs(cipher: ContentCipher, recipientCase: RecipientCase) throws {
        guard OpenSSLTool.available() else { return }
        let folder = try CryptoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CryptoFixtures.write(content, to: folder.appendingPathComponent("content.txt"))
        var arguments = ["cms", "-encrypt", "-binary", "-\(cipher.rawValue)", "-in", "content.txt", "-outform", "DER", "-out", "enc.der"]
        for name in [recipientCase.name, recipientCase.partnerName] {
            arguments += ["-recip", CryptoFixtures.certsPath("\(name).pem")]
            if recipientCase.transport == .rsaOAEP {
                arguments += ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256", "-keyopt", "rsa_mgf1_md:sha256"]
            }
        }
        try OpenSSLTool.run(arguments, in: folder)
        let encrypted = try CryptoFixtures.bytes(folder.appendingPathComponent("enc.der").path)
        for name in [recipientCase.name, recipientCase.partnerName] {
            let identity = try CryptoFixtures.identity(name)
            let result = try CMS.decrypt(encrypted, identities: [try CryptoFixtures.identity("demo-customer"), identity])
            #expect(result.content == content)
            #expect(result.recipient == identity.certificate)
            #expect(result.contentEncryptionAlgorithm == cipher.rawValue)
        }
    }
}
