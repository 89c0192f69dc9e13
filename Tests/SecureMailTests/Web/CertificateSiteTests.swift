import Foundation
import Logging
import Testing
@testable import SecureMail

@Suite("Web: the certificate site over real HTTP", .serialized)
struct CertificateSiteTests {
    @Test("the page in Danish and English lists both mailboxes, and every link downloads the renderer's bytes")
    func pageInBothLanguages() async throws {
        guard ExternalTool.available("curl") else { return }
        let server = try await RunningSite.start()
        try await server.serving {
            let directory = server.site.directory
            for (query, language, outlook, switchLink) in [
                ("", "da", "bedst til Outlook", "href=\"?lang=en\""), ("?lang=en", "en", "best for Outlook", "href=\"?lang=da\""),
            ] {
                let page = try await Curl.get(server.baseURL, "/" + query)
                #expect(page.status == 200)
                #expect(page.header("Content-Type") == "text/html; charset=utf-8")
                let html = page.text
                #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"\(language)\">"))
                #expect(html.contains(outlook))
                #expect(html.contains(switchLink))
                #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
                for publication in directory.publications {
                    #expect(html.contains(publication.mailbox))
                    #expect(html.contains(CertificatePage.grouped(publication.certificate.sha256FingerprintHex)))
                    let links = hrefs(in: html).filter { $0.hasPrefix("/certs/\(publication.mailbox)") }
                    #expect(links.count == PublishedVariant.all.count)
                    for link in links {
                        let download = try await Curl.get(server.baseURL, link)
                        #expect(download.status == 200, "\(link)")
                        let expected = try #require(server.site.downloads[String(link.dropFirst("/certs/".count))])
                        #expect(download.body == (try publication.render(expected.format, options: .init(includeChain: expected.includesChain))))
                    }
                }
            }
        }
    }

    @Test("downloads: media type, attachment file name, strong ETag with If-None-Match 304, Last-Modified")
    func downloadHeadersAndRevalidation() async throws {
        guard ExternalTool.available("curl") else { return }
        let server = try await RunningSite.start()
        try await server.serving {
            for download in server.site.downloads.values {
                let response = try await Curl.get(server.baseURL, download.path)
                #expect(response.status == 200)
                #expect(response.header("Content-Type") == download.format.mimeType)
                #expect(response.header("Content-Disposition") == "attachment; filename=\"\(download.filename)\"")
                let tag = try #require(response.header("ETag"))
                #expect(tag.hasPrefix("\"") && !tag.hasPrefix("W/"))
                #expect(tag.contains(lowercaseHex(server.site.directory.publication(for: download.mailbox)?.certificate.sha256Fingerprint ?? [])))
                let lastModified = try #require(response.header("Last-Modified"))
                #expect(lastModified.hasSuffix(" GMT"))

                let head = try await Curl.get(server.baseURL, download.path, method: "HEAD")
                #expect(head.status == 200 && head.body.isEmpty)
                #expect(head.header("Content-Length") == "\(download.bytes.count)")
                #expect(head.header("ETag") == tag && head.header("Content-Type") == download.format.mimeType)

                let notModified = try await Curl.get(server.baseURL, download.path, headers: ["If-None-Match: \(tag)"])
                #expect(notModified.status == 304)
                #expect(notModified.body.isEmpty)
                #expect(notModified.header("ETag") == tag)
                #expect(try await Curl.get(server.baseURL, download.path, headers: ["If-None-Match: \"other\", W/\(tag)"]).status == 304)
                #expect(try await Curl.get(server.baseURL, download.path, headers: ["If-None-Match: \"other\""]).status == 200)
                #expect(try await Curl.get(server.baseURL, download.path, headers: ["If-Modified-Since: \(lastModified)"]).status == 304)
            }
            let tags = server.site.downloads.values.map(\.entityTag)
            #expect(Set(tags).count == tags.count)
        }
    }

