import Foundation

/// The public certificate download site: a page (Danish, or English with `?lang=en`) that
/// explains how to send secure mail and lists each mailbox with its downloads, the downloads
/// themselves, `/healthz` and `/metrics`.
///
/// Everything served is rendered once, from the certificates in memory, when the site is
/// made: a request never reads a file, and only the configured mailboxes' certificates (never
/// a key) can be served. Unknown names are 404; paths with `..`, a slash or control characters
/// after `/certs/`, and paths longer than ``maximumPathLength``, are 400.
public struct CertificateSite: Sendable {
    /// One file offered for download.
    public struct Download: Sendable, Equatable {
        /// The mailbox it belongs to.
        public let mailbox: String
        /// Its format.
        public let format: PublishedFormat
        /// Whether it carries the chain (PEM with chain; PKCS#7 always does).
        public let includesChain: Bool
        /// The file name, also the last path segment of its URL.
        public let filename: String
        /// The bytes served.
        public let bytes: [UInt8]
        /// Strong entity tag (quoted): certificate fingerprint and format.
        public let entityTag: String
        /// Last-Modified: when the certificate became valid.
        public let lastModified: Date

        /// The URL path, e.g. `/certs/sikkermail@gjensidige.dk.vcf`.
        public var path: String { "/certs/\(filename)" }
    }

    /// Longest request path (in bytes) the site answers; longer ones get 400.
    public static let maximumPathLength = 512

    /// The published certificates.
    public let directory: CertificateDirectory
    /// The metrics served at `/metrics`.
    public let metrics: GatewayMetrics
    /// Every download, keyed by file name.
    public let downloads: [String: Download]
    private let pages: [SiteLanguage: [UInt8]]
    private let watch: CertificateExpiryWatch?

    /// Renders every download and both pages for `directory`. `expiryWatch`, when given, keeps
    /// the expiry gauge current on each `/metrics` request.
    public init(directory: CertificateDirectory, metrics: GatewayMetrics, expiryWatch: CertificateExpiryWatch? = nil) throws {
        self.directory = directory
        self.metrics = metrics
        self.watch = expiryWatch
        var downloads: [String: Download] = [:]
        var offers: [String: [Download]] = [:]
        for publication in directory.publications {
            for variant in PublishedVariant.all {
                let (format, chain) = (variant.format, variant.includesChain)
                let filename = variant.filename(for: publication.mailbox)
                let fingerprint = publication.certificate.sha256Fingerprint.map { String(format: "%02x", $0) }.joined()
                let download = Download(
                    mailbox: publication.mailbox, format: format, includesChain: chain || format == .p7c, filename: filename,
                    bytes: try publication.render(format, options: .init(includeChain: chain)),
                    entityTag: "\"\(fingerprint)-\(format.rawValue)\(chain ? "-chain" : "")\"",
                    lastModified: min(publication.certificate.notValidBefore, Date()))
                downloads[filename] = download
                offers[publication.mailbox, default: []].append(download)
            }
        }
        self.downloads = downloads
        var pages: [SiteLanguage: [UInt8]] = [:]
        for language in SiteLanguage.allCases {
            pages[language] = Array(
                CertificatePage(language: language, publications: directory.publications, offers: offers).html.utf8)
        }
        self.pages = pages
    }

    /// The downloads of one mailbox, in page order.
    public func downloads(for mailbox: String) -> [Download] {
        let wanted = mailbox.lowercased()
        return PublishedVariant.all.compactMap { downloads[$0.filename(for: wanted)] }
    }

