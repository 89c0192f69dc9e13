import Foundation

/// What unwrapping a message found: its layers, the innermost content, and anything that
/// stopped the unwrapping.
public struct UnwrappedMessage: Sendable {
    /// The header of the message as received. (The message itself is not kept: a large
    /// encrypted body is let go before its plaintext is made.)
    public var originalHeader: MIMEHeader
    /// Layers removed, outermost first.
    public var layers: [SMIMELayer]
    /// The innermost entity: what a reader sees once every layer is removed.
    public var content: MIMEPart
    /// Set when an encryption layer could not be opened; `content` is then the encrypted part
    /// with its header and without its body: the ciphertext is released before decryption, so
    /// that a large message is not held as base64, DER and plaintext at once. Whoever must keep
    /// such a message (quarantine) keeps the bytes it received.
    public var decryptionFailure: String?
    /// Set when the S/MIME structure is broken (not CMS, a multipart/signed without its two parts ...).
    public var malformation: String?
    /// Signatures found below an unsigned multipart: they sign only part of the message.
    public var partialSignatures: [SMIMELayer]
    /// An encrypted part below an unsigned multipart (never opened: see ``SMIMEUnwrapper``).
    public var embeddedEncryptedParts: Int

    /// True when at least one layer is a signature and it encloses everything in ``content``.
    public var isSignedThroughout: Bool { layers.contains { $0.kind == .signed } }
    public var isEncrypted: Bool { layers.contains { $0.kind != .signed } || decryptionFailure != nil || embeddedEncryptedParts > 0 }
    /// Every signer of every layer and partial signature, outermost first.
    public var allSigners: [SignerOutcome] { (layers + partialSignatures).flatMap(\.signers) }
}

/// Removes S/MIME layers (enveloped, authEnveloped, opaque signed, multipart/signed) from a
/// message, in any order and nesting, decrypting with the first of the given identities that
/// the message is for and verifying every signature against the trust store at the evaluation
/// time.
///
/// Only layers that enclose the whole message are removed. A signed or encrypted part below
/// an ordinary multipart (text beside it) is not a layer: its signatures are verified and
/// reported as partial, and encrypted parts there are not decrypted, because an attacker
/// can wrap a captured ciphertext in content of his own (EFAIL, USENIX Security 2018).
public struct SMIMEUnwrapper: Sendable {
    /// The identities to decrypt with, in order of preference (see ``CMS/decrypt(_:candidates:maximumInputSize:)``).
    public var decryptionCandidates: [DeferredIdentity]
    public var trust: TrustStore
    public var evaluationTime: Date
    public var limits: MIMELimits
    /// Most layers removed before the message is called malformed.
    public var maximumLayers: Int
    public var maximumCMSBytes: Int

    public init(
        decryptionCandidates: [DeferredIdentity], trust: TrustStore, evaluationTime: Date = Date(), limits: MIMELimits = .default,
        maximumLayers: Int = 8, maximumCMSBytes: Int = CryptoLimits.defaultMaximumInputSize
    ) {
        self.decryptionCandidates = decryptionCandidates
        self.trust = trust
        self.evaluationTime = evaluationTime
        self.limits = limits
        self.maximumLayers = maximumLayers
        self.maximumCMSBytes = maximumCMSBytes
    }

    /// ``init(decryptionCandidates:trust:evaluationTime:limits:maximumLayers:maximumCMSBytes:)``
    /// with identities already loaded.
    public init(
        identities: [Identity], trust: TrustStore, evaluationTime: Date = Date(), limits: MIMELimits = .default,
        maximumLayers: Int = 8, maximumCMSBytes: Int = CryptoLimits.defaultMaximumInputSize
    ) {
        self.init(
            decryptionCandidates: identities.map(DeferredIdentity.init), trust: trust, evaluationTime: evaluationTime, limits: limits,
            maximumLayers: maximumLayers, maximumCMSBytes: maximumCMSBytes)
    }

