/// Seals quarantined messages with CMS AuthEnvelopedData (AES-256-GCM) to the gateway's
/// quarantine certificate, so that the database never holds a message in clear.
public struct CMSQuarantineSealer: QuarantineSealing {
    /// The certificate messages are sealed to.
    private let sealingCertificate: LoadedOnce<Certificate, any Error>
    /// The private half, needed only to open (show or release); nil in a relay that only seals.
    public var identity: Identity?

    public init(certificate: Certificate, identity: Identity?) {
        sealingCertificate = LoadedOnce(certificate)
        self.identity = identity
    }

    private init(sealingCertificate: LoadedOnce<Certificate, any Error>) {
        self.sealingCertificate = sealingCertificate
        identity = nil
    }

    /// Loads the quarantine certificate the configuration names, and its key when the sealer
    /// must also open what it sealed. `process` only seals, and seldom: it reads the first
    /// certificate of the file when it first seals a message (a failure then is a temporary
    /// error, and the MTA keeps the message), and never the key.
    public static func load(_ configuration: GatewayConfiguration, opening: Bool = true) throws -> CMSQuarantineSealer {
        let certificatePath = configuration.gateway.quarantineCertificate
        guard opening else {
            // parseAll throws rather than return no certificate.
            return CMSQuarantineSealer(sealingCertificate: LoadedOnce { try Certificate.parseAll(readFile(certificatePath))[0] })
        }
        let identity = try Identity.load(certificatePath: certificatePath, keyPath: configuration.gateway.quarantineKey, passphrase: nil)
        return CMSQuarantineSealer(certificate: identity.certificate, identity: identity)
    }

    public func seal(_ message: [UInt8]) throws -> [UInt8] {
        try CMS.encrypt(message, recipients: [CMSRecipient(certificate: sealingCertificate.value())], cipher: .aes256GCM)
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
