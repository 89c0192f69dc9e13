import Foundation

/// A recipient's certificate as the store knows it, with the capabilities the recipient announced.
public struct RecipientCertificate: Sendable {
    public var certificate: Certificate
    /// SMIMECapabilities harvested from the recipient's signed mail (OpenSSL names).
    public var capabilities: [String]

    public init(certificate: Certificate, capabilities: [String]) {
        self.certificate = certificate
        self.capabilities = capabilities
    }
}

/// One message to hand to the next hop.
public struct Delivery: Sendable, Equatable {
    public var sender: String
    public var recipients: [String]
    public var message: MessageBytes
    /// What this copy is, for logs and reports (`encrypted`, `unchanged`, `tls-required`, `notice`).
    public var kind: String

    public init(sender: String, recipients: [String], message: MessageBytes, kind: String) {
        self.sender = sender
        self.recipients = recipients
        self.message = message
        self.kind = kind
    }
}

/// What happens to one outbound message.
public struct OutboundPlan: Sendable {
    public var decision: OutboundDecision
    /// Copies to send now.
    public var deliveries: [Delivery]
    /// Recipients whose copy is held in quarantine (the whole original message is quarantined).
    public var heldRecipients: [String]
    /// The quarantine entry the notice to the sender names; set exactly when recipients are held.
    public var quarantineID: UUID?
    /// Set when the policy refuses the message outright; the MTA bounces it with this text.
    public var rejection: String?
    public var reasons: [String]
}

/// Builds the outbound copies: encrypted and signed for recipients with a certificate, held
/// (with a notice to the sender) or sent over enforced TLS for those without. Pure apart from
/// the cryptography.
public struct OutboundPlanner: Sendable {
    public var settings: OutboundSettings
    /// The mailbox that signs and keeps a copy; nil when no mailbox key is available.
    public var signer: Identity?
    /// Certificates the encrypted copies are also encrypted to, so the sent copy stays readable inside.
    public var ownCertificates: [Certificate]
    /// The address notices come from.
    public var noticeSender: String
    /// Where a large encrypted copy is written as it is made instead of being held in memory;
    /// nil keeps every copy in memory.
    public var spillDirectory: String?

    public init(
        settings: OutboundSettings, signer: Identity?, ownCertificates: [Certificate], noticeSender: String, spillDirectory: String? = nil
    ) {
        self.settings = settings
        self.signer = signer
        self.ownCertificates = ownCertificates
        self.noticeSender = noticeSender
        self.spillDirectory = spillDirectory
    }

    /// Header added to copies that must travel over enforced TLS; Postfix routes them (README).
    public static let requireTLSHeader = "X-SecureMail-Require-TLS"

    public func plan(
        message: MIMEPart, sender: String, recipients: [String], internalRecipients: Set<String>, decision: OutboundDecision,
        certificates: [String: RecipientCertificate]
    ) throws -> OutboundPlan {
        let external = recipients.filter { !internalRecipients.contains($0.lowercased()) }
        let internalOnes = recipients.filter { internalRecipients.contains($0.lowercased()) }
        // Serialised only when an unchanged copy goes out: a large message is not held twice for nothing.
        var serialized: MessageBytes?
        func original() throws -> MessageBytes {
            if let serialized { return serialized }
            let bytes = try MessageBytes(serializing: message, spillDirectory: spillDirectory)
            serialized = bytes
            return bytes
        }
        var deliveries: [Delivery] = []
        if !internalOnes.isEmpty {
            deliveries.append(Delivery(sender: sender, recipients: internalOnes, message: try original(), kind: "unchanged"))
        }
        var plan = OutboundPlan(decision: decision, deliveries: [], heldRecipients: [], quarantineID: nil, rejection: nil, reasons: decision.reasons)
        switch decision.action {
        case .allow:
            if !external.isEmpty { deliveries.append(Delivery(sender: sender, recipients: external, message: try original(), kind: "unchanged")) }
        case .block:
            plan.rejection = "5.7.1 Message blocked by the data protection policy: " + Self.summary(decision.findings)
            return plan
        case .quarantine:
            let quarantineID = UUID()
            plan.heldRecipients = recipients
            plan.quarantineID = quarantineID
            plan.deliveries = [notice(to: sender, held: recipients, decision: decision, quarantineID: quarantineID, subject: message)]
            return plan
        case .encrypt, .encryptOrTLS:
            var withoutCertificate: [String] = []
            for recipient in external {
                if let certificate = certificates[recipient.lowercased()] {
                    deliveries.append(try encryptedCopy(of: message, sender: sender, recipient: recipient, certificate: certificate))
                } else {
                    withoutCertificate.append(recipient)
                }
            }
            if !withoutCertificate.isEmpty {
                if decision.action == .encryptOrTLS {
                    var marked = message
                    marked.header.replaceOrAppend(name: Self.requireTLSHeader, value: "yes")
                    deliveries.append(Delivery(sender: sender, recipients: withoutCertificate, message: try MessageBytes(serializing: marked, spillDirectory: spillDirectory), kind: "tls-required"))
                } else {
                    let quarantineID = UUID()
                    plan.heldRecipients = withoutCertificate
                    plan.quarantineID = quarantineID
                    deliveries.append(notice(to: sender, held: withoutCertificate, decision: decision, quarantineID: quarantineID, subject: message))
                    plan.reasons.append("no certificate for \(withoutCertificate.joined(separator: ", ")): held in quarantine \(quarantineID.uuidString)")
                }
            }
        }
        plan.deliveries = deliveries
        return plan
    }

