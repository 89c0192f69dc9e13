/// What the gateway does with one inbound message for one secure mailbox.
public enum InboundAction: String, Sendable, Codable {
    /// Deliver the decrypted message to the routed address.
    case deliver
    /// Hold it in quarantine for an operator.
    case quarantine
    /// Refuse it permanently; the MTA bounces it to the sender.
    case reject
}

/// The decision for an inbound message and, when delivered, the message to deliver.
public struct InboundPlan: Sendable {
    public var action: InboundAction
    /// Internal addresses to deliver to (the route), when delivering.
    public var recipients: [String]
    /// The message as delivered: decrypted, protected headers restored, status headers added.
    public var deliveredMessage: MIMEPart?
    /// Why quarantined or rejected; empty when delivered as verified.
    public var reasons: [String]

    /// ``deliveredMessage`` serialised (a large one is better written piece by piece).
    public var message: [UInt8]? { deliveredMessage?.serialize() }
}

/// Decides what to do with an inspected inbound message and builds the delivered message.
/// Pure: no I/O.
public enum InboundPlanner {
    /// Status headers SecureMail sets; any arriving from outside are removed.
    public static let statusHeaderPrefix = "x-securemail-"

    public static func plan(_ inspection: Inspection, mailbox: MailboxSettings, route: RouteDecision) -> InboundPlan {
        let report = inspection.report
        guard let unwrapped = inspection.unwrapped else {
            return InboundPlan(action: .quarantine, recipients: [], deliveredMessage: nil, reasons: report.reasons)
        }
        switch report.verdict {
        case .decryptFailed, .malformed:
            // Never hand a person ciphertext they cannot read, or a structure we cannot judge.
            return InboundPlan(action: .quarantine, recipients: [], deliveredMessage: nil, reasons: report.reasons)
        case .verified:
            return InboundPlan(
                action: .deliver, recipients: route.to, deliveredMessage: deliveredMessage(unwrapped, report: report, subjectTag: nil),
                reasons: [])
        case .notVerified, .plain:
            let reasons = report.reasons.isEmpty ? ["the message is not signed"] : report.reasons
            switch mailbox.unverified {
            case .deliverMarked:
                return InboundPlan(
                    action: .deliver, recipients: route.to,
                    deliveredMessage: deliveredMessage(unwrapped, report: report, subjectTag: mailbox.unverifiedSubjectTag), reasons: reasons)
            case .quarantine:
                return InboundPlan(action: .quarantine, recipients: [], deliveredMessage: nil, reasons: reasons)
            case .reject:
                return InboundPlan(action: .reject, recipients: [], deliveredMessage: nil, reasons: reasons)
            }
        }
    }

    /// The decrypted message with the effective header (RFC 9788), without a legacy display
    /// part, without foreign status headers, with ours added and, for mail that is not
    /// verified, the Subject tagged and every HTML part neutralised (``HTMLNeutraliser``):
    /// content that is not verified may have been built or modified by an attacker around
    /// decrypted text (EFAIL), so it must not be able to make the reader's client load URLs.
    static func deliveredMessage(_ unwrapped: UnwrappedMessage, report: MessageReport, subjectTag: String?) -> MIMEPart {
        var content = ProtectedHeaders.removingLegacyDisplay(from: unwrapped.content)
        var header = ProtectedHeaders.effectiveHeader(of: unwrapped)
        header.removeAll { $0.name.lowercased().hasPrefix(statusHeaderPrefix) }
        if let subjectTag {
            let subject = ProtectedHeaders.effectiveValue("Subject", of: unwrapped)?.trimmingSpace() ?? ""
            if !subject.hasPrefix(subjectTag) {
                header.replaceOrAppend(name: "Subject", value: EncodedWords.encode(subject.isEmpty ? subjectTag : "\(subjectTag) \(subject)"))
            }
        }
        header.append(name: "X-SecureMail-Verdict", value: report.verdict.rawValue)
        header.append(name: "X-SecureMail-Signature", value: report.signature.rawValue)
        if let signer = report.signer {
            header.append(name: "X-SecureMail-Signer", value: signer)
        }
        let cipher = report.layers.first { $0.type != "signed" }?.algorithm
        header.append(name: "X-SecureMail-Encrypted", value: report.decrypted ? (cipher ?? "yes") : "no")
        if let route = report.route {
            header.append(name: "X-SecureMail-Route", value: EncodedWords.encode(route.matched ?? route.outcome.rawValue))
        }
        if content.headerTerminator.isEmpty { content.headerTerminator = header.lineEnding.bytes }
        content.header = header
        if report.verdict != .verified {
            content = neutralisingHTML(in: content)
        }
        return content
    }

    /// Media types rendered as HTML by mail clients and browsers.
    static let htmlTypes: Set<String> = ["text/html", "application/xhtml+xml"]

    /// `part` with every HTML leaf (in multiparts and embedded messages too) rewritten by
    /// ``HTMLNeutraliser``, as UTF-8 quoted-printable; other parts are left byte for byte.
    /// The depth is that of a tree the parser built within its limits.
    static func neutralisingHTML(in part: MIMEPart) -> MIMEPart {
        var result = part
        switch part.body {
        case .single:
            guard htmlTypes.contains(part.contentType.mimeType) else { return part }
            let html = part.text() ?? Charsets.decodeBestEffort(part.decodedBody())
            var contentType = part.contentType
            contentType.setParameter("charset", "utf-8")
            result.header.replaceOrAppend(contentType: contentType)
            result.header.replaceOrAppend(name: "Content-Transfer-Encoding", value: TransferEncoding.quotedPrintable.headerValue)
            result.body = .single(
                TransferEncoding.quotedPrintable.encode(Array(HTMLNeutraliser.neutralise(html).utf8), lineEnding: part.header.lineEnding))
            if result.headerTerminator.isEmpty { result.headerTerminator = part.header.lineEnding.bytes }
        case .multipart(var multipart):
            for index in multipart.entries.indices {
                multipart.entries[index].part = neutralisingHTML(in: multipart.entries[index].part)
            }
            result.body = .multipart(multipart)
        case .message(let inner):
            result.body = .message(neutralisingHTML(in: inner))
        }
        return result
    }
}
