/// Where a message to a secure mailbox goes, and why. Encodes to the `route` object of
/// the JSON report: `{"to": [...], "matched": "department:Skade", "ambiguous": false, ...}`.
public struct RouteDecision: Sendable, Codable, Hashable {
    /// How the decision was reached.
    public enum Outcome: String, Sendable, Codable, Hashable {
        /// Exactly one target won.
        case matched
        /// Two or more different targets tied; the mailbox's default destination applies.
        case ambiguous
        /// The Subject named nobody; the mailbox's default destination applies.
        case noMatch = "no-match"
        /// The Subject was missing or empty; the mailbox's default destination applies.
        case noSubject = "no-subject"
        /// The mailbox is not one of the configured secure mailboxes; there is no destination.
        case unknownMailbox = "unknown-mailbox"
    }

    /// The secure mailbox the message was addressed to, as given.
    public var mailbox: String
    /// The internal addresses to deliver to; empty only for an unknown mailbox.
    public var to: [String]
    /// The winning target, e.g. `employee:Søren Kjærgaard` or `department:Skade`; nil otherwise.
    public var matched: String?
    /// The configured name or alias that matched, e.g. `Skadeafdelingen`.
    public var matchedName: String?
    /// True when two different targets tied and the default destination was used instead.
    public var ambiguous: Bool
    /// The tied targets when ambiguous (labels like `matched`); empty otherwise.
    public var candidates: [String]
    /// The Subject after unfolding and removing reply/forward prefixes.
    public var effectiveSubject: String
    /// How the decision was reached, as a value scripts can test.
    public var outcome: Outcome
    /// One human-readable sentence explaining the decision.
    public var reason: String

    /// Creates a decision; the router is the usual source of these.
    public init(mailbox: String, to: [String], matched: String?, matchedName: String?, ambiguous: Bool,
                candidates: [String], effectiveSubject: String, outcome: Outcome, reason: String) {
        self.mailbox = mailbox
        self.to = to
        self.matched = matched
        self.matchedName = matchedName
        self.ambiguous = ambiguous
        self.candidates = candidates
        self.effectiveSubject = effectiveSubject
        self.outcome = outcome
        self.reason = reason
    }

    private enum CodingKeys: String, CodingKey {
        case mailbox, to, matched, matchedName, ambiguous, candidates, effectiveSubject, outcome, reason
    }

    /// Encodes every field, writing `null` for an absent match so that report readers
    /// always find the `matched` key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mailbox, forKey: .mailbox)
        try container.encode(to, forKey: .to)
        try container.encode(matched, forKey: .matched)
        try container.encode(matchedName, forKey: .matchedName)
        try container.encode(ambiguous, forKey: .ambiguous)
        try container.encode(candidates, forKey: .candidates)
        try container.encode(effectiveSubject, forKey: .effectiveSubject)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(reason, forKey: .reason)
    }
}

/// Routes a message to an employee or department named in its Subject (DESIGN.md §6).
///
/// Build one router per routing table and reuse it: the names are normalised once
/// (see `NameNormaliser`) and indexed by their first word, so routing a Subject costs
/// one normalisation of the Subject plus a lookup per word.
public struct SubjectRouter: Sendable {
    /// The table this router was built from.
    public let table: RoutingTable

    private struct Phrase: Sendable {
        let words: [String]
        let targetIndex: Int
        let text: String
    }

    private struct Match {
        let start: Int
        let end: Int
        let phrase: Phrase
        var length: Int { end - start }
    }

    private let phrasesByFirstWord: [String: [Phrase]]
    private let mailboxesByAddress: [String: SecureMailbox]

    /// Reply and forward prefixes in the languages customers write (Danish, Swedish,
    /// Norwegian, German, Dutch, English); longer first so `Fwd` is tried before `Fw`.
    private static let replyPrefixes: [[UInt8]] = ["antw", "fwd", "re", "sv", "vs", "fw", "aw", "wg", "vb"]
        .map { Array($0.utf8) }

