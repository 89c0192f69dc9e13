/// Rewrites HTML so that showing it cannot fetch anything from the network: the defence
/// against EFAIL's direct exfiltration and CBC/CFB gadget attacks (Poddebniak et al.,
/// USENIX Security 2018) for mail whose content is not `verified`.
///
/// EFAIL needs the mail client to load a URL that the attacker built around decrypted
/// text (`<img src="http://efail.de/` + plaintext + `">`). A gateway cannot know which
/// bytes of decrypted content came from the attacker, so for content that is not
/// verified it removes every way HTML can reach out, and keeps everything a reader sees:
///
/// - URL attributes (`src`, `href`, `srcset`, `background`, `action`, `formaction`,
///   `poster`, `data`, `cite`, `longdesc`, `ping`, `srcdoc`, `*src`, `*href` ...) keep only
///   values that stay inside the message (`cid:`, `#fragment`, `mailto:`, `data:image/`);
///   anything else (http, https, ftp, protocol-relative `//host`, relative URLs that a
///   `<base>` could redirect, `javascript:`) is renamed `data-securemail-blocked-<name>`, so
///   that it is inert but an operator can still see what it was. Values are judged after
///   decoding character references and removing the whitespace browsers ignore.
/// - `on*` event handlers, `<meta http-equiv>` (refresh, cookies) and a meta `content` with a
///   URL are renamed the same way, and so is a `style` attribute that uses `url(`,
///   `image-set(`, `@import`, `expression(` or a backslash (a CSS escape could spell them).
/// - CSS in `<style>` elements loses those functions (they become `blocked-url(` and so on,
///   which browsers ignore) and its backslashes; `<` in it is escaped, so that markup hidden
///   in a `<style>` of an SVG (where it is parsed as markup) cannot start a tag.
/// - `<script>` elements, comments (Outlook runs `<!--[if mso]>` blocks), processing
///   instructions and other `<!...>` declarations except `<!DOCTYPE>` are removed.
/// - Markup that never ends (an unterminated quoted attribute, tag or comment: the
///   classic EFAIL payload) does not swallow the rest of the document: the tag is closed
///   where the broken part starts and the rest is kept as visible, escaped text.
///
/// Text between tags is copied unchanged. The result is well-formed enough for any
/// browser engine; it is not a general-purpose sanitiser (styles and layout stay).
public enum HTMLNeutraliser {
    /// The prefix given to attributes that were made inert.
    public static let blockedPrefix = "data-securemail-blocked-"

    /// Returns `html` with every external reference made inert (see the type's documentation).
    public static func neutralise(_ html: String) -> String {
        var scanner = Scanner(Array(html.unicodeScalars))
        return scanner.run()
    }

    /// Whether a URL attribute value stays inside the message.
    static func isInternalReference(_ value: String) -> Bool {
        let compact = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F })).lowercased()
        if compact.isEmpty { return true }
        return ["cid:", "#", "mailto:", "data:image/"].contains { compact.hasPrefix($0) }
    }

    /// CSS with its ways of loading URLs made invalid.
    static func neutraliseCSS(_ css: String) -> String {
        var result = css.replacingOccurrences(of: "\\", with: "")
        for (pattern, replacement) in [("url(", "blocked-url("), ("image-set(", "blocked-image-set("), ("@import", "@blocked-import"),
                                       ("expression(", "blocked-expression("), ("image(", "blocked-image(")] {
            result = replacingCaseInsensitive(pattern, with: replacement, in: result)
        }
        return result
    }

    private static func replacingCaseInsensitive(_ pattern: String, with replacement: String, in text: String) -> String {
        let lowered = Array(text.lowercased().unicodeScalars)
        let original = Array(text.unicodeScalars)
        // Lowercasing can change the scalar count (rare letters); fall back to the plain match then.
        guard lowered.count == original.count else { return text.replacingOccurrences(of: pattern, with: replacement) }
        let needle = Array(pattern.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < original.count {
            if index + needle.count <= lowered.count, lowered[index..<(index + needle.count)].elementsEqual(needle) {
                // Do not block the same name twice ("blocked-url(" contains "url(").
                let before = String(String.UnicodeScalarView(original[max(0, index - 8)..<index])).lowercased()
                if !before.hasSuffix("blocked-") && !before.hasSuffix("@blocked-") {
                    output.append(contentsOf: replacement.unicodeScalars)
                    index += needle.count
                    continue
                }
            }
            output.append(original[index])
            index += 1
        }
        return String(output)
    }

    static let urlAttributes: Set<String> = [
        "src", "href", "srcset", "imagesrcset", "background", "action", "formaction", "poster", "data", "cite", "longdesc", "ping",
        "srcdoc", "codebase", "archive", "classid", "profile", "manifest", "icon", "usemap", "lowsrc", "dynsrc", "xlink:href",
    ]

    /// Whether an attribute must be renamed, given its (lowercased) name, its decoded value and its element.
    static func mustBlock(attribute name: String, value: String, element: String) -> Bool {
        if name.hasPrefix(blockedPrefix) { return false }
        if name.hasPrefix("on") { return true }
        if element == "meta" && (name == "http-equiv" || (name == "content" && value.lowercased().contains("url"))) { return true }
        if name == "srcdoc" || name == "srcset" || name == "imagesrcset" { return !value.isEmpty }
        if urlAttributes.contains(name) || name.hasSuffix("src") || name.hasSuffix("href") { return !isInternalReference(value) }
        return false
    }
}

