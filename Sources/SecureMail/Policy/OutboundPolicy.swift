/// What outbound mail with sensitive content gets, from the mildest to the strictest.
public enum OutboundAction: String, Sendable, Codable, Hashable, CaseIterable, Comparable {
    /// Leave the message as it is.
    case allow
    /// Encrypt to recipients with a certificate; send the others over enforced TLS.
    case encryptOrTLS = "encrypt-or-tls"
    /// Encrypt to every recipient; hold the message for recipients without a certificate.
    case encrypt
    /// Hold the whole message for an operator.
    case quarantine
    /// Refuse the message; the sender is told why.
    case block

    private var strictness: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: OutboundAction, rhs: OutboundAction) -> Bool { lhs.strictness < rhs.strictness }
}

/// One outbound rule: findings of these kinds, at or above this confidence, get this action.
public struct OutboundRule: Sendable, Codable, Hashable {
    /// The kinds the rule applies to; nil for every kind (`*` in the configuration).
    public var kinds: Set<FindingKind>?
    public var minimumConfidence: FindingConfidence
    public var action: OutboundAction

    public init(kinds: Set<FindingKind>?, minimumConfidence: FindingConfidence = .medium, action: OutboundAction) {
        self.kinds = kinds
        self.minimumConfidence = minimumConfidence
        self.action = action
    }

    /// Encrypt every identifier and special-category finding.
    public static let defaults = [OutboundRule(kinds: nil, minimumConfidence: .medium, action: .encrypt)]

    public func matches(_ finding: Finding) -> Bool {
        (kinds?.contains(finding.kind) ?? true) && (minimumConfidence == .medium || finding.confidence == .high)
    }
}

/// The policy decision for one message.
public struct OutboundDecision: Sendable, Hashable {
    public var action: OutboundAction
    /// The findings that decided it (masked values only).
    public var findings: [Finding]
    /// One sentence per finding kind that triggered a rule.
    public var reasons: [String]
}

/// Applies the outbound rules: for each finding, the first rule that matches decides that
/// finding's action; the message gets the strictest of them. No finding, or no matching
/// rule: `allow`.
public enum OutboundPolicy {
    public static func decide(_ findings: [Finding], rules: [OutboundRule]) -> OutboundDecision {
        var action = OutboundAction.allow
        var deciding: [Finding] = []
        var reasons: [String] = []
        for finding in findings {
            guard let rule = rules.first(where: { $0.matches(finding) }), rule.action != .allow else { continue }
            action = max(action, rule.action)
            deciding.append(finding)
            let reason = "\(finding.kind.rawValue) (\(finding.confidence.rawValue) confidence) in \(finding.location): \(rule.action.rawValue)"
            if !reasons.contains(reason) { reasons.append(reason) }
        }
        return OutboundDecision(action: action, findings: deciding, reasons: reasons)
    }
}