    @Test("unknown addresses, key files, traversal and overlong paths get 404 or 400, never a file")
    func hostilePaths() async throws {
        guard ExternalTool.available("curl") else { return }
        let server = try await RunningSite.start()
        try await server.serving {
            let cases: [(String, Set<Int>)] = [
                ("/certs/nobody@gjensidige.dk.pem", [404]),
                ("/certs/sikkermail.key.pem", [404]),
                ("/certs/demo-ca.key.pem", [404]),
                ("/certs/../certs/demo-ca.key.pem", [400, 404]),
                ("/certs/%2e%2e%2fcerts%2fdemo-ca.key.pem", [400]),
                ("/certs/%2E%2E/%2E%2E/certs/sikkermail.key.pem", [400, 404]),
                ("/certs/..%2f..%2fetc%2fpasswd", [400]),
                ("/../certs/sikkermail.key.pem", [404]),
                ("/certs/", [404]),
                ("/certs/sikkermail@gjensidige.dk.pem/", [400, 404]),
                ("/certs/sikkermail@gjensidige.dk.pem%00.key", [400]),
                ("/Package.swift", [404]),
                ("/certs/" + String(repeating: "a", count: 4000) + ".pem", [400]),
                ("/" + String(repeating: "x/", count: 3000), [400]),
            ]
            for (path, statuses) in cases {
                let response = try await Curl.get(server.baseURL, path)
                #expect(statuses.contains(response.status), "\(path.prefix(80)) answered \(response.status)")
                #expect(!response.text.contains("PRIVATE KEY") && !response.text.contains("BEGIN CERTIFICATE"))
            }
            #expect(try await Curl.get(server.baseURL, "/certs/sikkermail%40gjensidige.dk.pem").status == 200)
            #expect(try await Curl.get(server.baseURL, "/certs/sikkermail@gjensidige.dk.pem", method: "POST").status == 405)
        }
    }