    /// Unwraps `message`, which it takes over: the body of an encrypted layer is released as
    /// soon as it is decoded, before decryption. Throws only when a key the message may need
    /// cannot be loaded: then there is nothing to judge the message by yet.
    public func unwrap(_ message: consuming MIMEPart) throws(IdentityUnavailableError) -> UnwrappedMessage {
        var result = UnwrappedMessage(
            originalHeader: message.header, layers: [], content: MIMEPart(header: MIMEHeader(), body: .single([])),
            decryptionFailure: nil, malformation: nil, partialSignatures: [], embeddedEncryptedParts: 0)
        var current = consume message
        while let kind = SMIMEEntityKind(current) {
            if result.layers.count >= maximumLayers {
                result.malformation = "more than \(maximumLayers) S/MIME layers"
                break
            }
            switch try peel(&current, kind: kind) {
            case .layer(let layer, let inner):
                result.layers.append(layer)
                current = inner
            case .cannotDecrypt(let reason):
                result.decryptionFailure = reason
                result.content = current
                return result
            case .malformed(let reason):
                result.malformation = reason
                result.content = current
                return result
            }
        }
        if !result.isSignedThroughout {
            inspectEmbeddedParts(of: current, into: &result, depth: 0)
        }
        result.content = current
        return result
    }

    private enum Peeled {
        case layer(SMIMELayer, MIMEPart)
        case cannotDecrypt(String)
        case malformed(String)
    }

    private func peel(_ entity: inout MIMEPart, kind: SMIMEEntityKind) throws(IdentityUnavailableError) -> Peeled {
        switch kind {
        case .pkcs7Mime:
            return try peelPKCS7Mime(&entity)
        case .multipartSigned:
            return peelMultipartSigned(entity)
        }
    }

    private func peelPKCS7Mime(_ entity: inout MIMEPart) throws(IdentityUnavailableError) -> Peeled {
        // The body of an encrypted layer is released before decryption anyway: it is decoded in
        // its own storage. Other layers keep theirs, which a failure reports.
        let der: [UInt8]
        switch CMS.contentType(ofOpening: entity.decodedBodyOpening(64)) {
        case .envelopedData, .authEnvelopedData: der = entity.takeDecodedBody()
        default: der = entity.decodedBody()
        }
        guard der.count <= maximumCMSBytes else { return .malformed("the CMS object is larger than \(maximumCMSBytes) bytes") }
        switch CMS.contentType(of: der, maximumInputSize: maximumCMSBytes) {
        case .envelopedData, .authEnvelopedData:
            entity.body = .single([])
            var decryption: CMSDecryption
            do {
                decryption = try CMS.decrypt(consume der, candidates: decryptionCandidates, maximumInputSize: maximumCMSBytes)
            } catch let error as IdentityUnavailableError {
                throw error
            } catch let error as CryptoError where error.kind == .malformedInput {
                return .malformed(error.description)
            } catch {
                return .cannotDecrypt("\(error)")
            }
            // Handed over, so that the parser takes the decrypted bytes over instead of copying them.
            let content = decryption.content
            decryption.content = []
            guard let inner = parseInner(content) else {
                return .malformed("the decrypted content is not a MIME entity within the limits")
            }
            let layer = SMIMELayer(
                kind: decryption.kind == .authEnveloped ? .authEnveloped : .enveloped,
                algorithm: decryption.contentEncryptionAlgorithm, decryptedWith: decryption.recipient.subject)
            return .layer(layer, inner)
        case .signedData:
            let verification: CMSVerification
            do {
                verification = try CMS.verify(der, detachedContent: nil, trust: trust, at: evaluationTime, maximumInputSize: maximumCMSBytes)
            } catch {
                return .malformed("the opaque signature cannot be read: \(error)")
            }
            guard let inner = parseInner(verification.content) else {
                return .malformed("the signed content is not a MIME entity within the limits")
            }
            return .layer(signatureLayer(verification, form: .opaque), inner)
        case .compressedData:
            return .malformed("CMS CompressedData is not supported")
        case .data, .other, nil:
            return .malformed("the application/pkcs7-mime body is not a CMS SignedData, EnvelopedData or AuthEnvelopedData")
        }
    }

