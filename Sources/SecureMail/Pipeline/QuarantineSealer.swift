/// Seals quarantined messages with CMS AuthEnvelopedData (AES-256-GCM) to the gateway's
/// quarantine certificate, so that the database never holds a message in clear.
public struct CMSQuarantineSealer: QuarantineSealing {
    public var certificate: Certificate
    /// The private half, needed only to open (show or release); nil in a relay that only seals.
    public var identity: Identity?

    public init(certificate: Certificate, identity: Identity?) {
        self.certificate = certificate
        self.identity = identity
    }

    /// Loads the quarantine certificate the configuration names, and its key when the sealer
    /// must also open what it sealed. `process` only seals: it reads the first certificate of
    /// the file and not the key.
    public static func load(_ configuration: GatewayConfiguration, opening: Bool = true) throws -> CMSQuarantineSealer {
        let certificatePath = configuration.gateway.quarantineCertificate
        guard opening else {
            // parseAll throws rather than return no certificate.
            let certificates = try Certificate.parseAll(readFile(certificatePath))
            return CMSQuarantineSealer(certificate: certificates[0], identity: nil)
        }
        let identity = try Identity.load(certificatePath: certificatePath, keyPath: configuration.gateway.quarantineKey, passphrase: nil)
        return CMSQuarantineSealer(certificate: identity.certificate, identity: identity)
    }

    public func seal(_ message: [UInt8]) throws -> [UInt8] {
        try CMS.encrypt(message, recipients: [CMSRecipient(certificate: certificate)], cipher: .aes256GCM)
    }

    public func open(_ sealed: [UInt8]) throws -> [UInt8] {
        guard let identity else {
            throw CryptoError(
                .noMatchingRecipient, operation: "open a quarantined message",
                remedy: "Configure gateway.quarantine_key: only the holder of the quarantine key can show or release quarantined mail.")
        }
        return try CMS.decrypt(sealed, identities: [identity]).content
    }
}
