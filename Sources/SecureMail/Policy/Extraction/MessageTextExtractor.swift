import Foundation

/// Takes every piece of readable text out of a message for the DLP detectors (DESIGN.md §5):
/// the Subject, text parts after transfer and charset decoding, HTML rendered as text,
/// embedded messages with their Subjects, and attachments whose text can be read (plain
/// text, CSV, HTML, DOCX, XLSX, ODT/ODS/ODP, the text layer of PDFs, ZIP archives of those).
///
/// Pure: bytes in, text out; no file or network access. Whatever cannot be read (encrypted
/// parts, images, unsupported formats, damaged archives, anything over `ExtractionLimits`)
/// is listed in `MessageExtraction.unreadable`, never skipped silently. Detached signatures
/// (`application/pkcs7-signature`, `application/pgp-signature`) carry no text and are skipped.
public struct MessageTextExtractor: Sendable {
    /// The bounds applied to each message.
    public var limits: ExtractionLimits

    /// Makes an extractor with the given bounds.
    public init(limits: ExtractionLimits = .default) {
        self.limits = limits
    }

    /// The text of a parsed message.
    public func extract(_ message: MIMEPart) -> MessageExtraction {
        var walk = Walk(limits: limits)
        walk.message(message, location: nil, depth: 0)
        return walk.result
    }

    /// The text of a message given as bytes. A message over the MIME parser's limits is
    /// reported as unreadable at location `message`.
    public func extract(messageBytes: [UInt8], mimeLimits: MIMELimits = .default) -> MessageExtraction {
        do {
            return extract(try MIMEParser.parse(messageBytes, limits: mimeLimits))
        } catch {
            return MessageExtraction(unreadable: [UnreadableContent(location: "message", reason: "\(error)")])
        }
    }

    /// The text of a single file that is not a message (an attachment on its own), found by its
    /// content and `name`; every location is `location`, or below it for ZIP entries.
    public func extract(file bytes: [UInt8], name: String, location: String) -> MessageExtraction {
        var walk = Walk(limits: limits)
        walk.document(bytes[...], name: name, mediaType: "application/octet-stream", charset: nil, location: location, depth: 0)
        return walk.result
    }

    /// How much of the start of a file ``looksLikeMessage(_:)`` reads.
    public static let headerProbeBytes = 256 * 1024

    /// Whether `bytes` start with an RFC 5322 header (an mbox `From ` line may come first):
    /// header fields up to the first empty line, at least one of them one that messages carry
    /// (From, To, Subject, Date, Message-ID, MIME-Version, Content-Type, Received ...).
    /// Plain text that happens to begin with `Note: ...` is not a message.
    public static func looksLikeMessage(_ bytes: [UInt8]) -> Bool {
        let messageFields: Set<String> = [
            "from", "to", "cc", "subject", "date", "message-id", "mime-version", "content-type", "received",
            "return-path", "reply-to", "sender", "delivered-to",
        ]
        var sawMessageField = false
        var lineStart = 0
        var lineNumber = 0
        let end = min(bytes.count, headerProbeBytes)
        while lineStart < end {
            let lineEnd = bytes[lineStart..<end].firstIndex(of: 0x0A) ?? end
            var line = bytes[lineStart..<lineEnd]
            if line.last == 0x0D { line = line.dropLast() }
            defer {
                lineStart = lineEnd + 1
                lineNumber += 1
            }
            if line.isEmpty { return sawMessageField }
            if lineNumber == 0, line.starts(with: Array("From ".utf8)) { continue }
            if line.first == 0x20 || line.first == 0x09 {
                if lineNumber == 0 { return false }
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                return false
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            if messageFields.contains(name) { sawMessageField = true }
        }
        return sawMessageField
    }
}

/// One extraction: the results so far and the decompression left.
private struct Walk {
    let limits: ExtractionLimits
    var budget: DecompressionBudget
    var result = MessageExtraction()

    init(limits: ExtractionLimits) {
        self.limits = limits
        budget = DecompressionBudget(limits)
    }

    private static let signatureTypes: Set<String> = [
        "application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature",
    ]
    private static let encryptedTypes: Set<String> = [
        "application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted", "multipart/encrypted",
    ]
    private static let encryptedExtensions: Set<String> = ["p7m", "gpg", "pgp", "asc", "age"]
    private static let zipTypes: Set<String> = ["application/zip", "application/x-zip-compressed", "application/x-zip"]
    private static let zipExtensions: Set<String> = ["zip", "docx", "docm", "xlsx", "xlsm", "pptx", "odt", "ods", "odp"]
    private static let textExtensions: Set<String> = ["txt", "text", "csv", "tsv", "md", "log", "json", "xml", "ics", "vcf", "eml"]

    mutating func text(_ text: String, location: String) {
        guard !text.isEmpty else { return }
        result.texts.append(ExtractedText(text: text, location: location))
    }

    mutating func unreadable(_ location: String, _ reason: String) {
        result.unreadable.append(UnreadableContent(location: location, reason: reason))
    }