/// A single pass over the HTML, in the spirit of the HTML5 tokenizer (tags, attributes,
/// raw-text elements, comments), writing the neutralised document as it goes.
private struct Scanner {
    let input: [Unicode.Scalar]
    var position = 0
    var output = String.UnicodeScalarView()

    init(_ input: [Unicode.Scalar]) { self.input = input }

    mutating func run() -> String {
        while position < input.count {
            let scalar = input[position]
            if scalar == "<", position + 1 < input.count {
                let next = input[position + 1]
                if isLetter(next) {
                    startTag()
                    continue
                }
                if next == "/", position + 2 < input.count, isLetter(input[position + 2]) {
                    endTag()
                    continue
                }
                if next == "!" || next == "?" {
                    declaration()
                    continue
                }
            }
            output.append(scalar)
            position += 1
        }
        return String(output)
    }

    private func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
    }

    private func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0C}"
    }

    private func starts(with text: String, at index: Int) -> Bool {
        let needle = Array(text.lowercased().unicodeScalars)
        guard index + needle.count <= input.count else { return false }
        for offset in 0..<needle.count where lower(input[index + offset]) != needle[offset] { return false }
        return true
    }

    private func lower(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        scalar >= "A" && scalar <= "Z" ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar
    }

    private func find(_ text: String, from index: Int) -> Int? {
        var candidate = index
        while candidate < input.count {
            if starts(with: text, at: candidate) { return candidate }
            candidate += 1
        }
        return nil
    }

    /// The rest of the input, from `index`, as escaped text.
    private mutating func emitRestAsText(from index: Int) {
        for scalar in input[index...] {
            switch scalar {
            case "<": output.append(contentsOf: "&lt;".unicodeScalars)
            case ">": output.append(contentsOf: "&gt;".unicodeScalars)
            default: output.append(scalar)
            }
        }
        position = input.count
    }

    /// `<!-- ... -->`, `<!DOCTYPE ...>`, `<![CDATA[...]]>`, `<? ... >`.
    private mutating func declaration() {
        if starts(with: "<!--", at: position) {
            guard let end = find("-->", from: position + 4) else {
                emitRestAsText(from: position)
                return
            }
            position = end + 3
            return
        }
        guard let end = input[position...].firstIndex(of: ">") else {
            emitRestAsText(from: position)
            return
        }
        if starts(with: "<!doctype", at: position) {
            output.append(contentsOf: input[position...end])
        }
        position = end + 1
    }

    private mutating func endTag() {
        var index = position + 2
        var name = String.UnicodeScalarView()
        while index < input.count, !isSpace(input[index]), input[index] != ">", input[index] != "/" {
            name.append(lower(input[index]))
            index += 1
        }
        guard let end = input[index...].firstIndex(of: ">") else {
            emitRestAsText(from: position)
            return
        }
        output.append(contentsOf: "</".unicodeScalars)
        output.append(contentsOf: name)
        output.append(">")
        position = end + 1
    }

    private struct Attribute {
        var name: String
        var value: String?
    }

    private mutating func startTag() {
        let tagStart = position
        var index = position + 1
        var nameScalars = String.UnicodeScalarView()
        while index < input.count, !isSpace(input[index]), input[index] != ">", input[index] != "/" {
            nameScalars.append(lower(input[index]))
            index += 1
        }
        let element = String(nameScalars)
        var attributes: [Attribute] = []
        var selfClosing = false
        var brokenAt: Int?
        var closed = false
        while index < input.count {
            let scalar = input[index]
            if isSpace(scalar) || scalar == "/" {
                if scalar == "/", index + 1 < input.count, input[index + 1] == ">" { selfClosing = true }
                index += 1
                continue
            }
            if scalar == ">" {
                index += 1
                closed = true
                break
            }
            let attributeStart = index
            var attributeName = String.UnicodeScalarView()
            while index < input.count, !isSpace(input[index]), input[index] != ">", input[index] != "/",
                input[index] != "=" || index == attributeStart
            {
                attributeName.append(lower(input[index]))
                index += 1
            }
            while index < input.count, isSpace(input[index]) { index += 1 }
            guard index < input.count, input[index] == "=" else {
                attributes.append(Attribute(name: String(attributeName), value: nil))
                continue
            }
            index += 1
            while index < input.count, isSpace(input[index]) { index += 1 }
            guard index < input.count else { break }
            if input[index] == "\"" || input[index] == "'" {
                let quote = input[index]
                guard let close = input[(index + 1)...].firstIndex(of: quote) else {
                    // An unterminated quoted value would swallow the rest of the document.
                    brokenAt = attributeStart
                    break
                }
                attributes.append(Attribute(name: String(attributeName), value: String(String.UnicodeScalarView(input[(index + 1)..<close]))))
                index = close + 1
            } else {
                let valueStart = index
                while index < input.count, !isSpace(input[index]), input[index] != ">" { index += 1 }
                attributes.append(Attribute(name: String(attributeName), value: String(String.UnicodeScalarView(input[valueStart..<index]))))
            }
        }
        if brokenAt == nil && !closed {
            // A tag that never ends: keep it as text.
            emitRestAsText(from: tagStart)
            return
        }
        if element == "script" {
            position = brokenAt.map { _ in input.count } ?? skipRawText(element, from: index)
            return
        }
        writeTag(element, attributes: attributes, selfClosing: selfClosing)
        if let brokenAt {
            emitRestAsText(from: brokenAt)
            return
        }
        position = index
        if element == "style" {
            let end = find("</style", from: index) ?? input.count
            let css = String(String.UnicodeScalarView(input[index..<end]))
            output.append(contentsOf: HTMLNeutraliser.neutraliseCSS(css).replacingOccurrences(of: "<", with: "\\3C ").unicodeScalars)
            position = end
        }
    }

    /// The index just past `</name ...>`, or the end of the input.
    private func skipRawText(_ name: String, from index: Int) -> Int {
        guard let end = find("</\(name)", from: index) else { return input.count }
        return (input[end...].firstIndex(of: ">") ?? (input.count - 1)) + 1
    }

    private mutating func writeTag(_ element: String, attributes: [Attribute], selfClosing: Bool) {
        output.append("<")
        output.append(contentsOf: element.unicodeScalars)
        for attribute in attributes {
            guard let raw = attribute.value else {
                output.append(" ")
                output.append(contentsOf: attribute.name.unicodeScalars)
                continue
            }
            let value = HTMLCharacterReferences.decode(raw)
            var name = attribute.name
            if HTMLNeutraliser.mustBlock(attribute: name, value: value, element: element)
                || (name == "style" && HTMLNeutraliser.neutraliseCSS(value) != value)
            {
                name = HTMLNeutraliser.blockedPrefix + name.replacingOccurrences(of: ":", with: "-")
            }
            output.append(" ")
            output.append(contentsOf: name.unicodeScalars)
            output.append(contentsOf: "=\"".unicodeScalars)
            output.append(contentsOf: HTMLCharacterReferences.escapeAttribute(value).unicodeScalars)
            output.append("\"")
        }
        if selfClosing { output.append("/") }
        output.append(">")
    }
}

