import Foundation

extension Identity {
    /// Loads an identity from one file as operators hand it over: a PEM file with the private
    /// key and its certificate (plus any chain), a PEM key whose certificate lies beside it
    /// (`NAME.key.pem` next to `NAME.pem`), or a PKCS#12 file (DER, or base64 between
    /// `-----BEGIN PKCS12-----` lines). The file must be readable by its owner only.
    public static func load(keyFile path: String, passphrase: String?) throws -> Identity {
        try checkPrivateFilePermissions(path)
        let bytes = try readFile(path)
        if let armoured = pkcs12FromArmour(bytes) {
            return try loadPKCS12(armoured, passphrase: passphrase ?? "")
        }
        let text = String(decoding: bytes.prefix(256 * 1024), as: UTF8.self)
        guard text.contains("-----BEGIN ") else {
            return try loadPKCS12(bytes, passphrase: passphrase ?? "")
        }
        let key = try PrivateKey(pemEncoded: bytes, passphrase: passphrase)
        var certificates = (try? Certificate.parseAll(bytes)) ?? []
        if certificates.isEmpty, path.hasSuffix(".key.pem") {
            let sibling = String(path.dropLast(".key.pem".count)) + ".pem"
            if FileManager.default.fileExists(atPath: sibling) {
                certificates = try Certificate.parseAll(readFile(sibling))
            }
        }
        guard let certificate = certificates.first(where: { key.matches($0) }) else {
            throw CryptoError(
                .keyMismatch, operation: "find the certificate of the key in \(path)",
                remedy: "Append the certificate (PEM) to the key file, or place it beside the key as NAME.pem for NAME.key.pem.")
        }
        return try Identity(certificate: certificate, privateKey: key, chain: certificates.filter { $0 != certificate })
    }

    /// The DER inside `-----BEGIN PKCS12-----` armour, or nil when the bytes are not armoured.
    private static func pkcs12FromArmour(_ bytes: [UInt8]) -> [UInt8]? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let begin = text.range(of: "-----BEGIN PKCS12-----"),
            let end = text.range(of: "-----END PKCS12-----", range: begin.upperBound..<text.endIndex)
        else { return nil }
        let body = text[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body)).map { [UInt8]($0) }
    }
}