    /// A message: its Subject, then its body. `location` is nil for the outermost message,
    /// whose Subject is `subject` and body `body`; an embedded message is all at `location`.
    mutating func message(_ message: MIMEPart, location: String?, depth: Int) {
        if let subject = message.header.first("Subject") {
            text(subject.decodedValue.trimmingSpace(), location: location ?? "subject")
        }
        part(message, context: location ?? "body", depth: depth)
    }

    mutating func part(_ part: MIMEPart, context: String, depth: Int) {
        let contentType = part.contentType
        switch part.body {
        case .multipart(let multipart):
            if contentType.mimeType == "multipart/encrypted" {
                unreadable(location(of: part, in: context), UnreadableReason.encrypted)
                return
            }
            for child in multipart.parts { self.part(child, context: context, depth: depth) }
        case .message(let inner):
            embedded(inner, container: part, context: context, depth: depth)
        case .single:
            if contentType.type == "message", contentType.subtype == "rfc822" || contentType.subtype == "global" {
                embedded(bytes: part.decodedBody(), container: part, context: context, depth: depth)
            } else {
                leaf(part, context: context, depth: depth)
            }
        }
    }

    private mutating func embedded(_ inner: MIMEPart, container: MIMEPart, context: String, depth: Int) {
        let location = isAttachment(container) ? Self.attachmentLocation(context, container.filename ?? "message.eml") : context
        guard depth < limits.maxNestingDepth else {
            unreadable(location, UnreadableReason.nestingDepth)
            return
        }
        message(inner, location: location, depth: depth + 1)
    }

    private mutating func embedded(bytes: [UInt8], container: MIMEPart, context: String, depth: Int) {
        do {
            embedded(try MIMEParser.parse(bytes), container: container, context: context, depth: depth)
        } catch {
            unreadable(Self.attachmentLocation(context, container.filename ?? "message.eml"), "\(error)")
        }
    }

    private mutating func leaf(_ part: MIMEPart, context: String, depth: Int) {
        let contentType = part.contentType
        if Self.signatureTypes.contains(contentType.mimeType) { return }
        if contentType.type == "text", !isAttachment(part) {
            let body = part.text() ?? UndeclaredText.decode(part.decodedBody())
            text(contentType.subtype == "html" ? HTMLText.text(from: body) : body, location: context)
            return
        }
        let name = part.filename ?? "unnamed.\(contentType.subtype)"
        document(
            bodyToRead(part, name: name, mediaType: contentType.mimeType)[...], name: name, mediaType: contentType.mimeType,
            charset: contentType.charset, location: Self.attachmentLocation(context, name), depth: depth)
    }

    /// How much of an attachment's raw body is decoded first to tell its kind.
    private static let sniffedRawBytes = 32 * 1024

    /// The decoded body, or only its decoded start when that start already settles that the
    /// attachment has no text to read (`document` looks at no more of it): a large image or
    /// binary file is then not decoded at all.
    private func bodyToRead(_ part: MIMEPart, name: String, mediaType: String) -> [UInt8] {
        guard case .single(let raw) = part.body, raw.count > Self.sniffedRawBytes else { return part.decodedBody() }
        let start = part.header.contentTransferEncoding.decode(Array(raw.prefix(Self.sniffedRawBytes)))
        // A cut-off escape or base64 group spoils at most the last few decoded bytes; what decides
        // is the first 8 KiB.
        guard start.count >= 8192 + 16, Self.isSettledByStart(start[...], name: name, mediaType: mediaType) else {
            return part.decodedBody()
        }
        return start
    }

    /// True when `document` would call the file unreadable from `start` alone: the same tests, in
    /// the same order, as there.
    private static func isSettledByStart(_ start: ArraySlice<UInt8>, name: String, mediaType: String) -> Bool {
        let fileExtension = Self.fileExtension(of: name)
        if encryptedTypes.contains(mediaType) || encryptedExtensions.contains(fileExtension) { return true }
        if start.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return true }
        if PDFText.looksLikePDF(start) { return false }
        if mediaType == "application/pdf" || fileExtension == "pdf" { return true }
        if start.starts(with: [0x50, 0x4B, 0x03, 0x04]) || start.starts(with: [0x50, 0x4B, 0x05, 0x06])
            || zipTypes.contains(mediaType) || mediaType.hasPrefix("application/vnd.openxmlformats")
            || mediaType.hasPrefix("application/vnd.oasis.opendocument") || zipExtensions.contains(fileExtension) {
            return false
        }
        if mediaType == "message/rfc822" || mediaType == "message/global" || fileExtension == "eml" { return false }
        if mediaType == "text/html" || fileExtension == "html" || fileExtension == "htm" { return false }
        if mediaType.hasPrefix("text/") || textExtensions.contains(fileExtension) { return false }
        if mediaType.hasPrefix("image/") || mediaType.hasPrefix("audio/") || mediaType.hasPrefix("video/") { return true }
        return !isProbablyText(start)
    }

    /// The lowercased extension of a file name, empty when it has none.
    static func fileExtension(of name: String) -> String {
        (name.split(separator: ".").count > 1 ? name.split(separator: ".").last.map(String.init) : nil)?.lowercased() ?? ""
    }