    private func peelMultipartSigned(_ entity: MIMEPart) -> Peeled {
        guard case .multipart(let multipart) = entity.body, multipart.entries.count == 2 else {
            return .malformed("multipart/signed must have exactly two parts: the content and the signature")
        }
        let signed = multipart.entries[0].part
        let signature = multipart.entries[1].part
        guard Self.isSignaturePart(signature) else {
            return .malformed("the second part of multipart/signed is \(signature.contentType.mimeType), not application/pkcs7-signature")
        }
        let verification: CMSVerification
        do {
            verification = try CMS.verify(
                signature.decodedBody(), writingDetachedContent: CanonicalContent.writer(signed), trust: trust, at: evaluationTime,
                maximumInputSize: maximumCMSBytes)
        } catch {
            return .malformed("the detached signature cannot be read: \(error)")
        }
        return .layer(signatureLayer(verification, form: .detached), signed)
    }

    private func signatureLayer(_ verification: CMSVerification, form: SMIMELayer.Form) -> SMIMELayer {
        var warnings = verification.warnings
        if verification.signers.isEmpty { warnings.append("the SignedData has no SignerInfo: nothing is signed") }
        let digests = Set(verification.signers.map(\.digestAlgorithm)).sorted()
        return SMIMELayer(
            kind: .signed, algorithm: digests.joined(separator: ","), form: form,
            signers: verification.signers.map { SignerOutcome($0, bundled: verification.certificates) }, warnings: warnings)
    }

    /// Parses decrypted or signed content, which it takes over (see ``MIMEParser/parse(_:limits:)``).
    private func parseInner(_ bytes: consuming [UInt8]) -> MIMEPart? {
        try? MIMEParser.parse(consume bytes, limits: limits)
    }

    /// Looks below an ordinary multipart for signatures (verified and reported as partial) and
    /// encrypted parts (counted, not opened).
    private func inspectEmbeddedParts(of entity: MIMEPart, into result: inout UnwrappedMessage, depth: Int) {
        guard depth < limits.maxDepth else { return }
        for child in entity.children {
            switch SMIMEEntityKind(child) {
            case .multipartSigned:
                if case .layer(let layer, _) = peelMultipartSigned(child) { result.partialSignatures.append(layer) }
            case .pkcs7Mime:
                let der = child.decodedBody()
                switch CMS.contentType(of: der, maximumInputSize: maximumCMSBytes) {
                case .signedData:
                    if let verification = try? CMS.verify(der, detachedContent: nil, trust: trust, at: evaluationTime, maximumInputSize: maximumCMSBytes) {
                        result.partialSignatures.append(signatureLayer(verification, form: .opaque))
                    }
                case .envelopedData, .authEnvelopedData:
                    result.embeddedEncryptedParts += 1
                default:
                    break
                }
            case nil:
                inspectEmbeddedParts(of: child, into: &result, depth: depth + 1)
            }
        }
    }

    static func isSignaturePart(_ part: MIMEPart) -> Bool {
        let type = part.contentType.mimeType
        return type == "application/pkcs7-signature" || type == "application/x-pkcs7-signature"
    }
}

/// The two shapes an S/MIME layer takes in MIME.
enum SMIMEEntityKind {
    case pkcs7Mime
    case multipartSigned

    init?(_ part: MIMEPart) {
        let contentType = part.contentType
        switch contentType.mimeType {
        case "application/pkcs7-mime", "application/x-pkcs7-mime":
            self = .pkcs7Mime
        case "multipart/signed":
            self = .multipartSigned
        case "application/octet-stream":
            // Some clients label S/MIME as octet-stream and rely on the .p7m name (RFC 8551 section 3.2.2).
            guard let name = part.filename?.lowercased(), name.hasSuffix(".p7m") else { return nil }
            self = .pkcs7Mime
        default:
            return nil
        }
    }
}