    /// Normalises the table's names once for fast routing.
    public init(table: RoutingTable) {
        self.table = table
        var index: [String: [Phrase]] = [:]
        for (targetIndex, target) in table.targets.enumerated() {
            var seen: Set<[String]> = []
            for text in [target.name] + target.aliases {
                let words = NameNormaliser.words(of: text)
                guard let first = words.first, seen.insert(words).inserted else { continue }
                index[first, default: []].append(Phrase(words: words, targetIndex: targetIndex, text: text))
            }
        }
        phrasesByFirstWord = index
        var mailboxes: [String: SecureMailbox] = [:]
        for mailbox in table.mailboxes {
            let key = Self.normalisedAddress(mailbox.address)
            if mailboxes[key] == nil { mailboxes[key] = mailbox }
        }
        mailboxesByAddress = mailboxes
    }

    /// Routes `subject` (already RFC 2047 decoded; nil when the header is missing) of a
    /// message addressed to `mailbox`, building a router for `table` on the way. Prefer
    /// keeping a `SubjectRouter` when routing many messages.
    public static func route(subject: String?, mailbox: String, table: RoutingTable) -> RouteDecision {
        SubjectRouter(table: table).route(subject: subject, mailbox: mailbox)
    }

    /// Routes `subject` (already RFC 2047 decoded; nil when the header is missing) of a
    /// message addressed to `mailbox`.
    public func route(subject: String?, mailbox: String) -> RouteDecision {
        let effective = subject.map(Self.effectiveSubject(of:)) ?? ""
        guard let box = mailboxesByAddress[Self.normalisedAddress(mailbox)] else {
            let known = table.mailboxes.map(\.address).joined(separator: ", ")
            return RouteDecision(
                mailbox: mailbox, to: [], matched: nil, matchedName: nil, ambiguous: false, candidates: [],
                effectiveSubject: effective, outcome: .unknownMailbox,
                reason: "unknown mailbox \"\(mailbox)\": it is not one of the configured secure mailboxes (\(known)); no destination")
        }
        func fallback(_ outcome: RouteDecision.Outcome, candidates: [String] = [], because: String) -> RouteDecision {
            RouteDecision(
                mailbox: mailbox, to: [box.defaultDestination], matched: nil, matchedName: nil,
                ambiguous: outcome == .ambiguous, candidates: candidates, effectiveSubject: effective,
                outcome: outcome, reason: "\(because): default destination of \(box.address) (\(box.defaultDestination))")
        }
        guard subject != nil else { return fallback(.noSubject, because: "no Subject header") }
        let words = NameNormaliser.words(of: effective)
        guard !words.isEmpty else { return fallback(.noSubject, because: "empty subject") }

        let matches = outermostMatches(in: words)
        guard !matches.isEmpty else { return fallback(.noMatch, because: "no name matched") }

        let employees = matches.filter { table.targets[$0.phrase.targetIndex].kind == .employee }
        let contenders = employees.isEmpty ? matches : employees
        let longest = contenders.map(\.length).max() ?? 0
        var winners: [Match] = []
        for match in contenders where match.length == longest
            && !winners.contains(where: { $0.phrase.targetIndex == match.phrase.targetIndex }) {
            winners.append(match)
        }
        if winners.count > 1 {
            let labels = winners.map { table.targets[$0.phrase.targetIndex].label }
            let described = winners.map { describe(table.targets[$0.phrase.targetIndex]) }
            return fallback(.ambiguous, candidates: labels,
                            because: "ambiguous: \(described.joined(separator: " and ")) match equally well")
        }
        guard let winner = winners.first else { return fallback(.noMatch, because: "no name matched") }
        let target = table.targets[winner.phrase.targetIndex]
        var reason = "matched \(describe(target)) "
        if winner.phrase.text == target.name {
            reason += "by name"
        } else {
            reason += "via alias \"\(winner.phrase.text)\""
        }
        var outranked: [String] = []
        for match in matches where match.phrase.targetIndex != winner.phrase.targetIndex {
            let other = describe(table.targets[match.phrase.targetIndex])
            if !outranked.contains(other) { outranked.append(other) }
        }
        if !outranked.isEmpty {
            let rule = employees.isEmpty || employees.count == matches.count
                ? "the longer name wins" : "an employee outranks a department, and the longer name wins"
            reason += "; also named \(outranked.joined(separator: ", ")), but \(rule)"
        }
        return RouteDecision(
            mailbox: mailbox, to: [target.address], matched: target.label, matchedName: winner.phrase.text,
            ambiguous: false, candidates: [], effectiveSubject: effective, outcome: .matched, reason: reason)
    }

