/// Builds S/MIME entities (RFC 8551) around MIME content: detached and opaque signatures,
/// EnvelopedData and AuthEnvelopedData.
public enum SMIMEWriter {
    /// `multipart/signed` with `protocol="application/pkcs7-signature"`: readable without S/MIME.
    /// The content is made 7-bit safe first, then signed in canonical (CRLF) form.
    public static func signDetached(_ content: MIMEPart, signer: Identity, digest: DigestAlgorithm = .sha256) throws -> MIMEPart {
        let prepared = sevenBitSafe(content)
        let signature = try CMS.sign(
            writing: CanonicalContent.writer(prepared), signer: signer, digest: digest, detached: true, extraCertificates: signer.chain)
        return multipartSigned(prepared, signature: signature, digest: digest)
    }

    /// `application/pkcs7-mime; smime-type=signed-data`: the content inside the signature.
    public static func signOpaque(_ content: MIMEPart, signer: Identity, digest: DigestAlgorithm = .sha256) throws -> MIMEPart {
        let signed = try CMS.sign(
            writing: CanonicalContent.writer(content), signer: signer, digest: digest, detached: false, extraCertificates: signer.chain)
        return pkcs7Mime(signed, smimeType: "signed-data")
    }

    /// `application/pkcs7-mime; smime-type=enveloped-data` (CBC) or `authEnveloped-data` (GCM, RFC 8551 section 3.4).
    public static func encrypt(_ content: MIMEPart, recipients: [CMSRecipient], cipher: ContentCipher = .aes256CBC) throws -> MIMEPart {
        let enveloped = try CMS.encrypt(writing: CanonicalContent.writer(content), recipients: recipients, cipher: cipher)
        return pkcs7Mime(enveloped, smimeType: smimeType(of: cipher))
    }

    /// The bytes of ``wrap(_:protectHeaders:encrypted:obscuredSubject:transform:)`` around `sign`
    /// (when given) and ``encrypt(_:recipients:cipher:)``, but streamed: the encrypted body is
    /// BER, base64-encoded as OpenSSL writes it straight onto the end of the result, so that a
    /// large message's ciphertext is held neither by OpenSSL, nor as DER, nor as a part. A result
    /// of more than ``SpillFile/threshold`` goes into a spill file in `spillDirectory` when given.
    /// - Throws: ``CryptoError`` when OpenSSL cannot encrypt; ``FileInputError`` when the spill
    ///   file cannot be written.
    public static func wrapEncrypted(
        _ message: MIMEPart, protectHeaders: Bool, obscuredSubject: String? = nil, recipients: [CMSRecipient],
        cipher: ContentCipher = .aes256CBC, spillDirectory: String? = nil, sign: ((MIMEPart) throws -> MIMEPart)? = nil
    ) throws -> MessageBytes {
        let inner = innerPart(of: message, protectHeaders: protectHeaders, encrypted: true)
        let content = try sign?(inner) ?? inner
        let placeholder = pkcs7Mime([], smimeType: smimeType(of: cipher))
        let outer = outerPart(of: message, obscuredSubject: obscuredSubject, around: placeholder)
        // One scan for the length first, so that the result is allocated once (growing it would
        // copy a large message and hold it twice meanwhile), or goes to a spill file from the start.
        var contentLength = 0
        try CanonicalContent.writer(content)({ piece in contentLength += piece.count })
        var encoder = Base64.LineEncoder(lineEnding: .crlf)
        let header = outer.serialize()
        var output = MessageBytesWriter(
            expectedCount: header.count + encoder.encodedLength(of: estimatedEncryptedLength(contentLength, recipients: recipients.count)),
            spillDirectory: spillDirectory)
        output.append { $0 += header }
        try CMS.encrypt(writing: CanonicalContent.writer(content), recipients: recipients, cipher: cipher) { piece in
            output.append { encoder.append(piece, to: &$0) }
        }
        output.append { encoder.finish(to: &$0) }
        return try output.finish()
    }

    /// A little more than the streamed CMS structure around `contentLength` bytes takes: the
    /// content, its padding, one OCTET STRING header per 4 KB that the cipher writes at a time,
    /// and the recipients.
    private static func estimatedEncryptedLength(_ contentLength: Int, recipients: Int) -> Int {
        contentLength + contentLength / 512 + 4096 + 2048 * recipients
    }

    static func smimeType(of cipher: ContentCipher) -> String {
        cipher == .aes256GCM ? "authEnveloped-data" : "enveloped-data"
    }

    /// Puts a whole message through `transform` (sign, encrypt or both): the message's MIME
    /// content goes inside; the transport fields (From, To, Subject ...) stay outside. With
    /// `protectHeaders`, copies of the protectable fields go inside as well (RFC 9788,
    /// `hp="cipher"` for encrypted results, `hp="clear"` for signed-only ones), and
    /// `obscuredSubject` replaces the outer Subject when given.
    public static func wrap(
        _ message: MIMEPart, protectHeaders: Bool, encrypted: Bool, obscuredSubject: String? = nil,
        transform: (MIMEPart) throws -> MIMEPart
    ) throws -> MIMEPart {
        let wrapped = try transform(innerPart(of: message, protectHeaders: protectHeaders, encrypted: encrypted))
        return outerPart(of: message, obscuredSubject: obscuredSubject, around: wrapped)
    }