    @Test("/healthz answers 200 with JSON; /metrics parses as Prometheus text")
    func healthAndMetrics() async throws {
        guard ExternalTool.available("curl") else { return }
        let metrics = GatewayMetrics()
        metrics.recordMessage(direction: "inbound", outcome: "deliver", duration: .milliseconds(120))
        metrics.recordMessage(direction: "outbound", outcome: "encrypt", duration: .seconds(2))
        metrics.recordMessage(direction: "inbound", outcome: "deliver", duration: .milliseconds(40))
        let server = try await RunningSite.start(metrics: metrics)
        try await server.serving {

            let health = try await Curl.get(server.baseURL, "/healthz")
            #expect(health.status == 200)
            #expect(health.header("Content-Type") == "application/json")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body)) as? [String: Any])
            #expect(json["status"] as? String == "ok")
            #expect(json["mailboxes"] as? Int == 2)

            let response = try await Curl.get(server.baseURL, "/metrics")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            try expectPrometheusTextFormat(text)
            #expect(text.contains("# TYPE securemail_messages_total counter"))
            #expect(text.contains(#"securemail_messages_total{direction="inbound",outcome="deliver"} 2"#))
            #expect(text.contains(#"securemail_messages_total{direction="outbound",outcome="encrypt"} 1"#))
            #expect(text.contains("# TYPE securemail_message_duration_seconds histogram"))
            #expect(text.contains(#"securemail_message_duration_seconds_bucket{le="0.05"} 1"#))
            #expect(text.contains(#"securemail_message_duration_seconds_bucket{le="+Inf"} 3"#))
            #expect(text.contains("securemail_message_duration_seconds_count 3"))
            #expect(text.contains("# TYPE securemail_certificate_expiry_days gauge"))
            for publication in server.site.directory.publications {
                #expect(text.contains(#"securemail_certificate_expiry_days{mailbox="\#(publication.mailbox)",fingerprint="\#(publication.certificate.sha256FingerprintHex)"}"#))
            }

            guard SystemPython.available(module: "prometheus_client", package: "python3-prometheus-client") else { return }
            let parsed = try SystemPython.run(#"""
                import sys, json
                from prometheus_client.parser import text_string_to_metric_families
                out = {}
                for family in text_string_to_metric_families(sys.stdin.read()):
                    out[family.name] = {"type": family.type, "samples": [[s.name, s.labels, s.value] for s in family.samples]}
                print(json.dumps(out))
                """#, input: response.body)
            let families = try #require(try JSONSerialization.jsonObject(with: Data(parsed.standardOutput)) as? [String: [String: Any]])
            #expect(families["securemail_messages"]?["type"] as? String == "counter")
            #expect(families["securemail_message_duration_seconds"]?["type"] as? String == "histogram")
            #expect(families["securemail_certificate_expiry_days"]?["type"] as? String == "gauge")
            let expirySamples = try #require(families["securemail_certificate_expiry_days"]?["samples"] as? [[Any]])
            #expect(expirySamples.count == 2)
            for sample in expirySamples {
                let days = try #require(sample[2] as? Double)
                #expect(days > 30 && days < 3700)
            }
        }
    }

    @Test("every configured string is escaped in the page, and nothing but the configured mailboxes is published")
    func escaping() throws {
        let certificate = try CryptoFixtures.certificate("sikkermail")
        let hostile = PublishedCertificate(
            mailbox: "x\"<b>'&@example.dk", bundle: CertificateBundle(leaf: certificate),
            displayName: "<script>alert(1)</script>", organization: "A & B")
        let site = try CertificateSite(directory: CertificateDirectory(publications: [hostile]), metrics: GatewayMetrics())
        let html = String(decoding: site.respond(method: "GET", path: "/", query: nil, headers: []).body, as: UTF8.self)
        #expect(!html.contains("<script>") && !html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("x&quot;&lt;b&gt;&#39;&amp;@example.dk"))
        #expect(site.downloads.count == PublishedVariant.all.count)
        for name in site.downloads.keys {
            #expect(!name.contains("/") && !name.contains("\"") && !name.contains("<") && !name.hasPrefix("."))
        }
    }

    @Test("expiry within 30 days: a structured warning per certificate and the gauge in days")
    func expiryWarning() throws {
        let recorder = RecordingLogHandler()
        let logger = Logger(label: "test") { _ in recorder }
        let metrics = GatewayMetrics()
        let directory = try PublishingFixtures.directory()
        let watch = CertificateExpiryWatch(publications: directory.publications, metrics: metrics, logger: logger)

        #expect(watch.check(at: Date()).isEmpty)
        #expect(recorder.entries.isEmpty)

        let latest = directory.publications.map(\.certificate.notValidAfter).max() ?? Date()
        let expiring = watch.check(at: latest.addingTimeInterval(-10 * 86_400))
        #expect(expiring.count == 2)
        #expect(expiring.allSatisfy { (9...10).contains($0.daysLeft) })
        let warnings = recorder.entries.filter { $0.level == .warning }
        #expect(warnings.count == 2)
        for (warning, publication) in zip(warnings, directory.publications) {
            #expect(warning.metadata["mailbox"]?.description == publication.mailbox)
            #expect(warning.metadata["fingerprint"]?.description == publication.certificate.sha256FingerprintHex)
            #expect(warning.metadata["days_left"] != nil && warning.metadata["not_valid_after"] != nil)
            #expect(!warning.message.contains("PRIVATE"))
        }
        let text = String(decoding: metrics.prometheusText(), as: UTF8.self)
        let gaugeLines = text.split(separator: "\n").filter { $0.hasPrefix("securemail_certificate_expiry_days{") }
        #expect(gaugeLines.count == 2)
        for line in gaugeLines {
            let value = Double(line.split(separator: " ").last ?? "") ?? -1
            #expect(value > 9 && value <= 10.01)
        }

        _ = watch.check(at: latest.addingTimeInterval(86_400))
        #expect(recorder.entries.filter { $0.level == .error }.count == 2)
    }

    private func hrefs(in html: String) -> [String] {
        html.components(separatedBy: "href=\"").dropFirst().compactMap { $0.split(separator: "\"", maxSplits: 1).first.map(String.init) }
    }
}

/// Checks the Prometheus text exposition format line by line: `# HELP name text`,
/// `# TYPE name counter|gauge|histogram|summary|untyped`, and `name{labels} value`.
func expectPrometheusTextFormat(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let name = #"[a-zA-Z_:][a-zA-Z0-9_:]*"#
    let label = #"[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*""#
    let value = #"(?:[-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf)|NaN)"#
    let patterns = [
        "^# HELP \(name) .*$",
        "^# TYPE \(name) (?:counter|gauge|histogram|summary|untyped)$",
        "^\(name)(?:\\{\(label)(?:,\(label))*\\})? \(value)(?: -?[0-9]+)?$",
    ].map { try! NSRegularExpression(pattern: $0) }
    #expect(text.hasSuffix("\n"), sourceLocation: sourceLocation)
    var typed: Set<String> = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
        let line = String(line)
        let range = NSRange(line.startIndex..., in: line)
        #expect(patterns.contains { $0.firstMatch(in: line, range: range) != nil }, "not Prometheus text: \(line)", sourceLocation: sourceLocation)
        if line.hasPrefix("# TYPE ") { typed.insert(String(line.split(separator: " ")[2])) }
        if !line.hasPrefix("#") {
            let metric = String(line.prefix { $0 != "{" && $0 != " " })
            let family = ["_bucket", "_sum", "_count"].reduce(metric) { name, suffix in
                typed.contains(name) ? name : (name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : name)
            }
            #expect(typed.contains(family), "sample \(metric) before its # TYPE line", sourceLocation: sourceLocation)
        }
    }
}