    /// Signed (when a mailbox key is at hand) and encrypted to the recipient and to the
    /// mailbox's own certificates; AES-256-GCM and RSA-OAEP when the recipient announced them.
    func encryptedCopy(of message: MIMEPart, sender: String, recipient: String, certificate: RecipientCertificate) throws -> Delivery {
        let capabilities = Set(certificate.capabilities)
        let cipher: ContentCipher =
            capabilities.contains("aes-256-gcm") ? .aes256GCM : ContentCipher(rawValue: settings.cipher) ?? .aes256CBC
        let keyTransport: KeyTransport = capabilities.contains("rsaesOaep") ? .rsaOAEP : .rsaPKCS1v15
        let recipients = [CMSRecipient(certificate: certificate.certificate, keyTransport: keyTransport)]
            + Self.companionCertificates(ownCertificates, for: certificate.certificate).map { CMSRecipient(certificate: $0) }
        let opaque = settings.signing == "opaque"
        let sign: ((MIMEPart) throws -> MIMEPart)? = signer.map { signer in
            { content in opaque ? try SMIMEWriter.signOpaque(content, signer: signer) : try SMIMEWriter.signDetached(content, signer: signer) }
        }
        let bytes = try SMIMEWriter.wrapEncrypted(
            message, protectHeaders: true, recipients: recipients, cipher: cipher, spillDirectory: spillDirectory, sign: sign)
        return Delivery(sender: sender, recipients: [recipient], message: bytes, kind: "encrypted")
    }

    /// The mailbox's own certificates to encrypt a copy to as well. Clients that know only RSA
    /// (gpgsm 2.2, NSS's cmsutil, older Outlook) cannot open a message that also holds an ECDH
    /// RecipientInfo, so EC certificates are added only for EC recipients.
    static func companionCertificates(_ own: [Certificate], for recipient: Certificate) -> [Certificate] {
        let recipientIsEC: Bool
        if case .ec = recipient.publicKeyAlgorithm { recipientIsEC = true } else { recipientIsEC = false }
        return own.filter { certificate in
            guard certificate != recipient else { return false }
            if case .rsa = certificate.publicKeyAlgorithm { return true }
            return recipientIsEC
        }
    }

    /// A notice to the internal sender: what was held, why (masked), and what to do.
    func notice(to sender: String, held: [String], decision: OutboundDecision, quarantineID: UUID, subject message: MIMEPart) -> Delivery {
        let originalSubject = SensitiveContentScan.maskingIdentifiers(in: message.header.first("Subject")?.decodedValue ?? "")
        let body = """
            Din besked "\(originalSubject)" er tilbageholdt, fordi den indeholder følsomme personoplysninger,
            og der ikke findes et certifikat til at kryptere den til: \(held.joined(separator: ", ")).

            Fundet (maskeret): \(Self.summary(decision.findings))

            Hvad du kan gøre:
            - Bed modtageren sende dig en signeret mail; så gemmer SecureMail modtagerens certifikat, og du kan sende igen.
            - Eller få en administrator til at importere modtagerens certifikat: securemail-relay certs import FIL
            - Eller fjern oplysningerne og send beskeden igen.
            Administratoren kan frigive eller slette beskeden: securemail-relay quarantine show \(quarantineID.uuidString)

            Your message "\(originalSubject)" was held: it contains sensitive personal data and there is no certificate
            to encrypt it to for \(held.joined(separator: ", ")). Found (masked): \(Self.summary(decision.findings)).
            Ask the recipient for a signed mail, have their certificate imported, or remove the data and send again.
            Quarantine id: \(quarantineID.uuidString)

            """
        var notice = MIMEPart.leaf(
            content: Array(body.replacingOccurrences(of: "\n", with: "\r\n").utf8),
            contentType: ContentType(type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "utf-8")]),
            transferEncoding: .quotedPrintable)
        notice.header.fields = [
            MIMEHeaderField(name: "From", value: "SecureMail <\(noticeSender)>"),
            MIMEHeaderField(name: "To", value: sender),
            MIMEHeaderField(name: "Subject", value: EncodedWords.encode("[SecureMail] Besked tilbageholdt / message held: \(originalSubject)")),
            MIMEHeaderField(name: "Date", value: Self.rfc5322Date(Date())),
            MIMEHeaderField(name: "Message-ID", value: "<\(quarantineID.uuidString.lowercased()).notice@securemail.invalid>"),
            MIMEHeaderField(name: "Auto-Submitted", value: "auto-generated"),
            MIMEHeaderField(name: "MIME-Version", value: "1.0"),
        ] + notice.header.fields
        return Delivery(sender: "", recipients: [sender], message: MessageBytes(notice.serialize()), kind: "notice")
    }

    /// Finding kinds with masked values, never a clear identifier.
    static func summary(_ findings: [Finding]) -> String {
        var seen: [String] = []
        for finding in findings {
            let entry = finding.kind.isIdentifier ? "\(finding.kind.rawValue) \(finding.masked)" : finding.kind.rawValue
            if !seen.contains(entry) { seen.append(entry) }
        }
        return seen.joined(separator: ", ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