    /// What goes inside: the message's MIME content, with copies of the protectable fields when
    /// `protectHeaders` is set.
    private static func innerPart(of message: MIMEPart, protectHeaders: Bool, encrypted: Bool) -> MIMEPart {
        var inner = message
        inner.header.removeAll { !$0.name.lowercased().hasPrefix("content-") }
        if protectHeaders {
            var contentType = inner.contentType
            contentType.setParameter("hp", encrypted ? "cipher" : "clear")
            inner.header.replaceOrAppend(contentType: contentType)
            inner.header.fields += message.header.fields.filter { ProtectedHeaders.protectableNames.contains($0.name.lowercased()) }
        }
        return inner
    }

    /// The message's transport fields around `wrapped`'s content fields and body.
    private static func outerPart(of message: MIMEPart, obscuredSubject: String?, around wrapped: MIMEPart) -> MIMEPart {
        var outer = message.header
        outer.removeAll { $0.name.lowercased().hasPrefix("content-") }
        if let obscuredSubject, outer.first("Subject") != nil {
            outer.replaceOrAppend(name: "Subject", value: obscuredSubject)
        }
        if outer.first("MIME-Version") == nil { outer.append(name: "MIME-Version", value: "1.0") }
        outer.fields += wrapped.header.fields
        return MIMEPart(header: outer, body: wrapped.body)
    }

    /// Re-encodes 8-bit and binary leaves (quoted-printable for text, base64 otherwise), because
    /// a relay that downgrades 8-bit mail would break a signature over them (RFC 8551 section 3.1.2).
    public static func sevenBitSafe(_ part: MIMEPart) -> MIMEPart {
        var result = part
        switch part.body {
        case .multipart(var multipart):
            for index in multipart.entries.indices {
                multipart.entries[index].part = sevenBitSafe(multipart.entries[index].part)
            }
            result.body = .multipart(multipart)
        case .message(let inner):
            let safeInner = sevenBitSafe(inner)
            if safeInner != inner {
                result.body = .message(safeInner)
                if part.header.contentTransferEncoding != .sevenBit {
                    result.header.replaceOrAppend(name: "Content-Transfer-Encoding", value: "7bit")
                }
            }
        case .single(let raw):
            let encoding = part.header.contentTransferEncoding
            // Encoded bodies are left alone: decided before scanning a large base64 body for nothing.
            guard encoding != .base64, encoding != .quotedPrintable else { return part }
            let needsEncoding = encoding == .eightBit || encoding == .binary || raw.contains { $0 >= 0x80 || $0 == 0 }
            guard needsEncoding else { return part }
            let decoded = part.decodedBody()
            let isText = part.contentType.type == "text"
            let newEncoding: TransferEncoding = isText ? .quotedPrintable : .base64
            result.header.replaceOrAppend(name: "Content-Transfer-Encoding", value: newEncoding.headerValue)
            result.body = .single(newEncoding.encode(decoded, lineEnding: part.header.lineEnding, isText: isText))
        }
        return result
    }

    /// Puts content and a detached CMS signature (DER) together as `multipart/signed`.
    public static func multipartSigned(_ content: MIMEPart, signature: [UInt8], digest: DigestAlgorithm) -> MIMEPart {
        let signaturePart = MIMEPart.leaf(
            content: signature,
            contentType: ContentType(type: "application", subtype: "pkcs7-signature", parameters: [MIMEParameter(name: "name", value: "smime.p7s")]),
            transferEncoding: .base64,
            extraFields: [(name: "Content-Disposition", value: "attachment; filename=\"smime.p7s\"")])
        return MIMEPart.multipart(
            subtype: "signed", parts: [content, signaturePart],
            parameters: [
                MIMEParameter(name: "protocol", value: "application/pkcs7-signature"),
                MIMEParameter(name: "micalg", value: micalg(digest)),
            ])
    }

    static func micalg(_ digest: DigestAlgorithm) -> String {
        switch digest {
        case .sha256: "sha-256"
        case .sha384: "sha-384"
        case .sha512: "sha-512"
        }
    }

    /// An `application/pkcs7-mime` entity around a CMS object (DER); `smimeType` is
    /// `signed-data`, `enveloped-data` or `authEnveloped-data`.
    public static func pkcs7Mime(_ der: [UInt8], smimeType: String) -> MIMEPart {
        MIMEPart.leaf(
            content: der,
            contentType: ContentType(
                type: "application", subtype: "pkcs7-mime",
                parameters: [MIMEParameter(name: "smime-type", value: smimeType), MIMEParameter(name: "name", value: "smime.p7m")]),
            transferEncoding: .base64,
            extraFields: [(name: "Content-Disposition", value: "attachment; filename=\"smime.p7m\"")])
    }
}
