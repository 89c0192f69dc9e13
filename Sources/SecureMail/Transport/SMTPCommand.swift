/// A parsed SMTP command line (server side).
enum SMTPCommand: Equatable {
    case ehlo(String)
    case helo(String)
    case mail(sender: String, parameters: [String: String])
    case rcpt(recipient: String, parameters: [String: String])
    case data
    case rset
    case noop
    case quit
    case vrfy
    case xforward([String: String])
    /// A known verb whose arguments are wrong; carries the reply to give.
    case syntaxError(SMTPReply)
    /// Not a command this server knows.
    case unrecognized

    /// The XFORWARD attributes the server announces and accepts (Postfix XFORWARD_README).
    static let forwardAttributes = ["NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE"]

    /// Parses one command line (without its line end).
    static func parse(_ line: String) -> SMTPCommand {
        let trimmed = line.trimmingSpaces
        let parts = trimmed.split(separator: " ", maxSplits: 1)
        guard let verbPart = parts.first else { return .unrecognized }
        let verb = verbPart.uppercased()
        let argument = parts.count > 1 ? String(parts[1]).trimmingSpaces : ""
        switch verb {
        case "EHLO", "HELO":
            guard !argument.isEmpty else {
                return .syntaxError(SMTPReply(code: 501, enhanced: "5.5.4", "Syntax: \(verb) hostname"))
            }
            return verb == "EHLO" ? .ehlo(argument) : .helo(argument)
        case "MAIL":
            guard let (path, parameters) = parsePath(argument, keyword: "FROM:") else {
                return .syntaxError(SMTPReply(code: 501, enhanced: "5.5.4", "Syntax: MAIL FROM:<address>"))
            }
            return .mail(sender: path, parameters: parameters)
        case "RCPT":
            guard let (path, parameters) = parsePath(argument, keyword: "TO:") else {
                return .syntaxError(SMTPReply(code: 501, enhanced: "5.5.4", "Syntax: RCPT TO:<address>"))
            }
            guard !path.isEmpty else {
                return .syntaxError(SMTPReply(code: 501, enhanced: "5.1.3", "Bad recipient address syntax"))
            }
            return .rcpt(recipient: path, parameters: parameters)
        case "DATA", "RSET", "QUIT":
            guard argument.isEmpty else {
                return .syntaxError(SMTPReply(code: 501, enhanced: "5.5.4", "Syntax: \(verb) takes no arguments"))
            }
            return verb == "DATA" ? .data : verb == "RSET" ? .rset : .quit
        case "NOOP":
            return .noop
        case "VRFY":
            return .vrfy
        case "XFORWARD":
            var attributes: [String: String] = [:]
            for item in argument.split(separator: " ") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = pair[0].uppercased()
                guard pair.count == 2, forwardAttributes.contains(name), let value = decodeXtext(String(pair[1])) else {
                    return .syntaxError(SMTPReply(code: 501, enhanced: "5.5.4", "Bad XFORWARD attribute"))
                }
                attributes[name] = value
            }
            guard !attributes.isEmpty else {
                return .syntaxError(SMTPReply(code: 501, enhanced: "5.5.4", "Syntax: XFORWARD attribute=value..."))
            }
            return .xforward(attributes)
        default:
            return .unrecognized
        }
    }

    /// Parses `FROM:<path> PARAM=value ...` (spaces after the colon tolerated); returns the address
    /// without brackets or source route, and the parameters keyed upper-case.
    static func parsePath(_ argument: String, keyword: String) -> (String, [String: String])? {
        guard argument.uppercased().hasPrefix(keyword) else { return nil }
        let rest = argument.dropFirst(keyword.count).drop(while: { $0 == " " })
        guard rest.first == "<" else { return nil }
        var inQuotes = false
        var escaped = false
        var close: String.Index?
        for index in rest.indices.dropFirst() {
            let character = rest[index]
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true } else if character == "\"" { inQuotes.toggle() } else if character == ">" && !inQuotes {
                close = index
                break
            }
        }
        guard let close else { return nil }
        var address = String(rest[rest.index(after: rest.startIndex)..<close])
        if address.hasPrefix("@"), let colon = address.firstIndex(of: ":") {
            address = String(address[address.index(after: colon)...])
        }
        guard !address.contains(where: { $0.isWhitespace && $0 != " " }) else { return nil }
        var parameters: [String: String] = [:]
        for item in rest[rest.index(after: close)...].split(separator: " ") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            parameters[pair[0].uppercased()] = pair.count == 2 ? String(pair[1]) : ""
        }
        return (address, parameters)
    }

    /// Decodes RFC 3461 xtext ("+HH" for a byte); "[UNAVAILABLE]" and "[TEMPUNAVAIL]" stay as they are.
    static func decodeXtext(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "+") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String { trimmed(where: { $0 == " " || $0 == "\t" }) }
}
