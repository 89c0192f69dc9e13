import Foundation

/// The verdict on a whole message (the JSON report's `verdict`).
public enum Verdict: String, Sendable, Codable {
    case verified
    case notVerified = "not-verified"
    case plain
    case decryptFailed = "decrypt-failed"
    case malformed
}

/// The summary of all signatures (the JSON report's `signature`).
public enum SignatureSummary: String, Sendable, Codable {
    case valid, invalid, untrusted, expired, revoked, none
}

/// The verdict with what it rests on.
public struct VerdictAssessment: Sendable, Equatable {
    public var verdict: Verdict
    public var signature: SignatureSummary
    /// Email of the first signer, if any.
    public var signer: String?
    /// Whether the signer's certificate names the single From address (nil when unsigned).
    public var signerMatchesFrom: Bool?
    /// One human-readable sentence per finding that kept the message from being verified, or
    /// that the reader should know.
    public var reasons: [String]
}

/// Applies the rule of DESIGN.md section 3: `verified` only when a signature layer covers
/// everything delivered; every signature layer has exactly one SignerInfo, over id-data, that
/// is cryptographically valid and whose certificate chains to a trust anchor, is in its
/// validity period and not revoked at the evaluation time; and the signer's certificate email
/// is the single address of the single From field (protected From first; an outer From, when
/// there is one, must agree). Everything else that is signed is `not-verified`.
public enum SignatureVerdict {
    public static func assess(_ message: UnwrappedMessage) -> VerdictAssessment {
        var reasons: [String] = []
        let signers = message.allSigners
        let summary = summarize(message)
        let firstSigner = signers.first?.email

        if let malformation = message.malformation {
            return VerdictAssessment(
                verdict: .malformed, signature: summary, signer: firstSigner, signerMatchesFrom: nil,
                reasons: ["the S/MIME structure is broken: \(malformation)"])
        }
        if let failure = message.decryptionFailure {
            return VerdictAssessment(
                verdict: .decryptFailed, signature: summary, signer: firstSigner, signerMatchesFrom: nil,
                reasons: ["the message could not be decrypted: \(failure)"])
        }
        let signatureLayers = message.layers.filter { $0.kind == .signed }
        if signatureLayers.isEmpty && message.partialSignatures.isEmpty {
            if message.isEncrypted {
                reasons.append("encrypted but not signed: the sender is not authenticated")
            }
            if message.embeddedEncryptedParts > 0 {
                reasons.append("an encrypted part is embedded in unencrypted content; it was not decrypted (possible EFAIL wrapping)")
            }
            return VerdictAssessment(
                verdict: message.isEncrypted ? .notVerified : .plain, signature: .none, signer: nil,
                signerMatchesFrom: nil, reasons: reasons)
        }

        if signatureLayers.isEmpty {
            reasons.append("only part of the message is signed: unsigned content stands beside the signed part")
        }
        if message.embeddedEncryptedParts > 0 {
            reasons.append("an encrypted part is embedded in other content; it was not decrypted (possible EFAIL wrapping)")
        }
        for layer in signatureLayers + message.partialSignatures {
            if layer.signers.count != 1 {
                reasons.append(layer.signers.isEmpty
                    ? "a signature layer has no signer"
                    : "a signature layer has \(layer.signers.count) signers; only single-signer mail is verified")
            }
            reasons += layer.warnings
            for signer in layer.signers where signer.status != .valid {
                let who = signer.email ?? signer.subject ?? "an unknown signer"
                reasons.append("the signature of \(who) is \(signer.status.rawValue)" + (signer.reason.map { ": \($0)" } ?? ""))
            }
        }

        let binding = fromBinding(message, signers: signatureLayers.flatMap(\.signers))
        reasons += binding.problems
        let verified = reasons.isEmpty && summary == .valid && binding.matches == true
        return VerdictAssessment(
            verdict: verified ? .verified : .notVerified, signature: summary, signer: firstSigner,
            signerMatchesFrom: binding.matches, reasons: reasons)
    }

    /// The worst status over all signers: invalid, then revoked, expired, untrusted, valid.
    static func summarize(_ message: UnwrappedMessage) -> SignatureSummary {
        let layers = message.layers.filter { $0.kind == .signed } + message.partialSignatures
        guard !layers.isEmpty else { return .none }
        let statuses = layers.flatMap { $0.signers.map(\.status) }
        if layers.contains(where: { $0.signers.isEmpty }) || statuses.contains(.invalid) { return .invalid }
        for status in [SignatureStatus.revoked, .expired, .untrusted] where statuses.contains(status) {
            return SignatureSummary(rawValue: status.rawValue) ?? .invalid
        }
        return .valid
    }

    private static func fromBinding(_ message: UnwrappedMessage, signers: [SignerOutcome]) -> (matches: Bool?, problems: [String]) {
        let candidates = signers.isEmpty ? message.partialSignatures.flatMap(\.signers) : signers
        guard !candidates.isEmpty else { return (nil, []) }
        var problems: [String] = []
        let protectedFrom = ProtectedHeaders.fields(of: message).filter { $0.name.lowercased() == "from" }
        let outerFrom = message.originalHeader.all("From")
        let fromFields = protectedFrom.isEmpty ? outerFrom : protectedFrom
        guard fromFields.count == 1, let fromField = fromFields.first else {
            return (false, [fromFields.isEmpty ? "the message has no From field" : "the message has \(fromFields.count) From fields"])
        }
        let mailboxes = AddressList.parse(fromField.value)
        guard mailboxes.count == 1, let from = mailboxes.first else {
            return (false, ["the From field names \(mailboxes.count) addresses; exactly one is required"])
        }
        if let displayName = from.displayName, let spoof = addressInDisplayName(displayName), !from.isSameAddress(as: spoof) {
            problems.append("the From display name shows the address \(spoof), but the message is from \(from.address)")
        }
        if !protectedFrom.isEmpty {
            if outerFrom.count > 1 {
                problems.append("the outer header has \(outerFrom.count) From fields")
            } else if let outer = outerFrom.first {
                let outerMailboxes = AddressList.parse(outer.value)
                if outerMailboxes.count != 1 || !(outerMailboxes.first?.isSameAddress(as: from) ?? false) {
                    problems.append("the outer From (\(outer.decodedValue)) differs from the signed From (\(from.address))")
                }
            }
        }
        let matches = candidates.allSatisfy { signer in signer.emailAddresses.contains { from.isSameAddress(as: $0) } }
        if !matches {
            let signerAddresses = candidates.map { $0.emailAddresses.joined(separator: ", ") }.joined(separator: "; ")
            problems.append("the signer (\(signerAddresses.isEmpty ? "no email in the certificate" : signerAddresses)) is not the From address \(from.address)")
        }
        return (matches, problems)
    }

    /// An address written in a display name (`"ceo@bank.example" <attacker@evil.example>`).
    /// Split on scalars, as `components(separatedBy:)` with a character set would, so that a
    /// combining mark after a separator does not hide it.
    private static func addressInDisplayName(_ displayName: String) -> String? {
        displayName.unicodeScalars.split(whereSeparator: isDisplayNameSeparator).lazy.map(String.init).first { token in
            let parts = token.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].contains("." as Character)
        }
    }

    private static func isDisplayNameSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "<", ">", "(", ")", "\"", "'", ",", ";", "[", "]": true
        default: false
        }
    }
}