/// HTML character references, as far as judging a URL needs them.
enum HTMLCharacterReferences {
    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "colon": ":", "sol": "/", "period": ".", "tab": "\t",
        "newline": "\n", "lpar": "(", "rpar": ")", "bsol": "\\", "commat": "@", "num": "#", "nbsp": "\u{A0}",
    ]

    /// Decodes numeric references and the common named ones; anything else stays as written.
    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "&" else {
                output.append(scalars[index])
                index += 1
                continue
            }
            var end = index + 1
            while end < scalars.count, end - index <= 32, scalars[end] != ";",
                scalars[end].properties.isAlphabetic || (scalars[end] >= "0" && scalars[end] <= "9") || scalars[end] == "#"
            {
                end += 1
            }
            let body = String(String.UnicodeScalarView(scalars[(index + 1)..<min(end, scalars.count)]))
            let consumed = end < scalars.count && scalars[end] == ";" ? end + 1 : end
            if let decoded = reference(body) {
                output.append(contentsOf: decoded.unicodeScalars)
                index = consumed
            } else {
                output.append(scalars[index])
                index += 1
            }
        }
        return String(output)
    }

    private static func reference(_ body: String) -> String? {
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let value: UInt32?
            if digits.first == "x" || digits.first == "X" {
                value = digits.count <= 9 ? UInt32(digits.dropFirst(), radix: 16) : nil
            } else {
                value = digits.count <= 10 ? UInt32(digits) : nil
            }
            guard let value else { return nil }
            return String(Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        return named[body.lowercased()]
    }

    /// Escapes a value for a double-quoted attribute.
    static func escapeAttribute(_ value: String) -> String {
        var output = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "\"": output += "&quot;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
