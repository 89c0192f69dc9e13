import Foundation
import Logging
import Testing
@testable import SecureMail

@Suite("Web: headless Chromium and the serve command", .serialized)
struct BrowserAndServeTests {
    @Test("Chromium renders the page in both languages with both mailboxes and their download links")
    func chromiumRendersThePage() async throws {
        guard ExternalTool.available("chromium") else { return }
        let server = try await RunningSite.start()
        try await server.serving {
            let artifacts = Repository.root.appendingPathComponent("Tests/artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let profile = try TemporaryFolder("chromium-profile")
            for (language, query, outlook) in [("da", "", "bedst til Outlook"), ("en", "?lang=en", "best for Outlook")] {
                let url = "\(server.baseURL)/\(query)"
                let common = [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--user-data-dir=\(profile.path(language))",
                ]
                let dom = try await offCooperativePool { try ExternalTool.run("chromium", common + ["--dump-dom", url]) }
                #expect(dom.succeeded, "chromium --dump-dom: \(dom.standardError)")
                let html = dom.outputText
                #expect(html.contains("<html lang=\"\(language)\">"))
                #expect(html.contains(outlook))
                for publication in server.site.directory.publications {
                    #expect(html.contains(publication.mailbox))
                    for variant in PublishedVariant.all {
                        #expect(html.contains("href=\"/certs/\(variant.filename(for: publication.mailbox))\""))
                    }
                }
                let screenshot = artifacts.appendingPathComponent("certificate-page-\(language).png").path
                try? FileManager.default.removeItem(atPath: screenshot)
                let shot = try await offCooperativePool {
                    try ExternalTool.run("chromium", common + ["--screenshot=\(screenshot)", "--window-size=1200,1600", url])
                }
                #expect(shot.succeeded, "chromium --screenshot: \(shot.standardError)")
                let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: screenshot)))
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
                #expect(png.count > 20_000, "a blank page would compress to almost nothing")
            }
        }
    }

    @Test("serve: the web site answers on --http, core dumps are off, and SIGTERM ends it gracefully with exit 0")
    func serveUntilSIGTERM() async throws {
        guard ExternalTool.available("curl") else { return }
        let server = try #require(try await RelayServe.start(arguments: []))
        let page = try await Curl.get(server.baseURL, "/")
        #expect(page.status == 200)
        #expect(page.text.contains("sikkermail-arbejdsskade@gjensidige.dk"))
        let limits = (try? String(contentsOfFile: "/proc/\(server.process.processIdentifier)/limits", encoding: .utf8)) ?? ""
        let coreLimit = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") }?.split(separator: " ") ?? []
        #expect(coreLimit.dropFirst(4).prefix(2) == ["0", "0"], "core dumps must be off in the gateway: \(coreLimit)")
        let (status, log) = server.stop()
        #expect(status == 0, "\(log)")
        #expect(log.contains("listening"))
        #expect(!log.contains("expires soon"))
    }

    @Test("serve: a mailbox certificate that expires within 30 days is logged at start, with the gauge in /metrics")
    func serveWarnsAboutExpiry() async throws {
        guard ExternalTool.available("curl"), OpenSSLTool.available() else { return }
        let folder = try TemporaryFolder("serve-expiry")
        let extensions = try folder.write("ext.cnf", Array("""
            subjectAltName = email:sikkermail@gjensidige.dk
            keyUsage = critical, digitalSignature, keyEncipherment
            extendedKeyUsage = emailProtection
            """.utf8))
        let request = try ExternalTool.require("openssl", [
            "req", "-new", "-key", Repository.certs("sikkermail.key.pem"),
            "-subj", "/C=DK/O=SecureMail DEMO/CN=Sikker mail (DEMO, short-lived)/emailAddress=sikkermail@gjensidige.dk",
        ])
        let requestPath = try folder.write("short.csr", request.standardOutput)
        try ExternalTool.require("openssl", [
            "x509", "-req", "-in", requestPath, "-CA", Repository.certs("demo-ca.pem"), "-CAkey", Repository.certs("demo-ca.key.pem"),
            "-set_serial", "4242", "-days", "10", "-extfile", extensions, "-out", folder.path("short.pem"),
        ])
        let root = Repository.root.path
        let toml = ExampleConfiguration.toml
            .replacingOccurrences(of: "\"certs/sikkermail.pem\"", with: "\"\(folder.path("short.pem"))\"")
            .replacingOccurrences(of: "\"certs/", with: "\"\(root)/certs/")
            .replacingOccurrences(of: "\".securemail-state\"", with: "\"\(folder.path("state"))\"")
        let configuration = try folder.write("securemail.toml", Array(toml.utf8))

        let server = try #require(try await RelayServe.start(arguments: ["--config", configuration]))
        let metrics = try await Curl.get(server.baseURL, "/metrics")
        let (status, log) = server.stop()
        #expect(status == 0, "\(log)")
        let warning = try #require(log.split(separator: "\n").first { $0.contains("expires soon") }.map(String.init), "\(log)")
        #expect(warning.contains("warning"))
        #expect(warning.contains("mailbox=sikkermail@gjensidige.dk"))
        #expect(warning.contains("days_left=9"))
        #expect(log.split(separator: "\n").filter { $0.contains("expires soon") }.count == 1, "only the short-lived certificate")
        let gauge = metrics.text.split(separator: "\n").first { $0.hasPrefix("securemail_certificate_expiry_days{mailbox=\"sikkermail@gjensidige.dk\"") }
        let days = gauge.flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
        #expect(days > 9 && days <= 10)
    }
}

/// `securemail-relay serve` running as a child process on a random free port.
final class RelayServe {
    let process: ChildProcess
    let port: Int
    private let folder: TemporaryFolder

    private init(process: ChildProcess, port: Int, folder: TemporaryFolder) {
        self.process = process
        self.port = port
        self.folder = folder
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts serve with `arguments` (plus `--http`) from the repository root and waits until
    /// `/healthz` answers; tries three random ports. Nil (with an issue) when it never comes up.
    static func start(arguments: [String]) async throws -> RelayServe? {
        var lastLog = ""
        for _ in 0..<3 {
            let port = Int.random(in: 20_000..<60_000)
            let folder = try TemporaryFolder("serve")
            let process = try ChildProcess(
                Relay.binary, ["serve", "--http", "127.0.0.1:\(port)"] + arguments,
                environment: ["SECUREMAIL_CONFIG": ""], directory: Repository.root.path, standardError: .file(folder.path("stderr")))
            let serve = RelayServe(process: process, port: port, folder: folder)
            for _ in 0..<300 where process.isRunning {
                if let health = try? await Curl.get(serve.baseURL, "/healthz"), health.status == 200 {
                    return serve
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            lastLog = serve.stop().log
        }
        Issue.record("serve did not come up on any of three random ports: \(lastLog)")
        return nil
    }

    /// Sends SIGTERM, waits for the exit (SIGKILL after 30 s), and returns the exit status and what it logged.
    func stop() -> (status: Int32, log: String) {
        let termination = process.stop(signal: SIGTERM, grace: 30)
        let log = String(decoding: (try? folder.read("stderr")) ?? [], as: UTF8.self)
        guard case .exited(let status) = termination else { return (-1, log) }
        return (status, log)
    }
}