    /// Answers one request. `path` is the request path as sent (percent-encoded), `query`
    /// the part after `?`, `headers` the request's header fields.
    public func respond(method: String, path: String, query: String?, headers: [(String, String)]) -> SiteResponse {
        guard path.utf8.count <= CertificateSite.maximumPathLength, (query?.utf8.count ?? 0) <= CertificateSite.maximumPathLength else {
            return .text(400, "Request path too long.")
        }
        let isHead = method == "HEAD"
        guard method == "GET" || isHead else {
            var response = SiteResponse.text(405, "Only GET and HEAD are served here.")
            response.headers.append(("Allow", "GET, HEAD"))
            return response
        }
        var response: SiteResponse
        switch path {
        case "/", "/index.html":
            response = page(SiteLanguage(query: query))
        case "/healthz":
            response = health()
        case "/metrics":
            watch?.refreshGauge()
            response = SiteResponse(
                status: 200, headers: [("Content-Type", GatewayMetrics.contentType), ("Cache-Control", "no-store")],
                body: metrics.prometheusText())
        default:
            if path.hasPrefix("/certs/") {
                response = download(String(path.dropFirst("/certs/".count)), headers: headers)
            } else {
                response = .text(404, "Not found.")
            }
        }
        if isHead {
            // The headers of the GET, with its length; the body is left out.
            response.headers.append(("Content-Length", "\(response.body.count)"))
            response.body = []
        }
        return response
    }

    private func page(_ language: SiteLanguage) -> SiteResponse {
        SiteResponse(
            status: 200,
            headers: [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Language", language.code),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "no-referrer"),
                ("Cache-Control", "no-cache"),
                ("Vary", "Accept-Encoding"),
            ],
            body: pages[language] ?? [])
    }

    private func health() -> SiteResponse {
        struct Health: Encodable {
            var status = "ok"
            var version = SecureMailBuild.version
            var mailboxes: Int
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(Health(mailboxes: directory.publications.count))).map { [UInt8]($0) } ?? Array(#"{"status":"ok"}"#.utf8)
        return SiteResponse(
            status: 200, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")], body: body + [0x0A])
    }

    private func download(_ encodedName: String, headers: [(String, String)]) -> SiteResponse {
        guard let name = encodedName.removingPercentEncoding,
              !name.contains("/"), !name.contains("\\"), !name.contains(".."),
              !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            return .text(400, "Bad certificate file name.")
        }
        guard let download = downloads[name.lowercased()] else {
            return .text(404, "No such certificate. The page lists the mailboxes whose certificates are published here.")
        }
        let lastModified = HTTPDate.format(download.lastModified)
        var responseHeaders: [(String, String)] = [
            ("ETag", download.entityTag),
            ("Last-Modified", lastModified),
            ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if isNotModified(download, requestHeaders: headers) {
            return SiteResponse(status: 304, headers: responseHeaders)
        }
        responseHeaders.insert(("Content-Type", download.format.mimeType), at: 0)
        responseHeaders.insert(("Content-Disposition", "attachment; filename=\"\(download.filename)\""), at: 1)
        return SiteResponse(status: 200, headers: responseHeaders, body: download.bytes)
    }

    /// RFC 9110 13.1.2 and 13.1.3: If-None-Match (weak comparison) decides when present;
    /// otherwise If-Modified-Since.
    private func isNotModified(_ download: Download, requestHeaders: [(String, String)]) -> Bool {
        let ifNoneMatch = requestHeaders.filter { $0.0.lowercased() == "if-none-match" }.map(\.1)
        if !ifNoneMatch.isEmpty {
            let tags = ifNoneMatch.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            let opaque = { (tag: String) in tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }
            return tags.contains { $0 == "*" || opaque($0) == download.entityTag }
        }
        if let since = requestHeaders.first(where: { $0.0.lowercased() == "if-modified-since" }).flatMap({ HTTPDate.parse($0.1) }) {
            return download.lastModified.timeIntervalSince(since) < 1
        }
        return false
    }
}

/// The page's language.
public enum SiteLanguage: String, CaseIterable, Sendable {
    /// Danish, the default.
    case danish = "da"
    /// English, with `?lang=en`.
    case english = "en"

    /// The BCP 47 code.
    public var code: String { rawValue }

    /// The language a query string asks for (`lang=en`), Danish otherwise.
    public init(query: String?) {
        let pairs = (query ?? "").split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
        let requested = pairs.first { $0.first == "lang" }.flatMap { $0.count == 2 ? $0[1].lowercased() : nil }
        self = requested == "en" ? .english : .danish
    }
}

/// HTTP dates (RFC 9110 5.6.7, IMF-fixdate).
enum HTTPDate {
    private static func formatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }

    static func format(_ date: Date) -> String { formatter().string(from: date) }

    static func parse(_ text: String) -> Date? { formatter().date(from: text.trimmingCharacters(in: .whitespaces)) }
}