    /// The text of a file (an attachment or a ZIP entry), judged by its content first, then its
    /// media type and name.
    mutating func document(_ bytes: ArraySlice<UInt8>, name: String, mediaType: String, charset: String?, location: String, depth: Int) {
        let fileExtension = Self.fileExtension(of: name)
        if Self.encryptedTypes.contains(mediaType) || Self.encryptedExtensions.contains(fileExtension) {
            unreadable(location, UnreadableReason.encrypted)
        } else if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            unreadable(location, "OLE compound file (legacy or password-protected Office document) not supported")
        } else if PDFText.looksLikePDF(bytes) {
            let extraction = PDFText.extract(bytes, budget: &budget, maxStreams: limits.maxPDFStreams)
            text(extraction.text, location: location)
            if !extraction.problems.isEmpty { unreadable(location, Self.uniqued(extraction.problems).joined(separator: "; ")) }
        } else if mediaType == "application/pdf" || fileExtension == "pdf" {
            unreadable(location, "damaged PDF (no %PDF header)")
        } else if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06])
                    || Self.zipTypes.contains(mediaType) || mediaType.hasPrefix("application/vnd.openxmlformats")
                    || mediaType.hasPrefix("application/vnd.oasis.opendocument") || Self.zipExtensions.contains(fileExtension) {
            zip(bytes, location: location, depth: depth)
        } else if mediaType == "message/rfc822" || mediaType == "message/global" || fileExtension == "eml" {
            guard depth < limits.maxNestingDepth else {
                unreadable(location, UnreadableReason.nestingDepth)
                return
            }
            do {
                message(try MIMEParser.parse(Array(bytes)), location: location, depth: depth + 1)
            } catch {
                unreadable(location, "\(error)")
            }
        } else if mediaType == "text/html" || fileExtension == "html" || fileExtension == "htm" {
            text(HTMLText.text(from: Self.decodeText(bytes, charset: charset)), location: location)
        } else if mediaType.hasPrefix("text/") || Self.textExtensions.contains(fileExtension) {
            text(Self.decodeText(bytes, charset: charset), location: location)
        } else if mediaType.hasPrefix("image/") || mediaType.hasPrefix("audio/") || mediaType.hasPrefix("video/") {
            unreadable(location, "\(mediaType) has no text layer (no OCR)")
        } else if Self.isProbablyText(bytes) {
            text(Self.decodeText(bytes, charset: charset), location: location)
        } else {
            unreadable(location, "unsupported format \(mediaType)")
        }
    }

    private mutating func zip(_ bytes: ArraySlice<UInt8>, location: String, depth: Int) {
        guard depth < limits.maxNestingDepth else {
            unreadable(location, UnreadableReason.nestingDepth)
            return
        }
        let archive: ZipArchive
        do {
            archive = try ZipArchive(bytes, maxEntries: limits.maxZipEntries)
        } catch let problem as ZipArchive.Problem {
            unreadable(location, problem.reason)
            return
        } catch {
            unreadable(location, "damaged ZIP archive")
            return
        }
        if let format = OfficeText.format(of: archive) {
            switch OfficeText.text(of: archive, format: format, budget: &budget) {
            case .success(let documentText): text(documentText, location: location)
            case .failure(let problem): unreadable(location, problem.reason)
            }
            return
        }
        for entry in archive.entries where !entry.isDirectory {
            let entryLocation = location + "/" + entry.name
            switch archive.read(entry, budget: &budget) {
            case .success(let content):
                document(content[...], name: entry.name, mediaType: "application/octet-stream", charset: nil, location: entryLocation, depth: depth + 1)
            case .failure(let problem):
                unreadable(entryLocation, problem.reason)
            }
        }
    }

    private func isAttachment(_ part: MIMEPart) -> Bool {
        part.header.contentDisposition?.disposition == "attachment" || part.filename != nil
    }

    private func location(of part: MIMEPart, in context: String) -> String {
        isAttachment(part) ? Self.attachmentLocation(context, part.filename ?? "unnamed") : context
    }

    /// `attachment:NAME` at the top, `attachment:OUTER/NAME` inside an attachment.
    static func attachmentLocation(_ context: String, _ name: String) -> String {
        context.hasPrefix("attachment:") ? context + "/" + name : "attachment:" + name
    }

    static func decodeText(_ bytes: ArraySlice<UInt8>, charset: String?) -> String {
        if let charset, let decoded = Charsets.decode(Array(bytes), charset: charset) { return decoded }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return UndeclaredText.decode(Array(bytes.dropFirst(3))) }
        return UndeclaredText.decode(Array(bytes))
    }

    /// No NUL bytes and few control characters in the first 8 KiB.
    static func isProbablyText(_ bytes: ArraySlice<UInt8>) -> Bool {
        let sample = bytes.prefix(8192)
        guard !sample.isEmpty, !sample.contains(0) else { return false }
        let controls = sample.filter { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0x0C }.count
        return controls * 100 < sample.count
    }

    static func uniqued(_ reasons: [String]) -> [String] {
        var seen = Set<String>()
        return reasons.filter { seen.insert($0).inserted }
    }
}