    /// Every occurrence of a configured name in `words`, leaving out occurrences that lie
    /// inside a longer one (so `Skade` inside `Mette Skade Jensen` does not count).
    private func outermostMatches(in words: [String]) -> [Match] {
        var all: [Match] = []
        for start in words.indices {
            guard let phrases = phrasesByFirstWord[words[start]] else { continue }
            for phrase in phrases where words.count - start >= phrase.words.count
                && words[start..<(start + phrase.words.count)].elementsEqual(phrase.words) {
                all.append(Match(start: start, end: start + phrase.words.count, phrase: phrase))
            }
        }
        return all.filter { match in
            !all.contains { other in
                other.length > match.length && other.start <= match.start && other.end >= match.end
            }
        }
    }

    private func describe(_ target: RouteTarget) -> String {
        "\(target.kind.rawValue) \"\(target.name)\""
    }

    /// The Subject as routing sees it: unfolded, whitespace runs collapsed, and reply or
    /// forward prefixes (`Re:`, `SV:`, `VS:`, `Fw:`, `Fwd:`, `AW:`, `WG:`, `Antw:`, `VB:`,
    /// also `Re[2]:`, `RE :`, `Re(3):`) removed however often they repeat.
    public static func effectiveSubject(of subject: String) -> String {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(subject.unicodeScalars.count)
        var pendingSpace = false
        for scalar in subject.unicodeScalars {
            if scalar == "\r" || scalar == "\n" || scalar.properties.isWhitespace {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if pendingSpace {
                scalars.append(" ")
                pendingSpace = false
            }
            scalars.append(scalar)
        }
        var position = 0
        while let next = prefixEnd(in: scalars, from: position) {
            position = next
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[position...])
        return String(view).trimmingWhitespace()
    }

    /// If a reply/forward prefix starts at `start` (after optional spaces), the index just
    /// past its colon and any following space.
    private static func prefixEnd(in scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start
        while index < scalars.count, scalars[index] == " " { index += 1 }
        for prefix in replyPrefixes {
            guard index + prefix.count <= scalars.count else { continue }
            var matches = true
            for offset in prefix.indices {
                let value = scalars[index + offset].value
                let lowered = (65...90).contains(value) ? value + 32 : value
                if lowered != UInt32(prefix[offset]) { matches = false; break }
            }
            guard matches else { continue }
            var cursor = index + prefix.count
            while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
            if cursor < scalars.count, scalars[cursor] == "[" || scalars[cursor] == "(" {
                let closing: Unicode.Scalar = scalars[cursor] == "[" ? "]" : ")"
                var digitsEnd = cursor + 1
                while digitsEnd < scalars.count, ("0"..."9").contains(scalars[digitsEnd]) { digitsEnd += 1 }
                guard digitsEnd > cursor + 1, digitsEnd < scalars.count, scalars[digitsEnd] == closing else { continue }
                cursor = digitsEnd + 1
                while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
            }
            guard cursor < scalars.count, scalars[cursor] == ":" || scalars[cursor] == "\u{FF1A}" else { continue }
            cursor += 1
            while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
            return cursor
        }
        return nil
    }

    /// Lower-cased, trimmed, angle brackets removed: how mailbox addresses are compared.
    static func normalisedAddress(_ address: String) -> String {
        var trimmed = address.trimmingWhitespace()
        if trimmed.hasPrefix("<"), trimmed.hasSuffix(">"), trimmed.count >= 2 {
            trimmed = String(trimmed.dropFirst().dropLast())
        }
        return trimmed.lowercased()
    }
}
